//! Agreement with the OASIS pattern validator (stix2-patterns 2.1.2) on the corpus lists:
//! every pattern of `valid_patterns.txt` parses, every one of `invalid_patterns.txt` is rejected.
//! Prints `N passed, N failed`.

use std::path::PathBuf;

use seawall_stix::parse_pattern;

fn corpus() -> Option<PathBuf> {
    seawall_testkit::corpus(env!("CARGO_MANIFEST_DIR"), "stix")
}

#[test]
fn agrees_with_the_oasis_validator() {
    let Some(c) = corpus() else { return };
    let (mut passed, mut failed) = (0, 0);
    for (file, want_valid) in [("stix/valid_patterns.txt", true), ("stix/invalid_patterns.txt", false)] {
        let text = std::fs::read_to_string(c.join(file)).expect("pattern list");
        for line in text.lines().filter(|l| !l.trim().is_empty()) {
            let got = parse_pattern(line);
            if got.is_ok() == want_valid {
                passed += 1;
            } else {
                failed += 1;
                println!(
                    "DISAGREE ({}): {line}  {:?}",
                    if want_valid { "should parse" } else { "should fail" },
                    got.err()
                );
            }
        }
    }
    println!("{passed} passed, {failed} failed");
    assert_eq!(failed, 0);
}

/// Where the validator reports a syntax error (`line 1:N`), Seawall reports the same column.
#[test]
fn error_positions_match_the_validator() {
    let Some(c) = corpus() else { return };
    let text = std::fs::read_to_string(c.join("stix/pattern_validation.jsonl")).expect("validation cases");
    let (mut same, mut differ) = (0, Vec::new());
    for line in text.lines().filter(|l| !l.trim().is_empty()) {
        let v: serde_json::Value = serde_json::from_str(line).expect("case");
        if v["valid"] == true {
            continue;
        }
        let pattern = v["pattern"].as_str().unwrap();
        let errors = v["errors"].as_array().unwrap();
        let Some(col) = errors.iter().filter_map(|e| e.as_str()).find_map(|e| {
            let rest = e.split("line 1:").nth(1)?;
            rest.split(|c: char| !c.is_ascii_digit()).next()?.parse::<usize>().ok()
        }) else {
            continue; // semantic errors (hashes, duplicate qualifiers) carry no position
        };
        let err = parse_pattern(pattern).expect_err("invalid pattern");
        // The validator counts characters; the patterns here are ASCII.
        if err.position == col {
            same += 1;
        } else {
            differ.push(format!("{pattern}: validator {col}, Seawall {} ({})", err.position, err.message));
        }
    }
    println!("{same} positions agree, {} differ", differ.len());
    for d in &differ {
        println!("  {d}");
    }
    assert!(same >= 40, "too few positioned errors compared: {same}");
    assert!(differ.is_empty());
}

/// The parse-structure cases of the validator's `inspect()`: comparisons per object type,
/// observation operators and qualifiers (both STIX versions; the grammar alone, as inspect uses).
#[test]
fn inspection_matches_the_reference() {
    let Some(c) = corpus() else { return };
    let text = std::fs::read_to_string(c.join("stix/pattern_inspect_cases.jsonl")).expect("inspect cases");
    let (mut passed, mut failed) = (0, 0);
    for line in text.lines().filter(|l| !l.trim().is_empty()) {
        let case: serde_json::Value = serde_json::from_str(line).expect("case");
        let pattern = case["pattern"].as_str().unwrap();
        let got = match seawall_stix::parse_pattern_syntax(pattern) {
            Ok(p) => serde_json::to_value(seawall_stix::inspect(&p)).unwrap(),
            Err(e) => {
                failed += 1;
                println!("FAIL {pattern}: {e}");
                continue;
            }
        };
        let set = |v: &serde_json::Value| {
            let mut items: Vec<String> =
                v.as_array().unwrap().iter().map(|x| x.as_str().unwrap().to_string()).collect();
            items.sort();
            items
        };
        let ok = got["comparisons"] == case["comparisons"]
            && set(&got["observation_ops"]) == set(&case["observation_ops"])
            && set(&got["qualifiers"]) == set(&case["qualifiers"]);
        if ok {
            passed += 1;
        } else {
            failed += 1;
            println!(
                "FAIL {pattern}\n  got  {got}\n  want {}",
                serde_json::json!({"comparisons": case["comparisons"], "observation_ops": case["observation_ops"], "qualifiers": case["qualifiers"]})
            );
        }
    }
    println!("{passed} passed, {failed} failed");
    assert_eq!(failed, 0);
}

/// The matcher's own parse errors (`pattern_error_cases.jsonl`, STIX 2.1): rejected, at the same
/// column. (Its MatcherException cases need the evaluator, which is not written yet.)
#[test]
fn matcher_parse_errors_are_rejected_at_the_same_place() {
    let Some(c) = corpus() else { return };
    let text = std::fs::read_to_string(c.join("stix/pattern_error_cases.jsonl")).expect("error cases");
    let mut checked = 0;
    for line in text.lines().filter(|l| !l.trim().is_empty()) {
        let case: serde_json::Value = serde_json::from_str(line).expect("case");
        if case["error"] != "ParseException" || case["stix_version"] != "2.1" {
            continue;
        }
        let pattern = case["pattern"].as_str().unwrap();
        let err = seawall_stix::parse_pattern(pattern).expect_err(pattern);
        let msg = case["error_msg"].as_str().unwrap_or("");
        let col: usize = msg.split(':').nth(1).and_then(|c| c.trim().parse().ok()).expect("column in the message");
        assert_eq!(err.position, col, "{pattern}: {msg} / {err}");
        checked += 1;
    }
    assert_eq!(checked, 20);
}
