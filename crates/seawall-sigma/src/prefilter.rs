//! The prefilter: the literals each rule variant needs, gathered per route and searched once
//! per field for every combination of routes an event can be on, so that only variants whose
//! literals are all present get evaluated.

use std::collections::HashMap;
use std::sync::OnceLock;

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, MatchKind};
use rustc_hash::FxHashMap;

use crate::expr::LiteralSource;

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
    Automaton(AhoCorasick),
    /// Many literals: a window-hashed set reporting every occurrence.
    Set(crate::literals::LiteralSet),
    /// Nothing could be built: every literal counts as present (safe).
    Everything,
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
                // Small automata fit in cache as DFAs, which scan fastest.
                let ac = AhoCorasickBuilder::new()
                    .match_kind(MatchKind::LeftmostLongest)
                    .kind(Some(aho_corasick::AhoCorasickKind::DFA))
                    .build(lits.iter().map(|(l, _)| l.as_bytes()));
                match ac {
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
    let contains = AhoCorasickBuilder::new()
        .match_kind(MatchKind::Standard)
        .ascii_case_insensitive(true)
        .build(lits.iter().map(|(l, _)| l.as_bytes()));
    lits.iter()
        .map(|(text, own)| {
            let mut groups = own.clone();
            if let Ok(ac) = &contains {
                for m in ac.find_overlapping_iter(text.as_bytes()) {
                    groups.extend_from_slice(&lits[m.pattern().as_usize()].1);
                }
            }
            groups.sort_unstable();
            groups.dedup();
            groups
        })
        .collect()
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
