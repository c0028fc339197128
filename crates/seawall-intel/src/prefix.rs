//! An IP prefix table: one hash table per prefix length, IPv4 and IPv6 apart. A lookup probes
//! the lengths in use from longest to shortest, so it costs one hash probe per distinct length
//! (a handful in real feeds), whatever the number of entries.

use rustc_hash::FxHashMap;
use seawall_stix::matcher::Net;

use crate::filter::{hash_of, Filter};

/// The entries of one prefix length, by the block's leading bits.
type Blocks<T> = FxHashMap<u128, Vec<T>>;

#[derive(Debug)]
pub struct PrefixTable<T> {
    /// Index 0 for IPv4, 1 for IPv6; per family, (length, blocks) longest first.
    families: [Vec<(u8, Blocks<T>)>; 2],
    len: usize,
    /// Built by [`PrefixTable::seal`]; until then every probe goes to the tables.
    filter: Filter,
}

impl<T> Default for PrefixTable<T> {
    fn default() -> Self {
        PrefixTable { families: [Vec::new(), Vec::new()], len: 0, filter: Filter::default() }
    }
}

/// Blocks this long or longer are filtered by their leading `COARSE` bits (per family), so one
/// probe answers for every such length: feeds are mostly single addresses and /24 (/64) blocks.
const COARSE: [u8; 2] = [24, 64];

fn block_hash(family: usize, len: u8, key: u128) -> u64 {
    hash_of(&(family, len, key))
}

fn masked(key: u128, len: u8) -> u128 {
    if len == 0 {
        0
    } else {
        key >> (128 - u32::from(len)) << (128 - u32::from(len))
    }
}

/// The filter key of a block: its coarse prefix when it is at least that long.
fn filter_key(family: usize, len: u8, key: u128) -> u64 {
    let c = COARSE[family];
    if len >= c {
        block_hash(family, c, masked(key, c))
    } else {
        block_hash(family, len, key)
    }
}

impl<T> PrefixTable<T> {
    pub fn insert(&mut self, net: &Net, value: T) {
        let fam = &mut self.families[usize::from(!net.is_ipv4())];
        let len = net.prefix_len();
        let pos = match fam.iter().position(|(l, _)| *l <= len) {
            Some(p) if fam[p].0 == len => p,
            Some(p) => {
                fam.insert(p, (len, FxHashMap::default()));
                p
            }
            None => {
                fam.push((len, FxHashMap::default()));
                fam.len() - 1
            }
        };
        fam[pos].1.entry(net.key()).or_default().push(value);
        self.len += 1;
        self.filter = Filter::default();
    }

    /// Builds the filter over the blocks; call once all entries are in.
    pub fn seal(&mut self) {
        let blocks: usize = self.families.iter().flatten().map(|(_, t)| t.len()).sum();
        let mut f = Filter::with_capacity(blocks);
        for (fi, fam) in self.families.iter().enumerate() {
            for (len, table) in fam {
                for key in table.keys() {
                    f.add(filter_key(fi, *len, *key));
                }
            }
        }
        self.filter = f;
    }

    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// False when no entry can hold `net`: its coarse block is not in the filter and no shorter
    /// block is in use. One filter probe decides most lookups of a hunt, which miss.
    pub fn may_match(&self, net: &Net) -> bool {
        let fi = usize::from(!net.is_ipv4());
        // Lengths are kept longest first: the last is the shortest.
        let shorter = self.families[fi].last().is_some_and(|(l, _)| *l < COARSE[fi]);
        shorter || self.coarse_may_hold(fi, net.key(), net.prefix_len())
    }

    /// Whether some block of the coarse length or longer may hold the network (`key`, `own`
    /// bits) of family `fi`: one filter probe for all the long prefixes.
    fn coarse_may_hold(&self, fi: usize, key: u128, own: u8) -> bool {
        let coarse = COARSE[fi];
        own < coarse || self.filter.may_contain(filter_key(fi, coarse, masked(key, coarse)))
    }

    /// Every entry whose block holds `net`, longest prefix first.
    pub fn matches<'a>(&'a self, net: &Net) -> impl Iterator<Item = (u8, &'a T)> + 'a {
        let fi = usize::from(!net.is_ipv4());
        let fam = &self.families[fi];
        let (key, own) = (net.key(), net.prefix_len());
        let coarse = COARSE[fi];
        let coarse_hit = self.coarse_may_hold(fi, key, own);
        fam.iter().filter(move |(l, _)| *l <= own).flat_map(move |(l, table)| {
            let k = masked(key, *l);
            let maybe = if *l >= coarse { coarse_hit } else { self.filter.may_contain(filter_key(fi, *l, k)) };
            let hit = if maybe { table.get(&k) } else { None };
            hit.into_iter().flatten().map(move |v| (*l, v))
        })
    }

    pub fn contains(&self, net: &Net) -> bool {
        self.matches(net).next().is_some()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn longest_first_and_families_apart() {
        let n = |s: &str| Net::parse(s).unwrap();
        let mut t = PrefixTable::default();
        t.insert(&n("10.0.0.0/8"), "eight");
        t.insert(&n("10.1.0.0/16"), "sixteen");
        t.insert(&n("10.1.2.3"), "host");
        t.insert(&n("::/0"), "all v6");
        let got: Vec<_> = t.matches(&n("10.1.2.3")).map(|(_, v)| *v).collect();
        assert_eq!(got, ["host", "sixteen", "eight"]);
        assert_eq!(t.matches(&n("10.2.0.1")).map(|(_, v)| *v).collect::<Vec<_>>(), ["eight"]);
        assert!(!t.contains(&n("11.0.0.1")));
        assert_eq!(t.matches(&n("2001:db8::1")).count(), 1);
        assert_eq!(t.matches(&n("10.1.0.0/16")).count(), 2, "a block is inside itself and the /8");
        // may_match never rules out an address that matches.
        let mut hosts = PrefixTable::default();
        hosts.insert(&n("10.1.2.3"), "host");
        hosts.insert(&n("192.0.2.0/24"), "block");
        hosts.seal();
        for a in ["10.1.2.3", "192.0.2.77", "192.0.3.1", "10.1.2.4", "2001:db8::1", "10.0.0.0/8"] {
            let any = hosts.matches(&n(a)).next().is_some();
            assert!(hosts.may_match(&n(a)) || !any, "{a}");
        }
        // Outside every block, the filter rules the lookup out (with two blocks in a 64 Ki-bit
        // filter, a false positive here would be a fault of the filter's hashing).
        for a in ["198.51.100.1", "10.1.3.3", "192.0.3.1"] {
            assert!(!hosts.may_match(&n(a)), "{a}");
        }
        // A block shorter than the coarse length can hold anything of its family.
        hosts.insert(&n("172.16.0.0/12"), "short");
        hosts.seal();
        assert!(hosts.may_match(&n("198.51.100.1")));
        assert!(!hosts.may_match(&n("2001:db8::1")));
    }
}
