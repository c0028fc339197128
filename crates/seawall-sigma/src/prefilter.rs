//! The prefilter: the literals each rule variant needs, gathered per route and searched once
//! per field for every combination of routes an event can be on, so that only variants whose
//! literals are all present get evaluated.

use std::collections::HashMap;
use std::sync::OnceLock;

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, MatchKind};
use rustc_hash::FxHashMap;

use crate::expr::LiteralSource;
use crate::warm::BuiltAfterUses;

/// The literals of one source (a field, or the whole event) within one route, searched with
/// one automaton.
pub(crate) struct SourceScan {
    pub(crate) source: LiteralSource,
    pub(crate) searcher: Searcher,
    /// Literal id -> the literal groups it satisfies.
    pub(crate) lit_groups: Vec<Vec<u32>>,
    /// Whether some literal could occur in a number (else numbers need not be scanned).
    pub(crate) numbers: bool,
}

/// How one source's literals are searched.
pub(crate) enum Searcher {
    /// Few literals: an automaton reporting the longest literal at each start position, with
    /// fast skipping to candidate positions (`lit_groups` then include contained literals).
    Automaton(Automaton),
    /// Many literals: a window-hashed set reporting every occurrence.
    Set(crate::literals::LiteralSet),
    /// Nothing could be built: every literal counts as present (safe).
    Everything,
}

/// The automaton of a small literal set: a compact one, cheap to build, first; after
/// `DFA_AFTER_USES` searches a DFA, which scans faster but costs far more to build (a run over a
/// few thousand events touching many routes spent more building DFAs than searching).
pub(crate) struct Automaton {
    lits: Vec<String>,
    nfa: AhoCorasick,
    dfa: BuiltAfterUses<AhoCorasick>,
}

const DFA_AFTER_USES: u32 = 512;

impl Automaton {
    fn new(lits: Vec<String>) -> Result<Automaton, aho_corasick::BuildError> {
        let nfa = Self::builder(aho_corasick::AhoCorasickKind::ContiguousNFA).build(&lits)?;
        Ok(Automaton { lits, nfa, dfa: BuiltAfterUses::default() })
    }

    fn builder(kind: aho_corasick::AhoCorasickKind) -> AhoCorasickBuilder {
        let mut b = AhoCorasickBuilder::new();
        b.match_kind(MatchKind::LeftmostLongest).kind(Some(kind));
        b
    }

    /// The automaton to search with now.
    pub(crate) fn get(&self) -> &AhoCorasick {
        let dfa =
            self.dfa.get(DFA_AFTER_USES, || Self::builder(aho_corasick::AhoCorasickKind::DFA).build(&self.lits).ok());
        dfa.unwrap_or(&self.nfa)
    }
}

/// Sources with more literals than this are searched with a [`crate::literals::LiteralSet`].
const SET_MIN_LITERALS: usize = 64;

/// The literals of one source, each with the literal groups it satisfies, sorted.
pub(crate) type SourceLiterals = (LiteralSource, Vec<(String, Vec<u32>)>);

/// A combination of routes, and the searchers built for it on first use.
pub(crate) struct RouteScans {
    pub(crate) routes: [u32; 3],
    pub(crate) built: OnceLock<Vec<SourceScan>>,
}

/// Literals of each route: source -> literal -> the groups it satisfies.
pub(crate) type RouteTable = FxHashMap<LiteralSource, FxHashMap<String, Vec<u32>>>;

/// The literal table of a combination of routes: its routes' tables merged, sorted.
pub(crate) fn merge_tables(tables: &[RouteTable], routes: &[u32; 3]) -> Vec<SourceLiterals> {
    let mut merged: HashMap<LiteralSource, HashMap<&str, Vec<u32>>> = HashMap::new();
    for &r in routes.iter().filter(|r| **r != u32::MAX) {
        for (source, lits) in &tables[r as usize] {
            let into = merged.entry(*source).or_default();
            for (lit, groups) in lits {
                into.entry(lit.as_str()).or_default().extend_from_slice(groups);
            }
        }
    }
    let mut table: Vec<SourceLiterals> = merged
        .into_iter()
        .map(|(source, lits)| {
            let mut lits: Vec<(String, Vec<u32>)> = lits
                .into_iter()
                .map(|(l, mut g)| {
                    g.sort_unstable();
                    g.dedup();
                    (l.to_string(), g)
                })
                .collect();
            lits.sort();
            (source, lits)
        })
        .collect();
    table.sort_by_key(|(source, _)| *source);
    table
}

pub(crate) fn build_scans(table: &[SourceLiterals]) -> Vec<SourceScan> {
    table
        .iter()
        .map(|(source, lits)| {
            let numbers = lits.iter().any(|(l, _)| l.bytes().all(|b| b.is_ascii_digit() || b == b'.' || b == b'-'));
            let own = || lits.iter().map(|(_, g)| g.clone()).collect();
            let (searcher, lit_groups) = if lits.len() > SET_MIN_LITERALS {
                match crate::literals::LiteralSet::new(lits.iter().map(|(l, _)| l.as_bytes())) {
                    Ok(set) => (Searcher::Set(set), own()),
                    Err(_) => (Searcher::Everything, own()),
                }
            } else {
                match Automaton::new(lits.iter().map(|(l, _)| l.clone()).collect()) {
                    Ok(ac) => (Searcher::Automaton(ac), closed_groups(lits)),
                    Err(_) => (Searcher::Everything, own()),
                }
            };
            SourceScan { source: *source, searcher, numbers, lit_groups }
        })
        .collect()
}

/// Per literal, the groups of that literal and of every literal it contains.
///
/// The scan reports only the longest literal starting at each position; literals inside it
/// (which may start at the same or a later position) are implied by it, so their groups are
/// marked along with its own.
fn closed_groups(lits: &[(String, Vec<u32>)]) -> Vec<Vec<u32>> {
    // Pairwise: these sets hold at most `SET_MIN_LITERALS` literals of at most `MAX_LITERAL`
    // bytes, and an automaton built only to find the contained ones cost more to build than
    // the whole search it serves over a small evidence set.
    lits.iter()
        .map(|(text, own)| {
            let mut groups = own.clone();
            for (inner, theirs) in lits {
                if inner.len() < text.len() && contains_folded(text.as_bytes(), inner.as_bytes()) {
                    groups.extend_from_slice(theirs);
                }
            }
            groups.sort_unstable();
            groups.dedup();
            groups
        })
        .collect()
}

/// Whether `inner` occurs in `text`, ASCII letters compared without case.
fn contains_folded(text: &[u8], inner: &[u8]) -> bool {
    inner.is_empty() || text.windows(inner.len()).any(|w| w.eq_ignore_ascii_case(inner))
}

pub(crate) struct Prefilter {
    /// Route id -> its literals.
    pub(crate) tables: Vec<RouteTable>,
    /// The routes an event can be on at once (all Windows, its channel, its channel and event
    /// id), each combination with its literals merged so every field is scanned once.
    pub(crate) combos: Vec<RouteScans>,
    pub(crate) combo_of: FxHashMap<[u32; 3], u32>,
    /// Group id -> its variant.
    pub(crate) group_variant: Vec<u32>,
    /// Variant -> how many of its groups must be satisfied.
    pub(crate) need: Vec<u8>,
}

/// Longest literal the automata hold: a required literal's tail is required too, and short
/// literals keep the automata small enough to stay in cache.
pub(crate) const MAX_LITERAL: usize = 12;

/// The part of a literal the prefilter searches for: its last `MAX_LITERAL` bytes (ends of paths
/// and command lines tell rules apart best).
pub(crate) fn literal_key(text: &str) -> &str {
    if text.len() <= MAX_LITERAL {
        return text;
    }
    let mut start = text.len() - MAX_LITERAL;
    while !text.is_char_boundary(start) {
        start += 1;
    }
    &text[start..]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn longest_at_each_start(ac: &AhoCorasick, text: &str) -> Vec<(usize, usize)> {
        let mut out = Vec::new();
        let mut at = 0;
        while let Some(m) = ac.find(aho_corasick::Input::new(text).range(at..)) {
            out.push((m.start(), m.pattern().as_usize()));
            at = m.start() + 1;
        }
        out
    }

    #[test]
    fn an_automaton_finds_the_same_before_and_after_it_becomes_a_dfa() {
        let lits: Vec<String> =
            ["cmd", "cmd.exe", "\\cmd.exe", ".exe", "powershell", "shell"].map(String::from).to_vec();
        let a = Automaton::new(lits).unwrap();
        let text = "c:\\windows\\cmd.exe /c powershell -nop; cmd.exe";
        let first = longest_at_each_start(a.get(), text);
        assert_eq!(first.first(), Some(&(10, 2)), "{first:?}");
        for _ in 0..DFA_AFTER_USES {
            assert_eq!(longest_at_each_start(a.get(), text), first);
        }
        assert!(a.dfa.built().is_some_and(Option::is_some));
        assert_eq!(longest_at_each_start(a.get(), text), first);
    }

    #[test]
    fn contained_literals_are_marked_with_the_longer_one() {
        let lits: Vec<(String, Vec<u32>)> =
            vec![("cmd".into(), vec![0]), ("cmd.exe".into(), vec![1]), ("MD.E".into(), vec![2]), ("x".into(), vec![3])];
        let closed = closed_groups(&lits);
        assert_eq!(closed[1], vec![0, 1, 2, 3]);
        assert_eq!(closed[0], vec![0]);
        assert_eq!(closed[3], vec![3]);
    }
}
