//! Helpers shared by the integration tests.
#![allow(dead_code)]

use std::path::PathBuf;
use std::process::{Command, Output};

/// The shared corpus: `SEAWALL_CORPUS`, else `../shared/corpus` beside the checkout. Under
/// `CI=true` a missing corpus fails the test instead of skipping it.
pub fn corpus() -> Option<PathBuf> {
    seawall_testkit::corpus(env!("CARGO_MANIFEST_DIR"), "sigma")
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
