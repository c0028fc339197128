//! The mapping file: where Sigma field names live in events, and which events a Sigma log
//! source means. The default ships inside the binary; users can pass their own.

use std::collections::HashMap;

use crate::rule::LogSource;
use crate::yaml::{parse_documents, Yaml};

/// Prefix that marks a route as a dataset (non-Windows) rather than a Windows channel.
pub const DATASET_ROUTE: &str = "dataset:";

pub const DEFAULT_MAPPING: &str = include_str!("../mapping/default.yml");

/// Which events a variant may see.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// Windows event log records (they have a Channel).
    Windows,
    /// Records that are not Windows events.
    Other,
    /// Every record.
    Any,
}

/// One way a log source appears in events.
#[derive(Debug, Clone)]
pub struct SourceVariant {
    /// Extra field conditions (field -> accepted values).
    pub conditions: Vec<(String, Vec<Yaml>)>,
    /// Channels routed to this variant (lower-cased), from a `Channel` condition.
    pub channels: Option<Vec<String>>,
    pub rename: HashMap<String, String>,
    pub scope: Scope,
    /// How many logsource keys the entry matched; 0 means the generic fallback.
    pub specificity: usize,
}

#[derive(Debug, Clone)]
struct Entry {
    product: Option<String>,
    category: Option<String>,
    service: Option<String>,
    variant: SourceVariant,
}

#[derive(Debug, Clone)]
pub struct Mapping {
    field_paths: Vec<String>,
    pub fields: HashMap<String, Vec<String>>,
    /// Further places of a field, tried after `field_paths` (ECS names, for example).
    pub aliases: HashMap<String, Vec<String>>,
    entries: Vec<Entry>,
    pub placeholders: HashMap<String, Vec<String>>,
    /// `field_paths` split around their one `{field}` (None: none or several, replaced in full).
    templates: Vec<Option<(String, String)>>,
}

impl Mapping {
    pub fn default_mapping() -> Mapping {
        match Mapping::parse(DEFAULT_MAPPING) {
            Ok(m) => m,
            // The default is part of the binary and covered by tests.
            Err(e) => panic!("built-in mapping is invalid: {e}"),
        }
    }

    pub fn parse(text: &str) -> Result<Mapping, String> {
        let docs = parse_documents(text);
        let doc = docs.into_iter().next().ok_or("mapping file is empty")?;
        let y = doc.value.map_err(|(line, e)| format!("line {line}: {e}"))?;
        let field_paths = y
            .get("field_paths")
            .map(|v| v.string_list().ok_or("field_paths must be a list of strings"))
            .transpose()?
            .unwrap_or_else(|| vec!["{field}".to_string()]);
        let mut fields = HashMap::new();
        if let Some(f) = y.get("fields") {
            for (k, v) in f.as_map().ok_or("fields must be a mapping")? {
                fields.insert(k.clone(), v.string_list().ok_or_else(|| format!("fields.{k} must be a list of paths"))?);
            }
        }
        let mut aliases = HashMap::new();
        if let Some(f) = y.get("aliases") {
            for (k, v) in f.as_map().ok_or("aliases must be a mapping")? {
                aliases
                    .insert(k.clone(), v.string_list().ok_or_else(|| format!("aliases.{k} must be a list of paths"))?);
            }
        }
        let mut entries = Vec::new();
        if let Some(ls) = y.get("logsources") {
            let Yaml::Seq(items) = ls else {
                return Err("logsources must be a list".into());
            };
            for (i, item) in items.iter().enumerate() {
                entries.push(parse_entry(item).map_err(|e| format!("logsources[{i}]: {e}"))?);
            }
        }
        let mut placeholders = HashMap::new();
        if let Some(Yaml::Map(p)) = y.get("placeholders") {
            for (k, v) in p {
                placeholders
                    .insert(k.clone(), v.string_list().ok_or_else(|| format!("placeholders.{k} must be a list"))?);
            }
        }
        let templates = field_paths
            .iter()
            .map(|p| match p.split_once("{field}") {
                Some((head, tail)) if !tail.contains("{field}") => Some((head.to_string(), tail.to_string())),
                _ => None,
            })
            .collect();
        Ok(Mapping { field_paths, fields, aliases, entries, placeholders, templates })
    }

    /// The variants a rule's log source expands to: all entries of the highest specificity
    /// whose keys all equal the rule's.
    pub fn variants_for(&self, ls: &LogSource) -> Vec<SourceVariant> {
        let fits = |want: &Option<String>, have: &Option<String>| want.is_none() || want == have;
        let matching: Vec<&Entry> = self
            .entries
            .iter()
            .filter(|e| {
                fits(&e.product, &ls.product) && fits(&e.category, &ls.category) && fits(&e.service, &ls.service)
            })
            .collect();
        let best = matching.iter().map(|e| e.variant.specificity).max();
        match best {
            Some(b) => matching.into_iter().filter(|e| e.variant.specificity == b).map(|e| e.variant.clone()).collect(),
            None => vec![SourceVariant {
                conditions: vec![],
                channels: None,
                rename: HashMap::new(),
                scope: if ls.product.as_deref() == Some("windows") { Scope::Windows } else { Scope::Other },
                specificity: 0,
            }],
        }
    }

    /// Event paths for a (renamed) Sigma field name.
    pub fn paths_for(&self, field: &str) -> Vec<String> {
        if let Some(p) = self.fields.get(field) {
            return p.clone();
        }
        let extra = self.aliases.get(field);
        let mut paths = Vec::with_capacity(self.field_paths.len() + extra.map_or(0, Vec::len));
        for (p, template) in self.field_paths.iter().zip(&self.templates) {
            // Rules are compiled by the thousand, each asking for its fields' paths: one
            // allocation a path, not a search-and-replace.
            paths.push(match template {
                Some((head, tail)) => {
                    let mut path = String::with_capacity(head.len() + field.len() + tail.len());
                    path.push_str(head);
                    path.push_str(field);
                    path.push_str(tail);
                    path
                }
                None => p.replace("{field}", field),
            });
        }
        if let Some(extra) = extra {
            paths.extend(extra.iter().cloned());
        }
        paths
    }
}

fn parse_entry(item: &Yaml) -> Result<Entry, String> {
    let m = item.get("match").ok_or("missing 'match'")?;
    let key = |k: &str| m.get(k).and_then(Yaml::scalar_text).map(|s| s.to_lowercase());
    let (product, category, service) = (key("product"), key("category"), key("service"));
    let specificity = [&product, &category, &service].iter().filter(|v| v.is_some()).count();
    let mut conditions = Vec::new();
    let mut channels = None;
    let mut datasets = false;
    if let Some(c) = item.get("conditions") {
        for (field, v) in c.as_map().ok_or("conditions must be a mapping")? {
            let values = match v {
                Yaml::Seq(items) => items.clone(),
                other => vec![other.clone()],
            };
            if field == "Channel" {
                channels = Some(values.iter().filter_map(Yaml::scalar_text).map(|s| s.to_lowercase()).collect());
            }
            if field == "Dataset" {
                // Non-Windows records are routed by their dataset (`event.dataset`) the way
                // Windows records are by channel.
                datasets = true;
                channels = Some(
                    values
                        .iter()
                        .filter_map(Yaml::scalar_text)
                        .map(|s| format!("{DATASET_ROUTE}{}", s.to_lowercase()))
                        .collect(),
                );
            }
            conditions.push((field.clone(), values));
        }
    }
    let mut rename = HashMap::new();
    if let Some(r) = item.get("rename") {
        for (from, to) in r.as_map().ok_or("rename must be a mapping")? {
            rename.insert(from.clone(), to.scalar_text().ok_or("rename targets must be strings")?);
        }
    }
    let scope = match item.get("scope").and_then(Yaml::as_str) {
        Some("windows") => Scope::Windows,
        Some("other") => Scope::Other,
        Some("any") => Scope::Any,
        Some(s) => return Err(format!("unknown scope '{s}'")),
        None if datasets => Scope::Other,
        None if channels.is_some() => Scope::Windows,
        None => Scope::Any,
    };
    Ok(Entry {
        product,
        category,
        service,
        variant: SourceVariant { conditions, channels, rename, scope, specificity },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ls(p: Option<&str>, c: Option<&str>, s: Option<&str>) -> LogSource {
        LogSource { product: p.map(Into::into), category: c.map(Into::into), service: s.map(Into::into) }
    }

    #[test]
    fn default_mapping_routes_common_sources() {
        let m = Mapping::default_mapping();
        let v = m.variants_for(&ls(Some("windows"), Some("process_creation"), None));
        assert_eq!(v.len(), 2);
        assert_eq!(v[0].channels.as_deref(), Some(&["microsoft-windows-sysmon/operational".to_string()][..]));
        assert_eq!(v[1].rename.get("Image").map(String::as_str), Some("NewProcessName"));
        let v = m.variants_for(&ls(Some("windows"), Some("no_such_category"), None));
        assert_eq!((v.len(), v[0].scope, v[0].specificity), (1, Scope::Windows, 1));
        let v = m.variants_for(&ls(Some("linux"), Some("process_creation"), None));
        assert_eq!(v[0].scope, Scope::Other);
        assert!(m.paths_for("Image").contains(&"Event.EventData.Image".to_string()));
        assert_eq!(m.paths_for("EventID")[0], "Event.System.EventID");
        assert_eq!(m.paths_for("CommandLine").last().map(String::as_str), Some("process.command_line"));
    }
}
