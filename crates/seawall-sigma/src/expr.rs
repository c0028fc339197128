//! The compiled form of a detection: an expression tree over field matchers.

use std::borrow::Cow;
use std::sync::{Arc, OnceLock};

use regex::Regex;

use crate::modifier::Modifier;
use crate::patlist::Patterns;
use crate::rule::CmpOp;

/// Index of a field in the engine's field table (a list of event paths to try).
pub type Slot = u32;

#[derive(Debug, Clone)]
pub enum Expr {
    And(Vec<Expr>),
    Or(Vec<Expr>),
    Not(Box<Expr>),
    Const(bool),
    /// A matcher applied to one field; true when any value of the field matches.
    Field(Slot, Matcher),
    /// A matcher applied to every value of the event (keyword search).
    Keyword(Matcher),
}

#[derive(Debug, Clone)]
pub enum Matcher {
    /// Any pattern matches the folded value.
    Str(Patterns),
    /// Any pattern matches the value as is (`cased`).
    StrCased(Patterns),
    Regex(LazyRegex),
    Cidr(ipnet::IpNet),
    Num(CmpOp, f64),
    /// `exists: true/false`.
    Exists(bool),
    /// Sigma `null`: the field is missing or null.
    Null,
    /// Equal to the value of another field.
    FieldRef {
        other: Slot,
        cased: bool,
    },
    /// A component of the field's timestamp compared with a number.
    TimePart {
        part: Modifier,
        op: CmpOp,
        value: f64,
    },
}

/// A rule's regular expression, checked when the rule loads and compiled when an event first
/// reaches it: most of a large rule set's regexes never meet an event of their log source, and
/// compiling them all was a tenth of the load time.
///
/// A pattern written in ASCII is also compiled without Unicode classes, and that form is used on
/// ASCII text, where it matches exactly what the Unicode form does (`\w`, `\s`, `\d`, `\b`,
/// `.` and case-insensitive letters differ only on characters beyond ASCII, and an ASCII pattern
/// holds none). It is far smaller: `\w{1,64}` over Unicode word characters is too big for the
/// lazy DFA and fell back to a backtracker that cleared a large bitmap on every search.
#[derive(Debug, Clone)]
pub struct LazyRegex {
    source: String,
    /// What the prefilter needs of every match, worked out from the syntax tree of the check.
    literals: Option<Vec<String>>,
    /// Shared by the clones: a rule's variants (one per log-source mapping) compile it once.
    compiled: Arc<CompiledRegex>,
}

#[derive(Debug, Default)]
struct CompiledRegex {
    unicode: OnceLock<Result<Regex, String>>,
    /// The ASCII form; `None` inside when the pattern is not ASCII or that form does not build.
    ascii: OnceLock<Option<regex::bytes::Regex>>,
}

/// Most memory one compiled regex may take.
const REGEX_SIZE_LIMIT: usize = 64 << 20;

impl LazyRegex {
    /// Checks the syntax (the error is the regex crate's own message).
    pub fn new(source: String) -> Result<LazyRegex, String> {
        let hir = regex_syntax::ParserBuilder::new()
            .build()
            .parse(&source)
            .map_err(|e| e.to_string().lines().last().unwrap_or("").to_string())?;
        Ok(LazyRegex { source, literals: regex_literals(&hir), compiled: Arc::default() })
    }

    /// Compiles now (what `rules check` does, so no error waits for the first event).
    pub fn compile(&self) -> Result<&Regex, String> {
        self.compiled
            .unicode
            .get_or_init(|| {
                regex::RegexBuilder::new(&self.source)
                    .size_limit(REGEX_SIZE_LIMIT)
                    .build()
                    .map_err(|e| e.to_string().lines().last().unwrap_or("").to_string())
            })
            .as_ref()
            .map_err(Clone::clone)
    }

    fn ascii(&self) -> Option<&regex::bytes::Regex> {
        self.compiled
            .ascii
            .get_or_init(|| {
                if !self.source.is_ascii() {
                    return None;
                }
                regex::bytes::RegexBuilder::new(&self.source).unicode(false).size_limit(REGEX_SIZE_LIMIT).build().ok()
            })
            .as_ref()
    }

    /// Literals one of which occurs in any text the regex matches, folded to lower case, for the
    /// prefilter; `None` when none are known. See [`regex_literals`].
    pub fn required_literals(&self) -> Option<&[String]> {
        self.literals.as_deref()
    }

    pub fn is_match(&self, text: &str) -> bool {
        if text.is_ascii() {
            if let Some(re) = self.ascii() {
                return re.is_match(text.as_bytes());
            }
        }
        // A regex whose syntax is valid but which exceeds the size limit matches nothing;
        // `rules check` reports it as an error.
        self.compile().is_ok_and(|re| re.is_match(text))
    }
}

impl Expr {
    pub fn and(mut items: Vec<Expr>) -> Expr {
        if items.len() == 1 {
            items.remove(0)
        } else {
            Expr::And(items)
        }
    }
    pub fn or(mut items: Vec<Expr>) -> Expr {
        if items.len() == 1 {
            items.remove(0)
        } else {
            Expr::Or(items)
        }
    }

    /// Renumbers field slots (`map[old] = new`), when a rule compiled with its own table joins
    /// the shared one.
    pub fn remap_slots(&mut self, map: &[Slot]) {
        match self {
            Expr::And(items) | Expr::Or(items) => items.iter_mut().for_each(|i| i.remap_slots(map)),
            Expr::Not(inner) => inner.remap_slots(map),
            Expr::Const(_) => {}
            Expr::Field(slot, m) => {
                *slot = map[*slot as usize];
                m.remap_slots(map);
            }
            Expr::Keyword(m) => m.remap_slots(map),
        }
    }

    /// Groups of literals, all of which must be satisfied (each by at least one of its
    /// literals occurring, case-folded, in its source) for this expression to be true.
    /// Empty: nothing is known. At most `MAX_GROUPS`, the most selective kept.
    pub fn required_groups(&self) -> Vec<Vec<Literal<'_>>> {
        let mut groups = match self {
            Expr::Const(false) => vec![vec![]],
            Expr::Const(true) | Expr::Not(_) => vec![],
            Expr::Field(slot, m) => m
                .required_literals()
                .map(|l| {
                    vec![l.into_iter().map(|text| Literal { source: LiteralSource::Field(*slot), text }).collect()]
                })
                .unwrap_or_default(),
            Expr::Keyword(m) => m
                .required_literals()
                .map(|l| vec![l.into_iter().map(|text| Literal { source: LiteralSource::Anywhere, text }).collect()])
                .unwrap_or_default(),
            Expr::And(items) => items.iter().flat_map(Expr::required_groups).collect(),
            Expr::Or(items) => {
                // (A and B) or C needs (A or C) and (B or C): the groups of the operands
                // distributed, one group of each operand per combination. Operands keep all
                // their groups while the combinations stay within `MAX_GROUPS`, then only their
                // most selective ones. (Making every combination and keeping the most selective
                // left more variants to evaluate: literal length foretells little.)
                let mut combos: Vec<Vec<Literal<'_>>> = vec![Vec::new()];
                for i in items {
                    let mut alternatives = i.required_groups();
                    if alternatives.is_empty() {
                        return vec![];
                    }
                    if combos.len() * alternatives.len() > MAX_GROUPS {
                        alternatives.sort_by_key(|g| std::cmp::Reverse(group_selectivity(g)));
                        alternatives.truncate((MAX_GROUPS / combos.len()).max(1));
                    }
                    combos = combos
                        .iter()
                        .flat_map(|c| alternatives.iter().map(move |g| c.iter().chain(g).cloned().collect()))
                        .collect();
                }
                combos
            }
        };
        for g in &mut groups {
            g.sort();
            g.dedup();
        }
        groups.sort();
        groups.dedup();
        if groups.len() > MAX_GROUPS {
            groups.sort_by_key(|g| std::cmp::Reverse(group_selectivity(g)));
            groups.truncate(MAX_GROUPS);
        }
        groups
    }
}

/// Literals one of which occurs in any match of a regex: the best (longest shortest literal) of
/// the prefixes and suffixes of the whole match and of the prefixes of the tails of every
/// concatenation inside it that start a run of literal characters (so `\s+\d{2}werfault`
/// yields `werfault`). Each literal is cut to its
/// longest ASCII run and folded: folding other text can change its length or turn it into ASCII
/// (the Kelvin sign folds to `k`).
fn regex_literals(hir: &regex_syntax::hir::Hir) -> Option<Vec<String>> {
    use regex_syntax::hir::literal::{ExtractKind, Extractor, Seq};
    use regex_syntax::hir::{Hir, HirKind};
    // Literals per set: case-insensitive text expands to a variant per letter case, and 64
    // variants still hold six letters, while larger sets made loading slow.
    const LIMIT: usize = 64;
    fn ascii_runs(seq: &Seq) -> Option<Vec<String>> {
        let mut out = Vec::new();
        for lit in seq.literals()? {
            let run = lit.as_bytes().split(|b| !b.is_ascii()).max_by_key(|r| r.len()).unwrap_or(&[]);
            if run.is_empty() {
                return None;
            }
            out.push(String::from_utf8_lossy(run).to_ascii_lowercase());
        }
        out.sort();
        out.dedup();
        Some(out)
    }
    /// A literal character, or (case-insensitive) the class of its cases.
    fn literal_like(h: &Hir) -> bool {
        matches!(h.kind(), HirKind::Literal(_) | HirKind::Class(_))
    }
    fn best(a: Option<Vec<String>>, b: Option<Vec<String>>) -> Option<Vec<String>> {
        match (a, b) {
            (Some(a), Some(b)) => Some(if literals_selectivity(&b) > literals_selectivity(&a) { b } else { a }),
            (a, b) => a.or(b),
        }
    }
    fn prefixes(h: &Hir) -> Option<Vec<String>> {
        ascii_runs(&Extractor::new().kind(ExtractKind::Prefix).limit_total(LIMIT).extract(h))
    }
    fn inner(h: &Hir) -> Option<Vec<String>> {
        match h.kind() {
            HirKind::Concat(parts) => {
                let mut found = None;
                for i in 0..parts.len() {
                    // Tails are taken where a run of literal characters starts: others rarely
                    // start with a literal, and copying every tail made loading markedly slower.
                    if i > 0 && literal_like(&parts[i]) && !literal_like(&parts[i - 1]) {
                        found = best(found, prefixes(&Hir::concat(parts[i..].to_vec())));
                    }
                    found = best(found, inner(&parts[i]));
                }
                found
            }
            HirKind::Alternation(branches) => {
                let mut all = Vec::new();
                for b in branches {
                    all.extend(best(prefixes(b), inner(b))?);
                }
                all.sort();
                all.dedup();
                Some(all)
            }
            HirKind::Capture(c) => inner(&c.sub),
            HirKind::Repetition(r) if r.min > 0 => inner(&r.sub),
            _ => None,
        }
    }
    let suffixes = ascii_runs(&Extractor::new().kind(ExtractKind::Suffix).limit_total(LIMIT).extract(hir));
    best(best(prefixes(hir), suffixes), inner(hir))
}

/// Literal groups kept per variant by the prefilter.
pub const MAX_GROUPS: usize = 2;

/// Where a prefilter literal must occur.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum LiteralSource {
    /// In the values of one field.
    Field(Slot),
    /// In any value of the event (keyword searches).
    Anywhere,
}

/// Text that must occur (case-folded) in a source; borrowed from the expression where it
/// holds the text already folded (most values), so working out a rule set's groups allocates
/// little.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Literal<'e> {
    pub source: LiteralSource,
    pub text: Cow<'e, str>,
}

/// How selective a literal group is likely to be: longer shortest literal, then fewer literals.
fn selectivity(lengths: impl Iterator<Item = usize>, count: usize) -> (usize, usize) {
    (lengths.min().unwrap_or(usize::MAX).min(64), usize::MAX - count)
}

fn literals_selectivity(lits: &[String]) -> (usize, usize) {
    selectivity(lits.iter().map(String::len), lits.len())
}

fn group_selectivity(g: &[Literal]) -> (usize, usize) {
    selectivity(g.iter().map(|l| l.text.len()), g.len())
}

/// The folded form of a literal, still borrowed when folding leaves it as it is (the text of
/// case-insensitive values is folded when they compile).
fn fold_literal(l: Cow<'_, str>) -> Cow<'_, str> {
    match l {
        Cow::Borrowed(t) => crate::pattern::fold(t),
        Cow::Owned(t) => match crate::pattern::fold(&t) {
            Cow::Borrowed(_) => Cow::Owned(t),
            Cow::Owned(folded) => Cow::Owned(folded),
        },
    }
}

impl Matcher {
    fn remap_slots(&mut self, map: &[Slot]) {
        if let Matcher::FieldRef { other, .. } = self {
            *other = map[*other as usize];
        }
    }

    fn required_literals(&self) -> Option<Vec<Cow<'_, str>>> {
        match self {
            Matcher::Str(pats) | Matcher::StrCased(pats) => {
                pats.iter().map(|p| p.required_literal().map(fold_literal)).collect()
            }
            Matcher::Regex(re) => re.required_literals().map(|l| l.iter().map(|t| Cow::Borrowed(t.as_str())).collect()),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{Expr, LazyRegex, LiteralSource, Matcher};

    /// A field holding a value that contains the text of the regex `re` (a plain word here).
    fn has(slot: u32, re: &str) -> Expr {
        Expr::Field(slot, Matcher::Regex(LazyRegex::new(re.to_string()).unwrap()))
    }

    /// Each group as (field, literal) pairs.
    fn groups(e: &Expr) -> Vec<Vec<(u32, String)>> {
        let field = |s: LiteralSource| if let LiteralSource::Field(f) = s { f } else { u32::MAX };
        e.required_groups()
            .into_iter()
            .map(|g| g.into_iter().map(|l| (field(l.source), l.text.into_owned())).collect())
            .collect()
    }

    #[test]
    fn an_or_of_ands_requires_one_literal_of_each_distributed_pair() {
        // (image has "windows" and command line has "system32") or command line has "exe..":
        // both ("windows" or "exe..") and ("system32" or "exe..") are needed.
        let e = Expr::Or(vec![Expr::And(vec![has(0, "windows"), has(1, "system32")]), has(1, "exe\\.\\.")]);
        let pair = |a: (u32, &str), b: (u32, &str)| vec![(a.0, a.1.to_string()), (b.0, b.1.to_string())];
        assert_eq!(groups(&e), vec![pair((0, "windows"), (1, "exe..")), pair((1, "exe.."), (1, "system32"))]);
        // Operands with several groups each: the first keeps both, the next only its most
        // selective (longest shortest literal), so there are MAX_GROUPS combinations.
        let wide = Expr::Or(vec![
            Expr::And(vec![has(0, "aaaaaaaa"), has(1, "bb")]),
            Expr::And(vec![has(2, "cccccc"), has(3, "dddd")]),
        ]);
        let got = groups(&wide);
        assert_eq!(got.len(), super::MAX_GROUPS, "{got:?}");
        let texts: Vec<Vec<&str>> = got.iter().map(|g| g.iter().map(|l| l.1.as_str()).collect()).collect();
        assert_eq!(texts, vec![vec!["aaaaaaaa", "cccccc"], vec!["bb", "cccccc"]]);
        // An operand that requires nothing makes the whole OR require nothing.
        let open = Expr::Or(vec![has(0, "windows"), Expr::Not(Box::new(has(1, "x")))]);
        assert!(groups(&open).is_empty());
    }

    #[test]
    fn a_regex_is_checked_at_load_and_compiled_on_first_use() {
        let re = LazyRegex::new(r"(?i)cmd\.exe /c".to_string()).unwrap();
        assert!(re.compiled.ascii.get().is_none() && re.compiled.unicode.get().is_none());
        assert!(re.is_match("C:\\x\\CMD.EXE /c whoami"));
        // ASCII text needs only the ASCII form.
        assert!(re.compiled.ascii.get().is_some_and(Option::is_some));
        assert!(re.compiled.unicode.get().is_none());
        assert!(!re.is_match("powershell"));
        assert!(re.is_match("c:\\ü\\cmd.exe /C x"));
        assert!(re.compiled.unicode.get().is_some_and(Result::is_ok));
        let err = LazyRegex::new("a(b".to_string()).unwrap_err();
        assert!(err.contains("unclosed group"), "{err}");
    }

    #[test]
    fn a_regex_yields_the_literals_one_of_which_every_match_holds() {
        let lits = |re: &str| LazyRegex::new(re.to_string()).unwrap().required_literals().map(<[String]>::to_vec);
        assert_eq!(lits(r"\\AppData\\Local\\Temp\\dat[0-9A-Z]{4}\.tmp").unwrap(), vec![r"\appdata\local\temp\dat"]);
        assert_eq!(lits(r"ipconfig\s+/all|route\s+print").unwrap(), vec!["ipconfig", "route"]);
        // Case-insensitive: the variants fold to one literal; the Kelvin sign's variant of `k`
        // is cut to its ASCII run.
        let k = lits(r"(?i)mimikatz").unwrap();
        assert!(k.iter().all(|l| "mimikatz".contains(l.as_str())), "{k:?}");
        assert!(k.iter().all(|l| l.len() >= 3), "{k:?}");
        // Nothing is required of a match that can be empty or start anywhere.
        assert_eq!(lits(r"a*"), None);
        assert_eq!(lits(r".*\d"), None);
        // Literals inside the match, after parts that yield none.
        // (Case variants beyond the extractor's limits shorten the literal.)
        let w = lits(r"(?i)\.exe\s+[^x]{0,64}werfault\.exe\s+\d{2,10}").unwrap();
        assert!(w.len() == 1 && w[0].len() >= 6 && "werfault.exe".contains(w[0].as_str()), "{w:?}");
        assert_eq!(lits(r"\w+`(?:\w+|-|.)`[\w+|\s]").unwrap(), vec!["`"]);
        assert_eq!(lits(r"\s+(abc|xyz)\d+(defg|hijk)\s").unwrap(), vec!["defg", "hijk"]);
    }

    #[test]
    fn the_ascii_form_matches_what_the_unicode_form_does_on_ascii_text() {
        let patterns = [
            r"-k\s\w{1,64}(?:\s?(?:-p|-s))?",
            r"(?i)\bK[a-z]+\b",
            r"(?i)^s\S+\d{2}$",
            r"[^\x22]{3}\.exe",
            r"\W+.\D\s*",
            r"(?i)[[:alpha:]]{4}[^a-z]",
        ];
        let texts = [
            "svchost.exe -k netsvcs -p -s Schedule",
            "KELVIN kelvin 12",
            "Stuff 42",
            "\"a\".exe abc.exe",
            "  \t-- x9 ",
            "",
            "ABCD1 abcd_",
        ];
        for p in patterns {
            let re = LazyRegex::new(p.to_string()).unwrap();
            let unicode = regex::Regex::new(p).unwrap();
            for t in texts {
                assert_eq!(re.is_match(t), unicode.is_match(t), "{p} on {t:?}");
            }
            assert!(re.compiled.unicode.get().is_none(), "{p}: ASCII text needed only the ASCII form");
        }
    }

    #[test]
    fn a_pattern_beyond_ascii_uses_the_unicode_form() {
        // The Kelvin sign folds to `k` without case, which only the Unicode form knows.
        let re = LazyRegex::new("(?i)\u{212A}elvin".to_string()).unwrap();
        assert!(re.is_match("kelvin"));
        assert!(re.compiled.ascii.get().is_some_and(Option::is_none));
    }

    #[test]
    fn a_regex_over_the_size_limit_is_an_error_when_compiled_and_matches_nothing() {
        let re = LazyRegex::new(r"\w{500}{500}".to_string()).unwrap();
        assert!(re.compile().unwrap_err().contains("exceeds size limit"));
        assert!(!re.is_match("abc"));
    }
}
