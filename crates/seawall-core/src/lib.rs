//! Seawall's shared vocabulary: the event model every reader produces, the finding shape every
//! detector emits, severity levels and the run tally.

mod bytes;
mod event;
mod finding;
mod level;
mod stix_id;
mod subscriber;
mod tally;
mod timefmt;
mod value;

pub use bytes::{ends_with_bytes, same_bytes, starts_with_bytes};
pub use compact_str::{format_compact, ToCompactString};
pub use event::{Event, EventKind, Place, SourceRef};
pub use finding::{Entities, EvidenceRef, Finding, FindingSource};
pub use level::{Level, ParseLevelError};
pub use stix_id::content_id;
pub use subscriber::{normalise_subscriber, subscriber_id};
pub use tally::{RejectedRecord, Tally};
pub use timefmt::rfc3339;
pub use value::{Map, Number, Text, Value, ValueIndex};

#[doc(hidden)]
pub use serde_json as __serde_json;

/// Builds a [`Value`] with `serde_json::json!` syntax (for tests and fixed fields).
#[macro_export]
macro_rules! json {
    ($($t:tt)+) => {
        $crate::Value::from($crate::__serde_json::json!($($t)+))
    };
}
