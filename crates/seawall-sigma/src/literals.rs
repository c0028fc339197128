//! Finds which of many short literals occur in a text, for prefilter sets too large for an
//! Aho-Corasick automaton to stay in cache.
//!
//! Each literal of four bytes or more is filed under one of its 4-byte windows (the one it
//! shares with the fewest other literals). The scan slides over the text, tests each 4-byte
//! window against a small bitmap that fits in the first-level cache, and only on a hit looks the
//! window up and compares the literals filed under it. Literals shorter than four bytes go to a
//! small automaton of their own. Every occurrence is found, overlapping ones included.

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, MatchKind};

const GRAM: usize = 4;

pub struct LiteralSet {
    /// The literals' bytes, one after another: literal `i` is `bytes[ends[i - 1]..ends[i]]`.
    bytes: Vec<u8>,
    ends: Vec<u32>,
    /// Bitmap over hashed windows: a clear bit means no literal is filed under that window.
    bloom: Vec<u64>,
    shift: u32,
    /// Shift taking a window's slot from the top bits of its hash (the low bits of a
    /// multiplicative hash vary little between windows, and probing ran long on them).
    slot_shift: u32,
    /// Open-addressing table: window -> range of `entries`; `u32::MAX` length marks a free slot.
    slots: Vec<(u32, u32, u32)>,
    /// (literal, offset of its filed window within it), grouped by window.
    entries: Vec<(u32, u8)>,
    /// Literals shorter than a window, with their ids.
    short: Option<(AhoCorasick, Vec<u32>)>,
}

/// Where item `i` of items packed one after another sits, given where each ends.
pub(crate) fn packed_span(ends: &[u32], i: u32) -> std::ops::Range<usize> {
    let start = if i == 0 { 0 } else { ends[i as usize - 1] as usize };
    start..ends[i as usize] as usize
}

fn hash(gram: u32) -> u32 {
    gram.wrapping_mul(0x9E37_79B1)
}

fn window(text: &[u8], i: usize) -> u32 {
    u32::from_le_bytes([text[i], text[i + 1], text[i + 2], text[i + 3]])
}

/// Most counters of the window-frequency estimate (a power of two); a set gets about two a
/// window it holds, so a few hundred literals do not clear a large table.
const FREQ_COUNTERS: usize = 1 << 16;

/// For each literal, the offset of the window to file it under: the one the fewest of
/// `literals` hold (ties go to the window nearest the end: ends of paths tell literals apart
/// best). Literals shorter than a window get 0.
///
/// Frequencies are estimated with a table of counters indexed by the window's hash, not
/// counted exactly in a map: windows that share a counter only make a choice slightly worse,
/// and sets are built while a hunt runs, where a map of every window cost several times more.
fn filing_offsets(literals: &[&[u8]]) -> Vec<u8> {
    let windows: usize = literals.iter().map(|l| (l.len() + 1).saturating_sub(GRAM)).sum();
    let counters = (windows * 2).next_power_of_two().clamp(1 << 8, FREQ_COUNTERS);
    let shift = 32 - counters.trailing_zeros();
    let counter = |lit: &[u8], i: usize| (hash(window(lit, i)) >> shift) as usize;
    let mut freq = vec![0u16; counters];
    for lit in literals.iter().filter(|l| l.len() >= GRAM) {
        for i in 0..=lit.len() - GRAM {
            let c = &mut freq[counter(lit, i)];
            *c = c.saturating_add(1);
        }
    }
    literals
        .iter()
        .map(|lit| {
            if lit.len() < GRAM {
                return 0;
            }
            let off = (0..=lit.len() - GRAM).rev().min_by_key(|&i| freq[counter(lit, i)]);
            // A literal's offset fits a byte: prefilter literals are short, and longer ones
            // are filed within their first 256 bytes.
            off.unwrap_or(0).min(u8::MAX as usize) as u8
        })
        .collect()
}

impl LiteralSet {
    /// Builds the set; literal ids are positions in `literals`. Empty literals are ignored.
    pub fn new<'a>(literals: impl IntoIterator<Item = &'a [u8]>) -> Result<LiteralSet, aho_corasick::BuildError> {
        let literals: Vec<&[u8]> = literals.into_iter().collect();
        let offsets = filing_offsets(&literals);
        let (mut bytes, mut ends) = (Vec::new(), Vec::with_capacity(literals.len()));
        let mut filed: Vec<(u32, u32, u8)> = Vec::with_capacity(literals.len());
        let mut short = Vec::new();
        for (id, (lit, off)) in literals.into_iter().zip(offsets).enumerate() {
            bytes.extend_from_slice(lit);
            ends.push(bytes.len() as u32);
            if lit.is_empty() {
                continue;
            }
            if lit.len() < GRAM {
                short.push(id as u32);
                continue;
            }
            filed.push((window(lit, off as usize), id as u32, off));
        }
        filed.sort_unstable();
        let distinct = filed.windows(2).filter(|w| w[0].0 != w[1].0).count() + usize::from(!filed.is_empty());
        let bits = (distinct * 32).next_power_of_two().clamp(1 << 12, 1 << 20);
        let shift = 32 - bits.trailing_zeros();
        let mut bloom = vec![0u64; bits / 64];
        let cap = (distinct * 2).next_power_of_two().max(16);
        let slot_shift = 32 - cap.trailing_zeros();
        let mut slots = vec![(0u32, 0u32, u32::MAX); cap];
        let mut entries = Vec::with_capacity(filed.len());
        let mut i = 0;
        while i < filed.len() {
            let gram = filed[i].0;
            let start = entries.len() as u32;
            while i < filed.len() && filed[i].0 == gram {
                entries.push((filed[i].1, filed[i].2));
                i += 1;
            }
            let h = hash(gram);
            let b = (h >> shift) as usize;
            bloom[b / 64] |= 1 << (b % 64);
            let mut s = (h >> slot_shift) as usize;
            while slots[s].2 != u32::MAX {
                s = (s + 1) & (cap - 1);
            }
            slots[s] = (gram, start, entries.len() as u32 - start);
        }
        let mut set = LiteralSet { bytes, ends, bloom, shift, slot_shift, slots, entries, short: None };
        if !short.is_empty() {
            // A DFA: few short literals make a small one, and it reports overlapping matches
            // several times faster than the default automaton.
            let ac = AhoCorasickBuilder::new()
                .match_kind(MatchKind::Standard)
                .kind(Some(aho_corasick::AhoCorasickKind::DFA))
                .build(short.iter().map(|&id| set.literal(id)))?;
            set.short = Some((ac, short));
        }
        Ok(set)
    }

    fn literal(&self, id: u32) -> &[u8] {
        &self.bytes[packed_span(&self.ends, id)]
    }

    /// Calls `found` with the id of every literal occurrence in `text` (a literal occurring
    /// several times is reported several times).
    pub fn for_each_in<F: FnMut(u32) + ?Sized>(&self, text: &[u8], found: &mut F) {
        if let Some((ac, ids)) = &self.short {
            for m in ac.find_overlapping_iter(text) {
                found(ids[m.pattern().as_usize()]);
            }
        }
        if text.len() < GRAM || self.entries.is_empty() {
            return;
        }
        // The window rolls one byte at a time (a shift and an or, not four loads).
        let mut gram = window(text, 0);
        let mut i = 0;
        loop {
            let h = hash(gram);
            let bit = (h >> self.shift) as usize;
            // In bounds: the shift leaves as many bits as the bitmap has.
            if self.bloom[bit / 64] & (1 << (bit % 64)) != 0 {
                self.report_at(text, i, gram, h, found);
            }
            i += 1;
            let Some(&next) = text.get(i + GRAM - 1) else { break };
            gram = (gram >> 8) | (u32::from(next) << 24);
        }
    }

    /// The literals filed under the window at `i` (a bloom hit) that occur there.
    fn report_at<F: FnMut(u32) + ?Sized>(&self, text: &[u8], i: usize, gram: u32, h: u32, found: &mut F) {
        let cap = self.slots.len() - 1;
        let mut s = (h >> self.slot_shift) as usize;
        let (start, len) = loop {
            let (g, start, len) = self.slots[s];
            if len == u32::MAX {
                return;
            }
            if g == gram {
                break (start, len);
            }
            s = (s + 1) & cap;
        };
        for &(id, off) in &self.entries[start as usize..(start + len) as usize] {
            let lit = self.literal(id);
            let Some(from) = i.checked_sub(off as usize) else { continue };
            if text.get(from..from + lit.len()) == Some(lit) {
                found(id);
            }
        }
    }

    pub fn len(&self) -> usize {
        self.ends.len()
    }

    pub fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn found(set: &LiteralSet, text: &str) -> Vec<u32> {
        let mut out = Vec::new();
        set.for_each_in(text.as_bytes(), &mut |id| out.push(id));
        out.sort_unstable();
        out.dedup();
        out
    }

    fn naive(lits: &[&str], text: &str) -> Vec<u32> {
        (0..lits.len() as u32).filter(|&i| !lits[i as usize].is_empty() && text.contains(lits[i as usize])).collect()
    }

    #[test]
    fn literals_are_filed_under_their_rarest_window() {
        // "\\cmd" is shared by every literal; each is filed under a window of its own.
        let lits: [&[u8]; 3] = [b"\\cmd.exe", b"\\cmdkey", b"\\cmdl32"];
        let offsets = filing_offsets(&lits);
        for (lit, off) in lits.iter().zip(offsets) {
            let off = off as usize;
            assert!(off > 0, "{:?} filed under the shared window", String::from_utf8_lossy(lit));
            let shared = lits.iter().filter(|l| l.windows(GRAM).any(|w| w == &lit[off..off + GRAM])).count();
            assert_eq!(shared, 1, "{:?} at {off}", String::from_utf8_lossy(lit));
        }
        assert_eq!(filing_offsets(&[b"abc", b""]), [0, 0], "shorter than a window");
    }

    #[test]
    fn finds_overlapping_nested_and_short_literals() {
        let lits = ["cmd.exe", "\\cmd.exe", "d.ex", ".", "-enc", "powershell", "shell -", "", "xyz"];
        let set = LiteralSet::new(lits.iter().map(|s| s.as_bytes())).unwrap();
        for text in ["c:\\windows\\cmd.exe", "powershell -enc abc", "cmd.ex", "", "ab", "xyz", "shell -enc"] {
            assert_eq!(found(&set, text), naive(&lits, text), "text {text:?}");
        }
    }

    #[test]
    fn agrees_with_naive_search_on_generated_texts() {
        // A deterministic generator over a small alphabet, so literals share many windows.
        let mut seed = 0x2545_f491_4f6c_dd1du64;
        let mut next = move || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        let alphabet = b"ab.\\ce";
        let mut word = |n: usize| -> String {
            (0..n).map(|_| alphabet[(next() % alphabet.len() as u64) as usize] as char).collect()
        };
        let lits: Vec<String> = (0..400).map(|i| word(1 + i % 12)).collect();
        let refs: Vec<&str> = lits.iter().map(String::as_str).collect();
        let set = LiteralSet::new(refs.iter().map(|s| s.as_bytes())).unwrap();
        for n in 0..200 {
            let text = word(n % 60);
            assert_eq!(found(&set, &text), naive(&refs, &text), "text {text:?}");
        }
    }
}
