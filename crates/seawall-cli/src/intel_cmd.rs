//! `seawall intel`: threat intelligence — `check-pattern`, `import` into the intel store, `list`.

use std::io::{BufRead, Write};

use crate::cli::{CheckPatternArgs, PatternFormat};

/// Checks each pattern; exit 0 when all are valid, 1 when some are not.
pub fn check_pattern(args: CheckPatternArgs) -> anyhow::Result<i32> {
    let patterns: Vec<String> = if args.patterns.is_empty() {
        std::io::stdin()
            .lock()
            .lines()
            .collect::<Result<Vec<_>, _>>()?
            .into_iter()
            .filter(|l| !l.trim().is_empty())
            .collect()
    } else {
        args.patterns
    };
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    let mut invalid = 0;
    for p in &patterns {
        let result = seawall_stix::parse_pattern(p);
        if result.is_err() {
            invalid += 1;
        }
        match args.format {
            PatternFormat::Jsonl => {
                let (error, position) = match &result {
                    Ok(_) => (None, None),
                    Err(e) => (Some(e.message.clone()), Some(e.position)),
                };
                let line =
                    serde_json::json!({"pattern": p, "valid": result.is_ok(), "error": error, "position": position});
                writeln!(out, "{line}")?;
            }
            PatternFormat::Text => match &result {
                Ok(_) => writeln!(out, "valid: {p}")?,
                Err(e) => {
                    // Position in characters, for the caret under the pattern.
                    let col = p.get(..e.position).map_or(e.position, |s| s.chars().count());
                    writeln!(out, "invalid: {p}\n         {}^ {}", " ".repeat(col), e)?;
                }
            },
        }
    }
    out.flush()?;
    Ok(if invalid > 0 { 1 } else { 0 })
}

fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::Digest;
    sha2::Sha256::digest(bytes).iter().map(|b| format!("{b:02x}")).collect()
}

const MANIFEST: &str = ".manifest.jsonl";

fn print_errors(errors: &[seawall_intel::IntelError], all: bool) {
    let shown = if all { errors.len() } else { errors.len().min(20) };
    for e in &errors[..shown] {
        eprintln!("seawall: intel error: {e}");
    }
    if shown < errors.len() {
        eprintln!("seawall: … and {} more intel errors", errors.len() - shown);
    }
}

/// Checks each file and copies the loadable ones into the store, named by content hash, with
/// a manifest line each (source path, SHA-256, size, format, indicators, errors, time).
/// Exit 0 when everything loaded, 1 when some objects or lines were rejected, 2 when no file
/// could be used.
pub fn import(args: crate::cli::ImportArgs) -> anyhow::Result<i32> {
    use anyhow::Context;
    std::fs::create_dir_all(&args.store).with_context(|| format!("creating {}", args.store.display()))?;
    let mut files = Vec::new();
    for p in &args.paths {
        let found = seawall_intel::load::files_under(p);
        if found.is_empty() {
            eprintln!("seawall: intel error: {}: no intelligence files there", p.display());
        }
        files.extend(found);
    }
    let mut manifest = std::fs::OpenOptions::new().create(true).append(true).open(args.store.join(MANIFEST))?;
    let (mut imported, mut rejected_total) = (0usize, 0usize);
    for f in &files {
        let name = f.file_name().and_then(|n| n.to_str()).unwrap_or("intel");
        let bytes = match std::fs::read(f) {
            Ok(b) => b,
            Err(e) => {
                eprintln!("seawall: intel error: {}: {e}", f.display());
                continue;
            }
        };
        let mut loader = seawall_intel::Loader::default();
        loader.load_text(&f.display().to_string(), &String::from_utf8_lossy(&bytes));
        let set = loader.finish();
        print_errors(&set.errors, false);
        rejected_total += set.errors.len();
        let format = set.files.first().map(|(_, fmt)| *fmt).unwrap_or("unknown");
        let usable =
            !set.indicators.is_empty() || !set.objects.is_empty() || !set.allowlists.is_empty() || !set.kev.is_empty();
        if !usable {
            eprintln!("seawall: not imported (nothing usable): {}", f.display());
            continue;
        }
        let sha = sha256_hex(&bytes);
        let stored = args.store.join(format!("{}-{name}", &sha[..16]));
        std::fs::write(&stored, &bytes).with_context(|| format!("writing {}", stored.display()))?;
        let line = serde_json::json!({
            "source": f.display().to_string(),
            "stored": stored.file_name().and_then(|n| n.to_str()),
            "sha256": sha,
            "size": bytes.len(),
            "format": format,
            "indicators": set.indicators.len(),
            "objects": set.objects.len(),
            "allowlist_entries": set.allowlists.iter().map(|a| a.entries).sum::<usize>(),
            "kev": set.kev.len(),
            "rejected": set.errors.len(),
            "imported_at": jiff::Timestamp::now().to_string(),
        });
        writeln!(manifest, "{line}")?;
        imported += 1;
        println!(
            "imported {} ({format}): {} indicators, {} other objects, {} rejected; sha256 {sha}",
            f.display(),
            set.indicators.len(),
            set.objects.len(),
            set.errors.len()
        );
    }
    println!("{imported} file(s) imported into {}", args.store.display());
    Ok(if imported == 0 {
        crate::EXIT_ERROR
    } else if rejected_total > 0 {
        crate::EXIT_FINDINGS
    } else {
        crate::EXIT_CLEAN
    })
}

/// Shows what is loaded: objects per STIX type, indicators per observable kind and validity,
/// allowlists, KEV entries and problems.
pub fn list(args: crate::cli::ListArgs) -> anyhow::Result<i32> {
    let paths = if args.paths.is_empty() { vec![args.store.clone()] } else { args.paths.clone() };
    if args.paths.is_empty() && !args.store.is_dir() {
        anyhow::bail!("no intel store at {} (import with `seawall intel import`)", args.store.display());
    }
    let set = seawall_intel::load_paths(&paths);
    let now = jiff::Timestamp::now().as_microsecond();
    let objects = set.object_counts();
    let kinds = set.indicator_kinds();
    let validity: Vec<(&str, usize)> = set.validity_counts(now).into_iter().map(|(v, n)| (v.name(), n)).collect();
    let (superseded, non_stix, misp_skipped, files) =
        (set.superseded, set.non_stix_patterns, set.misp_skipped, set.files.len());
    let allowlists: Vec<(String, String, usize)> =
        set.allowlists.iter().map(|a| (a.name.clone(), a.kind.clone(), a.entries)).collect();
    let (indicators, kev) = (set.indicators.len(), set.kev.len());
    print_errors(&set.errors, false);
    let load_errors = set.errors.len();
    // Compiling shows the patterns that parse but cannot be evaluated.
    let (matcher, errors) = seawall_intel::IntelMatcher::new(set);
    let kev_products = matcher.kev_product_count();
    print_errors(&errors, false);
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    match args.format {
        crate::cli::CheckFormat::Json => {
            let j = serde_json::json!({
                "files": files,
                "objects": objects,
                "indicators": indicators,
                "indicator_kinds": kinds,
                "validity": validity.iter().cloned().collect::<std::collections::BTreeMap<_, _>>(),
                "allowlists": allowlists.iter().map(|(n, t, e)| serde_json::json!({"name": n, "type": t, "entries": e})).collect::<Vec<_>>(),
                "kev": kev,
                "kev_products": kev_products,
                "superseded": superseded,
                "non_stix_patterns": non_stix,
                "misp_skipped": misp_skipped,
                "errors": load_errors + errors.len(),
            });
            writeln!(out, "{j}")?;
        }
        crate::cli::CheckFormat::Text => {
            writeln!(out, "{files} file(s), {indicators} indicators")?;
            writeln!(out, "STIX objects:")?;
            for (t, n) in &objects {
                writeln!(out, "  {t:<28} {n:>8}")?;
            }
            writeln!(out, "indicators by observable:")?;
            for (k, n) in &kinds {
                writeln!(out, "  {k:<28} {n:>8}")?;
            }
            writeln!(out, "indicators by validity (now):")?;
            for (v, n) in &validity {
                writeln!(out, "  {v:<28} {n:>8}")?;
            }
            if !allowlists.is_empty() {
                writeln!(out, "allowlists:")?;
                for (n, t, e) in &allowlists {
                    writeln!(out, "  {n:<60} {t:<9} {e:>8}")?;
                }
            }
            if kev > 0 {
                writeln!(out, "CISA KEV entries: {kev}, naming {kev_products} products")?;
            }
            writeln!(
                out,
                "superseded by a newer version: {superseded}; non-STIX patterns kept unevaluated: {non_stix}; MISP attributes not for detection: {misp_skipped}"
            )?;
        }
    }
    out.flush()?;
    Ok(if load_errors == 0 && errors.is_empty() { crate::EXIT_CLEAN } else { crate::EXIT_FINDINGS })
}
