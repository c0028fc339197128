//! Evaluates compiled expressions against one event, resolving each field once.

use std::borrow::Cow;

use seawall_core::{Map, Value};

use crate::compile::FieldTable;
use crate::expr::{Expr, Matcher, Slot};
use crate::keyindex::{key_hash, object_and_entry, place_of, KeyIndex, ABSENT, UNKNOWN};
use crate::modifier::Modifier;
use crate::pattern::{fold, push_folded};

/// A field of the event: its slot, value, and folded text when it is a string.
/// (The last part is the value's number in the thread's verdict memory, 0 until wanted.)
type Resolved<'e> = (Slot, Option<&'e Value>, Folded<'e>, u64);

/// Folded text of a string field: the value itself when already lower-case, else a range of the
/// event's folding buffer (one buffer per event instead of one allocation per field). A number
/// is written into the buffer when its text is first wanted, then kept like a string's.
#[derive(Clone, Copy)]
enum Folded<'e> {
    None,
    Borrowed(&'e str),
    Buffer(u32, u32),
    Number(&'e seawall_core::Number),
    /// A string not folded yet: folded when its text is first wanted (a field resolved only
    /// to test its presence, or whose literals the scan memo already knows, never is).
    Unfolded(&'e str),
}

/// Where each slot sits in an event's cache, reused across events (a generation number marks
/// stale entries, so nothing is cleared between events).
#[derive(Default)]
pub struct SlotIndex {
    generation: u32,
    pos: Vec<(u32, u32)>,
    /// The folding buffer, lent to each event's context and given back when it ends.
    folded: String,
    /// The allocations of the per-event caches, kept empty between events.
    cache: Vec<Resolved<'static>>,
    containers: Vec<Option<Option<&'static Value>>>,
    objects: Vec<&'static Map>,
    /// The event's keys: its shape, and a hash index over its top-level keys.
    root_keys: KeyIndex,
    /// Verdicts of matchers on values seen before, kept across events.
    verdicts: crate::verdicts::VerdictMemo,
}

/// Empties a vector and hands its allocation to a vector of the same element type with another
/// lifetime (an empty in-place collect reuses the buffer), so per-event caches cost no
/// allocation once warm.
fn recycle<'a, 'b, T: Recyclable<'a, 'b>>(mut v: Vec<T>) -> Vec<T::Other> {
    v.clear();
    v.into_iter().map(|_| unreachable!("the vector was cleared")).collect()
}

/// Pairs of types that differ only in a lifetime.
trait Recyclable<'a, 'b> {
    type Other;
}
impl<'a, 'b> Recyclable<'a, 'b> for Resolved<'a> {
    type Other = Resolved<'b>;
}
impl<'a, 'b> Recyclable<'a, 'b> for Option<Option<&'a Value>> {
    type Other = Option<Option<&'b Value>>;
}
impl<'a, 'b> Recyclable<'a, 'b> for &'a Map {
    type Other = &'b Map;
}

/// Per-event state: resolved fields and their folded text, computed on first use.
pub struct EventCtx<'e, 't, 's> {
    root: &'e Value,
    table: &'t FieldTable,
    cache: Vec<Resolved<'e>>,
    containers: Vec<Option<Option<&'e Value>>>,
    /// The event's objects, depth first, as its shape lists them (places point into them).
    objects: Vec<&'e Map>,
    index: &'s mut SlotIndex,
    folded: String,
    leaves: Option<Vec<Cow<'e, str>>>,
    /// Whether `index.root_keys` holds this event's top-level keys (None: not built yet; false:
    /// the event is not an object).
    root_indexed: Option<bool>,
}

impl Drop for EventCtx<'_, '_, '_> {
    fn drop(&mut self) {
        let mut buf = std::mem::take(&mut self.folded);
        buf.clear();
        self.index.folded = buf;
        self.index.cache = recycle(std::mem::take(&mut self.cache));
        self.index.containers = recycle(std::mem::take(&mut self.containers));
        self.index.objects = recycle(std::mem::take(&mut self.objects));
    }
}

impl<'e, 't, 's> EventCtx<'e, 't, 's> {
    pub fn new(root: &'e Value, table: &'t FieldTable, index: &'s mut SlotIndex) -> Self {
        index.generation = index.generation.wrapping_add(1);
        if index.generation == 0 {
            index.pos.iter_mut().for_each(|p| *p = (0, 0));
            index.generation = 1;
        }
        if index.pos.len() < table.len() {
            index.pos.resize(table.len(), (0, 0));
        }
        EventCtx {
            root,
            table,
            cache: recycle(std::mem::take(&mut index.cache)),
            // Grown as containers are looked up: most events never look one up.
            containers: recycle(std::mem::take(&mut index.containers)),
            folded: std::mem::take(&mut index.folded),
            objects: recycle(std::mem::take(&mut index.objects)),
            index,
            leaves: None,
            root_indexed: None,
        }
    }

    /// Indexes the top level's keys on first use; false when the event is not an object.
    fn root_indexed(&mut self) -> bool {
        *self.root_indexed.get_or_insert_with(|| {
            let Some(root) = self.root.as_object() else { return false };
            self.index.root_keys.build(root, &mut self.objects);
            true
        })
    }

    /// Where a top-level key is among the entries, by the key and its hash.
    fn root_position(&mut self, key: &str, hash: u32) -> Option<usize> {
        if !self.root_indexed() {
            return None;
        }
        self.index.root_keys.position(self.root.as_object()?, key, hash)
    }

    /// A top-level field, by key and the key's hash.
    fn root_get(&mut self, key: &str, hash: u32) -> Option<&'e Value> {
        let at = self.root_position(key, hash)?;
        Some(&self.root.as_object()?.entries()[at].1)
    }

    /// The folded text of the field at cache position `i` (`None`: not text).
    #[inline(always)]
    fn folded(&mut self, i: usize) -> Option<&str> {
        if let Folded::Number(_) | Folded::Unfolded(_) = self.cache[i].2 {
            self.fold_into_cache(i);
        }
        match self.cache[i].2 {
            Folded::None | Folded::Number(_) | Folded::Unfolded(_) => None,
            Folded::Borrowed(s) => Some(s),
            Folded::Buffer(a, b) => Some(&self.folded[a as usize..b as usize]),
        }
    }

    /// Folds a field's text on first use (out of line, like `resolve_into_cache`).
    #[inline(never)]
    fn fold_into_cache(&mut self, i: usize) {
        match self.cache[i].2 {
            Folded::Number(n) => {
                let a = self.folded.len();
                n.push_to(&mut self.folded);
                self.cache[i].2 = Folded::Buffer(a as u32, self.folded.len() as u32);
            }
            Folded::Unfolded(s) => {
                self.cache[i].2 = if !crate::pattern::changes_when_folded(s) {
                    Folded::Borrowed(s)
                } else {
                    // Folded straight into the event's buffer, without a string of its own.
                    let a = self.folded.len();
                    push_folded(&mut self.folded, s);
                    Folded::Buffer(a as u32, self.folded.len() as u32)
                };
            }
            _ => {}
        }
    }

    fn container(&mut self, id: u32) -> Option<&'e Value> {
        if let Some(&Some(c)) = self.containers.get(id as usize) {
            return c;
        }
        let segs = &self.table.containers[id as usize];
        let found = match segs.split_first() {
            // The first step through the top level's key index; when that path is not there,
            // keys holding dots (`"Event.EventData"`) and `*` steps take the general path.
            Some((first, rest)) if first != "*" => {
                match self.root_get(first, key_hash(first)).and_then(|v| resolve(v, rest)) {
                    Some(v) => Some(v),
                    None if self.root_has_dotted_keys() => resolve(self.root, segs),
                    None => None,
                }
            }
            _ => resolve(self.root, segs),
        }
        .filter(|v| v.is_object());
        if self.containers.len() <= id as usize {
            self.containers.resize(id as usize + 1, None);
        }
        self.containers[id as usize] = Some(found);
        found
    }

    /// Whether any top-level key holds a dot (flattened JSON such as `"process.name"`); only
    /// then are whole dotted paths worth looking up as keys.
    fn root_has_dotted_keys(&mut self) -> bool {
        // Found while the keys were indexed.
        self.root_indexed() && self.index.root_keys.dotted
    }

    /// The value of a field: read at its place in the event's shape, or else searched for,
    /// and its place (or absence) kept for the next event of the shape.
    fn lookup(&mut self, slot: Slot) -> Option<&'e Value> {
        if !self.root_indexed() {
            return None;
        }
        match self.index.root_keys.place(slot) {
            UNKNOWN => {}
            ABSENT => return None,
            place => {
                let (object, entry) = object_and_entry(place);
                return self.objects.get(object).and_then(|m| m.entries().get(entry)).map(|(_, v)| v);
            }
        }
        let found = self.search(slot);
        let place = match found {
            None => ABSENT,
            Some(v) => self.place_of_value(v),
        };
        if place != UNKNOWN {
            self.index.root_keys.set_place(slot, place);
        }
        found
    }

    /// Where in the event's objects `v` is an entry's value ([`UNKNOWN`] if nowhere, which a
    /// search never returns).
    fn place_of_value(&self, v: &Value) -> u32 {
        // The entry is found by its address: a value lies inside one object's entries.
        let at = v as *const Value as usize;
        let size = std::mem::size_of::<(seawall_core::Text, Value)>();
        for (o, m) in self.objects.iter().enumerate() {
            let entries = m.entries();
            let start = entries.as_ptr() as usize;
            if (start..start + std::mem::size_of_val(entries)).contains(&at) {
                let e = (at - start) / size;
                if entries.get(e).is_some_and(|(_, x)| std::ptr::eq(x, v)) {
                    return place_of(o, e);
                }
            }
        }
        UNKNOWN
    }

    /// Looks for a field in each of its places in turn. It reads keys, and whether values are
    /// objects, and nothing else: so where it finds a field follows from the event's shape.
    fn search(&mut self, slot: Slot) -> Option<&'e Value> {
        let table = self.table;
        for spec in &table.specs[slot as usize] {
            if let Some(c) = self.container(spec.container) {
                let found = if let Some(full) = &spec.star_path {
                    // `*` containers resolve to their first match; look in every candidate.
                    resolve(self.root, full)
                } else if table.containers[spec.container as usize].is_empty() {
                    self.root_get(&spec.key, spec.hash)
                } else {
                    c.get(spec.key.as_str())
                };
                if let Some(v) = found {
                    return Some(unwrap_text(v));
                }
            }
            if let Some(flat) = &spec.flat {
                if self.root_has_dotted_keys() {
                    if let Some(v) = self.root.get(flat.as_str()) {
                        return Some(unwrap_text(v));
                    }
                }
            }
        }
        None
    }

    /// Where a field sits in the event's cache, resolving it on first use.
    #[inline(always)]
    fn position(&mut self, slot: Slot) -> usize {
        let (g, p) = self.index.pos[slot as usize];
        if g == self.index.generation {
            return p as usize;
        }
        self.resolve_into_cache(slot)
    }

    /// Resolves a field and caches it. Kept out of line: inlined, its registers made every
    /// cached lookup pay for saving and restoring them.
    #[inline(never)]
    fn resolve_into_cache(&mut self, slot: Slot) -> usize {
        let found = self.lookup(slot);
        let folded = match found {
            Some(Value::String(s)) => Folded::Unfolded(s),
            Some(Value::Number(n)) => Folded::Number(n),
            Some(Value::Bool(b)) => Folded::Borrowed(if *b { "true" } else { "false" }),
            _ => Folded::None,
        };
        self.cache.push((slot, found, folded, 0));
        let p = self.cache.len() - 1;
        self.index.pos[slot as usize] = (self.index.generation, p as u32);
        p
    }

    /// Calls `f` with each value of a field as folded text (numbers as written).
    pub fn for_each_folded(&mut self, slot: Slot, f: &mut dyn FnMut(&str)) {
        let i = self.position(slot);
        if let Some(folded) = self.folded(i) {
            f(folded);
            return;
        }
        if let Some(v) = self.cache[i].1 {
            any_scalar(v, &mut |s| {
                f(&fold(s));
                false
            });
        }
    }

    pub fn get(&mut self, slot: Slot) -> Option<&'e Value> {
        let i = self.position(slot);
        self.cache[i].1
    }

    pub fn eval(&mut self, e: &Expr) -> bool {
        match e {
            Expr::And(items) => items.iter().all(|i| self.eval_operand(i)),
            Expr::Or(items) => items.iter().any(|i| self.eval_operand(i)),
            Expr::Not(inner) => !self.eval_operand(inner),
            Expr::Const(b) => *b,
            Expr::Field(slot, m) => self.field(*slot, m),
            Expr::Keyword(m) => self.keyword(m),
        }
    }

    /// An operand: a field test is made here, anything else through `eval`. (Field tests are
    /// most operands; calling `field` straight spares them a step of the recursion, and `eval`
    /// stays small, so each step saves few registers.)
    #[inline(always)]
    fn eval_operand(&mut self, e: &Expr) -> bool {
        match e {
            Expr::Field(slot, m) => self.field(*slot, m),
            _ => self.eval(e),
        }
    }

    /// Whether a field meets a matcher. Out of line (see `eval_operand`).
    #[inline(never)]
    fn field(&mut self, slot: Slot, m: &Matcher) -> bool {
        let i = self.position(slot);
        match (m, self.cache[i].1) {
            // Tests of text whose verdict depends on the text alone: remembered.
            (Matcher::Str(_) | Matcher::StrCased(_) | Matcher::Regex(_), Some(Value::String(s))) => {
                let id = match self.cache[i].3 {
                    0 => {
                        let id = self.index.verdicts.value_id(s);
                        self.cache[i].3 = id;
                        id
                    }
                    id => id,
                };
                let key = m as *const Matcher as usize;
                if id == 0 {
                    return self.test(i, m);
                }
                if let Some(holds) = self.index.verdicts.get(key, id) {
                    return holds;
                }
                let holds = self.test(i, m);
                self.index.verdicts.put(key, id, holds);
                holds
            }
            _ => self.test(i, m),
        }
    }

    /// Whether the field at cache position `i` meets the matcher.
    fn test(&mut self, i: usize, m: &Matcher) -> bool {
        let value = self.cache[i].1;
        match m {
            Matcher::Exists(want) => value.is_some() == *want,
            Matcher::Null => matches!(value, None | Some(Value::Null)),
            Matcher::Str(pats) => {
                if let Some(f) = self.folded(i) {
                    return pats.any_match(f);
                }
                let Some(v) = value else { return false };
                any_scalar(v, &mut |s| pats.any_match(&fold(s)))
            }
            Matcher::FieldRef { other, cased } => {
                let Some(v) = value else { return false };
                let Some(o) = self.get(*other) else {
                    return false;
                };
                let (a, b) = (scalar_text(v), scalar_text(o));
                match (a, b) {
                    (Some(a), Some(b)) if *cased => a == b,
                    // ASCII folds to ASCII of the same length: compared in place, unallocated.
                    (Some(a), Some(b)) if a.is_ascii() && b.is_ascii() => a.eq_ignore_ascii_case(&b),
                    (Some(a), Some(b)) => fold(&a) == fold(&b),
                    _ => false,
                }
            }
            other => match value {
                Some(v) => match_value(v, other),
                None => false,
            },
        }
    }

    fn keyword(&mut self, m: &Matcher) -> bool {
        if self.leaves.is_none() {
            let mut leaves = Vec::new();
            collect_leaves(self.root, &mut leaves);
            self.leaves = Some(leaves);
        }
        let leaves = self.leaves.as_deref().unwrap_or(&[]);
        match m {
            Matcher::Str(pats) => leaves.iter().any(|l| pats.any_match(&fold(l))),
            Matcher::StrCased(pats) => leaves.iter().any(|l| pats.any_match(l)),
            Matcher::Regex(re) => leaves.iter().any(|l| re.is_match(l)),
            _ => false,
        }
    }
}

/// Values matched directly (no folding cache needed).
fn match_value(v: &Value, m: &Matcher) -> bool {
    match m {
        Matcher::StrCased(pats) => any_scalar(v, &mut |s| pats.any_match(s)),
        Matcher::Regex(re) => any_scalar(v, &mut |s| re.is_match(s)),
        Matcher::Cidr(net) => {
            any_scalar(v, &mut |s| s.trim().parse::<std::net::IpAddr>().is_ok_and(|ip| net.contains(&ip)))
        }
        Matcher::Num(op, n) => any_scalar(v, &mut |s| as_number(s).is_some_and(|x| op.holds(x, *n))),
        Matcher::TimePart { part, op, value } => {
            any_scalar(v, &mut |s| time_part(s, *part).is_some_and(|x| op.holds(x, *value)))
        }
        _ => false,
    }
}

fn as_number(s: &str) -> Option<f64> {
    let t = s.trim();
    if let Some(hex) = t.strip_prefix("0x").or_else(|| t.strip_prefix("0X")) {
        return u64::from_str_radix(hex, 16).ok().map(|n| n as f64);
    }
    t.parse().ok()
}

fn time_part(s: &str, part: Modifier) -> Option<f64> {
    let civil = s.trim().replace(' ', "T");
    let dt: jiff::civil::DateTime = match civil.parse::<jiff::Timestamp>() {
        Ok(ts) => ts.to_zoned(jiff::tz::TimeZone::UTC).datetime(),
        Err(_) => civil.parse().ok()?,
    };
    Some(match part {
        Modifier::Minute => dt.minute() as f64,
        Modifier::Hour => dt.hour() as f64,
        Modifier::Day => dt.day() as f64,
        Modifier::Week => dt.date().iso_week_date().week() as f64,
        Modifier::Month => dt.month() as f64,
        Modifier::Year => dt.year() as f64,
        _ => return None,
    })
}

/// The `#text` of an XML-derived element that also carries attributes (`EventID` with
/// `Qualifiers`), else the value itself.
fn unwrap_text(v: &Value) -> &Value {
    match v {
        Value::Object(m) => m.get("#text").unwrap_or(v),
        _ => v,
    }
}

/// Calls `f` on each scalar of a value as text (lists are searched element by element) until
/// it returns true.
fn any_scalar(v: &Value, f: &mut dyn FnMut(&str) -> bool) -> bool {
    match v {
        Value::String(s) => f(s),
        // Integers are written on the stack: numeric fields (event ids, process ids) are
        // tested often.
        Value::Number(n) => n.with_text(f),
        Value::Bool(b) => f(if *b { "true" } else { "false" }),
        Value::Array(items) => items.iter().any(|i| any_scalar(unwrap_text(i), f)),
        Value::Object(m) => m.get("#text").is_some_and(|t| any_scalar(t, f)),
        Value::Null => false,
    }
}

fn scalar_text(v: &Value) -> Option<Cow<'_, str>> {
    match v {
        Value::String(s) => Some(Cow::Borrowed(s)),
        Value::Number(n) => Some(Cow::Owned(n.with_text(str::to_string))),
        Value::Bool(b) => Some(Cow::Borrowed(if *b { "true" } else { "false" })),
        _ => None,
    }
}

/// Every scalar leaf of an event as text (keyword searches and the prefilter scan these).
pub fn collect_leaves<'e>(v: &'e Value, out: &mut Vec<Cow<'e, str>>) {
    match v {
        Value::String(s) => out.push(Cow::Borrowed(s)),
        Value::Number(n) => out.push(Cow::Owned(n.with_text(str::to_string))),
        Value::Bool(b) => out.push(Cow::Borrowed(if *b { "true" } else { "false" })),
        Value::Array(items) => items.iter().for_each(|i| collect_leaves(i, out)),
        Value::Object(m) => m.values().for_each(|i| collect_leaves(i, out)),
        Value::Null => {}
    }
}

/// Resolves pre-split path segments; `*` matches any key, and keys that themselves contain dots
/// (flattened JSON such as `"process.name"`) are found too.
pub fn resolve<'e>(v: &'e Value, segs: &[String]) -> Option<&'e Value> {
    let Some((first, rest)) = segs.split_first() else {
        return Some(v);
    };
    let map = v.as_object()?;
    if first == "*" {
        return map.values().find_map(|child| resolve(child, rest));
    }
    if let Some(found) = map.get(first.as_str()).and_then(|child| resolve(child, rest)) {
        return Some(found);
    }
    // Flattened keys spelling several steps out (`"a.b": {...}`), shortest first; compared in
    // place, since building each joined key cost an allocation per step and lookup.
    for j in 1..segs.len() {
        let joined = &segs[..=j];
        let len = joined.iter().map(String::len).sum::<usize>() + j;
        let child = map.iter().find_map(|(k, child)| (k.len() == len && spells(k, joined)).then_some(child));
        if let Some(found) = child.and_then(|child| resolve(child, &segs[j + 1..])) {
            return Some(found);
        }
    }
    None
}

/// Whether `key` is `segs` joined by dots.
fn spells(key: &str, segs: &[String]) -> bool {
    let mut rest = key;
    for (i, seg) in segs.iter().enumerate() {
        if i > 0 {
            let Some(r) = rest.strip_prefix('.') else { return false };
            rest = r;
        }
        let Some(r) = rest.strip_prefix(seg.as_str()) else { return false };
        rest = r;
    }
    rest.is_empty()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn path(p: &str) -> Vec<String> {
        p.split('.').map(String::from).collect()
    }

    #[test]
    fn paths_resolve_through_nested_and_flattened_keys() {
        let v: Value = serde_json::from_str(
            r#"{"a": {"b": {"c": 1}}, "a.b": {"c": 2, "d": 3}, "x.y.z": 4, "x.y": {"w": 5},
                "p": {"q.r": 6}, "m.nn": {"o": 7}, "m": {"n": 8}}"#,
        )
        .expect("json");
        let got = |p: &str| resolve(&v, &path(p)).and_then(Value::as_i64);
        assert_eq!(got("a.b.c"), Some(1), "the nested path first");
        assert_eq!(got("a.b.d"), Some(3), "then a key spelling two steps");
        assert_eq!(got("x.y.z"), Some(4));
        assert_eq!(got("x.y.w"), Some(5));
        assert_eq!(got("p.q.r"), Some(6), "flattened keys below the top level");
        assert_eq!(got("m.nn.o"), Some(7));
        assert_eq!(got("m.n.o"), None, "`m.n` is not `m.nn`");
        assert_eq!(got("m.n"), Some(8));
        assert_eq!(got("a.bc"), None);
        assert!(resolve(&v, &path("x.y")).is_some_and(Value::is_object), "a flattened key naming an object");
    }
}
