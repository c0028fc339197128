//! `seawall intel check-pattern`: verdicts, positions, JSON lines, stdin and exit codes.

mod common;

use std::io::Write;
use std::process::{Command, Stdio};

use common::{seawall, stdout};

#[test]
fn check_pattern_reports_verdicts_and_positions() {
    let out = seawall(&[
        "intel",
        "check-pattern",
        "--format",
        "jsonl",
        "[file:size = ]",
        "[ipv4-addr:value = '198.51.100.7']",
    ]);
    assert_eq!(out.status.code(), Some(1), "an invalid pattern makes the exit code 1");
    let lines: Vec<serde_json::Value> = stdout(&out).lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(lines.len(), 2);
    assert_eq!((lines[0]["valid"].as_bool(), lines[0]["position"].as_u64()), (Some(false), Some(13)));
    assert!(lines[0]["error"].as_str().unwrap().contains("literal"));
    assert_eq!((lines[1]["valid"].as_bool(), lines[1]["error"].is_null()), (Some(true), true));

    let ok = seawall(&["intel", "check-pattern", "[a:b = 1] FOLLOWEDBY [c:d = 2] WITHIN 10 SECONDS"]);
    assert_eq!(ok.status.code(), Some(0));
    assert!(stdout(&ok).starts_with("valid:"));

    let mut child = Command::new(env!("CARGO_BIN_EXE_seawall"))
        .args(["intel", "check-pattern", "--format", "jsonl"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(b"[a:b = 1] WITHIN 5 HOURS\n\n[x:y = 'ok']\n").unwrap();
    let o = child.wait_with_output().unwrap();
    let text = String::from_utf8_lossy(&o.stdout);
    let v: Vec<serde_json::Value> = text.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(v.len(), 2, "blank lines are not patterns");
    assert_eq!(v[0]["position"], 19);
    assert_eq!(v[1]["valid"], true);
}
