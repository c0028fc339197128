//! The `seawall` binary on small files written by the tests: outputs, exit codes, tallies,
//! compression, and bad input of every kind.

mod common;

use std::io::Write;
use std::path::{Path, PathBuf};

use common::{seawall, stderr, stdout};

const RULE: &str = r#"title: Suspicious Whoami
id: 11111111-1111-1111-1111-111111111111
status: test
author: Seawall tests
description: whoami run by a user
tags: [attack.discovery, attack.t1033]
logsource: {product: windows, category: process_creation}
detection:
  sel:
    Image|endswith: '\whoami.exe'
  condition: sel
level: high
"#;

const FORMULA_RULE: &str = r#"title: '=HYPERLINK("http://evil")'
id: 22222222-2222-2222-2222-222222222222
author: '@attacker'
logsource: {product: windows, category: process_creation}
detection:
  sel:
    CommandLine|contains: 'calc'
  condition: sel
level: low
"#;

fn event(id: u32, time: &str, image: &str, cmd: &str) -> String {
    serde_json::json!({
        "Event": {
            "System": {
                "Channel": "Microsoft-Windows-Sysmon/Operational",
                "EventID": id,
                "Computer": "ws1.example.net",
                "TimeCreated": {"#attributes": {"SystemTime": time}}
            },
            "EventData": {"Image": image, "CommandLine": cmd, "User": "CORP\\bob"}
        }
    })
    .to_string()
}

struct Dir(PathBuf);

impl Dir {
    fn new(name: &str) -> Dir {
        let p = std::env::temp_dir().join(format!("seawall-cli-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&p);
        std::fs::create_dir_all(&p).unwrap();
        Dir(p)
    }
    fn write(&self, name: &str, data: &[u8]) -> PathBuf {
        let p = self.0.join(name);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(&p, data).unwrap();
        p
    }
    fn s(&self, name: &str) -> String {
        self.0.join(name).display().to_string()
    }
}

impl Drop for Dir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn events_file(d: &Dir) -> PathBuf {
    let lines = [
        event(1, "2026-01-01T10:00:00Z", "C:\\Windows\\System32\\whoami.exe", "whoami /all"),
        event(1, "2026-01-01T11:00:00Z", "C:\\Windows\\System32\\calc.exe", "calc"),
        event(1, "2026-01-02T09:30:00Z", "C:\\Windows\\System32\\WHOAMI.EXE", "whoami"),
        event(3, "2026-01-02T09:31:00Z", "C:\\Windows\\System32\\whoami.exe", "not a process creation"),
    ];
    d.write("ev/sysmon.json", (lines.join("\n") + "\n").as_bytes())
}

fn stats_of(out: &std::process::Output) -> serde_json::Value {
    let err = stderr(out);
    let last = err.lines().last().expect("stderr has a last line");
    serde_json::from_str(last).unwrap_or_else(|e| panic!("last stderr line is not JSON ({e}): {last}"))
}

#[test]
fn jsonl_findings_have_the_documented_shape() {
    let d = Dir::new("jsonl");
    let ev = events_file(&d);
    d.write("rules/r.yml", RULE.as_bytes());
    let out =
        seawall(&["hunt", ev.to_str().unwrap(), "--rules", &d.s("rules"), "--format", "jsonl", "--stats", "json"]);
    assert_eq!(out.status.code(), Some(1), "a high finding means exit 1: {}", stderr(&out));
    let lines: Vec<serde_json::Value> = stdout(&out).lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(lines.len(), 1);
    let f = &lines[0];
    assert_eq!(f["rule_id"], "11111111-1111-1111-1111-111111111111");
    assert_eq!(f["title"], "Suspicious Whoami");
    assert_eq!(f["level"], "high");
    assert_eq!(f["count"], 2, "the EventID 3 record is routed away, the upper-case image still matches");
    assert_eq!(f["first_seen"], "2026-01-01T10:00:00Z");
    assert_eq!(f["last_seen"], "2026-01-02T09:30:00Z");
    assert_eq!(f["attack"], serde_json::json!(["T1033"]));
    assert_eq!(f["author"], "Seawall tests");
    assert_eq!(f["evidence"][0]["line"], 1);
    assert_eq!(f["evidence"][1]["line"], 3);
    assert!(f["evidence"][0]["file"].as_str().unwrap().ends_with("sysmon.json"));
    assert_eq!(f["entities"]["hosts"], serde_json::json!(["ws1.example.net"]));

    let s = stats_of(&out);
    for k in [
        "files",
        "files_skipped",
        "records_read",
        "parsed",
        "rejected",
        "rules_loaded",
        "rules_failed",
        "findings",
        "elapsed_s",
    ] {
        assert!(s.get(k).is_some(), "stats lack {k}: {s}");
    }
    assert_eq!(s["records_read"], 4);
    assert_eq!(s["parsed"], 4);
    assert_eq!(s["findings"], 1);

    let quiet = seawall(&["hunt", ev.to_str().unwrap(), "--rules", &d.s("rules"), "--fail-level", "critical", "-q"]);
    assert_eq!(quiet.status.code(), Some(0), "nothing at or above critical");
    assert!(stdout(&quiet).contains("Suspicious Whoami"));

    let capped = seawall(&[
        "hunt",
        ev.to_str().unwrap(),
        "--rules",
        &d.s("rules"),
        "--format",
        "jsonl",
        "--max-evidence",
        "1",
        "-q",
    ]);
    let f: serde_json::Value = serde_json::from_str(stdout(&capped).lines().next().unwrap()).unwrap();
    assert_eq!(f["evidence"].as_array().unwrap().len(), 1);
    assert_eq!(f["evidence"][0]["line"], 1, "capping keeps the first places");
    assert_eq!(f["count"], 2);
}

#[test]
fn time_window_and_min_level_filter() {
    let d = Dir::new("window");
    let ev = events_file(&d);
    d.write("rules/r.yml", RULE.as_bytes());
    d.write("rules/f.yml", FORMULA_RULE.as_bytes());
    let out = seawall(&[
        "hunt",
        ev.to_str().unwrap(),
        "--rules",
        &d.s("rules"),
        "--format",
        "jsonl",
        "--from",
        "2026-01-02",
        "-q",
    ]);
    let fs: Vec<serde_json::Value> = stdout(&out).lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(fs.len(), 1);
    assert_eq!(fs[0]["count"], 1);
    let out = seawall(&[
        "hunt",
        ev.to_str().unwrap(),
        "--rules",
        &d.s("rules"),
        "--format",
        "jsonl",
        "--min-level",
        "medium",
        "-q",
    ]);
    let fs: Vec<serde_json::Value> = stdout(&out).lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(fs.len(), 1, "the low rule is below --min-level");
    assert_eq!(fs[0]["level"], "high");
    let bad = seawall(&["hunt", ev.to_str().unwrap(), "--rules", &d.s("rules"), "--from", "last tuesday"]);
    assert_eq!(bad.status.code(), Some(2));
}

#[test]
fn csv_output_defuses_formulas() {
    let d = Dir::new("csv");
    let ev = events_file(&d);
    d.write("rules/f.yml", FORMULA_RULE.as_bytes());
    let out = seawall(&["hunt", ev.to_str().unwrap(), "--rules", &d.s("rules"), "--format", "csv", "-q"]);
    assert_eq!(out.status.code(), Some(0), "a low finding is below the default fail level");
    let text = stdout(&out);
    let mut lines = text.lines();
    assert_eq!(
        lines.next().unwrap(),
        "level,rule_id,title,count,first_seen,last_seen,attack,author,hosts,users,evidence"
    );
    let row = lines.next().unwrap();
    assert!(row.contains("\"'=HYPERLINK(\"\"http://evil\"\")\""), "{row}");
    assert!(row.contains("\"'@attacker\""), "{row}");
    assert!(!row.contains(",=") && !row.contains(",@"), "{row}");
}

#[test]
fn compressed_evidence_reads_the_same_and_bombs_are_refused() {
    let d = Dir::new("compressed");
    let plain = std::fs::read(events_file(&d)).unwrap();
    d.write("rules/r.yml", RULE.as_bytes());
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(&plain).unwrap();
    d.write("c/a.log.gz", &gz.finish().unwrap());
    let zst = ruzstd::encoding::compress_to_vec(&plain[..], ruzstd::encoding::CompressionLevel::Fastest);
    d.write("c/b.bin", &zst);
    let out = seawall(&["hunt", &d.s("c"), "--rules", &d.s("rules"), "--format", "jsonl", "--stats", "json"]);
    let f: serde_json::Value = serde_json::from_str(stdout(&out).lines().next().unwrap()).unwrap();
    assert_eq!(f["count"], 4, "two matches from each compressed copy");
    assert_eq!(stats_of(&out)["files"], 2);

    // 64 MiB of spaces compress to ~64 KiB: refused under a 1 MiB limit.
    let mut bomb = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    bomb.write_all(b"{\"a\": 1}\n").unwrap();
    let chunk = vec![b' '; 1 << 20];
    for _ in 0..64 {
        bomb.write_all(&chunk).unwrap();
    }
    d.write("bomb/x.json.gz", &bomb.finish().unwrap());
    let out = seawall(&[
        "hunt",
        &d.s("bomb"),
        &d.s("c"),
        "--rules",
        &d.s("rules"),
        "--max-decompressed-mib",
        "1",
        "--stats",
        "json",
    ]);
    let err = stderr(&out);
    assert!(err.contains("decompression bomb") && err.contains("x.json.gz"), "{err}");
    assert_eq!(out.status.code(), Some(1), "the other files are still hunted");
}

#[test]
fn malformed_records_are_counted_with_their_place() {
    let d = Dir::new("malformed");
    d.write("rules/r.yml", RULE.as_bytes());
    let mut text = event(1, "2026-01-01T10:00:00Z", "C:\\whoami.exe", "x");
    text.push_str("\n{\"broken\": \n");
    text.push_str(&event(1, "2026-01-01T10:00:01Z", "C:\\whoami.exe", "y"));
    text.push('\n');
    let mut bytes = text.into_bytes();
    bytes.extend_from_slice(b"{\"bad utf8\": \"\xff\xfe\"}\n");
    d.write("e/x.json", &bytes);
    d.write("e/notes.txt", b"just some notes, not evidence\n");
    let out = seawall(&["hunt", &d.s("e"), "--rules", &d.s("rules"), "--format", "jsonl", "--stats", "json", "-v"]);
    let err = stderr(&out);
    assert!(err.contains("x.json:line 2"), "{err}");
    assert!(err.contains("x.json:line 4") && err.contains("invalid UTF-8"), "{err}");
    assert!(err.contains("skipped (no known format)") && err.contains("notes.txt"), "{err}");
    let s = stats_of(&out);
    assert_eq!((s["records_read"].as_u64(), s["parsed"].as_u64(), s["rejected"].as_u64()), (Some(4), Some(2), Some(2)));
    assert_eq!(s["files"], 1);
    assert_eq!(s["files_skipped"], 1);
    let f: serde_json::Value = serde_json::from_str(stdout(&out).lines().next().unwrap()).unwrap();
    assert_eq!(f["count"], 2);
}

#[test]
fn bad_rules_are_reported_and_the_rest_run() {
    let d = Dir::new("badrules");
    let ev = events_file(&d);
    d.write("rules/good.yml", RULE.as_bytes());
    d.write("rules/yaml.yml", b"title: broken\ndetection: [unclosed\n");
    d.write(
        "rules/modifier.yml",
        b"title: m\nlogsource: {product: windows}\ndetection:\n  sel:\n    Image|containz: x\n  condition: sel\n",
    );
    d.write(
        "rules/regex.yml",
        b"title: r\nlogsource: {product: windows}\ndetection:\n  sel:\n    Image|re: '(unclosed'\n  condition: sel\n",
    );
    d.write(
        "rules/cond.yml",
        b"title: c\nlogsource: {product: windows}\ndetection:\n  sel:\n    Image: x\n  condition: sel and nothere\n",
    );
    let out =
        seawall(&["hunt", ev.to_str().unwrap(), "--rules", &d.s("rules"), "--format", "jsonl", "--stats", "json"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let s = stats_of(&out);
    assert_eq!((s["rules_loaded"].as_u64(), s["rules_failed"].as_u64()), (Some(1), Some(4)));
    let err = stderr(&out);
    assert!(err.contains("modifier.yml:5: 'Image|containz'") || err.contains("modifier.yml:5"), "{err}");
    assert!(err.contains("unknown modifier 'containz'"), "{err}");

    let check = seawall(&["rules", "check", &d.s("rules"), "--format", "json"]);
    let v: serde_json::Value = serde_json::from_str(stdout(&check).trim()).unwrap();
    assert_eq!((v["files"].as_u64(), v["rules"].as_u64(), v["ok"].as_u64()), (Some(5), Some(5), Some(1)));
    let errors = v["errors"].as_array().unwrap();
    assert_eq!(errors.len(), 4);
    let find = |name: &str| errors.iter().find(|e| e["file"].as_str().unwrap().ends_with(name)).unwrap().clone();
    assert_eq!(find("modifier.yml")["line"], 5);
    assert_eq!(find("regex.yml")["line"], 5);
    assert!(find("regex.yml")["error"].as_str().unwrap().contains("regular expression"));
    assert!(find("cond.yml")["error"].as_str().unwrap().contains("nothere"));
    assert_eq!(find("yaml.yml")["line"], 2);
    assert_eq!(check.status.code(), Some(1));
}

#[test]
fn correlation_rules_fire_over_event_time() {
    let d = Dir::new("corr");
    let rules = r#"title: Failed logon
name: failed_logon
id: 33333333-3333-3333-3333-333333333333
logsource: {product: windows, service: security}
detection:
  sel:
    EventID: 4625
  condition: sel
level: low
---
title: Many failed logons for one user
id: 44444444-4444-4444-4444-444444444444
author: Seawall tests
correlation:
  type: event_count
  rules: [failed_logon]
  group-by: [TargetUserName]
  timespan: 5m
  condition: {gte: 3}
level: high
"#;
    d.write("rules/c.yml", rules.as_bytes());
    let mk = |t: &str, user: &str| {
        serde_json::json!({"Event": {"System": {"Channel": "Security", "EventID": 4625,
            "TimeCreated": {"#attributes": {"SystemTime": t}}}, "EventData": {"TargetUserName": user}}})
        .to_string()
    };
    let lines = [
        mk("2026-01-01T10:00:00Z", "alice"),
        mk("2026-01-01T10:01:00Z", "alice"),
        mk("2026-01-01T10:01:30Z", "bob"),
        mk("2026-01-01T10:02:00Z", "alice"),
        mk("2026-01-01T10:03:00Z", "bob"),
        mk("2026-01-01T11:00:00Z", "bob"),
    ];
    d.write("e/sec.json", lines.join("\n").as_bytes());
    let out = seawall(&["hunt", &d.s("e"), "--rules", &d.s("rules"), "--format", "jsonl", "-q"]);
    let fs: Vec<serde_json::Value> = stdout(&out).lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(fs.len(), 1, "the base rule is silent (generate: false) and bob stays below 3: {fs:?}");
    assert_eq!(fs[0]["rule_id"], "44444444-4444-4444-4444-444444444444");
    assert!(fs[0]["title"].as_str().unwrap().contains("TargetUserName=alice"));
    assert_eq!(fs[0]["evidence"].as_array().unwrap().len(), 3);
    assert_eq!(fs[0]["author"], "Seawall tests");
    assert_eq!(out.status.code(), Some(1));
}

fn corrupt_copy(src: &Path, d: &Dir, name: &str, f: impl Fn(&mut Vec<u8>)) -> PathBuf {
    let mut bytes = std::fs::read(src).unwrap();
    f(&mut bytes);
    d.write(name, &bytes)
}

#[test]
fn corrupt_and_truncated_evtx_are_counted_not_fatal() {
    let Some(corpus) = common::corpus() else { return };
    // A multi-chunk EVTX from the corpus: the largest regression sample.
    let mut biggest: Option<(u64, PathBuf)> = None;
    let mut stack = vec![corpus.join("sigma/regression_data")];
    while let Some(dir) = stack.pop() {
        for e in std::fs::read_dir(dir).unwrap().flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().and_then(|x| x.to_str()) == Some("evtx") {
                let n = e.metadata().unwrap().len();
                if biggest.as_ref().is_none_or(|(m, _)| n > *m) {
                    biggest = Some((n, p));
                }
            }
        }
    }
    let (size, src) = biggest.expect("an evtx file");
    assert!(size >= 4096 + 65536, "need a file with a full chunk");
    let d = Dir::new("evtx");
    d.write("rules/r.yml", RULE.as_bytes());
    let whole = seawall(&["hunt", src.to_str().unwrap(), "--rules", &d.s("rules"), "--stats", "json", "-q"]);
    let base = stats_of(&whole);
    assert_eq!(base["rejected"], 0);
    let records = base["records_read"].as_u64().unwrap();
    assert!(records > 0);

    // Smash the first chunk's header magic and some record bytes.
    let bad = corrupt_copy(&src, &d, "bad.evtx", |b| {
        for x in &mut b[4096..4096 + 8] {
            *x = 0;
        }
    });
    let out = seawall(&[
        "hunt",
        bad.to_str().unwrap(),
        src.to_str().unwrap(),
        "--rules",
        &d.s("rules"),
        "--stats",
        "json",
        "-v",
    ]);
    assert_ne!(out.status.code(), Some(2), "{}", stderr(&out));
    let s = stats_of(&out);
    assert!(s["rejected"].as_u64().unwrap() >= 1, "{s}");
    assert_eq!(s["files"], 2);
    assert!(s["parsed"].as_u64().unwrap() >= records, "the intact file is still read: {s}");
    assert_eq!(s["records_read"].as_u64().unwrap(), s["parsed"].as_u64().unwrap() + s["rejected"].as_u64().unwrap());
    assert!(stderr(&out).contains("bad.evtx"), "{}", stderr(&out));

    // Cut the file in the middle of its last chunk.
    let cut = corrupt_copy(&src, &d, "cut.evtx", |b| b.truncate(b.len() - 30_000));
    let out = seawall(&["hunt", cut.to_str().unwrap(), "--rules", &d.s("rules"), "--stats", "json", "-v"]);
    assert_ne!(out.status.code(), Some(2), "{}", stderr(&out));
    let s = stats_of(&out);
    assert!(s["rejected"].as_u64().unwrap() >= 1, "a cut-off chunk is reported: {s}\n{}", stderr(&out));
    assert_eq!(s["records_read"].as_u64().unwrap(), s["parsed"].as_u64().unwrap() + s["rejected"].as_u64().unwrap());
}
