//! Observed data as the matcher sees it: a list of observations, each with its time interval,
//! its count (`number_observed`) and the Cyber Observable objects it holds.

use serde_json::Value;

use super::time::parse_timestamp;
use super::{prop, MatchError};

/// Whether a type is one of the STIX 2.1 SDO/SRO types: an observation's objects of these
/// types are never the root of a comparison (they can still be reached through a reference).
pub(crate) fn is_non_sco(object_type: &str) -> bool {
    // A `match` on the texts: the compiler sorts them by length first.
    matches!(
        object_type,
        "attack-pattern"
            | "bundle"
            | "campaign"
            | "course-of-action"
            | "extension-definition"
            | "grouping"
            | "identity"
            | "incident"
            | "indicator"
            | "infrastructure"
            | "intrusion-set"
            | "language-content"
            | "location"
            | "malware"
            | "malware-analysis"
            | "marking-definition"
            | "note"
            | "observed-data"
            | "opinion"
            | "relationship"
            | "report"
            | "threat-actor"
            | "tool"
            | "sighting"
            | "vulnerability"
    )
}

/// One `observed-data`: what was seen, when, and how often.
#[derive(Debug, Clone)]
pub struct Observation<'a> {
    /// `first_observed` and `last_observed`, microseconds since 1970 (UTC).
    pub first: i64,
    pub last: i64,
    pub count: u32,
    /// The objects, by id (STIX 2.1) or by key of the `objects` dictionary (2.0).
    pub objects: Vec<(&'a str, &'a Value)>,
    /// Whether non-SCO types are excluded as comparison roots (STIX 2.1).
    pub(crate) sco_only: bool,
    /// Each object's `type`, read once, with its [`type_key`].
    types: Vec<(u64, &'a str)>,
    /// [`type_bit`] of every object's type, or-ed.
    type_bits: u64,
}

/// A hash of an object type: the matcher compares these before the names, so most objects
/// of other types are passed over without comparing strings.
pub(crate) fn type_key(object_type: &str) -> u64 {
    // FNV-1a: types are short, and the hash only needs to separate them.
    object_type.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3))
}

/// One bit standing for the types with this [`type_key`] (and others: 64 bits for all types):
/// an observation none of whose objects has a type's bit holds no object of that type.
pub(crate) fn type_bit(key: u64) -> u64 {
    1 << (key % 64)
}

impl<'a> Observation<'a> {
    /// An observation built by the caller (for events turned into SCOs).
    pub fn new(first: i64, last: i64, count: u32, objects: Vec<(&'a str, &'a Value)>) -> Self {
        Observation::with_objects(first, last, count.max(1), objects, true)
    }

    fn with_objects(first: i64, last: i64, count: u32, objects: Vec<(&'a str, &'a Value)>, sco_only: bool) -> Self {
        let types: Vec<(u64, &str)> = objects
            .iter()
            .map(|(_, o)| {
                let t = prop(o, "type").and_then(Value::as_str).unwrap_or("");
                (type_key(t), t)
            })
            .collect();
        let type_bits = types.iter().fold(0, |bits, (k, _)| bits | type_bit(*k));
        Observation { first, last, count, objects, sco_only, types, type_bits }
    }

    /// Whether some object may have a type whose [`type_bit`] is in `bits` (false: none has).
    pub(crate) fn may_have_types(&self, bits: u64) -> bool {
        self.type_bits & bits != 0
    }

    /// The objects of a type among `objects[range]` (`key` is its [`type_key`]); `non_sco`
    /// says whether the type is an SDO/SRO type (which STIX 2.1 observations never take as
    /// comparison roots).
    pub(crate) fn roots<'s>(
        &'s self,
        range: std::ops::Range<usize>,
        object_type: &'s str,
        key: u64,
        non_sco: bool,
    ) -> impl Iterator<Item = (usize, &'a Value)> + 's {
        let none = (self.sco_only && non_sco) || !self.may_have_types(type_bit(key));
        let range = if none { 0..0 } else { range };
        let start = range.start;
        self.types[range]
            .iter()
            .zip(start..)
            .filter(move |((k, t), _)| *k == key && super::same(t, object_type))
            .map(|(_, i)| (i, self.objects[i].1))
    }

    /// Every object with its type's [`type_key`] and name, in order.
    pub(crate) fn typed_objects(&self) -> impl Iterator<Item = (u64, &'a str, &'a Value)> + '_ {
        self.types.iter().zip(&self.objects).map(|((k, t), (_, o))| (*k, *t, *o))
    }

    /// Whether any object has this type.
    pub fn has_type(&self, object_type: &str) -> bool {
        let key = type_key(object_type);
        self.types.iter().any(|(k, t)| *k == key && *t == object_type)
    }

    /// The objects with this id.
    pub(crate) fn resolved<'s>(&'s self, id: &'s str) -> impl Iterator<Item = &'a Value> + 's {
        self.objects.iter().filter(move |(k, _)| *k == id).map(|(_, o)| *o)
    }
}

fn observed_times(sdo: &Value, version: &str) -> Result<(i64, i64, u32), MatchError> {
    let (Some(n), Some(first), Some(last)) =
        (prop(sdo, "number_observed"), prop(sdo, "first_observed"), prop(sdo, "last_observed"))
    else {
        return Err(MatchError::Data(format!(
            "STIX {version} observed-data must have number_observed, first_observed and last_observed"
        )));
    };
    let n = n.as_i64().ok_or_else(|| MatchError::Data(format!("number_observed is not an integer: {n}")))?;
    if n < 1 {
        return Err(MatchError::Data(format!("observed-data with invalid number_observed (must be >= 1): {n}")));
    }
    let time = |v: &Value| {
        v.as_str()
            .and_then(parse_timestamp)
            .ok_or_else(|| MatchError::Data(format!("invalid timestamp in observed-data: {v}")))
    };
    Ok((time(first)?, time(last)?, u32::try_from(n).unwrap_or(u32::MAX)))
}

fn id_of(o: &Value) -> Option<&str> {
    prop(o, "id").and_then(Value::as_str)
}

/// The observations of a list of STIX 2.1 bundles. As the OASIS reference does, the bundles are
/// merged first; each `observed-data` then holds itself and the objects its `object_refs` name.
pub fn observations_v21(bundles: &[Value]) -> Result<Vec<Observation<'_>>, MatchError> {
    let mut all: Vec<&Value> = Vec::new();
    let mut any_objects = false;
    for b in bundles {
        if let Some(objs) = prop(b, "objects").and_then(Value::as_array) {
            any_objects = true;
            all.extend(objs);
        }
    }
    if !any_objects {
        return Err(MatchError::Data("a STIX 2.1 bundle must have 'objects'".into()));
    }
    // The last object with an id wins.
    let mut by_id: rustc_hash::FxHashMap<&str, &Value> =
        rustc_hash::FxHashMap::with_capacity_and_hasher(all.len(), Default::default());
    for o in all.iter().filter(|o| prop(o, "type").and_then(Value::as_str) != Some("observed-data")) {
        if let Some(id) = id_of(o) {
            by_id.insert(id, *o);
        }
    }
    let mut out = Vec::new();
    for sdo in all.iter().filter(|o| prop(o, "type").and_then(Value::as_str) == Some("observed-data")) {
        let (first, last, count) = observed_times(sdo, "2.1")?;
        let refs = prop(sdo, "object_refs")
            .and_then(Value::as_array)
            .ok_or_else(|| MatchError::Data("a STIX 2.1 observed-data must have 'object_refs'".into()))?;
        let mut objects: Vec<(&str, &Value)> = Vec::with_capacity(refs.len() + 1);
        objects.push((id_of(sdo).unwrap_or(""), *sdo));
        for r in refs.iter().filter_map(Value::as_str) {
            if let Some(o) = by_id.get(r) {
                if !objects.iter().any(|(k, _)| *k == r) {
                    objects.push((r, *o));
                }
            }
        }
        out.push(Observation::with_objects(first, last, count, objects, true));
    }
    Ok(out)
}

/// The observations of a list of STIX 2.0 `observed-data` SDOs with embedded `objects`.
pub fn observations_v20(sdos: &[Value]) -> Result<Vec<Observation<'_>>, MatchError> {
    let mut out = Vec::new();
    for sdo in sdos {
        let (first, last, count) = observed_times(sdo, "2.0")?;
        let objects = match prop(sdo, "objects").and_then(Value::as_object) {
            Some(m) => m.iter().map(|(k, v)| (k.as_str(), v)).collect(),
            None => Vec::new(),
        };
        out.push(Observation::with_objects(first, last, count, objects, false));
    }
    Ok(out)
}
