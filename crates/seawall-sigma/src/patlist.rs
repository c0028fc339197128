//! A list of string patterns of which any may match (a Sigma value list), with an index built
//! for long lists once they are used often: one hash probe per distinct length for exact values,
//! prefixes and suffixes, and one automaton pass for substrings, instead of a test per pattern.

use aho_corasick::AhoCorasick;
use rustc_hash::FxHashSet;

use crate::pattern::StrPattern;
use crate::warm::BuiltAfterUses;

/// Lists at least this long get an index,
const INDEX_MIN: usize = 8;
/// once they have been tested this many times: building one costs about as much as a few
/// dozen tests, and most lists of a large rule set are tested a few times or never.
const INDEX_AFTER_USES: u32 = 64;

#[derive(Debug, Clone)]
pub struct Patterns {
    list: Vec<StrPattern>,
    /// Boxed: most lists never get one, and matchers stay small.
    index: BuiltAfterUses<Box<ListIndex>>,
}

impl PartialEq for Patterns {
    fn eq(&self, other: &Patterns) -> bool {
        self.list == other.list
    }
}

/// Texts of several lengths, tested by slicing the haystack at each length.
#[derive(Debug, Clone, Default)]
struct ByLength {
    lengths: Vec<usize>,
    texts: FxHashSet<Box<[u8]>>,
}

impl ByLength {
    fn insert(&mut self, text: &str) {
        if !self.lengths.contains(&text.len()) {
            self.lengths.push(text.len());
        }
        self.texts.insert(text.as_bytes().into());
    }

    fn any_prefix_of(&self, hay: &[u8]) -> bool {
        self.lengths.iter().any(|&n| hay.len() >= n && self.texts.contains(&hay[..n]))
    }

    fn any_suffix_of(&self, hay: &[u8]) -> bool {
        self.lengths.iter().any(|&n| hay.len() >= n && self.texts.contains(&hay[hay.len() - n..]))
    }
}

#[derive(Debug, Clone)]
struct ListIndex {
    exact: FxHashSet<Box<[u8]>>,
    prefixes: ByLength,
    suffixes: ByLength,
    contains: Option<AhoCorasick>,
    /// Patterns with inner wildcards, tested one by one.
    rest: Vec<StrPattern>,
}

impl ListIndex {
    fn build(list: &[StrPattern]) -> Option<ListIndex> {
        let mut ix = ListIndex {
            exact: FxHashSet::default(),
            prefixes: ByLength::default(),
            suffixes: ByLength::default(),
            contains: None,
            rest: Vec::new(),
        };
        let mut needles: Vec<&str> = Vec::new();
        for p in list {
            match p {
                StrPattern::Exact(s) => {
                    ix.exact.insert(s.as_bytes().into());
                }
                StrPattern::Prefix(s) => ix.prefixes.insert(s),
                StrPattern::Suffix(s) => ix.suffixes.insert(s),
                StrPattern::Contains(n) => needles.push(&n.text),
                other => ix.rest.push(other.clone()),
            }
        }
        if !needles.is_empty() {
            ix.contains = Some(AhoCorasick::new(needles).ok()?);
        }
        Some(ix)
    }

    fn any_match(&self, hay: &str) -> bool {
        let b = hay.as_bytes();
        self.exact.contains(b)
            || self.prefixes.any_prefix_of(b)
            || self.suffixes.any_suffix_of(b)
            || self.contains.as_ref().is_some_and(|ac| ac.is_match(b))
            || self.rest.iter().any(|p| p.matches(hay))
    }
}

impl Patterns {
    pub fn new(list: Vec<StrPattern>) -> Patterns {
        Patterns { list, index: BuiltAfterUses::default() }
    }

    /// Whether any pattern matches `hay` (folded, for case-insensitive patterns).
    pub fn any_match(&self, hay: &str) -> bool {
        if self.list.len() < INDEX_MIN {
            return self.list.iter().any(|p| p.matches(hay));
        }
        let index = self.index.get(INDEX_AFTER_USES, || ListIndex::build(&self.list).map(Box::new));
        // An index that cannot be built (an automaton over its limits) leaves the plain test.
        match index {
            Some(ix) => ix.any_match(hay),
            None => self.list.iter().any(|p| p.matches(hay)),
        }
    }
}

impl std::ops::Deref for Patterns {
    type Target = [StrPattern];
    fn deref(&self) -> &[StrPattern] {
        &self.list
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pattern::{fold, SigmaString};

    #[test]
    fn an_indexed_list_matches_what_its_patterns_match() {
        let sources = [
            "*\\cmd.exe",
            "*\\powershell.exe",
            "c:\\windows\\*",
            "c:\\program files\\*",
            "*mimikatz*",
            "*-enc *",
            "exact.exe",
            "",
            "a*b*c",
            "x?z",
            "*",
            "*\\ä.exe",
            "täst*",
            "*sekurlsa::*",
        ];
        let list: Vec<StrPattern> =
            sources.iter().map(|s| StrPattern::compile(&SigmaString::parse(s), false)).collect();
        let hays = [
            "C:\\Windows\\System32\\cmd.exe",
            "cmd.exe",
            "c:\\program files\\x",
            "run Mimikatz now",
            "x -enc abc",
            "EXACT.EXE",
            "exact.exe2",
            "",
            "aXbYc",
            "xyz",
            "c:\\Ä.exe",
            "Täster",
            "sekurlsa::logonpasswords",
            "é",
        ];
        for take in [1, 5, sources.len()] {
            for skip in 0..sources.len() - take + 1 {
                let part: Vec<StrPattern> = list[skip..skip + take].to_vec();
                let pats = Patterns::new(part.clone());
                for hay in hays.iter().cycle().take(hays.len() * 10) {
                    let h = fold(hay);
                    let want = part.iter().any(|p| p.matches(&h));
                    assert_eq!(pats.any_match(&h), want, "{hay:?} against {:?}", &sources[skip..skip + take]);
                }
            }
        }
        // Without `*` and `""`, the full list is told apart.
        let pats = Patterns::new(list.iter().filter(|p| !matches!(p, StrPattern::Any)).cloned().collect());
        for _ in 0..INDEX_AFTER_USES {
            assert!(pats.any_match("c:\\x\\powershell.exe"));
        }
        assert!(pats.index.built().is_none());
        assert!(pats.any_match("c:\\x\\powershell.exe"));
        assert!(!pats.any_match("c:\\x\\powershell.exe.bak"));
        assert!(pats.index.built().is_some_and(Option::is_some));
    }
}
