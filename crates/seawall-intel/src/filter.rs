//! A small Bloom filter in front of the IOC tables. With a million indicators the tables no
//! longer fit in cache, and nearly every lookup is a miss; the filter (a few MiB, two bits per
//! key) answers most misses from cache, so the index costs about the same with a thousand
//! indicators as with a million.

use std::hash::{Hash, Hasher};

/// A blocked Bloom filter: both bits of a key lie in one 64-bit word, so a probe costs one
/// memory access.
#[derive(Debug, Default)]
pub struct Filter {
    words: Vec<u64>,
    mask: u64,
}

/// A well-mixed 64-bit hash of anything hashable.
pub fn hash_of<T: Hash + ?Sized>(v: &T) -> u64 {
    let mut h = rustc_hash::FxHasher::default();
    v.hash(&mut h);
    // SplitMix64's finaliser: FxHash alone leaves low bits poorly mixed.
    let mut z = h.finish();
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

impl Filter {
    /// A filter for about `keys` keys: 10 bits per key (about 3% false positives), between
    /// 64 Ki and 256 Mi bits, so a million keys take about 1 MiB.
    pub fn with_capacity(keys: usize) -> Filter {
        let bits = (keys.saturating_mul(10)).next_power_of_two().clamp(1 << 16, 1 << 28);
        Filter { words: vec![0; bits / 64], mask: (bits / 64) as u64 - 1 }
    }

    fn slot(&self, h: u64) -> (usize, u64) {
        ((h & self.mask) as usize, (1u64 << ((h >> 40) & 63)) | (1u64 << ((h >> 52) & 63)))
    }

    pub fn add(&mut self, h: u64) {
        let (w, bits) = self.slot(h);
        self.words[w] |= bits;
    }

    /// False means the key is surely absent.
    pub fn may_contain(&self, h: u64) -> bool {
        if self.words.is_empty() {
            return true;
        }
        let (w, bits) = self.slot(h);
        self.words[w] & bits == bits
    }
}
