//! `seawall`: the command line. It only wires the library crates together.

mod builtin;
mod cli;
mod demo;
mod export;
mod findings;
mod hunt;
mod intel_cmd;
mod intel_hits;
mod output;
mod rules_cmd;

use clap::Parser;

/// Exit codes (documented in the README).
pub const EXIT_CLEAN: i32 = 0;
pub const EXIT_FINDINGS: i32 = 1;
pub const EXIT_ERROR: i32 = 2;

fn main() {
    let args = cli::Cli::parse();
    let code = match run(args) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("seawall: error: {e:#}");
            EXIT_ERROR
        }
    };
    std::process::exit(code);
}

fn run(args: cli::Cli) -> anyhow::Result<i32> {
    match args.command {
        cli::Command::Hunt(h) => hunt::run(*h),
        cli::Command::Demo(d) => demo::run(*d),
        cli::Command::Intel { command: cli::IntelCommand::CheckPattern(a) } => intel_cmd::check_pattern(a),
        cli::Command::Intel { command: cli::IntelCommand::Import(a) } => intel_cmd::import(a),
        cli::Command::Intel { command: cli::IntelCommand::List(a) } => intel_cmd::list(a),
        cli::Command::Rules { command: cli::RulesCommand::Check(c) } => rules_cmd::check(c),
    }
}
