//! What intelligence is loaded: indicators (with where each came from), the other STIX objects
//! kept for reports and export, allowlists and the KEV catalogue, and every problem met.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::sync::Arc;

use serde_json::Value;

use crate::allowlist::Allowlist;
use crate::observable::{Observable, ObservableKind};

/// Where an object or entry came from: the file, and the object or line in it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Origin {
    pub file: Arc<str>,
    /// `object 12 (indicator--…)`, `line 5`, `attribute 3`.
    pub place: String,
}

impl std::fmt::Display for Origin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.file, self.place)
    }
}

/// One indicator: a STIX `indicator`, or an entry of an IOC list or MISP event made into one.
#[derive(Debug, Clone)]
pub struct Indicator {
    pub id: String,
    pub name: Option<String>,
    pub description: Option<String>,
    /// `indicator_types` and `labels` of the STIX object, or list context, MISP tags.
    pub labels: Vec<String>,
    pub confidence: Option<u8>,
    /// Microseconds since 1970.
    pub valid_from: Option<i64>,
    pub valid_until: Option<i64>,
    pub revoked: bool,
    pub modified: Option<String>,
    /// The STIX pattern of a STIX indicator (empty for list entries: see [`Indicator::pattern`]).
    pub stix_pattern: String,
    /// For IOC-list and MISP entries, the one observable they name.
    pub observable: Option<Observable>,
    /// The STIX ids of attack patterns, malware, threat actors … this indicator `indicates`.
    pub indicates: Vec<String>,
    pub origin: Origin,
}

/// Validity of an indicator at a time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Validity {
    Valid,
    NotYetValid,
    Expired,
    Revoked,
}

impl Validity {
    pub fn name(self) -> &'static str {
        match self {
            Validity::Valid => "valid",
            Validity::NotYetValid => "not yet valid",
            Validity::Expired => "expired",
            Validity::Revoked => "revoked",
        }
    }
}

impl Indicator {
    /// The STIX pattern, written out for list entries.
    pub fn pattern(&self) -> Cow<'_, str> {
        match &self.observable {
            Some(o) if self.stix_pattern.is_empty() => Cow::Owned(o.kind.pattern(&o.value)),
            _ => Cow::Borrowed(&self.stix_pattern),
        }
    }

    /// For list entries, the kind of their observable.
    pub fn kind(&self) -> Option<ObservableKind> {
        self.observable.as_ref().map(|o| o.kind)
    }

    /// An indicator with nothing but its id and origin (no validity bounds, pattern or
    /// observable), for the others to be filled in with struct update syntax.
    pub fn plain(id: String, origin: Origin) -> Indicator {
        Indicator {
            id,
            name: None,
            description: None,
            labels: Vec::new(),
            confidence: None,
            valid_from: None,
            valid_until: None,
            revoked: false,
            modified: None,
            stix_pattern: String::new(),
            observable: None,
            indicates: Vec::new(),
            origin,
        }
    }

    pub fn has_label(&self, label: &str) -> bool {
        self.labels.iter().any(|l| l == label)
    }

    /// The name to show: the indicator's own, or the observable and its context.
    pub fn title(&self) -> String {
        if let Some(n) = &self.name {
            return n.clone();
        }
        match &self.observable {
            Some(o) => match self.labels.first() {
                Some(ctx) => format!("{} {} ({ctx})", o.kind.name(), o.value),
                None => format!("{} {}", o.kind.name(), o.value),
            },
            None => format!("Indicator {}", self.stix_pattern),
        }
    }

    pub fn validity_at(&self, t: i64) -> Validity {
        if self.revoked {
            Validity::Revoked
        } else if self.valid_from.is_some_and(|f| t < f) {
            Validity::NotYetValid
        } else if self.valid_until.is_some_and(|u| t >= u) {
            Validity::Expired
        } else {
            Validity::Valid
        }
    }

    /// Whether an observation at `t` (or of unknown time) falls in the validity window.
    pub fn applies_at(&self, t: Option<i64>) -> bool {
        !self.revoked && t.is_none_or(|t| self.validity_at(t) == Validity::Valid)
    }
}

/// A compact key for an id: its UUID (ids are checked to be `type--UUID`), else a hash.
pub(crate) fn id_key(id: &str) -> u128 {
    match id.rsplit_once("--").and_then(|(_, u)| uuid::Uuid::parse_str(u).ok()) {
        Some(u) => u.as_u128(),
        None => {
            use std::hash::{Hash, Hasher};
            let mut h = rustc_hash::FxHasher::default();
            id.hash(&mut h);
            u128::from(h.finish()) | (1u128 << 127)
        }
    }
}

/// A problem with one object or line; the rest of the file still loads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IntelError {
    pub origin: Origin,
    pub message: String,
}

impl std::fmt::Display for IntelError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.origin, self.message)
    }
}

/// A CISA Known Exploited Vulnerabilities entry.
#[derive(Debug, Clone)]
pub struct KevEntry {
    pub cve: String,
    pub vendor: String,
    pub product: String,
    pub name: String,
    pub date_added: String,
    pub ransomware: bool,
}

/// Everything loaded from the intelligence files.
#[derive(Debug, Default)]
pub struct IntelSet {
    pub indicators: Vec<Indicator>,
    /// Other STIX objects (SDOs, SROs, markings) by id, newest `modified` kept.
    pub objects: BTreeMap<String, Value>,
    pub allowlists: Vec<Allowlist>,
    pub kev: Vec<KevEntry>,
    pub errors: Vec<IntelError>,
    /// Objects or entries replaced by a newer version of the same id.
    pub superseded: usize,
    /// Files read, with the format each was read as.
    pub files: Vec<(String, &'static str)>,
    /// STIX indicators whose pattern is not STIX (Snort, YARA …): kept as objects, not evaluated.
    pub non_stix_patterns: usize,
    /// MISP attributes not meant for detection (`to_ids` false) or not observables.
    pub misp_skipped: usize,
}

impl IntelSet {
    /// Count of STIX objects per type (indicators included).
    pub fn object_counts(&self) -> BTreeMap<String, usize> {
        let mut out: BTreeMap<String, usize> = BTreeMap::new();
        for o in self.objects.values() {
            if let Some(t) = o.get("type").and_then(Value::as_str) {
                *out.entry(t.to_string()).or_default() += 1;
            }
        }
        if !self.indicators.is_empty() {
            *out.entry("indicator".into()).or_default() += self.indicators.len();
        }
        out
    }

    /// Indicators per observable kind (`pattern` for those that are not one observable).
    pub fn indicator_kinds(&self) -> BTreeMap<&'static str, usize> {
        let mut out = BTreeMap::new();
        for i in &self.indicators {
            let k = match i.kind() {
                Some(k) => k.name(),
                None => crate::atoms::atoms(&i.stix_pattern)
                    .and_then(|a| {
                        let first = a.first()?.kind;
                        Some(if a.iter().all(|x| x.kind == first) { first.name() } else { "several observables" })
                    })
                    .unwrap_or("pattern"),
            };
            *out.entry(k).or_default() += 1;
        }
        out
    }

    /// Indicators per validity at `now`.
    pub fn validity_counts(&self, now: i64) -> BTreeMap<Validity, usize> {
        let mut out = BTreeMap::new();
        for i in &self.indicators {
            *out.entry(i.validity_at(now)).or_default() += 1;
        }
        out
    }

    /// Adds an indicator; of two with one id, the newer `modified` wins (STIX 2.1 §3.6).
    pub(crate) fn add_indicator(&mut self, ind: Indicator, by_id: &mut rustc_hash::FxHashMap<u128, usize>) {
        let key = id_key(&ind.id);
        match by_id.get(&key) {
            Some(&i) => {
                self.superseded += 1;
                if ind.modified >= self.indicators[i].modified {
                    self.indicators[i] = ind;
                }
            }
            None => {
                by_id.insert(key, self.indicators.len());
                self.indicators.push(ind);
            }
        }
    }

    pub(crate) fn add_object(&mut self, id: String, obj: Value) {
        let modified = |v: &Value| v.get("modified").and_then(Value::as_str).map(String::from);
        match self.objects.get(&id) {
            Some(old) => {
                self.superseded += 1;
                if modified(&obj) >= modified(old) {
                    self.objects.insert(id, obj);
                }
            }
            None => {
                self.objects.insert(id, obj);
            }
        }
    }
}
