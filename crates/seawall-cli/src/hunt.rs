//! `seawall hunt`: readers -> Sigma engine -> findings -> output, in one pass over the evidence.

use std::collections::HashMap;
use std::io::IsTerminal;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::Instant;

use anyhow::{bail, Context};
use rayon::prelude::*;
use seawall_core::{Event, RejectedRecord, Tally};
use seawall_readers::{read_file, walk_paths, ReadOptions};
use seawall_sigma::correlation::{run_correlations, CorrInput};
use seawall_sigma::{load_rule_paths, Engine, Scratch};

use crate::cli::{HuntArgs, StatsFormat};
use crate::findings::{self, Partial};
use crate::output;
use crate::rules_cmd::load_mapping;

/// Rejected records printed without `--verbose`.
const SHOWN_REJECTS: usize = 20;

pub fn run(args: HuntArgs) -> anyhow::Result<i32> {
    let started = Instant::now();
    let from = args.from.as_deref().map(parse_bound).transpose().context("--from")?;
    let to = args.to.as_deref().map(parse_bound).transpose().context("--to")?;
    let mut pool = rayon::ThreadPoolBuilder::new();
    if let Some(n) = args.threads {
        pool = pool.num_threads(n.max(1));
    }
    let pool = pool.build().context("starting worker threads")?;
    pool.install(|| hunt(args, from, to, started))
}

/// Worker threads for loading rules and indicators, kept apart from the scanning threads.
///
/// Loading allocates and frees a great deal (YAML trees, compile-time tables) among the
/// structures it keeps, and glibc serves each thread from a heap of its own (an arena, while
/// there are fewer than eight a core; a thread keeps the one it first allocates from).
/// Scanning on the threads that loaded meant carving every event's small allocations out of
/// the holes left in those heaps, far slower than from a fresh one (`_int_malloc` took six
/// times the samples in the EVTX reader under `perf`). So each scanning thread first takes its
/// heap with one allocation, and only then do the loading threads start: they get heaps of
/// their own and leave them when they end.
fn loading_pool() -> anyhow::Result<rayon::ThreadPool> {
    rayon::broadcast(|_| drop(std::hint::black_box(Vec::<u8>::with_capacity(64))));
    rayon::ThreadPoolBuilder::new().num_threads(rayon::current_num_threads()).build().context("starting worker threads")
}

fn parse_bound(s: &str) -> anyhow::Result<jiff::Timestamp> {
    seawall_readers::parse_timestamp(s)
        .ok_or_else(|| anyhow::anyhow!("'{s}' is not a time (use RFC 3339 or YYYY-MM-DD)"))
}

/// What one batch of events works with, handed from batch to batch: the engine's matching
/// buffers, and the rule hits gathered so far. Keeping hits across batches (rather than one
/// map a batch, merged under a lock) makes a rule's repeated hits cheap: its host and user
/// names are already held, so adding a hit allocates nothing. That matters most where batches
/// are small, as with EVTX files of one chunk.
#[derive(Default)]
struct Worker {
    scratch: Scratch,
    hits: HashMap<u32, Partial>,
}

struct Shared {
    /// Idle workers, per scanning thread (and one list for any other thread); a batch takes
    /// one of its thread's (or makes one) and puts it back when done, so there are at most as
    /// many as batches ever ran at once. Kept per thread because a worker remembers what its
    /// thread's recent events held (`Scratch`), and that memory is in the thread's CPU cache:
    /// handed to the other thread, every lookup missed the cache and the hunt ran slower.
    workers: Vec<Mutex<Vec<Worker>>>,
    intel_hits: Mutex<crate::intel_hits::HitStore>,
    /// Events kept for multi-observation pattern indicators, per pattern.
    kept: Mutex<Vec<Vec<seawall_intel::KeptEvent>>>,
    allowlisted: AtomicU64,
    intel_errors: Mutex<(u64, Vec<String>)>,
    corr_inputs: Mutex<Vec<CorrInput>>,
    out_of_range: AtomicU64,
    evaluated: AtomicU64,
}

fn hunt(
    args: HuntArgs,
    from: Option<jiff::Timestamp>,
    to: Option<jiff::Timestamp>,
    started: Instant,
) -> anyhow::Result<i32> {
    let mut mapping = load_mapping(args.mapping.as_deref())?;
    let watchlist = args.watchlist.as_deref().map(seawall_site::Watchlist::load).transpose()?;
    let policy = args.policy.as_deref().map(seawall_site::SitePolicy::load).transpose()?;
    // The site files fill the site placeholders (over the mapping's own values).
    for (name, values) in seawall_site::placeholders(watchlist.as_ref(), policy.as_ref()) {
        let site_given = if name == "watchlist" { watchlist.is_some() } else { policy.is_some() };
        if site_given {
            mapping.placeholders.insert(name, values);
        }
    }
    let loading = loading_pool()?;
    let mut loaded = loading.install(|| load_rule_paths(&args.rules));
    if args.rules.is_empty() || args.builtin {
        let pack = loading.install(crate::builtin::telecom_pack);
        loaded.files += pack.files;
        loaded.documents.extend(pack.documents);
        loaded.errors.extend(pack.errors);
    }
    let parse_failed = loaded.errors.len();
    let mut rule_errors = loaded.errors;
    let engine = loading.install(|| Engine::build(loaded.documents, &mapping));
    rule_errors.extend(engine.errors.iter().cloned());
    let rules_loaded = engine.rules.len() + engine.correlations.len();
    let rules_failed = parse_failed + engine.errors.len();
    if !rule_errors.is_empty() {
        let shown = if args.verbose { rule_errors.len() } else { rule_errors.len().min(10) };
        for e in &rule_errors[..shown] {
            eprintln!("seawall: rule error: {}:{}: {}", e.file, e.line, e.error);
        }
        if shown < rule_errors.len() {
            eprintln!(
                "seawall: … and {} more rule errors (use --verbose, or `seawall rules check`)",
                rule_errors.len() - shown
            );
        }
    }
    if args.verbose {
        for u in &engine.unsupported {
            eprintln!("seawall: unsupported: {}:{}: {} ({})", u.file, u.line, u.reason, u.rule);
        }
    }
    let intel = if args.intel.is_empty() { None } else { Some(loading.install(|| load_intel(&args))?) };
    drop(loading);
    let elapsed_rules = started.elapsed().as_secs_f64();
    if rules_loaded == 0 {
        bail!("no usable rules loaded from {} path(s)", args.rules.len().max(1));
    }

    let scan_started = Instant::now();
    let (files, problems) = walk_paths(&args.paths);
    for p in &problems {
        eprintln!("seawall: {p}");
    }
    if files.is_empty() {
        bail!("no evidence files found");
    }
    // The sizes are read only for a progress bar (a stat per file adds up over thousands).
    let bar = progress(&args, || files.iter().filter_map(|f| std::fs::metadata(f).ok()).map(|m| m.len()).sum());

    let cap = args.max_evidence.unwrap_or(usize::MAX);
    let tz = args
        .tz
        .as_deref()
        .map(|name| jiff::tz::TimeZone::get(name).with_context(|| format!("--tz: unknown time zone '{name}'")))
        .transpose()?;
    let opts = ReadOptions {
        max_decompressed: args.max_decompressed_mib.saturating_mul(1 << 20),
        time: seawall_readers::text::clock::TimeRules { year: args.year, tz, reference: None },
        ..ReadOptions::default()
    };
    let shared = Shared {
        intel_hits: Mutex::new(crate::intel_hits::HitStore::default()),
        kept: Mutex::new(vec![Vec::new(); intel.as_ref().map_or(0, |i| i.multi_count())]),
        allowlisted: AtomicU64::new(0),
        intel_errors: Mutex::new((0, Vec::new())),
        corr_inputs: Mutex::new(Vec::new()),
        out_of_range: AtomicU64::new(0),
        evaluated: AtomicU64::new(0),
        workers: (0..=rayon::current_num_threads()).map(|_| Mutex::new(Vec::new())).collect(),
    };

    let sink = |mut events: Vec<Event>| {
        if let Some(p) = &policy {
            events.iter_mut().for_each(|e| p.enrich(e));
        }
        let idle = &shared.workers[rayon::current_thread_index().map_or(0, |i| i + 1).min(shared.workers.len() - 1)];
        let mut worker = idle.lock().unwrap_or_else(|p| p.into_inner()).pop().unwrap_or_default();
        let Worker { scratch, hits } = &mut worker;
        scratch.evaluated = 0;
        let mut matched = Vec::new();
        let mut local_intel: Vec<crate::intel_hits::LocalHit> = Vec::new();
        let mut kept: Vec<(usize, seawall_intel::KeptEvent)> = Vec::new();
        let (mut allowlisted, mut intel_errors) = (0u64, Vec::new());
        let mut corr = Vec::new();
        for ev in &events {
            if from.is_some() || to.is_some() {
                let inside = ev.timestamp.is_some_and(|t| from.is_none_or(|f| t >= f) && to.is_none_or(|l| t <= l));
                if !inside {
                    shared.out_of_range.fetch_add(1, Ordering::Relaxed);
                    continue;
                }
            }
            if let Some(im) = &intel {
                let found = im.check(ev);
                allowlisted += found.allowlisted;
                intel_errors.extend(found.errors);
                kept.extend(found.kept);
                if !found.values.is_empty() || !found.patterns.is_empty() {
                    use crate::intel_hits::LocalHit;
                    // One hit per indicator and event, with every value of the event that met it.
                    let entities = findings::EventEntities::of(ev);
                    let first = local_intel.len();
                    for h in found.values {
                        let value = (h.field, h.value, h.how.to_string());
                        match local_intel[first..].iter_mut().find(|l| l.indicator == h.indicator) {
                            Some(l) => l.values.push(value),
                            None => {
                                let mut l = LocalHit::new(ev, &entities, h.indicator);
                                l.values.push(value);
                                local_intel.push(l);
                            }
                        }
                    }
                    for p in found.patterns {
                        local_intel.push(LocalHit::new(ev, &entities, p));
                    }
                }
            }
            matched.clear();
            engine.evaluate(&ev.fields, scratch, &mut matched);
            if matched.is_empty() {
                continue;
            }
            let entities = findings::EventEntities::of(ev);
            for &r in &matched {
                hits.entry(r).or_default().add(ev, &entities, cap);
                if engine.feeds_correlation(r) {
                    corr.extend(engine.correlation_inputs(r, ev));
                }
            }
        }
        shared.evaluated.fetch_add(scratch.evaluated, Ordering::Relaxed);
        idle.lock().unwrap_or_else(|p| p.into_inner()).push(worker);
        if !corr.is_empty() {
            shared.corr_inputs.lock().unwrap_or_else(|p| p.into_inner()).extend(corr);
        }
        if !local_intel.is_empty() {
            shared.intel_hits.lock().unwrap_or_else(|p| p.into_inner()).add(local_intel, cap);
        }
        if !kept.is_empty() {
            let mut all = shared.kept.lock().unwrap_or_else(|p| p.into_inner());
            for (k, e) in kept {
                if all[k].len() < seawall_intel::MAX_SEQUENCE_EVENTS {
                    all[k].push(e);
                }
            }
        }
        shared.allowlisted.fetch_add(allowlisted, Ordering::Relaxed);
        if !intel_errors.is_empty() {
            let mut e = shared.intel_errors.lock().unwrap_or_else(|p| p.into_inner());
            e.0 += intel_errors.len() as u64;
            for msg in intel_errors {
                if e.1.len() < 10 {
                    e.1.push(msg);
                }
            }
        }
    };

    let reports: Vec<_> = files
        .par_iter()
        .map(|f| {
            let r = read_file(f, &opts, &sink);
            if let Some(b) = &bar {
                b.inc(std::fs::metadata(f).map(|m| m.len()).unwrap_or(0));
            }
            (f, r)
        })
        .collect();
    if let Some(b) = &bar {
        b.finish_and_clear();
    }

    let mut tally = Tally::default();
    let mut rejected: Vec<RejectedRecord> = Vec::new();
    let mut errors = 0usize;
    for (f, r) in &reports {
        tally.merge(&r.tally);
        if r.format.is_none() && r.error.is_none() {
            tally.files_skipped += 1;
            if args.verbose {
                eprintln!("seawall: skipped (no known format): {}", f.display());
            }
        }
        if let Some(e) = &r.error {
            errors += 1;
            eprintln!("seawall: file error: {e}");
        }
        rejected.extend(r.rejected.iter().cloned());
    }
    let shown = if args.verbose { rejected.len() } else { rejected.len().min(SHOWN_REJECTS) };
    for r in &rejected[..shown] {
        eprintln!("seawall: rejected {}: {}", r.source, r.reason);
    }
    if (shown as u64) < tally.rejected {
        eprintln!("seawall: … {} rejected records in all (use --verbose to list the kept ones)", tally.rejected);
    }

    let scan_s = scan_started.elapsed().as_secs_f64();
    // The workers' hits, merged: merging is order-free (counts add, times take the extremes,
    // capped lists keep their smallest items), so the findings do not depend on which worker
    // saw which event.
    let mut hits: HashMap<u32, Partial> = HashMap::new();
    // Value searches answered from the workers' memories, and all value searches (`--verbose`).
    let mut remembered = (0u64, 0u64);
    for worker in shared.workers.into_iter().flat_map(|idle| idle.into_inner().unwrap_or_else(|p| p.into_inner())) {
        let (answered, looked_up) = worker.scratch.memo_counts();
        remembered = (remembered.0 + answered, remembered.1 + looked_up);
        for (r, p) in worker.hits {
            hits.entry(r).or_default().merge(p, cap);
        }
    }
    let mut all = findings::rule_findings(&engine, hits, cap);
    if !engine.correlations.is_empty() {
        let inputs = shared.corr_inputs.into_inner().unwrap_or_else(|p| p.into_inner());
        let matches = run_correlations(&engine.correlations, inputs, cap.min(10_000));
        all.extend(findings::correlation_findings(&engine, matches, cap));
    }
    if let Some(im) = &intel {
        let hits = shared.intel_hits.into_inner().unwrap_or_else(|p| p.into_inner()).into_partials(cap);
        let kept = shared.kept.into_inner().unwrap_or_else(|p| p.into_inner());
        let truncated = kept.iter().filter(|k| k.len() >= seawall_intel::MAX_SEQUENCE_EVENTS).count();
        if truncated > 0 {
            eprintln!(
                "seawall: {truncated} multi-observation indicator(s) had more than {} candidate events; the rest were not kept",
                seawall_intel::MAX_SEQUENCE_EVENTS
            );
        }
        let (sequences, seq_errors) = im.finish_sequences(kept);
        let (n, mut msgs) = shared.intel_errors.into_inner().unwrap_or_else(|p| p.into_inner());
        msgs.extend(seq_errors.iter().cloned());
        let n = n + seq_errors.len() as u64;
        for m in msgs.iter().take(if args.verbose { usize::MAX } else { 5 }) {
            eprintln!("seawall: intel evaluation error: {m}");
        }
        if n > 0 {
            eprintln!(
                "seawall: {n} pattern evaluation error(s) in all (bad data for a pattern; the event did not match it)"
            );
        }
        let suppressed = shared.allowlisted.load(Ordering::Relaxed);
        if suppressed > 0 && !args.quiet {
            eprintln!("seawall: {suppressed} IOC hit(s) on allowlisted (known-benign) values suppressed");
        }
        all.extend(findings::intel_findings(im, hits, sequences, cap));
    }
    all.retain(|f| f.level >= args.min_level);
    findings::sort(&mut all);

    let mut out: Box<dyn std::io::Write> = match &args.output {
        Some(p) => Box::new(std::io::BufWriter::new(
            std::fs::File::create(p).with_context(|| format!("creating {}", p.display()))?,
        )),
        None => Box::new(std::io::BufWriter::new(std::io::stdout().lock())),
    };
    let color = args.output.is_none() && std::io::stdout().is_terminal();
    output::write(&mut out, args.format, &all, color)?;
    out.flush()?;
    drop(out);

    if let Some(path) = &args.stix {
        let org = args
            .org
            .clone()
            .or_else(|| policy.as_ref().and_then(|p| p.organisation.clone()))
            .unwrap_or_else(|| "Seawall user".to_string());
        let bundle = crate::export::stix_bundle(&all, intel.as_ref(), policy.as_ref(), &org);
        let text = serde_json::to_string_pretty(&bundle)?;
        std::fs::write(path, text + "\n").with_context(|| format!("writing {}", path.display()))?;
        if !args.quiet {
            let n = bundle["objects"].as_array().map_or(0, Vec::len);
            eprintln!("seawall: STIX 2.1 bundle with {n} objects written to {}", path.display());
        }
    }

    let elapsed = started.elapsed().as_secs_f64();
    let out_of_range = shared.out_of_range.load(Ordering::Relaxed);
    if !args.quiet {
        eprintln!(
            "seawall: {} files ({} skipped, {} unreadable), {} records read = {} parsed + {} rejected{}; rules {} loaded + {} failed; {} findings in {:.2}s",
            tally.files,
            tally.files_skipped,
            errors,
            tally.records_read,
            tally.parsed,
            tally.rejected,
            if out_of_range > 0 { format!(" ({out_of_range} outside --from/--to)") } else { String::new() },
            rules_loaded,
            rules_failed,
            all.len(),
            elapsed
        );
    }
    if args.verbose && tally.parsed > 0 {
        let per = shared.evaluated.load(Ordering::Relaxed) as f64 / tally.parsed as f64;
        eprintln!(
            "seawall: {} rule variants compiled; {per:.1} evaluated per record after routing and prefilter; \
             {} of {} value searches answered from memory",
            engine.variant_count(),
            remembered.0,
            remembered.1
        );
    }
    if args.stats == Some(StatsFormat::Json) {
        let s = serde_json::json!({
            "files": tally.files,
            "files_skipped": tally.files_skipped,
            "records_read": tally.records_read,
            "parsed": tally.parsed,
            "rejected": tally.rejected,
            "rules_loaded": rules_loaded,
            "rules_failed": rules_failed,
            "findings": all.len(),
            "elapsed_s": (elapsed * 1000.0).round() / 1000.0,
            "rules_s": ((elapsed_rules * 1000.0).round() / 1000.0),
            "scan_s": (scan_s * 1000.0).round() / 1000.0,
            "intel_indicators": intel.as_ref().map_or(0, |i| i.indicators.len()),
            "intel_allowlisted": shared.allowlisted.load(Ordering::Relaxed),
        });
        eprintln!("{s}");
    }
    let fail = all.iter().any(|f| f.level >= args.fail_level);
    // The process ends here: freeing the compiled rules one by one took tens of milliseconds.
    std::mem::forget(engine);
    Ok(if fail { crate::EXIT_FINDINGS } else { crate::EXIT_CLEAN })
}

/// Loads `--intel`, reports its problems and what it holds.
fn load_intel(args: &HuntArgs) -> anyhow::Result<seawall_intel::IntelMatcher> {
    let set = seawall_intel::load_paths(&args.intel);
    let mut errors = set.errors.clone();
    let (files, allowlists) = (set.files.len(), set.allowlists.len());
    let (im, compile_errors) = seawall_intel::IntelMatcher::new(set);
    errors.extend(compile_errors);
    let shown = if args.verbose { errors.len() } else { errors.len().min(10) };
    for e in &errors[..shown] {
        eprintln!("seawall: intel error: {e}");
    }
    if shown < errors.len() {
        eprintln!("seawall: … and {} more intel errors (use --verbose, or `seawall intel list`)", errors.len() - shown);
    }
    if im.indicators.is_empty() && files == 0 {
        bail!("no intelligence loaded from --intel");
    }
    let (single, multi) = im.pattern_count();
    if !args.quiet {
        eprintln!(
            "seawall: intel: {} indicators ({} in the IOC index with {} observables, {single} single- and {multi} multi-observation patterns, {} revoked left out), {allowlists} allowlists, {} errors",
            im.indicators.len() + im.revoked,
            im.atomic,
            im.observables(),
            im.revoked,
            errors.len()
        );
    }
    Ok(im)
}

fn progress(args: &HuntArgs, total: impl FnOnce() -> u64) -> Option<indicatif::ProgressBar> {
    if args.quiet || !std::io::stderr().is_terminal() {
        return None;
    }
    let bar = indicatif::ProgressBar::with_draw_target(Some(total()), indicatif::ProgressDrawTarget::stderr());
    if let Ok(style) =
        indicatif::ProgressStyle::with_template("{spinner} {bytes}/{total_bytes} {bytes_per_sec} {wide_bar} {eta}")
    {
        bar.set_style(style);
    }
    Some(bar)
}
