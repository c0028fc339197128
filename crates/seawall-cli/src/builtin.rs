//! The rules that ship inside the binary: the Seawall telecom pack.

use std::path::{Path, PathBuf};

use seawall_sigma::LoadedRules;

include!(concat!(env!("OUT_DIR"), "/telecom_rules.rs"));

/// Loads the built-in pack; rules are named `builtin:telecom/<file>` in messages.
pub fn telecom_pack() -> LoadedRules {
    let mut loaded = LoadedRules { files: 0, documents: Vec::new(), errors: Vec::new() };
    for (name, text) in TELECOM_RULES {
        let path = PathBuf::from(format!("builtin:telecom/{name}"));
        let (docs, errors) = seawall_sigma::loader::load_rule_text(text, Path::new(&path));
        loaded.files += 1;
        loaded.documents.extend(docs);
        loaded.errors.extend(errors);
    }
    loaded
}
