//! MISP events (`{"Event": …}` or the event itself): attributes marked `to_ids` become
//! indicators, from the event and from its objects; composite types (`domain|ip`,
//! `filename|md5`, `ip-dst|port`) give one indicator per part that is an observable. Attributes
//! not meant for detection (`to_ids` false) and non-observable types (text, links, sizes) are
//! counted, not loaded.

use serde_json::Value;

use crate::load::Loader;
use crate::model::{Indicator, Origin};
use crate::observable::{Observable, ObservableKind};

fn kinds_of(misp_type: &str) -> Option<Vec<Option<ObservableKind>>> {
    use ObservableKind as K;
    let one = |k| Some(vec![Some(k)]);
    match misp_type {
        "ip-src" | "ip-dst" => one(K::Ipv4),
        "domain" | "hostname" => one(K::Domain),
        "url" | "uri" => one(K::Url),
        "md5" => one(K::Md5),
        "sha1" => one(K::Sha1),
        "sha256" => one(K::Sha256),
        "sha512" => one(K::Sha512),
        "filename" => one(K::FileName),
        "email" | "email-src" | "email-dst" => one(K::Email),
        "phone-number" => one(K::Phone),
        "domain|ip" => Some(vec![Some(K::Domain), Some(K::Ipv4)]),
        "hostname|port" => Some(vec![Some(K::Domain), None]),
        "ip-src|port" | "ip-dst|port" => Some(vec![Some(K::Ipv4), None]),
        "filename|md5" => Some(vec![Some(K::FileName), Some(K::Md5)]),
        "filename|sha1" => Some(vec![Some(K::FileName), Some(K::Sha1)]),
        "filename|sha256" => Some(vec![Some(K::FileName), Some(K::Sha256)]),
        _ => None,
    }
}

pub(crate) fn load(loader: &mut Loader, file: &str, doc: &Value) {
    let event = doc.get("Event").unwrap_or(doc);
    let info = event.get("info").and_then(Value::as_str).unwrap_or("MISP event").to_string();
    let tags: Vec<String> = event
        .get("Tag")
        .and_then(Value::as_array)
        .map(|t| t.iter().filter_map(|x| x.get("name").and_then(Value::as_str).map(String::from)).collect())
        .unwrap_or_default();
    let mut attrs: Vec<(String, &Value)> = Vec::new();
    for (i, a) in event.get("Attribute").and_then(Value::as_array).into_iter().flatten().enumerate() {
        attrs.push((format!("attribute {}", i + 1), a));
    }
    for (j, o) in event.get("Object").and_then(Value::as_array).into_iter().flatten().enumerate() {
        for (i, a) in o.get("Attribute").and_then(Value::as_array).into_iter().flatten().enumerate() {
            attrs.push((format!("object {} attribute {}", j + 1, i + 1), a));
        }
    }
    for (place, a) in attrs {
        if a.get("deleted").and_then(Value::as_bool) == Some(true) {
            continue;
        }
        let ty = a.get("type").and_then(Value::as_str).unwrap_or("");
        let Some(value) = a.get("value").and_then(Value::as_str) else {
            loader.error(file, &place, "attribute without a string 'value'");
            continue;
        };
        let Some(kinds) = kinds_of(ty) else {
            loader.set.misp_skipped += 1;
            continue;
        };
        if a.get("to_ids").and_then(Value::as_bool) != Some(true) {
            loader.set.misp_skipped += 1;
            continue;
        }
        let parts: Vec<&str> = if kinds.len() > 1 { value.splitn(kinds.len(), '|').collect() } else { vec![value] };
        if parts.len() != kinds.len() {
            loader.error(file, &place, &format!("'{value}' does not have the {} parts of type {ty}", kinds.len()));
            continue;
        }
        for (kind, part) in kinds.iter().zip(parts) {
            let Some(kind) = kind else { continue };
            let Some(obs) = Observable::of_kind(*kind, part) else {
                loader.error(file, &place, &format!("'{part}' is not a valid {ty}"));
                continue;
            };
            let uuid = a.get("uuid").and_then(Value::as_str).unwrap_or("");
            let id = match uuid::Uuid::parse_str(uuid) {
                Ok(u) if kinds.len() == 1 => format!("indicator--{u}"),
                _ => crate::ioc_list::entry_id(obs.kind, &obs.value),
            };
            let mut labels = tags.clone();
            if let Some(c) = a.get("category").and_then(Value::as_str) {
                labels.push(format!("misp-category:{c}"));
            }
            let comment = a.get("comment").and_then(Value::as_str).filter(|c| !c.is_empty());
            loader.add_indicator(Indicator {
                id,
                name: Some(format!("{info}: {} {}", obs.kind.name(), obs.value)),
                description: comment.map(String::from),
                labels,
                confidence: None,
                valid_from: None,
                valid_until: None,
                revoked: false,
                modified: a.get("timestamp").and_then(Value::as_str).map(String::from),
                stix_pattern: String::new(),
                observable: Some(obs),
                indicates: Vec::new(),
                origin: Origin { file: file.into(), place: place.clone() },
            });
        }
    }
}
