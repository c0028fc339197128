//! Plain IOC lists: one value a line (ipset files, blocklists), or CSV/TSV with or without a
//! header (`type,value,context`). Each value's type comes from its column or from its shape;
//! a value that is neither is reported with its line and skipped.

use crate::load::Loader;
use crate::model::{Indicator, Origin};
use crate::observable::{Observable, ObservableKind};

const VALUE_COLUMNS: &[&str] = &["value", "indicator", "ioc", "observable", "ip", "domain", "url", "hash"];
const TYPE_COLUMNS: &[&str] = &["type", "kind", "indicator_type", "ioc_type"];
const CONTEXT_COLUMNS: &[&str] = &["context", "description", "comment", "label", "labels", "tags", "malware"];

fn split(line: &str, sep: Option<char>) -> Vec<String> {
    match sep {
        None => vec![line.trim().to_string()],
        Some(sep) => {
            // Minimal CSV: fields may be double-quoted, with "" for a quote.
            let mut out = Vec::new();
            let mut cur = String::new();
            let mut quoted = false;
            let mut chars = line.chars().peekable();
            while let Some(c) = chars.next() {
                match c {
                    '"' if quoted && chars.peek() == Some(&'"') => {
                        cur.push('"');
                        chars.next();
                    }
                    '"' => quoted = !quoted,
                    c if c == sep && !quoted => out.push(std::mem::take(&mut cur).trim().to_string()),
                    c => cur.push(c),
                }
            }
            out.push(cur.trim().to_string());
            out
        }
    }
}

fn is_comment(line: &str) -> bool {
    let t = line.trim_start();
    t.is_empty() || t.starts_with('#') || t.starts_with("//") || t.starts_with(';')
}

/// The deterministic id of a list entry, from its kind and canonical value.
pub fn entry_id(kind: ObservableKind, value: &str) -> String {
    let key = format!("{}:{value}", kind.name());
    seawall_core::content_id("indicator", 0x5ea3_a11e_0000_4000_8000_0000_0000_0001, key.as_bytes())
}

pub(crate) fn load(loader: &mut Loader, file: &str, text: &str) {
    let file_ref: std::sync::Arc<str> = file.into();
    let mut lines = text.lines().enumerate().filter(|(_, l)| !is_comment(l)).peekable();
    let sep = lines.peek().and_then(|(_, l)| [',', '\t', ';', '|'].into_iter().find(|c| l.contains(*c)));
    let (mut value_col, mut type_col, mut context_col) = (None, None, None);
    if let Some((_, first)) = lines.peek() {
        let cells: Vec<String> = split(first, sep).into_iter().map(|c| c.to_ascii_lowercase()).collect();
        let find = |names: &[&str]| cells.iter().position(|c| names.contains(&c.as_str()));
        if sep.is_some() && find(VALUE_COLUMNS).is_some() && cells.iter().all(|c| Observable::recognise(c).is_none()) {
            value_col = find(VALUE_COLUMNS);
            type_col = find(TYPE_COLUMNS);
            context_col = find(CONTEXT_COLUMNS);
            lines.next();
        }
    }
    for (n, line) in lines {
        let place = format!("line {}", n + 1);
        let cells = split(line, sep);
        let given_type = type_col.and_then(|i| cells.get(i)).filter(|t| !t.is_empty());
        let context = context_col.and_then(|i| cells.get(i)).filter(|c| !c.is_empty()).cloned();
        let found = match (value_col, given_type) {
            (Some(i), Some(t)) => {
                let v = cells.get(i).map(String::as_str).unwrap_or("");
                match ObservableKind::from_type_name(t) {
                    Some(kind) => Observable::of_kind(kind, v).ok_or_else(|| format!("'{v}' is not a valid {t}")),
                    None => Err(format!("unknown indicator type '{t}' for '{v}'")),
                }
            }
            (Some(i), None) => {
                let v = cells.get(i).map(String::as_str).unwrap_or("");
                Observable::recognise(v).ok_or_else(|| format!("'{v}' is not a recognised indicator"))
            }
            // No header: the first cell that is an indicator, the rest as context.
            (None, _) => cells
                .iter()
                .find_map(|c| Observable::recognise(c))
                .ok_or_else(|| format!("no recognised indicator in '{}'", line.trim())),
        };
        let obs = match found {
            Ok(o) => o,
            Err(e) => {
                loader.error(file, &place, &e);
                continue;
            }
        };
        let id = entry_id(obs.kind, &obs.value);
        loader.add_indicator(Indicator {
            labels: context.into_iter().collect(),
            observable: Some(obs),
            ..Indicator::plain(id, Origin { file: file_ref.clone(), place })
        });
    }
}
