//! The prefilter's search of one event: each field's value searched for the literals its route
//! needs (or the literals remembered for that value), and the literal groups found marked, so
//! that only the variants whose groups are all satisfied get evaluated.

use seawall_core::Value;

use super::Scratch;
use crate::eval::EventCtx;
use crate::expr::LiteralSource;
use crate::memo::ScanMemo;
use crate::pattern::push_folded;
use crate::prefilter::{build_scans, merge_tables, Prefilter, SourceScan, PAIR};

/// Records that one literal group of a variant is satisfied; the variant becomes a candidate
/// once all its groups are (one, or both of a [`PAIR`]).
#[inline(always)]
fn mark_group(pf: &Prefilter, g: u32, scratch: &mut Scratch) {
    let (word, bit) = (g as usize / 64, 1u64 << (g % 64));
    let seen = &mut scratch.groups_seen[word];
    if *seen & bit != 0 {
        return;
    }
    *seen |= bit;
    let v = pf.group_variant[g as usize];
    // The other group of a pair is in the same word: pairs start at even numbers.
    if v & PAIR == 0 || *seen & (1u64 << ((g ^ 1) % 64)) != 0 {
        scratch.marked.push(v & !PAIR);
    }
}

/// Records the literal groups a literal found satisfies. Kept out of line: inlined into the
/// searchers' byte loops it made them slower.
#[inline(never)]
fn mark_groups(pf: &Prefilter, groups: &[u32], scratch: &mut Scratch) {
    for &g in groups {
        mark_group(pf, g, scratch);
    }
}

/// Marks the variants whose required literal groups all occur in the event.
pub(super) fn scan(pf: &Prefilter, fields: &Value, ctx: &mut EventCtx, active: &[u32; 3], scratch: &mut Scratch) {
    scratch.marked.clear();
    scratch.groups_seen.clear();
    scratch.groups_seen.resize(pf.group_variant.len().div_ceil(64), 0);
    let Some(&combo) = pf.combo_of.get(active) else { return };
    let route = &pf.combos[combo as usize];
    let mut text = std::mem::take(&mut scratch.all_text);
    let mut memo = std::mem::take(&mut scratch.memo);
    let mut found_lits = std::mem::take(&mut scratch.found_lits);
    let (mut quiet, mut pending) = (std::mem::take(&mut scratch.quiet), std::mem::take(&mut scratch.pending));
    let scans = route.built.get_or_init(|| build_scans(merge_tables(&pf.tables, &route.routes), &pf.pool));
    for (k, scan) in scans.iter().enumerate() {
        let id = u64::from(combo) << 32 | k as u64;
        let mut lookup = Lookup { pf, scan, id, memo: &mut memo, found_lits: &mut found_lits, scratch };
        match scan.source {
            LiteralSource::Field(slot) => match ctx.get(slot) {
                Some(Value::String(raw)) => {
                    let raw: &str = raw;
                    lookup.value(raw, &mut |found| ctx.for_each_folded(slot, &mut |t| scan.search(t, found)));
                }
                _ => ctx.for_each_folded(slot, &mut |t| scan.search(t, &mut |lit| lookup.mark(lit))),
            },
            LiteralSource::Anywhere => {
                // Every value, joined by NULs (no literal holds one), scanned in one pass;
                // but strings known to hold no keyword are left out. Keywords are rare, so
                // the values searched are taken as free of them, and forgotten again when
                // the search finds one.
                text.clear();
                pending.clear();
                push_all_text(fields, scan.numbers, &mut text, &mut |raw| {
                    // Too short to hold a keyword: not even looked up.
                    if raw.len() < scan.shortest && raw.is_ascii() {
                        return false;
                    }
                    match quiet.get(id, raw) {
                        Ok(_) => false,
                        Err(entry) => {
                            if let Some(entry) = entry {
                                pending.push(entry.index());
                                quiet.put(entry, id, raw, &[]);
                            }
                            true
                        }
                    }
                });
                let mut any = false;
                scan.search(&text, &mut |lit| {
                    any = true;
                    lookup.mark(lit)
                });
                if any {
                    pending.iter().for_each(|&i| quiet.forget(i));
                }
            }
        }
    }
    scratch.all_text = text;
    scratch.memo = memo;
    scratch.found_lits = found_lits;
    (scratch.quiet, scratch.pending) = (quiet, pending);
}

/// Appends every scalar of a value, folded, each followed by a NUL; numbers only when asked,
/// strings only when `wanted` says so.
fn push_all_text(v: &Value, numbers: bool, out: &mut String, wanted: &mut impl FnMut(&str) -> bool) {
    match v {
        Value::Array(items) => items.iter().for_each(|i| push_all_text(i, numbers, out, wanted)),
        // Scalars are taken in the loop; only nested containers recurse (most events are flat).
        Value::Object(m) => m.values().for_each(|i| match i {
            Value::Array(_) | Value::Object(_) => push_all_text(i, numbers, out, wanted),
            scalar => push_scalar(scalar, numbers, out, wanted),
        }),
        scalar => push_scalar(scalar, numbers, out, wanted),
    }
}

/// [`push_all_text`] of one scalar.
#[inline(always)]
fn push_scalar(v: &Value, numbers: bool, out: &mut String, wanted: &mut impl FnMut(&str) -> bool) {
    match v {
        Value::String(s) if wanted(s) => push_folded(out, s),
        Value::Number(n) if numbers => n.push_to(out),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        _ => return,
    }
    out.push('\0');
}

/// Marks the literal groups of the literals one searcher finds in a value, replaying them from
/// the memo when the value was searched before.
struct Lookup<'a> {
    pf: &'a Prefilter,
    scan: &'a SourceScan,
    id: u64,
    memo: &'a mut ScanMemo,
    found_lits: &'a mut Vec<u32>,
    scratch: &'a mut Scratch,
}

impl Lookup<'_> {
    fn mark(&mut self, lit: u32) {
        mark_groups(self.pf, self.scan.lit_groups.get(lit), self.scratch);
    }

    /// `search` searches the value's folded text, calling its argument with each literal found.
    fn value(&mut self, raw: &str, search: &mut impl FnMut(&mut dyn FnMut(u32))) {
        match self.memo.get(self.id, raw) {
            Ok(lits) => {
                // Replayed here, in one loop (the searchers' loops call `mark_groups`).
                for &lit in lits {
                    for &g in self.scan.lit_groups.get(lit) {
                        mark_group(self.pf, g, self.scratch);
                    }
                }
            }
            Err(entry) => {
                self.found_lits.clear();
                search(&mut |lit| {
                    self.found_lits.push(lit);
                    mark_groups(self.pf, self.scan.lit_groups.get(lit), self.scratch);
                });
                if let Some(entry) = entry {
                    self.memo.put(entry, self.id, raw, self.found_lits);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::prefilter::NO_VARIANT;

    #[test]
    fn a_variant_is_marked_once_all_its_groups_are_found() {
        // Variant 0 needs group 0; group 1 pads; variant 1 needs groups 2 and 3; variant 2
        // needs group 4.
        let pf = Prefilter {
            pool: Default::default(),
            tables: Vec::new(),
            combos: Vec::new(),
            combo_of: Default::default(),
            group_variant: vec![0, NO_VARIANT, 1 | PAIR, 1 | PAIR, 2],
        };
        let mut scratch = Scratch { groups_seen: vec![0], ..Scratch::default() };
        mark_groups(&pf, &[3], &mut scratch);
        assert!(scratch.marked.is_empty(), "one group of a pair is not enough");
        mark_groups(&pf, &[3, 0], &mut scratch);
        assert_eq!(scratch.marked, [0], "a group found twice counts once");
        mark_groups(&pf, &[2], &mut scratch);
        assert_eq!(scratch.marked, [0, 1], "both groups of the pair found, in either order");
        mark_groups(&pf, &[2, 3, 4], &mut scratch);
        assert_eq!(scratch.marked, [0, 1, 2], "each variant is marked once");
    }
}
