//! Seawall builds YAML trees from the parser's events itself (`yaml_build`); this test holds it
//! to `serde-saphyr`, which it replaced, on every YAML file of the shared corpus and of this
//! repository: the same documents, the same trees, and an error where it found one.
//! Prints `N passed, N failed`.

use std::path::{Path, PathBuf};

use seawall_sigma::yaml::{parse_documents, Yaml};

fn corpus() -> Option<PathBuf> {
    seawall_testkit::corpus(env!("CARGO_MANIFEST_DIR"), "sigma")
}

/// The documents of a file as `serde-saphyr` read them, split at `---` lines as Seawall does
/// (`...` lines left out), with the line each starts on.
fn oracle(text: &str) -> Vec<(usize, Result<Yaml, String>)> {
    let mut docs = Vec::new();
    let mut body = String::new();
    let mut start = 1;
    let mut flush = |start: usize, body: &str| {
        if body.lines().all(|l| l.trim().is_empty() || l.trim().starts_with('#')) {
            return;
        }
        let mut o = serde_saphyr::Options::default();
        o.strict_booleans = true;
        o.leading_zero_numbers_as_strings = true;
        docs.push((start, serde_saphyr::from_str_with_options::<Yaml>(body, o).map_err(|e| e.to_string())));
    };
    for (i, line) in text.lines().enumerate() {
        let t = line.trim_end();
        if t == "---" || t.starts_with("--- ") {
            flush(start, &body);
            body.clear();
            start = i + 2;
        } else if t != "..." {
            body.push_str(line);
            body.push('\n');
        }
    }
    flush(start, &body);
    docs
}

fn yaml_files(root: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(root) else { return };
    let mut entries: Vec<_> = entries.flatten().map(|e| e.path()).collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            yaml_files(&p, out);
        } else if matches!(p.extension().and_then(|e| e.to_str()), Some("yml" | "yaml")) {
            out.push(p);
        }
    }
}

#[test]
fn trees_match_serde_saphyr_on_every_yaml_file() {
    let repo = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let mut files = Vec::new();
    for dir in ["rules", "examples", "crates"] {
        yaml_files(&repo.join(dir), &mut files);
    }
    let Some(corpus) = corpus() else { return };
    yaml_files(&corpus, &mut files);
    assert!(files.len() > 3900, "only {} YAML files found", files.len());
    let (mut passed, mut failed, mut documents) = (0, 0, 0);
    for f in &files {
        let Ok(text) = std::fs::read_to_string(f) else { continue };
        let ours: Vec<(usize, Result<Yaml, String>)> =
            parse_documents(&text).into_iter().map(|d| (d.line, d.value.map_err(|e| e.1))).collect();
        let theirs = oracle(&text);
        documents += ours.len();
        let same = ours.len() == theirs.len()
            && ours.iter().zip(&theirs).all(|(a, b)| {
                a.0 == b.0
                    && match (&a.1, &b.1) {
                        (Ok(x), Ok(y)) => x == y,
                        (Err(_), Err(_)) => true,
                        _ => false,
                    }
            });
        if same {
            passed += 1;
        } else {
            failed += 1;
            eprintln!("differs: {}\n  ours:   {:?}\n  theirs: {:?}", f.display(), ours, theirs);
        }
    }
    println!("{passed} passed, {failed} failed ({documents} documents)");
    assert_eq!(failed, 0);
}

/// Where Seawall departs from `serde-saphyr`, following the YAML 1.2 core schema: `1_000` and
/// `0b101` are YAML 1.1 integers and `-0x1` no integer at all, so all three are strings; `.inf`
/// is a float where `serde-saphyr` rejected it.
const DEPARTURES: [(&str, &str); 7] = [
    ("1_000", "Str(\"1_000\")"),
    ("0b101", "Str(\"0b101\")"),
    ("-0x1", "Str(\"-0x1\")"),
    ("+.inf", "Float(inf)"),
    ("-.inf", "Float(-inf)"),
    (".Inf", "Float(inf)"),
    (".INF", "Float(inf)"),
];

#[test]
fn scalars_resolve_as_serde_saphyr_did_except_where_the_core_schema_says_otherwise() {
    let plain = [
        "~",
        "null",
        "Null",
        "NULL",
        "''",
        "true",
        "True",
        "TRUE",
        "false",
        "yes",
        "no",
        "on",
        "y",
        "n",
        "0",
        "-0",
        "+1",
        "007",
        "-007",
        "0x1F",
        "0x1f",
        "0o17",
        "0X1F",
        "1.5",
        ".5",
        "1e3",
        "-1.5e-3",
        "1.",
        "1.5E+3",
        "12345678901234567890",
        "9223372036854775807",
        "-9223372036854775808",
        "-9223372036854775809",
        "1_000",
        "0b101",
        "1:30",
        "2024-01-01",
        "0.0.1",
        "5%",
        "-",
        "+",
        ".",
        "e3",
        "1e",
        "0x",
        "-0x1",
        "0o8",
        "+.inf",
        "-.inf",
        ".Inf",
        ".INF",
        "+.nan",
        "-.nan",
        "0.",
        "00.5",
        "'007'",
        "\"1\"",
        "!!str 1",
        "!!int 7",
        "!!float 1",
        "!!bool true",
        "!!null x",
        "! 12",
        "!custom 12",
        "|\n  12\n",
        "&a 5",
    ];
    let mut differs = Vec::new();
    for p in plain {
        let text = format!("v: {p}\n");
        let value = |v: Result<Yaml, String>| v.map(|y| format!("{:?}", y.get("v").cloned().unwrap_or(Yaml::Null)));
        let ours = value(parse_documents(&text).remove(0).value.map_err(|e| e.1));
        let theirs = value(oracle(&text).remove(0).1);
        match (&ours, &theirs) {
            (Ok(a), Ok(b)) if a == b => {}
            (Err(_), Err(_)) => {}
            _ => differs.push((p, ours.unwrap_or_else(|e| format!("error {e}")))),
        }
    }
    let expected: Vec<(&str, String)> = DEPARTURES.iter().map(|(p, v)| (*p, v.to_string())).collect();
    assert_eq!(differs, expected);
}

/// Line ends and file ends the corpus may not hold: CRLF line breaks, no line break at the end
/// of the file (after a block scalar too), `...` end markers.
#[test]
fn line_and_file_ends_read_as_serde_saphyr_did() {
    let texts = [
        "title: a\r\ndetection:\r\n  sel:\r\n    F: 'x'\r\n  condition: sel\r\n",
        "description: |\n  first\n  second",
        "description: >-\n  folded\n  text",
        "a: 1\n...\n---\nb: |\n  keep\n\n",
        "a: 1\r\n---\r\nb: 2",
        "k: v # comment",
    ];
    for text in texts {
        let ours: Vec<_> = parse_documents(text).into_iter().map(|d| (d.line, d.value.map_err(|e| e.1))).collect();
        let theirs = oracle(text);
        assert_eq!(ours.len(), theirs.len(), "{text:?}");
        for (a, b) in ours.iter().zip(&theirs) {
            assert_eq!(a.0, b.0, "{text:?}");
            assert_eq!(a.1.as_ref().ok(), b.1.as_ref().ok(), "{text:?}");
        }
    }
}
