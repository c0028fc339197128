//! Evaluating STIX 2.1 patterns over observed data (section 9 of the spec), with the binding
//! semantics of the OASIS reference matcher: each observation expression binds observations
//! (instances of them, `number_observed` times over); `AND` and `FOLLOWEDBY` need disjoint
//! bindings, `REPEATS n` needs n disjoint ones, `WITHIN` and `START`/`STOP` bound their times.
//!
//! Where the reference departs from the spec (`NOT EXISTS`, IPv6 in `ISSUBSET`/`ISSUPERSET`, a
//! plain address as the container of `ISSUPERSET`, `true` in a set of numbers), Seawall follows
//! the spec; `docs/STIX.md` lists these.

mod cmp;
mod compare;
pub mod observed;
mod path;
mod roots;
mod stream;
mod time;

pub use compare::{CompileCache, Net, PathValue};
pub use observed::{observations_v20, observations_v21, Observation};
pub use roots::ObservedSet;
pub use time::parse_timestamp;

use crate::pattern::{Observation as Obs, Pattern, Qualifier};
use cmp::Cmp;
use smallvec::SmallVec;
use stream::{earliest_last, latest_first, Binding, Instances, Stream};

/// Whether two short texts (keys, type names) are equal, without the call to `memcmp` that
/// `==` makes: the matcher compares such texts far more often than anything else.
#[inline]
fn same(a: &str, b: &str) -> bool {
    seawall_core::same_bytes(a.as_bytes(), b.as_bytes())
}

/// A key of a JSON object: small objects are scanned, which is cheaper than hashing the key.
fn field<'a>(m: &'a serde_json::Map<String, serde_json::Value>, key: &str) -> Option<&'a serde_json::Value> {
    if m.len() <= 12 {
        m.iter().find_map(|(k, v)| same(k, key).then_some(v))
    } else {
        m.get(key)
    }
}

/// A property of a JSON value, if it is an object (see [`field`]).
fn prop<'a>(v: &'a serde_json::Value, key: &str) -> Option<&'a serde_json::Value> {
    v.as_object().and_then(|m| field(m, key))
}

/// Most pairs and combinations one match may examine before it gives up.
pub const MAX_STEPS: u64 = 50_000_000;

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum MatchError {
    /// The pattern parses but cannot be evaluated (a non-positive `WITHIN`, a mixed set, ...).
    #[error("pattern: {0}")]
    Pattern(String),
    /// The observed data is not what the pattern needs (a timestamp that is not one, ...).
    #[error("observed data: {0}")]
    Data(String),
    #[error("more than {0} candidate bindings examined: the pattern is too broad for this much observed data")]
    TooComplex(usize),
}

#[derive(Debug)]
enum Node {
    /// A comparison expression, with its `Cmp::type_bits`.
    Simple(Cmp, u64),
    And(Vec<Node>),
    Or(Vec<Node>),
    FollowedBy(Vec<Node>),
    Within(Box<Node>, i64),
    Repeats(Box<Node>, usize),
    StartStop(Box<Node>, i64, i64),
}

impl Node {
    /// The most instances one binding of this expression can hold.
    fn max_size(&self) -> usize {
        match self {
            Node::Simple(..) => 1,
            Node::And(v) | Node::FollowedBy(v) => v.iter().map(Node::max_size).sum(),
            Node::Or(v) => v.iter().map(Node::max_size).max().unwrap_or(0),
            Node::Repeats(n, k) => n.max_size().saturating_mul(*k),
            Node::Within(n, _) | Node::StartStop(n, _, _) => n.max_size(),
        }
    }

    /// Its observation expressions (the leaves of the tree).
    fn leaf_count(&self) -> usize {
        match self {
            Node::Simple(..) => 1,
            Node::And(v) | Node::Or(v) | Node::FollowedBy(v) => v.iter().map(Node::leaf_count).sum(),
            Node::Within(n, _) | Node::Repeats(n, _) | Node::StartStop(n, _, _) => n.leaf_count(),
        }
    }
}

/// Per leaf (observation expression, in tree order), the observations it holds for and their
/// instance counts, in flat lists (inline for small data: one match allocates none of them).
struct Leaves {
    obs: SmallVec<[u32; 32]>,
    counts: SmallVec<[u32; 32]>,
    /// Leaf -> where its entries end.
    ends: SmallVec<[usize; 16]>,
}

impl Leaves {
    fn with_room(leaves: usize, observations: usize) -> Leaves {
        // Leaves rarely hold for most of many observations: past a few thousand entries the
        // lists grow as needed instead.
        let entries = leaves.saturating_mul(observations).min(4096);
        Leaves {
            obs: SmallVec::with_capacity(entries),
            counts: SmallVec::with_capacity(entries),
            ends: SmallVec::with_capacity(leaves),
        }
    }

    fn get(&self, leaf: usize) -> (&[u32], &[u32]) {
        let start = leaf.checked_sub(1).map_or(0, |p| self.ends[p]);
        let end = self.ends[leaf];
        (&self.obs[start..end], &self.counts[start..end])
    }
}

/// What the binding streams of one match read.
#[derive(Clone, Copy)]
struct Search<'s> {
    data: &'s [Observation<'s>],
    leaves: &'s Leaves,
    budget: &'s stream::Budget,
    ix: &'s Instances,
}

/// A pattern compiled for evaluation.
#[derive(Debug)]
pub struct Matcher {
    root: Node,
    /// Instances of one observation beyond this many never change the verdict.
    instance_cap: u32,
    /// Work allowed per match (see [`MAX_STEPS`]).
    max_steps: u64,
    /// Observation expressions in the pattern.
    leaf_count: usize,
}

fn compile_obs(o: &Obs, cache: &mut CompileCache) -> Result<Node, MatchError> {
    let mut all = |v: &[Obs]| v.iter().map(|o| compile_obs(o, cache)).collect::<Result<Vec<_>, _>>();
    Ok(match o {
        Obs::Simple(c) => {
            let c = Cmp::compile(c, cache)?;
            let bits = c.type_bits();
            Node::Simple(c, bits)
        }
        Obs::And(v) => Node::And(all(v)?),
        Obs::Or(v) => Node::Or(all(v)?),
        Obs::FollowedBy(v) => Node::FollowedBy(all(v)?),
        Obs::Qualified(inner, q, _) => {
            let inner = Box::new(compile_obs(inner, cache)?);
            match q {
                Qualifier::Within(secs) => {
                    if *secs <= 0.0 || !secs.is_finite() {
                        return Err(MatchError::Pattern(format!("Invalid WITHIN value (must be positive): {secs}")));
                    }
                    Node::Within(inner, (secs * 1e6).round() as i64)
                }
                Qualifier::Repeats(n) => {
                    let n = usize::try_from(*n).unwrap_or(0);
                    if n < 1 {
                        return Err(MatchError::Pattern(format!("Invalid repetition count: {n}")));
                    }
                    Node::Repeats(inner, n)
                }
                Qualifier::StartStop(a, b) => {
                    let t = |s: &str| {
                        parse_timestamp(s).ok_or_else(|| MatchError::Pattern(format!("invalid timestamp: {s}")))
                    };
                    Node::StartStop(inner, t(a)?, t(b)?)
                }
            }
        }
    })
}

impl Matcher {
    pub fn new(p: &Pattern) -> Result<Matcher, MatchError> {
        Matcher::with_cache(p, &mut CompileCache::default())
    }

    /// Compiles a pattern, sharing its regexes with the other patterns compiled with `cache`.
    pub fn with_cache(p: &Pattern, cache: &mut CompileCache) -> Result<Matcher, MatchError> {
        let root = compile_obs(&p.root, cache)?;
        let instance_cap = u32::try_from(root.max_size().max(1)).unwrap_or(u32::MAX);
        let leaf_count = root.leaf_count();
        Ok(Matcher { root, instance_cap, max_steps: MAX_STEPS, leaf_count })
    }

    /// Evaluates every observation expression's comparison on every observation first (so
    /// bad data is reported whatever the bindings do, as the reference does), keeping, per
    /// leaf in tree order, the observations it holds for and their instance counts. With an
    /// index of the root objects, each comparison is evaluated once over all of them.
    fn leaves(&self, n: &Node, set: &ObservedSet<'_, '_>, out: &mut Leaves) -> Result<(), MatchError> {
        match n {
            Node::Simple(c, bits) => {
                let data = set.data;
                let mut held = |i: usize, o: &Observation<'_>| {
                    out.obs.push(i as u32);
                    out.counts.push(o.count.min(self.instance_cap));
                };
                match &set.index {
                    Some(runs) => {
                        for ix in runs {
                            let found = c.instances(ix, data)?;
                            if found == 0 {
                                continue;
                            }
                            for (k, mine) in ix.obs_bits.iter().enumerate() {
                                if mine & found != 0 {
                                    held(ix.first + k, &data[ix.first + k]);
                                }
                            }
                        }
                    }
                    None => {
                        for (i, o) in data.iter().enumerate() {
                            if o.may_have_types(*bits) && c.holds(o)? {
                                held(i, o);
                            }
                        }
                    }
                }
                out.ends.push(out.obs.len());
            }
            Node::And(v) | Node::Or(v) | Node::FollowedBy(v) => {
                for x in v {
                    self.leaves(x, set, out)?;
                }
            }
            Node::Within(x, _) | Node::Repeats(x, _) | Node::StartStop(x, _, _) => self.leaves(x, set, out)?,
        }
        Ok(())
    }

    /// The lazy stream of bindings of a node; `next_leaf` walks the leaves in tree order.
    fn stream<'s, B: Binding + 's>(&'s self, n: &'s Node, cx: Search<'s>, next_leaf: &mut usize) -> Stream<'s, B> {
        let (data, ix) = (cx.data, cx.ix);
        match n {
            Node::Simple(..) => {
                let (obs, counts) = cx.leaves.get(*next_leaf);
                *next_leaf += 1;
                stream::leaf(obs, counts, ix)
            }
            Node::Or(v) => stream::or(v.iter().map(|x| self.stream(x, cx, next_leaf)).collect()),
            Node::And(v) | Node::FollowedBy(v) => {
                let followed = matches!(n, Node::FollowedBy(_));
                let mut parts: Vec<Stream<'s, B>> = v.iter().map(|x| self.stream(x, cx, next_leaf)).collect();
                let mut acc = parts.remove(0);
                for p in parts {
                    acc = if followed {
                        let keep = move |l: &B, r: &B| latest_first(l, data, ix) <= earliest_last(r, data, ix);
                        stream::join(acc, p, keep, cx.budget)
                    } else {
                        stream::join(acc, p, |_, _| true, cx.budget)
                    };
                }
                acc
            }
            Node::Within(inner, micros) => {
                let micros = *micros;
                let s = self.stream(inner, cx, next_leaf);
                Box::new(s.filter(move |b: &B| {
                    latest_first(b, data, ix) <= earliest_last(b, data, ix).saturating_add(micros)
                }))
            }
            Node::Repeats(inner, k) => stream::repeats(self.stream(inner, cx, next_leaf), *k, cx.budget),
            Node::StartStop(inner, start, stop) => {
                let (start, stop) = (*start, *stop);
                let s = self.stream(inner, cx, next_leaf);
                // Every observation must overlap [start, stop): touching start is enough,
                // touching only stop is not.
                Box::new(s.filter(move |b: &B| {
                    start < stop
                        && b.observations(ix).all(|o| {
                            let o = &data[o];
                            stop != o.first && (o.last == start || (o.first <= stop && start <= o.last))
                        })
                }))
            }
        }
    }

    /// The verdict where the leaves alone decide it (`next_leaf` walks the leaves in tree
    /// order): an observation expression binds iff it holds for some observation, an `OR` binds
    /// if some operand does (its first binding is then that operand's or an earlier one's), and
    /// a node with an operand that cannot bind cannot bind. `None`: only the search can tell.
    fn decided(&self, n: &Node, leaves: &Leaves, next_leaf: &mut usize) -> Option<bool> {
        match n {
            Node::Simple(..) => {
                *next_leaf += 1;
                Some(!leaves.get(*next_leaf - 1).0.is_empty())
            }
            // Every child is visited, so that the leaves are counted.
            Node::Or(v) => {
                let mut out = Some(false);
                for x in v {
                    out = match (out, self.decided(x, leaves, next_leaf)) {
                        (Some(true), _) | (_, Some(true)) => Some(true),
                        (Some(false), Some(false)) => Some(false),
                        _ => None,
                    };
                }
                out
            }
            Node::And(v) | Node::FollowedBy(v) => {
                let mut out = None;
                for x in v {
                    if self.decided(x, leaves, next_leaf) == Some(false) {
                        out = Some(false);
                    }
                }
                out
            }
            Node::Within(x, _) | Node::Repeats(x, _) | Node::StartStop(x, _, _) => {
                self.decided(x, leaves, next_leaf).filter(|&binds| !binds)
            }
        }
    }

    /// The observations of the first binding of the whole pattern, in order, with repeats.
    fn first<'s, B: Binding + 's>(&'s self, cx: Search<'s>) -> Option<Vec<usize>> {
        let b: B = self.stream(&self.root, cx, &mut 0).next()?;
        Some(b.observations(cx.ix).collect())
    }

    /// The observations (indices into `data`) of one binding that satisfies the pattern, or
    /// `None` when the pattern does not match.
    pub fn find(&self, data: &[Observation<'_>]) -> Result<Option<Vec<usize>>, MatchError> {
        self.find_in(&ObservedSet::new(data))
    }

    /// [`Matcher::find`] on observed data prepared once for many patterns.
    pub fn find_in(&self, set: &ObservedSet<'_, '_>) -> Result<Option<Vec<usize>>, MatchError> {
        self.search(set, true, true)
    }

    /// [`Matcher::find_in`], with bindings as bit sets where they fit if `bits` (the two forms
    /// give the same bindings in the same order; tests compare them). Without `binding`, only
    /// whether one exists: a match the leaves decide gives an empty list.
    // Never inlined: `bench/icount.sh` counts the instructions of matching inside it.
    #[inline(never)]
    fn search(&self, set: &ObservedSet<'_, '_>, bits: bool, binding: bool) -> Result<Option<Vec<usize>>, MatchError> {
        let data = set.data;
        let mut leaves = Leaves::with_room(self.leaf_count, data.len());
        self.leaves(&self.root, set, &mut leaves)?;
        if let Node::Simple(..) = self.root {
            // One observation expression: its first observation is the first binding.
            return Ok(leaves.get(0).0.first().map(|&o| vec![o as usize]));
        }
        match self.decided(&self.root, &leaves, &mut 0) {
            Some(false) => return Ok(None),
            Some(true) if !binding => return Ok(Some(Vec::new())),
            _ => {}
        }
        let budget = stream::Budget::new(self.max_steps);
        let held = leaves.obs.iter().copied().zip(leaves.counts.iter().copied());
        let first = match Instances::fit(data.len(), held).filter(|_| bits) {
            Some(ix) => self.first::<stream::Bits>(Search { data, leaves: &leaves, budget: &budget, ix: &ix }),
            None => {
                let ix = Instances::none();
                self.first::<Vec<stream::Instance>>(Search { data, leaves: &leaves, budget: &budget, ix: &ix })
            }
        };
        match first {
            Some(mut obs) => {
                obs.dedup();
                Ok(Some(obs))
            }
            None if budget.spent.get() => Err(MatchError::TooComplex(self.max_steps as usize)),
            None => Ok(None),
        }
    }

    /// Sets the work allowed per match (pairs and combinations examined).
    pub fn set_max_steps(&mut self, steps: u64) {
        self.max_steps = steps;
    }

    pub fn matches(&self, data: &[Observation<'_>]) -> Result<bool, MatchError> {
        self.matches_in(&ObservedSet::new(data))
    }

    /// [`Matcher::matches`] on observed data prepared once for many patterns.
    pub fn matches_in(&self, set: &ObservedSet<'_, '_>) -> Result<bool, MatchError> {
        Ok(self.search(set, true, false)?.is_some())
    }

    /// Whether the pattern is one observation expression without qualifiers, so one
    /// observation decides it.
    pub fn is_single_observation(&self) -> bool {
        matches!(self.root, Node::Simple(..))
    }

    /// Whether some observation expression of the pattern holds for `obs`. An observation for
    /// which none does can never be part of a match, so a caller may drop it.
    pub fn touches(&self, obs: &Observation<'_>) -> Result<bool, MatchError> {
        fn any(n: &Node, obs: &Observation<'_>) -> Result<bool, MatchError> {
            Ok(match n {
                Node::Simple(c, bits) => obs.may_have_types(*bits) && c.holds(obs)?,
                Node::And(v) | Node::Or(v) | Node::FollowedBy(v) => {
                    for x in v {
                        if any(x, obs)? {
                            return Ok(true);
                        }
                    }
                    false
                }
                Node::Within(x, _) | Node::Repeats(x, _) | Node::StartStop(x, _, _) => any(x, obs)?,
            })
        }
        any(&self.root, obs)
    }

    /// The object types the pattern's comparisons test (an observation without any of them
    /// cannot match).
    pub fn object_types(&self) -> Vec<String> {
        fn cmp(c: &Cmp, out: &mut Vec<String>) {
            let mut paths = Vec::new();
            c.paths(&mut paths);
            for path in paths {
                if !out.iter().any(|t| **t == *path.object_type) {
                    out.push(path.object_type.to_string());
                }
            }
        }
        fn node(n: &Node, out: &mut Vec<String>) {
            match n {
                Node::Simple(c, _) => cmp(c, out),
                Node::And(v) | Node::Or(v) | Node::FollowedBy(v) => v.iter().for_each(|x| node(x, out)),
                Node::Within(x, _) | Node::Repeats(x, _) | Node::StartStop(x, _, _) => node(x, out),
            }
        }
        let mut out = Vec::new();
        node(&self.root, &mut out);
        out
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn bit_set_and_list_bindings_find_the_same_observations() {
        use serde_json::json;
        let objects = [
            json!({"type": "ipv4-addr", "value": "10.0.0.1"}),
            json!({"type": "ipv4-addr", "value": "10.0.0.2"}),
            json!({"type": "domain-name", "value": "c2.bad.example"}),
        ];
        // Nine observations a minute apart, some seen twice or three times, of three kinds.
        let data: Vec<super::Observation<'_>> = (0..9)
            .map(|i: i64| {
                let t = i * 60_000_000;
                super::Observation::new(
                    t,
                    t + 30_000_000,
                    [1, 2, 1, 3][i as usize % 4],
                    vec![("o", &objects[i as usize % 3])],
                )
            })
            .collect();
        let (a, b, d) =
            ("[ipv4-addr:value = '10.0.0.1']", "[ipv4-addr:value = '10.0.0.2']", "[domain-name:value LIKE 'c2.%']");
        let patterns = [
            format!("{a} AND {b}"),
            format!("{b} FOLLOWEDBY {a}"),
            format!("({a} OR {d}) FOLLOWEDBY {b}"),
            format!("{a} REPEATS 4 TIMES"),
            format!("({a} FOLLOWEDBY {d}) WITHIN 60 SECONDS"),
            format!("({d} AND {a} AND {b}) REPEATS 2 TIMES"),
            format!("{b} START t'1970-01-01T00:03:00Z' STOP t'1970-01-01T00:06:00Z'"),
            format!("({a} AND {a}) FOLLOWEDBY ({b} OR {d}) REPEATS 3 TIMES"),
            format!("{d} REPEATS 7 TIMES"),
        ];
        let mut found = 0;
        for p in &patterns {
            let m = super::Matcher::new(&crate::parse_pattern(p).unwrap()).unwrap();
            let set = super::ObservedSet::new(&data);
            let (bits, list) = (m.search(&set, true, true), m.search(&set, false, true));
            assert_eq!(bits, list, "{p}");
            found += usize::from(matches!(bits, Ok(Some(_))));
        }
        assert!(found >= 6, "{found} of {} patterns matched", patterns.len());
    }

    #[test]
    fn the_last_day_of_year_9999_is_a_time() {
        // The reference (stix2-matcher 3.0.0) matches this pair.
        let bundle = serde_json::json!([{"type": "bundle", "id": "bundle--1", "objects": [
            {"type": "observed-data", "spec_version": "2.1", "id": "observed-data--1",
             "first_observed": "9999-12-31T23:59:58Z", "last_observed": "9999-12-31T23:59:59Z",
             "number_observed": 1, "object_refs": ["ipv4-addr--2"]},
            {"type": "ipv4-addr", "spec_version": "2.1", "id": "ipv4-addr--2", "value": "1.2.3.4"}]}]);
        let obs = super::observations_v21(bundle.as_array().unwrap()).unwrap();
        let p = "[ipv4-addr:value = '1.2.3.4'] START t'9999-12-31T00:00:00Z' STOP t'9999-12-31T23:59:59Z'";
        let m = super::Matcher::new(&crate::parse_pattern(p).unwrap()).unwrap();
        assert_eq!(m.matches(&obs), Ok(true));
    }
}
