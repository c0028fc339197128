//! The matching plan: every rule variant compiled once, routed by Windows channel, and
//! prefiltered with one Aho-Corasick automaton over the literals each variant needs.

use std::borrow::Cow;
use std::collections::HashMap;
use std::sync::Arc;

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, MatchKind};
use seawall_core::{Level, Value};

use crate::compile::{Compiler, FieldTable};
use crate::eval::{collect_leaves, EventCtx};
use crate::expr::{Expr, Slot};
use crate::loader::RuleError;
use crate::mapping::{Mapping, Scope};
use crate::pattern::fold;
use crate::rule::{DetectionRule, RuleMeta, SigmaDocument};

/// A detection rule as loaded, with what output needs.
#[derive(Debug, Clone)]
pub struct RuleInfo {
    pub meta: RuleMeta,
    pub logsource: crate::rule::LogSource,
    /// False when only a correlation uses the rule (`generate: false`).
    pub standalone: bool,
}

/// A feature a loaded rule uses that cannot be evaluated; that part never matches.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Unsupported {
    pub file: String,
    pub line: usize,
    pub rule: String,
    pub reason: String,
}

/// A variant as compiled: its scope, routed channels and expression.
type CompiledVariant = (Scope, Option<Vec<String>>, Option<Expr>, Expr);

struct Variant {
    rule: u32,
    /// Log-source conditions of the mapping (checked first, never prefiltered on).
    guard: Option<Expr>,
    expr: Expr,
}

struct Prefilter {
    ac: AhoCorasick,
    /// Literal id -> variants that need it.
    lit_variants: Vec<Vec<u32>>,
}

/// Reusable per-thread buffers for [`Engine::evaluate`].
#[derive(Default)]
pub struct Scratch {
    marks: Vec<u64>,
    seen: Vec<u64>,
    /// Variants fully evaluated so far (the prefilter's leftovers), for diagnostics.
    pub evaluated: u64,
    /// Events seen so far.
    pub events: u64,
}

pub struct Engine {
    pub rules: Vec<RuleInfo>,
    variants: Vec<Variant>,
    fields: FieldTable,
    by_channel: HashMap<String, Vec<u32>>,
    windows: Vec<u32>,
    other: Vec<u32>,
    channel_slot: Slot,
    prefilter: Option<Prefilter>,
    /// Variants that only run when one of their literals was seen.
    filtered: Vec<u64>,
    pub correlations: Vec<crate::correlation::CompiledCorrelation>,
    /// Per detection rule: the (correlation, position) pairs that refer to it.
    corr_refs: Vec<Vec<(usize, usize)>>,
    pub errors: Vec<RuleError>,
    pub unsupported: Vec<Unsupported>,
    /// Rules whose log source only matched a generic fallback of the mapping.
    pub unmapped: Vec<Unsupported>,
}

impl Engine {
    /// Compiles documents into a plan. Rules that fail are reported in `errors` and left out.
    pub fn build(documents: Vec<SigmaDocument>, mapping: &Mapping) -> Engine {
        let mut fields = FieldTable::default();
        let channel_slot = fields.intern(mapping.paths_for("Channel"));
        let mut eng = Engine {
            rules: Vec::new(),
            variants: Vec::new(),
            fields: FieldTable::default(),
            by_channel: HashMap::new(),
            windows: Vec::new(),
            other: Vec::new(),
            channel_slot,
            prefilter: None,
            filtered: Vec::new(),
            correlations: Vec::new(),
            corr_refs: Vec::new(),
            errors: Vec::new(),
            unsupported: Vec::new(),
            unmapped: Vec::new(),
        };
        let mut detections = Vec::new();
        let mut correlations = Vec::new();
        let mut filters = Vec::new();
        for d in documents {
            match d {
                SigmaDocument::Detection(r) => detections.push(r),
                SigmaDocument::Correlation(c) => correlations.push(c),
                SigmaDocument::Filter(f) => filters.push(f),
            }
        }
        // Rules referenced by correlations that do not `generate` stay silent on their own.
        let silent: Vec<&str> =
            correlations.iter().filter(|c| !c.generate).flat_map(|c| c.rules.iter().map(String::as_str)).collect();
        let mut compiled: Vec<(DetectionRule, Vec<CompiledVariant>)> = Vec::new();
        for rule in detections {
            let variants = mapping.variants_for(&rule.logsource);
            let mut comp = Compiler { mapping, fields: &mut fields, unsupported: Vec::new() };
            let mut out = Vec::new();
            let mut failed = None;
            for v in &variants {
                let (guard, mut expr) = match comp.compile_parts(&rule.detection, v) {
                    Ok(e) => e,
                    Err(e) => {
                        failed = Some(e);
                        break;
                    }
                };
                for f in filters.iter().filter(|f| filter_applies(f, &rule)) {
                    match comp.compile(&f.detection, v) {
                        Ok(fe) => expr = Expr::And(vec![expr, Expr::Not(Box::new(fe))]),
                        Err(e) => {
                            eng.errors.push(RuleError { file: f.meta.file.to_string(), line: f.meta.line, error: e })
                        }
                    }
                }
                out.push((v.scope, v.channels.clone(), guard, expr));
            }
            let unsupported = std::mem::take(&mut comp.unsupported);
            if let Some(e) = failed {
                eng.errors.push(RuleError { file: rule.meta.file.to_string(), line: locate(&rule.meta, &e), error: e });
                continue;
            }
            for reason in unsupported {
                eng.unsupported.push(Unsupported {
                    file: rule.meta.file.to_string(),
                    line: rule.meta.line,
                    rule: rule.meta.key().into(),
                    reason,
                });
            }
            if variants.iter().all(|v| v.specificity <= 1)
                && rule.logsource.product.as_deref() == Some("windows")
                && (rule.logsource.category.is_some() || rule.logsource.service.is_some())
            {
                eng.unmapped.push(Unsupported {
                    file: rule.meta.file.to_string(),
                    line: rule.meta.line,
                    rule: rule.meta.key().into(),
                    reason: format!(
                        "log source '{}' is not in the mapping: matched on the rule's fields over all Windows records",
                        rule.logsource
                    ),
                });
            }
            compiled.push((rule, out));
        }
        for (rule, variants) in compiled {
            let idx = eng.rules.len() as u32;
            let standalone =
                !silent.iter().any(|s| Some(*s) == rule.meta.id.as_deref() || Some(*s) == rule.meta.name.as_deref());
            eng.rules.push(RuleInfo { meta: rule.meta, logsource: rule.logsource, standalone });
            for (scope, channels, guard, expr) in variants {
                let v = eng.variants.len() as u32;
                eng.variants.push(Variant { rule: idx, guard, expr });
                match (scope, channels) {
                    (_, Some(chs)) => {
                        for c in chs {
                            eng.by_channel.entry(c).or_default().push(v);
                        }
                    }
                    (Scope::Windows, None) => eng.windows.push(v),
                    (Scope::Other, None) => eng.other.push(v),
                    (Scope::Any, None) => {
                        eng.windows.push(v);
                        eng.other.push(v);
                    }
                }
            }
        }
        eng.fields = fields;
        eng.build_prefilter();
        let (comp, errs) = crate::correlation::compile_all(correlations, &eng.rules, mapping, &mut eng.fields);
        eng.correlations = comp;
        eng.errors.extend(errs);
        eng.corr_refs = vec![Vec::new(); eng.rules.len()];
        for (ci, c) in eng.correlations.iter().enumerate() {
            for (pos, r) in c.refs.iter().enumerate() {
                if let crate::correlation::RuleRef::Detection(d) = r {
                    eng.corr_refs[*d as usize].push((ci, pos));
                }
            }
        }
        eng
    }

    /// Whether hits of this rule feed a correlation.
    pub fn feeds_correlation(&self, rule: u32) -> bool {
        self.corr_refs.get(rule as usize).is_some_and(|v| !v.is_empty())
    }

    /// Correlation inputs for an event that matched `rule` (empty if no correlation uses it or
    /// the event has no time).
    pub fn correlation_inputs(&self, rule: u32, event: &seawall_core::Event) -> Vec<crate::correlation::CorrInput> {
        let Some(ts) = event.timestamp else {
            return Vec::new();
        };
        let mut out = Vec::new();
        for &(ci, pos) in self.corr_refs.get(rule as usize).map(Vec::as_slice).unwrap_or(&[]) {
            let c = &self.correlations[ci];
            let group = c.group_slots[pos].iter().map(|&s| self.field_text(&event.fields, s)).collect();
            let value = c.value_slots[pos].and_then(|s| self.field_text(&event.fields, s));
            out.push(crate::correlation::CorrInput { corr: ci, pos, ts, group, value, source: event.source.clone() });
        }
        out
    }

    fn build_prefilter(&mut self) {
        let mut lit_ids: HashMap<String, u32> = HashMap::new();
        let mut lit_variants: Vec<Vec<u32>> = Vec::new();
        self.filtered = vec![0; self.variants.len().div_ceil(64)];
        for (vi, v) in self.variants.iter().enumerate() {
            let Some(lits) = v.expr.required_literals() else {
                continue;
            };
            self.filtered[vi / 64] |= 1 << (vi % 64);
            for l in lits {
                let next = lit_ids.len() as u32;
                let id = *lit_ids.entry(l).or_insert(next);
                if id as usize == lit_variants.len() {
                    lit_variants.push(Vec::new());
                }
                lit_variants[id as usize].push(vi as u32);
            }
        }
        let mut pats: Vec<(u32, String)> = lit_ids.into_iter().map(|(l, i)| (i, l)).collect();
        pats.sort();
        let ac = AhoCorasickBuilder::new()
            .match_kind(MatchKind::Standard)
            .ascii_case_insensitive(true)
            .build(pats.iter().map(|(_, l)| l.as_bytes()));
        match ac {
            Ok(ac) => self.prefilter = Some(Prefilter { ac, lit_variants }),
            Err(_) => self.filtered.iter_mut().for_each(|w| *w = 0),
        }
    }

    pub fn variant_count(&self) -> usize {
        self.variants.len()
    }

    /// Finds the rules an event matches; their indices are appended to `out` (each once).
    pub fn evaluate(&self, fields: &Value, scratch: &mut Scratch, out: &mut Vec<u32>) {
        scratch.events += 1;
        let mut ctx = EventCtx::new(fields, &self.fields);
        let channel = match ctx.get(self.channel_slot) {
            Some(Value::String(s)) => Some(fold(s)),
            _ => None,
        };
        let (routed, general): (&[u32], &[u32]) = match &channel {
            Some(c) => (self.by_channel.get(c.as_ref()).map(Vec::as_slice).unwrap_or(&[]), &self.windows),
            None => (&[], &self.other),
        };
        if routed.is_empty() && general.is_empty() {
            return;
        }
        let needs_scan = routed.iter().chain(general).any(|&v| self.is_filtered(v));
        if needs_scan {
            self.scan(fields, scratch);
        }
        let start = out.len();
        for &v in routed.iter().chain(general) {
            if self.is_filtered(v) && scratch.marks[v as usize / 64] & (1 << (v % 64)) == 0 {
                continue;
            }
            let var = &self.variants[v as usize];
            if out[start..].contains(&var.rule) {
                continue;
            }
            scratch.evaluated += 1;
            if var.guard.as_ref().is_none_or(|g| ctx.eval(g)) && ctx.eval(&var.expr) {
                out.push(var.rule);
            }
        }
    }

    fn is_filtered(&self, v: u32) -> bool {
        self.filtered[v as usize / 64] & (1 << (v % 64)) != 0
    }

    /// Marks the variants whose required literals occur in the event.
    fn scan(&self, fields: &Value, scratch: &mut Scratch) {
        let Some(pf) = &self.prefilter else { return };
        scratch.marks.clear();
        scratch.marks.resize(self.filtered.len(), 0);
        scratch.seen.clear();
        scratch.seen.resize(pf.lit_variants.len().div_ceil(64), 0);
        let mut leaves: Vec<Cow<str>> = Vec::new();
        collect_leaves(fields, &mut leaves);
        for leaf in &leaves {
            let text: Cow<str> =
                if leaf.is_ascii() { Cow::Borrowed(leaf.as_ref()) } else { Cow::Owned(leaf.to_lowercase()) };
            for m in pf.ac.find_overlapping_iter(text.as_bytes()) {
                let id = m.pattern().as_usize();
                if scratch.seen[id / 64] & (1 << (id % 64)) != 0 {
                    continue;
                }
                scratch.seen[id / 64] |= 1 << (id % 64);
                for &v in &pf.lit_variants[id] {
                    scratch.marks[v as usize / 64] |= 1 << (v % 64);
                }
            }
        }
    }

    /// Reads field values of an event by Sigma field name (for correlation group keys).
    pub fn field_text(&self, fields: &Value, slot: Slot) -> Option<String> {
        let mut ctx = EventCtx::new(fields, &self.fields);
        match ctx.get(slot)? {
            Value::String(s) => Some(s.clone()),
            Value::Null => None,
            other => Some(other.to_string()),
        }
    }

    pub fn rule_level(&self, idx: u32) -> Level {
        self.rules[idx as usize].meta.level.unwrap_or(Level::Medium)
    }
}

fn filter_applies(f: &crate::rule::FilterRule, rule: &DetectionRule) -> bool {
    match &f.rules {
        Some(list) => list
            .iter()
            .any(|r| Some(r.as_str()) == rule.meta.id.as_deref() || Some(r.as_str()) == rule.meta.name.as_deref()),
        None => {
            let fits = |a: &Option<String>, b: &Option<String>| a.is_none() || a == b;
            fits(&f.logsource.product, &rule.logsource.product)
                && fits(&f.logsource.category, &rule.logsource.category)
                && fits(&f.logsource.service, &rule.logsource.service)
        }
    }
}

/// Finds the line of the text an error quotes (`'Field|mod'` or `search 'x'`) in the rule file,
/// so the report points at the offending line rather than the document start.
fn locate(meta: &RuleMeta, error: &str) -> usize {
    let quoted: Vec<&str> = error.split('\'').skip(1).step_by(2).collect();
    let Ok(text) = std::fs::read_to_string(meta.file.as_ref()) else {
        return meta.line;
    };
    for q in quoted.iter().rev() {
        if q.is_empty() {
            continue;
        }
        for (i, line) in text.lines().enumerate().skip(meta.line.saturating_sub(1)) {
            if line.contains(q) {
                return i + 1;
            }
        }
    }
    meta.line
}

/// Shared handle used across threads.
pub type SharedEngine = Arc<Engine>;
