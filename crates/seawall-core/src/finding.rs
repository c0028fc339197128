use std::collections::BTreeSet;

use crate::Level;

/// Which detector produced a finding.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum FindingSource {
    Sigma,
    Stix,
    Ioc,
    Telecom,
    Audit,
    Analytic,
}

/// One place of evidence behind a finding.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
pub struct EvidenceRef {
    pub file: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub line: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub record: Option<u64>,
}

/// Identical hits of one rule, aggregated.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Finding {
    pub id: String,
    pub source: FindingSource,
    pub rule_id: String,
    pub title: String,
    pub level: Level,
    pub status: Option<String>,
    pub author: Option<String>,
    pub attack: Vec<String>,
    pub tags: Vec<String>,
    pub first_seen: Option<jiff::Timestamp>,
    pub last_seen: Option<jiff::Timestamp>,
    pub count: u64,
    pub entities: Entities,
    pub evidence: Vec<EvidenceRef>,
    /// True when `evidence` was capped and lists fewer places than `count`.
    pub evidence_truncated: bool,
    pub summary: String,
}

/// Entities touched by a finding, each set sorted for deterministic output.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct Entities {
    pub hosts: BTreeSet<String>,
    pub users: BTreeSet<String>,
    pub ips: BTreeSet<String>,
    pub subscribers: BTreeSet<String>,
}
