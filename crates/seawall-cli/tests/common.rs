//! Helpers shared by the integration tests.
#![allow(dead_code)]

use std::path::PathBuf;
use std::process::{Command, Output};

/// The shared corpus: `SEAWALL_CORPUS`, else `../shared/corpus` beside the checkout. Under
/// `CI=true` a missing corpus fails the test instead of skipping it.
pub fn corpus() -> Option<PathBuf> {
    let dir = std::env::var_os("SEAWALL_CORPUS")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpus"));
    if dir.join("sigma").is_dir() {
        return Some(dir);
    }
    if std::env::var("CI").as_deref() == Ok("true") {
        panic!("corpus not found at {} (set SEAWALL_CORPUS)", dir.display());
    }
    eprintln!("SKIPPED: corpus not found at {}", dir.display());
    None
}

pub fn seawall(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_seawall")).args(args).output().expect("run seawall")
}

pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}
