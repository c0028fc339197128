//! The prefilter: the literals each rule variant needs, gathered per route and searched once
//! per field for every combination of routes an event can be on, so that only variants whose
//! literals are all present get evaluated.

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

/// The searcher of a small literal set, built in stages as it earns its keep: first one
/// substring finder per literal (next to nothing to build); after enough searches a compact
/// automaton; after `DFA_AFTER_USES` a DFA, which scans fastest but costs the most to build. A
/// hunt over a few thousand events touches many routes a few times each, and building their
/// automata up front cost more than all the searches they served.
pub(crate) struct Automaton {
    lits: Vec<String>,
    finders: Vec<memchr::memmem::Finder<'static>>,
    nfa_after: u32,
    nfa: BuiltAfterUses<AhoCorasick>,
    dfa: BuiltAfterUses<AhoCorasick>,
}

const DFA_AFTER_USES: u32 = 512;

/// Literal searches the finders may make before the automaton is built: about what building it
/// costs (each use runs one finder per literal; building takes a few hundred thousand
/// instructions).
const FINDER_BUDGET: u32 = 4096;

impl Automaton {
    fn new(lits: Vec<String>) -> Automaton {
        let finders = lits.iter().map(|l| memchr::memmem::Finder::new(l.as_bytes()).into_owned()).collect();
        let nfa_after = (FINDER_BUDGET / lits.len().max(1) as u32).clamp(16, 256);
        Automaton { lits, finders, nfa_after, nfa: BuiltAfterUses::default(), dfa: BuiltAfterUses::default() }
    }

    fn build(&self, kind: aho_corasick::AhoCorasickKind) -> Option<AhoCorasick> {
        AhoCorasickBuilder::new().match_kind(MatchKind::LeftmostLongest).kind(Some(kind)).build(&self.lits).ok()
    }

    /// The automaton to search with now; `None` while the finders serve.
    fn get(&self) -> Option<&AhoCorasick> {
        let nfa = self.nfa.get(self.nfa_after, || self.build(aho_corasick::AhoCorasickKind::ContiguousNFA))?;
        self.dfa.get(DFA_AFTER_USES, || self.build(aho_corasick::AhoCorasickKind::DFA)).or(Some(nfa))
    }

    /// Calls `found` with literals occurring in `text`: at least the longest at each start
    /// position (the literals it contains are implied: see [`closed_groups`]).
    pub(crate) fn for_each_in(&self, text: &str, found: &mut impl FnMut(u32)) {
        match self.get() {
            Some(ac) => {
                // The longest literal at each start position, with the automaton's fast skipping.
                let mut at = 0;
                while at < text.len() {
                    let Some(m) = ac.find(aho_corasick::Input::new(text).range(at..)) else { break };
                    found(m.pattern().as_usize() as u32);
                    at = m.start() + 1;
                }
            }
            None => {
                for (i, f) in self.finders.iter().enumerate() {
                    if f.find(text.as_bytes()).is_some() {
                        found(i as u32);
                    }
                }
            }
        }
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

/// The literal table of a combination of routes: its routes' tables merged, sorted. (Sorting
/// one list of borrowed entries costs less than merging them through hash maps.)
pub(crate) fn merge_tables(tables: &[RouteTable], routes: &[u32; 3]) -> Vec<SourceLiterals> {
    let mut entries: Vec<(LiteralSource, &str, &[u32])> = Vec::new();
    for &r in routes.iter().filter(|r| **r != u32::MAX) {
        for (source, lits) in &tables[r as usize] {
            entries.extend(lits.iter().map(|(lit, groups)| (*source, lit.as_str(), groups.as_slice())));
        }
    }
    entries.sort_unstable_by(|a, b| (a.0, a.1).cmp(&(b.0, b.1)));
    let mut table: Vec<SourceLiterals> = Vec::new();
    let mut i = 0;
    while i < entries.len() {
        let source = entries[i].0;
        let mut lits: Vec<(String, Vec<u32>)> = Vec::new();
        while i < entries.len() && entries[i].0 == source {
            let lit = entries[i].1;
            let mut groups: Vec<u32> = Vec::new();
            while i < entries.len() && entries[i].0 == source && entries[i].1 == lit {
                groups.extend_from_slice(entries[i].2);
                i += 1;
            }
            groups.sort_unstable();
            groups.dedup();
            lits.push((lit.to_string(), groups));
        }
        table.push((source, lits));
    }
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
                (
                    Searcher::Automaton(Automaton::new(lits.iter().map(|(l, _)| l.clone()).collect())),
                    closed_groups(lits),
                )
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

    /// The literals marked (with what they contain) by one search.
    fn marked(a: &Automaton, closed: &[Vec<u32>], text: &str) -> Vec<u32> {
        let mut out = Vec::new();
        a.for_each_in(text, &mut |lit| out.extend_from_slice(&closed[lit as usize]));
        out.sort_unstable();
        out.dedup();
        out
    }

    #[test]
    fn each_stage_of_a_small_set_marks_the_same_literals() {
        let words = ["cmd", "cmd.exe", "\\cmd.exe", ".exe", "powershell", "shell", "xyz"];
        let lits: Vec<(String, Vec<u32>)> =
            words.iter().enumerate().map(|(i, w)| (w.to_string(), vec![i as u32])).collect();
        let closed = closed_groups(&lits);
        let a = Automaton::new(words.map(String::from).to_vec());
        let texts = ["c:\\windows\\cmd.exe /c powershell -nop; cmd.exe", "nothing here", "", "xyzcmd"];
        let naive =
            |t: &str| -> Vec<u32> { (0..words.len() as u32).filter(|&i| t.contains(words[i as usize])).collect() };
        let mut stages = Vec::new();
        for round in 0..(a.nfa_after + DFA_AFTER_USES + 8) {
            for t in texts {
                assert_eq!(marked(&a, &closed, t), naive(t), "round {round}, text {t:?}");
            }
            let stage = (a.nfa.built().is_some(), a.dfa.built().is_some());
            if stages.last() != Some(&stage) {
                stages.push(stage);
            }
        }
        assert_eq!(stages, vec![(false, false), (true, false), (true, true)], "finders, then the NFA, then the DFA");
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
