//! Bindings produced lazily, as the reference matcher's generators do, so the search stops at
//! the first binding that satisfies the whole pattern instead of building every binding of
//! every sub-expression (which grows as a power of the number of observations for pattern
//! `AND`, `FOLLOWEDBY` and `REPEATS`). A binding is the set of observation instances bound to
//! the observation expressions below a node; every check made on it (disjointness, time order,
//! time window) depends only on that set.

use std::cell::Cell;

use super::Observation;

/// Observation index in the high 32 bits, instance number (`< number_observed`) in the low.
pub type Instance = u64;
pub type Stream<'a, B> = Box<dyn Iterator<Item = B> + 'a>;

pub fn obs_of(i: Instance) -> usize {
    (i >> 32) as usize
}

/// Where each observation's instances sit in a [`Bits`] binding: the observations the leaves
/// hold for get consecutive bits, one per instance, in observation order. Kept on the stack:
/// for data of at most 64 observations.
pub struct Instances {
    /// Observation -> its first bit (observations no leaf holds for have none).
    first_bit: [u8; 64],
    /// Bit -> its observation.
    bit_obs: [u8; 128],
}

impl Instances {
    /// No layout: for [`Vec<Instance>`] bindings, which need none.
    pub fn none() -> Instances {
        Instances { first_bit: [0; 64], bit_obs: [0; 128] }
    }

    /// The bit layout for the observations the leaves hold for, with their instance counts,
    /// if there are at most 64 observations and 128 instances.
    pub fn fit(observations: usize, held: impl Iterator<Item = (u32, u32)>) -> Option<Instances> {
        if observations > 64 {
            return None;
        }
        let mut ix = Instances::none();
        let mut used = 0u64;
        for (o, n) in held {
            used |= 1 << o;
            // Counts first; they become where each observation's bits start.
            ix.first_bit[o as usize] = u8::try_from(n).ok().filter(|&n| n <= 128)?;
        }
        let mut next = 0usize;
        while used != 0 {
            let o = used.trailing_zeros() as usize;
            used &= used - 1;
            let n = usize::from(ix.first_bit[o]);
            if next + n > 128 {
                return None;
            }
            ix.first_bit[o] = next as u8;
            ix.bit_obs[next..next + n].fill(o as u8);
            next += n;
        }
        Some(ix)
    }
}

/// A binding: the observation instances bound so far, as a set.
pub trait Binding: Clone {
    /// The binding of one instance of one observation.
    fn one(obs: u32, instance: u32, ix: &Instances) -> Self;
    fn disjoint(&self, other: &Self) -> bool;
    fn union(&self, other: &Self) -> Self;
    /// The union with each of `others`.
    fn union_all<'o>(&self, others: impl Iterator<Item = &'o Self>) -> Self
    where
        Self: 'o,
    {
        others.fold(self.clone(), |b, o| b.union(o))
    }
    /// The observation of each instance, in observation order.
    fn observations<'s>(&'s self, ix: &'s Instances) -> impl Iterator<Item = usize> + 's;
}

/// A binding as a sorted list of instances: any number of them.
impl Binding for Vec<Instance> {
    fn one(obs: u32, instance: u32, _: &Instances) -> Self {
        vec![(u64::from(obs) << 32) | u64::from(instance)]
    }

    fn disjoint(&self, b: &Self) -> bool {
        let (a, mut i, mut j) = (self, 0, 0);
        while i < a.len() && j < b.len() {
            match a[i].cmp(&b[j]) {
                std::cmp::Ordering::Less => i += 1,
                std::cmp::Ordering::Greater => j += 1,
                std::cmp::Ordering::Equal => return false,
            }
        }
        true
    }

    fn union(&self, b: &Self) -> Self {
        let mut out = Vec::with_capacity(self.len() + b.len());
        out.extend_from_slice(self);
        out.extend_from_slice(b);
        out.sort_unstable();
        out
    }

    fn union_all<'o>(&self, others: impl Iterator<Item = &'o Self>) -> Self {
        // One list, sorted once.
        let mut out = self.clone();
        for o in others {
            out.extend_from_slice(o);
        }
        out.sort_unstable();
        out
    }

    fn observations<'s>(&'s self, _: &'s Instances) -> impl Iterator<Item = usize> + 's {
        self.iter().map(|&i| obs_of(i))
    }
}

/// A binding as a set of bits laid out by [`Instances`]: no allocation, and set operations in
/// one instruction, for data with at most 128 instances bound by the leaves.
#[derive(Clone, Copy)]
pub struct Bits(u128);

impl Binding for Bits {
    fn one(obs: u32, instance: u32, ix: &Instances) -> Self {
        Bits(1 << (u32::from(ix.first_bit[obs as usize]) + instance))
    }

    fn disjoint(&self, other: &Self) -> bool {
        self.0 & other.0 == 0
    }

    fn union(&self, other: &Self) -> Self {
        Bits(self.0 | other.0)
    }

    fn observations<'s>(&'s self, ix: &'s Instances) -> impl Iterator<Item = usize> + 's {
        let mut rest = self.0;
        std::iter::from_fn(move || {
            if rest == 0 {
                return None;
            }
            let bit = rest.trailing_zeros() as usize;
            rest &= rest - 1;
            Some(usize::from(ix.bit_obs[bit]))
        })
    }
}

/// Work allowed for one match (pairs and combinations examined); when spent, the streams end
/// and the match reports that the pattern was too broad for the data.
pub struct Budget {
    left: Cell<u64>,
    pub spent: Cell<bool>,
}

impl Budget {
    pub fn new(steps: u64) -> Budget {
        Budget { left: Cell::new(steps), spent: Cell::new(false) }
    }

    /// Takes one step; false once the budget is gone.
    fn step(&self) -> bool {
        match self.left.get() {
            0 => {
                self.spent.set(true);
                false
            }
            n => {
                self.left.set(n - 1);
                true
            }
        }
    }
}

pub fn latest_first<B: Binding>(b: &B, data: &[Observation<'_>], ix: &Instances) -> i64 {
    b.observations(ix).map(|o| data[o].first).max().unwrap_or(i64::MIN)
}

pub fn earliest_last<B: Binding>(b: &B, data: &[Observation<'_>], ix: &Instances) -> i64 {
    b.observations(ix).map(|o| data[o].last).min().unwrap_or(i64::MAX)
}

/// One binding per instance of each observation a leaf holds for.
pub fn leaf<'a, B: Binding + 'a>(observations: &'a [u32], counts: &'a [u32], ix: &'a Instances) -> Stream<'a, B> {
    Box::new(observations.iter().zip(counts).flat_map(move |(&o, &n)| (0..n).map(move |k| B::one(o, k, ix))))
}

/// `OR`: the children's bindings, taken in turn.
pub fn or<'a, B: 'a>(mut children: Vec<Stream<'a, B>>) -> Stream<'a, B> {
    let mut turn = 0;
    Box::new(std::iter::from_fn(move || {
        while !children.is_empty() {
            turn %= children.len();
            match children[turn].next() {
                Some(b) => {
                    turn += 1;
                    return Some(b);
                }
                None => {
                    drop(children.remove(turn));
                }
            }
        }
        None
    }))
}

/// `AND` and `FOLLOWEDBY`: disjoint pairs of a left and a right binding that `keep` accepts,
/// found by drawing from both sides in turn and pairing each new binding with those already
/// drawn from the other side.
pub fn join<'a, B: Binding + 'a>(
    mut left: Stream<'a, B>,
    mut right: Stream<'a, B>,
    keep: impl Fn(&B, &B) -> bool + 'a,
    budget: &'a Budget,
) -> Stream<'a, B> {
    let (mut lc, mut rc): (Vec<B>, Vec<B>) = (Vec::new(), Vec::new());
    let (mut l_done, mut r_done) = (false, false);
    let mut pending: Vec<B> = Vec::new();
    Box::new(std::iter::from_fn(move || loop {
        if let Some(b) = pending.pop() {
            return Some(b);
        }
        if l_done && r_done {
            return None;
        }
        if !r_done {
            match right.next() {
                Some(r) => {
                    for l in &lc {
                        if !budget.step() {
                            return None;
                        }
                        if l.disjoint(&r) && keep(l, &r) {
                            pending.push(l.union(&r));
                        }
                    }
                    rc.push(r);
                }
                None => {
                    r_done = true;
                    if rc.is_empty() {
                        return None;
                    }
                }
            }
        }
        if !l_done {
            match left.next() {
                Some(l) => {
                    for r in &rc {
                        if !budget.step() {
                            return None;
                        }
                        if l.disjoint(r) && keep(&l, r) {
                            pending.push(l.union(r));
                        }
                    }
                    lc.push(l);
                }
                None => {
                    l_done = true;
                    if lc.is_empty() {
                        return None;
                    }
                }
            }
        }
    }))
}

/// `REPEATS k TIMES`: unions of k pairwise disjoint bindings. Each binding drawn is combined
/// with every (k-1)-set of earlier ones that are disjoint with it and with each other, found
/// by a depth-first search that resumes where it stopped.
pub fn repeats<'a, B: Binding + 'a>(mut inner: Stream<'a, B>, k: usize, budget: &'a Budget) -> Stream<'a, B> {
    if k == 1 {
        return inner;
    }
    let want = k - 1;
    let mut seen: Vec<B> = Vec::new();
    let mut newest: Option<B> = None;
    // Earlier bindings disjoint with the newest (indices into `seen`), the positions in `cands`
    // picked so far, where to look next, and whether the last call returned a full pick.
    let mut cands: Vec<usize> = Vec::new();
    let mut stack: Vec<usize> = Vec::new();
    let mut from = 0usize;
    let mut yielded = false;
    Box::new(std::iter::from_fn(move || loop {
        if let Some(x) = &newest {
            if yielded {
                yielded = false;
                from = stack.pop().map_or(0, |p| p + 1);
            }
            loop {
                if stack.len() == want {
                    let b = x.union_all(stack.iter().map(|&p| &seen[cands[p]]));
                    yielded = true;
                    return Some(b);
                }
                if !budget.step() {
                    return None;
                }
                let need = want - stack.len();
                let found = (from..cands.len()).take_while(|&c| cands.len() - c >= need).find(|&c| {
                    let cand = &seen[cands[c]];
                    stack.iter().all(|&p| seen[cands[p]].disjoint(cand))
                });
                match found {
                    Some(c) => {
                        stack.push(c);
                        from = c + 1;
                    }
                    None => match stack.pop() {
                        Some(p) => from = p + 1,
                        None => break,
                    },
                }
            }
            if let Some(x) = newest.take() {
                seen.push(x);
            }
        }
        let x = inner.next()?;
        cands = (0..seen.len()).filter(|&i| seen[i].disjoint(&x)).collect();
        stack.clear();
        from = 0;
        if cands.len() >= want {
            newest = Some(x);
        } else {
            seen.push(x);
        }
    }))
}

#[cfg(test)]
mod tests {
    use serde_json::{json, Value};

    use crate::matcher::{MatchError, Matcher, Observation};

    fn run(pattern: &str, objects: &[Value], spacing_s: i64) -> Result<bool, MatchError> {
        run_with(pattern, objects, spacing_s, crate::matcher::MAX_STEPS)
    }

    fn run_with(pattern: &str, objects: &[Value], spacing_s: i64, steps: u64) -> Result<bool, MatchError> {
        let obs: Vec<Observation<'_>> = objects
            .iter()
            .enumerate()
            .map(|(i, o)| {
                let t = i as i64 * spacing_s * 1_000_000;
                Observation::new(t, t, 1, vec![("o", o)])
            })
            .collect();
        let mut m = Matcher::new(&crate::parse_pattern(pattern).unwrap())?;
        m.set_max_steps(steps);
        m.matches(&obs)
    }

    #[test]
    fn instances_get_consecutive_bits_in_observation_order() {
        use super::{Binding, Bits, Instances};
        // Observation 5 with 2 instances, 1 with 3, 9 with 1 (listed out of order, twice).
        let held = [(5, 2), (1, 3), (5, 2), (9, 1)];
        let ix = Instances::fit(10, held.into_iter()).unwrap();
        let bits = [(1, 0), (1, 2), (5, 1), (9, 0)].map(|(o, k)| Bits::one(o, k, &ix));
        assert_eq!(bits.map(|b| b.0), [1 << 0, 1 << 2, 1 << 4, 1 << 5]);
        let all = bits.iter().fold(Bits(0), |a, b| a.union(b));
        assert_eq!(all.observations(&ix).collect::<Vec<_>>(), [1, 1, 5, 9]);
        assert!(bits[0].disjoint(&bits[1]) && !all.disjoint(&bits[2]));
        // Too many observations, or instances, for 128 bits: no layout.
        assert!(Instances::fit(65, [(0, 1)].into_iter()).is_none());
        assert!(Instances::fit(3, [(0, 100), (2, 29)].into_iter()).is_none());
        assert!(Instances::fit(3, [(0, 100), (2, 28)].into_iter()).is_some());
        assert!(Instances::fit(1, [(0, 300)].into_iter()).is_none());
    }

    #[test]
    fn stops_at_the_first_binding_over_many_observations() {
        let objects: Vec<Value> = (0..3000).map(|_| json!({"type": "ipv4-addr", "value": "1.2.3.4"})).collect();
        // C(3000, 3) bindings exist; the first suffices.
        assert_eq!(run("[ipv4-addr:value = '1.2.3.4'] REPEATS 3 TIMES", &objects, 1), Ok(true));
        assert_eq!(
            run("[ipv4-addr:value = '1.2.3.4'] FOLLOWEDBY [ipv4-addr:value = '1.2.3.4']", &objects, 1),
            Ok(true)
        );
        assert_eq!(run("[ipv4-addr:value = '9.9.9.9'] AND [ipv4-addr:value = '1.2.3.4']", &objects, 1), Ok(false));
    }

    #[test]
    fn gives_up_on_a_search_too_large_to_finish() {
        let objects: Vec<Value> = (0..3000).map(|_| json!({"type": "ipv4-addr", "value": "1.2.3.4"})).collect();
        // Observations ten seconds apart: no five fit in one second, and proving it means
        // looking at every combination.
        let r = run_with("([ipv4-addr:value = '1.2.3.4'] REPEATS 5 TIMES) WITHIN 1 SECONDS", &objects, 10, 1_000_000);
        assert!(matches!(r, Err(MatchError::TooComplex(_))), "{r:?}");
        // The same search beside an observation expression that holds for nothing: no binding
        // can exist, and the search is not started.
        let p = "(([ipv4-addr:value = '1.2.3.4'] REPEATS 5 TIMES) WITHIN 1 SECONDS) AND [ipv4-addr:value = '9.9.9.9']";
        assert_eq!(run_with(p, &objects, 10, 1_000_000), Ok(false));
    }
}
