//! A per-thread memory of matcher verdicts on field values. The values rules test repeat from
//! event to event (image paths, parent images, command lines of services), so a value list,
//! wildcard or regex tested on a value once gives its verdict again without being tested.
//!
//! Values are numbered as they are seen (`ValueIds`): a value's number is found once per event
//! and field, by its text; verdicts are then kept by matcher and number alone, so a lookup
//! never compares text again. A number is never reused: when a value's entry is replaced and the
//! value comes back, it gets a new number, and verdicts kept for the old one are never found.

use std::hash::Hasher;

use crate::memo::MAX_TEXT;

/// Entries of each table; powers of two. Memory is bounded by them: values longer than the scan
/// memo's `MAX_TEXT` are not numbered either. Verdicts are many per value (one per matcher of
/// every candidate rule that tests it): on the first 30,000 generated Sysmon events, 8,192
/// entries left 113,000 tests to be made again, 32,768 (768 KiB, within the second-level
/// cache) 62,000.
const VALUES: usize = 4096;
const VERDICTS: usize = 32768;

struct Numbered {
    hash: u64,
    id: u64,
    text: String,
}

#[derive(Clone, Copy, Default)]
struct Verdict {
    matcher: usize,
    value: u64,
    holds: bool,
}

#[derive(Default)]
pub struct VerdictMemo {
    values: Vec<Numbered>,
    verdicts: Vec<Verdict>,
    next_id: u64,
}

fn hash_text(text: &str) -> u64 {
    let mut h = rustc_hash::FxHasher::default();
    h.write(text.as_bytes());
    h.finish()
}

/// Spreads a hash's bits into a table index (the upper bits of an Fx hash are the mixed ones).
fn slot(h: u64, len: usize) -> usize {
    (h ^ (h >> 29) ^ (h >> 47)) as usize & (len - 1)
}

impl VerdictMemo {
    /// The number of a value (never 0), or 0 when it is too long to keep.
    pub fn value_id(&mut self, text: &str) -> u64 {
        if text.len() > MAX_TEXT {
            return 0;
        }
        if self.values.is_empty() {
            self.values.resize_with(VALUES, || Numbered { hash: 0, id: 0, text: String::new() });
            self.verdicts.resize(VERDICTS, Verdict::default());
        }
        let hash = hash_text(text);
        let e = &mut self.values[slot(hash, VALUES)];
        if e.id != 0 && e.hash == hash && e.text == text {
            return e.id;
        }
        self.next_id += 1;
        e.hash = hash;
        e.id = self.next_id;
        e.text.clear();
        e.text.push_str(text);
        e.id
    }

    /// Multiplied through, so matchers at nearby addresses testing one value spread out.
    fn verdict_slot(matcher: usize, value: u64) -> usize {
        let h = (matcher as u64 ^ value.wrapping_mul(0x9e37_79b9_7f4a_7c15)).wrapping_mul(0xff51_afd7_ed55_8ccd);
        (h >> (64 - VERDICTS.trailing_zeros())) as usize
    }

    /// The verdict kept for a matcher (by address) on a numbered value.
    pub fn get(&self, matcher: usize, value: u64) -> Option<bool> {
        let v = self.verdicts.get(Self::verdict_slot(matcher, value))?;
        (v.value == value && v.matcher == matcher).then_some(v.holds)
    }

    pub fn put(&mut self, matcher: usize, value: u64, holds: bool) {
        if let Some(v) = self.verdicts.get_mut(Self::verdict_slot(matcher, value)) {
            *v = Verdict { matcher, value, holds };
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_are_numbered_by_their_whole_text_and_numbers_are_never_reused() {
        let mut m = VerdictMemo::default();
        let a = m.value_id("C:\\Windows\\cmd.exe");
        assert_ne!(a, 0);
        assert_eq!(m.value_id("C:\\Windows\\cmd.exe"), a);
        let b = m.value_id("C:\\Windows\\cmd.ex");
        assert_ne!(b, a);
        // Push the first value out by numbering values until one takes its entry.
        let mut i = 0u64;
        while m.values[slot(hash_text("C:\\Windows\\cmd.exe"), VALUES)].id == a {
            m.value_id(&format!("filler {i}"));
            i += 1;
        }
        let again = m.value_id("C:\\Windows\\cmd.exe");
        assert!(again > a, "a value numbered again gets a new number");
        assert_eq!(m.value_id(&"x".repeat(MAX_TEXT + 1)), 0, "too long to number");
    }

    #[test]
    fn verdicts_are_kept_per_matcher_and_value() {
        let mut m = VerdictMemo::default();
        let v = m.value_id("powershell.exe -enc");
        let w = m.value_id("explorer.exe");
        assert_eq!(m.get(8, v), None);
        m.put(8, v, true);
        m.put(16, v, false);
        assert_eq!(m.get(8, v), Some(true));
        assert_eq!(m.get(16, v), Some(false));
        assert_eq!(m.get(8, w), None, "another value's verdict is not this one's");
        assert_eq!(m.get(24, v), None, "another matcher's verdict is not this one's");
    }
}
