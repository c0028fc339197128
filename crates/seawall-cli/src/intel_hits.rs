//! Intelligence hits gathered during a hunt. A large feed can hit thousands of different
//! indicators; giving each its own small allocations while the readers churn through millions
//! of short-lived ones fragments the allocator's heap and slows every later allocation (with
//! glibc, a 1M-indicator hunt ran 25–60% slower than a 1k one for this reason alone). So the
//! hits live in a few large tables — per-indicator counters, one evidence list, one list of
//! entity and value facts over interned strings — compacted as they grow, and become
//! per-indicator findings only at the end.

use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;

use jiff::Timestamp;
use rustc_hash::FxHashMap;
use seawall_core::{Event, Place};

use crate::findings::{EventEntities, IntelPartial};

/// Entities kept per finding and kind, and distinct matched values per finding.
const MAX_ENTITIES: usize = 50;
const MAX_VALUES: usize = 10;

/// One hit, as a batch collects it (short-lived).
pub struct LocalHit {
    pub indicator: u32,
    pub time: Option<Timestamp>,
    pub file: Arc<str>,
    pub place: Place,
    /// Field, value and how it matched, for each value of the event that met the indicator
    /// (none for a pattern that held).
    pub values: Vec<(String, String, String)>,
    /// Hosts, users, addresses, subscribers of the event.
    pub entities: [Vec<String>; 4],
}

impl LocalHit {
    pub fn new(ev: &Event, entities: &EventEntities, indicator: u32) -> LocalHit {
        LocalHit {
            indicator,
            time: ev.timestamp,
            file: ev.source.file.clone(),
            place: ev.source.place,
            values: Vec::new(),
            entities: entities.owned(),
        }
    }
}

/// Strings stored once, in one buffer.
#[derive(Default)]
struct Interner {
    buf: String,
    spans: Vec<(u32, u32)>,
    by_hash: FxHashMap<u64, u32>,
    /// Strings whose hash another string already took (rare).
    collided: FxHashMap<String, u32>,
}

impl Interner {
    fn get(&self, id: u32) -> &str {
        let (s, l) = self.spans[id as usize];
        &self.buf[s as usize..(s + l) as usize]
    }

    fn intern(&mut self, s: &str) -> u32 {
        let h = {
            use std::hash::{Hash, Hasher};
            let mut h = rustc_hash::FxHasher::default();
            s.hash(&mut h);
            h.finish()
        };
        if let Some(&id) = self.by_hash.get(&h) {
            if self.get(id) == s {
                return id;
            }
            if let Some(&id) = self.collided.get(s) {
                return id;
            }
            let id = self.push(s);
            self.collided.insert(s.to_string(), id);
            return id;
        }
        let id = self.push(s);
        self.by_hash.insert(h, id);
        id
    }

    fn push(&mut self, s: &str) -> u32 {
        let start = self.buf.len() as u32;
        self.buf.push_str(s);
        self.spans.push((start, s.len() as u32));
        (self.spans.len() - 1) as u32
    }
}

#[derive(Default, Clone, Copy)]
struct Counter {
    count: u64,
    first: Option<Timestamp>,
    last: Option<Timestamp>,
}

/// All intelligence hits of a hunt.
#[derive(Default)]
pub struct HitStore {
    counters: FxHashMap<u32, Counter>,
    evidence: Vec<(u32, Arc<str>, Place)>,
    /// (indicator, entity kind, string).
    entities: Vec<(u32, u8, u32)>,
    /// (indicator, field, value, how, count).
    values: Vec<(u32, u32, u32, u32, u64)>,
    strings: Interner,
    /// Sizes after the last compaction, to compact again when they double.
    compacted: [usize; 3],
}

impl HitStore {
    pub fn add(&mut self, batch: Vec<LocalHit>, cap: usize) {
        for h in batch {
            let c = self.counters.entry(h.indicator).or_default();
            c.count += 1;
            if let Some(t) = h.time {
                c.first = Some(c.first.map_or(t, |f| f.min(t)));
                c.last = Some(c.last.map_or(t, |l| l.max(t)));
            }
            self.evidence.push((h.indicator, h.file, h.place));
            for (kind, list) in h.entities.iter().enumerate() {
                for s in list {
                    let id = self.strings.intern(s);
                    self.entities.push((h.indicator, kind as u8, id));
                }
            }
            for (field, value, how) in &h.values {
                let (f, v, w) = (self.strings.intern(field), self.strings.intern(value), self.strings.intern(how));
                self.values.push((h.indicator, f, v, w, 1));
            }
        }
        if self.evidence.len() > 2 * self.compacted[0] + 4096 {
            self.compact_evidence(cap);
        }
        if self.entities.len() > 2 * self.compacted[1] + 4096 {
            self.compact_entities();
        }
        if self.values.len() > 2 * self.compacted[2] + 4096 {
            self.compact_values();
        }
    }

    /// Per indicator, the `cap` first places in file and place order, without duplicates.
    fn compact_evidence(&mut self, cap: usize) {
        self.evidence.sort_unstable_by(|a, b| (a.0, &a.1, a.2).cmp(&(b.0, &b.1, b.2)));
        self.evidence.dedup_by(|a, b| a.0 == b.0 && a.1 == b.1 && a.2 == b.2);
        if cap != usize::MAX {
            let mut kept = 0usize;
            let mut current = u32::MAX;
            self.evidence.retain(|(i, _, _)| {
                if *i != current {
                    current = *i;
                    kept = 0;
                }
                kept += 1;
                kept <= cap
            });
        }
        self.compacted[0] = self.evidence.len();
    }

    /// Per indicator and kind, the `MAX_ENTITIES` smallest distinct strings.
    fn compact_entities(&mut self) {
        let strings = &self.strings;
        self.entities.sort_unstable_by(|a, b| (a.0, a.1, strings.get(a.2)).cmp(&(b.0, b.1, strings.get(b.2))));
        self.entities.dedup();
        let mut kept = 0usize;
        let mut current = (u32::MAX, u8::MAX);
        self.entities.retain(|(i, k, _)| {
            if (*i, *k) != current {
                current = (*i, *k);
                kept = 0;
            }
            kept += 1;
            kept <= MAX_ENTITIES
        });
        self.compacted[1] = self.entities.len();
    }

    /// Per indicator, counts summed per (field, value, how); the `MAX_VALUES` first kept.
    fn compact_values(&mut self) {
        self.values.sort_unstable_by_key(|v| (v.0, v.1, v.2, v.3));
        let mut out: Vec<(u32, u32, u32, u32, u64)> = Vec::with_capacity(self.values.len());
        for v in self.values.drain(..) {
            match out.last_mut() {
                Some(l) if (l.0, l.1, l.2, l.3) == (v.0, v.1, v.2, v.3) => l.4 += v.4,
                _ => out.push(v),
            }
        }
        let mut kept = 0usize;
        let mut current = u32::MAX;
        out.retain(|v| {
            if v.0 != current {
                current = v.0;
                kept = 0;
            }
            kept += 1;
            kept <= MAX_VALUES
        });
        self.values = out;
        self.compacted[2] = self.values.len();
    }

    /// The hits per indicator, as findings are built from them.
    pub fn into_partials(mut self, cap: usize) -> HashMap<u32, IntelPartial> {
        self.compact_evidence(cap);
        self.compact_entities();
        self.compact_values();
        let mut out: HashMap<u32, IntelPartial> = HashMap::new();
        for (i, c) in &self.counters {
            let p = out.entry(*i).or_default();
            p.partial.count = c.count;
            p.partial.first = c.first;
            p.partial.last = c.last;
        }
        for (i, file, place) in self.evidence.drain(..) {
            if let Some(p) = out.get_mut(&i) {
                p.partial.evidence.push((file, place), cap);
            }
        }
        for (i, kind, s) in &self.entities {
            if let Some(p) = out.get_mut(i) {
                let set: &mut BTreeSet<String> = match kind {
                    0 => &mut p.partial.hosts,
                    1 => &mut p.partial.users,
                    2 => &mut p.partial.ips,
                    _ => &mut p.partial.subscribers,
                };
                set.insert(self.strings.get(*s).to_string());
            }
        }
        for (i, f, v, w, n) in &self.values {
            if let Some(p) = out.get_mut(i) {
                let key = (
                    self.strings.get(*f).to_string(),
                    self.strings.get(*v).to_string(),
                    self.strings.get(*w).to_string(),
                );
                p.values.insert(key, *n);
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hit(indicator: u32, line: u64, ip: &str, value: &str) -> LocalHit {
        LocalHit {
            indicator,
            time: Some(Timestamp::from_second(1_700_000_000 + line as i64).unwrap()),
            file: Arc::from("a.log"),
            place: Place::Line(line),
            values: vec![("source.ip".into(), value.into(), "exact".into())],
            entities: [vec!["rtr1".into()], vec![], vec![ip.into()], vec![]],
        }
    }

    #[test]
    fn compaction_keeps_counts_caps_and_order() {
        let mut store = HitStore::default();
        // Enough hits to compact several times on the way.
        for round in 0..3 {
            let batch: Vec<LocalHit> = (0..5000u64)
                .rev()
                .map(|i| {
                    hit(
                        (i % 2) as u32,
                        i + 1,
                        &format!("10.0.{}.{}", i % 7, i % 90),
                        if i % 3 == 0 { "a" } else { "b" },
                    )
                })
                .collect();
            store.add(batch, 20);
            assert!(store.evidence.len() < 5000 * (round + 1), "evidence is compacted");
        }
        let parts = store.into_partials(20);
        let p0 = &parts[&0];
        assert_eq!(p0.partial.count, 7500);
        let ev = p0.partial.evidence.clone_places();
        assert_eq!(ev.len(), 20);
        assert!(ev.windows(2).all(|w| w[0].1 < w[1].1), "the first places, in order");
        assert_eq!(ev[0].1, Place::Line(1));
        assert_eq!(p0.partial.ips.len(), MAX_ENTITIES, "entities capped");
        assert_eq!(p0.partial.hosts.iter().collect::<Vec<_>>(), ["rtr1"]);
        let total: u64 = p0.values.values().sum();
        assert_eq!(total, 7500, "every value hit counted once: {:?}", p0.values);
        assert_eq!(parts[&1].partial.count, 7500);
    }
}
