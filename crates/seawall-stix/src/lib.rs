//! STIX 2.1 (OASIS) for Seawall: the patterning language of section 9 — a parser that accepts
//! exactly the grammar and the validator's semantic rules, with the position of every error —
//! and an evaluator of patterns over observed data.

pub mod matcher;
pub mod pattern;

pub use matcher::{MatchError, Matcher, Observation};
pub use pattern::{inspect, parse_pattern, parse_pattern_syntax, Inspection, PatternError};
