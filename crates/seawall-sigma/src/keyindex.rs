//! A hash index over the keys of one event object, built once per event so that the dozens of
//! field lookups a rule set makes each cost one probe instead of a scan of every key.

use seawall_core::{Map, Value};

/// Objects with fewer keys are scanned; indexing them would cost more than it saves.
pub const MIN_INDEXED_KEYS: usize = 8;

/// Hash of a key, computed for rule fields when they load and for event keys per event.
pub fn key_hash(key: &str) -> u32 {
    hash_and_dot(key).0
}

/// The key's hash, and whether it holds a dot (flattened JSON such as `"process.name"`),
/// found in the same pass over its bytes.
fn hash_and_dot(key: &str) -> (u32, bool) {
    const DOTS: u64 = u64::from_le_bytes([b'.'; 8]);
    const LOW: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    // A zero byte in `w ^ DOTS` is a dot in `w` (the classic has-zero-byte test).
    let has_dot = |w: u64| {
        let x = w ^ DOTS;
        x.wrapping_sub(LOW) & !x & HIGH != 0
    };
    let mut h: u64 = key.len() as u64;
    let mut dot = false;
    let mut chunks = key.as_bytes().chunks_exact(8);
    for c in &mut chunks {
        let mut w = [0u8; 8];
        w.copy_from_slice(c);
        let w = u64::from_le_bytes(w);
        dot |= has_dot(w);
        h = (h.rotate_left(5) ^ w).wrapping_mul(0x517c_c1b7_2722_0a95);
    }
    let tail = chunks.remainder();
    let mut w = [0u8; 8];
    w[..tail.len()].copy_from_slice(tail);
    dot |= tail.contains(&b'.');
    h = (h.rotate_left(5) ^ u64::from_le_bytes(w)).wrapping_mul(0x517c_c1b7_2722_0a95);
    ((h >> 32) as u32, dot)
}

/// Open-addressing table: slot -> (key hash, entry position + 1); 0 marks a free slot. Its
/// allocation is reused from event to event.
#[derive(Default)]
pub struct KeyIndex {
    table: Vec<(u32, u32)>,
    /// Whether some key holds a dot.
    pub dotted: bool,
}

impl KeyIndex {
    /// Indexes the keys of `map`.
    pub fn build(&mut self, map: &Map) {
        let cap = (map.len() * 2).next_power_of_two().max(16);
        self.table.clear();
        self.table.resize(cap, (0, 0));
        let mask = cap - 1;
        self.dotted = false;
        for (i, (k, _)) in map.entries().iter().enumerate() {
            let (h, dot) = hash_and_dot(k);
            self.dotted |= dot;
            let mut s = h as usize & mask;
            while self.table[s].1 != 0 {
                s = (s + 1) & mask;
            }
            self.table[s] = (h, i as u32 + 1);
        }
    }

    /// The value of `key` (whose hash is `hash`) in the map this index was built over.
    pub fn get<'m>(&self, map: &'m Map, key: &str, hash: u32) -> Option<&'m Value> {
        let mask = self.table.len().checked_sub(1)?;
        let mut s = hash as usize & mask;
        loop {
            let (h, at) = self.table[s];
            if at == 0 {
                return None;
            }
            if h == hash {
                let (k, v) = map.entries().get(at as usize - 1)?;
                if k == key {
                    return Some(v);
                }
            }
            s = (s + 1) & mask;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_every_key_and_no_other() {
        let mut m = Map::new();
        let keys: Vec<String> = (0..40).map(|i| format!("Field{i}{}", "x".repeat(i % 11))).collect();
        for (i, k) in keys.iter().enumerate() {
            m.insert(k.as_str().into(), Value::from(i as i64));
        }
        let mut ix = KeyIndex::default();
        ix.build(&m);
        for (i, k) in keys.iter().enumerate() {
            assert_eq!(ix.get(&m, k, key_hash(k)), Some(&Value::from(i as i64)), "{k}");
        }
        for k in ["Field", "field0", "Field0x", "", "Field40"] {
            assert_eq!(ix.get(&m, k, key_hash(k)), None, "{k}");
        }
        assert_ne!(key_hash("CommandLine"), key_hash("commandline"));
        assert!(!ix.dotted);
        for k in ["a.b", "process.name", "abcdefgh.", "abcdefghijklmno.p", "."] {
            assert!(hash_and_dot(k).1, "{k}");
        }
        for k in ["", "abcdefghijklmnop", "a-b_c/d", "\u{2e00}x"] {
            assert!(!hash_and_dot(k).1, "{k}");
        }
    }
}
