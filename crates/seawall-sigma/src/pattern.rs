//! Sigma string values: wildcards (`*`, `?`) with backslash escapes, and the compiled string
//! pattern that matches them against event text.

/// One piece of a Sigma string value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Tok {
    Lit(String),
    /// `*`: any run of characters.
    Star,
    /// `?`: exactly one character.
    One,
}

/// A parsed Sigma string value.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SigmaString(pub Vec<Tok>);

impl SigmaString {
    /// Parses wildcards and escapes: `\*`, `\?` and `\\` are literal `*`, `?` and `\`; any other
    /// backslash is literal.
    pub fn parse(s: &str) -> SigmaString {
        // Text between special characters is copied in one piece: rules hold tens of thousands
        // of values, most without any.
        let mut toks = Vec::new();
        let mut lit = String::new();
        let mut rest = s;
        while let Some(i) = rest.find(['\\', '*', '?']) {
            lit.push_str(&rest[..i]);
            let c = rest.as_bytes()[i];
            rest = &rest[i + 1..];
            match c {
                b'\\' => match rest.as_bytes().first() {
                    Some(&n @ (b'*' | b'?' | b'\\')) => {
                        lit.push(char::from(n));
                        rest = &rest[1..];
                    }
                    _ => lit.push('\\'),
                },
                _ => {
                    if !lit.is_empty() {
                        toks.push(Tok::Lit(std::mem::take(&mut lit)));
                    }
                    toks.push(if c == b'*' { Tok::Star } else { Tok::One });
                }
            }
        }
        lit.push_str(rest);
        if !lit.is_empty() {
            toks.push(Tok::Lit(lit));
        }
        SigmaString(toks)
    }

    pub fn literal(s: &str) -> SigmaString {
        if s.is_empty() {
            SigmaString(vec![])
        } else {
            SigmaString(vec![Tok::Lit(s.to_string())])
        }
    }

    /// The text when the value has no wildcards.
    pub fn as_plain(&self) -> Option<String> {
        let mut out = String::new();
        for t in &self.0 {
            match t {
                Tok::Lit(s) => out.push_str(s),
                _ => return None,
            }
        }
        Some(out)
    }

    pub fn starts_with_star(&self) -> bool {
        matches!(self.0.first(), Some(Tok::Star))
    }
    pub fn ends_with_star(&self) -> bool {
        matches!(self.0.last(), Some(Tok::Star))
    }
    pub fn prepend_star(&mut self) {
        if !self.starts_with_star() {
            self.0.insert(0, Tok::Star);
        }
    }
    pub fn append_star(&mut self) {
        if !self.ends_with_star() {
            self.0.push(Tok::Star);
        }
    }

    /// Applies `f` to every literal piece (used by windash and case folding).
    pub fn map_literals(&self, f: impl Fn(&str) -> String) -> SigmaString {
        SigmaString(
            self.0
                .iter()
                .map(|t| match t {
                    Tok::Lit(s) => Tok::Lit(f(s)),
                    other => other.clone(),
                })
                .collect(),
        )
    }
}

/// Case folding used on both sides of case-insensitive comparisons.
pub fn fold(s: &str) -> std::borrow::Cow<'_, str> {
    if !changes_when_folded(s) {
        std::borrow::Cow::Borrowed(s)
    } else if s.is_ascii() {
        std::borrow::Cow::Owned(s.to_ascii_lowercase())
    } else {
        std::borrow::Cow::Owned(s.to_lowercase())
    }
}

/// Whether folding may change `s`: it holds an ASCII capital or a non-ASCII character. Eight
/// bytes are tested at a time: event values run to kilobytes (scripts, command lines), and
/// most are tested once an event.
pub fn changes_when_folded(s: &str) -> bool {
    const fn each(b: u8) -> u64 {
        u64::from_le_bytes([b; 8])
    }
    // In a word of ASCII bytes, adding 0x80 - c to each byte sets its top bit exactly when the
    // byte is at least c, without a carry into the next byte.
    let capitals = |w: u64| w.wrapping_add(each(0x80 - b'A')) & !w.wrapping_add(each(0x80 - b'Z' - 1)) & each(0x80);
    let mut chunks = s.as_bytes().chunks_exact(8);
    for c in &mut chunks {
        let mut w = [0u8; 8];
        w.copy_from_slice(c);
        let w = u64::from_le_bytes(w);
        if w & each(0x80) != 0 || capitals(w) != 0 {
            return true;
        }
    }
    chunks.remainder().iter().any(|b| !b.is_ascii() || b.is_ascii_uppercase())
}

/// Appends the folded text of `s` to `buf` (as [`fold`] would give it), so per-event folding
/// reuses one buffer instead of a string per value.
pub fn push_folded(buf: &mut String, s: &str) {
    if s.is_ascii() {
        let from = buf.len();
        buf.push_str(s);
        buf[from..].make_ascii_lowercase();
    } else if s.contains('Σ') {
        // Its lower case depends on the letters around it (final sigma): `to_lowercase` knows.
        buf.push_str(&s.to_lowercase());
    } else {
        // Character by character, as `to_lowercase` does, without a string of its own (text
        // such as "Microsoft® Windows®" is in most Sysmon events).
        buf.reserve(s.len());
        for c in s.chars() {
            if c.is_ascii() {
                buf.push(c.to_ascii_lowercase());
            } else {
                buf.extend(c.to_lowercase());
            }
        }
    }
}

/// Text searched for inside values, with its searcher built on first use: a large rule set
/// holds tens of thousands of these, and the prefilter keeps most of them from ever being
/// searched, so building every searcher up front was a sizeable part of loading.
#[derive(Debug, Clone)]
pub struct Needle {
    pub text: String,
    finder: std::sync::OnceLock<memchr::memmem::Finder<'static>>,
}

impl Needle {
    pub fn new(text: &str) -> Needle {
        Needle { text: text.to_string(), finder: std::sync::OnceLock::new() }
    }

    pub fn find_in(&self, hay: &[u8]) -> bool {
        self.finder.get_or_init(|| memchr::memmem::Finder::new(self.text.as_bytes()).into_owned()).find(hay).is_some()
    }
}

impl PartialEq for Needle {
    fn eq(&self, other: &Needle) -> bool {
        self.text == other.text
    }
}
impl Eq for Needle {}

/// A compiled string pattern. Case-insensitive patterns hold folded text and expect folded input.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StrPattern {
    Exact(String),
    Prefix(String),
    Suffix(String),
    Contains(Box<Needle>),
    /// Literal pieces separated by `*`, no `?`: first piece is a prefix, last a suffix.
    Pieces {
        parts: Vec<String>,
        anchored_start: bool,
        anchored_end: bool,
    },
    /// General glob with `?`, matched by characters.
    Glob(Vec<GlobTok>),
    /// `*` alone: any value, also empty.
    Any,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum GlobTok {
    Ch(char),
    One,
    Star,
}

impl StrPattern {
    pub fn compile(s: &SigmaString, cased: bool) -> StrPattern {
        let s = if cased { s.clone() } else { s.map_literals(|l| fold(l).into_owned()) };
        // Merge runs of stars.
        let mut toks: Vec<Tok> = Vec::with_capacity(s.0.len());
        for t in s.0 {
            match (&t, toks.last_mut()) {
                (Tok::Star, Some(Tok::Star)) => {}
                (Tok::Lit(l), Some(Tok::Lit(prev))) => prev.push_str(l),
                _ => toks.push(t),
            }
        }
        if toks.contains(&Tok::One) {
            let mut g = Vec::new();
            for t in toks {
                match t {
                    Tok::Lit(l) => g.extend(l.chars().map(GlobTok::Ch)),
                    Tok::One => g.push(GlobTok::One),
                    Tok::Star => g.push(GlobTok::Star),
                }
            }
            return StrPattern::Glob(g);
        }
        match toks.as_slice() {
            [] => StrPattern::Exact(String::new()),
            [Tok::Star] => StrPattern::Any,
            [Tok::Lit(l)] => StrPattern::Exact(l.clone()),
            [Tok::Lit(l), Tok::Star] => StrPattern::Prefix(l.clone()),
            [Tok::Star, Tok::Lit(l)] => StrPattern::Suffix(l.clone()),
            [Tok::Star, Tok::Lit(l), Tok::Star] => StrPattern::Contains(Box::new(Needle::new(l))),
            _ => {
                let anchored_start = !matches!(toks.first(), Some(Tok::Star));
                let anchored_end = !matches!(toks.last(), Some(Tok::Star));
                let parts = toks
                    .into_iter()
                    .filter_map(|t| match t {
                        Tok::Lit(l) => Some(l),
                        _ => None,
                    })
                    .collect();
                StrPattern::Pieces { parts, anchored_start, anchored_end }
            }
        }
    }

    /// Tests already-folded (or, for cased patterns, original) text.
    pub fn matches(&self, hay: &str) -> bool {
        match self {
            StrPattern::Exact(s) => seawall_core::same_bytes(hay.as_bytes(), s.as_bytes()),
            StrPattern::Prefix(s) => seawall_core::starts_with_bytes(hay.as_bytes(), s.as_bytes()),
            StrPattern::Suffix(s) => seawall_core::ends_with_bytes(hay.as_bytes(), s.as_bytes()),
            StrPattern::Contains(n) => n.find_in(hay.as_bytes()),
            StrPattern::Any => true,
            StrPattern::Pieces { parts, anchored_start, anchored_end } => {
                pieces_match(parts, *anchored_start, *anchored_end, hay)
            }
            StrPattern::Glob(g) => glob_match(g, hay),
        }
    }

    /// The longest piece of literal text every match must contain, for prefiltering.
    pub fn required_literal(&self) -> Option<std::borrow::Cow<'_, str>> {
        use std::borrow::Cow;
        let s: Cow<'_, str> = match self {
            StrPattern::Contains(n) => Cow::Borrowed(&n.text),
            StrPattern::Exact(s) | StrPattern::Prefix(s) | StrPattern::Suffix(s) => Cow::Borrowed(s),
            StrPattern::Pieces { parts, .. } => Cow::Borrowed(parts.iter().max_by_key(|p| p.len())?),
            StrPattern::Glob(g) => {
                let runs = g.split(|t| !matches!(t, GlobTok::Ch(_)));
                let run = runs.max_by_key(|r| {
                    r.iter().map(|t| if let GlobTok::Ch(c) = t { c.len_utf8() } else { 0 }).sum::<usize>()
                })?;
                Cow::Owned(run.iter().filter_map(|t| if let GlobTok::Ch(c) = t { Some(*c) } else { None }).collect())
            }
            StrPattern::Any => return None,
        };
        (!s.is_empty()).then_some(s)
    }
}

fn pieces_match(parts: &[String], anchored_start: bool, anchored_end: bool, hay: &str) -> bool {
    let mut rest = hay.as_bytes();
    let n = parts.len();
    for (i, p) in parts.iter().enumerate() {
        let p = p.as_bytes();
        if i == 0 && anchored_start {
            if !seawall_core::starts_with_bytes(rest, p) {
                return false;
            }
            rest = &rest[p.len()..];
        } else if i == n - 1 && anchored_end {
            return seawall_core::ends_with_bytes(rest, p);
        } else {
            match memchr::memmem::find(rest, p) {
                Some(pos) => rest = &rest[pos + p.len()..],
                None => return false,
            }
        }
    }
    !anchored_end || rest.is_empty()
}

/// Wildcard match with backtracking to the last star (linear in practice), by characters
/// decoded in place.
fn glob_match(pat: &[GlobTok], hay: &str) -> bool {
    let width = |at: usize| hay[at..].chars().next().map_or(1, char::len_utf8);
    // Pattern position, byte offset in `hay`, and where the last star resumes.
    let (mut p, mut i) = (0usize, 0usize);
    let mut star: Option<(usize, usize)> = None;
    while let Some(c) = hay[i..].chars().next() {
        match pat.get(p) {
            Some(GlobTok::Ch(pc)) if *pc == c => {
                p += 1;
                i += c.len_utf8();
            }
            Some(GlobTok::One) => {
                p += 1;
                i += c.len_utf8();
            }
            Some(GlobTok::Star) => {
                star = Some((p, i));
                p += 1;
            }
            _ => match star {
                Some((sp, si)) => {
                    let next = si + width(si);
                    p = sp + 1;
                    i = next;
                    star = Some((sp, next));
                }
                None => return false,
            },
        }
    }
    pat[p.min(pat.len())..].iter().all(|t| *t == GlobTok::Star)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(pat: &str, hay: &str) -> bool {
        StrPattern::compile(&SigmaString::parse(pat), false).matches(&fold(hay))
    }

    #[test]
    fn folding_into_a_buffer_gives_what_to_lowercase_gives() {
        let texts = [
            "Microsoft® Windows® Operating System",
            "ÀÉÎÕÜ Straße",
            "İstanbul",
            "ΟΔΥΣΣΕΥΣ",
            "ΣΑΣ σ Σ",
            "ǅemal ǈ",
            "ﬁ ẞ Ω K Å",
            "plain ascii",
            "",
        ];
        for t in texts {
            let mut buf = String::from("kept|");
            push_folded(&mut buf, t);
            assert_eq!(buf, format!("kept|{}", t.to_lowercase()), "{t:?}");
        }
    }

    #[test]
    fn words_of_text_tell_capitals_and_non_ascii_like_bytes_do() {
        let naive = |s: &str| s.bytes().any(|b| !b.is_ascii() || b.is_ascii_uppercase());
        let mut texts: Vec<String> =
            ["", "a", "Z", "@[`{", "abcdefgh", "abcdefgH", "abcdefghi@", "c:\\windows\\cmd.exe"]
                .iter()
                .map(|s| s.to_string())
                .collect();
        // Every byte value at every place of a 17-byte text (two words and a remainder).
        for place in 0..17 {
            for b in 0..=127u8 {
                let mut t = vec![b'x'; 17];
                t[place] = b;
                texts.push(String::from_utf8(t).unwrap_or_default());
            }
            let mut t: Vec<char> = vec!['x'; 17];
            t[place] = 'é';
            texts.push(t.into_iter().collect());
        }
        for t in &texts {
            assert_eq!(changes_when_folded(t), naive(t), "{t:?}");
            assert_eq!(fold(t), t.to_lowercase(), "{t:?}");
        }
    }

    #[test]
    fn wildcards_and_case() {
        assert!(m("*\\cmd.exe", "C:\\Windows\\System32\\CMD.EXE"));
        assert!(!m("*\\cmd.exe", "C:\\cmd.exe.bak"));
        assert!(m("adm*", "Administrator"));
        assert!(m("*pow*shell*", "PowerShell.exe"));
        assert!(m("a*b*c", "aXbYc"));
        assert!(!m("a*b*c", "aXbYcd"));
        assert!(m("a?c", "abc"));
        assert!(!m("a?c", "abbc"));
        assert!(m("a?c*", "aÄcde"));
        assert!(m("*ä?x", "zzÄÖx"));
        assert!(!m("*ä?x", "zzÄÖÖx"));
        assert!(m("?", "€"));
        assert!(!m("??", "€"));
        assert!(m("*", ""));
        assert!(m("", ""));
        assert!(!m("", "x"));
    }

    #[test]
    fn escapes_follow_the_spec() {
        // \* and \? are literal; \\ is one backslash; other backslashes stay.
        assert!(m("a\\*b", "a*b"));
        assert!(!m("a\\*b", "axxb"));
        assert!(m("what\\?", "what?"));
        assert!(!m("what\\?", "whatX"));
        assert!(m("C:\\\\Windows", "C:\\Windows"));
        assert!(m("\\\\*", "\\anything"));
        assert!(m("C:\\Windows\\", "c:\\windows\\"));
    }

    #[test]
    fn values_split_into_literals_and_wildcards() {
        let lit = |s: &str| Tok::Lit(s.to_string());
        let cases: [(&str, Vec<Tok>); 8] = [
            ("", vec![]),
            ("plain", vec![lit("plain")]),
            ("*\\cmd.exe", vec![Tok::Star, lit("\\cmd.exe")]),
            ("a\\*b?c*", vec![lit("a*b"), Tok::One, lit("c"), Tok::Star]),
            ("C:\\\\x\\", vec![lit("C:\\x\\")]),
            ("end\\", vec![lit("end\\")]),
            ("\\?\\\\*", vec![lit("?\\"), Tok::Star]),
            ("**é?", vec![Tok::Star, Tok::Star, lit("é"), Tok::One]),
        ];
        for (text, want) in cases {
            assert_eq!(SigmaString::parse(text).0, want, "{text:?}");
        }
    }

    #[test]
    fn a_glob_requires_its_longest_literal_run() {
        let lit =
            |p: &str| StrPattern::compile(&SigmaString::parse(p), false).required_literal().map(|l| l.into_owned());
        assert_eq!(lit("*\\a?.exe*ab"), Some(".exe".to_string()));
        assert_eq!(lit("?"), None);
        assert_eq!(lit("ÄÄ?abc"), Some("ää".to_string()));
    }

    #[test]
    fn cased_patterns_keep_case() {
        let p = StrPattern::compile(&SigmaString::parse("*Foo*"), true);
        assert!(p.matches("xFoo"));
        assert!(!p.matches("xfoo"));
    }
}
