//! `seawall-bench`: generator, parse-only baseline and fair harnesses for the peer engines.
//! Each command prints one JSON object on stdout so `bench/sigma.sh` can compute ratios.

use std::io::{BufRead, BufReader, BufWriter, Write};
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

use clap::{Parser, Subcommand};
use serde_json::{json, Value};

#[derive(Parser)]
struct Cli {
    #[command(subcommand)]
    cmd: Cmd,
}

#[derive(Subcommand)]
enum Cmd {
    /// Write seeded Sysmon-like events as JSON lines.
    Gen {
        #[arg(long)]
        out: PathBuf,
        #[arg(long, default_value_t = 1_300_000)]
        events: u64,
        #[arg(long, default_value_t = 42)]
        seed: u64,
    },
    /// Write large telecom inputs (syslog, nfdump CSV, Zeek TSV, TACACS+ accounting) for
    /// bench/telecom.sh.
    GenTelecom {
        #[arg(long)]
        dir: PathBuf,
        #[arg(long, default_value_t = 2_000_000)]
        records: u64,
        #[arg(long, default_value_t = 42)]
        seed: u64,
    },
    /// Write seeded STIX pattern/observation cases (JSON lines) for the differential test and
    /// bench/intel.sh.
    GenStix {
        #[arg(long)]
        out: PathBuf,
        #[arg(long, default_value_t = 200)]
        sets: usize,
        #[arg(long, default_value_t = 60)]
        per_set: usize,
        /// Observed-data per set (default: 3 to 6).
        #[arg(long, default_value_t = 0)]
        observations: usize,
        #[arg(long, default_value_t = 42)]
        seed: u64,
    },
    /// Write a generated IOC list (CSV: type,value,context) for bench/intel.sh.
    GenIntel {
        #[arg(long)]
        out: PathBuf,
        #[arg(long, default_value_t = 1_000_000)]
        count: u64,
        #[arg(long, default_value_t = 42)]
        seed: u64,
    },
    /// Seawall's STIX evaluator over a case file: prints the time spent in parse + match.
    StixEval {
        #[arg(long)]
        input: PathBuf,
        /// Timed passes of matching alone (the median is reported).
        #[arg(long, default_value_t = 5)]
        passes: usize,
        /// Also write each case's verdict as JSON lines.
        #[arg(long)]
        verdicts: Option<PathBuf>,
        /// Also time each case in one extra pass and print the slowest N to stderr.
        #[arg(long, default_value_t = 0)]
        slowest: usize,
    },
    /// Read evidence with Seawall's readers and do nothing else (the parse-only baseline).
    Parse {
        paths: Vec<PathBuf>,
        #[arg(long)]
        threads: Option<usize>,
        /// Print the first N events read (as JSON lines, on stderr) to check what is timed.
        #[arg(long, default_value_t = 0)]
        print: usize,
    },
    /// Load rules with Seawall's engine and report the time it takes.
    SeawallLoad {
        #[arg(long = "rules", required = true)]
        rules: Vec<PathBuf>,
    },
    /// Seawall's engine alone on pre-parsed events (one thread): repeated passes, median time.
    SeawallEngine {
        #[arg(long = "rules", required = true)]
        rules: Vec<PathBuf>,
        #[arg(long)]
        input: PathBuf,
        #[arg(long, default_value_t = 100_000)]
        limit: u64,
        #[arg(long, default_value_t = 5)]
        passes: usize,
    },
    /// RSigma (rsigma-eval) on JSON lines, one thread, with log-source routing.
    Rsigma {
        #[arg(long = "rules", required = true)]
        rules: Vec<PathBuf>,
        #[arg(long)]
        input: PathBuf,
        #[arg(long)]
        limit: Option<u64>,
    },
    /// sigma-rust on JSON lines, one thread, rules pre-routed by log source.
    SigmaRust {
        #[arg(long = "rules", required = true)]
        rules: Vec<PathBuf>,
        #[arg(long)]
        input: PathBuf,
        #[arg(long, default_value_t = 2000)]
        limit: u64,
    },
}

fn main() -> anyhow::Result<()> {
    match Cli::parse().cmd {
        Cmd::GenTelecom { dir, records, seed } => {
            let t = Instant::now();
            let files = seawall_bench::telecom::write_all(&dir, records, seed)?;
            println!("{}", json!({"files": files, "records": records, "seconds": t.elapsed().as_secs_f64()}));
        }
        Cmd::Gen { out, events, seed } => {
            let t = Instant::now();
            let mut w = BufWriter::with_capacity(1 << 20, std::fs::File::create(&out)?);
            let bytes = seawall_bench::generate::write_events(&mut w, events, seed)?;
            w.flush()?;
            println!("{}", json!({"events": events, "bytes": bytes, "seconds": t.elapsed().as_secs_f64()}));
        }
        Cmd::GenStix { out, sets, per_set, observations, seed } => {
            let mut w = std::io::BufWriter::new(std::fs::File::create(&out)?);
            let n = seawall_bench::stix_cases::write_cases_sized(&mut w, sets, per_set, observations, seed)?;
            std::io::Write::flush(&mut w)?;
            eprintln!("wrote {n} cases over {sets} data sets to {}", out.display());
        }
        Cmd::GenIntel { out, count, seed } => {
            let mut w = BufWriter::new(std::fs::File::create(&out)?);
            seawall_bench::intel_gen::write_iocs(&mut w, count, seed)?;
            w.flush()?;
            eprintln!("wrote {count} indicators to {}", out.display());
        }
        Cmd::StixEval { input, passes, verdicts: dump, slowest } => {
            let (verdicts, spent) = seawall_bench::stix_cases::evaluate_cases(&input)?;
            if let Some(path) = dump {
                let mut w = BufWriter::new(std::fs::File::create(path)?);
                for (case, _, _, v) in &verdicts {
                    let line = match v {
                        Ok(b) => json!({"case": case, "verdict": b}),
                        Err(e) => json!({"case": case, "error": e}),
                    };
                    writeln!(w, "{line}")?;
                }
            }
            let matched = verdicts.iter().filter(|v| v.3 == Ok(true)).count();
            let errors = verdicts.iter().filter(|v| v.3.is_err()).count();
            let phases = seawall_bench::stix_cases::time_phases(&input, passes, slowest)?;
            for (n, pattern, spent) in &phases.slowest {
                eprintln!("{:>9.1} µs  case {n}: {pattern}", spent.as_secs_f64() * 1e6);
            }
            println!(
                "{}",
                json!({
                    "cases": verdicts.len(),
                    "matched": matched,
                    "errors": errors,
                    "parse_compile_match_seconds": spent.as_secs_f64(),
                    "compiled_cases": phases.cases,
                    "compile_seconds": phases.compile.as_secs_f64(),
                    "compiled_mb": phases.compiled_bytes.map(|b| b as f64 / 1e6),
                    "observations_seconds": phases.observations.as_secs_f64(),
                    "match_only_seconds": phases.matching.as_secs_f64(),
                })
            );
        }
        Cmd::Parse { paths, threads, print } => parse_only(paths, threads, print)?,
        Cmd::SeawallLoad { rules } => {
            let t = Instant::now();
            let loaded = seawall_sigma::load_rule_paths(&rules);
            let parsed = t.elapsed().as_secs_f64();
            let engine = seawall_sigma::Engine::build(loaded.documents, &seawall_sigma::Mapping::default_mapping());
            println!(
                "{}",
                json!({"rules": engine.rules.len(), "variants": engine.variant_count(), "seconds": t.elapsed().as_secs_f64(),
                       "parse_seconds": parsed})
            );
        }
        Cmd::Rsigma { rules, input, limit } => rsigma(rules, input, limit)?,
        Cmd::SeawallEngine { rules, input, limit, passes } => seawall_engine(rules, input, limit, passes)?,
        Cmd::SigmaRust { rules, input, limit } => sigma_rust(rules, input, limit)?,
    }
    Ok(())
}

fn parse_only(paths: Vec<PathBuf>, threads: Option<usize>, print: usize) -> anyhow::Result<()> {
    let mut b = rayon::ThreadPoolBuilder::new();
    if let Some(n) = threads {
        b = b.num_threads(n);
    }
    let pool = b.build()?;
    let t = Instant::now();
    let events = AtomicU64::new(0);
    let bytes: u64 = paths.iter().filter_map(|p| std::fs::metadata(p).ok()).map(|m| m.len()).sum();
    pool.install(|| {
        use rayon::prelude::*;
        let (files, _) = seawall_readers::walk_paths(&paths);
        files.par_iter().for_each(|f| {
            let sink = |evs: Vec<seawall_core::Event>| {
                let before = events.fetch_add(evs.len() as u64, Ordering::Relaxed) as usize;
                for ev in evs.iter().take(print.saturating_sub(before)) {
                    eprintln!("{}", json!({"timestamp": ev.timestamp.map(|t| t.to_string()), "fields": ev.fields}));
                }
            };
            seawall_readers::read_file(f, &seawall_readers::ReadOptions::default(), &sink);
        });
    });
    let secs = t.elapsed().as_secs_f64();
    let n = events.load(Ordering::Relaxed);
    println!("{}", json!({"events": n, "bytes": bytes, "seconds": secs, "events_per_s": n as f64 / secs}));
    Ok(())
}

fn seawall_engine(rules: Vec<PathBuf>, input: PathBuf, limit: u64, passes: usize) -> anyhow::Result<()> {
    let loaded = seawall_sigma::load_rule_paths(&rules);
    let engine = seawall_sigma::Engine::build(loaded.documents, &seawall_sigma::Mapping::default_mapping());
    let mut events = Vec::new();
    for line in BufReader::with_capacity(1 << 20, std::fs::File::open(&input)?).lines() {
        let Ok(v) = serde_json::from_str::<seawall_core::Value>(&line?) else { continue };
        events.push(v);
        if events.len() as u64 >= limit {
            break;
        }
    }
    let mut times = Vec::new();
    let (mut matches, mut evaluated, mut memo) = (0u64, 0u64, (0u64, 0u64));
    for _ in 0..passes.max(1) {
        let mut scratch = seawall_sigma::Scratch::default();
        let mut out = Vec::new();
        matches = 0;
        let t = Instant::now();
        for ev in &events {
            out.clear();
            engine.evaluate(ev, &mut scratch, &mut out);
            matches += out.len() as u64;
        }
        times.push(t.elapsed().as_secs_f64());
        evaluated = scratch.evaluated;
        memo = scratch.memo_counts();
    }
    times.sort_by(f64::total_cmp);
    let median = times[times.len() / 2];
    println!(
        "{}",
        json!({"engine": "seawall", "events": events.len(), "matches": matches, "median_seconds": median,
               "events_per_s": events.len() as f64 / median, "us_per_event": median * 1e6 / events.len() as f64,
               "evaluated_per_event": evaluated as f64 / events.len() as f64,
               "memo_hit_share": memo.0 as f64 / memo.1.max(1) as f64})
    );
    Ok(())
}

fn rule_files(paths: &[PathBuf]) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for p in paths {
        if p.is_file() {
            out.push(p.clone());
            continue;
        }
        let mut stack = vec![p.clone()];
        while let Some(d) = stack.pop() {
            let Ok(rd) = std::fs::read_dir(&d) else { continue };
            for e in rd.flatten() {
                let q = e.path();
                if q.is_dir() {
                    stack.push(q);
                } else if q.extension().and_then(|x| x.to_str()) == Some("yml") {
                    out.push(q);
                }
            }
        }
    }
    out.sort();
    out
}

fn event_logsource(v: &Value) -> rsigma_parser::LogSource {
    let channel = v.get("Channel").and_then(Value::as_str).unwrap_or("");
    let id = v.get("EventID").and_then(Value::as_i64).unwrap_or(-1);
    let (cat, svc) = seawall_bench::logsource_of(channel, id);
    rsigma_parser::LogSource {
        product: Some("windows".into()),
        category: cat.map(Into::into),
        service: svc.map(Into::into),
        ..Default::default()
    }
}

fn rsigma(rules: Vec<PathBuf>, input: PathBuf, limit: Option<u64>) -> anyhow::Result<()> {
    let t = Instant::now();
    let mut engine = rsigma_eval::Engine::new();
    let (mut loaded, mut failed) = (0usize, 0usize);
    for f in rule_files(&rules) {
        let text = std::fs::read_to_string(&f)?;
        match rsigma_parser::parse_sigma_yaml(&text) {
            Ok(c) => {
                for r in &c.rules {
                    match engine.add_rule(r) {
                        Ok(()) => loaded += 1,
                        Err(_) => failed += 1,
                    }
                }
                failed += c.error_count();
            }
            Err(_) => failed += 1,
        }
    }
    let load_s = t.elapsed().as_secs_f64();
    let t = Instant::now();
    let (mut events, mut matches) = (0u64, 0u64);
    for line in BufReader::with_capacity(1 << 20, std::fs::File::open(&input)?).lines() {
        let line = line?;
        let Ok(v) = serde_json::from_str::<Value>(&line) else { continue };
        let ls = event_logsource(&v);
        let ev = rsigma_eval::event::JsonEvent::borrow(&v);
        matches += engine.evaluate_with_logsource(&ev, &ls).len() as u64;
        events += 1;
        if limit.is_some_and(|l| events >= l) {
            break;
        }
    }
    let secs = t.elapsed().as_secs_f64();
    println!(
        "{}",
        json!({"engine": "rsigma-eval 0.21.0", "rules_loaded": loaded, "rules_failed": failed, "load_seconds": load_s,
               "events": events, "matches": matches, "seconds": secs, "events_per_s": events as f64 / secs})
    );
    Ok(())
}

fn sigma_rust(rules: Vec<PathBuf>, input: PathBuf, limit: u64) -> anyhow::Result<()> {
    let t = Instant::now();
    // Rules grouped by (category, service) so each event meets only rules of its log source.
    let mut by_source: std::collections::HashMap<(Option<String>, Option<String>), Vec<sigma_rust::Rule>> =
        Default::default();
    let (mut loaded, mut failed) = (0usize, 0usize);
    for f in rule_files(&rules) {
        let text = std::fs::read_to_string(&f)?;
        match sigma_rust::rule_from_yaml(&text) {
            Ok(r) => {
                let key = (r.logsource.category.clone(), r.logsource.service.clone());
                by_source.entry(key).or_default().push(r);
                loaded += 1;
            }
            Err(_) => failed += 1,
        }
    }
    let load_s = t.elapsed().as_secs_f64();
    let t = Instant::now();
    let (mut events, mut matches) = (0u64, 0u64);
    for line in BufReader::with_capacity(1 << 20, std::fs::File::open(&input)?).lines() {
        let line = line?;
        let Ok(v) = serde_json::from_str::<Value>(&line) else { continue };
        let ls = event_logsource(&v);
        let Ok(ev) = sigma_rust::Event::try_from(v) else { continue };
        for ((cat, svc), rs) in &by_source {
            let cat_ok = cat.is_none() || cat.as_deref() == ls.category.as_deref();
            let svc_ok = svc.is_none() || svc.as_deref() == ls.service.as_deref();
            if cat_ok && svc_ok {
                matches += rs.iter().filter(|r| r.is_match(&ev)).count() as u64;
            }
        }
        events += 1;
        if events >= limit {
            break;
        }
    }
    let secs = t.elapsed().as_secs_f64();
    println!(
        "{}",
        json!({"engine": "sigma-rust 0.7.0", "rules_loaded": loaded, "rules_failed": failed, "load_seconds": load_s,
               "events": events, "matches": matches, "seconds": secs, "events_per_s": events as f64 / secs})
    );
    Ok(())
}
