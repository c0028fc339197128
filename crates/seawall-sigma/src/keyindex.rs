//! What an event's keys say about where its fields lie. Events of one source mostly repeat the
//! keys of an event before, in the same order and in the same objects (one shape per kind of
//! event). Where a field lies, or that it is absent, follows from those keys alone: the search
//! reads keys and whether values are objects, never other values. So each shape remembers the
//! places of the fields once searched, and comparing an event's keys with a shape's costs less
//! than hashing them. A hash index over the top-level keys serves the searches.

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

/// The shapes remembered: a source writes one shape per kind of event (Sysmon: one per event
/// ID), and events of a few kinds come interleaved.
const SHAPES: usize = 16;

/// The largest event remembered as a shape, in keys of all its objects together, and its
/// deepest nesting. Larger events are indexed afresh each time and their fields searched.
const MAX_ITEMS: usize = 4096;
const MAX_DEPTH: usize = 32;

/// One shape: the keys of every object of an event, in order, and whether each value is an
/// object; with an open-addressing table over the top-level keys: slot -> (key hash, entry
/// position + 1), 0 marking a free slot. The objects are walked depth first, each object's keys
/// taken together before its children's.
#[derive(Default)]
struct Shape {
    /// Per object, in walk order: how many keys it has.
    counts: Vec<u32>,
    /// Every object's keys, in walk order, each with whether its value is an object.
    keys: Vec<(Text, bool)>,
    /// Whether the lists hold the whole event (it was not too large to remember).
    complete: bool,
    table: Vec<(u32, u32)>,
    dotted: bool,
    /// Per field slot, where events of this shape hold the field: [`UNKNOWN`], [`ABSENT`], or
    /// [`place_of`] the object and entry.
    places: Vec<u32>,
}

/// A field whose place in a shape is not known.
pub const UNKNOWN: u32 = 0;
/// A field that events of a shape do not hold.
pub const ABSENT: u32 = 1;

/// A place: the `entry`-th entry of the `object`-th object of the walk. Both are below
/// `MAX_ITEMS`, which fits 12 bits each.
pub fn place_of(object: usize, entry: usize) -> u32 {
    2 + ((object as u32) << 12 | entry as u32)
}

/// The object and entry of a place (not [`UNKNOWN`] or [`ABSENT`]).
pub fn object_and_entry(place: u32) -> (usize, usize) {
    let p = place - 2;
    ((p >> 12) as usize, (p & 0xfff) as usize)
}

/// The index of the event last built over, chosen among the shapes remembered; the tables'
/// allocations are reused from event to event.
#[derive(Default)]
pub struct KeyIndex {
    shapes: Vec<Shape>,
    /// The shape of the event last built over.
    current: usize,
    /// The shape to replace when a new one comes.
    next: usize,
    /// Whether some top-level key holds a dot.
    pub dotted: bool,
}

impl KeyIndex {
    /// Indexes the event `root` and lists its objects, depth first, in `objects`. When the
    /// event has a remembered shape (the same keys in the same order in every object, and
    /// objects in the same places), that shape's table and places serve.
    pub fn build<'e>(&mut self, root: &'e Map, objects: &mut Vec<&'e Map>) {
        let same = |shape: &Shape, objects: &mut Vec<&'e Map>| {
            objects.clear();
            let mut at = Walk::default();
            shape.complete
                && shape.same_walk(root, &mut at, objects)
                && at.keys == shape.keys.len()
                && at.objects == shape.counts.len()
        };
        let mut found = self.shapes.get(self.current).is_some_and(|s| same(s, objects)).then_some(self.current);
        if found.is_none() {
            found = (0..self.shapes.len()).filter(|&i| i != self.current).find(|&i| same(&self.shapes[i], objects));
        }
        // A new shape takes the place of an event too large to remember (never matched) before
        // any other's.
        let i = found.or_else(|| self.shapes.iter().position(|s| !s.complete)).unwrap_or_else(|| {
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
            objects.clear();
            shape.index(root, objects);
        }
        self.dotted = shape.dotted;
    }

    /// Where the current shape holds field `slot`: [`UNKNOWN`], [`ABSENT`], or a place (see
    /// [`object_and_entry`]).
    pub fn place(&self, slot: u32) -> u32 {
        self.shapes
            .get(self.current)
            .filter(|s| s.complete)
            .and_then(|s| s.places.get(slot as usize))
            .copied()
            .unwrap_or(UNKNOWN)
    }

    /// Records where the current shape holds field `slot` (see [`KeyIndex::place`]); nothing
    /// is kept for an event too large to remember.
    pub fn set_place(&mut self, slot: u32, place: u32) {
        if let Some(shape) = self.shapes.get_mut(self.current).filter(|s| s.complete) {
            if shape.places.len() <= slot as usize {
                shape.places.resize(slot as usize + 1, UNKNOWN);
            }
            shape.places[slot as usize] = place;
        }
    }

    /// The position of `key` (whose hash is `hash`) among the top-level entries of the event
    /// this index was built over (`map`).
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

/// How far a walk over an event has come: objects and keys passed.
#[derive(Default)]
struct Walk {
    objects: usize,
    keys: usize,
}

impl Shape {
    /// Whether `map` walks as this shape does from `at` on (advanced past it); its objects are
    /// listed in `objects` on the way.
    fn same_walk<'e>(&self, map: &'e Map, at: &mut Walk, objects: &mut Vec<&'e Map>) -> bool {
        let n = map.len();
        if self.counts.get(at.objects) != Some(&(n as u32)) {
            return false;
        }
        let Some(keys) = self.keys.get(at.keys..at.keys + n) else { return false };
        let entries = map.entries();
        let mut children = 0;
        let same = keys.iter().zip(entries).all(|((key, object), (k, v))| {
            children += usize::from(*object);
            *object == matches!(v, Value::Object(_)) && same_bytes(key.as_bytes(), k.as_bytes())
        });
        if !same {
            return false;
        }
        at.objects += 1;
        at.keys += n;
        objects.push(map);
        if children == 0 {
            return true;
        }
        for (_, v) in entries {
            if let Value::Object(child) = v {
                if !self.same_walk(child, at, objects) {
                    return false;
                }
            }
        }
        true
    }

    /// Appends `map`'s walk to this shape, listing its objects; false when the event is too
    /// large or too deep to remember.
    fn record<'e>(&mut self, map: &'e Map, depth: usize, objects: &mut Vec<&'e Map>) -> bool {
        if depth > MAX_DEPTH || self.keys.len() + map.len() > MAX_ITEMS || self.counts.len() >= MAX_ITEMS {
            return false;
        }
        self.counts.push(map.len() as u32);
        objects.push(map);
        self.keys.extend(map.entries().iter().map(|(k, v)| (k.clone(), matches!(v, Value::Object(_)))));
        for (_, v) in map.entries() {
            if let Value::Object(child) = v {
                if !self.record(child, depth + 1, objects) {
                    return false;
                }
            }
        }
        true
    }

    /// Takes the event `root` as this shape, listing its objects in `objects`.
    fn index<'e>(&mut self, root: &'e Map, objects: &mut Vec<&'e Map>) {
        self.places.clear();
        self.counts.clear();
        self.keys.clear();
        self.complete = self.record(root, 0, objects);
        let entries = root.entries();
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
        ix.build(&m, &mut Vec::new());
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
        ix.build(&object(&keys, 0), &mut Vec::new());
        // The same keys, other values: the values found are the new object's.
        let same = object(&keys, 100);
        ix.build(&same, &mut Vec::new());
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
            ix.build(&object(&keys, 0), &mut Vec::new());
            let m = object(other, 1000 * (n as i64 + 1));
            ix.build(&m, &mut Vec::new());
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
        // More shapes than are remembered, of 9 to 11 keys, several of one length.
        let shapes: Vec<Vec<String>> = (0..SHAPES + 4)
            .map(|n| {
                (0..9 + n % 3).map(|j| if j == n % 5 { format!("Renamed{n}") } else { format!("Key{j}") }).collect()
            })
            .collect();
        let mut ix = KeyIndex::default();
        let mut pick = 7usize;
        for step in 0..300 {
            // Every shape in turn, between a few shapes that recur soon (in a fixed
            // pseudo-random order).
            pick = (pick * 31 + 11) % 97;
            let keys = &shapes[if step % 3 == 0 { (step as usize / 3) % (SHAPES + 4) } else { pick % 4 }];
            let m = object(&keys.iter().map(String::as_str).collect::<Vec<_>>(), step * 100);
            ix.build(&m, &mut Vec::new());
            for (i, k) in keys.iter().enumerate() {
                assert_eq!(get(&ix, &m, k), Some(&Value::from(step * 100 + i as i64)), "step {step}: {k}");
            }
            for k in (0..SHAPES + 4).map(|n| format!("Renamed{n}")).filter(|k| !keys.contains(k)) {
                assert_eq!(get(&ix, &m, &k), None, "step {step}: {k}");
            }
        }
        assert_eq!(ix.shapes.len(), SHAPES);
    }

    #[test]
    fn events_too_large_to_remember_do_not_displace_shapes() {
        let mut ix = KeyIndex::default();
        let small: Vec<Map> = (0..SHAPES).map(|n| object(&[&format!("Key{n}"), "A", "B"], 0)).collect();
        let names: Vec<String> = (0..=MAX_ITEMS).map(|i| format!("K{i}")).collect();
        let large = object(&names.iter().map(String::as_str).collect::<Vec<_>>(), 0);
        for m in &small {
            ix.build(m, &mut Vec::new());
            ix.set_place(0, ABSENT);
        }
        for _ in 0..3 {
            ix.build(&large, &mut Vec::new());
            assert_eq!(ix.place(0), UNKNOWN, "no place is kept for it");
            ix.set_place(0, ABSENT);
            assert_eq!(ix.place(0), UNKNOWN);
            assert_eq!(get(&ix, &large, "K4096"), Some(&Value::from(4096)), "its keys are indexed all the same");
        }
        // One remembered shape made room for the large events; the others are still known.
        let known = small.iter().filter(|m| {
            ix.build(m, &mut Vec::new());
            ix.place(0) == ABSENT
        });
        assert_eq!(known.count(), SHAPES - 1);
    }
}
