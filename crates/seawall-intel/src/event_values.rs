//! Finding indicator values in an event: every string field is looked at by its shape (an
//! address, `ip:port`, a URL and its host, an e-mail address and its domain, a hash, a domain
//! name), file-name fields by name, subscriber identifiers from `seawall.subscribers`, and
//! free text (`message`) token by token.

use std::borrow::Cow;

use seawall_core::Value;
use seawall_stix::matcher::Net;

use crate::index::{How, IocIndex, Table};
use crate::observable::{is_domain, url_host};

/// One value of the event that met one indicator.
#[derive(Debug, Clone, PartialEq)]
pub struct ValueHit {
    pub indicator: u32,
    pub field: String,
    pub value: String,
    pub net: Option<Net>,
    pub how: How,
}

const FILE_NAME_FIELDS: &[&str] = &["file.name", "file.path", "process.name", "process.executable", "file.target_path"];
const TEXT_FIELDS: &[&str] = &["message", "event.original", "log.original"];

fn lower(s: &str) -> Cow<'_, str> {
    if s.bytes().any(|b| b.is_ascii_uppercase()) {
        Cow::Owned(s.to_ascii_lowercase())
    } else {
        Cow::Borrowed(s)
    }
}

/// An address, or `ip:port` / `[v6]:port`.
fn as_net(v: &str) -> Option<Net> {
    let first = *v.as_bytes().first()?;
    if !(first.is_ascii_hexdigit() || first == b':' || first == b'[') {
        return None;
    }
    // Every form taken here holds a ':' (IPv6, ports) or is IPv4, which holds a '.' and starts
    // with a digit: words that merely start with a hex digit (`deny`, `eth0`, `443`) and domain
    // names (`cdn.example.org`) are not parsed.
    let colon = v.bytes().any(|b| b == b':');
    let ipv4 = first.is_ascii_digit() && v.bytes().any(|b| b == b'.');
    if !(colon || ipv4) {
        return None;
    }
    if let Some(n) = Net::parse(v) {
        return Some(n);
    }
    if let Some(rest) = v.strip_prefix('[') {
        return Net::parse(rest.split(']').next()?);
    }
    let (host, port) = v.rsplit_once(':')?;
    (host.contains('.') && port.bytes().all(|b| b.is_ascii_digit())).then(|| Net::parse(host))?
}

/// `v` without surrounding white space; most values have none, which two byte tests show.
fn trimmed(v: &str) -> &str {
    let edge = |b: Option<&u8>| b.is_some_and(|&b| b.is_ascii() && !char::from(b).is_whitespace());
    if edge(v.as_bytes().first()) && edge(v.as_bytes().last()) {
        v
    } else {
        v.trim()
    }
}

fn is_hash(v: &str) -> bool {
    matches!(v.len(), 32 | 40 | 64 | 128) && v.bytes().all(|b| b.is_ascii_hexdigit())
}

/// CVE ids (`CVE-2023-20198`) in a text, upper-cased.
fn cve_ids(text: &str, mut f: impl FnMut(String)) {
    let b = text.as_bytes();
    let mut i = 0;
    while let Some(off) = b[i..].windows(4).position(|w| w.eq_ignore_ascii_case(b"cve-")) {
        let start = i + off;
        let rest = &b[start + 4..];
        let year = rest.iter().take_while(|c| c.is_ascii_digit()).count();
        if year == 4 && rest.get(4) == Some(&b'-') {
            let num = rest[5..].iter().take_while(|c| c.is_ascii_digit()).count();
            if num >= 4 {
                f(format!("CVE-{}", &text[start + 4..start + 9 + num]));
            }
        }
        i = start + 4;
    }
}

struct Scan<'a, 'e> {
    index: &'a IocIndex,
    /// The keys leading to the value being looked at; joined into a field name only for a hit.
    keys: Vec<&'e str>,
    found: Vec<(u32, How)>,
    out: &'a mut Vec<ValueHit>,
}

/// Whether `keys` joined by dots spell `dotted` (compared without joining them).
fn path_is(keys: &[&str], dotted: &str) -> bool {
    let mut rest = dotted.as_bytes();
    for (i, k) in keys.iter().enumerate() {
        if i > 0 {
            match rest.split_first() {
                Some((b'.', r)) => rest = r,
                _ => return false,
            }
        }
        match rest.strip_prefix(k.as_bytes()) {
            Some(r) => rest = r,
            None => return false,
        }
    }
    rest.is_empty()
}

impl<'e> Scan<'_, 'e> {
    fn emit(&mut self, value: &str, net: Option<Net>) {
        if self.found.is_empty() {
            return;
        }
        let field = self.keys.join(".");
        for (indicator, how) in self.found.drain(..) {
            self.out.push(ValueHit { indicator, field: field.clone(), value: value.to_string(), net, how });
        }
    }

    /// Looks one value up by its shape.
    fn value(&mut self, v: &str) {
        let v = trimmed(v);
        if v.len() < 3 {
            return;
        }
        let idx = self.index;
        if idx.has_ips() {
            if let Some(n) = as_net(v) {
                idx.ip(&n, &mut self.found);
                self.emit(v, Some(n));
                return;
            }
        }
        let b = v.as_bytes();
        // Byte loops, not `str` searches: values are short, and a `memchr` call costs more than
        // reading them.
        if b.iter().enumerate().any(|(i, &c)| c == b':' && b[i + 1..].starts_with(b"//")) {
            if idx.has(Table::Url) {
                let u = crate::observable::canonical_url(v);
                idx.exact(Table::Url, &u, &mut self.found);
                self.emit(v, None);
            }
            if let Some(host) = url_host(v) {
                self.host(host);
            }
            return;
        }
        if let Some((user, domain)) = b.iter().position(|&c| c == b'@').map(|at| (&v[..at], &v[at + 1..])) {
            if idx.has(Table::Email) && !user.is_empty() {
                idx.exact(Table::Email, &lower(v), &mut self.found);
                self.emit(v, None);
            }
            self.host(domain);
            return;
        }
        if idx.has(Table::Hash) && is_hash(v) {
            idx.exact(Table::Hash, &lower(v), &mut self.found);
            self.emit(v, None);
            return;
        }
        if idx.has(Table::Domain) && is_domain(v) {
            let d = lower(v.trim_end_matches('.'));
            idx.domain(&d, &mut self.found);
            self.emit(v, None);
        }
    }

    /// A host name or address (of a URL or an e-mail address).
    fn host(&mut self, host: &str) {
        if let Some(n) = Net::parse(host) {
            self.index.ip(&n, &mut self.found);
            self.emit(host, Some(n));
        } else if self.index.has(Table::Domain) && is_domain(host) {
            self.index.domain(&lower(host.trim_end_matches('.')), &mut self.found);
            self.emit(host, None);
        }
    }

    fn text(&mut self, text: &str) {
        let delims = |c: char| c.is_whitespace() || ",;\"'()[]<>{}=|`".contains(c);
        for tok in text.split(delims) {
            let tok = tok.trim_matches(|c: char| matches!(c, '.' | ':' | '!' | '?'));
            if tok.len() >= 3 && tok.bytes().any(|b| b == b'.' || b == b':' || b == b'@') || is_hash(tok) {
                self.value(tok);
            }
        }
    }

    fn walk(&mut self, v: &'e Value) {
        match v {
            Value::Object(m) => {
                for (k, child) in m {
                    // Strings are looked at here, and numbers skipped, without a call per value.
                    if matches!(child, Value::Number(_) | Value::Bool(_) | Value::Null) {
                        continue;
                    }
                    self.keys.push(k);
                    match child {
                        Value::String(s) => self.string(s),
                        _ => self.walk(child),
                    }
                    self.keys.pop();
                }
            }
            Value::Array(a) => a.iter().for_each(|x| self.walk(x)),
            Value::String(s) => self.string(s),
            _ => {}
        }
    }

    fn string(&mut self, s: &str) {
        // The joined length first: it rules out most special fields without a comparison.
        let len = self.keys.iter().map(|k| k.len()).sum::<usize>() + self.keys.len().saturating_sub(1);
        let at = |dotted: &str| dotted.len() == len && path_is(&self.keys, dotted);
        let (subscribers, file_name, text) = (
            at("seawall.subscribers"),
            self.index.has(Table::FileName) && FILE_NAME_FIELDS.iter().any(|f| at(f)),
            TEXT_FIELDS.iter().any(|f| at(f)),
        );
        if subscribers {
            if self.index.has(Table::Subscriber) {
                if let Some((_, digits)) = s.split_once(':') {
                    self.index.exact(Table::Subscriber, digits, &mut self.found);
                    self.emit(digits, None);
                }
            }
            return;
        }
        if file_name {
            let base = s.rsplit(['/', '\\']).next().unwrap_or(s);
            self.index.exact(Table::FileName, base, &mut self.found);
            self.emit(base, None);
        }
        if self.index.has(Table::Cve) && s.len() >= 13 {
            let mut cves = Vec::new();
            cve_ids(s, |cve| cves.push(cve));
            for cve in cves {
                self.index.exact(Table::Cve, &cve, &mut self.found);
                self.emit(&cve, None);
            }
        }
        if text || (s.len() > 64 && s.contains(' ')) {
            self.text(s);
        } else {
            self.value(s);
        }
    }
}

/// Every indicator value in the event's fields, with the field it was in.
pub fn scan_event(fields: &Value, index: &IocIndex, out: &mut Vec<ValueHit>) {
    if index.is_empty() {
        return;
    }
    let mut s = Scan { index, keys: Vec::with_capacity(8), found: Vec::new(), out };
    s.walk(fields);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::observable::Observable;

    #[test]
    fn fast_paths_agree_with_the_general_ones() {
        let values = [
            "10.0.0.1",
            " 10.0.0.1\t",
            "\u{b}x\u{b}",
            "\u{a0}y",
            "deny",
            "eth0",
            "443",
            "::1",
            "[::1]:22",
            "[2001:db8::1]:443",
            "10.1.2.3:8080",
            "10.0.0.0/8",
            "2001:db8::/32",
            "a.b:80",
            "cdn.example.org",
            "2024-10-01T10:00:00Z",
            "fe80::1%eth0",
            "",
        ];
        for v in values {
            assert_eq!(trimmed(v), v.trim(), "{v:?}");
            let t = v.trim();
            let general = Net::parse(t).or_else(|| {
                let (host, port) = t.rsplit_once(':')?;
                (host.contains('.') && port.bytes().all(|b| b.is_ascii_digit())).then(|| Net::parse(host))?
            });
            let bracketed = t.strip_prefix('[').and_then(|r| Net::parse(r.split(']').next()?));
            assert_eq!(as_net(t), general.or(bracketed), "{v:?}");
        }
    }

    #[test]
    fn key_paths_compare_as_their_joined_names() {
        assert!(path_is(&["seawall", "subscribers"], "seawall.subscribers"));
        assert!(path_is(&["file.name"], "file.name"), "a flattened key");
        assert!(path_is(&["event", "original"], "event.original"));
        assert!(path_is(&["message"], "message"));
        assert!(!path_is(&["message", "x"], "message"));
        assert!(!path_is(&["file", "names"], "file.name"));
        assert!(!path_is(&["filename"], "file.name"));
        assert!(!path_is(&["log"], "log.original"));
        assert!(path_is(&[], ""));
    }

    #[test]
    fn finds_values_by_shape_in_fields_and_text() {
        let mut idx = IocIndex::default();
        for (i, v) in
            ["203.0.113.7", "bad.example", "0cc175b9c0f1b6a831c399e269772661", "+15550100001", "x@evil.example"]
                .iter()
                .enumerate()
        {
            idx.insert(&Observable::recognise(v).unwrap(), i as u32);
        }
        let ev = seawall_core::json!({
            "source": {"ip": "203.0.113.7"},
            "url": {"original": "https://cdn.Bad.Example/x"},
            "message": "Accepted password for root from 203.0.113.7 port 22; fetched 0CC175B9C0F1B6A831C399E269772661.",
            "email": {"from": {"address": "X@evil.example"}},
            "seawall": {"subscribers": ["msisdn:15550100001"]},
            "destination": {"address": "10.0.0.1:22"}
        });
        let mut out = Vec::new();
        scan_event(&ev, &idx, &mut out);
        let got: Vec<(u32, &str)> = out.iter().map(|h| (h.indicator, h.field.as_str())).collect();
        assert!(got.contains(&(0, "source.ip")), "{got:?}");
        assert!(got.contains(&(0, "message")), "{got:?}");
        assert!(got.contains(&(1, "url.original")), "{got:?}");
        assert!(got.contains(&(2, "message")), "{got:?}");
        assert!(got.contains(&(3, "seawall.subscribers")), "{got:?}");
        assert!(got.contains(&(4, "email.from.address")), "{got:?}");
        assert_eq!(out.len(), 6, "{out:?}");
        assert_eq!(as_net("203.0.113.7:22").map(|n| n.to_string()), Some("203.0.113.7".into()));
        assert_eq!(as_net("[2001:db8::1]:443").map(|n| n.to_string()), Some("2001:db8::1".into()));
    }
}

#[cfg(test)]
mod cve_tests {
    use super::cve_ids;

    #[test]
    fn finds_cve_ids_in_text() {
        let mut got = Vec::new();
        cve_ids("ET EXPLOIT IOS XE (CVE-2023-20198) and cve-2024-3400; not CVE-24-1 or CVE-2024-12", |c| got.push(c));
        assert_eq!(got, ["CVE-2023-20198", "CVE-2024-3400"]);
    }
}
