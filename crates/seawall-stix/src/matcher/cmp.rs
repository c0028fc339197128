//! Comparison expressions (the inside of one `[...]`), compiled, and the root objects of an
//! observation they hold for.
//!
//! The reference evaluates every operand of `AND` and `OR`, so bad data is reported whatever
//! the operands' order. Seawall gives the same verdicts and errors with less work by knowing,
//! per comparison, whether it can fail on data at all: one that cannot is skipped where its
//! result no longer matters (an `AND` already empty), and a test of one that cannot stops at
//! the first root object it holds for.

use super::compare::{CompileCache, Test};
use super::observed::type_bit;
use super::path::Path;
use super::roots::RootIndex;
use super::{MatchError, Observation};
use crate::pattern::Comparison;

/// Objects are tested in blocks of this many: a comparison's result over one block is a
/// bitset (`u128`), which the operands of `AND` and `OR` combine without allocating.
const BLOCK: usize = 128;

/// The type of the root objects a comparison can hold for, known from the pattern alone.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) enum RootType {
    /// One type (by `observed::type_key`).
    One(u64),
    /// Several.
    Many,
    /// None: an `AND` of comparisons on different types, which no one object satisfies.
    Nothing,
}

impl RootType {
    fn and(self, other: RootType) -> RootType {
        match (self, other) {
            (RootType::Nothing, _) | (_, RootType::Nothing) => RootType::Nothing,
            (RootType::One(a), RootType::One(b)) if a != b => RootType::Nothing,
            (RootType::One(a), _) | (_, RootType::One(a)) => RootType::One(a),
            _ => RootType::Many,
        }
    }

    fn or(self, other: RootType) -> RootType {
        match (self, other) {
            (RootType::Nothing, x) | (x, RootType::Nothing) => x,
            (RootType::One(a), RootType::One(b)) if a == b => RootType::One(a),
            _ => RootType::Many,
        }
    }
}

/// One test of a comparison expression, as [`Cmp::combine`] hands it out.
#[derive(Clone, Copy)]
struct Leaf<'c> {
    path: &'c Path,
    not: bool,
    /// `None`: `EXISTS`.
    test: Option<&'c Test>,
}

impl Leaf<'_> {
    /// Whether it holds for a root object (`obs`: an observation that holds the object).
    fn holds<'a>(self, root: &'a serde_json::Value, obs: &Observation<'a>) -> Result<bool, MatchError> {
        match self.test {
            Some(test) => self.path.any(root, obs, |v| test.passes(v, self.not)),
            None => Ok(self.path.any(root, obs, |_| Ok(true))? != self.not),
        }
    }
}

#[derive(Debug)]
pub(super) enum Cmp {
    Test { path: Path, not: bool, test: Test, fallible: bool },
    Exists { path: Path, not: bool },
    And { all: Vec<Cmp>, fallible: bool, roots: RootType },
    Or { any: Vec<Cmp>, fallible: bool },
}

impl Cmp {
    pub fn compile(c: &Comparison, cache: &mut CompileCache) -> Result<Cmp, MatchError> {
        let all = |v: &[Comparison], cache: &mut CompileCache| {
            v.iter().map(|c| Cmp::compile(c, cache)).collect::<Result<Vec<_>, _>>()
        };
        Ok(match c {
            Comparison::Test { path, negated, op, value, set, raw } => {
                let (path, test) = (Path::compile(path, cache), Test::compile(*op, value, set, raw, cache)?);
                Cmp::Test { fallible: path.fallible || test.fallible(), path, not: *negated, test }
            }
            Comparison::Exists { path, negated } => Cmp::Exists { path: Path::compile(path, cache), not: *negated },
            Comparison::And(v) => {
                let all = all(v, cache)?;
                let roots = all.iter().fold(RootType::Many, |t, c| t.and(c.root_type()));
                Cmp::And { fallible: all.iter().any(Cmp::fallible), all, roots }
            }
            Comparison::Or(v) => {
                let any = all(v, cache)?;
                Cmp::Or { fallible: any.iter().any(Cmp::fallible), any }
            }
        })
    }

    /// Whether evaluating it can fail on bad data.
    fn fallible(&self) -> bool {
        match self {
            Cmp::Test { fallible, .. } | Cmp::And { fallible, .. } | Cmp::Or { fallible, .. } => *fallible,
            Cmp::Exists { path, .. } => path.fallible,
        }
    }

    fn root_type(&self) -> RootType {
        match self {
            Cmp::Test { path, .. } | Cmp::Exists { path, .. } => RootType::One(path.type_key),
            Cmp::And { roots, .. } => *roots,
            Cmp::Or { any, .. } => any.iter().fold(RootType::Nothing, |t, c| t.or(c.root_type())),
        }
    }

    /// The [`type_bit`]s of the types of the objects its paths start from: on an observation
    /// with none of these, it tests no value, so it neither holds nor fails.
    pub fn type_bits(&self) -> u64 {
        match self {
            Cmp::Test { path, .. } | Cmp::Exists { path, .. } => type_bit(path.type_key),
            Cmp::And { all: v, .. } | Cmp::Or { any: v, .. } => v.iter().fold(0, |bits, c| bits | c.type_bits()),
        }
    }

    /// The paths it tests, in order.
    pub fn paths<'s>(&'s self, out: &mut Vec<&'s Path>) {
        match self {
            Cmp::Test { path, .. } | Cmp::Exists { path, .. } => out.push(path),
            Cmp::And { all: v, .. } | Cmp::Or { any: v, .. } => v.iter().for_each(|c| c.paths(out)),
        }
    }

    /// Whether it holds for some root object of `obs`.
    pub fn holds(&self, obs: &Observation<'_>) -> Result<bool, MatchError> {
        if let Cmp::Test { path, not, test, fallible: false } = self {
            for (_, root) in obs.roots(0..obs.objects.len(), &path.object_type, path.type_key, path.non_sco) {
                if path.any(root, obs, |v| test.passes(v, *not))? {
                    return Ok(true);
                }
            }
            return Ok(false);
        }
        // A comparison that can fail is tested on every block, so an error in a later block
        // is not hidden by a root found in an earlier one.
        let fallible = self.fallible();
        let mut found = false;
        for start in (0..obs.objects.len()).step_by(BLOCK) {
            found |= self.roots(obs, start)? != 0;
            if found && !fallible {
                break;
            }
        }
        Ok(found)
    }

    /// The root objects among `obs.objects[start..start + BLOCK]` for which it holds, as bits
    /// (bit i: object `start + i`).
    fn roots(&self, obs: &Observation<'_>, start: usize) -> Result<u128, MatchError> {
        let block = start..obs.objects.len().min(start + BLOCK);
        self.combine(&mut |t: Leaf<'_>| {
            let mut out = 0u128;
            for (i, root) in obs.roots(block.clone(), &t.path.object_type, t.path.type_key, t.path.non_sco) {
                if t.holds(root, obs)? {
                    out |= 1 << (i - start);
                }
            }
            Ok(out)
        })
    }

    /// The instances of `ix` (bits, see [`RootIndex`]) whose root object it holds for. Each
    /// distinct object is tested once; a path that follows references, once per instance.
    pub fn instances(&self, ix: &RootIndex<'_>, data: &[Observation<'_>]) -> Result<u128, MatchError> {
        self.combine(&mut |t: Leaf<'_>| {
            let mut out = 0u128;
            for r in ix.of_type(t.path.type_key, &t.path.object_type) {
                if !t.path.derefs {
                    if t.holds(r.value, &data[r.obs as usize])? {
                        out |= r.bits;
                    }
                    continue;
                }
                let mut bits = r.bits;
                while bits != 0 {
                    let i = bits.trailing_zeros() as usize;
                    bits &= bits - 1;
                    if t.holds(r.value, &data[ix.instance_obs(i)])? {
                        out |= 1 << i;
                    }
                }
            }
            Ok(out)
        })
    }

    /// Combines the results of its tests (`test` gives the roots one test holds for, as bits)
    /// through its `AND`s and `OR`s.
    fn combine<F>(&self, test: &mut F) -> Result<u128, MatchError>
    where
        F: FnMut(Leaf<'_>) -> Result<u128, MatchError>,
    {
        match self {
            Cmp::Test { path, not, test: t, .. } => test(Leaf { path, not: *not, test: Some(t) }),
            Cmp::Exists { path, not } => test(Leaf { path, not: *not, test: None }),
            Cmp::And { all, fallible, roots } => {
                // Operands that cannot fail are skipped once the result is known to be empty;
                // those that can are all evaluated, in order, so the same error surfaces.
                if *roots == RootType::Nothing && !fallible {
                    return Ok(0);
                }
                let mut acc = u128::MAX;
                for c in all {
                    let known_empty = *roots == RootType::Nothing || acc == 0;
                    if known_empty && !c.fallible() {
                        continue;
                    }
                    acc &= c.combine(test)?;
                }
                Ok(if *roots == RootType::Nothing { 0 } else { acc })
            }
            Cmp::Or { any, .. } => {
                let mut out = 0;
                for c in any {
                    out |= c.combine(test)?;
                }
                Ok(out)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::{json, Value};

    use crate::matcher::{MatchError, Matcher, Observation};

    fn run(pattern: &str, objects: &[Value]) -> Result<bool, MatchError> {
        let obs = [Observation::new(0, 0, 1, objects.iter().map(|o| ("o", o)).collect())];
        Matcher::new(&crate::parse_pattern(pattern).unwrap())?.matches(&obs)
    }

    #[test]
    fn observations_of_more_than_128_objects_are_tested_block_by_block() {
        // 300 files; the one named "x" with size 7 sits in the third block of 128.
        let mut objects: Vec<Value> =
            (0..300).map(|i| json!({"type": "file", "name": format!("f{i}"), "size": i})).collect();
        objects[250] = json!({"type": "file", "name": "x", "size": 7});
        assert_eq!(run("[file:name = 'x' AND file:size = 7]", &objects), Ok(true));
        // Both sides hold, but on different objects (in different blocks): no one object.
        assert_eq!(run("[file:name = 'x' AND file:size = 5]", &objects), Ok(false));
        assert_eq!(run("[file:name = 'f5' AND file:size = 5]", &objects), Ok(true));
        assert_eq!(run("[file:name = 'nothing' OR file:size = 299]", &objects), Ok(true));
        assert_eq!(run("[file:name = 'nothing' OR file:size = 300]", &objects), Ok(false));
        // A comparison that can fail meets bad data in a later block than the one it holds in.
        objects[200] = json!({"type": "file", "name": "bad", "size": 1, "created": "not a time"});
        objects[10] = json!({"type": "file", "name": "good", "size": 1, "created": "2021-01-01T00:00:00Z"});
        let p = "[file:created > t'2020-01-01T00:00:00Z' AND file:size = 1]";
        assert!(matches!(run(p, &objects), Err(MatchError::Data(_))));
        objects[200] = json!({"type": "file", "name": "fine", "size": 1});
        assert_eq!(run(p, &objects), Ok(true));
    }

    #[test]
    fn short_cuts_keep_errors_from_bad_data() {
        let objects = [
            json!({"type": "ipv4-addr", "value": "10.0.0.1"}),
            json!({"type": "file", "name": "a.txt", "created": "not a time"}),
        ];
        // Operands on two types: no one object satisfies both, yet the timestamp test still
        // meets the bad value, before or after the others.
        for p in [
            "[ipv4-addr:value = '10.0.0.1' AND file:created > t'2020-01-01T00:00:00Z']",
            "[file:created > t'2020-01-01T00:00:00Z' AND ipv4-addr:value = '10.0.0.1']",
            // An operand that fails already emptied the AND: the fallible one still runs.
            "[file:name = 'b.txt' AND file:name = 'a.txt' AND file:created > t'2020-01-01T00:00:00Z']",
            "[file:name = 'b.txt' AND file:name ISSUBSET '10.0.0.0/8']",
        ] {
            assert!(matches!(run(p, &objects), Err(MatchError::Data(_))), "{p}");
        }
        // Without a fallible operand the same shapes give verdicts.
        assert_eq!(run("[ipv4-addr:value = '10.0.0.1' AND file:name = 'a.txt']", &objects), Ok(false));
        assert_eq!(run("[file:name = 'b.txt' AND file:name LIKE 'a%']", &objects), Ok(false));
        assert_eq!(run("[file:name = 'a.txt' AND file:name LIKE 'a%']", &objects), Ok(true));
        assert_eq!(run("[file:name = 'b.txt' OR ipv4-addr:value = '10.0.0.1']", &objects), Ok(true));
        // A test that cannot fail stops at the first object it holds for; one that can goes on.
        let two = [json!({"type": "file", "name": "10.1.2.3"}), json!({"type": "file", "name": "bad"})];
        assert_eq!(run("[file:name LIKE '10.%']", &two), Ok(true));
        assert!(matches!(run("[file:name ISSUBSET '10.0.0.0/8']", &two), Err(MatchError::Data(_))));
    }
}
