//! `seawall demo`: every step of the intrusion storyline (docs/demo.md) is detected, by rule id;
//! the same carrier without the intrusion gives no high or critical finding; and the generator is
//! deterministic.

mod common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use common::{seawall, stderr, stdout};
use serde_json::Value;

fn rule_id(stem: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("../../rules/telecom/{stem}.yml"));
    let text = std::fs::read_to_string(&path).expect("rule file");
    text.lines().find_map(|l| l.strip_prefix("id: ")).expect("id").trim().to_string()
}

fn scratch(tag: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("seawall-demo-test-{tag}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    d
}

fn run_demo(out: &Path, extra: &[&str]) -> (Option<i32>, Vec<Value>) {
    let mut args =
        vec!["demo", "--out", out.to_str().unwrap(), "--format", "jsonl", "-q", "--min-level", "informational"];
    args.extend_from_slice(extra);
    let o = seawall(&args);
    assert_ne!(o.status.code(), Some(2), "{}", stderr(&o));
    let findings =
        stdout(&o).lines().filter(|l| !l.is_empty()).map(|l| serde_json::from_str(l).expect("finding")).collect();
    (o.status.code(), findings)
}

#[test]
fn every_storyline_step_is_detected() {
    let out = scratch("story");
    let (code, findings) = run_demo(&out, &[]);
    assert_eq!(code, Some(1), "high and critical findings make the exit code 1");
    let by_rule: BTreeMap<String, &Value> =
        findings.iter().map(|f| (f["rule_id"].as_str().unwrap().to_string(), f)).collect();
    let steps: &[(&str, &[&str])] = &[
        ("1 web-UI exploitation of edge-rtr-03", &["tel_sys_webui_programmatic_config"]),
        ("2 local administrator account", &["tel_cli_local_account_priv15"]),
        (
            "3 GRE tunnel to an outside host",
            &["tel_cli_tunnel_interface_created", "tel_flow_tunnel_to_unapproved_peer"],
        ),
        ("4 packet capture of TACACS+", &["tel_cli_packet_capture_started", "tel_corr_account_tunnel_capture"]),
        (
            "5 lateral logins with captured credentials",
            &["tel_sys_login_from_device", "tel_flow_file_transfer_from_infrastructure"],
        ),
        (
            "6 LI administration system",
            &[
                "tel_li_account_change_or_untrusted_login",
                "tel_li_enumeration",
                "tel_li_task_without_warrant",
                "tel_li_watchlisted_target",
            ],
        ),
        (
            "7 call records of watchlisted subscribers",
            &["tel_cdr_watchlisted_subscriber", "tel_cdr_bulk_query", "tel_corr_cdr_many_subscribers"],
        ),
        ("8 exfiltration over the tunnel", &["tel_corr_infrastructure_egress_volume"]),
        ("9 log forwarding turned off", &["tel_cli_logging_disabled", "tel_sys_logging_host_stopped"]),
    ];
    let mut missing = Vec::new();
    for (step, rules) in steps {
        for stem in *rules {
            if !by_rule.contains_key(&rule_id(stem)) {
                missing.push(format!("step {step}: {stem}"));
            }
        }
    }
    assert!(missing.is_empty(), "undetected: {missing:#?}");
    // Findings name what they touch.
    let cdr = by_rule[&rule_id("tel_cdr_watchlisted_subscriber")];
    let subs: Vec<&str> = cdr["entities"]["subscribers"].as_array().unwrap().iter().filter_map(Value::as_str).collect();
    assert_eq!(subs.len(), 6, "all six protected subscribers: {subs:?}");
    assert!(subs.contains(&"msisdn:15550100001"));
    let seq = by_rule[&rule_id("tel_corr_account_tunnel_capture")];
    assert_eq!(seq["level"], "critical");
    let webui = by_rule[&rule_id("tel_sys_webui_programmatic_config")];
    assert_eq!(webui["entities"]["hosts"], serde_json::json!(["edge-rtr-03"]));
    // The partner advisory's three indicators hit: two addresses through the IOC index, the
    // TFTP drop as a pattern over flows.
    for (id, source, min) in [
        ("indicator--3a9e7c1b-2d4f-4a6b-8c0d-1e2f3a4b5c6d", "ioc", 10),
        ("indicator--4b0f8d2c-3e5a-4b7c-9d1e-2f3a4b5c6d7e", "ioc", 10),
        ("indicator--5c1a9e3d-4f6b-4c8d-8e2f-3a4b5c6d7e8f", "stix", 1),
    ] {
        let f = by_rule.get(id).unwrap_or_else(|| panic!("advisory indicator {id} did not hit"));
        assert_eq!((f["source"].as_str(), f["level"].as_str()), (Some(source), Some("high")), "{id}");
        assert!(f["count"].as_u64().unwrap() >= min, "{id}: {}", f["count"]);
    }
    assert_eq!(by_rule["indicator--4b0f8d2c-3e5a-4b7c-9d1e-2f3a4b5c6d7e"]["attack"], serde_json::json!(["T1572"]));
    std::fs::remove_dir_all(&out).ok();
}

#[test]
fn benign_carrier_has_no_high_or_critical_findings() {
    let out = scratch("benign");
    let (code, findings) = run_demo(&out, &["--benign"]);
    let loud: Vec<String> = findings
        .iter()
        .filter(|f| matches!(f["level"].as_str(), Some("high") | Some("critical")))
        .map(|f| format!("{} ({})", f["title"], f["count"]))
        .collect();
    assert!(loud.is_empty(), "benign run raised: {loud:?}");
    assert_eq!(code, Some(0));
    std::fs::remove_dir_all(&out).ok();
}

fn digest(dir: &Path) -> BTreeMap<String, (u64, u64)> {
    // File -> (length, FNV-1a of the content): enough to tell runs apart.
    let mut out = BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else {
                let bytes = std::fs::read(&p).unwrap();
                let h = bytes
                    .iter()
                    .fold(0xcbf2_9ce4_8422_2325u64, |h, b| (h ^ u64::from(*b)).wrapping_mul(0x100_0000_01b3));
                out.insert(p.strip_prefix(dir).unwrap().display().to_string(), (bytes.len() as u64, h));
            }
        }
    }
    out
}

#[test]
fn the_same_seed_writes_the_same_evidence() {
    let (a, b, c) = (scratch("seed-a"), scratch("seed-b"), scratch("seed-c"));
    for (dir, seed) in [(&a, "3"), (&b, "3"), (&c, "4")] {
        let o = seawall(&["demo", "--out", dir.to_str().unwrap(), "--seed", seed, "-q", "--format", "jsonl"]);
        assert_ne!(o.status.code(), Some(2), "{}", stderr(&o));
    }
    let (da, db, dc) = (digest(&a), digest(&b), digest(&c));
    assert!(da.len() >= 12, "{da:?}");
    assert_eq!(da, db);
    assert_ne!(da, dc);
    for d in [a, b, c] {
        std::fs::remove_dir_all(d).ok();
    }
}

/// The analyst's table of the demo case, as a snapshot: any change to what is found, its level,
/// counts, times, ATT&CK tags, titles or evidence places shows up in review.
#[test]
fn demo_table_report_snapshot() {
    let out = scratch("snapshot");
    let o = seawall(&["demo", "--out", out.to_str().unwrap(), "-q", "--min-level", "informational"]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let table = stdout(&o).replace(out.to_str().unwrap(), "[CASE]");
    assert!(table.contains("[CASE]/evidence/"), "evidence places are listed");
    insta::assert_snapshot!("demo_table", table);
    let _ = std::fs::remove_dir_all(&out);
}
