//! Finding outputs: a terminal table, JSON lines and CSV (escaped against formula injection).

use std::io::Write;

use seawall_core::{Finding, Level};

use crate::cli::OutputFormat;

pub fn write(out: &mut dyn Write, format: OutputFormat, findings: &[Finding], color: bool) -> std::io::Result<()> {
    match format {
        OutputFormat::Jsonl => {
            for f in findings {
                serde_json::to_writer(&mut *out, f)?;
                out.write_all(b"\n")?;
            }
            Ok(())
        }
        OutputFormat::Csv => write_csv(out, findings),
        OutputFormat::Table => write_table(out, findings, color),
    }
}

fn ts(t: &Option<jiff::Timestamp>) -> String {
    t.map(|t| t.to_string()).unwrap_or_default()
}

fn evidence_text(f: &Finding, max: usize) -> String {
    let mut parts: Vec<String> = f
        .evidence
        .iter()
        .take(max)
        .map(|e| match (e.line, e.record) {
            (Some(l), _) => format!("{}:line {l}", e.file),
            (_, Some(r)) => format!("{}:record {r}", e.file),
            _ => e.file.clone(),
        })
        .collect();
    if f.evidence.len() > max {
        parts.push(format!("(+{} more)", f.evidence.len() - max));
    }
    parts.join("; ")
}

const CSV_HEADER: [&str; 11] =
    ["level", "rule_id", "title", "count", "first_seen", "last_seen", "attack", "author", "hosts", "users", "evidence"];

fn write_csv(out: &mut dyn Write, findings: &[Finding]) -> std::io::Result<()> {
    writeln!(out, "{}", CSV_HEADER.join(","))?;
    for f in findings {
        let join = |s: &std::collections::BTreeSet<String>| s.iter().cloned().collect::<Vec<_>>().join(";");
        let row = [
            f.level.to_string(),
            f.rule_id.clone(),
            f.title.clone(),
            f.count.to_string(),
            ts(&f.first_seen),
            ts(&f.last_seen),
            f.attack.join(";"),
            f.author.clone().unwrap_or_default(),
            join(&f.entities.hosts),
            join(&f.entities.users),
            evidence_text(f, usize::MAX),
        ];
        let cells: Vec<String> = row.iter().map(|c| csv_cell(c)).collect();
        writeln!(out, "{}", cells.join(","))?;
    }
    Ok(())
}

/// Quotes a CSV cell and defuses spreadsheet formulas: cells starting with `= + - @` (or tab
/// and carriage return, which some spreadsheets also treat as formula starts) get a leading `'`.
pub fn csv_cell(s: &str) -> String {
    let defused = if s.starts_with(['=', '+', '-', '@', '\t', '\r']) { format!("'{s}") } else { s.to_string() };
    if defused.contains([',', '"', '\n', '\r']) || defused != s {
        format!("\"{}\"", defused.replace('"', "\"\""))
    } else {
        defused
    }
}

fn paint(level: Level, text: &str, color: bool) -> String {
    if !color {
        return text.to_string();
    }
    let code = match level {
        Level::Critical => "1;35",
        Level::High => "1;31",
        Level::Medium => "33",
        Level::Low => "36",
        Level::Informational => "2",
    };
    format!("\x1b[{code}m{text}\x1b[0m")
}

fn write_table(out: &mut dyn Write, findings: &[Finding], color: bool) -> std::io::Result<()> {
    if findings.is_empty() {
        return writeln!(out, "No findings.");
    }
    writeln!(out, "{:<13} {:>7}  {:<20} {:<20} {:<14} TITLE", "LEVEL", "COUNT", "FIRST SEEN", "LAST SEEN", "ATT&CK")?;
    for f in findings {
        let first: String = ts(&f.first_seen).chars().take(19).collect();
        let last: String = ts(&f.last_seen).chars().take(19).collect();
        let attack = f.attack.first().cloned().unwrap_or_default() + if f.attack.len() > 1 { "+" } else { "" };
        let level = paint(f.level, &format!("{:<13}", f.level.as_str()), color);
        writeln!(out, "{level} {:>7}  {:<20} {:<20} {:<14} {}", f.count, first, last, attack, f.title)?;
        writeln!(out, "{:>23}rule {} by {}", "", f.rule_id, f.author.as_deref().unwrap_or("unknown author"))?;
        writeln!(out, "{:>23}{}", "", evidence_text(f, 3))?;
    }
    writeln!(out, "{} findings", findings.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_cells_are_defused_and_quoted() {
        assert_eq!(csv_cell("=cmd|' /C calc'!A0"), "\"'=cmd|' /C calc'!A0\"");
        assert_eq!(csv_cell("-2+3"), "\"'-2+3\"");
        assert_eq!(csv_cell("@SUM(1)"), "\"'@SUM(1)\"");
        assert_eq!(csv_cell("plain"), "plain");
        assert_eq!(csv_cell("a,\"b\""), "\"a,\"\"b\"\"\"");
    }
}
