//! `seawall demo`: writes the fictional carrier's evidence, then runs the hunt on it with the
//! built-in telecom pack, the carrier's watchlist and site policy, and the partner advisory
//! (STIX 2.1) the carrier received.

use std::path::PathBuf;
use std::time::Instant;

use anyhow::Context;
use seawall_demo::{generate, DemoOptions, Scale};

use crate::cli::{DemoArgs, DemoScale, HuntArgs};

fn fresh_dir(seed: u64) -> PathBuf {
    let base = format!("seawall-demo-{seed}");
    let mut dir = PathBuf::from(&base);
    let mut n = 2;
    while dir.exists() {
        dir = PathBuf::from(format!("{base}-{n}"));
        n += 1;
    }
    dir
}

pub fn run(args: DemoArgs) -> anyhow::Result<i32> {
    let out = args.out.clone().unwrap_or_else(|| fresh_dir(args.seed));
    let scale = match args.scale {
        DemoScale::Small => Scale::Small,
        DemoScale::Large => Scale::Large,
    };
    let started = Instant::now();
    let manifest = generate(&out, &DemoOptions { seed: args.seed, scale, benign: args.benign })
        .with_context(|| format!("writing the demo evidence to {}", out.display()))?;
    if !args.quiet {
        eprintln!(
            "seawall demo: case directory {} — {} evidence files, {} records ({} flows){} written in {:.1}s; hunting…",
            out.display(),
            manifest.files,
            manifest.records,
            manifest.flow_records,
            if args.benign { ", no intrusion" } else { "" },
            started.elapsed().as_secs_f64()
        );
    }
    let hunt = HuntArgs {
        intel: vec![manifest.intel],
        stix: args.stix.clone(),
        org: None,
        paths: vec![manifest.evidence_dir],
        rules: Vec::new(),
        builtin: true,
        mapping: None,
        format: args.format,
        min_level: args.min_level,
        fail_level: args.fail_level,
        from: None,
        to: None,
        threads: None,
        max_evidence: Some(args.max_evidence),
        stats: args.stats,
        max_decompressed_mib: 8192,
        watchlist: Some(manifest.watchlist),
        policy: Some(manifest.policy),
        year: None,
        tz: None,
        output: args.output,
        verbose: false,
        quiet: args.quiet,
    };
    crate::hunt::run(hunt)
}
