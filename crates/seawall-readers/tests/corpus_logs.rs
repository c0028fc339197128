//! Reads every real log in the shared corpus (`logs/`) and checks, per file, that at least 99.5 %
//! of its records become events and that their times are read. Prints `N passed, N failed`.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use seawall_readers::{read_file, ReadOptions};

fn corpus() -> Option<PathBuf> {
    seawall_testkit::corpus(env!("CARGO_MANIFEST_DIR"), "logs")
}

/// Files in `logs/` that are not logs: provenance and licence texts, loghub's template tables,
/// and packet captures with their test-suite settings (Seawall reads logs, not packets).
fn is_log(path: &Path) -> bool {
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
    let s = path.to_string_lossy();
    !(name == "SOURCE.md"
        || name == "README.md"
        || name.starts_with("LICENSE")
        || name == "COPYING"
        || name == "CITATION"
        || name.ends_with("_templates.csv")
        || s.contains("/pcap/")
        || name.ends_with(".pcap"))
}

/// Files whose records legitimately lack a wall-clock time: (path suffix, timed records
/// expected, why).
const UNTIMED: &[(&str, u64, &str)] = &[
    ("cisco_ios/test-asr920.log", 0, "the router logs its uptime (`2y10w:`) instead of a time"),
    ("cisco_ios_show_logging_1.raw", 3, "the buffer's first line is the tail of a message cut by the ring buffer"),
    ("cisco_ios_show_logging_2.raw", 3, "the buffer's first line is the tail of a message cut by the ring buffer"),
    ("cisco_ios_show_logging_5.raw", 3, "the buffer's first line is the tail of a message cut by the ring buffer"),
    ("cisco_asa_show_logging_3.raw", 0, "logging timestamps are disabled on this ASA"),
    ("cisco_asa_show_logging_4.raw", 0, "logging timestamps are disabled on this ASA"),
    ("zeek-default/loaded_scripts.log.gz", 0, "loaded_scripts has no time column"),
    ("zeek-btest-baseline/", 0, "btest masks every time as XXXXXXXXXX.XXXXXX"),
];

/// Files that are invalid in their own format by design, so none of their records may pass:
/// (path suffix, why).
const UNREADABLE: &[(&str, &str)] = &[
    ("logging.ascii-json/ssh.log", "btest masked the JSON's time as a bare XXXXXXXXXX.XXXXXX, which is not JSON"),
    ("EmptyRequest_example.xml", "negative-test fixture: an X1 request container without a message"),
    ("NoResponsesInResponseContainer_example.xml", "negative-test fixture: an X1 response container without a message"),
];

#[test]
fn real_logs_parse_with_times() {
    let Some(corpus) = corpus() else { return };
    let mut files: Vec<PathBuf> = walkdir::WalkDir::new(corpus.join("logs"))
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_file() && is_log(e.path()))
        .map(|e| e.into_path())
        .collect();
    files.sort();
    let (mut passed, mut failed) = (0, 0);
    for f in &files {
        let events = AtomicU64::new(0);
        let timed = AtomicU64::new(0);
        let report = read_file(f, &ReadOptions::default(), &|evs: Vec<seawall_core::Event>| {
            events.fetch_add(evs.len() as u64, Ordering::Relaxed);
            timed.fetch_add(evs.iter().filter(|e| e.timestamp.is_some()).count() as u64, Ordering::Relaxed);
        });
        let t = &report.tally;
        let (events, timed) = (events.into_inner(), timed.into_inner());
        let rel = f.strip_prefix(&corpus).unwrap_or(f).display().to_string();
        let rate = |a: u64, b: u64| if b == 0 { 0.0 } else { a as f64 / b as f64 };
        let want_timed = UNTIMED.iter().find(|(n, _, _)| rel.contains(n)).map(|(_, k, _)| *k);
        let time_ok = match want_timed {
            Some(k) => timed == k,
            None => rate(timed, events) >= 0.995,
        };
        let ok = if UNREADABLE.iter().any(|(n, _)| rel.contains(n)) {
            t.parsed == 0
        } else {
            report.format.is_some()
                && report.error.is_none()
                && t.records_read == t.parsed + t.rejected
                && events == t.parsed
                && t.records_read > 0
                && rate(t.parsed, t.records_read) >= 0.995
                && time_ok
        };
        println!(
            "{} {rel}: format {:?}, {} read, {} parsed, {} rejected, {} timed{}",
            if ok { "ok  " } else { "FAIL" },
            report.format.map(|f| f.name()),
            t.records_read,
            t.parsed,
            t.rejected,
            timed,
            report.rejected.first().map(|r| format!(" (first reject: {}: {})", r.source, r.reason)).unwrap_or_default()
        );
        if ok {
            passed += 1;
        } else {
            failed += 1;
        }
    }
    println!("{passed} passed, {failed} failed");
    assert_eq!(failed, 0, "{failed} corpus log files below the bar");
}

/// The flow fields both nfdump forms carry, with times cut to the CSV's whole seconds.
fn flow_key(e: &seawall_core::Event) -> String {
    let f = &e.fields;
    let second = e.timestamp.map(|t| t.as_second()).unwrap_or(0);
    format!(
        "{second} {} {} {} {} {} {} {} {} {} {} {}",
        f["source"]["ip"],
        f["source"]["port"],
        f["destination"]["ip"],
        f["destination"]["port"],
        f["network"]["transport"],
        f["source"]["packets"],
        f["source"]["bytes"],
        f["destination"]["bytes"],
        f["netflow"]["tcp_flags"],
        f["netflow"]["input_interface"],
        f["observer"]["ip"],
    )
}

#[test]
fn nfcapd_and_nfdump_csv_give_the_same_flows() {
    let Some(corpus) = corpus() else { return };
    let dir = corpus.join("logs/netflow/derived-softflowd-nfdump");
    let mut pairs = 0;
    for entry in std::fs::read_dir(&dir).expect("netflow folder") {
        let bin = entry.expect("entry").path();
        if bin.extension().and_then(|e| e.to_str()) != Some("nfcapd") {
            continue;
        }
        let csv = bin.with_extension("csv");
        let read = |p: &Path| {
            let keys = std::sync::Mutex::new(Vec::new());
            let report = read_file(p, &ReadOptions::default(), &|evs: Vec<seawall_core::Event>| {
                keys.lock().unwrap().extend(evs.iter().map(flow_key));
            });
            assert_eq!(report.tally.rejected, 0, "{}", p.display());
            let mut k = keys.into_inner().unwrap();
            k.sort();
            k
        };
        let (a, b) = (read(&bin), read(&csv));
        assert!(!a.is_empty(), "{} has no flows", bin.display());
        assert_eq!(a, b, "{} and its CSV differ", bin.display());
        pairs += 1;
    }
    assert_eq!(pairs, 21, "expected the 21 nfcapd/CSV pairs of the corpus");
}
