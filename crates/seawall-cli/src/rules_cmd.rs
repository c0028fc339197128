use anyhow::Context;
use seawall_sigma::{load_rule_paths, Engine, Mapping};

use crate::cli::{CheckArgs, CheckFormat};

/// The mapping, with the site placeholders of the telecom rules defined (empty unless the mapping
/// or, later, `--watchlist` / `--policy` give values).
pub fn load_mapping(path: Option<&std::path::Path>) -> anyhow::Result<Mapping> {
    let mut mapping = match path {
        None => Mapping::default_mapping(),
        Some(p) => {
            let text = std::fs::read_to_string(p).with_context(|| format!("reading mapping {}", p.display()))?;
            Mapping::parse(&text).map_err(|e| anyhow::anyhow!("{}: {e}", p.display()))?
        }
    };
    for (name, values) in seawall_site::placeholders(None, None) {
        mapping.placeholders.entry(name).or_insert(values);
    }
    Ok(mapping)
}

pub fn check(args: CheckArgs) -> anyhow::Result<i32> {
    let mapping = load_mapping(args.mapping.as_deref())?;
    let loaded = load_rule_paths(&args.paths);
    let files = loaded.files;
    let parse_errors = loaded.errors.len();
    let documents = loaded.documents.len();
    let engine = Engine::build(loaded.documents, &mapping);
    let mut errors = loaded.errors;
    errors.extend(engine.errors.iter().cloned());
    errors.extend(engine.compile_regexes());
    errors.sort_by(|a, b| (&a.file, a.line).cmp(&(&b.file, b.line)));
    let rules = documents + parse_errors;
    let ok = rules - errors.len().min(rules);
    match args.format {
        CheckFormat::Json => {
            let v = serde_json::json!({
                "files": files,
                "rules": rules,
                "ok": ok,
                "errors": errors,
                "unsupported": engine.unsupported,
                "unmapped_logsources": engine.unmapped,
                "correlations": engine.correlations.len(),
            });
            println!("{v}");
        }
        CheckFormat::Text => {
            for e in &errors {
                println!("{}:{}: error: {}", e.file, e.line, e.error);
            }
            for u in &engine.unsupported {
                println!("{}:{}: unsupported: {} ({})", u.file, u.line, u.reason, u.rule);
            }
            let pct = if rules == 0 { 100.0 } else { ok as f64 * 100.0 / rules as f64 };
            println!(
                "{files} files, {rules} rules: {ok} ok ({pct:.2}%), {} failed, {} with unsupported features, {} on unmapped log sources, {} correlations",
                errors.len(),
                engine.unsupported.len(),
                engine.unmapped.len(),
                engine.correlations.len()
            );
        }
    }
    Ok(if errors.is_empty() { crate::EXIT_CLEAN } else { crate::EXIT_FINDINGS })
}
