//! Test support shared by the workspace's test suites; a dev-dependency only, never shipped.
//!
//! Tests that read the shared corpus find it here, so that one rule holds everywhere: the
//! corpus is `SEAWALL_CORPUS`, else `shared/corpus` beside the checkout; when it is missing a
//! test is skipped with a message, except under `CI=true`, where a missing corpus fails the run.

use std::path::{Path, PathBuf};

/// The shared corpus folder, if it holds `folder` (`sigma`, `stix`, `intel`, `logs`, …).
/// `manifest_dir` is the calling crate's `env!("CARGO_MANIFEST_DIR")`: every crate of the
/// workspace sits two folders below the checkout, so the default is found from any of them.
///
/// # Panics
/// Under `CI=true`, when the corpus is missing.
pub fn corpus(manifest_dir: &str, folder: &str) -> Option<PathBuf> {
    let dir = std::env::var_os("SEAWALL_CORPUS")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(manifest_dir).join("../../../shared/corpus"));
    let ci = std::env::var("CI").as_deref() == Ok("true");
    found(dir, folder, ci)
}

fn found(dir: PathBuf, folder: &str, ci: bool) -> Option<PathBuf> {
    if dir.join(folder).is_dir() {
        return Some(dir);
    }
    assert!(!ci, "CI=true but the corpus is missing at {} (set SEAWALL_CORPUS)", dir.display());
    eprintln!("SKIPPED: corpus not found at {} (set SEAWALL_CORPUS)", dir.display());
    None
}

#[cfg(test)]
mod tests {
    use super::found;

    #[test]
    fn a_corpus_is_found_by_its_folder_and_its_absence_fails_only_under_ci() {
        let here = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"));
        assert_eq!(found(here.clone(), "src", false), Some(here.clone()));
        assert_eq!(found(here.clone(), "no-such-folder", false), None);
        let under_ci = std::panic::catch_unwind(|| found(here.clone(), "no-such-folder", true));
        assert!(under_ci.is_err(), "a missing corpus must fail under CI=true");
        // Present, it is found under CI too.
        assert_eq!(found(here.clone(), "src", true), Some(here));
    }
}
