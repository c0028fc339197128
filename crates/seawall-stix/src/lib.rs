//! STIX 2.1 (OASIS) for Seawall. So far: the patterning language of section 9 — a parser that
//! accepts exactly the grammar and the validator's semantic rules, with the position of every
//! error.

pub mod pattern;

pub use pattern::{inspect, parse_pattern, parse_pattern_syntax, Inspection, PatternError};
