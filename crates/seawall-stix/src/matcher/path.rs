//! Object paths compiled for evaluation, and the walk that visits the values a path reaches
//! from a root object: depth first, without collecting the values.
//!
//! The reference walks a path breadth first, so a value that cannot be walked (a `*_hex`
//! property that is not hex, a reference that is not a string) is an error even where another
//! value already passed the test. A depth-first walk gives the same verdicts and errors if,
//! once a path can fail that way, it goes on to the end after the test passed (testing no
//! more values): a walk fails exactly when some value on it cannot be walked or a value
//! before the first that passes fails its test.

use std::sync::Arc;

use serde_json::Value;

use super::compare::{CompileCache, PathValue};
use super::observed::{is_non_sco, type_key};
use super::{field, MatchError, Observation};
use crate::pattern::{ObjectPath, PathStep};

#[derive(Debug, Clone, Copy, PartialEq)]
enum Decode {
    None,
    Hex,
    Base64,
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Deref {
    None,
    One,
    List,
}

#[derive(Debug)]
enum Step {
    Key { name: Arc<str>, decode: Decode, deref: Deref },
    Index(i64),
    Any,
}

#[derive(Debug)]
pub(super) struct Path {
    pub object_type: Arc<str>,
    /// `observed::type_key` of the type.
    pub type_key: u64,
    steps: Box<[Step]>,
    /// An SDO/SRO type, never a comparison root in STIX 2.1 observed data.
    pub non_sco: bool,
    /// Some step decodes binary or follows references, so walking it can fail: the walk then
    /// goes on after the test passed (see the module text).
    pub fallible: bool,
    /// Some step follows references, which resolve inside the observation that holds the root.
    pub derefs: bool,
}

impl Path {
    pub fn compile(p: &ObjectPath, cache: &mut CompileCache) -> Path {
        let steps: Box<[Step]> = p
            .steps
            .iter()
            .map(|s| match s {
                PathStep::Key(k) => Step::Key {
                    name: cache.text(k),
                    decode: by_suffix(k, &[("_hex", Decode::Hex), ("_bin", Decode::Base64)], Decode::None),
                    deref: by_suffix(k, &[("_ref", Deref::One), ("_refs", Deref::List)], Deref::None),
                },
                PathStep::Index(i) => Step::Index(*i),
                PathStep::AnyIndex => Step::Any,
            })
            .collect();
        let fallible = steps
            .iter()
            .any(|s| matches!(s, Step::Key { decode, deref, .. } if *decode != Decode::None || *deref != Deref::None));
        let derefs = steps.iter().any(|s| matches!(s, Step::Key { deref, .. } if *deref != Deref::None));
        Path {
            derefs,
            non_sco: is_non_sco(&p.object_type),
            type_key: type_key(&p.object_type),
            object_type: cache.text(&p.object_type),
            steps,
            fallible,
        }
    }

    /// Whether some value the path reaches from `root` passes `test` (`Ok(true)` stops the
    /// search).
    pub fn any<'a, F>(&self, root: &'a Value, obs: &Observation<'a>, mut test: F) -> Result<bool, MatchError>
    where
        F: FnMut(&PathValue<'a>) -> Result<bool, MatchError>,
    {
        // Most paths name one plain property: no walk needed.
        if let [Step::Key { name, decode: Decode::None, deref: Deref::None }] = &*self.steps {
            return match root {
                Value::Object(m) => field(m, name).map_or(Ok(false), |v| test(&PathValue::Json(v))),
                _ => Ok(false),
            };
        }
        if !self.fallible {
            return plain(&self.steps, root, &mut test);
        }
        let mut walk = Walk { obs, fallible: self.fallible, found: false, test: &mut test };
        walk.visit(&self.steps, At::Json(root))?;
        Ok(walk.found)
    }
}

/// The walk of a path that neither decodes nor follows references, so cannot fail: keys and
/// indices step down in a loop, `[*]` tries each element in turn; the first value that passes
/// ends it (as [`Walk`] does for such a path).
fn plain<'a, F>(steps: &[Step], mut at: &'a Value, test: &mut F) -> Result<bool, MatchError>
where
    F: FnMut(&PathValue<'a>) -> Result<bool, MatchError>,
{
    for (n, step) in steps.iter().enumerate() {
        let next = match (step, at) {
            (Step::Key { name, .. }, Value::Object(m)) => field(m, name),
            (Step::Index(i), Value::Array(a)) => usize::try_from(*i).ok().and_then(|i| a.get(i)),
            (Step::Any, Value::Array(a)) => {
                for x in a {
                    if plain(&steps[n + 1..], x, test)? {
                        return Ok(true);
                    }
                }
                return Ok(false);
            }
            _ => None,
        };
        match next {
            Some(x) => at = x,
            None => return Ok(false),
        }
    }
    test(&PathValue::Json(at))
}

/// What the first suffix in `table` that `key` ends with gives, else `default`.
fn by_suffix<T: Copy>(key: &str, table: &[(&str, T)], default: T) -> T {
    table.iter().find(|(suffix, _)| key.ends_with(suffix)).map_or(default, |(_, v)| *v)
}

/// Where a walk stands.
enum At<'a> {
    Json(&'a Value),
    /// A `*_hex` or `*_bin` property, decoded.
    Bytes(Vec<u8>),
    /// A list of references (all strings, at least one resolving): indexing it takes the
    /// objects they resolve to, in order.
    Refs(&'a [Value]),
}

struct Walk<'w, 'a> {
    obs: &'w Observation<'a>,
    fallible: bool,
    found: bool,
    test: &'w mut dyn FnMut(&PathValue<'a>) -> Result<bool, MatchError>,
}

impl<'a> Walk<'_, 'a> {
    /// The objects a list of references resolves to, in order.
    fn resolved(&self, ids: &'a [Value]) -> impl Iterator<Item = &'a Value> + '_ {
        ids.iter().filter_map(Value::as_str).flat_map(|id| self.obs.resolved(id))
    }

    /// Whether the walk is over: a value passed and no later value can fail to be walked.
    fn done(&self) -> bool {
        self.found && !self.fallible
    }

    fn visit(&mut self, steps: &[Step], at: At<'a>) -> Result<(), MatchError> {
        let Some((step, rest)) = steps.split_first() else {
            if !self.found {
                let v = match at {
                    At::Json(v) => PathValue::Json(v),
                    At::Bytes(b) => PathValue::Bytes(b),
                    // A list of objects compares with nothing: its contents do not matter.
                    At::Refs(_) => PathValue::Objects(Vec::new()),
                };
                self.found = (self.test)(&v)?;
            }
            return Ok(());
        };
        match (step, at) {
            (Step::Key { name, decode, deref }, At::Json(Value::Object(m))) => {
                let Some(x) = field(m, name) else { return Ok(()) };
                match deref {
                    Deref::None => match decode {
                        Decode::None => self.visit(rest, At::Json(x)),
                        d => self.visit(rest, At::Bytes(decoded(x, *d)?)),
                    },
                    Deref::One => {
                        let Value::String(id) = x else {
                            return Err(MatchError::Data(format!(
                                "the value of reference property '{name}' is not a string"
                            )));
                        };
                        for o in self.obs.resolved(id) {
                            self.visit(rest, At::Json(o))?;
                            if self.done() {
                                break;
                            }
                        }
                        Ok(())
                    }
                    Deref::List => {
                        let Value::Array(ids) = x else {
                            return Err(MatchError::Data(format!(
                                "the value of reference list property '{name}' is not a list"
                            )));
                        };
                        if ids.iter().any(|id| !id.is_string()) {
                            return Err(MatchError::Data(format!(
                                "a value of reference property '{name}' is not a string"
                            )));
                        }
                        if self.resolved(ids).next().is_some() {
                            self.visit(rest, At::Refs(ids))?;
                        }
                        Ok(())
                    }
                }
            }
            (Step::Index(i), at) => {
                let Ok(i) = usize::try_from(*i) else { return Ok(()) };
                let next = match at {
                    At::Json(Value::Array(a)) => a.get(i),
                    At::Refs(ids) => self.resolved(ids).nth(i),
                    _ => None,
                };
                match next {
                    Some(x) => self.visit(rest, At::Json(x)),
                    None => Ok(()),
                }
            }
            (Step::Any, At::Json(Value::Array(a))) => {
                for x in a {
                    self.visit(rest, At::Json(x))?;
                    if self.done() {
                        break;
                    }
                }
                Ok(())
            }
            (Step::Any, At::Refs(ids)) => {
                for id in ids.iter().filter_map(Value::as_str) {
                    for o in self.obs.resolved(id) {
                        self.visit(rest, At::Json(o))?;
                        if self.done() {
                            return Ok(());
                        }
                    }
                }
                Ok(())
            }
            _ => Ok(()),
        }
    }
}

fn decoded(v: &Value, d: Decode) -> Result<Vec<u8>, MatchError> {
    let s = v.as_str().ok_or_else(|| MatchError::Data(format!("a *_hex or *_bin property is not a string: {v}")))?;
    let bytes = match d {
        Decode::Hex => crate::pattern::hex(s),
        _ => crate::pattern::base64(s),
    };
    bytes.ok_or_else(|| MatchError::Data(format!("cannot decode binary property value '{s}'")))
}
