//! Property tests: how a pattern literal compares with a value taken from an object.
//!
//! Values of different kinds do not compare (not equal, not ordered), except integers with
//! floats, and binary with strings whose code points are all below 256 (the spec's rule).

use std::cmp::Ordering;
use std::net::IpAddr;

use serde_json::Value;
use unicode_normalization::{is_nfc_quick, IsNormalized, UnicodeNormalization};

use super::time::parse_timestamp;
use super::MatchError;
use crate::pattern::Literal;

/// A value reached by an object path.
#[derive(Debug, Clone)]
pub enum PathValue<'a> {
    Json(&'a Value),
    /// A `*_hex` or `*_bin` property, decoded.
    Bytes(Vec<u8>),
    /// The objects a `*_refs` list points to.
    Objects(Vec<&'a Value>),
}

/// A literal, ready to compare.
#[derive(Debug, Clone, PartialEq)]
pub enum Lit {
    Int(i128),
    Float(f64),
    /// Shared with the patterns compiled with the same cache (see [`CompileCache::text`]).
    Str(std::sync::Arc<str>),
    Bool(bool),
    Time(i64),
    Bytes(Vec<u8>),
}

impl Lit {
    pub fn from_literal(l: &Literal, cache: &mut CompileCache) -> Result<Lit, MatchError> {
        Ok(match l {
            Literal::Int(i) => Lit::Int(i128::from(*i)),
            Literal::Float(f) => Lit::Float(*f),
            Literal::Str(s) => Lit::Str(cache.text(s)),
            Literal::Bool(b) => Lit::Bool(*b),
            Literal::Timestamp(t) => {
                Lit::Time(parse_timestamp(t).ok_or_else(|| MatchError::Pattern(format!("invalid timestamp: {t}")))?)
            }
            Literal::Binary(b) | Literal::Hex(b) => Lit::Bytes(b.clone()),
        })
    }

    fn kind(&self) -> u8 {
        match self {
            Lit::Int(_) | Lit::Float(_) => 0,
            Lit::Str(_) => 1,
            Lit::Bool(_) => 2,
            Lit::Time(_) => 3,
            Lit::Bytes(_) => 4,
        }
    }
}

/// The value seen as one of the literal kinds.
enum Seen<'v> {
    Int(i128),
    Float(f64),
    Str(&'v str),
    Bool(bool),
    Time(i64),
    Bytes(&'v [u8]),
    Other,
}

fn seen<'v>(v: &'v PathValue<'_>) -> Seen<'v> {
    match v {
        PathValue::Json(Value::Number(n)) => {
            if let Some(i) = n.as_i64() {
                Seen::Int(i128::from(i))
            } else if let Some(u) = n.as_u64() {
                Seen::Int(i128::from(u))
            } else {
                n.as_f64().map_or(Seen::Other, Seen::Float)
            }
        }
        PathValue::Json(Value::String(s)) => Seen::Str(s),
        PathValue::Json(Value::Bool(b)) => Seen::Bool(*b),
        PathValue::Bytes(b) => Seen::Bytes(b),
        _ => Seen::Other,
    }
}

/// A string value compared with a timestamp literal is read as a timestamp; one that is not a
/// timestamp is an error in the data, as in the reference.
fn seen_for<'v>(lit: &Lit, v: &'v PathValue<'_>) -> Result<Seen<'v>, MatchError> {
    let s = seen(v);
    if let (Lit::Time(_), Seen::Str(text)) = (lit, &s) {
        return parse_timestamp(text)
            .map(Seen::Time)
            .ok_or_else(|| MatchError::Data(format!("Invalid timestamp in JSON: {text}")));
    }
    Ok(s)
}

fn cmp_int_float(i: i128, f: f64) -> Option<Ordering> {
    if f.is_nan() {
        return None;
    }
    // Exact, as Python compares int with float.
    if f >= 1.7e38 {
        return Some(Ordering::Less);
    }
    if f <= -1.7e38 {
        return Some(Ordering::Greater);
    }
    let t = f.trunc();
    match i.cmp(&(t as i128)) {
        Ordering::Equal => 0.0f64.partial_cmp(&(f - t)),
        o => Some(o),
    }
}

/// How the Latin-1 bytes of a string order against `b`, or `Err(())` if a code point is 256 or
/// above (anywhere in the string). Compared in place: no bytes are collected.
fn latin1_cmp(s: &str, b: &[u8]) -> Result<Ordering, ()> {
    if s.is_ascii() {
        return Ok(s.as_bytes().cmp(b));
    }
    if s.chars().any(|c| u32::from(c) > 0xff) {
        return Err(());
    }
    Ok(s.chars().map(|c| u32::from(c) as u8).cmp(b.iter().copied()))
}

/// How literal and value order: `Err(())` where the kinds compare but these values cannot
/// (a string with code points >= 256 against binary), `Ok(None)` where the kinds do not compare.
fn order(lit: &Lit, v: &Seen<'_>) -> Result<Option<Ordering>, ()> {
    // The ordering is value relative to literal.
    Ok(match (lit, v) {
        (Lit::Int(a), Seen::Int(b)) => Some(b.cmp(a)),
        (Lit::Int(a), Seen::Float(b)) => cmp_int_float(*a, *b).map(Ordering::reverse),
        (Lit::Float(a), Seen::Int(b)) => cmp_int_float(*b, *a),
        (Lit::Float(a), Seen::Float(b)) => b.partial_cmp(a),
        (Lit::Str(a), Seen::Str(b)) => Some((*b).cmp(&**a)),
        (Lit::Time(a), Seen::Time(b)) => Some(b.cmp(a)),
        (Lit::Bytes(a), Seen::Bytes(b)) => Some((*b).cmp(a.as_slice())),
        (Lit::Bytes(a), Seen::Str(b)) => Some(latin1_cmp(b, a)?),
        (Lit::Str(a), Seen::Bytes(b)) => Some(latin1_cmp(a, b)?.reverse()),
        _ => None,
    })
}

fn equal(lit: &Lit, v: &Seen<'_>) -> bool {
    match (lit, v) {
        (Lit::Bool(a), Seen::Bool(b)) => a == b,
        _ => matches!(order(lit, v), Ok(Some(Ordering::Equal))),
    }
}

/// A CIDR block (a plain address is a block of one).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Net {
    addr: IpAddr,
    prefix: u8,
}

impl Net {
    pub fn parse(s: &str) -> Option<Net> {
        // A byte loop rather than `split_once`: addresses are short, and hunts parse many.
        let (a, p) = match s.bytes().position(|b| b == b'/') {
            Some(at) => (&s[..at], Some(&s[at + 1..])),
            None => (s, None),
        };
        // Text without a ':' is no IPv6 address, and `dotted_quad` reads IPv4 exactly.
        let addr = match dotted_quad(a.as_bytes()) {
            Some(v4) => IpAddr::V4(v4),
            None if a.bytes().any(|b| b == b':') => IpAddr::V6(a.parse().ok()?),
            None => return None,
        };
        let max = if addr.is_ipv4() { 32 } else { 128 };
        let prefix = match p {
            Some(p) if !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()) => p.parse::<u8>().ok()?,
            Some(_) => return None,
            None => max,
        };
        (prefix <= max).then_some(Net { addr, prefix })
    }

    pub fn is_ipv4(&self) -> bool {
        self.addr.is_ipv4()
    }

    /// Prefix length (32 or 128 for a plain address).
    pub fn prefix_len(&self) -> u8 {
        self.prefix
    }

    /// Whether this is one address rather than a block.
    pub fn is_host(&self) -> bool {
        self.prefix == if self.addr.is_ipv4() { 32 } else { 128 }
    }

    /// The block's leading bits, left-aligned in 128 bits (IPv4 in the top 32), the rest zero.
    pub fn key(&self) -> u128 {
        let (bits, _) = self.bits();
        let len = u32::from(self.prefix);
        if len == 0 {
            0
        } else {
            bits >> (128 - len) << (128 - len)
        }
    }

    fn bits(&self) -> (u128, bool) {
        match self.addr {
            IpAddr::V4(a) => (u128::from(u32::from(a)) << 96, true),
            IpAddr::V6(a) => (u128::from(a), false),
        }
    }

    /// Whether `self` lies within `outer` (same family, prefix at least as long, same leading
    /// bits). IPv4 addresses sit in the top 32 of the 128 bits.
    pub fn within(&self, outer: &Net) -> bool {
        let ((a, v4a), (b, v4b)) = (self.bits(), outer.bits());
        if v4a != v4b || self.prefix < outer.prefix {
            return false;
        }
        let p = u32::from(outer.prefix);
        p == 0 || (a ^ b) >> (128 - p) == 0
    }
}

/// An IPv4 address in dotted-quad form, read the way `Ipv4Addr::from_str` reads it (four
/// decimal parts of one to three digits, no leading zero, each at most 255), without its
/// general parser: hunts and matches read many addresses. `None` for anything else, which the
/// caller hands to the general parser.
fn dotted_quad(s: &[u8]) -> Option<std::net::Ipv4Addr> {
    let mut octets = [0u8; 4];
    let mut i = 0;
    for (n, octet) in octets.iter_mut().enumerate() {
        if n > 0 {
            if s.get(i) != Some(&b'.') {
                return None;
            }
            i += 1;
        }
        let first = s.get(i)?.wrapping_sub(b'0');
        if first > 9 {
            return None;
        }
        let mut value = u32::from(first);
        i += 1;
        // Up to two more digits, after a first digit that is not a leading zero.
        for _ in 0..2 {
            let Some(d) = s.get(i).map(|c| c.wrapping_sub(b'0')).filter(|d| *d <= 9) else { break };
            if value == 0 {
                return None;
            }
            value = value * 10 + u32::from(d);
            i += 1;
        }
        *octet = u8::try_from(value).ok()?;
    }
    (i == s.len()).then(|| std::net::Ipv4Addr::from(octets))
}

impl std::fmt::Display for Net {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.is_host() {
            write!(f, "{}", self.addr)
        } else {
            write!(f, "{}/{}", self.addr, self.prefix)
        }
    }
}

/// A compiled property test (without the object path and `NOT`).
#[derive(Debug)]
pub enum Test {
    Eq(Lit),
    Neq(Lit),
    Order(Lit, Ordering, bool),
    In(Vec<Lit>),
    Like { re: std::sync::Arc<regex::Regex>, latin1_ok: bool },
    Matches { text: std::sync::Arc<fancy_regex::Regex>, latin1_ok: bool },
    Subset(Net),
    Superset(Net),
}

/// Python's `$` (end, or before a final newline) and `\Z` (end) in Rust regex syntax.
fn python_regex(src: &str) -> String {
    let mut out = String::with_capacity(src.len() + 8);
    let mut chars = src.chars().peekable();
    let mut in_class = false;
    while let Some(c) = chars.next() {
        match c {
            '\\' => match chars.next() {
                Some('Z') if !in_class => out.push_str(r"\z"),
                Some(n) => {
                    out.push('\\');
                    out.push(n);
                }
                None => out.push('\\'),
            },
            '[' if !in_class => {
                in_class = true;
                out.push('[');
                // A ']' right after '[' or '[^' is a literal.
                if chars.peek() == Some(&'^') {
                    out.push('^');
                    chars.next();
                }
                if chars.peek() == Some(&']') {
                    out.push_str(r"\]");
                    chars.next();
                }
            }
            '[' if in_class => out.push_str(r"\["),
            ']' if in_class => {
                in_class = false;
                out.push(']');
            }
            '$' if !in_class => out.push_str(r"(?=\n?\z)"),
            _ => out.push(c),
        }
    }
    out
}

fn nfc(s: &str) -> std::borrow::Cow<'_, str> {
    // ASCII text is NFC; checking that is much cheaper than the general check.
    if s.is_ascii() || is_nfc_quick(s.chars()) == IsNormalized::Yes {
        std::borrow::Cow::Borrowed(s)
    } else {
        std::borrow::Cow::Owned(s.nfc().collect())
    }
}

fn like_regex(like: &str) -> Result<std::sync::Arc<regex::Regex>, MatchError> {
    let mut re = String::from("^(?:");
    for c in nfc(like).chars() {
        match c {
            '%' => re.push_str(".*"),
            '_' => re.push('.'),
            c => re.push_str(&regex::escape(c.encode_utf8(&mut [0; 4]))),
        }
    }
    re.push_str(")\n?\\z");
    regex::Regex::new(&re).map(std::sync::Arc::new).map_err(|e| MatchError::Pattern(format!("LIKE '{like}': {e}")))
}

/// What the patterns compiled with one cache share: `LIKE` and `MATCHES` expressions compiled
/// once per text (the benchmark's 13,188 have 24 distinct texts), and the texts of names, types
/// and string literals. Feeds repeat all of these; sharing saves compiling again and keeps a
/// large compiled set small, so less of it has to come from memory each time it is matched.
#[derive(Default)]
pub struct CompileCache {
    texts: rustc_hash::FxHashSet<std::sync::Arc<str>>,
    // Shared, not cloned: a cloned `Regex` gets a cache pool of its own, several kilobytes
    // built on its first search.
    like: rustc_hash::FxHashMap<String, std::sync::Arc<regex::Regex>>,
    matches: rustc_hash::FxHashMap<String, std::sync::Arc<fancy_regex::Regex>>,
}

impl CompileCache {
    /// The shared copy of a text.
    pub(crate) fn text(&mut self, s: &str) -> std::sync::Arc<str> {
        if let Some(t) = self.texts.get(s) {
            return t.clone();
        }
        let t: std::sync::Arc<str> = std::sync::Arc::from(s);
        self.texts.insert(t.clone());
        t
    }

    fn like(&mut self, like: &str) -> Result<std::sync::Arc<regex::Regex>, MatchError> {
        cached(&mut self.like, like, || like_regex(like))
    }

    fn matches(&mut self, src: &str) -> Result<std::sync::Arc<fancy_regex::Regex>, MatchError> {
        cached(&mut self.matches, src, || {
            fancy_regex::Regex::new(&python_regex(src))
                .map(std::sync::Arc::new)
                .map_err(|e| MatchError::Pattern(format!("MATCHES '{src}': {e}")))
        })
    }
}

/// The value built for `key` before, or `build()`'s, kept for next time (errors are not kept).
fn cached<T: Clone>(
    map: &mut rustc_hash::FxHashMap<String, T>,
    key: &str,
    build: impl FnOnce() -> Result<T, MatchError>,
) -> Result<T, MatchError> {
    if let Some(v) = map.get(key) {
        return Ok(v.clone());
    }
    let v = build()?;
    map.insert(key.to_string(), v.clone());
    Ok(v)
}

impl Test {
    pub fn compile(
        op: crate::pattern::CompareOp,
        value: &Literal,
        set: &[Literal],
        raw: &str,
        cache: &mut CompileCache,
    ) -> Result<Test, MatchError> {
        use crate::pattern::CompareOp as Op;
        let text = || match value {
            Literal::Str(s) => Ok(s.as_str()),
            _ => Err(MatchError::Pattern(format!("{op:?} needs a string literal"))),
        };
        Ok(match op {
            Op::Eq => Test::Eq(Lit::from_literal(value, cache)?),
            Op::Neq => Test::Neq(Lit::from_literal(value, cache)?),
            Op::Lt => Test::Order(Lit::from_literal(value, cache)?, Ordering::Less, false),
            Op::Le => Test::Order(Lit::from_literal(value, cache)?, Ordering::Less, true),
            Op::Gt => Test::Order(Lit::from_literal(value, cache)?, Ordering::Greater, false),
            Op::Ge => Test::Order(Lit::from_literal(value, cache)?, Ordering::Greater, true),
            Op::In => {
                let lits = set.iter().map(|l| Lit::from_literal(l, cache)).collect::<Result<Vec<_>, _>>()?;
                if lits.windows(2).any(|w| w[0].kind() != w[1].kind()) {
                    return Err(MatchError::Pattern(format!("Nonhomogenous set: {raw}")));
                }
                Test::In(lits)
            }
            Op::Like => {
                let like = text()?;
                Test::Like { re: cache.like(like)?, latin1_ok: like.chars().all(|c| u32::from(c) < 256) }
            }
            Op::Matches => {
                let src = nfc(text()?).into_owned();
                let text = cache.matches(&src)?;
                Test::Matches { text, latin1_ok: src.chars().all(|c| u32::from(c) < 256) }
            }
            Op::IsSubset | Op::IsSuperset => {
                let s = text()?;
                let net =
                    Net::parse(s).ok_or_else(|| MatchError::Pattern(format!("not an IP address or CIDR: {s}")))?;
                if op == Op::IsSubset {
                    Test::Subset(net)
                } else {
                    Test::Superset(net)
                }
            }
        })
    }

    /// Whether testing a value can fail on bad data: a string that is not a timestamp where
    /// the literal is one, or not an address where the test is on addresses. (`LIKE` fails on
    /// binary that is not UTF-8, which only a path ending in `*_hex` or `*_bin` reaches, and
    /// such a path can fail by itself.)
    pub fn fallible(&self) -> bool {
        match self {
            Test::Eq(l) | Test::Neq(l) | Test::Order(l, _, _) => matches!(l, Lit::Time(_)),
            Test::In(set) => matches!(set.first(), Some(Lit::Time(_))),
            Test::Subset(_) | Test::Superset(_) => true,
            Test::Like { .. } | Test::Matches { .. } => false,
        }
    }

    /// Whether `v` passes, `NOT` included. An order test on kinds that do not order is false
    /// whatever `NOT` says, as in the reference.
    pub fn passes(&self, v: &PathValue<'_>, not: bool) -> Result<bool, MatchError> {
        let r = match self {
            Test::Eq(l) => equal(l, &seen_for(l, v)?),
            Test::Neq(l) => !equal(l, &seen_for(l, v)?),
            Test::Order(l, want, or_equal) => match order(l, &seen_for(l, v)?) {
                Ok(None) => return Ok(false),
                Ok(Some(o)) => o == *want || (*or_equal && o == Ordering::Equal),
                Err(()) => false,
            },
            Test::In(set) => match set.first() {
                None => false,
                Some(first) => {
                    let s = seen_for(first, v)?;
                    set.iter().any(|l| equal(l, &s))
                }
            },
            Test::Like { re, latin1_ok } => match seen(v) {
                Seen::Str(s) => re.is_match(nfc(s).as_ref()),
                // Binary is read as UTF-8 text.
                Seen::Bytes(b) if *latin1_ok => match std::str::from_utf8(b) {
                    Ok(s) => re.is_match(nfc(s).as_ref()),
                    Err(_) => return Err(MatchError::Data("a binary value compared with LIKE is not UTF-8".into())),
                },
                _ => false,
            },
            Test::Matches { text, latin1_ok } => match seen(v) {
                Seen::Str(s) => text.is_match(nfc(s).as_ref()).unwrap_or(false),
                Seen::Bytes(b) if *latin1_ok => {
                    let s: String = b.iter().map(|&c| char::from(c)).collect();
                    text.is_match(&s).unwrap_or(false)
                }
                _ => false,
            },
            Test::Subset(outer) => match seen(v) {
                Seen::Str(s) => Net::parse(s).ok_or_else(|| bad_address(s))?.within(outer),
                _ => false,
            },
            Test::Superset(inner) => match seen(v) {
                Seen::Str(s) => inner.within(&Net::parse(s).ok_or_else(|| bad_address(s))?),
                _ => false,
            },
        };
        Ok(r != not)
    }
}

fn bad_address(s: &str) -> MatchError {
    MatchError::Data(format!("not an IP address or CIDR: {s}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cidr_containment() {
        let n = |s| Net::parse(s).unwrap();
        assert!(n("10.1.2.3").within(&n("10.0.0.0/8")));
        assert!(!n("11.1.2.3").within(&n("10.0.0.0/8")));
        assert!(n("10.1.0.0/16").within(&n("10.0.0.0/8")));
        assert!(!n("10.0.0.0/8").within(&n("10.1.0.0/16")));
        assert!(n("1.2.3.4").within(&n("0.0.0.0/0")));
        assert!(n("2001:db8:0:1::23").within(&n("2001:db8::/32")));
        assert!(!n("2001:db8:0:1::23").within(&n("2001:db9::/32")));
        assert!(!n("10.1.2.3").within(&n("::/0")));
        assert!(n("::1").within(&n("::/0")));
        assert!(Net::parse("10.0.0.0/33").is_none() && Net::parse("x").is_none());
    }

    #[test]
    fn dotted_quads_read_as_the_standard_parser_reads_them() {
        let mut texts: Vec<String> = [
            "1.2.3.4",
            "0.0.0.0",
            "255.255.255.255",
            "256.1.1.1",
            "1.2.3",
            "1.2.3.4.5",
            "01.2.3.4",
            "1.2.3.04",
            "1.2.3.0",
            "1..2.3",
            ".1.2.3",
            "1.2.3.",
            "1.2.3.4 ",
            "",
            "1000.1.1.1",
            "1.2.3.999",
            "a.b.c.d",
            "10.0.0.1",
            "192.168.001.1",
            "0.00.0.0",
            "00.0.0.0",
            "1.2.3.4/8",
            "::1",
            "1.2.3.-4",
            "+1.2.3.4",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        for a in [0, 1, 9, 10, 99, 100, 199, 255, 256, 300, 999] {
            texts.push(format!("{a}.{a}.0.{a}"));
            texts.push(format!("0{a}.1.1.1"));
        }
        // And many near-addresses from a fixed generator: three to five parts of up to four
        // digits, now and then with a stray byte.
        let mut seed = 0x2545_f491_4f6c_dd1du64;
        let mut next = |n: u64| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed % n
        };
        for _ in 0..50_000 {
            let parts: Vec<String> = (0..3 + next(3))
                .map(|_| (0..next(5)).map(|_| char::from(b"0123456789"[next(10) as usize])).collect())
                .collect();
            let mut t = parts.join(".");
            if next(8) == 0 {
                let at = next(t.len() as u64 + 1) as usize;
                t.insert(at, char::from(b"/:x -"[next(5) as usize]));
            }
            texts.push(t);
        }
        for t in &texts {
            assert_eq!(dotted_quad(t.as_bytes()), t.parse::<std::net::Ipv4Addr>().ok(), "{t:?}");
        }
        assert!(texts.iter().filter(|t| dotted_quad(t.as_bytes()).is_some()).count() > 100);
    }

    #[test]
    fn python_regex_ends() {
        let re = fancy_regex::Regex::new(&python_regex("abc$")).unwrap();
        assert!(re.is_match("xabc").unwrap() && re.is_match("abc\n").unwrap() && !re.is_match("abc\nx").unwrap());
        let re = fancy_regex::Regex::new(&python_regex("[$]x")).unwrap();
        assert!(re.is_match("$x").unwrap());
    }

    #[test]
    fn numbers_compare_exactly() {
        assert_eq!(cmp_int_float(5, 5.0), Some(Ordering::Equal));
        assert_eq!(cmp_int_float(5, 5.5), Some(Ordering::Less));
        assert_eq!(cmp_int_float(-5, -5.5), Some(Ordering::Greater));
        assert_eq!(cmp_int_float(9_007_199_254_740_993, 9_007_199_254_740_992.0), Some(Ordering::Greater));
    }

    #[test]
    fn latin1_order_is_the_order_of_the_collected_bytes() {
        // The plain definition: collect the Latin-1 bytes, then compare.
        let collected = |s: &str| s.chars().map(|c| u8::try_from(u32::from(c)).ok()).collect::<Option<Vec<u8>>>();
        let texts = ["", "a", "ab", "abc", "héllo", "hé", "h\u{ff}", "\u{ff}", "ÿÿ", "a\u{100}", "€", "zz\u{263a}"];
        let bytes: [&[u8]; 7] = [b"", b"a", b"ab", b"h\xe9llo", b"h\xe9", b"\xff", b"\xff\xff"];
        let mut compared = 0;
        for s in texts {
            for b in bytes {
                let want = collected(s).map(|v| v.as_slice().cmp(b)).ok_or(());
                assert_eq!(latin1_cmp(s, b), want, "{s:?} {b:?}");
                compared += usize::from(want.is_ok());
            }
        }
        assert!(compared > 50, "{compared}");
        // A code point above 255 is an error even where the first bytes already differ.
        assert_eq!(latin1_cmp("b\u{263a}", b"a"), Err(()));
    }
}
