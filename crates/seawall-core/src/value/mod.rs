//! Field values of an event: nested and typed (string, number, bool, null, list, map).
//!
//! Readers build millions of these a second, so the representation avoids allocating per field:
//! strings of up to 24 bytes (most keys, addresses, ports, names) are stored inline, and a map is
//! one vector of entries kept in insertion order rather than a hash table with its index and
//! boxed keys. Lookups scan the entries, which for the tens of keys an event holds is as fast
//! as hashing the key. Each thread recycles the entry buffers of the objects it drops
//! (`pool.rs`). The API follows `serde_json::Value` where it can, so code reads the same.

mod map;
mod pool;
mod serde_impls;

use std::fmt;

pub use map::Map;

/// Text of a key or a string value: inline up to 24 bytes, on the heap beyond.
pub type Text = compact_str::CompactString;

/// A JSON-like value.
///
/// The tag is a whole word: with a one-byte tag the compiler copied a value as a byte, then
/// pieces of the padding after it, then the payload, and reading those pieces back from the
/// stores that built the value stalled the processor on every field a reader set.
#[derive(Clone, Debug, Default, PartialEq)]
#[repr(u64)]
pub enum Value {
    #[default]
    Null,
    Bool(bool),
    Number(Number),
    String(Text),
    Array(Vec<Value>),
    Object(Map),
}

/// A number: an unsigned or negative integer, or a finite float.
#[derive(Clone, Copy, Debug)]
pub struct Number(N);

#[derive(Clone, Copy, Debug)]
enum N {
    /// Always non-negative integers.
    Pos(u64),
    /// Always negative integers.
    Neg(i64),
    /// Always finite.
    Float(f64),
}

impl PartialEq for Number {
    fn eq(&self, other: &Number) -> bool {
        match (self.0, other.0) {
            (N::Pos(a), N::Pos(b)) => a == b,
            (N::Neg(a), N::Neg(b)) => a == b,
            (N::Float(a), N::Float(b)) => a == b,
            _ => false,
        }
    }
}

impl Number {
    /// A float, unless it is NaN or infinite (JSON has neither).
    pub fn from_f64(f: f64) -> Option<Number> {
        f.is_finite().then_some(Number(N::Float(f)))
    }

    pub fn as_i64(&self) -> Option<i64> {
        match self.0 {
            N::Pos(u) => i64::try_from(u).ok(),
            N::Neg(i) => Some(i),
            N::Float(_) => None,
        }
    }

    pub fn as_u64(&self) -> Option<u64> {
        match self.0 {
            N::Pos(u) => Some(u),
            _ => None,
        }
    }

    pub fn as_f64(&self) -> Option<f64> {
        Some(match self.0 {
            N::Pos(u) => u as f64,
            N::Neg(i) => i as f64,
            N::Float(f) => f,
        })
    }

    /// Appends the number as [`Display`](fmt::Display) writes it (see [`Number::with_text`]):
    /// matchers write every number of an event this way.
    pub fn push_to(&self, buf: &mut String) {
        self.with_text(|t| buf.push_str(t));
    }

    /// Calls `f` with the number as [`Display`](fmt::Display) writes it; integers are written
    /// on the stack, without the formatting machinery.
    pub fn with_text<R>(&self, f: impl FnOnce(&str) -> R) -> R {
        match self.0 {
            N::Pos(u) => f(itoa::Buffer::new().format(u)),
            N::Neg(i) => f(itoa::Buffer::new().format(i)),
            N::Float(_) => f(&self.to_string()),
        }
    }

    fn to_json(self) -> serde_json::Number {
        match self.0 {
            N::Pos(u) => u.into(),
            N::Neg(i) => i.into(),
            N::Float(f) => serde_json::Number::from_f64(f).unwrap_or_else(|| 0.into()),
        }
    }
}

impl fmt::Display for Number {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The same digits as serde_json writes.
        fmt::Display::fmt(&self.to_json(), f)
    }
}

macro_rules! number_from_unsigned {
    ($($t:ty)*) => {$(
        impl From<$t> for Number {
            fn from(v: $t) -> Number {
                Number(N::Pos(v as u64))
            }
        }
        impl From<$t> for Value {
            fn from(v: $t) -> Value {
                Value::Number(v.into())
            }
        }
    )*};
}
number_from_unsigned!(u8 u16 u32 u64 usize);

macro_rules! number_from_signed {
    ($($t:ty)*) => {$(
        impl From<$t> for Number {
            fn from(v: $t) -> Number {
                let v = v as i64;
                if v < 0 { Number(N::Neg(v)) } else { Number(N::Pos(v as u64)) }
            }
        }
        impl From<$t> for Value {
            fn from(v: $t) -> Value {
                Value::Number(v.into())
            }
        }
    )*};
}
number_from_signed!(i8 i16 i32 i64 isize);

impl From<f64> for Value {
    /// NaN and infinities become `null`, as in JSON.
    fn from(f: f64) -> Value {
        Number::from_f64(f).map_or(Value::Null, Value::Number)
    }
}

impl From<bool> for Value {
    fn from(b: bool) -> Value {
        Value::Bool(b)
    }
}

impl From<&str> for Value {
    fn from(s: &str) -> Value {
        Value::String(Text::new(s))
    }
}

impl From<String> for Value {
    fn from(s: String) -> Value {
        Value::String(Text::from(s))
    }
}

impl From<&String> for Value {
    fn from(s: &String) -> Value {
        Value::String(Text::new(s))
    }
}

impl From<Text> for Value {
    fn from(s: Text) -> Value {
        Value::String(s)
    }
}

impl<T: Into<Value>> From<Vec<T>> for Value {
    fn from(v: Vec<T>) -> Value {
        Value::Array(v.into_iter().map(Into::into).collect())
    }
}

impl From<Map> for Value {
    fn from(m: Map) -> Value {
        Value::Object(m)
    }
}

impl<T: Into<Value>> From<Option<T>> for Value {
    fn from(v: Option<T>) -> Value {
        v.map_or(Value::Null, Into::into)
    }
}

impl From<serde_json::Value> for Value {
    fn from(v: serde_json::Value) -> Value {
        match v {
            serde_json::Value::Null => Value::Null,
            serde_json::Value::Bool(b) => Value::Bool(b),
            serde_json::Value::Number(n) => {
                if let Some(u) = n.as_u64() {
                    u.into()
                } else if let Some(i) = n.as_i64() {
                    i.into()
                } else {
                    n.as_f64().into()
                }
            }
            serde_json::Value::String(s) => Value::String(Text::from(s)),
            serde_json::Value::Array(a) => Value::Array(a.into_iter().map(Value::from).collect()),
            serde_json::Value::Object(m) => {
                Value::Object(Map::from_entries(m.into_iter().map(|(k, v)| (Text::from(k), Value::from(v))).collect()))
            }
        }
    }
}

impl Value {
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::String(s) => Some(s),
            _ => None,
        }
    }

    pub fn as_object(&self) -> Option<&Map> {
        match self {
            Value::Object(m) => Some(m),
            _ => None,
        }
    }

    pub fn as_object_mut(&mut self) -> Option<&mut Map> {
        match self {
            Value::Object(m) => Some(m),
            _ => None,
        }
    }

    pub fn as_array(&self) -> Option<&Vec<Value>> {
        match self {
            Value::Array(a) => Some(a),
            _ => None,
        }
    }

    pub fn as_i64(&self) -> Option<i64> {
        match self {
            Value::Number(n) => n.as_i64(),
            _ => None,
        }
    }

    pub fn as_u64(&self) -> Option<u64> {
        match self {
            Value::Number(n) => n.as_u64(),
            _ => None,
        }
    }

    pub fn as_f64(&self) -> Option<f64> {
        match self {
            Value::Number(n) => n.as_f64(),
            _ => None,
        }
    }

    pub fn as_bool(&self) -> Option<bool> {
        match self {
            Value::Bool(b) => Some(*b),
            _ => None,
        }
    }

    pub fn is_null(&self) -> bool {
        matches!(self, Value::Null)
    }

    pub fn is_object(&self) -> bool {
        matches!(self, Value::Object(_))
    }

    pub fn is_array(&self) -> bool {
        matches!(self, Value::Array(_))
    }

    pub fn is_string(&self) -> bool {
        matches!(self, Value::String(_))
    }

    pub fn is_number(&self) -> bool {
        matches!(self, Value::Number(_))
    }

    /// A member of an object, or an element of an array.
    pub fn get<I: ValueIndex>(&self, index: I) -> Option<&Value> {
        index.index_into(self)
    }

    pub fn get_mut(&mut self, key: &str) -> Option<&mut Value> {
        self.as_object_mut()?.get_mut(key)
    }

    /// Replaces the value with `null` and returns it.
    pub fn take(&mut self) -> Value {
        std::mem::take(self)
    }

    /// The same value as a `serde_json::Value` (for APIs that take one).
    pub fn to_json(&self) -> serde_json::Value {
        match self {
            Value::Null => serde_json::Value::Null,
            Value::Bool(b) => serde_json::Value::Bool(*b),
            Value::Number(n) => serde_json::Value::Number(n.to_json()),
            Value::String(s) => serde_json::Value::String(s.to_string()),
            Value::Array(a) => serde_json::Value::Array(a.iter().map(Value::to_json).collect()),
            Value::Object(m) => {
                serde_json::Value::Object(m.iter().map(|(k, v)| (k.to_string(), v.to_json())).collect())
            }
        }
    }
}

/// What `Value::get` and indexing take: a key (`&str`) or a position (`usize`).
pub trait ValueIndex {
    fn index_into<'v>(&self, v: &'v Value) -> Option<&'v Value>;
}

impl ValueIndex for &str {
    fn index_into<'v>(&self, v: &'v Value) -> Option<&'v Value> {
        v.as_object()?.get(self)
    }
}

impl ValueIndex for &String {
    fn index_into<'v>(&self, v: &'v Value) -> Option<&'v Value> {
        v.as_object()?.get(self)
    }
}

impl ValueIndex for usize {
    fn index_into<'v>(&self, v: &'v Value) -> Option<&'v Value> {
        v.as_array()?.get(*self)
    }
}

static NULL: Value = Value::Null;

impl<I: ValueIndex> std::ops::Index<I> for Value {
    type Output = Value;

    /// `null` when the key or position is missing, as in serde_json.
    fn index(&self, index: I) -> &Value {
        index.index_into(self).unwrap_or(&NULL)
    }
}

impl fmt::Display for Value {
    /// Compact JSON.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = serde_json::to_string(self).map_err(|_| fmt::Error)?;
        f.write_str(&s)
    }
}

macro_rules! eq_number {
    ($($t:ty)*) => {$(
        impl PartialEq<$t> for Value {
            fn eq(&self, other: &$t) -> bool {
                // A number or a bool: building the value allocates nothing.
                #[allow(clippy::cmp_owned)]
                let same = *self == Value::from(*other);
                same
            }
        }
    )*};
}
eq_number!(u8 u16 u32 u64 usize i8 i16 i32 i64 isize f64 bool);

impl PartialEq<str> for Value {
    fn eq(&self, other: &str) -> bool {
        self.as_str() == Some(other)
    }
}

impl PartialEq<&str> for Value {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == Some(*other)
    }
}

impl PartialEq<String> for Value {
    fn eq(&self, other: &String) -> bool {
        self.as_str() == Some(other.as_str())
    }
}

impl PartialEq<serde_json::Value> for Value {
    fn eq(&self, other: &serde_json::Value) -> bool {
        self.to_json() == *other
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_writes_json_in_order() {
        let text = r#"{"b":1,"a":[true,null,-2,2.5,"x"],"c":{"d":"a string longer than twenty-four bytes"}}"#;
        let v: Value = serde_json::from_str(text).unwrap();
        assert_eq!(v.to_string(), text);
        assert_eq!(v["b"], 1);
        assert_eq!(v["a"][2], -2);
        assert_eq!(v["a"][3].as_f64(), Some(2.5));
        assert_eq!(v["c"]["d"], "a string longer than twenty-four bytes");
        assert!(v["missing"].is_null());
        assert_eq!(v, serde_json::from_str::<serde_json::Value>(text).unwrap());
    }

    #[test]
    fn a_repeated_key_keeps_its_first_place_and_last_value() {
        let v: Value = serde_json::from_str(r#"{"a":1,"b":2,"a":3}"#).unwrap();
        assert_eq!(v.to_string(), r#"{"a":3,"b":2}"#);
        let many: String = (0..100).map(|i| format!("\"k{i}\":{i},")).collect();
        let v: Value = serde_json::from_str(&format!("{{{many}\"k7\":\"again\"}}")).unwrap();
        assert_eq!(v.as_object().unwrap().len(), 100);
        assert_eq!(v["k7"], "again");
    }

    #[test]
    fn numbers_give_the_text_display_writes() {
        let mut nums: Vec<Number> = [0u64, 7, 4688, u64::MAX].into_iter().map(Number::from).collect();
        nums.extend([-1i64, i64::MIN].into_iter().map(Number::from));
        nums.extend([2.5, -0.125, 1e21, 3.0].into_iter().filter_map(Number::from_f64));
        for n in nums {
            let mut buf = String::from("x");
            n.push_to(&mut buf);
            assert_eq!(buf, format!("x{n}"));
            assert_eq!(n.with_text(str::to_string), n.to_string());
        }
    }

    #[test]
    fn numbers_compare_by_kind_and_value() {
        assert_eq!(Value::from(5u16), Value::from(5i64));
        assert_ne!(Value::from(5u16), Value::from(5.0));
        assert_eq!(Value::from(-3i32).as_i64(), Some(-3));
        assert_eq!(Value::from(-3i32).as_u64(), None);
        assert!(Value::from(f64::NAN).is_null());
        assert_eq!(Value::from(u64::MAX).as_i64(), None);
    }

    #[test]
    fn converts_from_and_to_serde_json() {
        let j = serde_json::json!({"x": [1, -1, 0.5, "s", null, {"y": false}]});
        let v = Value::from(j.clone());
        assert_eq!(v.to_json(), j);
        assert_eq!(v, j);
    }

    #[test]
    fn map_insert_replaces_in_place() {
        let mut m = Map::new();
        assert_eq!(m.insert("a".into(), 1.into()), None);
        m.insert("b".into(), 2.into());
        assert_eq!(m.insert("a".into(), 3.into()), Some(Value::from(1)));
        assert_eq!(m.keys().map(|k| k.as_str()).collect::<Vec<_>>(), ["a", "b"]);
        assert_eq!(m.remove("a"), Some(Value::from(3)));
        assert_eq!(m.len(), 1);
    }
}
