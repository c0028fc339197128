//! Threat intelligence for Seawall: loading STIX 2.1 bundles, IOC lists, MISP events and
//! warninglists and the CISA KEV catalogue ([`load_paths`]); the IOC index that matches atomic
//! indicators against every event field, and the STIX evaluator for the other patterns
//! ([`IntelMatcher`]).

pub mod allowlist;
pub mod atoms;
mod event_values;
mod filter;
pub mod index;
mod ioc_list;
pub mod kev_products;
pub mod load;
mod matcher;
mod misp;
pub mod model;
pub mod observable;
pub mod prefix;
mod scos;
mod stix_bundle;

pub use event_values::{scan_event, ValueHit};
pub use index::{How, IocIndex};
pub use ioc_list::entry_id;
pub use load::{load_paths, Loader};
pub use matcher::{kev_id, EventIntel, IntelMatcher, KeptEvent, KEV_PRODUCT_LABEL, MAX_SEQUENCE_EVENTS};
pub use model::{Indicator, IntelError, IntelSet, KevEntry, Origin, Validity};
pub use observable::{Observable, ObservableKind};
pub use scos::event_objects;
