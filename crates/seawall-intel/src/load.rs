//! Loading intelligence files: the format is told by content (STIX bundle, MISP event, MISP
//! warninglist, CISA KEV catalogue, or a plain IOC list), every file and directory given is
//! read, and problems are collected with their place while the rest loads.

use std::path::{Path, PathBuf};

use rustc_hash::FxHashMap;
use serde_json::Value;

use crate::allowlist::Allowlist;
use crate::model::{Indicator, IntelError, IntelSet, KevEntry, Origin};

/// Builds an [`IntelSet`] file by file.
#[derive(Default)]
pub struct Loader {
    pub set: IntelSet,
    by_id: FxHashMap<u128, usize>,
    pub(crate) pending_indicates: Vec<(String, String)>,
}

/// Most bytes one intelligence file may have.
const MAX_FILE: u64 = 2 << 30;

impl Loader {
    pub(crate) fn error(&mut self, file: &str, place: &str, message: &str) {
        self.set.errors.push(IntelError {
            origin: Origin { file: file.into(), place: place.to_string() },
            message: message.to_string(),
        });
    }

    pub(crate) fn add_indicator(&mut self, ind: Indicator) {
        self.set.add_indicator(ind, &mut self.by_id);
    }

    /// Loads every file under the paths (directories recursively, sorted).
    pub fn load_paths(&mut self, paths: &[PathBuf]) {
        for p in paths {
            let files = files_under(p);
            if files.is_empty() {
                self.error(&p.display().to_string(), "file", "no such file or directory");
            }
            for f in files {
                self.load_file(&f);
            }
        }
    }

    pub fn load_file(&mut self, path: &Path) {
        let file = path.display().to_string();
        let size = std::fs::metadata(path).map(|m| m.len()).unwrap_or(0);
        if size > MAX_FILE {
            self.error(
                &file,
                "file",
                &format!("{size} bytes is more than the {MAX_FILE} an intelligence file may have"),
            );
            return;
        }
        let bytes = match std::fs::read(path) {
            Ok(b) => b,
            Err(e) => return self.error(&file, "file", &e.to_string()),
        };
        let text = String::from_utf8_lossy(&bytes);
        self.load_text(&file, &text);
    }

    /// Loads one document; `file` names it in errors.
    pub fn load_text(&mut self, file: &str, text: &str) {
        let head = text.trim_start_matches('\u{feff}').trim_start();
        if head.starts_with('{') || head.starts_with('[') {
            let doc: Value = match serde_json::from_str(head) {
                Ok(v) => v,
                Err(e) => {
                    return self.error(
                        file,
                        &format!("line {} column {}", e.line(), e.column()),
                        &format!("not valid JSON: {e}"),
                    );
                }
            };
            let format = self.load_json(file, doc);
            self.set.files.push((file.to_string(), format));
        } else {
            crate::ioc_list::load(self, file, text);
            self.set.files.push((file.to_string(), "ioc-list"));
        }
    }

    fn load_json(&mut self, file: &str, doc: Value) -> &'static str {
        let has = |k: &str| doc.get(k).is_some();
        if doc.get("type").and_then(Value::as_str) == Some("bundle") || doc.is_array() || (has("type") && has("id")) {
            crate::stix_bundle::load(self, file, doc);
            "stix"
        } else if has("Event") || (has("Attribute") && has("info")) || (has("Object") && has("info")) {
            crate::misp::load(self, file, &doc);
            "misp-event"
        } else if has("list") && has("type") && has("name") {
            self.load_warninglist(file, &doc);
            "misp-warninglist"
        } else if has("vulnerabilities") && has("catalogVersion") {
            self.load_kev(file, &doc);
            "cisa-kev"
        } else {
            self.error(file, "document", "JSON that is not a STIX bundle, MISP event or warninglist, or KEV catalogue");
            "unknown"
        }
    }

    fn load_warninglist(&mut self, file: &str, doc: &Value) {
        let name = doc.get("name").and_then(Value::as_str).unwrap_or(file);
        let kind = doc.get("type").and_then(Value::as_str).unwrap_or("");
        let values: Vec<String> = doc["list"]
            .as_array()
            .map(|l| l.iter().filter_map(|v| v.as_str().map(String::from)).collect())
            .unwrap_or_default();
        match Allowlist::build(name, kind, &values) {
            Ok((list, bad)) => {
                for (i, v) in bad {
                    self.error(file, &format!("list entry {}", i + 1), &format!("'{v}' is not a CIDR block"));
                }
                self.set.allowlists.push(list);
            }
            Err(e) => self.error(file, "warninglist", &e),
        }
    }

    fn load_kev(&mut self, file: &str, doc: &Value) {
        for (i, v) in doc["vulnerabilities"].as_array().into_iter().flatten().enumerate() {
            let s = |k: &str| v.get(k).and_then(Value::as_str).unwrap_or("").to_string();
            let cve = s("cveID");
            if !cve.starts_with("CVE-") {
                self.error(file, &format!("vulnerability {}", i + 1), &format!("'cveID' is not a CVE id: '{cve}'"));
                continue;
            }
            self.set.kev.push(KevEntry {
                cve,
                vendor: s("vendorProject"),
                product: s("product"),
                name: s("vulnerabilityName"),
                date_added: s("dateAdded"),
                ransomware: s("knownRansomwareCampaignUse") == "Known",
            });
        }
    }

    /// The loaded set, with `indicates` relationships attached to their indicators.
    pub fn finish(mut self) -> IntelSet {
        let by_id = std::mem::take(&mut self.by_id);
        for (src, dst) in std::mem::take(&mut self.pending_indicates) {
            if let Some(&i) = by_id.get(&crate::model::id_key(&src)) {
                self.set.indicators[i].indicates.push(dst);
            }
        }
        self.set
    }
}

/// The intelligence files at a path: the file itself, or every file under a directory (sorted),
/// leaving out hidden files, licence files and Markdown notes.
pub fn files_under(p: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    collect(p, &mut out);
    out
}

fn collect(p: &Path, out: &mut Vec<PathBuf>) {
    if p.is_file() {
        out.push(p.to_path_buf());
    } else if let Ok(rd) = std::fs::read_dir(p) {
        let mut entries: Vec<PathBuf> = rd.flatten().map(|e| e.path()).collect();
        entries.sort();
        for e in entries {
            let name = e.file_name().and_then(|n| n.to_str()).unwrap_or("");
            // Licence and provenance notes travel with feeds; they are not intelligence.
            if name.starts_with('.') || name.starts_with("LICENSE") || name.ends_with(".md") {
                continue;
            }
            collect(&e, out);
        }
    }
}

/// Loads the files and directories given.
pub fn load_paths(paths: &[PathBuf]) -> IntelSet {
    let mut l = Loader::default();
    l.load_paths(paths);
    l.finish()
}
