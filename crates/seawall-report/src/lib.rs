//! Seawall's outputs beyond the terminal table, JSON lines and CSV: for now the STIX 2.1 bundle of
//! an investigation ([`stix::bundle`]).

pub mod stix;

pub use stix::{bundle as stix_bundle, ExportInput, KnownIndicator};
