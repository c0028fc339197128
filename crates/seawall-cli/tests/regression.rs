//! SigmaHQ's regression data: each `info.yml` names a rule, an `.evtx` file and (optionally) the
//! expected match count. Like SigmaHQ's own runner, a case passes when the rule matches at least
//! `match_count` events (at least one without it); extra matches are reported, not failed.
//! The same cases are run again on the `.json` rendering of the same events.

mod common;

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use seawall_sigma::yaml::{parse_documents, Yaml};

struct Case {
    name: String,
    rule_id: String,
    evtx: PathBuf,
    want: u64,
    exact: bool,
}

fn cases(corpus: &Path) -> Vec<Case> {
    let root = corpus.join("sigma/regression_data");
    let mut out = Vec::new();
    for entry in walkdir(&root) {
        if entry.file_name().and_then(|n| n.to_str()) != Some("info.yml") {
            continue;
        }
        let text = std::fs::read_to_string(&entry).expect("read info.yml");
        let doc = parse_documents(&text).into_iter().next().expect("a document").value.expect("valid YAML");
        let rule_id = match doc.get("rule_metadata") {
            Some(Yaml::Seq(items)) => items[0].get("id").and_then(Yaml::scalar_text).expect("rule id"),
            _ => panic!("{}: no rule_metadata", entry.display()),
        };
        // Some cases are commented out upstream (no test listed): nothing to run.
        let Some(Yaml::Seq(tests)) = doc.get("regression_tests_info") else { continue };
        for t in tests {
            if t.get("type").and_then(Yaml::as_str) != Some("evtx") {
                continue;
            }
            let rel = t.get("path").and_then(Yaml::as_str).expect("path");
            let evtx = corpus.join("sigma").join(rel);
            let count = t.get("match_count").and_then(|v| if let Yaml::Int(i) = v { Some(*i as u64) } else { None });
            out.push(Case {
                name: entry.parent().unwrap().strip_prefix(&root).unwrap().display().to_string(),
                rule_id: rule_id.clone(),
                evtx,
                want: count.unwrap_or(1),
                exact: count.is_some(),
            });
        }
    }
    out.sort_by(|a, b| a.name.cmp(&b.name));
    out
}

fn walkdir(root: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).expect("read dir").flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else {
                out.push(p);
            }
        }
    }
    out
}

/// Rule id -> rule file, over the three rule folders.
fn rule_index(corpus: &Path) -> HashMap<String, PathBuf> {
    let mut idx = HashMap::new();
    for folder in ["rules", "rules-emerging-threats", "rules-threat-hunting"] {
        for p in walkdir(&corpus.join("sigma").join(folder)) {
            if p.extension().and_then(|e| e.to_str()) != Some("yml") {
                continue;
            }
            let text = std::fs::read_to_string(&p).unwrap_or_default();
            for line in text.lines() {
                if let Some(id) = line.strip_prefix("id: ") {
                    idx.insert(id.trim().to_string(), p.clone());
                    break;
                }
            }
        }
    }
    idx
}

fn run_suite(ext: &str) {
    let Some(corpus) = common::corpus() else { return };
    let cases = cases(&corpus);
    let rules = rule_index(&corpus);
    assert!(cases.len() >= 202, "expected the 202 SigmaHQ regression cases, found {}", cases.len());
    let (mut passed, mut failed, mut excess) = (0, 0, Vec::new());
    let mut failures = Vec::new();
    for c in &cases {
        let evidence = c.evtx.with_extension(ext);
        let rule = rules.get(&c.rule_id).unwrap_or_else(|| panic!("{}: rule {} not in the corpus", c.name, c.rule_id));
        let out = common::seawall(&[
            "hunt",
            evidence.to_str().unwrap(),
            "--rules",
            rule.to_str().unwrap(),
            "--format",
            "jsonl",
            "--quiet",
        ]);
        assert!(out.status.code() != Some(2), "{}: seawall failed: {}", c.name, common::stderr(&out));
        let got: u64 = common::stdout(&out)
            .lines()
            .map(|l| serde_json::from_str::<serde_json::Value>(l).expect("JSON finding"))
            .filter(|f| f["rule_id"] == c.rule_id.as_str())
            .map(|f| f["count"].as_u64().unwrap_or(0))
            .sum();
        if got >= c.want {
            passed += 1;
            if c.exact && got > c.want {
                excess.push(format!("{}: {} matches, info.yml lists {}", c.name, got, c.want));
            }
        } else {
            failed += 1;
            failures.push(format!("{}: {} matches, want {}", c.name, got, c.want));
        }
    }
    for e in &excess {
        println!("excess: {e}");
    }
    for f in &failures {
        println!("FAILED: {f}");
    }
    println!(
        "SigmaHQ regression ({ext}): {passed} passed, {failed} failed ({} with more matches than listed)",
        excess.len()
    );
    assert_eq!(failed, 0, "failures:\n{}", failures.join("\n"));
}

#[test]
fn sigmahq_regression_on_evtx() {
    run_suite("evtx");
}

#[test]
fn sigmahq_regression_on_json() {
    run_suite("json");
}
