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
pub type Binding = Vec<Instance>;
pub type Stream<'a> = Box<dyn Iterator<Item = Binding> + 'a>;

pub fn obs_of(i: Instance) -> usize {
    (i >> 32) as usize
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

pub fn disjoint(a: &[Instance], b: &[Instance]) -> bool {
    let (mut i, mut j) = (0, 0);
    while i < a.len() && j < b.len() {
        match a[i].cmp(&b[j]) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => return false,
        }
    }
    true
}

fn union(a: &[Instance], b: &[Instance]) -> Binding {
    let mut out = Vec::with_capacity(a.len() + b.len());
    out.extend_from_slice(a);
    out.extend_from_slice(b);
    out.sort_unstable();
    out
}

pub fn latest_first(b: &[Instance], data: &[Observation<'_>]) -> i64 {
    b.iter().map(|&i| data[obs_of(i)].first).max().unwrap_or(i64::MIN)
}

pub fn earliest_last(b: &[Instance], data: &[Observation<'_>]) -> i64 {
    b.iter().map(|&i| data[obs_of(i)].last).min().unwrap_or(i64::MAX)
}

/// One binding per instance of each observation a leaf holds for.
pub fn leaf<'a>(observations: &'a [u32], counts: &'a [u32]) -> Stream<'a> {
    Box::new(
        observations
            .iter()
            .zip(counts)
            .flat_map(|(&o, &n)| (0..n).map(move |k| vec![(u64::from(o) << 32) | u64::from(k)])),
    )
}

/// `OR`: the children's bindings, taken in turn.
pub fn or<'a>(mut children: Vec<Stream<'a>>) -> Stream<'a> {
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
pub fn join<'a>(
    mut left: Stream<'a>,
    mut right: Stream<'a>,
    keep: impl Fn(&Binding, &Binding) -> bool + 'a,
    budget: &'a Budget,
) -> Stream<'a> {
    let (mut lc, mut rc): (Vec<Binding>, Vec<Binding>) = (Vec::new(), Vec::new());
    let (mut l_done, mut r_done) = (false, false);
    let mut pending: Vec<Binding> = Vec::new();
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
                        if disjoint(l, &r) && keep(l, &r) {
                            pending.push(union(l, &r));
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
                        if disjoint(&l, r) && keep(&l, r) {
                            pending.push(union(&l, r));
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
pub fn repeats<'a>(mut inner: Stream<'a>, k: usize, budget: &'a Budget) -> Stream<'a> {
    if k == 1 {
        return inner;
    }
    let want = k - 1;
    let mut seen: Vec<Binding> = Vec::new();
    let mut newest: Option<Binding> = None;
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
                    let mut b = x.clone();
                    for &p in &stack {
                        b.extend_from_slice(&seen[cands[p]]);
                    }
                    b.sort_unstable();
                    yielded = true;
                    return Some(b);
                }
                if !budget.step() {
                    return None;
                }
                let need = want - stack.len();
                let found = (from..cands.len()).take_while(|&c| cands.len() - c >= need).find(|&c| {
                    let cand = &seen[cands[c]];
                    stack.iter().all(|&p| disjoint(&seen[cands[p]], cand))
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
        cands = (0..seen.len()).filter(|&i| disjoint(&seen[i], &x)).collect();
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
    }
}
