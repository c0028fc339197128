//! Tokens of the STIX 2.1 patterning language (STIX 2.1 section 9.1: keywords are upper case,
//! literals carry their kind in a prefix: `t'…'`, `b'…'`, `h'…'`).

use super::PatternError;

#[derive(Debug, Clone, PartialEq)]
pub enum Tok {
    IntPos(i64),
    IntNeg(i64),
    FloatPos(f64),
    FloatNeg(f64),
    Str(String),
    Bool(bool),
    /// Seconds since the epoch as written (`t'…'`, validated), kept as text.
    Timestamp(String),
    Binary(Vec<u8>),
    Hex(Vec<u8>),
    /// An identifier; `hyphen` when it holds a `-` (allowed only for object types).
    Ident {
        name: String,
        hyphen: bool,
    },
    Kw(Kw),
    LBrack,
    RBrack,
    LParen,
    RParen,
    Colon,
    Dot,
    Comma,
    Star,
    Eq,
    Neq,
    Lt,
    Le,
    Gt,
    Ge,
    Eof,
}

#[derive(Debug, Clone)]
pub struct Token<'s> {
    pub tok: Tok,
    /// Byte offset of the token in the pattern.
    pub pos: usize,
    pub text: &'s str,
}

/// The keywords (upper case only, as the grammar spells them).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kw {
    And,
    Or,
    Not,
    FollowedBy,
    Like,
    Matches,
    IsSuperset,
    IsSubset,
    Exists,
    Last,
    In,
    Start,
    Stop,
    Seconds,
    Within,
    Repeats,
    Times,
}

impl Kw {
    fn of(word: &str) -> Option<Kw> {
        Some(match word {
            "AND" => Kw::And,
            "OR" => Kw::Or,
            "NOT" => Kw::Not,
            "FOLLOWEDBY" => Kw::FollowedBy,
            "LIKE" => Kw::Like,
            "MATCHES" => Kw::Matches,
            "ISSUPERSET" => Kw::IsSuperset,
            "ISSUBSET" => Kw::IsSubset,
            "EXISTS" => Kw::Exists,
            "LAST" => Kw::Last,
            "IN" => Kw::In,
            "START" => Kw::Start,
            "STOP" => Kw::Stop,
            "SECONDS" => Kw::Seconds,
            "WITHIN" => Kw::Within,
            "REPEATS" => Kw::Repeats,
            "TIMES" => Kw::Times,
            _ => return None,
        })
    }
}

/// Byte classes, looked up in one table: the lexer classifies every byte of every pattern.
const SPACE: u8 = 1;
const IDENT_START: u8 = 2;
const IDENT: u8 = 4;
/// `'` and `\`, which end a run of string literal text.
const QUOTING: u8 = 8;
const HYPHEN: u8 = 16;
const CLASSES: [u8; 256] = {
    let mut t = [0u8; 256];
    let mut c = 0;
    while c < 256 {
        let b = c as u8;
        if b.is_ascii_whitespace() {
            t[c] = SPACE;
        } else if b.is_ascii_alphabetic() || b == b'_' {
            t[c] = IDENT_START | IDENT;
        } else if b.is_ascii_digit() {
            t[c] = IDENT;
        } else if b == b'\'' || b == b'\\' {
            t[c] = QUOTING;
        } else if b == b'-' {
            t[c] = HYPHEN;
        }
        c += 1;
    }
    t
};

fn is(c: u8, class: u8) -> bool {
    CLASSES[usize::from(c)] & class != 0
}

/// A timestamp literal's body: `YYYY-MM-DDTHH:MM:SS[.s+]Z` with valid ranges.
fn valid_timestamp(s: &str) -> bool {
    let b = s.as_bytes();
    if b.len() < 20 || *b.last().unwrap_or(&0) != b'Z' {
        return false;
    }
    let d = |i: usize| b.get(i).is_some_and(u8::is_ascii_digit);
    let n = |i: usize| u32::from(b[i] - b'0') * 10 + u32::from(b[i + 1] - b'0');
    if !(0..4).all(d) || b[4] != b'-' || !d(5) || !d(6) || b[7] != b'-' || !d(8) || !d(9) || b[10] != b'T' {
        return false;
    }
    if !d(11) || !d(12) || b[13] != b':' || !d(14) || !d(15) || b[16] != b':' || !d(17) || !d(18) {
        return false;
    }
    let (month, day, hour, minute, second) = (n(5), n(8), n(11), n(14), n(17));
    if !(1..=12).contains(&month) || !(1..=31).contains(&day) || hour > 23 || minute > 59 || second > 60 {
        return false;
    }
    let rest = &b[19..b.len() - 1];
    rest.is_empty() || (rest.len() >= 2 && rest[0] == b'.' && rest[1..].iter().all(u8::is_ascii_digit))
}

/// Bytes of an even-length hex string (either case), or `None`.
pub(crate) fn hex(s: &str) -> Option<Vec<u8>> {
    let b = s.as_bytes();
    if !b.len().is_multiple_of(2) {
        return None;
    }
    b.chunks(2).map(|p| Some((char::from(p[0]).to_digit(16)? * 16 + char::from(p[1]).to_digit(16)?) as u8)).collect()
}

pub(crate) fn base64(s: &str) -> Option<Vec<u8>> {
    let b = s.as_bytes();
    if !b.len().is_multiple_of(4) {
        return None;
    }
    let val = |c: u8| -> Option<u32> {
        Some(match c {
            b'A'..=b'Z' => u32::from(c - b'A'),
            b'a'..=b'z' => u32::from(c - b'a') + 26,
            b'0'..=b'9' => u32::from(c - b'0') + 52,
            b'+' => 62,
            b'/' => 63,
            _ => return None,
        })
    };
    let mut out = Vec::new();
    for (i, chunk) in b.chunks(4).enumerate() {
        let last = i == b.len() / 4 - 1;
        let pads = chunk.iter().rev().take_while(|c| **c == b'=').count();
        if pads > 2 || (pads > 0 && !last) {
            return None;
        }
        let mut acc = 0u32;
        for &c in &chunk[..4 - pads] {
            acc = (acc << 6) | val(c)?;
        }
        acc <<= 6 * pads as u32;
        let bytes = [(acc >> 16) as u8, (acc >> 8) as u8, acc as u8];
        out.extend_from_slice(&bytes[..3 - pads]);
    }
    Some(out)
}

fn err(pos: usize, msg: String) -> PatternError {
    PatternError { position: pos, message: msg }
}

/// A string body from `from`, just after the opening quote of a literal starting at `start`:
/// the text and where the literal ends. `\'` and `\\` are the only escapes. Runs between
/// them are copied whole (both are ASCII, so runs end on char boundaries).
fn quoted(src: &str, start: usize, from: usize) -> Result<(String, usize), PatternError> {
    let b = src.as_bytes();
    let run_end = |j: usize| b[j..].iter().position(|&x| is(x, QUOTING)).map(|run| j + run);
    let Some(mut j) = run_end(from) else {
        return Err(err(start, "unterminated string literal".into()));
    };
    if b[j] == b'\'' {
        // No escape: the whole body in one piece.
        return Ok((src[from..j].to_string(), j + 1));
    }
    let mut s = String::from(&src[from..j]);
    loop {
        match b.get(j + 1) {
            Some(&e @ (b'\'' | b'\\')) => s.push(char::from(e)),
            _ => return Err(err(j, "invalid escape in string literal (only \\' and \\\\ are allowed)".into())),
        }
        let next = j + 2;
        let Some(end) = run_end(next) else {
            return Err(err(start, "unterminated string literal".into()));
        };
        s.push_str(&src[next..end]);
        j = end;
        if b[j] == b'\'' {
            return Ok((s, j + 1));
        }
    }
}

pub fn lex(src: &str) -> Result<Vec<Token<'_>>, PatternError> {
    let b = src.as_bytes();
    let mut i = 0;
    // Tokens average three bytes or more with their spacing: usually room for all at once.
    let mut out = Vec::with_capacity(b.len() / 3 + 2);
    while i < b.len() {
        let c = b[i];
        if is(c, SPACE) {
            i += 1;
            continue;
        }
        // Comments: `/* … */` and `// …` to the end of the line.
        if c == b'/' && b.get(i + 1) == Some(&b'*') {
            let end = src[i + 2..].find("*/").ok_or_else(|| err(i, "unterminated comment".into()))?;
            i += end + 4;
            continue;
        }
        if c == b'/' && b.get(i + 1) == Some(&b'/') {
            i = src[i..].find('\n').map_or(b.len(), |p| i + p);
            continue;
        }
        let start = i;
        let tok = match c {
            b'[' => {
                i += 1;
                Tok::LBrack
            }
            b']' => {
                i += 1;
                Tok::RBrack
            }
            b'(' => {
                i += 1;
                Tok::LParen
            }
            b')' => {
                i += 1;
                Tok::RParen
            }
            b':' => {
                i += 1;
                Tok::Colon
            }
            b',' => {
                i += 1;
                Tok::Comma
            }
            b'*' => {
                i += 1;
                Tok::Star
            }
            b'=' => {
                // The grammar spells equality `=` or `==`.
                i += if b.get(i + 1) == Some(&b'=') { 2 } else { 1 };
                Tok::Eq
            }
            b'!' if b.get(i + 1) == Some(&b'=') => {
                i += 2;
                Tok::Neq
            }
            b'<' if b.get(i + 1) == Some(&b'>') => {
                i += 2;
                Tok::Neq
            }
            b'<' if b.get(i + 1) == Some(&b'=') => {
                i += 2;
                Tok::Le
            }
            b'<' => {
                i += 1;
                Tok::Lt
            }
            b'>' if b.get(i + 1) == Some(&b'=') => {
                i += 2;
                Tok::Ge
            }
            b'>' => {
                i += 1;
                Tok::Gt
            }
            b'\'' => {
                let (s, end) = quoted(src, start, i + 1)?;
                i = end;
                Tok::Str(s)
            }
            b't' | b'b' | b'h' if b.get(i + 1) == Some(&b'\'') => {
                let (s, end) = quoted(src, start, i + 2)?;
                i = end;
                match c {
                    b't' if valid_timestamp(&s) => Tok::Timestamp(s),
                    b't' => return Err(err(start, format!("invalid timestamp literal t'{s}'"))),
                    b'b' => match base64(&s) {
                        Some(v) => Tok::Binary(v),
                        None => return Err(err(start, format!("invalid binary (base64) literal b'{s}'"))),
                    },
                    _ => match hex(&s) {
                        Some(v) => Tok::Hex(v),
                        None => return Err(err(start, format!("invalid hex literal h'{s}'"))),
                    },
                }
            }
            b'.' if !b.get(i + 1).is_some_and(u8::is_ascii_digit) => {
                i += 1;
                Tok::Dot
            }
            b'+' | b'-' | b'.' | b'0'..=b'9' => {
                let neg = c == b'-';
                let mut j = i;
                if c == b'+' || c == b'-' {
                    j += 1;
                }
                let digits_start = j;
                while b.get(j).is_some_and(u8::is_ascii_digit) {
                    j += 1;
                }
                let int_digits = &src[digits_start..j];
                let is_float = b.get(j) == Some(&b'.') && b.get(j + 1).is_some_and(u8::is_ascii_digit);
                if is_float {
                    j += 1;
                    while b.get(j).is_some_and(u8::is_ascii_digit) {
                        j += 1;
                    }
                    let v: f64 = src[digits_start..j].parse().map_err(|_| err(start, "invalid number".into()))?;
                    i = j;
                    if neg {
                        Tok::FloatNeg(-v)
                    } else {
                        Tok::FloatPos(v)
                    }
                } else {
                    if int_digits.is_empty() || (int_digits.len() > 1 && int_digits.starts_with('0')) {
                        return Err(err(start, format!("invalid number '{}'", &src[start..j.max(start + 1)])));
                    }
                    let v: i64 = int_digits.parse().map_err(|_| err(start, "integer out of range".into()))?;
                    i = j;
                    if neg {
                        Tok::IntNeg(-v)
                    } else {
                        Tok::IntPos(v)
                    }
                }
            }
            c if is(c, IDENT_START) => {
                let mut j = i;
                let mut seen = 0;
                while let Some(&x) = b.get(j).filter(|&&x| is(x, IDENT | HYPHEN)) {
                    seen |= CLASSES[usize::from(x)];
                    j += 1;
                }
                let hyphen = seen & HYPHEN != 0;
                let word = &src[i..j];
                i = j;
                match word {
                    "true" => Tok::Bool(true),
                    "false" => Tok::Bool(false),
                    // Keywords are upper case; most identifiers are not.
                    w => match w.as_bytes()[0].is_ascii_uppercase().then(|| Kw::of(w)).flatten() {
                        Some(k) => Tok::Kw(k),
                        None => Tok::Ident { name: w.to_string(), hyphen },
                    },
                }
            }
            _ => {
                let ch = src[i..].chars().next().unwrap_or('?');
                return Err(err(i, format!("unexpected character '{ch}'")));
            }
        };
        out.push(Token { tok, pos: start, text: &src[start..i] });
    }
    out.push(Token { tok: Tok::Eof, pos: src.len(), text: "" });
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn literals() {
        assert!(valid_timestamp("2016-06-01T01:30:00.123Z"));
        assert!(!valid_timestamp("2024-13-01T12:00:00Z"));
        assert!(!valid_timestamp("2010-05-21T13:21Z"));
        assert_eq!(base64("AQIDBA=="), Some(vec![1, 2, 3, 4]));
        assert_eq!(base64("===="), None);
        let t = lex("[x:y = -1.5 AND x:z != h'ff']").unwrap();
        assert_eq!(t[5].tok, Tok::FloatNeg(-1.5));
        assert_eq!(t[11].tok, Tok::Hex(vec![255]));
    }
}
