//! Sigma on network and Linux logs: SigmaHQ's `rules/network` and `rules/linux` load and run
//! on the real logs of the corpus through the text readers, the Cisco AAA regression sample
//! matches, and Zeek TSV and JSON renderings of the same log give the same detections.

mod common;

use common::{corpus, seawall, stdout};
use serde_json::Value;

fn findings(out: &str) -> Vec<Value> {
    out.lines().filter(|l| !l.trim().is_empty()).map(|l| serde_json::from_str(l).expect("JSON finding")).collect()
}

#[test]
fn cisco_aaa_regression_sample_matches() {
    let Some(c) = corpus() else { return };
    let dir = c.join("sigma/regression_data/rules/cisco/aaa/cisco_cli_dot1x_disabled");
    let raw = dir.join("ef0ff092-a24a-4fbc-beea-06c08d53e085.raw");
    let rules = c.join("sigma/rules/network/cisco");
    let out = seawall(&["hunt", raw.to_str().unwrap(), "--rules", rules.to_str().unwrap(), "--format", "jsonl"]);
    assert_eq!(out.status.code(), Some(0), "medium finding is below the default fail level");
    let f = findings(&stdout(&out));
    let hit = f.iter().find(|x| x["rule_id"] == "ef0ff092-a24a-4fbc-beea-06c08d53e085").expect("Dot1x rule fires");
    assert_eq!(hit["count"], 1);
    assert_eq!(hit["evidence"][0]["line"], 1);
}

#[test]
fn network_and_linux_rules_load_and_run_on_real_logs() {
    let Some(c) = corpus() else { return };
    let net = c.join("sigma/rules/network");
    let lnx = c.join("sigma/rules/linux");
    let check = seawall(&["rules", "check", net.to_str().unwrap(), lnx.to_str().unwrap(), "--format", "json"]);
    let report: Value = serde_json::from_str(&stdout(&check)).expect("rules check JSON");
    assert_eq!(report["errors"].as_array().map(Vec::len), Some(0), "{report}");
    assert_eq!(report["ok"], report["rules"]);
    assert!(report["rules"].as_u64().unwrap() >= 250);
    assert_eq!(report["unmapped_logsources"].as_array().map(Vec::len), Some(0));

    let logs = c.join("logs");
    let out = seawall(&[
        "hunt",
        logs.to_str().unwrap(),
        "--rules",
        net.to_str().unwrap(),
        "--rules",
        lnx.to_str().unwrap(),
        "--format",
        "jsonl",
        "--stats",
        "json",
    ]);
    assert_ne!(out.status.code(), Some(2), "{}", common::stderr(&out));
    let stats: Value =
        serde_json::from_str(common::stderr(&out).lines().last().expect("stats line")).expect("stats JSON");
    assert_eq!(stats["records_read"], stats["parsed"].as_u64().unwrap() + stats["rejected"].as_u64().unwrap());
    assert!(stats["parsed"].as_u64().unwrap() > 170_000, "{stats}");
    let f = findings(&stdout(&out));
    // The Zeek DCE-RPC log is in the corpus twice (TSV and JSON): 24 matching records each.
    let bzar = f.iter().find(|x| x["rule_id"] == "b640c0b8-87f8-4daa-aef8-95a24261dd1d").expect("BZAR rule fires");
    assert_eq!(bzar["count"], 48);
    let files: std::collections::BTreeSet<&str> =
        bzar["evidence"].as_array().unwrap().iter().filter_map(|e| e["file"].as_str()).collect();
    assert_eq!(files.len(), 2, "{files:?}");
    // Cisco configuration-change keywords match real IOS logs, and only Cisco records.
    let cfg = f.iter().find(|x| x["rule_id"] == "671ffc77-50a7-464f-9e3d-9ea2b493b26b").expect("Cisco rule fires");
    assert!(cfg["evidence"].as_array().unwrap().iter().all(|e| e["file"].as_str().unwrap().contains("cisco_ios")));
}

#[test]
fn year_and_zone_flags_complete_syslog_times() {
    let dir = std::env::temp_dir().join(format!("seawall-tz-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let log = dir.join("router.log");
    std::fs::write(
        &log,
        "Feb  8 04:00:48 rtr1 1: Feb  8 04:00:47.272: %SYS-5-CONFIG_I: Configured from console by bob on vty0 (10.0.0.9)\n",
    )
    .unwrap();
    let rule = dir.join("rule.yml");
    std::fs::write(
        &rule,
        "title: Config change\nid: 4c1d7f0e-0000-4000-8000-000000000001\nlogsource: {product: cisco, service: syslog}\n\
         detection:\n  sel:\n    event.code: SYS-5-CONFIG_I\n    user.name: bob\n    source.ip: 10.0.0.9\n  condition: sel\nlevel: low\n",
    )
    .unwrap();
    let out = seawall(&[
        "hunt",
        log.to_str().unwrap(),
        "--rules",
        rule.to_str().unwrap(),
        "--format",
        "jsonl",
        "--year",
        "2021",
        "--tz",
        "America/New_York",
    ]);
    let f = findings(&stdout(&out));
    assert_eq!(f.len(), 1, "{}", common::stderr(&out));
    assert_eq!(f[0]["first_seen"], "2021-02-08T09:00:47.272Z");
    let bad = seawall(&["hunt", log.to_str().unwrap(), "--rules", rule.to_str().unwrap(), "--tz", "Mars/Olympus"]);
    assert_eq!(bad.status.code(), Some(2));
    std::fs::remove_dir_all(&dir).ok();
}
