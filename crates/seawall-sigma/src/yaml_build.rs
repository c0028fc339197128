//! Builds [`Yaml`] trees straight from the YAML parser's events.
//!
//! Going through serde (`serde-saphyr`'s deserializer) cost about as much again as parsing: it
//! tried every plain scalar as a float and moved each event through several layers. Rules are
//! loaded by the thousand, so the tree is built here, with the YAML 1.2 core schema:
//! - null: `~`, `null`, `Null`, `NULL` and the empty plain scalar;
//! - booleans: `true`, `True`, `TRUE`, `false`, `False`, `FALSE` only (`yes`, `no`, `y` and `on`
//!   stay strings, as Sigma values need);
//! - integers: decimal, `0x` hexadecimal and `0o` octal; a decimal with a leading zero stays a
//!   string (`0123` is an id, not a number), and one beyond 64 bits becomes a float;
//! - floats: `1.5`, `.5`, `1e3`, `.inf`, `-.inf`, `.nan`;
//! - anything else, and every quoted or block scalar, is a string.
//!
//! Tags `!!str`, `!!int`, `!!float`, `!!bool` and `!!null` force a type, and `!` makes a string.
//! Anchors and aliases are resolved by copying, within a bound, and `<<` merge keys are applied.

use std::borrow::Cow;

use granit_parser::{Event, Parser, ScalarStyle, Tag};

use crate::yaml::Yaml;

/// Deepest nesting of sequences and mappings accepted: deeper documents are an error rather
/// than a risk to the stack when their tree is dropped.
const MAX_DEPTH: usize = 200;
/// Most nodes aliases may copy into one document ("billion laughs" documents are errors).
const MAX_ALIAS_NODES: usize = 100_000;

/// A collection being built.
enum Frame {
    Seq { items: Vec<Yaml>, anchor: usize },
    Map(MapFrame),
}

struct MapFrame {
    entries: Vec<(String, Yaml)>,
    anchor: usize,
    /// The key read, waiting for its value.
    key: Option<String>,
    /// Whether the pending key is a plain `<<` (a merge key).
    merge_key: bool,
    /// Where each merge key stood, with the entries it brings.
    merges: Vec<(usize, Vec<(String, Yaml)>)>,
}

/// A node just completed, with the anchor it defines (0: none).
struct Node {
    value: Yaml,
    anchor: usize,
    /// A plain scalar `<<`, which is a merge key in key position.
    merge: bool,
}

/// Parses one YAML document into a tree. Errors carry the line (1-based, within `text`).
pub fn parse_value(text: &str) -> Result<Yaml, (usize, String)> {
    let mut options = granit_parser::Options::default();
    options.emit_comments = false;
    let mut stack: Vec<Frame> = Vec::new();
    let mut anchors: Vec<(usize, Yaml)> = Vec::new();
    let mut alias_nodes = 0usize;
    let mut root: Option<Yaml> = None;
    for next in Parser::new_from_str_with_options(text, options) {
        let (event, span) =
            next.map_err(|e| (e.marker().line(), format!("{} (column {})", e.info().trim(), e.marker().col() + 1)))?;
        let line = span.start.line();
        let node = match event {
            Event::StreamStart | Event::StreamEnd | Event::DocumentStart(..) | Event::DocumentEnd => continue,
            Event::SequenceStart(_, anchor, _) | Event::MappingStart(_, anchor, _) => {
                if stack.len() >= MAX_DEPTH {
                    return Err((line, format!("nesting deeper than {MAX_DEPTH} levels")));
                }
                stack.push(match event {
                    Event::SequenceStart(..) => Frame::Seq { items: Vec::new(), anchor },
                    _ => Frame::Map(MapFrame {
                        entries: Vec::new(),
                        anchor,
                        key: None,
                        merge_key: false,
                        merges: Vec::new(),
                    }),
                });
                continue;
            }
            Event::SequenceEnd | Event::MappingEnd => match stack.pop() {
                Some(Frame::Seq { items, anchor }) => Node { value: Yaml::Seq(items), anchor, merge: false },
                Some(Frame::Map(m)) => {
                    let anchor = m.anchor;
                    Node { value: Yaml::Map(m.finish()), anchor, merge: false }
                }
                None => return Err((line, "unexpected end of a collection".into())),
            },
            Event::Scalar(text, style, anchor, tag) => {
                let merge = style == ScalarStyle::Plain && tag.is_none() && text == "<<";
                let value = scalar(text, style, tag.as_deref()).map_err(|e| (line, e))?;
                Node { value, anchor, merge }
            }
            Event::Alias(id) => {
                let Some((_, target)) = anchors.iter().rev().find(|(a, _)| *a == id) else {
                    return Err((line, "alias to an unknown anchor".into()));
                };
                alias_nodes += node_count(target);
                if alias_nodes > MAX_ALIAS_NODES {
                    return Err((line, format!("aliases expand to more than {MAX_ALIAS_NODES} nodes")));
                }
                Node { value: target.clone(), anchor: 0, merge: false }
            }
            // Only emitted when asked for.
            _ => continue,
        };
        if node.anchor != 0 {
            anchors.push((node.anchor, node.value.clone()));
        }
        match stack.last_mut() {
            None => root = Some(node.value),
            Some(Frame::Seq { items, .. }) => items.push(node.value),
            Some(Frame::Map(m)) => m.add(node).map_err(|e| (line, e))?,
        }
    }
    Ok(root.unwrap_or(Yaml::Null))
}

impl MapFrame {
    /// Takes a key or, after one, its value.
    fn add(&mut self, node: Node) -> Result<(), String> {
        let Some(key) = self.key.take() else {
            self.merge_key = node.merge;
            self.key = Some(key_text(node.value)?);
            return Ok(());
        };
        if std::mem::take(&mut self.merge_key) {
            let merged = match node.value {
                Yaml::Map(m) => m,
                Yaml::Seq(items) => {
                    // Earlier mappings of the list win over later ones.
                    let mut all: Vec<(String, Yaml)> = Vec::new();
                    for item in items {
                        let Yaml::Map(m) = item else { return Err("a merge key takes mappings".into()) };
                        for (k, v) in m {
                            if !all.iter().any(|(k2, _)| *k2 == k) {
                                all.push((k, v));
                            }
                        }
                    }
                    all
                }
                _ => return Err("a merge key takes a mapping or a list of mappings".into()),
            };
            self.merges.push((self.entries.len(), merged));
            return Ok(());
        }
        if self.entries.iter().any(|(k, _)| *k == key) {
            return Err(format!("duplicate key '{key}'"));
        }
        self.entries.push((key, node.value));
        Ok(())
    }

    /// The mapping's entries: its own, with merged ones (not overridden by its own keys, the
    /// first merge key winning) where their merge key stood.
    fn finish(self) -> Vec<(String, Yaml)> {
        if self.merges.is_empty() {
            return self.entries;
        }
        let own: Vec<String> = self.entries.iter().map(|(k, _)| k.clone()).collect();
        let mut entries = self.entries.into_iter();
        let mut out: Vec<(String, Yaml)> = Vec::new();
        let mut taken = 0;
        for (at, merged) in self.merges {
            out.extend(entries.by_ref().take(at - taken));
            taken = at;
            for (k, v) in merged {
                if !own.contains(&k) && !out.iter().any(|(k2, _)| *k2 == k) {
                    out.push((k, v));
                }
            }
        }
        out.extend(entries);
        out
    }
}

/// The text of a mapping key, as the loose metadata of Sigma rules needs it.
fn key_text(key: Yaml) -> Result<String, String> {
    match key {
        Yaml::Null => Ok("null".into()),
        Yaml::Str(s) => Ok(s),
        other => other.scalar_text().ok_or_else(|| format!("a {} cannot be a mapping key", other.kind())),
    }
}

fn node_count(y: &Yaml) -> usize {
    match y {
        Yaml::Seq(items) => 1 + items.iter().map(node_count).sum::<usize>(),
        Yaml::Map(m) => 1 + m.iter().map(|(_, v)| node_count(v)).sum::<usize>(),
        _ => 1,
    }
}

/// A scalar's value under its tag, or under the core schema when plain and untagged.
fn scalar(text: Cow<'_, str>, style: ScalarStyle, tag: Option<&Tag>) -> Result<Yaml, String> {
    if let Some(tag) = tag {
        let t = text.as_ref();
        match tag.core_suffix() {
            Some("str") => return Ok(Yaml::Str(text.into_owned())),
            Some("null") => return Ok(Yaml::Null),
            Some("bool") => return boolean(t).map(Yaml::Bool).ok_or_else(|| format!("'{t}' is not a boolean")),
            Some("int") => return integer(t).ok_or_else(|| format!("'{t}' is not an integer")),
            Some("float") => {
                return match integer(t).or_else(|| float(t)) {
                    Some(Yaml::Int(i)) => Ok(Yaml::Float(i as f64)),
                    Some(f) => Ok(f),
                    None => Err(format!("'{t}' is not a float")),
                }
            }
            _ if tag.handle().is_empty() && tag.suffix() == "!" => return Ok(Yaml::Str(text.into_owned())),
            _ => {}
        }
    }
    if style != ScalarStyle::Plain {
        return Ok(Yaml::Str(text.into_owned()));
    }
    Ok(plain(&text).unwrap_or_else(|| Yaml::Str(text.into_owned())))
}

/// A plain scalar's value when it is not a string.
fn plain(t: &str) -> Option<Yaml> {
    match t {
        "" | "~" | "null" | "Null" | "NULL" => return Some(Yaml::Null),
        _ => {}
    }
    if let Some(b) = boolean(t) {
        return Some(Yaml::Bool(b));
    }
    // Only text starting like a number can be one: most scalars are left at the first byte.
    let first = *t.as_bytes().first()?;
    if !(first.is_ascii_digit() || matches!(first, b'-' | b'+' | b'.')) {
        return None;
    }
    let digits = t.strip_prefix(['-', '+']).unwrap_or(t);
    if digits.len() > 1 && digits.starts_with('0') && digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    integer(t).or_else(|| float(t))
}

fn boolean(t: &str) -> Option<bool> {
    match t {
        "true" | "True" | "TRUE" => Some(true),
        "false" | "False" | "FALSE" => Some(false),
        _ => None,
    }
}

/// `[-+]?[0-9]+`, `0o[0-7]+` or `0x[0-9a-fA-F]+`; a decimal beyond 64 bits is a float.
fn integer(t: &str) -> Option<Yaml> {
    let radix = |digits: &str, r: u32| {
        let ok = !digits.is_empty() && digits.chars().all(|c| c.is_digit(r));
        ok.then(|| i64::from_str_radix(digits, r).map(Yaml::Int).ok()).flatten()
    };
    if let Some(h) = t.strip_prefix("0x") {
        return radix(h, 16);
    }
    if let Some(o) = t.strip_prefix("0o") {
        return radix(o, 8);
    }
    let digits = t.strip_prefix(['-', '+']).unwrap_or(t);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    Some(match t.parse::<i64>() {
        Ok(i) => Yaml::Int(i),
        Err(_) => Yaml::Float(t.parse::<f64>().ok()?),
    })
}

/// `[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?`, `[-+]?\.(inf|Inf|INF)` or
/// `\.nan|\.NaN|\.NAN`.
fn float(t: &str) -> Option<Yaml> {
    let (negative, unsigned) = match t.as_bytes().first() {
        Some(b'-') => (true, &t[1..]),
        Some(b'+') => (false, &t[1..]),
        _ => (false, t),
    };
    match unsigned {
        ".inf" | ".Inf" | ".INF" => return Some(Yaml::Float(if negative { f64::NEG_INFINITY } else { f64::INFINITY })),
        ".nan" | ".NaN" | ".NAN" if unsigned.len() == t.len() => return Some(Yaml::Float(f64::NAN)),
        _ => {}
    }
    let b = unsigned.as_bytes();
    let mut i = 0;
    let int_digits = b.iter().take_while(|c| c.is_ascii_digit()).count();
    i += int_digits;
    let mut frac_digits = 0;
    if b.get(i) == Some(&b'.') {
        i += 1;
        frac_digits = b[i..].iter().take_while(|c| c.is_ascii_digit()).count();
        i += frac_digits;
    }
    if int_digits == 0 && frac_digits == 0 {
        return None;
    }
    if matches!(b.get(i), Some(b'e' | b'E')) {
        i += 1;
        if matches!(b.get(i), Some(b'-' | b'+')) {
            i += 1;
        }
        let exp_digits = b[i..].iter().take_while(|c| c.is_ascii_digit()).count();
        if exp_digits == 0 {
            return None;
        }
        i += exp_digits;
    }
    if i != b.len() {
        return None;
    }
    t.parse::<f64>().ok().map(Yaml::Float)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(v: &str) -> Yaml {
        Yaml::Str(v.into())
    }

    #[test]
    fn aliases_copy_their_anchor_and_merge_keys_fill_in_missing_entries() {
        let y =
            parse_value("base: &b {x: 1, y: 2}\nlist: &l [a, *b]\nother: *l\nm:\n  <<: *b\n  y: 3\n  z: 4\n").unwrap();
        let b = Yaml::Map(vec![("x".into(), Yaml::Int(1)), ("y".into(), Yaml::Int(2))]);
        assert_eq!(y.get("list"), Some(&Yaml::Seq(vec![s("a"), b.clone()])));
        assert_eq!(y.get("other"), y.get("list"));
        // The merge key's entries stand where it stood; the mapping's own `y` wins.
        let m = Yaml::Map(vec![("x".into(), Yaml::Int(1)), ("y".into(), Yaml::Int(3)), ("z".into(), Yaml::Int(4))]);
        assert_eq!(y.get("m"), Some(&m));
        // A list of mappings: the first wins; a quoted "<<" is an ordinary key.
        let y = parse_value("a: &a {k: 1}\nb: &b {k: 2, j: 2}\nc: {<<: [*a, *b]}\nd: {'<<': 1}\n").unwrap();
        assert_eq!(y.get("c"), Some(&Yaml::Map(vec![("k".into(), Yaml::Int(1)), ("j".into(), Yaml::Int(2))])));
        assert_eq!(y.get("d"), Some(&Yaml::Map(vec![("<<".into(), Yaml::Int(1))])));
        assert!(parse_value("a: {<<: 1}\n").unwrap_err().1.contains("merge key"));
    }

    #[test]
    fn keys_are_text_and_duplicates_are_errors_on_their_line() {
        let y = parse_value("1: a\ntrue: b\n~: c\n1.5: d\n").unwrap();
        let keys: Vec<&str> = y.as_map().unwrap().iter().map(|(k, _)| k.as_str()).collect();
        assert_eq!(keys, ["1", "true", "null", "1.5"]);
        assert_eq!(parse_value("a: 1\nb:\n  c: 2\n  c: 3\n").unwrap_err(), (4, "duplicate key 'c'".into()));
        assert!(parse_value("? [a, b]\n: 1\n").unwrap_err().1.contains("list cannot be a mapping key"));
    }

    #[test]
    fn syntax_errors_carry_their_line() {
        let (line, msg) = parse_value("a: 1\nb: [1, 2\nc: 3\n").unwrap_err();
        assert!(line >= 2, "{line} {msg}");
        assert!(!msg.is_empty());
        assert!(parse_value("a: *nowhere\n").is_err());
    }

    #[test]
    fn alias_bombs_and_deep_nesting_are_errors() {
        let mut bomb = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
        for i in 1..8 {
            let p = i - 1;
            bomb.push_str(&format!(
                "a{i}: &a{i} [*a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}]\n"
            ));
        }
        assert!(parse_value(&bomb).unwrap_err().1.contains("aliases expand"));
        let deep = format!("{}{}", "[".repeat(MAX_DEPTH + 1), "]".repeat(MAX_DEPTH + 1));
        assert!(parse_value(&deep).is_err());
        let ok = format!("{}{}", "[".repeat(MAX_DEPTH), "]".repeat(MAX_DEPTH));
        assert!(parse_value(&ok).is_ok());
    }

    #[test]
    fn an_empty_document_is_null() {
        assert_eq!(parse_value("# only a comment\n").unwrap(), Yaml::Null);
        assert_eq!(parse_value("plain text").unwrap(), s("plain text"));
    }
}
