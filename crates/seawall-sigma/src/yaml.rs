//! A YAML value that keeps mapping order and scalar types, as Sigma needs both.

use std::fmt;

use crate::yaml_build::parse_value;

use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};

#[derive(Debug, Clone, PartialEq)]
pub enum Yaml {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(String),
    Seq(Vec<Yaml>),
    Map(Vec<(String, Yaml)>),
}

impl Yaml {
    pub fn get(&self, key: &str) -> Option<&Yaml> {
        match self {
            Yaml::Map(m) => m.iter().find(|(k, _)| k == key).map(|(_, v)| v),
            _ => None,
        }
    }
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Yaml::Str(s) => Some(s),
            _ => None,
        }
    }
    pub fn as_map(&self) -> Option<&[(String, Yaml)]> {
        match self {
            Yaml::Map(m) => Some(m),
            _ => None,
        }
    }
    /// Scalars as text (numbers and booleans too), for metadata that is loosely typed in practice.
    pub fn scalar_text(&self) -> Option<String> {
        match self {
            Yaml::Str(s) => Some(s.clone()),
            Yaml::Int(i) => Some(i.to_string()),
            Yaml::Float(f) => Some(f.to_string()),
            Yaml::Bool(b) => Some(b.to_string()),
            _ => None,
        }
    }
    /// A string or a list of strings, as lists of names are often written either way.
    pub fn string_list(&self) -> Option<Vec<String>> {
        match self {
            Yaml::Seq(items) => items.iter().map(|i| i.scalar_text()).collect(),
            other => other.scalar_text().map(|s| vec![s]),
        }
    }
    pub fn kind(&self) -> &'static str {
        match self {
            Yaml::Null => "null",
            Yaml::Bool(_) => "boolean",
            Yaml::Int(_) | Yaml::Float(_) => "number",
            Yaml::Str(_) => "string",
            Yaml::Seq(_) => "list",
            Yaml::Map(_) => "map",
        }
    }
}

impl<'de> Deserialize<'de> for Yaml {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(YamlVisitor)
    }
}

struct YamlVisitor;

impl<'de> Visitor<'de> for YamlVisitor {
    type Value = Yaml;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("any YAML value")
    }
    fn visit_unit<E>(self) -> Result<Yaml, E> {
        Ok(Yaml::Null)
    }
    fn visit_none<E>(self) -> Result<Yaml, E> {
        Ok(Yaml::Null)
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Yaml, D::Error> {
        Yaml::deserialize(d)
    }
    fn visit_bool<E>(self, v: bool) -> Result<Yaml, E> {
        Ok(Yaml::Bool(v))
    }
    fn visit_i64<E>(self, v: i64) -> Result<Yaml, E> {
        Ok(Yaml::Int(v))
    }
    fn visit_u64<E>(self, v: u64) -> Result<Yaml, E> {
        Ok(i64::try_from(v).map(Yaml::Int).unwrap_or(Yaml::Float(v as f64)))
    }
    fn visit_f64<E>(self, v: f64) -> Result<Yaml, E> {
        Ok(Yaml::Float(v))
    }
    fn visit_str<E>(self, v: &str) -> Result<Yaml, E> {
        Ok(Yaml::Str(v.to_string()))
    }
    fn visit_string<E>(self, v: String) -> Result<Yaml, E> {
        Ok(Yaml::Str(v))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Yaml, A::Error> {
        let mut out = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(4096));
        while let Some(v) = seq.next_element::<Yaml>()? {
            out.push(v);
        }
        Ok(Yaml::Seq(out))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Yaml, A::Error> {
        let mut out: Vec<(String, Yaml)> = Vec::with_capacity(map.size_hint().unwrap_or(0).min(4096));
        while let Some(k) = map.next_key::<Yaml>()? {
            let key = match k {
                Yaml::Null => "null".to_string(),
                // Moved, not copied: keys are a third of a rule's strings.
                Yaml::Str(s) => s,
                other => other
                    .scalar_text()
                    .ok_or_else(|| de::Error::custom(format!("a {} cannot be a mapping key", other.kind())))?,
            };
            let v = map.next_value::<Yaml>()?;
            if out.iter().any(|(k2, _)| *k2 == key) {
                return Err(de::Error::custom(format!("duplicate key '{key}'")));
            }
            out.push((key, v));
        }
        Ok(Yaml::Map(out))
    }
}

/// One YAML document of a file with the line it starts on (1-based).
pub struct Document {
    pub line: usize,
    pub value: Result<Yaml, (usize, String)>,
}

/// Splits a file into YAML documents at `---` lines and parses each; a parse error carries the
/// absolute line number.
pub fn parse_documents(text: &str) -> Vec<Document> {
    let mut docs = Vec::new();
    let push = |start_line: usize, body: &str, docs: &mut Vec<Document>| {
        if body.lines().all(|l| {
            let t = l.trim();
            t.is_empty() || t.starts_with('#')
        }) {
            return;
        }
        let value = parse_value(body).map_err(|(line, msg)| (start_line + line.saturating_sub(1), msg));
        docs.push(Document { line: start_line, value });
    };
    // Each document is a slice of the text (copied only when it holds a `...` end marker,
    // whose line is left out).
    let (mut start, mut start_line, mut has_end_marker) = (0, 1, false);
    let mut offset = 0;
    for (i, line) in text.split_inclusive('\n').enumerate() {
        let t = line.trim_end();
        if t == "---" || t.starts_with("--- ") {
            push(start_line, &document_body(&text[start..offset], has_end_marker), &mut docs);
            start = offset + line.len();
            start_line = i + 2;
            has_end_marker = false;
        } else if t == "..." {
            has_end_marker = true;
        }
        offset += line.len();
    }
    push(start_line, &document_body(&text[start..], has_end_marker), &mut docs);
    docs
}

/// A document's text without its `...` lines.
fn document_body(text: &str, has_end_marker: bool) -> std::borrow::Cow<'_, str> {
    if !has_end_marker {
        return text.into();
    }
    text.split_inclusive('\n').filter(|l| l.trim_end() != "...").collect::<String>().into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_order_types_and_document_lines() {
        let docs = parse_documents("a: 1\nb: [x, 2.5, true, null]\n---\n# c\nc: {z: 1, y: 2}\n");
        assert_eq!(docs.len(), 2);
        let a = docs[0].value.as_ref().unwrap();
        assert_eq!(a.get("a"), Some(&Yaml::Int(1)));
        assert_eq!(
            a.get("b"),
            Some(&Yaml::Seq(vec![Yaml::Str("x".into()), Yaml::Float(2.5), Yaml::Bool(true), Yaml::Null]))
        );
        assert_eq!(docs[1].line, 4);
        let keys: Vec<_> = docs[1]
            .value
            .as_ref()
            .unwrap()
            .get("c")
            .unwrap()
            .as_map()
            .unwrap()
            .iter()
            .map(|(k, _)| k.clone())
            .collect();
        assert_eq!(keys, ["z", "y"]);
    }

    #[test]
    fn errors_carry_absolute_lines() {
        let docs = parse_documents("a: 1\n---\nb: 1\nb: 2\n");
        let err = docs[1].value.as_ref().unwrap_err();
        assert!(err.1.contains("duplicate"), "{err:?}");
        assert!(err.0 >= 3, "{err:?}");
    }
}
