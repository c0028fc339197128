//! Sigma specification conformance: every modifier, wildcard and escape rule, condition form and
//! correlation type, each with events that must and must not match. Values follow the examples
//! of the specification's own text where it gives one.

use std::path::Path;

use seawall_core::{json, Value};
use seawall_sigma::correlation::run_correlations;
use seawall_sigma::loader::load_rule_text;
use seawall_sigma::{Engine, Mapping, Scratch};

mod common;
use common::{engine_with, matches};

fn rule(detection: &str) -> String {
    format!("title: t\nid: r1\nlogsource: {{product: test}}\ndetection:\n{detection}\n")
}

/// Asserts that `detection` matches each of `yes` and none of `no`.
fn check(detection: &str, yes: &[Value], no: &[Value]) {
    let e = engine_with(&rule(detection), &Mapping::default_mapping());
    for ev in yes {
        assert!(matches(&e, ev), "should match {ev}\n{detection}");
    }
    for ev in no {
        assert!(!matches(&e, ev), "should not match {ev}\n{detection}");
    }
}

fn compile_error(detection: &str) -> String {
    let (docs, errs) = load_rule_text(&rule(detection), Path::new("test.yml"));
    if let Some(e) = errs.first() {
        return e.error.clone();
    }
    let e = Engine::build(docs, &Mapping::default_mapping());
    e.errors.first().map(|e| e.error.clone()).unwrap_or_default()
}

#[test]
fn plain_values_are_case_insensitive_and_exact() {
    let d = "  sel:\n    Image: 'C:\\Windows\\cmd.exe'\n  condition: sel";
    check(
        d,
        &[json!({"Image": "c:\\windows\\CMD.EXE"})],
        &[json!({"Image": "C:\\Windows\\cmd.exe.bak"}), json!({"Other": 1})],
    );
}

#[test]
fn wildcards_and_escapes() {
    check(
        "  sel:\n    F: 'ab*cd?'\n  condition: sel",
        &[json!({"F": "abXXcdY"}), json!({"F": "abcdZ"})],
        &[json!({"F": "abcd"}), json!({"F": "xabcdY"})],
    );
    // \* is a literal star, \\ a literal backslash before a wildcard.
    check("  sel:\n    F: 'a\\*b'\n  condition: sel", &[json!({"F": "a*b"})], &[json!({"F": "aXb"})]);
    check("  sel:\n    F: 'a\\?'\n  condition: sel", &[json!({"F": "a?"})], &[json!({"F": "ab"})]);
    check("  sel:\n    F: 'C:\\\\*'\n  condition: sel", &[json!({"F": "C:\\x"})], &[json!({"F": "C:x"})]);
}

#[test]
fn lists_or_maps_and_list_of_maps() {
    check("  sel:\n    F: [a, b]\n  condition: sel", &[json!({"F": "a"}), json!({"F": "B"})], &[json!({"F": "c"})]);
    check(
        "  sel:\n    F: a\n    G: b\n  condition: sel",
        &[json!({"F": "a", "G": "b"})],
        &[json!({"F": "a", "G": "x"})],
    );
    check(
        "  sel:\n    - F: a\n    - G: b\n  condition: sel",
        &[json!({"F": "a"}), json!({"G": "b"})],
        &[json!({"F": "b", "G": "a"})],
    );
}

#[test]
fn numbers_booleans_and_null() {
    check(
        "  sel:\n    EventID: 4688\n  condition: sel",
        &[json!({"EventID": 4688}), json!({"EventID": "4688"})],
        &[json!({"EventID": 46880})],
    );
    check("  sel:\n    F: true\n  condition: sel", &[json!({"F": true}), json!({"F": "true"})], &[json!({"F": false})]);
    check(
        "  sel:\n    F: null\n  condition: sel",
        &[json!({"G": 1}), json!({"F": null})],
        &[json!({"F": "x"}), json!({"F": ""})],
    );
    check("  sel:\n    F: ''\n  condition: sel", &[json!({"F": ""})], &[json!({"F": "x"}), json!({"G": 1})]);
    // A number or boolean is matched as its text by string modifiers, and the same field can be
    // tested by several selections of one rule (its text is worked out once per event).
    check(
        "  a:\n    DestinationPort|endswith: '44'\n  b:\n    DestinationPort|startswith: '44'\n  c:\n    Initiated|contains: 'ru'\n  condition: a and b and c",
        &[json!({"DestinationPort": 4444, "Initiated": true}), json!({"DestinationPort": "4444", "Initiated": "true"})],
        &[json!({"DestinationPort": 4443, "Initiated": true}), json!({"DestinationPort": 4444, "Initiated": false}), json!({"DestinationPort": 44.5, "Initiated": true})],
    );
}

#[test]
fn keywords() {
    check(
        "  keywords:\n    - 'mimikatz'\n    - 'sekurlsa::*'\n  condition: keywords",
        &[json!({"msg": "running MIMIKATZ now"}), json!({"a": {"b": "sekurlsa::logonpasswords"}})],
        &[json!({"msg": "nothing"})],
    );
    // Keywords are full-text searches: each one may occur anywhere in any value.
    check(
        "  keywords:\n    '|all':\n      - foo\n      - bar\n  condition: keywords",
        &[json!({"a": "foo", "b": "bar"})],
        &[json!({"a": "foo"})],
    );
}

/// The prefilter looks for keywords in the folded text of every value of an event: strings of
/// either case and beyond ASCII (the Kelvin sign folds to `k`), numbers, booleans and values
/// nested in lists and maps must all reach the rule, through each stage of the searcher (first
/// plain substring finders, later automata, a DFA after hundreds of uses).
#[test]
fn keywords_reach_the_rule_from_every_kind_of_value() {
    let e = engine_with(
        &rule("  keywords:\n    - 'kiwi'\n    - 'mimikatz'\n    - '4625'\n    - 'true'\n  condition: keywords"),
        &Mapping::default_mapping(),
    );
    let yes = [
        json!({"msg": "ran MimiKatz"}),
        json!({"msg": "Größe MIMIKATZ"}),
        json!({"msg": "\u{212A}IWI"}),
        json!({"a": [1, {"b": "x kiwi y"}]}),
        json!({"id": 4625}),
        json!({"flag": true}),
    ];
    let no = [json!({"msg": "mimi katz"}), json!({"id": 4624}), json!({"flag": false}), json!({"msg": "kıwı"})];
    for round in 0..600 {
        for ev in &yes {
            assert!(matches(&e, ev), "round {round}: should match {ev}");
        }
        for ev in &no {
            assert!(!matches(&e, ev), "round {round}: should not match {ev}");
        }
    }
}

/// Values too short to hold any keyword are not searched. Length counts after folding, which
/// can lengthen text beyond ASCII: 'İ' (two bytes) folds to three.
#[test]
fn keywords_are_found_in_values_shorter_than_their_folded_form() {
    let e = engine_with(
        &rule("  keywords:\n    - 'İİ'\n    - 'mimikatz'\n  condition: keywords"),
        &Mapping::default_mapping(),
    );
    let yes = [json!({"a": "İİ"}), json!({"a": "ab", "b": "MIMIKATZ"}), json!({"a": "x", "b": "İİ", "c": "y"})];
    let no = [json!({"a": "mimi"}), json!({"a": "İ"}), json!({"a": "ab", "b": "i"})];
    for round in 0..3 {
        for ev in &yes {
            assert!(matches(&e, ev), "round {round}: should match {ev}");
        }
        for ev in &no {
            assert!(!matches(&e, ev), "round {round}: should not match {ev}");
        }
    }
}

/// One thread's scratch lives across events, and remembers which literals each value held and
/// which values held no keyword: an event must get the same verdicts as with a fresh scratch,
/// whatever came before it (a value seen before, a value seen in an event where a keyword was
/// found elsewhere, a keyword in a value never seen).
#[test]
fn verdicts_do_not_depend_on_the_events_before() {
    let e = engine_with(
        "title: kw\nid: r1\nlogsource: {product: test}\ndetection:\n  keywords: ['evilword']\n  condition: keywords\n---\n\
         title: field\nid: r2\nlogsource: {product: test}\ndetection:\n  sel:\n    F|contains: mimikatz\n  condition: sel\n",
        &Mapping::default_mapping(),
    );
    let events = [
        json!({"F": "alpha", "G": "beta"}),
        json!({"F": "alpha", "G": "an evilword here"}),
        json!({"F": "alpha", "G": "beta"}),
        json!({"F": "run MIMIKATZ now", "G": "beta"}),
        json!({"F": "run mimikatz now", "G": "an evilword here"}),
        json!({"G": "an evilword here"}),
        json!({"F": "run MIMIKATZ now"}),
        json!({"F": "beta evilword", "G": "alpha"}),
        json!({"F": "alpha"}),
    ];
    let fresh: Vec<Vec<u32>> = events
        .iter()
        .map(|ev| {
            let mut out = Vec::new();
            e.evaluate(ev, &mut Scratch::default(), &mut out);
            out.sort_unstable();
            out
        })
        .collect();
    assert_eq!(fresh.iter().filter(|o| !o.is_empty()).count(), 6, "the events as written: {fresh:?}");
    let mut scratch = Scratch::default();
    for round in 0..3 {
        for (ev, want) in events.iter().zip(&fresh) {
            let mut out = Vec::new();
            e.evaluate(ev, &mut scratch, &mut out);
            out.sort_unstable();
            assert_eq!(&out, want, "round {round}: {ev}");
        }
    }
}

/// Where a field is in a large flat event is remembered per set of keys; an event with the same
/// keys must still be searched in full wherever a value, not a key, decides (a nested place
/// tried before the top level, flattened dotted keys).
#[test]
fn field_places_follow_each_events_own_values() {
    let e = engine_with(
        "title: id\nid: r1\nlogsource: {product: test}\ndetection:\n  sel:\n    EventID: 4688\n  condition: sel\n",
        &Mapping::default_mapping(),
    );
    // `EventID` is looked for under `Event.System` and `winlog` before the top level, and as
    // `event.code` after it; any of these paths may be spelled out by a dotted key.
    let with = |extra: &[(&str, Value)]| {
        let mut ev = json!({"k1": 1, "k2": 2, "k3": 3, "k4": 4, "k5": 5, "k6": 6});
        for (k, v) in extra {
            ev.as_object_mut().expect("an object").insert((*k).into(), v.clone());
        }
        ev
    };
    let events = [
        (with(&[("winlog", json!({"x": 1})), ("EventID", json!(4688))]), true),
        (with(&[("winlog", json!({"event_id": 1})), ("EventID", json!(4688))]), false),
        (with(&[("winlog", json!("text")), ("EventID", json!(4688))]), true),
        (with(&[("winlog", json!({})), ("Other", json!(4688))]), false),
        (with(&[("winlog", json!({"event_id": 4688})), ("Other", json!(1))]), true),
        (with(&[("Event", json!({"System": {"EventID": 4688}})), ("EventID", json!(1))]), true),
        (with(&[("Event", json!({"System": {}})), ("EventID", json!(4688))]), true),
        (with(&[("Event", json!({"System": {}})), ("EventID", json!(1))]), false),
        (with(&[("k7", json!(7)), ("event.code", json!(4688))]), true),
        (with(&[("k7", json!(7)), ("event.code", json!(1))]), false),
        (with(&[("k7", json!(7)), ("EventID", json!(4688))]), true),
        (with(&[("k7", json!(7)), ("EventID", json!({"#text": 1}))]), false),
        (with(&[("Event.System", json!({})), ("EventID", json!(4688))]), true),
        (with(&[("Event.System", json!({"EventID": 4688})), ("EventID", json!(1))]), true),
        (with(&[("Event.System", json!({"EventID": 1})), ("EventID", json!(4688))]), false),
        (with(&[("winlog.event_id", json!(4688)), ("EventID", json!(1))]), true),
        (with(&[("winlog.event_id", json!(1)), ("EventID", json!(4688))]), false),
        (with(&[("winlog.x", json!(4688)), ("EventID", json!(4688))]), true),
        (with(&[("winlog.x", json!(4688)), ("EventID", json!(1))]), false),
        (with(&[("Event", json!({"System": {"EventID": 1}})), ("EventID", json!(4688))]), false),
        (with(&[("Event", json!({"System": {"EventID": {"#text": 4688}}})), ("EventID", json!(1))]), true),
        (with(&[("Event", json!({"System": {"EventID": {"#text": 1}}})), ("EventID", json!(4688))]), false),
        (with(&[("Event", json!({"System": {"EventID": {"#text": 4688}}})), ("EventID", json!(1))]), true),
        (with(&[("Event", json!({"System": {"Other": 4688}})), ("EventID", json!(1))]), false),
        (with(&[("Event", json!({"System": {"Other": {"EventID": 4688}}})), ("EventID", json!(1))]), false),
        (with(&[("Event", json!({"System": {"Other": {"EventID": 4688}}})), ("EventID", json!(4688))]), true),
        (json!({"Event": {"System": {"EventID": 4688}}}), true),
        (json!({"Event": {"System": {"EventID": 1}}}), false),
        (json!({"Event": {"System": {"EventId": 4688}}}), false),
        (json!({"EventID": 4688}), true),
        (json!({"EventID": 1}), false),
        (json!({"winlog": {"event_id": 4688}}), true),
        (json!({"winlog": {"event_id": 1}}), false),
    ];
    let mut scratch = Scratch::default();
    for round in 0..3 {
        for (ev, want) in &events {
            for scratch in [&mut Scratch::default(), &mut scratch] {
                let mut out = Vec::new();
                e.evaluate(ev, scratch, &mut out);
                assert_eq!(!out.is_empty(), *want, "round {round}: {ev}");
            }
        }
    }
}

/// What a scratch remembers belongs to the engine it was used with: brought to another engine,
/// whose searchers and matchers are numbered alike, it must not answer from the first.
#[test]
fn a_scratch_used_with_another_engine_forgets_the_first() {
    let one = |word: &str| {
        engine_with(&rule(&format!("  sel:\n    F|contains: {word}\n  condition: sel")), &Mapping::default_mapping())
    };
    let (a, b) = (one("mimikatz"), one("alpha"));
    let ev = json!({"F": "alpha x"});
    let mut scratch = Scratch::default();
    for round in 0..3 {
        let mut out = Vec::new();
        a.evaluate(&ev, &mut scratch, &mut out);
        assert!(out.is_empty(), "round {round}: the first engine looks for another word");
        b.evaluate(&ev, &mut scratch, &mut out);
        assert_eq!(out, [0], "round {round}: the second engine finds its word");
    }
}

#[test]
fn contains_startswith_endswith() {
    check(
        "  sel:\n    F|contains: 'ell.ex'\n  condition: sel",
        &[json!({"F": "powershell.exe"})],
        &[json!({"F": "cmd.exe"})],
    );
    check(
        "  sel:\n    F|startswith: 'adm'\n  condition: sel",
        &[json!({"F": "Administrator"})],
        &[json!({"F": "sysadm"})],
    );
    check(
        "  sel:\n    F|endswith: '\\cmd.exe'\n  condition: sel",
        &[json!({"F": "C:\\x\\CMD.exe"})],
        &[json!({"F": "cmd.exe"})],
    );
}

#[test]
fn all_modifier_ands_the_list() {
    let d = "  sel:\n    CommandLine|contains|all:\n      - ' -e '\n      - 'bypass'\n  condition: sel";
    check(d, &[json!({"CommandLine": "ps -e x -ExecutionPolicy Bypass"})], &[json!({"CommandLine": "ps -e x"})]);
}

#[test]
fn exists_modifier() {
    check("  sel:\n    F|exists: true\n  condition: sel", &[json!({"F": ""}), json!({"F": null})], &[json!({"G": 1})]);
    check("  sel:\n    F|exists: false\n  condition: sel", &[json!({"G": 1})], &[json!({"F": "x"})]);
}

#[test]
fn cased_modifier() {
    check("  sel:\n    F|cased: 'AbC'\n  condition: sel", &[json!({"F": "AbC"})], &[json!({"F": "abc"})]);
    check(
        "  sel:\n    F|contains|cased: 'Shell'\n  condition: sel",
        &[json!({"F": "PowerShell"})],
        &[json!({"F": "powershell"})],
    );
}

#[test]
fn neq_modifier_on_strings_and_numbers() {
    check(
        "  sel:\n    F: x\n    G|neq: admin\n  condition: sel",
        &[json!({"F": "x", "G": "bob"})],
        &[json!({"F": "x", "G": "ADMIN"})],
    );
    check("  sel:\n    F|neq: 3\n  condition: sel", &[json!({"F": 4})], &[json!({"F": 3})]);
    check("  sel:\n    F|neq: [a, b]\n  condition: sel", &[json!({"F": "c"})], &[json!({"F": "a"}), json!({"F": "b"})]);
}

#[test]
fn windash_modifier() {
    let d = "  sel:\n    CommandLine|windash|contains: ' -exec '\n  condition: sel";
    check(
        d,
        &[
            json!({"CommandLine": "x -exec y"}),
            json!({"CommandLine": "x /exec y"}),
            json!({"CommandLine": "x \u{2013}exec y"}),
            json!({"CommandLine": "x \u{2014}exec y"}),
            json!({"CommandLine": "x \u{2015}exec y"}),
        ],
        &[json!({"CommandLine": "x exec y"}), json!({"CommandLine": "x +exec y"})],
    );
}

#[test]
fn re_modifier_and_flags() {
    check(
        "  sel:\n    F|re: 'ab+c'\n  condition: sel",
        &[json!({"F": "xabbbc"})],
        &[json!({"F": "ABC"}), json!({"F": "ac"})],
    );
    check("  sel:\n    F|re|i: '^abc$'\n  condition: sel", &[json!({"F": "ABC"})], &[json!({"F": "ABCD"})]);
    check("  sel:\n    F|re|m: '^b$'\n  condition: sel", &[json!({"F": "a\nb\nc"})], &[json!({"F": "a b c"})]);
    check("  sel:\n    F|re|s: 'a.b'\n  condition: sel", &[json!({"F": "a\nb"})], &[json!({"F": "a\n\nb"})]);
    check("  sel:\n    F|re: 'a.b'\n  condition: sel", &[json!({"F": "axb"})], &[json!({"F": "a\nb"})]);
    assert!(compile_error("  sel:\n    F|re: '(a'\n  condition: sel").contains("regular expression"));
    assert!(compile_error("  sel:\n    F|i: 'a'\n  condition: sel").contains("need 're'"));
}

/// The prefilter skips a regex rule unless one of its literals occurs; whatever the regex
/// matches must still reach it: upper case, numbers, Unicode case folding, keyword searches.
#[test]
fn regex_rules_pass_the_prefilter_whenever_they_match() {
    check(
        "  sel:\n    F|re: 'IPCONFIG\\s+/all|route\\s+print'\n  condition: sel",
        &[json!({"F": "x IPCONFIG   /all"}), json!({"F": "route print"})],
        &[json!({"F": "ipconfig /all"}), json!({"F": "routeprint"})],
    );
    check(
        "  sel:\n    F|re|i: 'kill(er)?\\.exe'\n  condition: sel",
        &[json!({"F": "C:\\KILLER.EXE"}), json!({"F": "\u{212A}ill.exe"}), json!({"F": ["a", "kill.exe"]})],
        &[json!({"F": "kil.exe"})],
    );
    // `ſ` (long s) matches `s` case-insensitively but folds to itself.
    check(
        "  sel:\n    F|re|i: 'class'\n  condition: sel",
        &[json!({"F": "CLA\u{17F}\u{17F}"})],
        &[json!({"F": "cla"})],
    );
    check("  sel:\n    F|re: '^4[0-9]{2}5$'\n  condition: sel", &[json!({"F": 4625})], &[json!({"F": 4626})]);
    check(
        "  keywords:\n    '|re': 'mimi[k]atz'\n  condition: keywords",
        &[json!({"A": {"B": "run mimikatz now"}})],
        &[json!({"A": "mimi katz"})],
    );
}

#[test]
fn base64_and_base64offset() {
    check(
        "  sel:\n    F|base64: '/bin/bash'\n  condition: sel",
        &[json!({"F": "L2Jpbi9iYXNo"})],
        &[json!({"F": "x L2Jpbi9iYXNo"})],
    );
    let d = "  sel:\n    F|base64offset|contains: '/bin/bash'\n  condition: sel";
    // echo -n 'x/bin/bash' | base64 -> eC9iaW4vYmFzaA== ; 'xx/bin/bash' -> eHgvYmluL2Jhc2g=
    check(
        d,
        &[json!({"F": "L2Jpbi9iYXNo"}), json!({"F": "eC9iaW4vYmFzaA=="}), json!({"F": "eHgvYmluL2Jhc2g="})],
        &[json!({"F": "L2Jpbi9iYXN"})],
    );
}

#[test]
fn utf16_encodings_with_base64() {
    // 'cmd' as UTF-16LE then base64: YwBtAGQA ; UTF-16BE: AGMAbQBk ; with BOM: //5jAG0AZAA=
    check(
        "  sel:\n    F|utf16le|base64: 'cmd'\n  condition: sel",
        &[json!({"F": "YwBtAGQA"})],
        &[json!({"F": "Y21k"})],
    );
    check(
        "  sel:\n    F|wide|base64: 'cmd'\n  condition: sel",
        &[json!({"F": "YwBtAGQA"})],
        &[json!({"F": "AGMAbQBk"})],
    );
    check(
        "  sel:\n    F|utf16be|base64: 'cmd'\n  condition: sel",
        &[json!({"F": "AGMAbQBk"})],
        &[json!({"F": "YwBtAGQA"})],
    );
    check(
        "  sel:\n    F|utf16|base64: 'cmd'\n  condition: sel",
        &[json!({"F": "//5jAG0AZAA="})],
        &[json!({"F": "YwBtAGQA"})],
    );
    check(
        "  sel:\n    F|wide|base64offset|contains: 'cmd'\n  condition: sel",
        &[json!({"F": "xxYwBtAGQAyy"})],
        &[json!({"F": "Y21k"})],
    );
}

#[test]
fn numeric_comparisons() {
    check(
        "  sel:\n    F|lt: 10\n  condition: sel",
        &[json!({"F": 9}), json!({"F": "9.5"})],
        &[json!({"F": 10}), json!({"F": "x"})],
    );
    check("  sel:\n    F|lte: 10\n  condition: sel", &[json!({"F": 10})], &[json!({"F": 11})]);
    check("  sel:\n    F|gt: 10\n  condition: sel", &[json!({"F": 11})], &[json!({"F": 10})]);
    check("  sel:\n    F|gte: 10\n  condition: sel", &[json!({"F": 10}), json!({"F": "0x10"})], &[json!({"F": 9})]);
}

#[test]
fn time_modifiers() {
    let t = json!({"T": "2026-02-03T22:45:10Z"});
    check(
        "  sel:\n    T|minute: 45\n  condition: sel",
        std::slice::from_ref(&t),
        &[json!({"T": "2026-02-03T22:44:10Z"})],
    );
    check(
        "  sel:\n    T|hour: 22\n  condition: sel",
        std::slice::from_ref(&t),
        &[json!({"T": "2026-02-03T21:45:10Z"})],
    );
    check("  sel:\n    T|day: 3\n  condition: sel", std::slice::from_ref(&t), &[json!({"T": "2026-02-04T22:45:10Z"})]);
    check("  sel:\n    T|week: 6\n  condition: sel", std::slice::from_ref(&t), &[json!({"T": "2026-03-03T22:45:10Z"})]);
    check(
        "  sel:\n    T|month: 2\n  condition: sel",
        std::slice::from_ref(&t),
        &[json!({"T": "2026-03-03T22:45:10Z"})],
    );
    check(
        "  sel:\n    T|year: 2026\n  condition: sel",
        std::slice::from_ref(&t),
        &[json!({"T": "2025-02-03T22:45:10Z"})],
    );
    check("  sel:\n    T|hour|gte: 20\n  condition: sel", &[t], &[json!({"T": "2026-02-03 08:00:00"})]);
}

#[test]
fn cidr_modifier() {
    check(
        "  sel:\n    DestinationIp|cidr: 10.0.0.0/8\n  condition: sel",
        &[json!({"DestinationIp": "10.1.2.3"})],
        &[json!({"DestinationIp": "11.0.0.1"}), json!({"DestinationIp": "not an ip"})],
    );
    check(
        "  sel:\n    DestinationIp|cidr:\n      - 'fe80::/10'\n      - '192.168.0.0/16'\n  condition: sel",
        &[json!({"DestinationIp": "fe80::1"}), json!({"DestinationIp": "192.168.4.4"})],
        &[json!({"DestinationIp": "2001:db8::1"})],
    );
}

#[test]
fn expand_modifier_uses_mapping_placeholders() {
    let mut text =
        seawall_sigma::mapping::DEFAULT_MAPPING.replace("placeholders: {}", "placeholders:\n  admins: [alice, bob]\n");
    text.push('\n');
    let mapping = Mapping::parse(&text).unwrap();
    let e = engine_with(&rule("  sel:\n    User|expand: '%admins%'\n  condition: sel"), &mapping);
    assert!(matches(&e, &json!({"User": "Bob"})));
    assert!(!matches(&e, &json!({"User": "eve"})));
    // Without values the rule loads, the placeholder is listed as unsupported and never matches.
    let e = engine_with(&rule("  sel:\n    User|expand: '%admins%'\n  condition: sel"), &Mapping::default_mapping());
    assert_eq!(e.unsupported.len(), 1);
    assert!(!matches(&e, &json!({"User": "%admins%"})));
}

#[test]
fn fieldref_modifier() {
    check(
        "  sel:\n    A|fieldref: B\n  condition: sel",
        &[
            json!({"A": "x", "B": "X"}),
            json!({"A": "C:\\Windows\\cmd.exe", "B": "c:\\windows\\CMD.EXE"}),
            // Beyond ASCII, values are folded: the Kelvin sign is a `k`, `Ä` an `ä`.
            json!({"A": "\u{212A}ey", "B": "key"}),
            json!({"A": "Äpfel", "B": "äPFEL"}),
            json!({"A": 5, "B": "5"}),
        ],
        &[
            json!({"A": "x", "B": "y"}),
            json!({"A": "x"}),
            json!({"A": "cmd.exe", "B": "cmd.ex"}),
            json!({"A": "Äpfel", "B": "apfel"}),
        ],
    );
    check(
        "  sel:\n    A|fieldref|cased: B\n  condition: sel",
        &[json!({"A": "Key", "B": "Key"})],
        &[json!({"A": "Key", "B": "key"}), json!({"A": "\u{212A}ey", "B": "key"})],
    );
    check(
        "  sel:\n    A|fieldref|neq: B\n  condition: sel",
        &[json!({"A": "x", "B": "y"})],
        &[json!({"A": "x", "B": "x"})],
    );
}

#[test]
fn unknown_modifier_is_an_error() {
    assert!(compile_error("  sel:\n    F|startwith: a\n  condition: sel").contains("unknown modifier 'startwith'"));
}

#[test]
fn conditions_and_or_not_parentheses() {
    let base = "  a:\n    F: 1\n  b:\n    G: 1\n  c:\n    H: 1\n";
    check(&format!("{base}  condition: a and not b"), &[json!({"F": 1})], &[json!({"F": 1, "G": 1})]);
    check(&format!("{base}  condition: a or b and c"), &[json!({"F": 1}), json!({"G": 1, "H": 1})], &[json!({"G": 1})]);
    check(&format!("{base}  condition: (a or b) and c"), &[json!({"G": 1, "H": 1})], &[json!({"F": 1})]);
    check(&format!("{base}  condition: not (a or b)"), &[json!({"H": 1})], &[json!({"G": 1})]);
}

#[test]
fn quantified_conditions() {
    let base = "  sel_a:\n    F: 1\n  sel_b:\n    G: 1\n  _hidden:\n    H: 1\n";
    check(&format!("{base}  condition: 1 of sel_*"), &[json!({"F": 1}), json!({"G": 1})], &[json!({"H": 1})]);
    check(&format!("{base}  condition: all of sel_*"), &[json!({"F": 1, "G": 1})], &[json!({"F": 1})]);
    check(&format!("{base}  condition: 1 of them"), &[json!({"G": 1})], &[json!({"H": 1})]);
    check(&format!("{base}  condition: all of them"), &[json!({"F": 1, "G": 1})], &[json!({"F": 1, "H": 1})]);
    assert!(compile_error(&format!("{base}  condition: 1 of nope*")).contains("matches no search"));
}

#[test]
fn several_conditions_are_alternatives() {
    check(
        "  a:\n    F: 1\n  b:\n    G: 1\n  condition:\n    - a\n    - b",
        &[json!({"F": 1}), json!({"G": 1})],
        &[json!({"H": 1})],
    );
}

#[test]
fn nested_and_flattened_field_names() {
    check(
        "  sel:\n    process.name: x.exe\n  condition: sel",
        &[json!({"process": {"name": "x.exe"}}), json!({"process.name": "x.exe"})],
        &[json!({"process": {"name": "y"}})],
    );
    check("  sel:\n    Some-Field: v\n  condition: sel", &[json!({"Some-Field": "v"})], &[json!({"SomeField": "v"})]);
}

#[test]
fn lists_in_events_match_any_element() {
    check(
        "  sel:\n    Tags|contains: evil\n  condition: sel",
        &[json!({"Tags": ["good", "EVIL-1"]})],
        &[json!({"Tags": ["good"]})],
    );
}

#[test]
fn v1_aggregations_are_rejected_with_a_reason() {
    assert!(compile_error("  sel:\n    F: 1\n  condition: sel | count() > 5").contains("aggregation"));
}

#[test]
fn filters_exclude_from_named_rules() {
    let text = format!(
        "{}---\ntitle: f\nlogsource: {{product: test}}\nfilter:\n  rules: [r1]\n  selection:\n    User: svc\n  condition: selection\n",
        rule("  sel:\n    F: 1\n  condition: sel")
    );
    let e = engine_with(&text, &Mapping::default_mapping());
    assert!(matches(&e, &json!({"F": 1, "User": "bob"})));
    assert!(!matches(&e, &json!({"F": 1, "User": "svc"})));
}

fn correlate(yaml: &str, events: &[Value]) -> Vec<seawall_sigma::correlation::CorrelationMatch> {
    let e = engine_with(yaml, &Mapping::default_mapping());
    let mut inputs = Vec::new();
    for (i, ev) in events.iter().enumerate() {
        let event = seawall_core::Event {
            timestamp: seawall_readers_ts(ev),
            source: seawall_core::SourceRef { file: "e".into(), place: seawall_core::Place::Line(i as u64 + 1) },
            kind: seawall_core::EventKind::Json,
            fields: ev.clone(),
        };
        let mut out = Vec::new();
        e.evaluate(ev, &mut Scratch::default(), &mut out);
        for r in out {
            inputs.extend(e.correlation_inputs(r, &event));
        }
    }
    run_correlations(&e.correlations, inputs, 100)
}

fn seawall_readers_ts(v: &Value) -> Option<jiff::Timestamp> {
    v["time"].as_str().and_then(|s| s.parse().ok())
}

const BASES: &str = "title: fail\nname: fail\nlogsource: {product: test}\ndetection:\n  s:\n    action: fail\n  condition: s\n---\ntitle: ok\nname: ok\nlogsource: {product: test}\ndetection:\n  s:\n    action: ok\n  condition: s\n---\n";

fn ev(t: &str, action: &str, user: &str, src: &str) -> Value {
    json!({"time": t, "action": action, "user": user, "src": src})
}

#[test]
fn correlation_event_count() {
    let y = format!("{BASES}title: c\ncorrelation:\n  type: event_count\n  rules: [fail]\n  group-by: [user]\n  timespan: 1m\n  condition: {{gte: 3}}\n");
    let evs = [
        ev("2026-01-01T00:00:00Z", "fail", "a", "1"),
        ev("2026-01-01T00:00:20Z", "fail", "a", "1"),
        ev("2026-01-01T00:00:40Z", "fail", "a", "1"),
        ev("2026-01-01T00:00:41Z", "fail", "b", "1"),
    ];
    let m = correlate(&y, &evs);
    assert_eq!(m.len(), 1);
    assert_eq!(m[0].group[0].1.as_deref(), Some("a"));
    assert!(correlate(&y, &evs[1..]).is_empty());
}

#[test]
fn correlation_value_count() {
    let y = format!("{BASES}title: c\ncorrelation:\n  type: value_count\n  rules: [fail]\n  group-by: [src]\n  timespan: 1h\n  condition: {{field: user, gte: 2}}\n");
    let yes = [ev("2026-01-01T00:00:00Z", "fail", "a", "1"), ev("2026-01-01T00:10:00Z", "fail", "b", "1")];
    let no = [
        ev("2026-01-01T00:00:00Z", "fail", "a", "1"),
        ev("2026-01-01T00:10:00Z", "fail", "a", "1"),
        ev("2026-01-01T00:10:00Z", "fail", "b", "2"),
    ];
    assert_eq!(correlate(&y, &yes).len(), 1);
    assert!(correlate(&y, &no).is_empty());
}

#[test]
fn correlation_temporal_and_ordered() {
    let t = format!(
        "{BASES}title: c\ncorrelation:\n  type: temporal\n  rules: [fail, ok]\n  group-by: [user]\n  timespan: 5m\n"
    );
    let o = t.replace("type: temporal", "type: temporal_ordered");
    let in_order = [ev("2026-01-01T00:00:00Z", "fail", "a", "1"), ev("2026-01-01T00:01:00Z", "ok", "a", "1")];
    let reversed = [ev("2026-01-01T00:00:00Z", "ok", "a", "1"), ev("2026-01-01T00:01:00Z", "fail", "a", "1")];
    let too_far = [ev("2026-01-01T00:00:00Z", "fail", "a", "1"), ev("2026-01-01T00:10:00Z", "ok", "a", "1")];
    let other_user = [ev("2026-01-01T00:00:00Z", "fail", "a", "1"), ev("2026-01-01T00:01:00Z", "ok", "b", "1")];
    assert_eq!(correlate(&t, &in_order).len(), 1);
    assert_eq!(correlate(&t, &reversed).len(), 1);
    assert!(correlate(&t, &too_far).is_empty());
    assert!(correlate(&t, &other_user).is_empty());
    assert_eq!(correlate(&o, &in_order).len(), 1);
    assert!(correlate(&o, &reversed).is_empty());
}

#[test]
fn correlation_aliases_and_chaining() {
    let y = format!(
        "{BASES}title: c\nname: many\ncorrelation:\n  type: event_count\n  rules: [fail]\n  group-by: [who]\n  timespan: 10m\n  condition: {{gte: 2}}\n  aliases:\n    who:\n      fail: user\n      ok: user\n---\ntitle: then ok\ncorrelation:\n  type: temporal_ordered\n  rules: [many, ok]\n  group-by: [who]\n  timespan: 10m\n  aliases:\n    who:\n      ok: user\n"
    );
    let evs = [
        ev("2026-01-01T00:00:00Z", "fail", "a", "1"),
        ev("2026-01-01T00:01:00Z", "fail", "a", "1"),
        ev("2026-01-01T00:02:00Z", "ok", "a", "1"),
    ];
    let m = correlate(&y, &evs);
    let e = engine_with(&y, &Mapping::default_mapping());
    let fired: Vec<&str> = m.iter().map(|m| e.correlations[m.corr].meta.title.as_str()).collect();
    assert!(fired.contains(&"then ok"), "{fired:?}");
    assert!(correlate(&y, &evs[1..]).iter().all(|m| e.correlations[m.corr].meta.title != "then ok"));
}

#[test]
fn ecs_records_are_searched_through_mapping_aliases() {
    let r = "title: t\nid: w\nlogsource: {product: windows, category: process_creation}\ndetection:\n  sel:\n    Image|endswith: '\\whoami.exe'\n    CommandLine|contains: '/all'\n  condition: sel\n";
    let e = engine_with(r, &Mapping::default_mapping());
    let ecs = json!({"winlog": {"channel": "Microsoft-Windows-Sysmon/Operational", "event_id": 1},
        "process": {"executable": "C:\\Windows\\System32\\whoami.exe", "command_line": "whoami /all"}});
    let other = json!({"winlog": {"channel": "Microsoft-Windows-Sysmon/Operational", "event_id": 1},
        "process": {"executable": "C:\\Windows\\System32\\whoami.exe", "command_line": "whoami"}});
    assert!(matches(&e, &ecs));
    assert!(!matches(&e, &other));
}

/// A rule whose prefilter needs literals in two fields reaches evaluation only when both are
/// found, in whichever order, wherever its groups are numbered among other rules' groups.
#[test]
fn rules_needing_literals_in_two_fields_pass_the_prefilter_when_both_occur() {
    let one = "title: one\nid: r1\nlogsource: {product: test}\ndetection:\n  sel:\n    CommandLine|contains: 'alpha'\n  condition: sel\n";
    let two = "title: two\nid: r2\nlogsource: {product: test}\ndetection:\n  sel:\n    Image|endswith: '\\beta.exe'\n    CommandLine|contains: 'gamma'\n  condition: sel\n";
    for rules in [format!("{one}---\n{two}"), format!("{two}---\n{one}"), format!("{one}---\n{one}---\n{two}")] {
        let e = engine_with(&rules, &Mapping::default_mapping());
        let hits = |ev: &Value| {
            let mut out = Vec::new();
            e.evaluate(ev, &mut Scratch::default(), &mut out);
            out.iter().map(|&r| e.rules[r as usize].meta.title.clone()).collect::<Vec<_>>()
        };
        let both = json!({"Image": "C:\\x\\BETA.exe", "CommandLine": "run gamma"});
        assert_eq!(hits(&both), ["two"], "{rules}");
        let all = json!({"Image": "C:\\x\\BETA.exe", "CommandLine": "run gamma alpha"});
        assert!(hits(&all).contains(&"two".to_string()), "{rules}");
        assert!(hits(&all).contains(&"one".to_string()), "{rules}");
        let image_only = json!({"Image": "C:\\x\\beta.exe", "CommandLine": "run alpha"});
        assert!(hits(&image_only).iter().all(|t| t == "one"), "{rules}");
        assert!(!hits(&image_only).is_empty(), "{rules}");
        let text_only = json!({"Image": "C:\\x\\delta.exe", "CommandLine": "gamma"});
        assert!(hits(&text_only).is_empty(), "{rules}");
    }
}
