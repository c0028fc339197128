use std::fmt;
use std::sync::Arc;

use crate::Value;

/// What kind of record an event came from; readers set it, detectors may route on it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum EventKind {
    /// A JSON object from a JSON-lines file or a stream of concatenated JSON values.
    Json,
    /// A Windows event log record.
    Evtx,
    /// A syslog line (servers, network devices).
    Syslog,
    /// A Zeek log record in TSV form.
    Zeek,
    /// A flow record (NetFlow / IPFIX).
    Flow,
    /// A line of another timestamped text log.
    Text,
    /// An audit record (lawful-interception administration, call-record access).
    Audit,
}

/// Where inside a file an event was found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Place {
    /// 1-based line number where the record starts (text formats).
    Line(u64),
    /// Record number (binary formats such as EVTX: the event record id).
    Record(u64),
}

impl fmt::Display for Place {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Place::Line(n) => write!(f, "line {n}"),
            Place::Record(n) => write!(f, "record {n}"),
        }
    }
}

/// A file plus a place inside it.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct SourceRef {
    pub file: Arc<str>,
    pub place: Place,
}

impl fmt::Display for SourceRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.file, self.place)
    }
}

/// One parsed record of evidence.
#[derive(Debug, Clone)]
pub struct Event {
    /// Event time in UTC when the record carries one.
    pub timestamp: Option<jiff::Timestamp>,
    pub source: SourceRef,
    pub kind: EventKind,
    /// The record's own fields, nested as they were.
    pub fields: Value,
}

impl Event {
    /// Looks a dotted path up in the fields (`Event.System.Channel`). A segment is tried whole
    /// first, so keys that themselves contain dots still resolve when given as one segment.
    pub fn get_path(&self, path: &str) -> Option<&Value> {
        lookup_dotted(&self.fields, path)
    }
}

/// Resolves `a.b.c` inside nested maps, preferring the longest key that exists at each level
/// (ECS-style flattened keys like `"process.name"` sit beside nested ones in real data).
pub fn lookup_dotted<'a>(root: &'a Value, path: &str) -> Option<&'a Value> {
    let map = root.as_object()?;
    if let Some(v) = map.get(path) {
        return Some(v);
    }
    for (pos, _) in path.rmatch_indices('.') {
        if let Some(v) = map.get(&path[..pos]) {
            if let Some(found) = lookup_dotted(v, &path[pos + 1..]) {
                return Some(found);
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::json;

    #[test]
    fn dotted_lookup_handles_nested_and_flattened_keys() {
        let v = json!({"Event": {"System": {"EventID": 4688}}, "process.name": "a.exe",
                        "winlog": {"event_data.x": 1}});
        assert_eq!(lookup_dotted(&v, "Event.System.EventID"), Some(&json!(4688)));
        assert_eq!(lookup_dotted(&v, "process.name"), Some(&json!("a.exe")));
        assert_eq!(lookup_dotted(&v, "winlog.event_data.x"), Some(&json!(1)));
        assert_eq!(lookup_dotted(&v, "Event.System.Nope"), None);
        assert_eq!(lookup_dotted(&v, "Event"), v.get("Event"));
    }
}
