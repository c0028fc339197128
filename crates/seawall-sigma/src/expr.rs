//! The compiled form of a detection: an expression tree over field matchers.

use regex::Regex;

use crate::modifier::Modifier;
use crate::pattern::StrPattern;
use crate::rule::CmpOp;

/// Index of a field in the engine's field table (a list of event paths to try).
pub type Slot = u32;

#[derive(Debug, Clone)]
pub enum Expr {
    And(Vec<Expr>),
    Or(Vec<Expr>),
    Not(Box<Expr>),
    Const(bool),
    /// A matcher applied to one field; true when any value of the field matches.
    Field(Slot, Matcher),
    /// A matcher applied to every value of the event (keyword search).
    Keyword(Matcher),
}

#[derive(Debug, Clone)]
pub enum Matcher {
    /// Any pattern matches the folded value.
    Str(Vec<StrPattern>),
    /// Any pattern matches the value as is (`cased`).
    StrCased(Vec<StrPattern>),
    Regex(Regex),
    Cidr(ipnet::IpNet),
    Num(CmpOp, f64),
    /// `exists: true/false`.
    Exists(bool),
    /// Sigma `null`: the field is missing or null.
    Null,
    /// Equal to the value of another field.
    FieldRef {
        other: Slot,
        cased: bool,
    },
    /// A component of the field's timestamp compared with a number.
    TimePart {
        part: Modifier,
        op: CmpOp,
        value: f64,
    },
}

impl Expr {
    pub fn and(mut items: Vec<Expr>) -> Expr {
        if items.len() == 1 {
            items.remove(0)
        } else {
            Expr::And(items)
        }
    }
    pub fn or(mut items: Vec<Expr>) -> Expr {
        if items.len() == 1 {
            items.remove(0)
        } else {
            Expr::Or(items)
        }
    }

    /// Renumbers field slots (`map[old] = new`), when a rule compiled with its own table joins
    /// the shared one.
    pub fn remap_slots(&mut self, map: &[Slot]) {
        match self {
            Expr::And(items) | Expr::Or(items) => items.iter_mut().for_each(|i| i.remap_slots(map)),
            Expr::Not(inner) => inner.remap_slots(map),
            Expr::Const(_) => {}
            Expr::Field(slot, m) => {
                *slot = map[*slot as usize];
                m.remap_slots(map);
            }
            Expr::Keyword(m) => m.remap_slots(map),
        }
    }

    /// Groups of literals, all of which must be satisfied (each by at least one of its
    /// literals occurring, case-folded, in its source) for this expression to be true.
    /// Empty: nothing is known. At most `MAX_GROUPS`, the most selective kept.
    pub fn required_groups(&self) -> Vec<Vec<Literal>> {
        let mut groups = match self {
            Expr::Const(false) => vec![vec![]],
            Expr::Const(true) | Expr::Not(_) => vec![],
            Expr::Field(slot, m) => m
                .required_literals()
                .map(|l| {
                    vec![l.into_iter().map(|text| Literal { source: LiteralSource::Field(*slot), text }).collect()]
                })
                .unwrap_or_default(),
            Expr::Keyword(m) => m
                .required_literals()
                .map(|l| vec![l.into_iter().map(|text| Literal { source: LiteralSource::Anywhere, text }).collect()])
                .unwrap_or_default(),
            Expr::And(items) => items.iter().flat_map(Expr::required_groups).collect(),
            Expr::Or(items) => {
                let mut union = Vec::new();
                for i in items {
                    let best = i.required_groups().into_iter().max_by_key(|g| selectivity(g));
                    match best {
                        Some(g) => union.extend(g),
                        None => return vec![],
                    }
                }
                vec![union]
            }
        };
        for g in &mut groups {
            g.sort();
            g.dedup();
        }
        groups.sort();
        groups.dedup();
        if groups.len() > MAX_GROUPS {
            groups.sort_by_key(|g| std::cmp::Reverse(selectivity(g)));
            groups.truncate(MAX_GROUPS);
        }
        groups
    }

    /// Literal texts of which at least one must occur (case-folded) somewhere in an event for
    /// this expression to be true; `None` when no such set is known.
    pub fn required_literals(&self) -> Option<Vec<String>> {
        match self {
            Expr::Const(false) => Some(vec![]),
            Expr::Const(true) | Expr::Not(_) => None,
            Expr::Field(_, m) | Expr::Keyword(m) => m.required_literals(),
            Expr::Or(items) => {
                let mut all = Vec::new();
                for i in items {
                    all.extend(i.required_literals()?);
                }
                Some(all)
            }
            Expr::And(items) => items.iter().filter_map(Expr::required_literals).max_by_key(|lits| {
                (lits.iter().map(String::len).min().unwrap_or(usize::MAX).min(64), usize::MAX - lits.len())
            }),
        }
    }
}

/// Literal groups kept per variant by the prefilter.
pub const MAX_GROUPS: usize = 2;

/// Where a prefilter literal must occur.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum LiteralSource {
    /// In the values of one field.
    Field(Slot),
    /// In any value of the event (keyword searches).
    Anywhere,
}

/// Text that must occur (case-folded) in a source.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Literal {
    pub source: LiteralSource,
    pub text: String,
}

/// How selective a literal group is likely to be: longer shortest literal, then fewer literals.
fn selectivity(g: &[Literal]) -> (usize, usize) {
    (g.iter().map(|l| l.text.len()).min().unwrap_or(usize::MAX).min(64), usize::MAX - g.len())
}

impl Matcher {
    fn remap_slots(&mut self, map: &[Slot]) {
        if let Matcher::FieldRef { other, .. } = self {
            *other = map[*other as usize];
        }
    }

    fn required_literals(&self) -> Option<Vec<String>> {
        match self {
            Matcher::Str(pats) | Matcher::StrCased(pats) => {
                pats.iter().map(|p| p.required_literal().map(|l| crate::pattern::fold(l).into_owned())).collect()
            }
            _ => None,
        }
    }
}
