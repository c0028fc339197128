//! `seawall intel`: STIX 2.1 threat intelligence. So far `check-pattern`.

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
