//! `seawall hunt --intel` and `seawall intel import|list` on the real intelligence of the
//! corpus: IOC hits (exact, block, parent domain), validity windows, allowlists, single- and
//! multi-observation pattern indicators, and the intel store.

mod common;

use std::path::Path;

use common::{corpus, seawall, stderr, stdout};
use serde_json::{json, Value};

fn findings(out: &std::process::Output) -> Vec<Value> {
    stdout(out).lines().map(|l| serde_json::from_str(l).expect("finding")).collect()
}

fn write_lines(path: &Path, lines: &[Value]) {
    let text: String = lines.iter().map(|l| format!("{l}\n")).collect();
    std::fs::write(path, text).unwrap();
}

/// The first indicator of a bundle whose pattern names `kind`, as (id, value).
fn first_indicator(bundle: &Path, kind: &str) -> (String, String) {
    let b: Value = serde_json::from_str(&std::fs::read_to_string(bundle).unwrap()).unwrap();
    let o = b["objects"]
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["type"] == "indicator" && o["pattern"].as_str().unwrap().starts_with(&format!("[{kind}:value")))
        .unwrap();
    let pattern = o["pattern"].as_str().unwrap();
    let value = pattern.split('\'').nth(1).unwrap().to_string();
    (o["id"].as_str().unwrap().to_string(), value)
}

#[test]
fn hunt_reports_ioc_and_pattern_indicators() {
    let Some(c) = corpus() else { return };
    let intel = c.join("intel");
    let estries = intel.join("derived/salt_typhoon_earth_estries_iocs.stix21.json");
    let (ip_id, ip) = first_indicator(&estries, "ipv4-addr");
    let (domain_id, domain) = first_indicator(&estries, "domain-name");
    let dir = tempfile::tempdir().unwrap();
    let evidence = dir.path().join("evidence.jsonl");
    write_lines(
        &evidence,
        &[
            json!({"@timestamp": "2025-01-10T10:00:00Z", "source": {"ip": "10.1.1.5"}, "destination": {"ip": ip}}),
            json!({"@timestamp": "2025-01-10T10:01:00Z", "dns": {"question": {"name": format!("www.{domain}")}}}),
            // Before the indicator's valid_from (2024-11-25): not a hit.
            json!({"@timestamp": "2024-01-01T00:00:00Z", "destination": {"ip": ip}}),
            json!({"@timestamp": "2025-01-10T10:02:00Z", "tls": {"server": {"x509": {
                "issuer": {"distinguished_name": "CN=WEBMAIL"},
                "serial_number": "4c:0b:1d:19:74:86:a7:66:b4:1a:bf:40:27:21:76:28"}}}}),
            json!({"@timestamp": "2025-01-10T10:03:00Z", "message": format!("session from 8.8.8.8 to {ip}:443 closed")}),
        ],
    );
    let list = dir.path().join("resolvers.txt");
    std::fs::write(&list, "# resolvers\n8.8.8.8\n").unwrap();
    let out = seawall(&[
        "hunt",
        evidence.to_str().unwrap(),
        "--intel",
        estries.to_str().unwrap(),
        "--intel",
        intel.join("stix-examples/threat-reports/apt1.json").to_str().unwrap(),
        "--intel",
        list.to_str().unwrap(),
        "--intel",
        intel.join("warninglists/public-dns-v4.json").to_str().unwrap(),
        "--format",
        "jsonl",
    ]);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(1), "high findings: {err}");
    let f = findings(&out);
    let by_rule =
        |id: &str| f.iter().find(|x| x["rule_id"] == id).unwrap_or_else(|| panic!("no finding for {id}: {f:#?}"));

    let ip_hit = by_rule(&ip_id);
    assert_eq!(
        (ip_hit["source"].as_str(), ip_hit["level"].as_str(), ip_hit["count"].as_u64()),
        (Some("ioc"), Some("high"), Some(2))
    );
    let lines: Vec<u64> = ip_hit["evidence"].as_array().unwrap().iter().map(|e| e["line"].as_u64().unwrap()).collect();
    assert_eq!(lines, [1, 5], "line 3 is before the indicator is valid");
    assert!(ip_hit["summary"].as_str().unwrap().contains("destination.ip (exact"), "{}", ip_hit["summary"]);

    let domain_hit = by_rule(&domain_id);
    assert!(
        domain_hit["summary"].as_str().unwrap().contains(&format!("subdomain of {domain}")),
        "{}",
        domain_hit["summary"]
    );

    let x509 = by_rule("indicator--b3b6b540-d838-41e2-853b-005056c00008");
    assert_eq!((x509["source"].as_str(), x509["count"].as_u64()), (Some("stix"), Some(1)));

    assert!(f.iter().all(|x| !x["summary"].as_str().unwrap_or("").contains("8.8.8.8")), "8.8.8.8 is a public resolver");
    assert!(err.contains("1 IOC hit(s) on allowlisted (known-benign) values suppressed"), "{err}");
    assert_eq!(f.iter().filter(|x| x["source"] == "ioc" || x["source"] == "stix").count(), 3, "{f:#?}");
}

fn sequence_bundle() -> Value {
    json!({"type": "bundle", "id": "bundle--5e1a0000-0000-4000-8000-000000000001", "objects": [{
        "type": "indicator", "spec_version": "2.1", "id": "indicator--5e1a0000-0000-4000-8000-000000000002",
        "created": "2024-01-01T00:00:00Z", "modified": "2024-01-01T00:00:00Z", "name": "login then C2 lookup",
        "indicator_types": ["malicious-activity"], "pattern_type": "stix", "valid_from": "2024-01-01T00:00:00Z",
        "pattern": "([network-traffic:src_ref.value = '198.51.100.7' AND network-traffic:dst_port = 22] FOLLOWEDBY [domain-name:value = 'c2.example.net']) WITHIN 600 SECONDS"
    }]})
}

#[test]
fn multi_observation_patterns_match_across_events() {
    let dir = tempfile::tempdir().unwrap();
    let bundle = dir.path().join("seq.json");
    std::fs::write(&bundle, sequence_bundle().to_string()).unwrap();
    let ssh = |t: &str| json!({"@timestamp": t, "source": {"ip": "198.51.100.7", "port": 50000}, "destination": {"ip": "10.0.0.1", "port": 22}});
    let dns = |t: &str| json!({"@timestamp": t, "dns": {"question": {"name": "c2.example.net"}}});
    for (name, events, want) in [
        ("within", vec![ssh("2024-10-01T10:00:00Z"), dns("2024-10-01T10:05:00Z")], true),
        ("too late", vec![ssh("2024-10-01T10:00:00Z"), dns("2024-10-01T11:00:00Z")], false),
        ("wrong order", vec![dns("2024-10-01T10:00:00Z"), ssh("2024-10-01T10:05:00Z")], false),
    ] {
        let evidence = dir.path().join("ev.jsonl");
        write_lines(&evidence, &events);
        let out =
            seawall(&["hunt", evidence.to_str().unwrap(), "--intel", bundle.to_str().unwrap(), "--format", "jsonl"]);
        let f = findings(&out);
        let hit = f.iter().find(|x| x["rule_id"] == "indicator--5e1a0000-0000-4000-8000-000000000002");
        assert_eq!(hit.is_some(), want, "{name}: {f:#?}\n{}", stderr(&out));
        if let Some(h) = hit {
            assert_eq!(h["count"], 2, "{name}");
            assert_eq!(h["evidence"].as_array().unwrap().len(), 2);
        }
    }
}

#[test]
fn intel_import_and_list_the_store() {
    let Some(c) = corpus() else { return };
    let intel = c.join("intel");
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("store");
    let out = seawall(&[
        "intel",
        "import",
        "--store",
        store.to_str().unwrap(),
        intel.join("derived").to_str().unwrap(),
        intel.join("iocs").to_str().unwrap(),
        intel.join("warninglists/rfc1918.json").to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let manifest = std::fs::read_to_string(store.join(".manifest.jsonl")).unwrap();
    let entries: Vec<Value> = manifest.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(entries.len(), 6);
    for e in &entries {
        let stored = std::fs::read(store.join(e["stored"].as_str().unwrap())).unwrap();
        let source = std::fs::read(e["source"].as_str().unwrap()).unwrap();
        assert_eq!(stored, source, "the store keeps the bytes as imported");
        assert_eq!(e["sha256"].as_str().unwrap().len(), 64);
    }

    let out = seawall(&["intel", "list", "--store", store.to_str().unwrap(), "--format", "json"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let l: Value = serde_json::from_str(stdout(&out).trim()).unwrap();
    assert_eq!(l["indicators"], 38 + 38 + 235);
    assert_eq!(l["indicator_kinds"], json!({"domain-name": 32, "ipv4-addr": 279}));
    assert_eq!(l["objects"]["attack-pattern"], 108);
    assert_eq!(l["superseded"], 276);
    assert_eq!(l["allowlists"][0]["entries"], 3);
    assert_eq!(l["validity"], json!({"valid": 311}));

    // A file that is not intelligence is not imported, and says so.
    let out = seawall(&[
        "intel",
        "import",
        "--store",
        store.to_str().unwrap(),
        intel.join("kev/known_exploited_vulnerabilities_schema.json").to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("not imported"), "{}", stderr(&out));
}

#[test]
fn known_exploited_vulnerabilities_named_in_events_are_findings() {
    let Some(c) = corpus() else { return };
    let dir = tempfile::tempdir().unwrap();
    let eve = dir.path().join("eve.json");
    write_lines(
        &eve,
        &[
            json!({"timestamp": "2024-10-02T01:12:30.000000+0000", "event_type": "alert", "src_ip": "203.0.113.66",
                   "src_port": 44321, "dest_ip": "10.255.0.3", "dest_port": 443, "proto": "TCP",
                   "alert": {"signature": "ET EXPLOIT Cisco IOS XE Web UI Privilege Escalation Attempt (CVE-2023-20198)",
                             "signature_id": 2048741, "severity": 1}}),
            // Not in KEV: no finding.
            json!({"timestamp": "2024-10-02T01:13:30.000000+0000", "event_type": "alert", "src_ip": "203.0.113.66",
                   "dest_ip": "10.255.0.3", "alert": {"signature": "ET SCAN Something (CVE-1999-99999)", "signature_id": 1}}),
        ],
    );
    let out = seawall(&[
        "hunt",
        eve.to_str().unwrap(),
        "--intel",
        c.join("intel/kev/known_exploited_vulnerabilities.json").to_str().unwrap(),
        "--format",
        "jsonl",
    ]);
    let f = findings(&out);
    let kev = tagged(&f, "cisa-kev");
    assert_eq!(kev.len(), 1, "{f:#?}\n{}", stderr(&out));
    assert!(kev[0]["title"].as_str().unwrap().contains("CVE-2023-20198"));
    assert!(kev[0]["title"].as_str().unwrap().contains("Cisco"));
    assert_eq!((kev[0]["level"].as_str(), kev[0]["count"].as_u64()), (Some("high"), Some(1)));
    assert!(
        kev[0]["summary"].as_str().unwrap().contains("rule.name")
            || kev[0]["summary"].as_str().unwrap().contains("alert.signature")
    );
}

#[test]
fn devices_running_products_with_known_exploited_vulnerabilities_are_findings() {
    let Some(c) = corpus() else { return };
    // A real router log whose restart banner names the software: Cisco IOS 15.2(1)T1.
    let log = c.join("logs/network-syslog/ntc-templates/tests/cisco_ios/show_logging/cisco_ios_show_logging_3.raw");
    let kev = c.join("intel/kev/known_exploited_vulnerabilities.json");
    let out = seawall(&[
        "hunt",
        log.to_str().unwrap(),
        "--intel",
        kev.to_str().unwrap(),
        "--format",
        "jsonl",
        "--min-level",
        "low",
    ]);
    let f = findings(&out);
    let exposed = tagged(&f, "cisa-kev-product");
    assert_eq!(exposed.len(), 1, "{f:#?}\n{}", stderr(&out));
    let title = exposed[0]["title"].as_str().unwrap();
    assert!(title.starts_with("Runs Cisco IOS") && title.contains("known exploited"), "{title}");
    assert_eq!(exposed[0]["level"].as_str(), Some("medium"));
    let summary = exposed[0]["summary"].as_str().unwrap();
    assert!(summary.contains("Cisco IOS 15.2(1)T1") && summary.contains("CVE-2018-0171"), "{summary}");
    // IOS XE shows by its own facilities (`%IOSXE-6-PLATFORM`), with the web UI flaw of 2023.
    let xe = c.join("logs/network-syslog/elastic-integrations/cisco_ios/test-syslog.log");
    let out = seawall(&["hunt", xe.to_str().unwrap(), "--intel", kev.to_str().unwrap(), "--format", "jsonl"]);
    let f = findings(&out);
    let xe_found: Vec<&Value> =
        f.iter().filter(|x| x["title"].as_str().is_some_and(|t| t.starts_with("Runs Cisco IOS XE,"))).collect();
    assert_eq!(xe_found.len(), 1, "{f:#?}\n{}", stderr(&out));
    assert!(xe_found[0]["summary"].as_str().unwrap().contains("CVE-2023-20198"));
    // `intel list` counts the catalogue's products beside its entries.
    let out = seawall(&["intel", "list", kev.to_str().unwrap(), "--format", "json"]);
    let l: Value = serde_json::from_str(stdout(&out).trim()).unwrap();
    assert_eq!((l["kev"].as_u64(), l["kev_products"].as_u64()), (Some(1404), Some(644)), "{l}");
    // Exposure is not a sighting: the STIX export leaves it out and stays valid.
    let dir = tempfile::tempdir().unwrap();
    let bundle = dir.path().join("b.json");
    let out = seawall(&[
        "hunt",
        log.to_str().unwrap(),
        "--intel",
        kev.to_str().unwrap(),
        "--stix",
        bundle.to_str().unwrap(),
        "-q",
    ]);
    assert!(out.status.code().is_some_and(|c| c < 2), "{}", stderr(&out));
    let b: Value = serde_json::from_str(&std::fs::read_to_string(&bundle).unwrap()).unwrap();
    assert!(!b.to_string().contains("known exploited vulnerabilit"), "{b:#}");
}

/// The findings that carry `tag`.
fn tagged<'a>(findings: &'a [Value], tag: &str) -> Vec<&'a Value> {
    findings.iter().filter(|x| x["tags"].as_array().is_some_and(|t| t.iter().any(|t| t == tag))).collect()
}
