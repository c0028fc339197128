//! Observed data prepared for matching many patterns. Every object that can be a comparison's
//! root gets one bit per observation that holds it (an instance of it); per type, the index
//! keeps the distinct objects with the bits of their instances. A comparison then tests each
//! distinct object once, wherever it was observed, and its result is a set of instances that
//! the operands of `AND` and `OR` combine with one instruction; an observation expression
//! holds for the observations whose bits meet that set.
//!
//! The reference matcher resolves references inside the observation that holds the object,
//! so a path that follows one is walked per instance, with that instance's observation.

use serde_json::Value;
use smallvec::SmallVec;

use super::observed::is_non_sco;
use super::Observation;

/// Most instances one index numbers: larger data is indexed in runs of observations.
pub(crate) const MAX_INSTANCES: usize = 128;

/// Observed data ready for [`super::Matcher::find_in`]: build it once, match many patterns.
pub struct ObservedSet<'d, 'a> {
    pub(crate) data: &'d [Observation<'a>],
    /// Indexes of consecutive runs of observations, each of at most [`MAX_INSTANCES`] root
    /// instances (a comparison never looks beyond one observation, so the runs are
    /// independent). `None` when one observation alone has more: then the data is matched
    /// observation by observation.
    pub(crate) index: Option<SmallVec<[RootIndex<'a>; 1]>>,
}

impl<'d, 'a> ObservedSet<'d, 'a> {
    pub fn new(data: &'d [Observation<'a>]) -> Self {
        ObservedSet { data, index: RootIndex::runs(data) }
    }
}

/// One distinct object that can be a root, and the instances of it.
pub(crate) struct Root<'a> {
    pub value: &'a Value,
    /// Bit i: instance i.
    pub bits: u128,
    /// An observation that holds it.
    pub obs: u32,
    /// Its type: a position in [`RootIndex::types`].
    ty: u8,
}

struct TypeName<'a> {
    key: u64,
    name: &'a str,
    /// An SDO/SRO type: never a root in STIX 2.1 observed data.
    non_sco: bool,
    /// Where its objects are in [`RootIndex::roots`] (sorted by type once built).
    start: u32,
    end: u32,
}

/// The index of one run of observations, in flat lists, so that small data (the usual case: an
/// event, or a few observations) is indexed with one allocation.
pub(crate) struct RootIndex<'a> {
    /// The run's first observation (an index into the data).
    pub first: usize,
    /// Per observation of the run, the bits of its instances (instances are numbered in
    /// observation order).
    pub obs_bits: SmallVec<[u128; 8]>,
    types: SmallVec<[TypeName<'a>; 8]>,
    roots: Vec<Root<'a>>,
}

impl<'a> RootIndex<'a> {
    /// The indexes of runs of observations with at most [`MAX_INSTANCES`] objects together
    /// (objects bound the root instances), or `None` if one observation has more roots.
    fn runs(data: &[Observation<'a>]) -> Option<SmallVec<[RootIndex<'a>; 1]>> {
        let mut out = SmallVec::new();
        let (mut start, mut objects) = (0, 0);
        for (i, o) in data.iter().enumerate() {
            if objects + o.objects.len() > MAX_INSTANCES && i > start {
                out.push(RootIndex::build(data, start..i)?);
                (start, objects) = (i, 0);
            }
            objects += o.objects.len();
        }
        out.push(RootIndex::build(data, start..data.len())?);
        Some(out)
    }

    fn build(data: &[Observation<'a>], run: std::ops::Range<usize>) -> Option<RootIndex<'a>> {
        let objects: usize = data[run.clone()].iter().map(|o| o.objects.len()).sum();
        let mut ix = RootIndex {
            first: run.start,
            obs_bits: SmallVec::with_capacity(run.len()),
            types: SmallVec::new(),
            roots: Vec::with_capacity(objects.min(MAX_INSTANCES)),
        };
        let mut next = 0;
        for (o, obs) in data.iter().enumerate().skip(run.start).take(run.len()) {
            let mut mine = 0u128;
            for (key, name, value) in obs.typed_objects() {
                let ty = match ix.types.iter().position(|t| t.key == key && super::same(t.name, name)) {
                    Some(t) => t,
                    None => {
                        ix.types.push(TypeName { key, name, non_sco: is_non_sco(name), start: 0, end: 0 });
                        ix.types.len() - 1
                    }
                };
                if obs.sco_only && ix.types[ty].non_sco {
                    continue;
                }
                if next >= MAX_INSTANCES {
                    return None;
                }
                let bit = 1u128 << next;
                next += 1;
                mine |= bit;
                match ix.roots.iter_mut().find(|r| std::ptr::eq(r.value, value)) {
                    Some(r) => r.bits |= bit,
                    // At most 128 root types (one instance each) and the 25 SDO/SRO types.
                    None => ix.roots.push(Root { value, bits: bit, obs: o as u32, ty: u8::try_from(ty).ok()? }),
                }
            }
            ix.obs_bits.push(mine);
        }
        // Grouped by type, each type's objects in order of first instance.
        ix.roots.sort_unstable_by_key(|r| (r.ty, r.bits.trailing_zeros()));
        let mut at = 0;
        for (ty, t) in ix.types.iter_mut().enumerate() {
            t.start = at as u32;
            while ix.roots.get(at).is_some_and(|r| usize::from(r.ty) == ty) {
                at += 1;
            }
            t.end = at as u32;
        }
        Some(ix)
    }

    /// The distinct root objects of a type (`key`: its `observed::type_key`).
    pub fn of_type(&self, key: u64, name: &str) -> &[Root<'a>] {
        match self.types.iter().find(|t| t.key == key && super::same(t.name, name)) {
            Some(t) => &self.roots[t.start as usize..t.end as usize],
            None => &[],
        }
    }

    /// The observation of an instance (an index into the data).
    pub fn instance_obs(&self, instance: usize) -> usize {
        self.first + self.obs_bits.iter().position(|b| b >> instance & 1 != 0).unwrap_or(0)
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::{ObservedSet, MAX_INSTANCES};
    use crate::matcher::observed::type_key;
    use crate::matcher::Observation;

    #[test]
    fn an_object_in_two_observations_is_one_root_with_two_instances() {
        let (a, b) = (json!({"type": "ipv4-addr", "value": "10.0.0.1"}), json!({"type": "file", "name": "x"}));
        let sdo = json!({"type": "observed-data"});
        let data = [
            Observation::new(0, 0, 1, vec![("a", &a), ("b", &b)]),
            Observation::new(0, 0, 1, vec![("sdo", &sdo), ("a", &a)]),
        ];
        let set = ObservedSet::new(&data);
        let ix = &set.index.as_ref().unwrap()[0];
        // The SDO is no root: three instances.
        assert_eq!((0..3).map(|i| ix.instance_obs(i)).collect::<Vec<_>>(), [0, 0, 1]);
        assert_eq!(ix.obs_bits.as_slice(), [0b011, 0b100]);
        let roots = ix.of_type(type_key("ipv4-addr"), "ipv4-addr");
        assert_eq!(roots.len(), 1);
        assert_eq!(roots[0].bits, 0b101);
        assert_eq!(ix.of_type(type_key("file"), "file").iter().map(|r| r.bits).collect::<Vec<_>>(), [0b010]);
        assert!(ix.of_type(type_key("observed-data"), "observed-data").is_empty());
        assert!(ix.of_type(type_key("domain-name"), "domain-name").is_empty());
    }

    #[test]
    fn larger_data_is_indexed_in_runs_unless_one_observation_is_too_large() {
        let o = json!({"type": "file", "name": "x"});
        let many = Observation::new(0, 0, 1, vec![("o", &o); MAX_INSTANCES + 1]);
        assert!(ObservedSet::new(std::slice::from_ref(&many)).index.is_none());
        let fits = Observation::new(0, 0, 1, vec![("o", &o); MAX_INSTANCES]);
        assert_eq!(ObservedSet::new(std::slice::from_ref(&fits)).index.map(|runs| runs.len()), Some(1));
        // 100 observations of 3 objects: runs of 42 (126 objects), 42 and 16.
        let three = Observation::new(0, 0, 1, vec![("o", &o); 3]);
        let data = vec![three; 100];
        let runs = ObservedSet::new(&data).index.unwrap();
        assert_eq!(runs.iter().map(|r| (r.first, r.obs_bits.len())).collect::<Vec<_>>(), [(0, 42), (42, 42), (84, 16)]);
    }

    #[test]
    fn runs_of_observations_find_what_the_per_observation_walk_finds() {
        let objects = [
            json!({"type": "ipv4-addr", "value": "10.0.0.1"}),
            json!({"type": "ipv4-addr", "value": "10.0.0.2"}),
            json!({"type": "network-traffic", "dst_ref": "ip", "dst_port": 443}),
            json!({"type": "file", "name": "a.txt", "size": 5}),
        ];
        // 90 observations a minute apart, of two to four objects, some seen twice: three runs.
        let data: Vec<Observation<'_>> = (0..90usize)
            .map(|i| {
                let t = i as i64 * 60_000_000;
                let mine: Vec<(&str, &serde_json::Value)> =
                    (0..2 + i % 3).map(|k| (if k == 0 { "ip" } else { "o" }, &objects[(i + k) % 4])).collect();
                Observation::new(t, t, 1 + (i % 2) as u32, mine)
            })
            .collect();
        assert!(ObservedSet::new(&data).index.is_some_and(|runs| runs.len() >= 3));
        let patterns = [
            "[ipv4-addr:value = '10.0.0.2' AND ipv4-addr:value = '10.0.0.2'] REPEATS 40 TIMES",
            "[ipv4-addr:value = '10.0.0.2'] REPEATS 200 TIMES",
            "[network-traffic:dst_ref.value = '10.0.0.1'] FOLLOWEDBY [file:size = 5]",
            "[network-traffic:dst_ref.value = '10.0.0.2'] REPEATS 10 TIMES",
            "[file:size = 5] FOLLOWEDBY [ipv4-addr:value = '10.0.0.9']",
            "([file:name = 'a.txt'] FOLLOWEDBY [network-traffic:dst_port = 443]) WITHIN 60 SECONDS",
            // Only observations of the last run (from minute 84) qualify.
            "[ipv4-addr:value = '10.0.0.1'] START t'1970-01-01T01:25:00Z' STOP t'1970-01-01T01:30:00Z'",
            "[network-traffic:dst_ref.value = '10.0.0.1'] START t'1970-01-01T01:24:00Z' STOP t'1970-01-01T01:30:00Z'",
            "[network-traffic:dst_ref.value = '10.0.0.2'] START t'1970-01-01T01:24:00Z' STOP t'1970-01-01T01:30:00Z'",
        ];
        let found = both_ways(&data, &patterns);
        assert!((3..patterns.len()).contains(&found), "{found} of {} patterns matched", patterns.len());
    }

    #[test]
    fn the_index_and_the_per_observation_walk_find_the_same() {
        let nt = json!({"type": "network-traffic", "dst_ref": "ip--1", "dst_port": 443, "protocols": ["tcp", "tls"]});
        let ip1 = json!({"type": "ipv4-addr", "value": "10.0.0.1"});
        let ip2 = json!({"type": "ipv4-addr", "value": "10.0.0.2"});
        let file =
            json!({"type": "file", "name": "a.txt", "hashes": {"MD5": "d41d8cd98f00b204e9800998ecf8427e"}, "size": 5});
        let big = json!({"type": "file", "name": "b.txt", "size": 500});
        let sdo = json!({"type": "observed-data", "id": "observed-data--1"});
        let at = |m: i64| m * 60_000_000;
        // The same traffic in three observations; its reference resolves in the first only.
        let data = [
            Observation::new(at(0), at(0), 1, vec![("sdo", &sdo), ("nt", &nt), ("ip--1", &ip1), ("f", &file)]),
            Observation::new(at(1), at(1), 2, vec![("nt", &nt), ("ip--2", &ip2)]),
            Observation::new(at(2), at(2), 1, vec![("f", &file), ("g", &big), ("ip--1", &ip1)]),
            Observation::new(at(3), at(3), 1, vec![("nt", &nt), ("ip--1", &ip1), ("g", &big)]),
        ];
        let patterns = [
            "[network-traffic:dst_ref.value = '10.0.0.1']",
            "[network-traffic:dst_ref.value = '10.0.0.1'] REPEATS 2 TIMES",
            "[network-traffic:dst_ref.value = '10.0.0.1'] REPEATS 3 TIMES",
            "[network-traffic:dst_ref.value = '10.0.0.1' AND network-traffic:dst_port = 443]",
            "[network-traffic:dst_port = 443] REPEATS 3 TIMES",
            "[network-traffic:dst_port = 443] REPEATS 5 TIMES",
            "[ipv4-addr:value = '10.0.0.1'] FOLLOWEDBY [ipv4-addr:value = '10.0.0.2']",
            "[ipv4-addr:value = '10.0.0.2'] FOLLOWEDBY [ipv4-addr:value = '10.0.0.1']",
            "[file:size > 100 AND file:name = 'a.txt']",
            "[file:size > 100 OR file:name = 'a.txt'] REPEATS 3 TIMES",
            "[file:size > 1 AND ipv4-addr:value = '10.0.0.1']",
            "[file:hashes.MD5 = 'd41d8cd98f00b204e9800998ecf8427e' AND file:size NOT > 100] AND [file:size > 100]",
            "[NOT EXISTS file:hashes] AND [EXISTS file:hashes.MD5]",
            "[network-traffic:protocols[*] = 'tls'] AND [network-traffic:protocols[0] = 'tcp'] WITHIN 90 SECONDS",
            "[observed-data:id = 'observed-data--1']",
            "[file:name = 'b.txt'] START t'1970-01-01T00:02:00Z' STOP t'1970-01-01T00:02:30Z'",
            "[network-traffic:dst_ref.value = '10.0.0.2']",
            "[file:size > 1000] OR [network-traffic:dst_port = 443] REPEATS 9 TIMES",
            "[file:size > 1000] OR ([file:size = 5] FOLLOWEDBY [network-traffic:dst_port = 80])",
            "([file:size = 5] FOLLOWEDBY [network-traffic:dst_port = 443]) OR [file:size > 1000]",
            "[file:size = 5] OR [file:size > 1000] REPEATS 2 TIMES",
        ];
        let found = both_ways(&data, &patterns);
        assert!((8..patterns.len()).contains(&found), "{found} of {} patterns matched", patterns.len());
    }

    /// Matches each pattern with the index and with the per-observation walk, which must find
    /// the same binding (and the verdict alone, decided by the leaves where they can, must
    /// agree with the search); returns how many patterns matched.
    fn both_ways(data: &[Observation<'_>], patterns: &[&str]) -> usize {
        let indexed = ObservedSet::new(data);
        assert!(indexed.index.is_some());
        let walked = ObservedSet { data, index: None };
        let mut found = 0;
        for p in patterns {
            let m = crate::matcher::Matcher::new(&crate::parse_pattern(p).unwrap()).unwrap();
            let got = m.find_in(&indexed);
            assert_eq!(got, m.find_in(&walked), "{p}");
            assert_eq!(m.matches_in(&indexed), got.clone().map(|b| b.is_some()), "{p}");
            found += usize::from(matches!(got, Ok(Some(_))));
        }
        found
    }
}
