//! Seawall's shared vocabulary: the event model every reader produces, the finding shape every
//! detector emits, severity levels and the run tally.

mod event;
mod finding;
mod level;
mod stix_id;
mod subscriber;
mod tally;

pub use event::{Event, EventKind, Place, SourceRef};
pub use finding::{Entities, EvidenceRef, Finding, FindingSource};
pub use level::{Level, ParseLevelError};
pub use stix_id::content_id;
pub use subscriber::{normalise_subscriber, subscriber_id};
pub use tally::{RejectedRecord, Tally};

/// Field values of an event: nested and typed (string, number, bool, null, list, map).
pub type Value = serde_json::Value;
