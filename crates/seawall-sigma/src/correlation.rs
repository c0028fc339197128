//! Sigma correlation rules evaluated over event time. Hits of the referenced rules are fed in
//! time order; state is kept per group and pruned to the timespan, so memory is bounded by the
//! number of open groups and the hits inside one window.

use std::collections::{HashMap, VecDeque};

use jiff::Timestamp;
use seawall_core::SourceRef;

use crate::compile::FieldTable;
use crate::engine::RuleInfo;
use crate::expr::Slot;
use crate::loader::RuleError;
use crate::mapping::Mapping;
use crate::rule::{CmpOp, CorrelationRule, CorrelationType, RuleMeta};

/// What a correlation refers to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RuleRef {
    Detection(u32),
    Correlation(usize),
}

#[derive(Debug)]
pub struct CompiledCorrelation {
    pub meta: RuleMeta,
    pub kind: CorrelationType,
    pub refs: Vec<RuleRef>,
    /// Group-by names as written (aliases resolved per referenced rule in `group_slots`).
    pub group_by: Vec<String>,
    /// Per referenced rule: where each group-by field is read.
    pub group_slots: Vec<Vec<Slot>>,
    /// Per referenced rule: where the `field` of value_* types is read.
    pub value_slots: Vec<Option<Slot>>,
    pub timespan: jiff::SignedDuration,
    pub condition: Vec<(CmpOp, f64)>,
    pub percentile: f64,
    /// Whether this correlation feeds another one (then it need not report on its own).
    pub chained: bool,
}

/// A hit of a referenced rule, ready for correlation.
#[derive(Debug, Clone)]
pub struct CorrInput {
    pub corr: usize,
    /// Index into the correlation's `refs`.
    pub pos: usize,
    pub ts: Timestamp,
    pub group: Vec<Option<String>>,
    pub value: Option<String>,
    pub source: SourceRef,
}

/// A correlation that fired.
#[derive(Debug, Clone)]
pub struct CorrelationMatch {
    pub corr: usize,
    pub group: Vec<(String, Option<String>)>,
    pub first: Timestamp,
    pub last: Timestamp,
    /// The measured value: event count, distinct values, or the aggregate.
    pub measured: f64,
    pub events: Vec<SourceRef>,
}

pub fn compile_all(
    rules: Vec<CorrelationRule>,
    detections: &[RuleInfo],
    mapping: &Mapping,
    fields: &mut FieldTable,
) -> (Vec<CompiledCorrelation>, Vec<RuleError>) {
    let mut errors = Vec::new();
    let names: Vec<(Option<String>, Option<String>)> =
        rules.iter().map(|r| (r.meta.id.clone(), r.meta.name.clone())).collect();
    let mut out: Vec<CompiledCorrelation> = Vec::new();
    let mut ok_index: Vec<Option<usize>> = Vec::new();
    // First pass: resolve references (correlations may refer to each other).
    let mut pending = Vec::new();
    for (i, r) in rules.into_iter().enumerate() {
        let mut refs = Vec::new();
        let mut ref_names = Vec::new();
        let mut bad = None;
        for name in &r.rules {
            if let Some(d) = detections
                .iter()
                .position(|d| d.meta.id.as_deref() == Some(name) || d.meta.name.as_deref() == Some(name))
            {
                refs.push(RuleRef::Detection(d as u32));
                ref_names.push(detections[d].meta.name.clone());
            } else if let Some(c) =
                names.iter().position(|(id, n)| id.as_deref() == Some(name) || n.as_deref() == Some(name))
            {
                if c == i {
                    bad = Some("correlation refers to itself".to_string());
                    break;
                }
                refs.push(RuleRef::Correlation(c));
                ref_names.push(names[c].1.clone());
            } else {
                bad = Some(format!("correlation refers to rule '{name}', which is not loaded"));
                break;
            }
        }
        if let Some(e) = bad {
            errors.push(RuleError { file: r.meta.file.to_string(), line: r.meta.line, error: e });
            ok_index.push(None);
            continue;
        }
        ok_index.push(Some(pending.len()));
        pending.push((r, refs, ref_names));
    }
    for (r, refs, ref_names) in pending {
        let refs: Vec<RuleRef> = refs
            .into_iter()
            .map(|x| match x {
                RuleRef::Correlation(c) => {
                    ok_index[c].map(RuleRef::Correlation).unwrap_or(RuleRef::Correlation(usize::MAX))
                }
                d => d,
            })
            .collect();
        let field_for = |name: &str, ref_name: &Option<String>| -> String {
            for (alias, per_rule) in &r.aliases {
                if alias == name {
                    if let Some((_, f)) = per_rule.iter().find(|(rn, _)| Some(rn) == ref_name.as_ref()) {
                        return f.clone();
                    }
                }
            }
            name.to_string()
        };
        let group_slots = ref_names
            .iter()
            .map(|rn| r.group_by.iter().map(|g| fields.intern(mapping.paths_for(&field_for(g, rn)))).collect())
            .collect();
        let value_slots = ref_names
            .iter()
            .map(|rn| r.field.as_ref().map(|f| fields.intern(mapping.paths_for(&field_for(f, rn)))))
            .collect();
        out.push(CompiledCorrelation {
            meta: r.meta,
            kind: r.kind,
            refs,
            group_by: r.group_by,
            group_slots,
            value_slots,
            timespan: jiff::SignedDuration::from_secs(r.timespan_secs as i64),
            condition: r.condition,
            percentile: r.percentile.unwrap_or(50.0),
            chained: false,
        });
    }
    let chained: Vec<usize> = out
        .iter()
        .flat_map(|c| c.refs.iter().filter_map(|r| if let RuleRef::Correlation(i) = r { Some(*i) } else { None }))
        .collect();
    for i in chained {
        if let Some(c) = out.get_mut(i) {
            c.chained = true;
        }
    }
    (out, errors)
}

/// Keeps only the events inside the newest timespan of one group.
#[derive(Default)]
struct GroupState {
    window: VecDeque<(Timestamp, usize, Option<String>, SourceRef)>,
    /// temporal_ordered: for each position, the start time of the best chain reaching it.
    chain: Vec<Option<Timestamp>>,
}

/// Runs correlations over time-ordered inputs.
pub struct CorrelationRunner<'a> {
    corrs: &'a [CompiledCorrelation],
    state: Vec<HashMap<Vec<Option<String>>, GroupState>>,
    pub matches: Vec<CorrelationMatch>,
    max_evidence: usize,
}

impl<'a> CorrelationRunner<'a> {
    pub fn new(corrs: &'a [CompiledCorrelation], max_evidence: usize) -> Self {
        CorrelationRunner {
            corrs,
            state: corrs.iter().map(|_| HashMap::new()).collect(),
            matches: Vec::new(),
            max_evidence,
        }
    }

    /// Open groups across all correlations (the memory the runner holds).
    pub fn open_groups(&self) -> usize {
        self.state.iter().map(HashMap::len).sum()
    }

    /// Feeds one hit; inputs must come in non-decreasing time order.
    pub fn feed(&mut self, input: CorrInput) {
        let c = &self.corrs[input.corr];
        let span = c.timespan;
        let key = input.group.clone();
        let st = self.state[input.corr].entry(key.clone()).or_default();
        let cutoff = input.ts.checked_sub(span).unwrap_or(input.ts);
        let closes_late = judged_at_close(c);
        if closes_late {
            if let Some(front) = st.window.front() {
                if front.0 < cutoff {
                    let done = std::mem::take(&mut st.window);
                    if let Some(m) = judge(c, input.corr, &key, &done, self.max_evidence) {
                        self.matches.push(m);
                    }
                }
            }
        } else {
            while st.window.front().is_some_and(|f| f.0 < cutoff) {
                st.window.pop_front();
            }
        }
        st.window.push_back((input.ts, input.pos, input.value.clone(), input.source.clone()));
        if closes_late {
            return;
        }
        let fired = match c.kind {
            CorrelationType::TemporalOrdered => {
                if st.chain.len() != c.refs.len() {
                    st.chain = vec![None; c.refs.len()];
                }
                let p = input.pos;
                if p == 0 {
                    st.chain[0] = Some(input.ts);
                } else if let Some(start) = st.chain[p - 1] {
                    if start >= cutoff {
                        st.chain[p] = Some(st.chain[p].map_or(start, |s| s.max(start)));
                    }
                }
                let reached = st.chain.iter().take_while(|s| s.is_some_and(|s| s >= cutoff)).count();
                c.condition.iter().all(|(op, n)| op.holds(reached as f64, *n))
            }
            _ => match measure(c, &st.window) {
                Some(v) => c.condition.iter().all(|(op, n)| op.holds(v, *n)),
                None => false,
            },
        };
        if fired {
            let done = std::mem::take(&mut st.window);
            st.chain.clear();
            if let Some(m) = build_match(c, input.corr, &key, &done, self.max_evidence) {
                self.matches.push(m);
            }
        }
    }

    /// Judges windows still open at the end of input.
    pub fn finish(mut self) -> Vec<CorrelationMatch> {
        for (ci, groups) in std::mem::take(&mut self.state).into_iter().enumerate() {
            let c = &self.corrs[ci];
            if !judged_at_close(c) {
                continue;
            }
            let mut keys: Vec<_> = groups.into_iter().collect();
            keys.sort_by(|a, b| a.0.cmp(&b.0));
            for (key, st) in keys {
                if let Some(m) = judge(c, ci, &key, &st.window, self.max_evidence) {
                    self.matches.push(m);
                }
            }
        }
        self.matches
    }
}

/// Conditions that can only be judged once a window is complete (fewer than N, exactly N) are
/// judged when the window closes; monotone ones (at least N) fire as soon as they hold.
fn judged_at_close(c: &CompiledCorrelation) -> bool {
    !monotone(&c.condition) && !matches!(c.kind, CorrelationType::Temporal | CorrelationType::TemporalOrdered)
}

fn monotone(cond: &[(CmpOp, f64)]) -> bool {
    cond.iter().all(|(op, _)| matches!(op, CmpOp::Gt | CmpOp::Gte))
}

type Window = VecDeque<(Timestamp, usize, Option<String>, SourceRef)>;

fn judge(
    c: &CompiledCorrelation,
    ci: usize,
    key: &[Option<String>],
    w: &Window,
    max_ev: usize,
) -> Option<CorrelationMatch> {
    let v = measure(c, w)?;
    if c.condition.iter().all(|(op, n)| op.holds(v, *n)) {
        build_match(c, ci, key, w, max_ev)
    } else {
        None
    }
}

/// The number the condition is compared with.
fn measure(c: &CompiledCorrelation, w: &Window) -> Option<f64> {
    let nums = || w.iter().filter_map(|(_, _, v, _)| v.as_deref().and_then(|s| s.trim().parse::<f64>().ok()));
    Some(match c.kind {
        CorrelationType::EventCount => w.len() as f64,
        CorrelationType::ValueCount => {
            let mut seen: Vec<&str> = w.iter().filter_map(|(_, _, v, _)| v.as_deref()).collect();
            seen.sort_unstable();
            seen.dedup();
            seen.len() as f64
        }
        CorrelationType::Temporal | CorrelationType::TemporalOrdered => {
            let mut pos: Vec<usize> = w.iter().map(|(_, p, _, _)| *p).collect();
            pos.sort_unstable();
            pos.dedup();
            pos.len() as f64
        }
        CorrelationType::ValueSum => nums().sum(),
        CorrelationType::ValueAvg => {
            let v: Vec<f64> = nums().collect();
            if v.is_empty() {
                return None;
            }
            v.iter().sum::<f64>() / v.len() as f64
        }
        CorrelationType::ValueMin => nums().min_by(f64::total_cmp)?,
        CorrelationType::ValueMax => nums().max_by(f64::total_cmp)?,
        CorrelationType::ValueMedian | CorrelationType::ValuePercentile => {
            let mut v: Vec<f64> = nums().collect();
            if v.is_empty() {
                return None;
            }
            v.sort_by(f64::total_cmp);
            let p = if c.kind == CorrelationType::ValueMedian { 50.0 } else { c.percentile };
            let rank = ((p / 100.0) * (v.len() - 1) as f64).round() as usize;
            v[rank.min(v.len() - 1)]
        }
    })
}

fn build_match(
    c: &CompiledCorrelation,
    ci: usize,
    key: &[Option<String>],
    w: &Window,
    max_ev: usize,
) -> Option<CorrelationMatch> {
    let first = w.front()?.0;
    let last = w.back()?.0;
    Some(CorrelationMatch {
        corr: ci,
        group: c.group_by.iter().cloned().zip(key.iter().cloned()).collect(),
        first,
        last,
        measured: measure(c, w).unwrap_or(0.0),
        events: w.iter().take(max_ev).map(|(_, _, _, s)| s.clone()).collect(),
    })
}

/// Runs all correlations over inputs (sorted here by time, then place), feeding the matches of
/// chained correlations to the correlations that refer to them.
pub fn run_correlations(
    corrs: &[CompiledCorrelation],
    mut inputs: Vec<CorrInput>,
    max_evidence: usize,
) -> Vec<CorrelationMatch> {
    inputs.sort_by(|a, b| {
        (a.ts, &a.source.file, a.source.place, a.corr, a.pos).cmp(&(
            b.ts,
            &b.source.file,
            b.source.place,
            b.corr,
            b.pos,
        ))
    });
    let mut runner = CorrelationRunner::new(corrs, max_evidence);
    let mut queue: VecDeque<CorrInput> = VecDeque::new();
    for input in inputs {
        queue.push_back(input);
        while let Some(next) = queue.pop_front() {
            let before = runner.matches.len();
            runner.feed(next);
            let fresh: Vec<CorrelationMatch> = runner.matches[before..].to_vec();
            for m in fresh {
                for (ci, c) in corrs.iter().enumerate() {
                    for (pos, r) in c.refs.iter().enumerate() {
                        if *r != RuleRef::Correlation(m.corr) {
                            continue;
                        }
                        let group = c
                            .group_by
                            .iter()
                            .map(|g| m.group.iter().find(|(n, _)| n == g).and_then(|(_, v)| v.clone()))
                            .collect();
                        let Some(source) = m.events.last().cloned() else {
                            continue;
                        };
                        queue.push_back(CorrInput { corr: ci, pos, ts: m.last, group, value: None, source });
                    }
                }
            }
        }
    }
    runner.finish()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rule::CorrelationType as T;
    use std::sync::Arc;

    fn corr(kind: T, refs: usize, cond: Vec<(CmpOp, f64)>, span: i64) -> CompiledCorrelation {
        CompiledCorrelation {
            meta: RuleMeta {
                id: None,
                name: None,
                title: "t".into(),
                level: None,
                status: None,
                author: None,
                tags: vec![],
                description: None,
                falsepositives: vec![],
                references: vec![],
                file: Arc::from("x"),
                line: 1,
            },
            kind,
            refs: (0..refs as u32).map(RuleRef::Detection).collect(),
            group_by: vec!["User".into()],
            group_slots: vec![vec![0]; refs],
            value_slots: vec![None; refs],
            timespan: jiff::SignedDuration::from_secs(span),
            condition: cond,
            percentile: 50.0,
            chained: false,
        }
    }

    fn input(pos: usize, secs: i64, user: &str, value: Option<&str>) -> CorrInput {
        CorrInput {
            corr: 0,
            pos,
            ts: Timestamp::from_second(secs).unwrap(),
            group: vec![Some(user.into())],
            value: value.map(Into::into),
            source: SourceRef { file: Arc::from("f"), place: seawall_core::Place::Line(secs as u64) },
        }
    }

    #[test]
    fn event_count_fires_within_timespan_only() {
        let c = [corr(T::EventCount, 1, vec![(CmpOp::Gte, 3.0)], 60)];
        let mut r = CorrelationRunner::new(&c, 10);
        for s in [0, 30, 100, 110] {
            r.feed(input(0, s, "bob", None));
        }
        assert!(r.matches.is_empty(), "0 and 30 fall out of the window before 100/110");
        r.feed(input(0, 120, "bob", None));
        r.feed(input(0, 121, "eve", None));
        let m = r.finish();
        assert_eq!(m.len(), 1);
        assert_eq!(m[0].measured, 3.0);
        assert_eq!(m[0].group[0].1.as_deref(), Some("bob"));
    }

    #[test]
    fn value_count_counts_distinct_values() {
        let c = [corr(T::ValueCount, 1, vec![(CmpOp::Gte, 3.0)], 600)];
        let mut r = CorrelationRunner::new(&c, 10);
        for (s, v) in [(0, "a"), (1, "a"), (2, "b")] {
            r.feed(input(0, s, "h", Some(v)));
        }
        assert!(r.matches.is_empty());
        r.feed(input(0, 3, "h", Some("c")));
        assert_eq!(r.matches.len(), 1);
    }

    #[test]
    fn temporal_needs_all_rules_and_ordered_needs_order() {
        let c = [corr(T::Temporal, 2, vec![(CmpOp::Gte, 2.0)], 60)];
        let mut r = CorrelationRunner::new(&c, 10);
        r.feed(input(1, 0, "u", None));
        r.feed(input(0, 10, "u", None));
        assert_eq!(r.matches.len(), 1, "temporal ignores order");

        let c = [corr(T::TemporalOrdered, 2, vec![(CmpOp::Gte, 2.0)], 60)];
        let mut r = CorrelationRunner::new(&c, 10);
        r.feed(input(1, 0, "u", None));
        r.feed(input(0, 10, "u", None));
        assert!(r.matches.is_empty(), "wrong order");
        r.feed(input(1, 20, "u", None));
        assert_eq!(r.matches.len(), 1);
        r.feed(input(0, 100, "u", None));
        r.feed(input(1, 200, "u", None));
        assert_eq!(r.matches.len(), 1, "outside the timespan");
    }

    #[test]
    fn lt_conditions_are_judged_when_the_window_closes() {
        let c = [corr(T::EventCount, 1, vec![(CmpOp::Lt, 2.0)], 60)];
        let mut r = CorrelationRunner::new(&c, 10);
        r.feed(input(0, 0, "a", None));
        r.feed(input(0, 1, "b", None));
        r.feed(input(0, 2, "b", None));
        r.feed(input(0, 100, "b", None));
        let m = r.finish();
        let groups: Vec<_> = m.iter().map(|m| m.group[0].1.clone().unwrap()).collect();
        assert_eq!(groups, ["a", "b"], "a had 1 (<2); b's first window had 2; b's second had 1");
    }

    #[test]
    fn value_aggregates() {
        let c = [corr(T::ValueSum, 1, vec![(CmpOp::Gt, 100.0)], 60)];
        let mut r = CorrelationRunner::new(&c, 10);
        r.feed(input(0, 0, "a", Some("60")));
        r.feed(input(0, 1, "a", Some("50")));
        assert_eq!(r.matches.len(), 1);
        assert_eq!(r.matches[0].measured, 110.0);
    }
}
