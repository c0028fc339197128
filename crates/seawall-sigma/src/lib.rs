//! The Sigma engine: parse rules (detection, correlation, filters), map log sources and fields
//! onto events, compile everything into one matching plan and evaluate events against it.

pub mod compile;
pub mod condition;
pub mod correlation;
pub mod engine;
pub mod eval;
pub mod expr;
mod keyindex;
pub mod literals;
pub mod loader;
pub mod mapping;
mod memo;
pub mod modifier;
pub mod patlist;
pub mod pattern;
mod prefilter;
pub mod rule;
mod verdicts;
mod warm;
pub mod yaml;
mod yaml_build;

pub use engine::{Engine, RuleInfo, Scratch, Unsupported};
pub use loader::{load_rule_paths, LoadedRules, RuleError};
pub use mapping::Mapping;
