//! A per-thread memo of literal scans: field values repeat (the same image paths, parents and
//! command lines appear in event after event), so the literals found in a value by one searcher
//! are remembered and replayed instead of searched again.

use std::hash::Hasher;

/// Direct-mapped entries; a power of two.
const ENTRIES: usize = 4096;

/// Values longer than this are not remembered (memory stays bounded: at most `ENTRIES` times
/// this per thread).
pub(crate) const MAX_TEXT: usize = 1024;

struct Entry {
    hash: u64,
    searcher: u64,
    text: String,
    lits: Vec<u32>,
}

#[derive(Default)]
pub(crate) struct ScanMemo {
    entries: Vec<Entry>,
    pub(crate) hits: u64,
    pub(crate) misses: u64,
}

fn hash_of(searcher: u64, text: &str) -> u64 {
    let mut h = rustc_hash::FxHasher::default();
    h.write_u64(searcher);
    h.write(text.as_bytes());
    h.finish()
}

impl ScanMemo {
    /// The literals remembered for `text` under `searcher`, or else the entry to fill in after
    /// searching (none for text too long to keep).
    pub(crate) fn get(&mut self, searcher: u64, text: &str) -> Result<&[u32], Option<Slot>> {
        if text.len() > MAX_TEXT {
            return Err(None);
        }
        if self.entries.is_empty() {
            self.entries.resize_with(ENTRIES, || Entry {
                hash: 0,
                searcher: u64::MAX,
                text: String::new(),
                lits: Vec::new(),
            });
        }
        let hash = hash_of(searcher, text);
        let i = (hash as usize ^ (hash >> 32) as usize) & (ENTRIES - 1);
        let e = &self.entries[i];
        if e.hash == hash && e.searcher == searcher && e.text == text {
            self.hits += 1;
            return Ok(&self.entries[i].lits);
        }
        self.misses += 1;
        Err(Some(Slot { i, hash }))
    }

    pub(crate) fn put(&mut self, slot: Slot, searcher: u64, text: &str, lits: &[u32]) {
        let e = &mut self.entries[slot.i];
        e.hash = slot.hash;
        e.searcher = searcher;
        e.text.clear();
        e.text.push_str(text);
        e.lits.clear();
        e.lits.extend_from_slice(lits);
    }

    /// Drops what `put` stored at `entry` (an entry stored on trust, then disproved).
    pub(crate) fn forget(&mut self, entry: usize) {
        self.entries[entry].searcher = u64::MAX;
    }
}

/// Where a value's entry goes in a [`ScanMemo`].
pub(crate) struct Slot {
    i: usize,
    hash: u64,
}

impl Slot {
    pub(crate) fn index(&self) -> usize {
        self.i
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_value_is_remembered_per_searcher_and_by_its_whole_text() {
        let mut memo = ScanMemo::default();
        let Err(Some(entry)) = memo.get(1, "cmd.exe /c whoami") else { panic!("an empty memo knows nothing") };
        memo.put(entry, 1, "cmd.exe /c whoami", &[3, 7]);
        assert_eq!(memo.get(1, "cmd.exe /c whoami").ok(), Some(&[3, 7][..]));
        assert!(memo.get(2, "cmd.exe /c whoami").is_err(), "another searcher's literals are not these");
        assert!(memo.get(1, "cmd.exe /c whoam").is_err(), "a prefix is another value");
        assert!(memo.get(1, "CMD.exe /c whoami").is_err(), "values are kept as written, not folded");
        assert_eq!((memo.hits, memo.misses), (1, 4));
    }

    #[test]
    fn values_sharing_an_entry_replace_each_other_without_mixing() {
        let mut memo = ScanMemo::default();
        // Find two values that land on the same entry.
        let texts: Vec<String> = (0..20_000).map(|i| format!("value {i}")).collect();
        let at = |memo: &mut ScanMemo, t: &str| match memo.get(9, t) {
            Err(Some(slot)) => slot.index(),
            _ => unreachable!("nothing is stored yet"),
        };
        let first = at(&mut memo, &texts[0]);
        let other = texts[1..].iter().find(|t| at(&mut memo, t) == first).expect("20,000 values share some entry");
        let Err(Some(e)) = memo.get(9, &texts[0]) else { unreachable!() };
        memo.put(e, 9, &texts[0], &[1]);
        assert!(memo.get(9, other).is_err(), "a value on a taken entry is not mistaken for it");
        let Err(Some(e)) = memo.get(9, other) else { unreachable!() };
        memo.put(e, 9, other, &[2]);
        assert_eq!(memo.get(9, other).ok(), Some(&[2][..]));
        assert!(memo.get(9, &texts[0]).is_err(), "the replaced value is gone");
    }

    #[test]
    fn long_values_and_forgotten_entries_are_not_kept() {
        let mut memo = ScanMemo::default();
        let long = "x".repeat(MAX_TEXT + 1);
        assert!(matches!(memo.get(1, &long), Err(None)), "too long to keep: no entry offered");
        let Err(Some(e)) = memo.get(1, "quiet value") else { unreachable!() };
        let i = e.index();
        memo.put(e, 1, "quiet value", &[]);
        assert_eq!(memo.get(1, "quiet value").ok(), Some(&[][..]));
        memo.forget(i);
        assert!(memo.get(1, "quiet value").is_err());
    }
}
