//! A hash index over the keys of an event's top-level object, so that the dozens of field
//! lookups a rule set makes each cost one probe instead of a scan of every key. Events of one
//! source mostly repeat the keys of an event before, in the same order (one set of keys per kind
//! of event): then the index built for that event serves again, comparing the keys costs less
//! than hashing them, and where each field lies is known from the first such event.

use seawall_core::{same_bytes, Map, Text, Value};

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

/// The key sets (shapes) remembered: a source writes one shape per kind of event (Sysmon: one
/// per event ID), and events of a few kinds come interleaved.
const SHAPES: usize = 8;

/// One shape: its keys in order, and an open-addressing table over them: slot -> (key hash,
/// entry position + 1), 0 marking a free slot.
#[derive(Default)]
struct Shape {
    keys: Vec<Text>,
    table: Vec<(u32, u32)>,
    dotted: bool,
    /// Per field slot, where objects of this shape hold the field, once a lookup found that it
    /// depends on the keys alone: [`UNKNOWN`], [`ABSENT`], or the entry's position plus 2.
    places: Vec<u32>,
}

/// A field whose place in a shape is not known.
pub const UNKNOWN: u32 = 0;
/// A field that objects of a shape do not hold.
pub const ABSENT: u32 = 1;

/// The index of the object last built over, chosen among the shapes remembered; the tables'
/// allocations are reused from event to event.
#[derive(Default)]
pub struct KeyIndex {
    shapes: Vec<Shape>,
    /// The shape of the object last built over.
    current: usize,
    /// The shape to replace when a new one comes.
    next: usize,
    /// Whether some key holds a dot.
    pub dotted: bool,
}

impl KeyIndex {
    /// Indexes the keys of `map`; when they are a remembered shape's keys, in the same order,
    /// that shape's table serves.
    pub fn build(&mut self, map: &Map) {
        let entries = map.entries();
        let same = |shape: &Shape| {
            shape.keys.len() == entries.len()
                && shape.keys.iter().zip(entries).all(|(a, (b, _))| same_bytes(a.as_bytes(), b.as_bytes()))
        };
        let found = match self.shapes.get(self.current) {
            Some(shape) if same(shape) => Some(self.current),
            _ => self.shapes.iter().position(same),
        };
        let i = found.unwrap_or_else(|| {
            if self.shapes.len() < SHAPES {
                self.shapes.push(Shape::default());
                self.shapes.len() - 1
            } else {
                let i = self.next;
                self.next = (self.next + 1) % SHAPES;
                i
            }
        });
        self.current = i;
        let shape = &mut self.shapes[i];
        if found.is_none() {
            shape.index(entries);
        }
        self.dotted = shape.dotted;
    }

    /// Where the current shape holds field `slot`: [`UNKNOWN`], [`ABSENT`], or the entry's
    /// position plus 2.
    pub fn place(&self, slot: u32) -> u32 {
        self.shapes.get(self.current).and_then(|s| s.places.get(slot as usize)).copied().unwrap_or(UNKNOWN)
    }

    /// Records where the current shape holds field `slot` (see [`KeyIndex::place`]).
    pub fn set_place(&mut self, slot: u32, place: u32) {
        if let Some(shape) = self.shapes.get_mut(self.current) {
            if shape.places.len() <= slot as usize {
                shape.places.resize(slot as usize + 1, UNKNOWN);
            }
            shape.places[slot as usize] = place;
        }
    }

    /// The position of `key` (whose hash is `hash`) among the entries of the map this index was
    /// built over.
    pub fn position(&self, map: &Map, key: &str, hash: u32) -> Option<usize> {
        let table = &self.shapes.get(self.current)?.table;
        let mask = table.len().checked_sub(1)?;
        let mut s = hash as usize & mask;
        loop {
            let (h, at) = table[s];
            if at == 0 {
                return None;
            }
            if h == hash {
                let (k, _) = map.entries().get(at as usize - 1)?;
                if same_bytes(k.as_bytes(), key.as_bytes()) {
                    return Some(at as usize - 1);
                }
            }
            s = (s + 1) & mask;
        }
    }
}

impl Shape {
    /// Takes the keys of `entries` as this shape's.
    fn index(&mut self, entries: &[(Text, Value)]) {
        self.places.clear();
        self.keys.clear();
        self.keys.extend(entries.iter().map(|(k, _)| k.clone()));
        let cap = (entries.len() * 2).next_power_of_two().max(16);
        self.table.clear();
        self.table.resize(cap, (0, 0));
        let mask = cap - 1;
        self.dotted = false;
        for (i, (k, _)) in entries.iter().enumerate() {
            let (h, dot) = hash_and_dot(k);
            self.dotted |= dot;
            let mut s = h as usize & mask;
            while self.table[s].1 != 0 {
                s = (s + 1) & mask;
            }
            self.table[s] = (h, i as u32 + 1);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn get<'m>(ix: &KeyIndex, map: &'m Map, key: &str) -> Option<&'m Value> {
        ix.position(map, key, key_hash(key)).map(|at| &map.entries()[at].1)
    }

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
            assert_eq!(get(&ix, &m, k), Some(&Value::from(i as i64)), "{k}");
        }
        for k in ["Field", "field0", "Field0x", "", "Field40"] {
            assert_eq!(get(&ix, &m, k), None, "{k}");
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

    fn object(keys: &[&str], base: i64) -> Map {
        let mut m = Map::new();
        for (i, k) in keys.iter().enumerate() {
            m.insert((*k).into(), Value::from(base + i as i64));
        }
        m
    }

    #[test]
    fn an_index_serves_the_next_object_only_when_its_keys_are_the_same() {
        let keys = ["Channel", "EventID", "Image", "CommandLine", "ParentImage", "User", "Hashes", "Product"];
        let mut ix = KeyIndex::default();
        ix.build(&object(&keys, 0));
        // The same keys, other values: the values found are the new object's.
        let same = object(&keys, 100);
        ix.build(&same);
        for (i, k) in keys.iter().enumerate() {
            assert_eq!(get(&ix, &same, k), Some(&Value::from(100 + i as i64)), "{k}");
        }
        // After the same keys again: the same keys in another order, one key renamed, one key
        // fewer, one dotted. Each is found where the new object has it, and the old keys are gone.
        let mut reordered = keys;
        reordered.reverse();
        let mut renamed = keys;
        renamed[3] = "CommandLinf";
        let mut dotted = keys;
        dotted[7] = "process.name";
        for (n, other) in [&reordered[..], &renamed[..], &keys[..7], &dotted[..]].into_iter().enumerate() {
            ix.build(&object(&keys, 0));
            let m = object(other, 1000 * (n as i64 + 1));
            ix.build(&m);
            for (i, k) in other.iter().enumerate() {
                assert_eq!(get(&ix, &m, k), Some(&Value::from(1000 * (n as i64 + 1) + i as i64)), "{k}");
            }
            for k in keys.iter().filter(|k| !other.contains(k)) {
                assert_eq!(get(&ix, &m, k), None, "{k}");
            }
            assert_eq!(ix.dotted, n == 3);
        }
    }

    #[test]
    fn interleaved_shapes_each_find_their_own_keys() {
        // Twelve shapes (more than are remembered) of 9 to 11 keys, several of one length.
        let shapes: Vec<Vec<String>> = (0..12)
            .map(|n| {
                (0..9 + n % 3).map(|j| if j == n % 5 { format!("Renamed{n}") } else { format!("Key{j}") }).collect()
            })
            .collect();
        let mut ix = KeyIndex::default();
        let mut pick = 7usize;
        for step in 0..300 {
            // A fixed pseudo-random order that revisits shapes both soon and late.
            pick = (pick * 31 + 11) % 97;
            let keys = &shapes[if step % 3 == 0 { pick % 12 } else { pick % 4 }];
            let m = object(&keys.iter().map(String::as_str).collect::<Vec<_>>(), step * 100);
            ix.build(&m);
            for (i, k) in keys.iter().enumerate() {
                assert_eq!(get(&ix, &m, k), Some(&Value::from(step * 100 + i as i64)), "step {step}: {k}");
            }
            for k in (0..12).map(|n| format!("Renamed{n}")).filter(|k| !keys.contains(k)) {
                assert_eq!(get(&ix, &m, &k), None, "step {step}: {k}");
            }
        }
        assert_eq!(ix.shapes.len(), SHAPES);
    }
}
