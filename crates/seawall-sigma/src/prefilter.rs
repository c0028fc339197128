//! The prefilter: the literals each rule variant needs, gathered per route and searched once
//! per field for every combination of routes an event can be on, so that only variants whose
//! literals are all present get evaluated.

use std::sync::OnceLock;

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, MatchKind};
use rustc_hash::FxHashMap;

use crate::expr::LiteralSource;
use crate::literals::packed_span;
use crate::warm::BuiltAfterUses;

/// The literals of one source (a field, or the whole event) within one route, searched with
/// one automaton.
pub(crate) struct SourceScan {
    pub(crate) source: LiteralSource,
    pub(crate) searcher: Searcher,
    /// Literal id -> the literal groups it satisfies.
    pub(crate) lit_groups: GroupLists,
    /// Whether some literal could occur in a number (else numbers need not be scanned).
    pub(crate) numbers: bool,
    /// The length of its shortest literal, in bytes: ASCII text shorter than that holds none
    /// (folding ASCII keeps its length).
    pub(crate) shortest: usize,
}

impl SourceScan {
    /// Calls `found` with the literals found in `text` (see [`Automaton::for_each_in`]).
    pub(crate) fn search<F: FnMut(u32) + ?Sized>(&self, text: &str, found: &mut F) {
        match &self.searcher {
            Searcher::Set(set) => set.for_each_in(text.as_bytes(), found),
            Searcher::Automaton(automaton) => automaton.for_each_in(text, found),
            Searcher::Everything => (0..self.lit_groups.len() as u32).for_each(found),
        }
    }
}

/// Lists of literal groups, one a literal, in one buffer (no allocation per literal).
#[derive(Default)]
pub(crate) struct GroupLists {
    ends: Vec<u32>,
    groups: Vec<u32>,
}

impl GroupLists {
    pub(crate) fn get(&self, i: u32) -> &[u32] {
        &self.groups[packed_span(&self.ends, i)]
    }

    pub(crate) fn len(&self) -> usize {
        self.ends.len()
    }

    /// Ends the list being added to: the groups pushed since the last call, sorted, once each.
    fn close(&mut self) {
        let start = self.ends.last().map_or(0, |&e| e as usize);
        self.groups[start..].sort_unstable();
        let mut kept = start;
        for i in start..self.groups.len() {
            if kept == start || self.groups[kept - 1] != self.groups[i] {
                self.groups[kept] = self.groups[i];
                kept += 1;
            }
        }
        self.groups.truncate(kept);
        self.ends.push(kept as u32);
    }
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
    pub(crate) fn for_each_in<F: FnMut(u32) + ?Sized>(&self, text: &str, found: &mut F) {
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

/// Every distinct prefilter literal of the engine, by number.
#[derive(Default)]
pub(crate) struct LiteralPool {
    /// The texts one after another: literal `i` is `text[ends[i - 1]..ends[i]]`.
    text: String,
    ends: Vec<u32>,
}

impl LiteralPool {
    /// The pool of these texts, numbered in this order.
    pub(crate) fn new(texts: &[&str]) -> LiteralPool {
        let mut pool = LiteralPool::default();
        for t in texts {
            pool.text.push_str(t);
            pool.ends.push(pool.text.len() as u32);
        }
        pool
    }

    pub(crate) fn get(&self, id: u32) -> &str {
        &self.text[packed_span(&self.ends, id)]
    }
}

/// A combination of routes, and the searchers built for it on first use.
pub(crate) struct RouteScans {
    pub(crate) routes: [u32; 3],
    pub(crate) built: OnceLock<Vec<SourceScan>>,
}

/// A literal id with the groups it satisfies.
pub(crate) type LiteralGroups = (u32, Box<[u32]>);

/// Literals of each route: per source (ascending), literal ids (ascending) with the groups
/// each satisfies.
pub(crate) type RouteTable = Vec<(LiteralSource, Vec<LiteralGroups>)>;

/// The literals of one source in a combination of routes, with their groups.
pub(crate) struct MergedSource {
    source: LiteralSource,
    lits: Vec<u32>,
    groups: GroupLists,
}

/// The literal table of a combination of routes: its routes' tables merged. (The tables are
/// sorted once when the engine is built, so merging them takes one pass.)
pub(crate) fn merge_tables(tables: &[RouteTable], routes: &[u32; 3]) -> Vec<MergedSource> {
    let parts: Vec<&RouteTable> = routes.iter().filter(|r| **r != u32::MAX).map(|&r| &tables[r as usize]).collect();
    let mut sources: Vec<LiteralSource> = parts.iter().flat_map(|t| t.iter().map(|(s, _)| *s)).collect();
    sources.sort_unstable();
    sources.dedup();
    sources
        .into_iter()
        .map(|source| {
            let mut lists: Vec<&[LiteralGroups]> = parts
                .iter()
                .filter_map(|t| t.binary_search_by(|(s, _)| s.cmp(&source)).ok().map(|i| t[i].1.as_slice()))
                .collect();
            let mut merged = MergedSource {
                source,
                lits: Vec::with_capacity(lists.iter().map(|l| l.len()).sum()),
                groups: GroupLists::default(),
            };
            // Each step takes the smallest literal id at the head of the lists, with its groups
            // from every list it heads.
            while let Some(id) = lists.iter().filter_map(|l| l.first().map(|e| e.0)).min() {
                for list in lists.iter_mut() {
                    if let Some(((first, groups), rest)) = list.split_first() {
                        if *first == id {
                            merged.groups.groups.extend_from_slice(groups);
                            *list = rest;
                        }
                    }
                }
                merged.lits.push(id);
                merged.groups.close();
            }
            merged
        })
        .collect()
}

pub(crate) fn build_scans(table: Vec<MergedSource>, pool: &LiteralPool) -> Vec<SourceScan> {
    table
        .into_iter()
        .map(|merged| {
            let MergedSource { source, lits, groups } = merged;
            let numbers =
                lits.iter().any(|&l| pool.get(l).bytes().all(|b| b.is_ascii_digit() || b == b'.' || b == b'-'));
            let (searcher, lit_groups) = if lits.len() > SET_MIN_LITERALS {
                let set = crate::literals::LiteralSet::new(lits.iter().map(|&l| pool.get(l).as_bytes()));
                (set.map_or(Searcher::Everything, Searcher::Set), groups)
            } else {
                let texts: Vec<&str> = lits.iter().map(|&l| pool.get(l)).collect();
                let closed = closed_groups(&texts, &groups);
                (Searcher::Automaton(Automaton::new(texts.into_iter().map(String::from).collect())), closed)
            };
            let shortest = lits.iter().map(|&l| pool.get(l).len()).min().unwrap_or(0);
            SourceScan { source, searcher, numbers, lit_groups, shortest }
        })
        .collect()
}

/// Per literal, the groups of that literal and of every literal it contains.
///
/// The scan reports only the longest literal starting at each position; literals inside it
/// (which may start at the same or a later position) are implied by it, so their groups are
/// marked along with its own.
fn closed_groups(texts: &[&str], own: &GroupLists) -> GroupLists {
    // Pairwise: these sets hold at most `SET_MIN_LITERALS` literals of at most `MAX_LITERAL`
    // bytes, and an automaton built only to find the contained ones cost more to build than
    // the whole search it serves over a small evidence set.
    let mut closed = GroupLists::default();
    for (i, text) in texts.iter().enumerate() {
        for (j, inner) in texts.iter().enumerate() {
            if i == j || (inner.len() < text.len() && contains_folded(text.as_bytes(), inner.as_bytes())) {
                closed.groups.extend_from_slice(own.get(j as u32));
            }
        }
        closed.close();
    }
    closed
}

/// Whether `inner` occurs in `text`, ASCII letters compared without case.
fn contains_folded(text: &[u8], inner: &[u8]) -> bool {
    inner.is_empty() || text.windows(inner.len()).any(|w| w.eq_ignore_ascii_case(inner))
}

pub(crate) struct Prefilter {
    pub(crate) pool: LiteralPool,
    /// Route id -> its literals.
    pub(crate) tables: Vec<RouteTable>,
    /// The routes an event can be on at once (all Windows, its channel, its channel and event
    /// id), each combination with its literals merged so every field is scanned once.
    pub(crate) combos: Vec<RouteScans>,
    pub(crate) combo_of: FxHashMap<[u32; 3], u32>,
    /// Group id -> its variant, flagged [`PAIR`] when the variant has two groups.
    pub(crate) group_variant: Vec<u32>,
}

/// A variant needs one literal group or two (`MAX_GROUPS`). Two are numbered side by side from
/// an even number, `2k` and `2k + 1`, and flagged with this bit in `group_variant`: when one is
/// found, the other's bit (in the same word of found groups) tells whether both are.
pub(crate) const PAIR: u32 = 1 << 31;
const _: () = assert!(crate::expr::MAX_GROUPS == 2, "the marking of found groups knows pairs only");

/// The variant of a group number left unused so that a pair starts at an even number.
pub(crate) const NO_VARIANT: u32 = u32::MAX;

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
    fn marked(a: &Automaton, closed: &GroupLists, text: &str) -> Vec<u32> {
        let mut out = Vec::new();
        a.for_each_in(text, &mut |lit| out.extend_from_slice(closed.get(lit)));
        out.sort_unstable();
        out.dedup();
        out
    }

    /// Literal `i` satisfies group `i` alone.
    fn singletons(n: usize) -> GroupLists {
        let mut g = GroupLists::default();
        for i in 0..n as u32 {
            g.groups.push(i);
            g.close();
        }
        g
    }

    #[test]
    fn each_stage_of_a_small_set_marks_the_same_literals() {
        let words = ["cmd", "cmd.exe", "\\cmd.exe", ".exe", "powershell", "shell", "xyz"];
        let closed = closed_groups(&words, &singletons(words.len()));
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
    fn routes_merge_into_one_table_with_each_literal_once() {
        type Plain = Vec<(LiteralSource, Vec<(u32, Vec<u32>)>)>;
        let field = LiteralSource::Field(3);
        let table = |entries: Plain| -> RouteTable {
            entries.into_iter().map(|(s, l)| (s, l.into_iter().map(|(id, g)| (id, g.into())).collect())).collect()
        };
        let tables = vec![
            table(vec![
                (field, vec![(1, vec![10]), (4, vec![11, 12])]),
                (LiteralSource::Anywhere, vec![(2, vec![13])]),
            ]),
            table(vec![(field, vec![(0, vec![20]), (4, vec![12, 21])])]),
            table(vec![(LiteralSource::Anywhere, vec![(2, vec![30]), (5, vec![31])])]),
        ];
        let merged = merge_tables(&tables, &[0, 1, 2]);
        let got: Plain = merged
            .iter()
            .map(|m| {
                (m.source, m.lits.iter().enumerate().map(|(i, &l)| (l, m.groups.get(i as u32).to_vec())).collect())
            })
            .collect();
        assert_eq!(
            got,
            vec![
                (field, vec![(0, vec![20]), (1, vec![10]), (4, vec![11, 12, 21])]),
                (LiteralSource::Anywhere, vec![(2, vec![13, 30]), (5, vec![31])]),
            ]
        );
        let only_first = merge_tables(&tables, &[0, u32::MAX, u32::MAX]);
        assert_eq!(only_first.iter().map(|m| m.lits.clone()).collect::<Vec<_>>(), vec![vec![1, 4], vec![2]]);
    }

    #[test]
    fn contained_literals_are_marked_with_the_longer_one() {
        let closed = closed_groups(&["cmd", "cmd.exe", "MD.E", "x"], &singletons(4));
        assert_eq!(closed.get(1), [0, 1, 2, 3]);
        assert_eq!(closed.get(0), [0]);
        assert_eq!(closed.get(3), [3]);
    }
}
