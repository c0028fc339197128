//! Sets of bindings. A binding is the set of observation instances bound to the observation
//! expressions below a node. Every check made on a binding (disjointness, time order, time
//! window) depends only on that set, so bindings are kept as sorted, de-duplicated sets; the
//! reference's ordered tuples reach the same verdicts.

use super::{MatchError, Observation, MAX_BINDINGS};

/// Observation index in the high 32 bits, instance number (`< number_observed`) in the low.
type Instance = u64;

#[derive(Debug, Default)]
pub struct Bindings {
    sets: Vec<Vec<Instance>>,
}

fn obs_of(i: Instance) -> usize {
    (i >> 32) as usize
}

fn disjoint(a: &[Instance], b: &[Instance]) -> bool {
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

fn union(a: &[Instance], b: &[Instance]) -> Vec<Instance> {
    let mut out = Vec::with_capacity(a.len() + b.len());
    out.extend_from_slice(a);
    out.extend_from_slice(b);
    out.sort_unstable();
    out
}

fn latest_first(b: &[Instance], data: &[Observation<'_>]) -> i64 {
    b.iter().map(|&i| data[obs_of(i)].first).max().unwrap_or(i64::MIN)
}

fn earliest_last(b: &[Instance], data: &[Observation<'_>]) -> i64 {
    b.iter().map(|&i| data[obs_of(i)].last).min().unwrap_or(i64::MAX)
}

impl Bindings {
    fn push(&mut self, set: Vec<Instance>) -> Result<(), MatchError> {
        if self.sets.len() >= MAX_BINDINGS {
            return Err(MatchError::TooComplex(MAX_BINDINGS));
        }
        self.sets.push(set);
        Ok(())
    }

    fn normalise(mut self) -> Self {
        self.sets.sort_unstable();
        self.sets.dedup();
        self
    }

    pub fn add_instances(&mut self, obs: u32, count: u32) -> Result<(), MatchError> {
        for k in 0..count {
            self.push(vec![(u64::from(obs) << 32) | u64::from(k)])?;
        }
        Ok(())
    }

    pub fn extend(&mut self, other: Bindings) -> Result<(), MatchError> {
        for s in other.sets {
            self.push(s)?;
        }
        let sets = std::mem::take(&mut self.sets);
        *self = Bindings { sets }.normalise();
        Ok(())
    }

    fn join(&self, other: &Bindings, keep: impl Fn(&[Instance], &[Instance]) -> bool) -> Result<Bindings, MatchError> {
        let mut out = Bindings::default();
        for l in &self.sets {
            for r in &other.sets {
                if disjoint(l, r) && keep(l, r) {
                    out.push(union(l, r))?;
                }
            }
        }
        Ok(out.normalise())
    }

    /// Pattern `AND`: disjoint pairs.
    pub fn and(&self, other: &Bindings) -> Result<Bindings, MatchError> {
        self.join(other, |_, _| true)
    }

    /// `FOLLOWEDBY`: disjoint pairs where times can be chosen so that the right side is not
    /// earlier than the left (latest left `first_observed` <= earliest right `last_observed`).
    pub fn followed_by(&self, other: &Bindings, data: &[Observation<'_>]) -> Result<Bindings, MatchError> {
        self.join(other, |l, r| latest_first(l, data) <= earliest_last(r, data))
    }

    /// `WITHIN d SECONDS`: one window of length d touches every observation's interval.
    pub fn within(self, micros: i64, data: &[Observation<'_>]) -> Bindings {
        let sets = self
            .sets
            .into_iter()
            .filter(|b| latest_first(b, data) <= earliest_last(b, data).saturating_add(micros))
            .collect();
        Bindings { sets }
    }

    /// `START a STOP b`: every observation's interval overlaps [a, b), touching a allowed, only
    /// touching b not.
    pub fn start_stop(self, start: i64, stop: i64, data: &[Observation<'_>]) -> Bindings {
        if start >= stop {
            return Bindings::default();
        }
        let inside = |i: &Instance| {
            let o = &data[obs_of(*i)];
            if stop == o.first {
                false
            } else {
                o.last == start || (o.first <= stop && start <= o.last)
            }
        };
        let sets = self.sets.into_iter().filter(|b| b.iter().all(inside)).collect();
        Bindings { sets }
    }

    /// `REPEATS k TIMES`: unions of k pairwise disjoint bindings.
    pub fn repeats(self, k: usize) -> Result<Bindings, MatchError> {
        if k == 1 {
            return Ok(self);
        }
        let mut out = Bindings::default();
        let mut chosen: Vec<usize> = Vec::with_capacity(k);
        self.combine(0, k, &mut chosen, &mut out)?;
        Ok(out.normalise())
    }

    fn combine(&self, from: usize, k: usize, chosen: &mut Vec<usize>, out: &mut Bindings) -> Result<(), MatchError> {
        if chosen.len() == k {
            let mut set: Vec<Instance> = chosen.iter().flat_map(|&i| self.sets[i].iter().copied()).collect();
            set.sort_unstable();
            return out.push(set);
        }
        let need = k - chosen.len();
        for i in from..self.sets.len() {
            if self.sets.len() - i < need {
                break;
            }
            if chosen.iter().all(|&c| disjoint(&self.sets[c], &self.sets[i])) {
                chosen.push(i);
                self.combine(i + 1, k, chosen, out)?;
                chosen.pop();
            }
        }
        Ok(())
    }

    pub fn first_observations(&self) -> Option<Vec<usize>> {
        let first = self.sets.first()?;
        let mut obs: Vec<usize> = first.iter().map(|&i| obs_of(i)).collect();
        obs.dedup();
        Some(obs)
    }
}
