//! Finds rule files, splits multi-document YAML, applies rule collections (`action: global`,
//! `repeat`, `reset`) and turns each document into a [`SigmaDocument`] or a located error.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use rayon::prelude::*;

use crate::rule::{parse_document, SigmaDocument};
use crate::yaml::{parse_documents, Yaml};

/// A rule that could not be loaded, with where and why.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct RuleError {
    pub file: String,
    pub line: usize,
    pub error: String,
}

#[derive(Debug, Default)]
pub struct LoadedRules {
    pub files: usize,
    pub documents: Vec<SigmaDocument>,
    pub errors: Vec<RuleError>,
}

/// Loads every `.yml`/`.yaml` file under the given paths (files are taken as given).
pub fn load_rule_paths(paths: &[PathBuf]) -> LoadedRules {
    let mut files = Vec::new();
    let mut errors = Vec::new();
    for p in paths {
        if p.is_file() {
            files.push(p.clone());
        } else if p.is_dir() {
            for e in walkdir::WalkDir::new(p).follow_links(true).sort_by_file_name() {
                match e {
                    Ok(e) if e.file_type().is_file() && is_yaml(e.path()) => files.push(e.into_path()),
                    Ok(_) => {}
                    Err(e) => errors.push(RuleError { file: p.display().to_string(), line: 0, error: e.to_string() }),
                }
            }
        } else {
            errors.push(RuleError {
                file: p.display().to_string(),
                line: 0,
                error: "no such file or directory".into(),
            });
        }
    }
    let per_file: Vec<(Vec<SigmaDocument>, Vec<RuleError>)> = files
        .par_iter()
        .map(|f| match std::fs::read(f) {
            Ok(bytes) => match String::from_utf8(bytes) {
                Ok(text) => load_rule_text(&text, f),
                Err(_) => (vec![], vec![err(f, 1, "file is not valid UTF-8".into())]),
            },
            Err(e) => (vec![], vec![err(f, 0, e.to_string())]),
        })
        .collect();
    let mut out = LoadedRules { files: files.len(), documents: Vec::new(), errors };
    for (docs, errs) in per_file {
        out.documents.extend(docs);
        out.errors.extend(errs);
    }
    out
}

fn is_yaml(p: &Path) -> bool {
    matches!(p.extension().and_then(|e| e.to_str()), Some("yml") | Some("yaml"))
}

fn err(f: &Path, line: usize, error: String) -> RuleError {
    RuleError { file: f.display().to_string(), line, error }
}

/// Parses the text of one rule file.
pub fn load_rule_text(text: &str, file: &Path) -> (Vec<SigmaDocument>, Vec<RuleError>) {
    let name: Arc<str> = Arc::from(file.display().to_string().as_str());
    let mut docs = Vec::new();
    let mut errors = Vec::new();
    let mut global: Option<Yaml> = None;
    let mut previous: Option<Yaml> = None;
    let documents = parse_documents(text);
    let count = documents.len();
    for (i, doc) in documents.into_iter().enumerate() {
        let y = match doc.value {
            Ok(y) => y,
            Err((line, msg)) => {
                errors.push(err(file, line, format!("YAML: {msg}")));
                continue;
            }
        };
        let action = y.get("action").and_then(Yaml::as_str).map(str::to_string);
        let effective = match action.as_deref() {
            Some("global") => {
                global = Some(without_action(y));
                continue;
            }
            Some("reset") => {
                global = None;
                previous = None;
                continue;
            }
            Some("repeat") => match &previous {
                Some(prev) => merge(prev.clone(), without_action(y)),
                None => {
                    errors.push(err(file, doc.line, "action: repeat without a previous rule".into()));
                    continue;
                }
            },
            Some(other) => {
                errors.push(err(file, doc.line, format!("unknown collection action '{other}'")));
                continue;
            }
            None => match &global {
                Some(g) => merge(g.clone(), y),
                None => y,
            },
        };
        // Only a later document can repeat this one: most files hold one.
        if i + 1 < count {
            previous = Some(effective.clone());
        }
        match parse_document(effective, &name, doc.line) {
            Ok(d) => docs.push(d),
            Err(e) => errors.push(err(file, doc.line, e)),
        }
    }
    (docs, errors)
}

fn without_action(y: Yaml) -> Yaml {
    match y {
        Yaml::Map(m) => Yaml::Map(m.into_iter().filter(|(k, _)| k != "action").collect()),
        other => other,
    }
}

/// Deep merge of mappings; `over` wins on scalars and lists.
fn merge(base: Yaml, over: Yaml) -> Yaml {
    match (base, over) {
        (Yaml::Map(mut b), Yaml::Map(o)) => {
            for (k, v) in o {
                if let Some(pos) = b.iter().position(|(bk, _)| *bk == k) {
                    let old = std::mem::replace(&mut b[pos].1, Yaml::Null);
                    b[pos].1 = merge(old, v);
                } else {
                    b.push((k, v));
                }
            }
            Yaml::Map(b)
        }
        (_, o) => o,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn collections_merge_global_and_repeat() {
        let text = "action: global\ntitle: T\nlogsource: {product: windows}\ndetection:\n  condition: sel\n---\n\
                    detection:\n  sel: {a: 1}\n---\naction: repeat\ndetection:\n  sel: {a: 2}\n---\naction: reset\n---\ntitle: broken\n";
        let (docs, errs) = load_rule_text(text, Path::new("x.yml"));
        assert_eq!(docs.len(), 2, "{errs:?}");
        assert_eq!(errs.len(), 1);
        assert_eq!(errs[0].line, 16);
        match &docs[1] {
            SigmaDocument::Detection(d) => {
                assert_eq!(d.detection.searches[0].1.get("a"), Some(&Yaml::Int(2)));
                assert_eq!(d.meta.title, "T");
            }
            _ => panic!("expected a detection rule"),
        }
    }
}
