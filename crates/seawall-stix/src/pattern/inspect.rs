//! What a pattern is made of, as the OASIS validator's `inspect()` reports it: the comparisons
//! per object type (path, operator, literal as written), the observation operators and the
//! qualifiers used.

use std::collections::{BTreeMap, BTreeSet};

use super::{CompareOp, Comparison, Observation, PathStep, Pattern};

/// A path step as inspection shows it: a key, an index, or `*`.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
#[serde(untagged)]
pub enum StepView {
    Key(String),
    Index(i64),
}

#[derive(Debug, Default, PartialEq, serde::Serialize)]
pub struct Inspection {
    /// Object type -> (path, operator, literal as written), in pattern order.
    pub comparisons: BTreeMap<String, Vec<(Vec<StepView>, String, String)>>,
    pub observation_ops: BTreeSet<String>,
    pub qualifiers: BTreeSet<String>,
}

fn op_text(op: CompareOp) -> &'static str {
    match op {
        CompareOp::Eq => "=",
        CompareOp::Neq => "!=",
        CompareOp::Lt => "<",
        CompareOp::Le => "<=",
        CompareOp::Gt => ">",
        CompareOp::Ge => ">=",
        CompareOp::In => "IN",
        CompareOp::Like => "LIKE",
        CompareOp::Matches => "MATCHES",
        CompareOp::IsSubset => "ISSUBSET",
        CompareOp::IsSuperset => "ISSUPERSET",
    }
}

fn comparisons(c: &Comparison, out: &mut Inspection) {
    match c {
        Comparison::Test { path, negated, op, raw, .. } => {
            let steps = path
                .steps
                .iter()
                .map(|s| match s {
                    PathStep::Key(k) => StepView::Key(k.clone()),
                    PathStep::Index(i) => StepView::Index(*i),
                    PathStep::AnyIndex => StepView::Key("*".into()),
                })
                .collect();
            let op = if *negated { format!("NOT {}", op_text(*op)) } else { op_text(*op).to_string() };
            out.comparisons.entry(path.object_type.clone()).or_default().push((steps, op, raw.clone()));
        }
        Comparison::Exists { path, negated } => {
            let steps = path.steps.iter().map(|s| match s {
                PathStep::Key(k) => StepView::Key(k.clone()),
                PathStep::Index(i) => StepView::Index(*i),
                PathStep::AnyIndex => StepView::Key("*".into()),
            });
            out.comparisons.entry(path.object_type.clone()).or_default().push((
                steps.collect(),
                if *negated { "NOT EXISTS".into() } else { "EXISTS".into() },
                String::new(),
            ));
        }
        Comparison::And(items) | Comparison::Or(items) => items.iter().for_each(|i| comparisons(i, out)),
    }
}

fn observations(o: &Observation, out: &mut Inspection) {
    match o {
        Observation::Simple(c) => comparisons(c, out),
        Observation::And(items) | Observation::Or(items) | Observation::FollowedBy(items) => {
            let name = match o {
                Observation::And(_) => "AND",
                Observation::Or(_) => "OR",
                _ => "FOLLOWEDBY",
            };
            out.observation_ops.insert(name.into());
            items.iter().for_each(|i| observations(i, out));
        }
        Observation::Qualified(inner, _, text) => {
            out.qualifiers.insert(text.clone());
            observations(inner, out);
        }
    }
}

pub fn inspect(p: &Pattern) -> Inspection {
    let mut out = Inspection::default();
    observations(&p.root, &mut out);
    out
}
