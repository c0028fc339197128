//! The Seawall telecom rule pack (`rules/telecom`): every rule has positive and negative events
//! (`tests/data/telecom/<rule>.jsonl`), run through the real binary with a test watchlist and
//! site policy; the correlations get event sequences of their own. Prints `N passed, N failed`.

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use common::{seawall, stderr, stdout};
use serde_json::{json, Value};

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn rule_id(path: &Path) -> String {
    let text = std::fs::read_to_string(path).expect("rule file");
    text.lines().find_map(|l| l.strip_prefix("id: ")).expect("rule id").trim().to_string()
}

/// A scratch folder with the test site: a watchlist and a policy.
fn site(tag: &str) -> (PathBuf, PathBuf, PathBuf) {
    let dir = std::env::temp_dir().join(format!("seawall-telecom-{tag}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let watchlist = dir.join("watchlist.csv");
    std::fs::write(&watchlist, "type,value,label\nmsisdn,+1 555 010 0001,Campaign chair\n").unwrap();
    let policy = dir.join("policy.yml");
    std::fs::write(
        &policy,
        "management_networks: [10.0.0.0/16]\njump_hosts: [10.0.10.5]\naaa_servers: [10.0.1.10]\nlog_servers: [10.0.1.20]\n\
         tunnel_peers: [198.51.100.1]\nli_workstations: [10.0.20.5]\ninfrastructure: [10.255.0.0/16]\n\
         li_operators: [li-op1]\nservice_accounts: [rancid]\n",
    )
    .unwrap();
    (dir, watchlist, policy)
}

/// Runs the pack over a JSON-lines file; returns rule id -> matching line numbers.
fn hunt(events: &Path, watchlist: &Path, policy: &Path) -> BTreeMap<String, BTreeSet<u64>> {
    let rules = repo().join("rules/telecom");
    let out = seawall(&[
        "hunt",
        events.to_str().unwrap(),
        "--rules",
        rules.to_str().unwrap(),
        "--watchlist",
        watchlist.to_str().unwrap(),
        "--policy",
        policy.to_str().unwrap(),
        "--format",
        "jsonl",
        "--min-level",
        "informational",
    ]);
    assert_ne!(out.status.code(), Some(2), "{}", stderr(&out));
    let mut hits: BTreeMap<String, BTreeSet<u64>> = BTreeMap::new();
    for line in stdout(&out).lines().filter(|l| !l.trim().is_empty()) {
        let f: Value = serde_json::from_str(line).expect("finding");
        let id = f["rule_id"].as_str().unwrap().to_string();
        let lines = f["evidence"].as_array().unwrap().iter().filter_map(|e| e["line"].as_u64());
        hits.entry(id).or_default().extend(lines);
    }
    hits
}

#[test]
fn every_rule_matches_its_positives_and_not_its_negatives() {
    let rules_dir = repo().join("rules/telecom");
    let data = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/telecom");
    let (dir, watchlist, policy) = site("rules");
    let mut lines = Vec::new(); // (rule stem, rule id, expect match?, event)
    let mut rule_files: Vec<PathBuf> = std::fs::read_dir(&rules_dir).unwrap().map(|e| e.unwrap().path()).collect();
    rule_files.sort();
    let mut missing = Vec::new();
    for rf in &rule_files {
        let stem = rf.file_stem().unwrap().to_str().unwrap().to_string();
        let text = std::fs::read_to_string(rf).unwrap();
        if text.contains("\ncorrelation:") {
            continue; // tested with sequences below
        }
        let fixture = data.join(format!("{stem}.jsonl"));
        let Ok(f) = std::fs::read_to_string(&fixture) else {
            missing.push(stem);
            continue;
        };
        let id = rule_id(rf);
        let (mut pos, mut neg) = (0, 0);
        for l in f.lines().filter(|l| !l.trim().is_empty()) {
            let v: Value = serde_json::from_str(l).expect("fixture line");
            let expect = v["expect"] == "match";
            if expect {
                pos += 1
            } else {
                neg += 1
            }
            lines.push((stem.clone(), id.clone(), expect, v["event"].clone()));
        }
        if pos == 0 || neg == 0 {
            missing.push(format!("{stem} ({pos} positive, {neg} negative)"));
        }
    }
    assert!(missing.is_empty(), "rules without positive and negative tests: {missing:?}");
    let events = dir.join("events.jsonl");
    let body: String = lines.iter().map(|(_, _, _, e)| format!("{e}\n")).collect();
    std::fs::write(&events, body).unwrap();
    let hits = hunt(&events, &watchlist, &policy);
    let (mut passed, mut failed) = (0, 0);
    for (i, (stem, id, expect, event)) in lines.iter().enumerate() {
        let line = i as u64 + 1;
        let got = hits.get(id).is_some_and(|s| s.contains(&line));
        if got == *expect {
            passed += 1;
        } else {
            failed += 1;
            println!("FAIL {stem}: expected {} on {event}", if *expect { "a match" } else { "no match" });
        }
    }
    println!("{passed} passed, {failed} failed");
    std::fs::remove_dir_all(&dir).ok();
    assert_eq!(failed, 0);
}

fn at(minute: i64) -> String {
    let t = jiff::Timestamp::from_second(1_727_740_800 + minute * 60).unwrap();
    t.to_string()
}

#[test]
fn correlations_fire_on_sequences_and_not_on_near_misses() {
    let rules_dir = repo().join("rules/telecom");
    let id = |stem: &str| rule_id(&rules_dir.join(format!("{stem}.yml")));
    let (dir, watchlist, policy) = site("corr");
    let mut ev = Vec::new();
    let cmd = |t: i64, host: &str, c: &str| {
        json!({"@timestamp": at(t), "event": {"dataset": "cisco.ios"}, "host": {"name": host}, "user": {"name": "x"},
               "process": {"command_line": c}})
    };
    // Host A: account, tunnel, capture in order within an hour. Host B: the same commands out of order.
    ev.push(cmd(0, "rtr-a", "username backup privilege 15 secret 0 x"));
    ev.push(cmd(10, "rtr-a", "interface Tunnel7"));
    ev.push(cmd(20, "rtr-a", "monitor capture tac interface Gi0/0 both"));
    ev.push(cmd(0, "rtr-b", "monitor capture tac interface Gi0/0 both"));
    ev.push(cmd(10, "rtr-b", "interface Tunnel7"));
    ev.push(cmd(20, "rtr-b", "username backup privilege 15 secret 0 x"));
    // Ten failures from one source within ten minutes; nine from another.
    for i in 0..10 {
        ev.push(json!({"@timestamp": at(100 + i), "event": {"dataset": "linux.auth", "action": "login-failure"}, "source": {"ip": "203.0.113.9"}}));
    }
    for i in 0..9 {
        ev.push(json!({"@timestamp": at(100 + i), "event": {"dataset": "linux.auth", "action": "login-failure"}, "source": {"ip": "203.0.113.10"}}));
    }
    // 600 MB from infrastructure to one outside host in an hour; 100 MB to another.
    for i in 0..6 {
        ev.push(
            json!({"@timestamp": at(200 + i * 5), "event": {"dataset": "flow.netflow"}, "source": {"ip": "10.255.0.1"},
                       "destination": {"ip": "203.0.113.66"}, "network": {"bytes": 100_000_000u64}}),
        );
    }
    ev.push(json!({"@timestamp": at(200), "event": {"dataset": "flow.netflow"}, "source": {"ip": "10.255.0.1"},
                   "destination": {"ip": "203.0.113.67"}, "network": {"bytes": 100_000_000u64}}));
    // Twenty LI queries by one account in ten minutes; five by another.
    for i in 0..20 {
        ev.push(
            json!({"@timestamp": at(300), "event_time": at(300 + i / 4), "recorder": "admf", "action": "task_query",
                       "actor": {"user_id": "li-op9", "source_ip": "10.0.20.5"}}),
        );
    }
    for i in 0..5 {
        ev.push(json!({"event_time": at(300 + i), "recorder": "admf", "action": "task_query", "actor": {"user_id": "li-op1", "source_ip": "10.0.20.5"}}));
    }
    // One account looks up 50 different subscribers within the hour; another 10.
    for i in 0..50 {
        ev.push(json!({"event_time": at(400 + i), "system": "cdr_warehouse", "query_type": "cdr_lookup",
                       "actor": {"user_id": "svc-report"}, "subjects": [{"id_type": "msisdn", "value": format!("1555020{i:04}")}]}));
    }
    for i in 0..10 {
        ev.push(json!({"event_time": at(400 + i), "system": "cdr_warehouse", "query_type": "cdr_lookup",
                       "actor": {"user_id": "care-7"}, "subjects": [{"id_type": "msisdn", "value": format!("1555030{i:04}")}]}));
    }
    let events = dir.join("sequences.jsonl");
    std::fs::write(&events, ev.iter().map(|e| format!("{e}\n")).collect::<String>()).unwrap();
    let hits = hunt(&events, &watchlist, &policy);
    let lines = |stem: &str| hits.get(&id(stem)).cloned().unwrap_or_default();
    let seq = lines("tel_corr_account_tunnel_capture");
    assert_eq!(seq, (1..=3).collect::<BTreeSet<u64>>(), "only host A's ordered sequence");
    let brute = lines("tel_corr_login_bruteforce");
    assert_eq!(brute, (7..=16).collect::<BTreeSet<u64>>(), "only the source with ten failures");
    let vol = lines("tel_corr_infrastructure_egress_volume");
    // Fires once the sum reaches 500 MB (the fifth flow), as conditions that can only grow do.
    assert_eq!(vol, (26..=30).collect::<BTreeSet<u64>>(), "only the 600 MB pair");
    let li = lines("tel_corr_li_query_burst");
    assert_eq!(li.len(), 20, "only the account with twenty queries: {li:?}");
    assert!(li.iter().all(|l| (33..=52).contains(l)));
    let cdr = lines("tel_corr_cdr_many_subscribers");
    assert_eq!(cdr.len(), 50, "only the account with fifty subscribers");
    std::fs::remove_dir_all(&dir).ok();
}
