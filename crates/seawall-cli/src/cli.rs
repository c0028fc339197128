use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};
use seawall_core::Level;

#[derive(Parser, Debug)]
#[command(
    name = "seawall",
    version,
    about = "Find intruders in carrier evidence: Sigma over logs, findings you can defend"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Hunt through evidence files and directories with Sigma rules.
    Hunt(Box<HuntArgs>),
    /// Generate a fictional carrier's evidence with an intrusion woven in, and hunt through it.
    Demo(Box<DemoArgs>),
    /// Threat intelligence: STIX 2.1 bundles, IOC lists, MISP events and warninglists, CISA KEV.
    Intel {
        #[command(subcommand)]
        command: IntelCommand,
    },
    /// Work with rule sets.
    Rules {
        #[command(subcommand)]
        command: RulesCommand,
    },
}

#[derive(Subcommand, Debug)]
pub enum IntelCommand {
    /// Check STIX 2.1 patterns (arguments, or one per line on stdin) and show where each error is.
    CheckPattern(CheckPatternArgs),
    /// Check intelligence files and copy them into the intel store (with their SHA-256).
    Import(ImportArgs),
    /// Show what the intel store (or the files given) holds: objects and indicators per type,
    /// validity, allowlists, KEV.
    List(ListArgs),
}

/// The intel store: `SEAWALL_INTEL_STORE`, or `.seawall/intel` in the working directory.
fn default_store() -> PathBuf {
    std::env::var_os("SEAWALL_INTEL_STORE").map(PathBuf::from).unwrap_or_else(|| PathBuf::from(".seawall/intel"))
}

#[derive(Args, Debug)]
pub struct ImportArgs {
    /// Files or directories to import.
    #[arg(required = true)]
    pub paths: Vec<PathBuf>,
    /// The intel store directory.
    #[arg(long, default_value_os_t = default_store())]
    pub store: PathBuf,
}

#[derive(Args, Debug)]
pub struct ListArgs {
    /// List these files or directories instead of the store.
    pub paths: Vec<PathBuf>,
    /// The intel store directory.
    #[arg(long, default_value_os_t = default_store())]
    pub store: PathBuf,
    #[arg(long, value_enum, default_value = "text")]
    pub format: CheckFormat,
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum PatternFormat {
    Text,
    Jsonl,
}

#[derive(Args, Debug)]
pub struct CheckPatternArgs {
    /// Patterns to check; without any, one pattern per line is read from stdin.
    pub patterns: Vec<String>,
    #[arg(long, value_enum, default_value = "text")]
    pub format: PatternFormat,
}

#[derive(Subcommand, Debug)]
pub enum RulesCommand {
    /// Parse and validate rules; list failures with file, line and reason.
    Check(CheckArgs),
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum OutputFormat {
    Table,
    Jsonl,
    Csv,
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum CheckFormat {
    Text,
    Json,
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum StatsFormat {
    Json,
}

fn parse_level(s: &str) -> Result<Level, String> {
    s.parse::<Level>().map_err(|e| e.to_string())
}

#[derive(Args, Debug)]
pub struct HuntArgs {
    /// Evidence files or directories (searched recursively; gzip/zstd are read transparently).
    #[arg(required = true)]
    pub paths: Vec<PathBuf>,
    /// Sigma rule files or directories (repeatable). Without any, the built-in telecom rule
    /// pack is used.
    #[arg(long = "rules", short = 'r')]
    pub rules: Vec<PathBuf>,
    /// Also use the built-in telecom rule pack when --rules is given.
    #[arg(long)]
    pub builtin: bool,
    /// Threat intelligence files or directories (repeatable): STIX bundles, IOC lists, MISP
    /// events and warninglists (as allowlists), or the intel store.
    #[arg(long = "intel", value_name = "PATH")]
    pub intel: Vec<PathBuf>,
    /// Field and log-source mapping file (default: the built-in one; see docs/SIGMA.md).
    #[arg(long)]
    pub mapping: Option<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value = "table")]
    pub format: OutputFormat,
    /// Only report findings at or above this level.
    #[arg(long, value_parser = parse_level, default_value = "informational")]
    pub min_level: Level,
    /// Exit with 1 when a finding at or above this level is reported.
    #[arg(long, value_parser = parse_level, default_value = "high")]
    pub fail_level: Level,
    /// Ignore events before this time (RFC 3339 or YYYY-MM-DD, UTC).
    #[arg(long)]
    pub from: Option<String>,
    /// Ignore events after this time (RFC 3339 or YYYY-MM-DD, UTC).
    #[arg(long)]
    pub to: Option<String>,
    /// Worker threads (default: all cores).
    #[arg(long)]
    pub threads: Option<usize>,
    /// List at most N evidence places per finding (default: all).
    #[arg(long)]
    pub max_evidence: Option<usize>,
    /// Write the run's tally as one JSON object, the last line on stderr.
    #[arg(long, value_enum)]
    pub stats: Option<StatsFormat>,
    /// Largest decompressed size accepted per compressed file, in MiB.
    #[arg(long, default_value_t = 8192)]
    pub max_decompressed_mib: u64,
    /// Watchlist of protected subscribers (CSV: type,value,label), for the `%watchlist%`
    /// placeholder of the telecom rules.
    #[arg(long, value_name = "FILE")]
    pub watchlist: Option<std::path::PathBuf>,
    /// Site policy (YAML: management networks, jump hosts, AAA and log servers, tunnel peers,
    /// change windows), for the site placeholders of the telecom rules.
    #[arg(long, value_name = "FILE")]
    pub policy: Option<std::path::PathBuf>,
    /// Year for log times written without one (BSD syslog). Default: the latest year that does
    /// not put the time more than two days after the file's modification time.
    #[arg(long)]
    pub year: Option<i16>,
    /// Time zone for log times written without one (IANA name such as `America/New_York`, or
    /// `UTC`). Default: UTC. Such times are flagged in `seawall.time_inferred`.
    #[arg(long)]
    pub tz: Option<String>,
    /// Write output here instead of stdout.
    #[arg(long, short = 'o')]
    pub output: Option<PathBuf>,
    /// Also write the investigation as a STIX 2.1 bundle (identity, indicators, sightings,
    /// observed data, ATT&CK attack patterns, incident and report) to this file.
    #[arg(long, value_name = "FILE")]
    pub stix: Option<PathBuf>,
    /// The reporting organisation named in the STIX bundle (default: the site policy's
    /// `organisation`, else "Seawall user").
    #[arg(long, value_name = "NAME")]
    pub org: Option<String>,
    /// More detail on stderr: skipped files, every rejected record, rule problems.
    #[arg(long, short = 'v')]
    pub verbose: bool,
    /// No progress bar or summary on stderr (errors are still printed).
    #[arg(long, short = 'q')]
    pub quiet: bool,
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum DemoScale {
    Small,
    Large,
}

#[derive(Args, Debug)]
pub struct DemoArgs {
    /// Case directory (default: a new `seawall-demo-<seed>` folder here); evidence goes to
    /// DIR/evidence, the watchlist and site policy to DIR/site.
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// Seed of the generator: the same seed writes the same evidence.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// small: 24 devices and ~300k flow records; large: 48 devices and over 10M flow records.
    #[arg(long, value_enum, default_value = "small")]
    pub scale: DemoScale,
    /// The same carrier with the intrusion left out.
    #[arg(long)]
    pub benign: bool,
    /// Output format of the hunt.
    #[arg(long, value_enum, default_value = "table")]
    pub format: OutputFormat,
    /// Only report findings at or above this level.
    #[arg(long, value_parser = parse_level, default_value = "low")]
    pub min_level: Level,
    /// Exit with 1 when a finding at or above this level is reported.
    #[arg(long, value_parser = parse_level, default_value = "high")]
    pub fail_level: Level,
    /// Write the run's tally as one JSON object, the last line on stderr.
    #[arg(long, value_enum)]
    pub stats: Option<StatsFormat>,
    /// List at most N evidence places per finding (default: 20).
    #[arg(long, default_value_t = 20)]
    pub max_evidence: usize,
    /// Write the findings here instead of stdout.
    #[arg(long, short = 'o')]
    pub output: Option<PathBuf>,
    /// Also write the investigation as a STIX 2.1 bundle to this file.
    #[arg(long, value_name = "FILE")]
    pub stix: Option<PathBuf>,
    /// No progress bar or summary on stderr.
    #[arg(long, short = 'q')]
    pub quiet: bool,
}

#[derive(Args, Debug)]
pub struct CheckArgs {
    /// Rule files or directories.
    #[arg(required = true)]
    pub paths: Vec<PathBuf>,
    /// Field and log-source mapping file.
    #[arg(long)]
    pub mapping: Option<PathBuf>,
    #[arg(long, value_enum, default_value = "text")]
    pub format: CheckFormat,
}
