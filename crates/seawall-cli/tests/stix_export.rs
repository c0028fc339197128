//! `--stix F`: every bundle Seawall exports passes the OASIS validator (`stix2_validator
//! --strict`: no errors, no warnings), names the attacker infrastructure and not the site's,
//! sights the indicators that hit, and is the same bytes when exported twice.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use common::{corpus, seawall, stderr};
use serde_json::Value;

fn validator() -> Option<PathBuf> {
    match std::env::var_os("SEAWALL_STIX_VALIDATOR") {
        Some(p) => Some(PathBuf::from(p)),
        None => {
            assert!(
                std::env::var("CI").as_deref() != Ok("true"),
                "CI=true but SEAWALL_STIX_VALIDATOR is not set (.ci/run installs stix2-validator in a venv)"
            );
            eprintln!("SKIPPED: set SEAWALL_STIX_VALIDATOR to the stix2_validator executable");
            None
        }
    }
}

/// Runs the validator in strict mode; panics with its report unless the bundle is valid.
fn assert_valid(validator: &Path, bundle: &Path) {
    let out = Command::new(validator).arg("--strict").arg(bundle).output().expect("run stix2_validator");
    let report = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{} is not valid STIX 2.1:\n{report}", bundle.display());
    assert!(report.contains("[+] STIX JSON: Valid"), "{report}");
    assert!(!report.contains("[!]"), "warnings: {report}");
}

fn objects(bundle: &Path) -> Vec<Value> {
    let b: Value = serde_json::from_str(&std::fs::read_to_string(bundle).unwrap()).unwrap();
    assert_eq!(b["type"], "bundle");
    b["objects"].as_array().unwrap().clone()
}

fn of_type<'a>(objs: &'a [Value], t: &str) -> Vec<&'a Value> {
    objs.iter().filter(|o| o["type"] == t).collect()
}

#[test]
fn demo_bundles_are_valid_and_stable() {
    let Some(v) = validator() else { return };
    let dir = tempfile::tempdir().unwrap();
    let mut bytes = Vec::new();
    for (i, benign) in [(0, false), (1, false), (2, true)] {
        // The same case directory twice: the bundle names evidence files by path.
        let case = dir.path().join(if benign { "benign" } else { "case" });
        let _ = std::fs::remove_dir_all(&case);
        let stix = dir.path().join(format!("demo{i}.json"));
        let mut args =
            vec!["demo", "--out", case.to_str().unwrap(), "-q", "-o", "/dev/null", "--stix", stix.to_str().unwrap()];
        if benign {
            args.push("--benign");
        }
        let out = seawall(&args);
        assert!(out.status.code().is_some_and(|c| c <= 1), "{}", stderr(&out));
        assert_valid(&v, &stix);
        bytes.push(std::fs::read(&stix).unwrap());
        let objs = objects(&stix);
        let identity = of_type(&objs, "identity");
        assert_eq!(identity.len(), 1);
        assert_eq!(identity[0]["name"], "Northwind Telecom", "the organisation comes from the site policy");
        assert_eq!(of_type(&objs, "report").len(), 1);
        let indicators: Vec<&str> =
            of_type(&objs, "indicator").iter().map(|o| o["pattern"].as_str().unwrap()).collect();
        let sighted: Vec<&str> =
            of_type(&objs, "sighting").iter().map(|o| o["sighting_of_ref"].as_str().unwrap()).collect();
        let addresses: Vec<&str> = of_type(&objs, "ipv4-addr").iter().map(|o| o["value"].as_str().unwrap()).collect();
        if benign {
            assert!(of_type(&objs, "incident").is_empty(), "no incident without the intrusion");
            assert!(indicators.is_empty() && sighted.is_empty(), "{indicators:?} {sighted:?}");
        } else {
            assert_eq!(of_type(&objs, "incident").len(), 1);
            // The partner advisory's indicators are sighted (referenced, not copied).
            for id in [
                "indicator--3a9e7c1b-2d4f-4a6b-8c0d-1e2f3a4b5c6d",
                "indicator--4b0f8d2c-3e5a-4b7c-9d1e-2f3a4b5c6d7e",
                "indicator--5c1a9e3d-4f6b-4c8d-8e2f-3a4b5c6d7e8f",
            ] {
                assert!(sighted.contains(&id), "{id}: {sighted:?}");
            }
            for ip in ["203.0.113.66", "203.0.113.77", "203.0.113.88"] {
                assert!(addresses.contains(&ip), "{ip} observed: {addresses:?}");
                // Covered by the advisory, so not announced again as new infrastructure.
                let own = format!("[ipv4-addr:value = '{ip}']");
                assert!(!indicators.contains(&own.as_str()), "{ip}: {indicators:?}");
            }
            assert!(indicators.iter().all(|p| !p.contains("'10.")), "site addresses are not attacker infrastructure");
            let techniques: Vec<&str> = of_type(&objs, "attack-pattern")
                .iter()
                .map(|o| o["external_references"][0]["external_id"].as_str().unwrap())
                .collect();
            assert!(techniques.contains(&"T1572"), "protocol tunnelling: {techniques:?}");
        }
    }
    assert!(bytes[0] == bytes[1], "the same evidence exports the same bytes");
}

#[test]
fn intel_hunt_bundle_sights_imported_and_listed_indicators() {
    let Some(v) = validator() else { return };
    let Some(c) = corpus() else { return };
    let dir = tempfile::tempdir().unwrap();
    let case = dir.path().join("case");
    let out = seawall(&["demo", "--out", case.to_str().unwrap(), "-q", "-o", "/dev/null"]);
    assert!(out.status.code().is_some_and(|c| c <= 1));
    let list = dir.path().join("partner.csv");
    std::fs::write(&list, "type,value,context\nipv4-addr,203.0.113.66,exploitation source\n").unwrap();
    let stix = dir.path().join("hunt.json");
    let out = seawall(&[
        "hunt",
        case.join("evidence").to_str().unwrap(),
        "--policy",
        case.join("site/policy.yml").to_str().unwrap(),
        "--intel",
        list.to_str().unwrap(),
        "--intel",
        c.join("intel/derived").to_str().unwrap(),
        "--org",
        "Example Carrier CSIRT",
        "--stix",
        stix.to_str().unwrap(),
        "-q",
        "-o",
        "/dev/null",
    ]);
    assert!(out.status.code().is_some_and(|c| c <= 1), "{}", stderr(&out));
    assert_valid(&v, &stix);
    let objs = objects(&stix);
    assert_eq!(of_type(&objs, "identity")[0]["name"], "Example Carrier CSIRT");
    let listed = of_type(&objs, "indicator")
        .into_iter()
        .find(|o| o["pattern"] == "[ipv4-addr:value = '203.0.113.66']")
        .expect("the listed indicator is in the bundle");
    assert!(listed["name"].as_str().unwrap().contains("exploitation source"));
    // Infrastructure no supplied indicator covers becomes a new indicator.
    let new_one = of_type(&objs, "indicator")
        .into_iter()
        .find(|o| o["pattern"] == "[ipv4-addr:value = '203.0.113.77']")
        .expect("the GRE endpoint is announced as attacker infrastructure");
    assert_eq!(new_one["indicator_types"], serde_json::json!(["malicious-activity"]));
    let sighting =
        of_type(&objs, "sighting").into_iter().find(|s| s["sighting_of_ref"] == listed["id"]).expect("sighted");
    assert!(sighting["count"].as_u64().unwrap() >= 1);
    assert!(!sighting["observed_data_refs"].as_array().unwrap().is_empty());
}

#[test]
fn an_empty_investigation_is_a_valid_bundle() {
    let Some(v) = validator() else { return };
    let dir = tempfile::tempdir().unwrap();
    let ev = dir.path().join("quiet.jsonl");
    std::fs::write(&ev, "{\"@timestamp\": \"2024-10-01T00:00:00Z\", \"message\": \"nothing to see\"}\n").unwrap();
    let stix = dir.path().join("empty.json");
    let out = seawall(&["hunt", ev.to_str().unwrap(), "--stix", stix.to_str().unwrap(), "-q"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_valid(&v, &stix);
    let objs = objects(&stix);
    assert_eq!(objs.len(), 2, "identity and report: {objs:#?}");
}

#[test]
fn kev_hits_export_a_sighted_vulnerability() {
    let Some(v) = validator() else { return };
    let Some(c) = corpus() else { return };
    let dir = tempfile::tempdir().unwrap();
    let eve = dir.path().join("eve.json");
    let line = serde_json::json!({"timestamp": "2024-10-02T01:12:30.000000+0000", "event_type": "alert",
        "src_ip": "203.0.113.66", "src_port": 44321, "dest_ip": "10.255.0.3", "dest_port": 443, "proto": "TCP",
        "alert": {"signature": "ET EXPLOIT Cisco IOS XE Web UI Privilege Escalation Attempt (CVE-2023-20198)",
                  "signature_id": 2048741, "severity": 1}});
    std::fs::write(&eve, format!("{line}\n")).unwrap();
    let stix = dir.path().join("kev.json");
    let kev = c.join("intel/kev/known_exploited_vulnerabilities.json");
    let out = seawall(&[
        "hunt",
        eve.to_str().unwrap(),
        "--intel",
        kev.to_str().unwrap(),
        "--stix",
        stix.to_str().unwrap(),
        "-q",
        "-o",
        "/dev/null",
    ]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert_valid(&v, &stix);
    let objs = objects(&stix);
    let vuln = of_type(&objs, "vulnerability");
    assert_eq!(vuln.len(), 1, "{objs:#?}");
    assert_eq!(vuln[0]["name"], "CVE-2023-20198");
    assert_eq!(vuln[0]["external_references"][0]["external_id"], "CVE-2023-20198");
    let sighting = of_type(&objs, "sighting");
    assert_eq!(sighting.len(), 1);
    assert_eq!(sighting[0]["sighting_of_ref"], vuln[0]["id"]);
}
