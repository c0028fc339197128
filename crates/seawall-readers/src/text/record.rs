//! Building an event's fields: nested ECS-style objects set by dotted path.

use seawall_core::Map;
use seawall_core::Text;
use seawall_core::Value;

/// Fields of one event under construction.
#[derive(Default, Debug)]
pub struct Record {
    pub fields: Map,
}

impl Record {
    /// A record around fields built elsewhere.
    pub fn from_fields(fields: Map) -> Record {
        Record { fields }
    }

    /// Sets a value at a dotted path (`source.ip`), creating the objects on the way; a
    /// non-object in the way is replaced.
    pub fn set(&mut self, path: &str, value: impl Into<Value>) {
        let mut map = &mut self.fields;
        let mut rest = path;
        // A byte scan: paths are short, where `split_once` costs more than the search.
        while let Some(dot) = rest.bytes().position(|b| b == b'.') {
            let (part, tail) = (&rest[..dot], &rest[dot + 1..]);
            let Some(m) = object_in(map.entry_or_insert_with(part, || Value::Object(Map::new()))) else { return };
            map = m;
            rest = tail;
        }
        map.insert(rest.into(), value.into());
    }

    /// Sets `object.key` (as `set("object.key", value)`) from literal names. Inlined so both
    /// names become constant keys: building a key from text at run time writes it byte by byte
    /// and then reads it back a word at a time, which stalls the processor on every field.
    #[inline(always)]
    pub fn put(&mut self, object: &'static str, key: &'static str, value: impl Into<Value>) {
        self.put_keys(Text::const_new(object), Text::const_new(key), value.into());
    }

    /// Sets a top-level key from a literal name (see `put`).
    #[inline(always)]
    pub fn put_top(&mut self, key: &'static str, value: impl Into<Value>) {
        self.fields.insert(Text::const_new(key), value.into());
    }

    fn put_keys(&mut self, object: Text, key: Text, value: Value) {
        // Room for the keys readers usually set, so the object does not grow while being set
        // (worked out only when the object is made).
        let room = |object: &Text| if object == "event" || object == "cisco" { 8 } else { 4 };
        let slot = self.fields.entry_or_insert_text(object, |object| Value::Object(Map::with_capacity(room(object))));
        if let Some(m) = object_in(slot) {
            m.insert(key, value);
        }
    }

    /// Sets a string unless it is empty or a placeholder (`-`).
    pub fn text(&mut self, path: &str, value: &str) {
        if let Some(v) = present(value) {
            self.set(path, v);
        }
    }

    /// Sets a number when the text is one, else the text.
    pub fn number(&mut self, path: &str, value: &str) {
        if let Some(v) = number_value(value) {
            self.set(path, v);
        }
    }

    /// An address under `prefix` (`source.ip`, `source.port`, or `source.address` when it is
    /// not an IP address), split into IP and port when written `ip:port`, `ip(port)` or
    /// `[v6]:port`.
    #[inline(always)]
    pub fn endpoint(&mut self, prefix: &'static str, value: &str) {
        self.endpoint_under(Text::const_new(prefix), value);
    }

    fn endpoint_under(&mut self, prefix: Text, value: &str) {
        let v = value.trim().trim_end_matches([',', '.']);
        let (ip, port) = split_endpoint(v);
        if ip.parse::<std::net::IpAddr>().is_ok() {
            self.put_keys(prefix.clone(), Text::const_new("ip"), ip.into());
        } else if let Some(text) = present(ip) {
            self.put_keys(prefix.clone(), Text::const_new("address"), text.into());
        }
        if let Some(p) = port.and_then(|p| p.parse::<u16>().ok()) {
            self.put_keys(prefix, Text::const_new("port"), p.into());
        }
    }

    /// `put` of a string unless it is empty or a placeholder (`-`).
    #[inline(always)]
    pub fn put_text(&mut self, object: &'static str, key: &'static str, value: &str) {
        if let Some(v) = present(value) {
            self.put_keys(Text::const_new(object), Text::const_new(key), v.into());
        }
    }

    /// `put` of a number when the text is one, else of the text.
    #[inline(always)]
    pub fn put_number(&mut self, object: &'static str, key: &'static str, value: &str) {
        if let Some(v) = number_value(value) {
            self.put_keys(Text::const_new(object), Text::const_new(key), v);
        }
    }

    /// Copies the value at `from` (if any) to `to`.
    pub fn copy(&mut self, from: &str, to: &str) {
        if let Some(v) = self.get(from).cloned() {
            self.set(to, v);
        }
    }

    /// The value at a dotted path, as a flat key (`"id.orig_h"`, as Zeek writes) or nested.
    pub fn get(&self, path: &str) -> Option<&Value> {
        if let Some(v) = self.fields.get(path) {
            return Some(v);
        }
        let mut parts = path.split('.');
        let mut cur = self.fields.get(parts.next()?)?;
        for p in parts {
            cur = cur.get(p)?;
        }
        Some(cur)
    }

    pub fn into_value(self) -> Value {
        Value::Object(self.fields)
    }
}

/// The object in `slot`, put in place of whatever non-object was there.
fn object_in(slot: &mut Value) -> Option<&mut Map> {
    if !slot.is_object() {
        *slot = Value::Object(Map::new());
    }
    match slot {
        Value::Object(m) => Some(m),
        _ => None,
    }
}

/// The trimmed text unless it is empty or a placeholder (`-`).
fn present(value: &str) -> Option<&str> {
    let v = value.trim();
    (!v.is_empty() && v != "-").then_some(v)
}

/// A number when the text is one, else the text; nothing for empty text or a placeholder (`-`).
pub fn number_value(value: &str) -> Option<Value> {
    let v = present(value)?;
    Some(if let Ok(n) = v.parse::<u64>() {
        n.into()
    } else if let Ok(n) = v.parse::<i64>() {
        n.into()
    } else if let Some(n) = v.parse::<f64>().ok().and_then(seawall_core::Number::from_f64) {
        Value::Number(n)
    } else {
        v.into()
    })
}

/// Splits `1.2.3.4:80`, `1.2.3.4(80)`, `1.2.3.4/80`, `[::1]:80`; a bare IPv6 address keeps its colons.
pub fn split_endpoint(v: &str) -> (&str, Option<&str>) {
    if let Some(open) = super::bytes::find(v, b'(') {
        if v.ends_with(')') {
            return (&v[..open], Some(&v[open + 1..v.len() - 1]));
        }
    }
    if let Some(rest) = v.strip_prefix('[') {
        if let Some((ip, after)) = rest.split_once(']') {
            return (ip, after.strip_prefix(':'));
        }
    }
    if v.parse::<std::net::IpAddr>().is_ok() {
        return (v, None);
    }
    if let Some((ip, port)) = v.rsplit_once([':', '/']) {
        if ip.parse::<std::net::Ipv4Addr>().is_ok() && port.bytes().all(|b| b.is_ascii_digit()) {
            return (ip, Some(port));
        }
    }
    (v, None)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builds_nested_fields() {
        let mut r = Record::default();
        r.set("source.ip", "10.0.0.1");
        r.number("source.port", "22");
        r.text("user.name", "-");
        r.endpoint("destination", "192.0.2.1(443)");
        r.endpoint("client", "[2001:db8::1]:8080");
        let v = r.into_value();
        assert_eq!(v["source"]["ip"], "10.0.0.1");
        assert_eq!(v["source"]["port"], 22);
        assert!(v.get("user").is_none());
        assert_eq!(v["destination"]["port"], 443);
        assert_eq!(v["client"]["ip"], "2001:db8::1");
        assert_eq!(split_endpoint("2001:db8::1"), ("2001:db8::1", None));
        assert_eq!(split_endpoint("10.1.1.1:64999"), ("10.1.1.1", Some("64999")));
    }
}
