//! Observable values an indicator can name and an event can carry, in one canonical form each,
//! and how a bare IOC value is recognised (IP, CIDR, domain, URL, hash, e-mail, phone, IMSI/IMEI).

use seawall_stix::matcher::Net;

/// What kind of observable a value is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ObservableKind {
    Ipv4,
    Ipv6,
    Domain,
    Url,
    Md5,
    Sha1,
    Sha256,
    Sha512,
    Email,
    FileName,
    /// E.164 number (MSISDN).
    Phone,
    Imsi,
    Imei,
}

impl ObservableKind {
    /// The name `intel list` counts under (STIX object type, or the hash algorithm).
    pub fn name(self) -> &'static str {
        match self {
            ObservableKind::Ipv4 => "ipv4-addr",
            ObservableKind::Ipv6 => "ipv6-addr",
            ObservableKind::Domain => "domain-name",
            ObservableKind::Url => "url",
            ObservableKind::Md5 => "file:hashes.MD5",
            ObservableKind::Sha1 => "file:hashes.SHA-1",
            ObservableKind::Sha256 => "file:hashes.SHA-256",
            ObservableKind::Sha512 => "file:hashes.SHA-512",
            ObservableKind::Email => "email-addr",
            ObservableKind::FileName => "file:name",
            ObservableKind::Phone => "x-seawall-subscriber:msisdn",
            ObservableKind::Imsi => "x-seawall-subscriber:imsi",
            ObservableKind::Imei => "x-seawall-subscriber:imei",
        }
    }

    /// The STIX pattern that names `value` (for IOC-list entries).
    pub fn pattern(self, value: &str) -> String {
        let q = value.replace('\\', "\\\\").replace('\'', "\\'");
        match self {
            ObservableKind::Ipv4 => format!("[ipv4-addr:value = '{q}']"),
            ObservableKind::Ipv6 => format!("[ipv6-addr:value = '{q}']"),
            ObservableKind::Domain => format!("[domain-name:value = '{q}']"),
            ObservableKind::Url => format!("[url:value = '{q}']"),
            ObservableKind::Md5 => format!("[file:hashes.MD5 = '{q}']"),
            ObservableKind::Sha1 => format!("[file:hashes.'SHA-1' = '{q}']"),
            ObservableKind::Sha256 => format!("[file:hashes.'SHA-256' = '{q}']"),
            ObservableKind::Sha512 => format!("[file:hashes.'SHA-512' = '{q}']"),
            ObservableKind::Email => format!("[email-addr:value = '{q}']"),
            ObservableKind::FileName => format!("[file:name = '{q}']"),
            ObservableKind::Phone => format!("[x-seawall-subscriber:msisdn = '{q}']"),
            ObservableKind::Imsi => format!("[x-seawall-subscriber:imsi = '{q}']"),
            ObservableKind::Imei => format!("[x-seawall-subscriber:imei = '{q}']"),
        }
    }

    /// Parses a type name as IOC lists and MISP write them.
    pub fn from_type_name(t: &str) -> Option<ObservableKind> {
        Some(match t.trim().to_ascii_lowercase().replace('_', "-").as_str() {
            "ipv4-addr" | "ipv4" | "ip" | "ip-src" | "ip-dst" | "ipv4-net" | "cidr" => ObservableKind::Ipv4,
            "ipv6-addr" | "ipv6" | "ipv6-net" => ObservableKind::Ipv6,
            "domain-name" | "domain" | "hostname" | "fqdn" => ObservableKind::Domain,
            "url" | "uri" | "link" => ObservableKind::Url,
            "md5" | "file:hashes.md5" => ObservableKind::Md5,
            "sha1" | "sha-1" => ObservableKind::Sha1,
            "sha256" | "sha-256" => ObservableKind::Sha256,
            "sha512" | "sha-512" => ObservableKind::Sha512,
            "email-addr" | "email" | "email-src" | "email-dst" => ObservableKind::Email,
            "filename" | "file-name" | "file:name" => ObservableKind::FileName,
            "phone-number" | "phone" | "msisdn" | "e164" => ObservableKind::Phone,
            "imsi" => ObservableKind::Imsi,
            "imei" => ObservableKind::Imei,
            _ => return None,
        })
    }
}

/// An observable in canonical form: IPs as blocks, domains and e-mail and hashes lower case,
/// subscriber numbers as digits.
#[derive(Debug, Clone, PartialEq)]
pub struct Observable {
    pub kind: ObservableKind,
    pub value: String,
    /// For IPs, the address or block.
    pub net: Option<Net>,
}

/// Undoes common defanging: `hxxp`, `[.]`, `(.)`, `[:]`, `[at]`.
pub fn refang(s: &str) -> std::borrow::Cow<'_, str> {
    let t = s.trim();
    let defanged = t.contains(['[', '(', '{'])
        || t.get(..3).is_some_and(|p| p.eq_ignore_ascii_case("hxx") || p.eq_ignore_ascii_case("fxp"));
    if !defanged {
        return std::borrow::Cow::Borrowed(t);
    }
    let mut v = s.trim().replace("[.]", ".").replace("(.)", ".").replace("{.}", ".").replace("[:]", ":");
    v = v.replace("[at]", "@").replace("[@]", "@");
    for (from, to) in [("hxxps://", "https://"), ("hxxp://", "http://"), ("fxp://", "ftp://")] {
        if v.to_ascii_lowercase().starts_with(from) {
            v = format!("{to}{}", &v[from.len()..]);
        }
    }
    std::borrow::Cow::Owned(v)
}

fn is_hex(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_hexdigit())
}

/// A domain name: labels of letters, digits and hyphens (underscores tolerated), at least two,
/// the last not all digits.
pub fn is_domain(s: &str) -> bool {
    let s = s.strip_suffix('.').unwrap_or(s);
    if s.len() < 3 || s.len() > 253 || !s.contains('.') {
        return false;
    }
    // One pass over the bytes (hunts test every field value that is not an address).
    let (mut labels, mut len, mut alpha) = (0, 0, false);
    for &b in s.as_bytes() {
        if b == b'.' {
            if len == 0 {
                return false;
            }
            (labels, len, alpha) = (labels + 1, 0, false);
        } else if b.is_ascii_alphanumeric() || b == b'_' || (b == b'-' && len > 0) {
            len += 1;
            alpha |= b.is_ascii_alphabetic();
            if len > 63 {
                return false;
            }
        } else {
            return false;
        }
    }
    // The last label: not empty, and not all digits (else an address or a number).
    len > 0 && labels >= 1 && alpha
}

/// The canonical form of a domain: lower case, no trailing dot.
pub fn canonical_domain(s: &str) -> String {
    s.trim().trim_end_matches('.').to_ascii_lowercase()
}

/// The canonical form of a URL: scheme and host lower case, the rest as written.
pub fn canonical_url(s: &str) -> String {
    let s = s.trim();
    match s.split_once("://") {
        Some((scheme, rest)) => {
            let (host, path) = match rest.find(['/', '?', '#']) {
                Some(i) => rest.split_at(i),
                None => (rest, ""),
            };
            format!("{}://{}{}", scheme.to_ascii_lowercase(), host.to_ascii_lowercase(), path)
        }
        None => s.to_string(),
    }
}

/// The host part of a URL, if it has one.
pub fn url_host(s: &str) -> Option<&str> {
    let rest = s.split_once("://")?.1;
    let authority = rest.split(['/', '?', '#']).next()?;
    let host = authority.rsplit('@').next()?;
    // [v6]:port, or host:port
    if let Some(v6) = host.strip_prefix('[') {
        return v6.split(']').next();
    }
    Some(host.split(':').next().unwrap_or(host))
}

fn luhn_ok(digits: &str) -> bool {
    let sum: u32 = digits
        .bytes()
        .rev()
        .enumerate()
        .map(|(i, b)| {
            let d = u32::from(b - b'0');
            if i % 2 == 1 {
                let x = d * 2;
                if x > 9 {
                    x - 9
                } else {
                    x
                }
            } else {
                d
            }
        })
        .sum();
    sum.is_multiple_of(10)
}

impl Observable {
    /// An observable of a known kind, canonicalised; `None` if the value does not fit the kind.
    pub fn of_kind(kind: ObservableKind, raw: &str) -> Option<Observable> {
        let v = refang(raw);
        let value = match kind {
            ObservableKind::Ipv4 | ObservableKind::Ipv6 => {
                let net = Net::parse(&v)?;
                let is_v4 = net.is_ipv4();
                let kind = if is_v4 { ObservableKind::Ipv4 } else { ObservableKind::Ipv6 };
                return Some(Observable { kind, value: net.to_string(), net: Some(net) });
            }
            ObservableKind::Domain => {
                let d = canonical_domain(&v);
                is_domain(&d).then_some(d)?
            }
            ObservableKind::Url => v.contains("://").then(|| canonical_url(&v))?,
            ObservableKind::Md5 | ObservableKind::Sha1 | ObservableKind::Sha256 | ObservableKind::Sha512 => {
                let want = match kind {
                    ObservableKind::Md5 => 32,
                    ObservableKind::Sha1 => 40,
                    ObservableKind::Sha256 => 64,
                    _ => 128,
                };
                (v.len() == want && is_hex(&v)).then(|| v.to_ascii_lowercase())?
            }
            ObservableKind::Email => {
                let e = v.to_ascii_lowercase();
                let (user, domain) = e.split_once('@')?;
                (!user.is_empty() && is_domain(domain)).then_some(e)?
            }
            ObservableKind::FileName => (!v.is_empty()).then(|| v.to_string())?,
            ObservableKind::Phone | ObservableKind::Imsi | ObservableKind::Imei => {
                let ok_chars = v.chars().all(|c| c.is_ascii_digit() || " +-().".contains(c));
                let digits: String = v.chars().filter(char::is_ascii_digit).collect();
                let len_ok = match kind {
                    ObservableKind::Phone => (7..=15).contains(&digits.len()),
                    _ => digits.len() == 15 || (kind == ObservableKind::Imsi && digits.len() == 14),
                };
                (ok_chars && len_ok).then_some(digits)?
            }
        };
        Some(Observable { kind, value, net: None })
    }

    /// Recognises a bare value by its shape. Fifteen digits are an IMEI when the Luhn check
    /// digit holds and an IMSI otherwise; a leading `+` makes a phone number.
    pub fn recognise(raw: &str) -> Option<Observable> {
        let v = refang(raw);
        if v.is_empty() || v.contains(char::is_whitespace) {
            return None;
        }
        if let Some(o) = Observable::of_kind(ObservableKind::Ipv4, &v) {
            return Some(o);
        }
        if v.contains("://") {
            return Observable::of_kind(ObservableKind::Url, &v);
        }
        if v.contains('@') {
            return Observable::of_kind(ObservableKind::Email, &v);
        }
        if is_hex(&v) && matches!(v.len(), 32 | 40 | 64 | 128) {
            let kind = match v.len() {
                32 => ObservableKind::Md5,
                40 => ObservableKind::Sha1,
                64 => ObservableKind::Sha256,
                _ => ObservableKind::Sha512,
            };
            return Observable::of_kind(kind, &v);
        }
        if let Some(num) = v.strip_prefix('+') {
            return num.bytes().all(|b| b.is_ascii_digit()).then(|| Observable::of_kind(ObservableKind::Phone, &v))?;
        }
        if v.bytes().all(|b| b.is_ascii_digit()) {
            return match v.len() {
                15 if luhn_ok(&v) => Observable::of_kind(ObservableKind::Imei, &v),
                15 => Observable::of_kind(ObservableKind::Imsi, &v),
                _ => None,
            };
        }
        Observable::of_kind(ObservableKind::Domain, &v)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The label-by-label definition the one-pass `is_domain` must agree with.
    fn is_domain_by_labels(s: &str) -> bool {
        let s = s.strip_suffix('.').unwrap_or(s);
        if s.len() < 3 || s.len() > 253 || !s.contains('.') {
            return false;
        }
        let ok = |l: &str| {
            !l.is_empty()
                && l.len() <= 63
                && !l.starts_with('-')
                && l.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        };
        let tld = s.rsplit('.').next().unwrap_or("");
        s.split('.').all(ok) && tld.bytes().any(|b| b.is_ascii_alphabetic())
    }

    #[test]
    fn one_pass_domain_test_agrees_with_the_label_definition() {
        let long = "a".repeat(63);
        let longer = "a".repeat(64);
        let many = ["ab"; 90].join(".");
        let samples = [
            "example.com",
            "Example.COM.",
            "a.b",
            "ab",
            "a..b",
            ".a.b",
            "a.b.",
            "a.b..",
            "-a.com",
            "a-.com",
            "a.-b",
            "1.2.3.4",
            "10.0.0.1.",
            "a.1com",
            "x_y.example",
            "x y.com",
            "ex@mple.com",
            "ä.com",
            "a.b-",
            "",
            ".",
            "..",
            "abc",
            "0.000",
            "...AP.SF",
            "task_id=0",
            "a.b.c.d.example",
            &format!("{long}.com"),
            &format!("{longer}.com"),
            &format!("x.{long}"),
            &many,
        ];
        for s in samples {
            assert_eq!(is_domain(s), is_domain_by_labels(s), "{s:?}");
        }
    }

    #[test]
    fn recognises_by_shape() {
        let k = |s: &str| Observable::recognise(s).map(|o| (o.kind, o.value));
        assert_eq!(k("203.0.113.7"), Some((ObservableKind::Ipv4, "203.0.113.7".into())));
        assert_eq!(k("10.0.0.0/8").map(|x| x.0), Some(ObservableKind::Ipv4));
        assert_eq!(k("2001:DB8::1").map(|x| x.0), Some(ObservableKind::Ipv6));
        assert_eq!(k("Evil.Example.COM."), Some((ObservableKind::Domain, "evil.example.com".into())));
        assert_eq!(k("hxxp://bad[.]example/x").map(|x| x.1), Some("http://bad.example/x".into()));
        assert_eq!(k("CEAD3F77F6CDA6EC00F57D76C9A6879F").map(|x| x.0), Some(ObservableKind::Md5));
        assert_eq!(k("ops@Example.net").map(|x| x.1), Some("ops@example.net".into()));
        assert_eq!(k("+1 555").map(|x| x.0), None);
        assert_eq!(k("+15550100001"), Some((ObservableKind::Phone, "15550100001".into())));
        assert_eq!(k("490154203237518").map(|x| x.0), Some(ObservableKind::Imei));
        assert_eq!(k("310150123456789").map(|x| x.0), Some(ObservableKind::Imsi));
        assert_eq!(k("hello"), None);
        assert_eq!(k("1.2.3"), None);
        assert_eq!(url_host("https://user@[2001:db8::1]:8443/p"), Some("2001:db8::1"));
        assert_eq!(url_host("http://Bad.Example:80/x"), Some("Bad.Example"));
    }
}
