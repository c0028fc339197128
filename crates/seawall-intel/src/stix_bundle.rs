//! STIX 2.0/2.1 bundles (or a bare list of objects, or one object): indicators are checked and
//! parsed, other objects are kept by id. Each bad object is reported with its index and id and
//! skipped; the rest of the bundle loads.

use serde_json::Value;

use crate::load::Loader;
use crate::model::{Indicator, Origin};

/// STIX 2.1 object types that are SCOs (they need no `created`/`modified`).
const SCO_TYPES: &[&str] = &[
    "artifact",
    "autonomous-system",
    "directory",
    "domain-name",
    "email-addr",
    "email-message",
    "file",
    "ipv4-addr",
    "ipv6-addr",
    "mac-addr",
    "mutex",
    "network-traffic",
    "process",
    "software",
    "url",
    "user-account",
    "windows-registry-key",
    "x509-certificate",
];

fn valid_id(id: &str, ty: &str) -> bool {
    let Some(uuid) = id.strip_prefix(ty).and_then(|r| r.strip_prefix("--")) else { return false };
    uuid::Uuid::parse_str(uuid).is_ok()
}

fn time(v: &Value, key: &str) -> Result<Option<i64>, String> {
    match v.get(key) {
        None => Ok(None),
        Some(Value::String(s)) => seawall_stix::matcher::parse_timestamp(s)
            .map(Some)
            .ok_or_else(|| format!("'{key}' is not a STIX timestamp: {s}")),
        Some(other) => Err(format!("'{key}' is not a string: {other}")),
    }
}

fn strings(v: &Value, key: &str) -> Vec<String> {
    v.get(key)
        .and_then(Value::as_array)
        .map(|a| a.iter().filter_map(|x| x.as_str().map(String::from)).collect())
        .unwrap_or_default()
}

/// Checks an object and, for an indicator, builds it. `Err` names what is wrong.
fn check(obj: &Value, bundle_version: Option<&str>) -> Result<Option<Indicator>, String> {
    let Value::Object(m) = obj else { return Err("not a JSON object".into()) };
    let ty = m.get("type").and_then(Value::as_str).ok_or("missing required property 'type'")?;
    let id = m.get("id").and_then(Value::as_str).ok_or("missing required property 'id'")?;
    if !valid_id(id, ty) {
        return Err(format!("'id' must be '{ty}--' followed by a UUID: {id}"));
    }
    let version = m.get("spec_version").and_then(Value::as_str).or(bundle_version).unwrap_or("2.1");
    let is_sco = SCO_TYPES.contains(&ty) || (ty.starts_with("x-") && !m.contains_key("created"));
    // SCOs may leave spec_version out (it defaults to 2.1); SDOs and SROs may not.
    if version == "2.1"
        && !is_sco
        && !m.contains_key("spec_version")
        && bundle_version.is_none()
        && ty != "marking-definition"
    {
        return Err("missing required property 'spec_version'".into());
    }
    if !is_sco && ty != "marking-definition" {
        for key in ["created", "modified"] {
            if !m.contains_key(key) {
                return Err(format!("missing required property '{key}'"));
            }
            time(obj, key)?;
        }
    }
    if ty != "indicator" {
        return Ok(None);
    }
    let pattern = m.get("pattern").and_then(Value::as_str).ok_or("missing required property 'pattern'")?;
    let pattern_type = m.get("pattern_type").and_then(Value::as_str);
    if version == "2.1" && pattern_type.is_none() {
        return Err("missing required property 'pattern_type'".into());
    }
    let valid_from = time(obj, "valid_from")?.ok_or("missing required property 'valid_from'")?;
    let valid_until = time(obj, "valid_until")?;
    if valid_until.is_some_and(|u| u <= valid_from) {
        return Err("'valid_until' must be later than 'valid_from'".into());
    }
    if pattern_type.unwrap_or("stix") == "stix" {
        if let Err(e) = seawall_stix::parse_pattern(pattern) {
            return Err(format!("pattern: at position {}: {} ({pattern})", e.position, e.message));
        }
    }
    let confidence = match m.get("confidence") {
        None => None,
        Some(c) => Some(
            c.as_u64()
                .filter(|c| *c <= 100)
                .map(|c| c as u8)
                .ok_or_else(|| format!("'confidence' must be 0 to 100: {c}"))?,
        ),
    };
    let mut labels = strings(obj, "indicator_types");
    labels.extend(strings(obj, "labels"));
    Ok(Some(Indicator {
        id: id.to_string(),
        name: m.get("name").and_then(Value::as_str).map(String::from),
        description: m.get("description").and_then(Value::as_str).map(String::from),
        labels,
        confidence,
        valid_from: Some(valid_from),
        valid_until,
        revoked: m.get("revoked").and_then(Value::as_bool).unwrap_or(false),
        modified: m.get("modified").and_then(Value::as_str).map(String::from),
        stix_pattern: if pattern_type.unwrap_or("stix") == "stix" { pattern.to_string() } else { String::new() },
        observable: None,
        indicates: Vec::new(),
        origin: Origin { file: "".into(), place: String::new() },
    }))
}

/// Loads the objects of a bundle (or list, or single object) read from `file`.
pub(crate) fn load(loader: &mut Loader, file: &str, doc: Value) {
    let (objects, bundle_version) = match doc {
        Value::Object(mut m) if m.get("type").and_then(Value::as_str) == Some("bundle") => {
            let v = m.get("spec_version").and_then(Value::as_str).map(String::from);
            match m.remove("objects") {
                Some(Value::Array(a)) => (a, v),
                Some(_) => {
                    loader.error(file, "bundle", "'objects' is not a list");
                    return;
                }
                None => (Vec::new(), v),
            }
        }
        Value::Array(a) => (a, None),
        other => (vec![other], None),
    };
    let mut indicates: Vec<(String, String)> = Vec::new();
    for (i, obj) in objects.into_iter().enumerate() {
        let id = obj.get("id").and_then(Value::as_str).unwrap_or("?").to_string();
        let place = format!("object {} ({id})", i + 1);
        match check(&obj, bundle_version.as_deref()) {
            Err(e) => loader.error(file, &place, &e),
            Ok(Some(mut ind)) => {
                if ind.stix_pattern.is_empty() {
                    // A Snort, YARA or Sigma indicator: kept as an object, not evaluated.
                    loader.set.non_stix_patterns += 1;
                    loader.set.add_object(id, obj);
                    continue;
                }
                ind.origin = Origin { file: file.into(), place };
                loader.add_indicator(ind);
            }
            Ok(None) => {
                if obj.get("type").and_then(Value::as_str) == Some("relationship")
                    && obj.get("relationship_type").and_then(Value::as_str) == Some("indicates")
                {
                    if let (Some(s), Some(t)) =
                        (obj.get("source_ref").and_then(Value::as_str), obj.get("target_ref").and_then(Value::as_str))
                    {
                        indicates.push((s.to_string(), t.to_string()));
                    }
                }
                loader.set.add_object(id, obj);
            }
        }
    }
    loader.pending_indicates.extend(indicates);
}
