//! An object of event fields: entries in insertion order, found by scanning.

use super::pool;
use super::{Text, Value};

/// An object: entries in insertion order, each key once.
#[derive(Clone, Debug, Default)]
pub struct Map {
    entries: Vec<(Text, Value)>,
}

impl PartialEq for Map {
    /// Equal when they hold the same keys with equal values, in any order (as JSON objects).
    fn eq(&self, other: &Map) -> bool {
        self.len() == other.len() && self.iter().all(|(k, v)| other.get(k) == Some(v))
    }
}

impl Map {
    pub fn new() -> Map {
        Map { entries: Vec::new() }
    }

    pub fn with_capacity(n: usize) -> Map {
        Map { entries: pool::take(n) }
    }

    /// Appends an entry, growing into a recycled buffer when full (as `Vec` would, doubling).
    #[inline(always)]
    fn push(&mut self, key: Text, value: Value) {
        if self.entries.len() == self.entries.capacity() {
            self.grow();
        }
        self.entries.push((key, value));
    }

    #[cold]
    fn grow(&mut self) {
        let mut bigger = pool::take((self.entries.capacity() * 2).max(4));
        bigger.append(&mut self.entries);
        pool::give(std::mem::replace(&mut self.entries, bigger));
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The entries in order (for callers that index keys themselves).
    pub fn entries(&self) -> &[(Text, Value)] {
        &self.entries
    }

    fn position(&self, key: &str) -> Option<usize> {
        self.entries.iter().position(|(k, _)| same_key(k, key))
    }

    pub fn get(&self, key: &str) -> Option<&Value> {
        self.entries.iter().find(|(k, _)| same_key(k, key)).map(|(_, v)| v)
    }

    pub fn get_mut(&mut self, key: &str) -> Option<&mut Value> {
        self.entries.iter_mut().find(|(k, _)| same_key(k, key)).map(|(_, v)| v)
    }

    pub fn contains_key(&self, key: &str) -> bool {
        self.position(key).is_some()
    }

    /// Sets a key; an existing key keeps its place and gets the new value, which is returned.
    pub fn insert(&mut self, key: Text, value: Value) -> Option<Value> {
        match self.position(&key) {
            Some(i) => Some(std::mem::replace(&mut self.entries[i].1, value)),
            None => {
                self.push(key, value);
                None
            }
        }
    }

    /// Appends a key the caller knows is not in the map yet (readers building fixed shapes),
    /// without the scan `insert` makes. Inlined so that the key, a literal, becomes a constant.
    #[inline(always)]
    pub fn push_new(&mut self, key: &'static str, value: impl Into<Value>) {
        debug_assert!(!self.contains_key(key), "push_new with a key already present: {key}");
        self.push(Text::const_new(key), value.into());
    }

    /// The value of a key, inserted first as `make()` when missing.
    pub fn entry_or_insert_with(&mut self, key: &str, make: impl FnOnce() -> Value) -> &mut Value {
        let i = match self.position(key) {
            Some(i) => i,
            None => {
                self.push(Text::new(key), make());
                self.entries.len() - 1
            }
        };
        &mut self.entries[i].1
    }

    /// As [`Map::entry_or_insert_with`], for a caller that has the key as text already (a
    /// constant, say: then nothing is copied); `make` sees the key.
    pub fn entry_or_insert_text(&mut self, key: Text, make: impl FnOnce(&Text) -> Value) -> &mut Value {
        let i = match self.position(&key) {
            Some(i) => i,
            None => {
                let value = make(&key);
                self.push(key, value);
                self.entries.len() - 1
            }
        };
        &mut self.entries[i].1
    }

    /// Removes a key, keeping the order of the others.
    pub fn remove(&mut self, key: &str) -> Option<Value> {
        let i = self.position(key)?;
        Some(self.entries.remove(i).1)
    }

    pub fn iter(&self) -> impl ExactSizeIterator<Item = (&Text, &Value)> + DoubleEndedIterator {
        self.entries.iter().map(|(k, v)| (k, v))
    }

    pub fn iter_mut(&mut self) -> impl ExactSizeIterator<Item = (&Text, &mut Value)> {
        self.entries.iter_mut().map(|(k, v)| (&*k, v))
    }

    pub fn keys(&self) -> impl ExactSizeIterator<Item = &Text> {
        self.entries.iter().map(|(k, _)| k)
    }

    pub fn values(&self) -> impl ExactSizeIterator<Item = &Value> {
        self.entries.iter().map(|(_, v)| v)
    }

    /// Builds a map from entries that may repeat a key: the first place and the last value win,
    /// as when inserting them one by one.
    pub(super) fn from_entries(mut entries: Vec<(Text, Value)>) -> Map {
        if has_duplicate_keys(&entries) {
            let mut out = Map::with_capacity(entries.len());
            for (k, v) in entries.drain(..) {
                out.insert(k, v);
            }
            return out;
        }
        Map { entries }
    }
}

impl Drop for Map {
    fn drop(&mut self) {
        if self.entries.capacity() > 0 {
            pool::give(std::mem::take(&mut self.entries));
        }
    }
}

/// Key equality for the entry scans: length and last byte first, which tells most different
/// keys apart (`mpls1`/`mpls2`, `source`/`server`) without a call to `memcmp`.
#[inline]
fn same_key(k: &Text, key: &str) -> bool {
    let (a, b) = (k.as_bytes(), key.as_bytes());
    a.len() == b.len() && a.last() == b.last() && a == b
}

/// Whether some key repeats. A cheap signature per key (length and end bytes) rules it out in
/// one pass for almost every real object; only a collision there costs a pairwise check.
fn has_duplicate_keys(entries: &[(Text, Value)]) -> bool {
    if entries.len() < 2 {
        return false;
    }
    let mut seen = [0u64; 4];
    let mut collision = false;
    for (k, _) in entries {
        let b = k.as_bytes();
        let sig = (b.len() as u64)
            .wrapping_mul(31)
            .wrapping_add(u64::from(b.first().copied().unwrap_or(0)))
            .wrapping_mul(31)
            .wrapping_add(u64::from(b.last().copied().unwrap_or(0)))
            % 256;
        let (word, bit) = ((sig / 64) as usize, sig % 64);
        if seen[word] & (1 << bit) != 0 {
            collision = true;
            break;
        }
        seen[word] |= 1 << bit;
    }
    if !collision {
        return false;
    }
    if entries.len() <= 64 {
        return entries.iter().enumerate().any(|(i, (k, _))| entries[..i].iter().any(|(o, _)| o == k));
    }
    let mut keys: Vec<&str> = entries.iter().map(|(k, _)| k.as_str()).collect();
    keys.sort_unstable();
    keys.windows(2).any(|w| w[0] == w[1])
}

impl<'a> IntoIterator for &'a Map {
    type Item = (&'a Text, &'a Value);
    type IntoIter = std::iter::Map<std::slice::Iter<'a, (Text, Value)>, fn(&'a (Text, Value)) -> (&'a Text, &'a Value)>;

    fn into_iter(self) -> Self::IntoIter {
        self.entries.iter().map(|(k, v)| (k, v))
    }
}

impl IntoIterator for Map {
    type Item = (Text, Value);
    type IntoIter = std::vec::IntoIter<(Text, Value)>;

    fn into_iter(mut self) -> Self::IntoIter {
        std::mem::take(&mut self.entries).into_iter()
    }
}

impl<K: Into<Text>> FromIterator<(K, Value)> for Map {
    fn from_iter<T: IntoIterator<Item = (K, Value)>>(iter: T) -> Map {
        let mut m = Map::new();
        for (k, v) in iter {
            m.insert(k.into(), v);
        }
        m
    }
}

impl<K: Into<Text>> Extend<(K, Value)> for Map {
    fn extend<T: IntoIterator<Item = (K, Value)>>(&mut self, iter: T) {
        for (k, v) in iter {
            self.insert(k.into(), v);
        }
    }
}
