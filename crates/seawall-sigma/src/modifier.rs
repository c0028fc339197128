//! Sigma value modifiers (`Field|contains|all`): parsing, and the value transformations they
//! apply before matching.

use base64::Engine as _;

use crate::pattern::{SigmaString, Tok};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Modifier {
    Contains,
    StartsWith,
    EndsWith,
    All,
    Exists,
    Cased,
    Neq,
    Windash,
    Re,
    ReI,
    ReM,
    ReS,
    Base64,
    Base64Offset,
    Utf16Le,
    Utf16Be,
    Utf16,
    Wide,
    Lt,
    Lte,
    Gt,
    Gte,
    Minute,
    Hour,
    Day,
    Week,
    Month,
    Year,
    Cidr,
    Expand,
    FieldRef,
}

impl Modifier {
    pub fn parse(s: &str) -> Option<Modifier> {
        use Modifier::*;
        Some(match s {
            "contains" => Contains,
            "startswith" => StartsWith,
            "endswith" => EndsWith,
            "all" => All,
            "exists" => Exists,
            "cased" => Cased,
            "neq" => Neq,
            "windash" => Windash,
            "re" => Re,
            "i" => ReI,
            "m" => ReM,
            "s" => ReS,
            "base64" => Base64,
            "base64offset" => Base64Offset,
            "utf16le" => Utf16Le,
            "utf16be" => Utf16Be,
            "utf16" => Utf16,
            "wide" => Wide,
            "lt" => Lt,
            "lte" => Lte,
            "gt" => Gt,
            "gte" => Gte,
            "minute" => Minute,
            "hour" => Hour,
            "day" => Day,
            "week" => Week,
            "month" => Month,
            "year" => Year,
            "cidr" => Cidr,
            "expand" => Expand,
            "fieldref" => FieldRef,
            _ => return None,
        })
    }

    pub fn is_time_part(self) -> bool {
        matches!(
            self,
            Modifier::Minute | Modifier::Hour | Modifier::Day | Modifier::Week | Modifier::Month | Modifier::Year
        )
    }
    pub fn is_numeric(self) -> bool {
        matches!(self, Modifier::Lt | Modifier::Lte | Modifier::Gt | Modifier::Gte)
    }
}

/// Splits `Field|mod|mod` into the field name (empty for keyword searches) and modifiers.
pub fn parse_field_spec(spec: &str) -> Result<(String, Vec<Modifier>), String> {
    let mut parts = spec.split('|');
    let field = parts.next().unwrap_or("").to_string();
    let mut mods = Vec::new();
    for p in parts {
        mods.push(Modifier::parse(p).ok_or_else(|| format!("unknown modifier '{p}' in '{spec}'"))?);
    }
    Ok((field, mods))
}

/// A value in the middle of the modifier chain: either Sigma text with wildcards or raw bytes
/// produced by an encoding modifier.
#[derive(Debug, Clone)]
pub enum Working {
    Text(SigmaString),
    Bytes(Vec<u8>),
}

impl Working {
    fn bytes(&self, what: &str) -> Result<Vec<u8>, String> {
        match self {
            Working::Bytes(b) => Ok(b.clone()),
            Working::Text(s) => s
                .as_plain()
                .map(String::into_bytes)
                .ok_or_else(|| format!("'{what}' cannot encode a value with wildcards")),
        }
    }
    fn text(&self, what: &str) -> Result<String, String> {
        match self {
            Working::Text(s) => s.as_plain().ok_or_else(|| format!("'{what}' cannot encode a value with wildcards")),
            Working::Bytes(b) => String::from_utf8(b.clone()).map_err(|_| format!("'{what}' needs text input")),
        }
    }
    /// Back to Sigma text: encoded bytes become literal text (base64 output is ASCII; raw UTF-16
    /// bytes are kept byte for byte as characters).
    pub fn into_sigma(self) -> SigmaString {
        match self {
            Working::Text(s) => s,
            Working::Bytes(b) => {
                let s = match String::from_utf8(b) {
                    Ok(s) => s,
                    Err(e) => e.into_bytes().into_iter().map(char::from).collect(),
                };
                SigmaString::literal(&s)
            }
        }
    }
}

/// Applies one transforming modifier to every alternative value.
pub fn transform(values: Vec<Working>, m: Modifier) -> Result<Vec<Working>, String> {
    let mut out = Vec::with_capacity(values.len());
    for v in values {
        match m {
            Modifier::Contains => {
                let mut s = v.into_sigma();
                s.prepend_star();
                s.append_star();
                out.push(Working::Text(s));
            }
            Modifier::StartsWith => {
                let mut s = v.into_sigma();
                s.append_star();
                out.push(Working::Text(s));
            }
            Modifier::EndsWith => {
                let mut s = v.into_sigma();
                s.prepend_star();
                out.push(Working::Text(s));
            }
            Modifier::Base64 => {
                let b = v.bytes("base64")?;
                out.push(Working::Bytes(base64::engine::general_purpose::STANDARD.encode(b).into_bytes()));
            }
            Modifier::Base64Offset => {
                let b = v.bytes("base64offset")?;
                for enc in base64_offsets(&b) {
                    out.push(Working::Bytes(enc.into_bytes()));
                }
            }
            Modifier::Utf16Le | Modifier::Wide => {
                let t = v.text("utf16le")?;
                out.push(Working::Bytes(t.encode_utf16().flat_map(|u| u.to_le_bytes()).collect()));
            }
            Modifier::Utf16Be => {
                let t = v.text("utf16be")?;
                out.push(Working::Bytes(t.encode_utf16().flat_map(|u| u.to_be_bytes()).collect()));
            }
            Modifier::Utf16 => {
                let t = v.text("utf16")?;
                let mut b = vec![0xFF, 0xFE];
                b.extend(t.encode_utf16().flat_map(|u| u.to_le_bytes()));
                out.push(Working::Bytes(b));
            }
            Modifier::Windash => {
                let s = v.into_sigma();
                out.extend(windash_variants(&s)?.into_iter().map(Working::Text));
            }
            _ => out.push(v),
        }
    }
    Ok(out)
}

/// The three base64 renderings of `b` at byte offsets 0, 1 and 2 of an enclosing string, with
/// the characters that depend on neighbouring bytes cut off.
pub fn base64_offsets(b: &[u8]) -> Vec<String> {
    const START: [usize; 3] = [0, 2, 3];
    const END_TRIM: [usize; 3] = [0, 3, 2];
    let mut out = Vec::with_capacity(3);
    for shift in 0..3 {
        let mut buf = vec![b' '; shift];
        buf.extend_from_slice(b);
        let enc = base64::engine::general_purpose::STANDARD.encode(&buf);
        let trim = END_TRIM[(b.len() + shift) % 3];
        let start = START[shift];
        if enc.len() >= start + trim {
            let s = enc[start..enc.len() - trim].to_string();
            if !s.is_empty() {
                out.push(s);
            }
        }
    }
    out
}

/// Characters `windash` treats as interchangeable.
const DASHES: [char; 5] = ['-', '/', '\u{2013}', '\u{2014}', '\u{2015}'];
/// Refuse rules whose windash expansion would explode.
const MAX_WINDASH_VARIANTS: usize = 4096;

/// All permutations of dash-like characters that start a command-line flag: a dash or slash
/// that begins the value or follows a non-word character (`-a`, ` /x`), as Windows tools accept.
pub fn windash_variants(s: &SigmaString) -> Result<Vec<SigmaString>, String> {
    let mut results: Vec<Vec<Tok>> = vec![Vec::new()];
    let mut prev_word: Option<bool> = None; // None: at start of value
    for tok in &s.0 {
        match tok {
            Tok::Lit(l) => {
                let mut pieces: Vec<Vec<String>> = vec![]; // alternatives per segment
                let mut cur = String::new();
                let chars: Vec<char> = l.chars().collect();
                for (i, &c) in chars.iter().enumerate() {
                    let next_word = chars.get(i + 1).map(|n| n.is_alphanumeric() || *n == '_').unwrap_or(false);
                    let flag_start = DASHES.contains(&c) && prev_word != Some(true) && next_word;
                    if flag_start {
                        pieces.push(vec![std::mem::take(&mut cur)]);
                        pieces.push(DASHES.iter().map(|d| d.to_string()).collect());
                    } else {
                        cur.push(c);
                    }
                    prev_word = Some(c.is_alphanumeric() || c == '_');
                }
                pieces.push(vec![cur]);
                for alts in pieces {
                    if alts.len() == 1 {
                        for r in &mut results {
                            push_lit(r, &alts[0]);
                        }
                    } else {
                        let mut next = Vec::with_capacity(results.len() * alts.len());
                        for r in &results {
                            for a in &alts {
                                let mut r2 = r.clone();
                                push_lit(&mut r2, a);
                                next.push(r2);
                            }
                        }
                        results = next;
                        if results.len() > MAX_WINDASH_VARIANTS {
                            return Err("windash: too many dash permutations".into());
                        }
                    }
                }
            }
            other => {
                for r in &mut results {
                    r.push(other.clone());
                }
                prev_word = Some(false);
            }
        }
    }
    Ok(results.into_iter().map(SigmaString).collect())
}

fn push_lit(r: &mut Vec<Tok>, s: &str) {
    if s.is_empty() {
        return;
    }
    if let Some(Tok::Lit(last)) = r.last_mut() {
        last.push_str(s);
    } else {
        r.push(Tok::Lit(s.to_string()));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64offset_matches_the_spec_example() {
        // Sigma's example: "/bin/bash" at the three offsets.
        let v = base64_offsets(b"/bin/bash");
        assert_eq!(v, vec!["L2Jpbi9iYXNo", "9iaW4vYmFza", "vYmluL2Jhc2"]);
    }

    #[test]
    fn windash_permutes_flag_dashes_only() {
        let v = windash_variants(&SigmaString::parse(" -foo a-b")).unwrap();
        assert_eq!(v.len(), 5);
        let texts: Vec<String> = v.iter().map(|s| s.as_plain().unwrap()).collect();
        assert!(texts.contains(&" /foo a-b".to_string()));
        assert!(texts.contains(&" \u{2013}foo a-b".to_string()));
        assert!(texts.iter().all(|t| t.ends_with("a-b")));
    }

    #[test]
    fn utf16_encodings() {
        let v = transform(vec![Working::Text(SigmaString::parse("cmd"))], Modifier::Utf16Le).unwrap();
        match &v[0] {
            Working::Bytes(b) => assert_eq!(b, &[0x63, 0, 0x6d, 0, 0x64, 0]),
            _ => panic!(),
        }
        let v = transform(vec![Working::Text(SigmaString::parse("cmd"))], Modifier::Utf16Be).unwrap();
        match &v[0] {
            Working::Bytes(b) => assert_eq!(b, &[0, 0x63, 0, 0x6d, 0, 0x64]),
            _ => panic!(),
        }
        let v = transform(vec![Working::Text(SigmaString::parse("cmd"))], Modifier::Utf16).unwrap();
        match &v[0] {
            Working::Bytes(b) => assert_eq!(&b[..4], &[0xFF, 0xFE, 0x63, 0]),
            _ => panic!(),
        }
    }
}
