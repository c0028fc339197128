//! The matching plan: every rule variant compiled once, routed by Windows channel, and
//! prefiltered with one Aho-Corasick automaton over the literals each variant needs.

use rustc_hash::FxHashMap;
use std::sync::Arc;
use std::sync::OnceLock;

use rayon::prelude::*;
use seawall_core::{Level, Value};

use crate::compile::{Compiler, FieldTable, RuleFields};
use crate::eval::EventCtx;
use crate::expr::{Expr, LiteralSource, Matcher, Slot};
use crate::loader::RuleError;
use crate::mapping::{Mapping, Scope};
use crate::memo::ScanMemo;
use crate::pattern::push_folded;
use crate::prefilter::{literal_key, LiteralPool, Prefilter, RouteScans, RouteTable, NO_VARIANT, PAIR};
use crate::rule::{DetectionRule, RuleMeta, SigmaDocument};

mod guard;
mod scan;

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
type CompiledVariant = (Scope, Option<Vec<String>>, Option<Vec<i64>>, Option<Expr>, Expr);

/// What the engine keeps of a compiled rule; its detection tree is freed on the compiling
/// thread rather than in the serial merge.
struct RuleHead {
    meta: RuleMeta,
    logsource: crate::rule::LogSource,
}

impl RuleHead {
    fn of(rule: DetectionRule) -> RuleHead {
        RuleHead { meta: rule.meta, logsource: rule.logsource }
    }
}

/// One rule compiled on a worker thread, before its slots join the shared table.
struct RuleOutcome {
    rule: RuleHead,
    variants: Option<Vec<CompiledVariant>>,
    unsupported: Vec<String>,
    errors: Vec<RuleError>,
    /// Slot -> a field name and its paths, for renumbering into the shared table.
    fields: Vec<(String, Vec<String>)>,
    unmapped: bool,
}

/// Variants one route (a channel, optionally with an event id) leads to without prefiltering.
#[derive(Default)]
struct Route {
    unfiltered: Vec<u32>,
}

/// Routes of one Windows channel.
#[derive(Default)]
struct ChannelRoutes {
    any_id: Option<u32>,
    by_id: FxHashMap<i64, u32>,
}

struct Variant {
    rule: u32,
    /// Log-source conditions of the mapping (checked first, never prefiltered on).
    guard: Option<Expr>,
    /// The guard without what the variant's routes settle (see `guard.rs`): what an event
    /// reached through them is tested on.
    routed_guard: Option<Expr>,
    /// Whether `routed_guard` serves only events whose EventID reads as its number.
    needs_exact_id: bool,
    expr: Expr,
}

/// Reusable per-thread buffers for [`Engine::evaluate`], and what it remembers between events.
#[derive(Default)]
pub struct Scratch {
    slots: crate::eval::SlotIndex,
    groups_seen: Vec<u64>,
    marked: Vec<u32>,
    candidates: Vec<u32>,
    /// Folded text of the event's channel or dataset, and the text it was folded from (events
    /// mostly repeat the last one's channel: then it is not folded again).
    route_key: String,
    route_raw: String,
    all_text: String,
    /// The literals each searcher found in values seen before.
    memo: ScanMemo,
    found_lits: Vec<u32>,
    /// Strings known to hold no keyword of a searcher of whole events (and the entries stored
    /// on trust during one event's search).
    quiet: ScanMemo,
    pending: Vec<usize>,
    /// The engine whose searchers and matchers the memories refer to.
    engine: u64,
    /// Variants fully evaluated so far (the prefilter's leftovers), for diagnostics.
    pub evaluated: u64,
    /// Events seen so far.
    pub events: u64,
}

/// Numbers engines apart, so that a [`Scratch`] brought from another engine forgets what it
/// remembered there (its memories are keyed by that engine's searchers and matchers).
static NEXT_ENGINE_ID: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);

pub struct Engine {
    id: u64,
    pub rules: Vec<RuleInfo>,
    variants: Vec<Variant>,
    fields: FieldTable,
    routes: Vec<Route>,
    /// Routes each variant is reachable from.
    variant_routes: Vec<Vec<u32>>,
    by_channel: FxHashMap<String, ChannelRoutes>,
    /// Routes of non-Windows datasets (`event.dataset`).
    by_dataset: FxHashMap<String, u32>,
    dataset_slot: Slot,
    windows_route: u32,
    other_route: u32,
    channel_slot: Slot,
    event_id_slot: Slot,
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

impl Scratch {
    /// How many of the prefilter's searches of a value were answered from memory, and how many
    /// values were looked up (for diagnostics: the share depends on how often values repeat).
    pub fn memo_counts(&self) -> (u64, u64) {
        let hits = self.memo.hits + self.quiet.hits;
        (hits, hits + self.memo.misses + self.quiet.misses)
    }
}

impl Engine {
    /// Compiles every regular expression now (a hunt compiles each when an event first reaches
    /// it), so that `rules check` also reports the ones over the size limit.
    pub fn compile_regexes(&self) -> Vec<RuleError> {
        fn walk(e: &Expr, out: &mut Vec<String>) {
            match e {
                Expr::And(v) | Expr::Or(v) => v.iter().for_each(|x| walk(x, out)),
                Expr::Not(x) => walk(x, out),
                Expr::Field(_, Matcher::Regex(re)) | Expr::Keyword(Matcher::Regex(re)) => {
                    if let Err(e) = re.compile() {
                        out.push(format!("bad regular expression: {e}"));
                    }
                }
                _ => {}
            }
        }
        let mut errors: Vec<RuleError> = Vec::new();
        for v in &self.variants {
            let mut found = Vec::new();
            v.guard.iter().chain(std::iter::once(&v.expr)).for_each(|e| walk(e, &mut found));
            let meta = &self.rules[v.rule as usize].meta;
            for error in found {
                let e = RuleError { file: meta.file.to_string(), line: meta.line, error };
                if !errors.contains(&e) {
                    errors.push(e);
                }
            }
        }
        errors
    }

    /// Compiles documents into a plan. Rules that fail are reported in `errors` and left out.
    pub fn build(documents: Vec<SigmaDocument>, mapping: &Mapping) -> Engine {
        let mut fields = FieldTable::default();
        let channel_slot = fields.intern(mapping.paths_for("Channel"));
        let event_id_slot = fields.intern(mapping.paths_for("EventID"));
        let dataset_slot = fields.intern(mapping.paths_for("Dataset"));
        let mut eng = Engine {
            id: NEXT_ENGINE_ID.fetch_add(1, std::sync::atomic::Ordering::Relaxed),
            rules: Vec::new(),
            variants: Vec::new(),
            fields: FieldTable::default(),
            routes: vec![Route::default(), Route::default()],
            variant_routes: Vec::new(),
            by_channel: FxHashMap::default(),
            by_dataset: FxHashMap::default(),
            dataset_slot,
            windows_route: 0,
            other_route: 1,
            channel_slot,
            event_id_slot,
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
        // Rules compile in parallel, each with its own field table; slots are then renumbered
        // into the shared table.
        let mut outcomes: Vec<RuleOutcome> = detections
            .into_par_iter()
            .map(|rule| {
                let variants = mapping.variants_for(&rule.logsource);
                let mut local = RuleFields::default();
                let mut comp = Compiler { mapping, fields: &mut local, unsupported: Vec::new() };
                let mut out = Vec::new();
                let mut errors = Vec::new();
                for v in &variants {
                    let (guard, mut expr) = match comp.compile_parts(&rule.detection, v) {
                        Ok(e) => e,
                        Err(e) => {
                            let line = locate(&rule.meta, &e);
                            errors.push(RuleError { file: rule.meta.file.to_string(), line, error: e });
                            return RuleOutcome {
                                rule: RuleHead::of(rule),
                                variants: None,
                                unsupported: vec![],
                                errors,
                                fields: local.into_fields(),
                                unmapped: false,
                            };
                        }
                    };
                    for f in filters.iter().filter(|f| filter_applies(f, &rule)) {
                        match comp.compile(&f.detection, v) {
                            Ok(fe) => expr = Expr::And(vec![expr, Expr::Not(Box::new(fe))]),
                            Err(e) => {
                                errors.push(RuleError { file: f.meta.file.to_string(), line: f.meta.line, error: e })
                            }
                        }
                    }
                    out.push((v.scope, v.channels.clone(), event_ids(v), guard, expr));
                }
                let unsupported = std::mem::take(&mut comp.unsupported);
                let unmapped = variants.iter().all(|v| v.specificity <= 1)
                    && rule.logsource.product.as_deref() == Some("windows")
                    && (rule.logsource.category.is_some() || rule.logsource.service.is_some());
                RuleOutcome {
                    rule: RuleHead::of(rule),
                    variants: Some(out),
                    unsupported,
                    errors,
                    fields: local.into_fields(),
                    unmapped,
                }
            })
            .collect();
        // The rules' fields join the shared table one after another, in rule order (so slots
        // are numbered as a serial merge would number them); each rule's expressions are then
        // renumbered, and its own field list freed, in parallel.
        let maps: Vec<Vec<Slot>> = outcomes
            .iter()
            .map(|o| match o.variants {
                Some(_) => o.fields.iter().map(|(name, paths)| fields.intern_named(name, paths)).collect(),
                None => Vec::new(),
            })
            .collect();
        outcomes.par_iter_mut().zip(maps.par_iter()).for_each(|(o, map)| {
            drop(std::mem::take(&mut o.fields));
            for (_, _, _, guard, expr) in o.variants.iter_mut().flatten() {
                expr.remap_slots(map);
                if let Some(g) = guard {
                    g.remap_slots(map);
                }
            }
        });
        let mut compiled: Vec<(RuleHead, Vec<CompiledVariant>)> = Vec::with_capacity(outcomes.len());
        for o in outcomes {
            eng.errors.extend(o.errors);
            let Some(variants) = o.variants else { continue };
            let rule = o.rule;
            for reason in o.unsupported {
                eng.unsupported.push(Unsupported {
                    file: rule.meta.file.to_string(),
                    line: rule.meta.line,
                    rule: rule.meta.key().into(),
                    reason,
                });
            }
            if o.unmapped {
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
            compiled.push((rule, variants));
        }
        let variant_count = compiled.iter().map(|(_, v)| v.len()).sum();
        eng.rules.reserve(compiled.len());
        eng.variants.reserve(variant_count);
        eng.variant_routes.reserve(variant_count);
        for (rule, variants) in compiled {
            let idx = eng.rules.len() as u32;
            let standalone =
                !silent.iter().any(|s| Some(*s) == rule.meta.id.as_deref() || Some(*s) == rule.meta.name.as_deref());
            eng.rules.push(RuleInfo { meta: rule.meta, logsource: rule.logsource, standalone });
            for (scope, channels, ids, guard, expr) in variants {
                let routed = guard::routed_guard(
                    guard.as_ref(),
                    channels.as_deref(),
                    ids.as_deref(),
                    eng.channel_slot,
                    eng.event_id_slot,
                );
                eng.variants.push(Variant {
                    rule: idx,
                    guard,
                    routed_guard: routed.guard,
                    needs_exact_id: routed.needs_exact_id,
                    expr,
                });
                let mut routes = Vec::new();
                match (scope, channels) {
                    (_, Some(chs)) => {
                        for c in chs {
                            if let Some(ds) = c.strip_prefix(crate::mapping::DATASET_ROUTE) {
                                let r = match eng.by_dataset.get(ds) {
                                    Some(r) => *r,
                                    None => {
                                        eng.routes.push(Route::default());
                                        let r = eng.routes.len() as u32 - 1;
                                        eng.by_dataset.insert(ds.to_string(), r);
                                        r
                                    }
                                };
                                routes.push(r);
                                continue;
                            }
                            let cr = eng.by_channel.entry(c).or_default();
                            let all_routes = &mut eng.routes;
                            let mut fresh = || {
                                all_routes.push(Route::default());
                                all_routes.len() as u32 - 1
                            };
                            match &ids {
                                Some(ids) => {
                                    for id in ids {
                                        let r = match cr.by_id.get(id) {
                                            Some(r) => *r,
                                            None => {
                                                let r = fresh();
                                                cr.by_id.insert(*id, r);
                                                r
                                            }
                                        };
                                        routes.push(r);
                                    }
                                }
                                None => {
                                    let r = match cr.any_id {
                                        Some(r) => r,
                                        None => {
                                            let r = fresh();
                                            cr.any_id = Some(r);
                                            r
                                        }
                                    };
                                    routes.push(r);
                                }
                            }
                        }
                    }
                    (Scope::Windows, None) => routes.push(eng.windows_route),
                    (Scope::Other, None) => routes.push(eng.other_route),
                    (Scope::Any, None) => routes.extend([eng.windows_route, eng.other_route]),
                }
                routes.sort_unstable();
                routes.dedup();
                eng.variant_routes.push(routes);
            }
        }
        eng.fields = fields;
        eng.build_prefilter();
        for (v, routes) in eng.variant_routes.iter().enumerate() {
            if !eng.is_filtered(v as u32) {
                for &r in routes {
                    eng.routes[r as usize].unfiltered.push(v as u32);
                }
            }
        }
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
        // Variant numbers leave the top bit free for the `PAIR` flag.
        assert!(self.variants.len() < PAIR as usize, "too many rule variants");
        let mut group_variant: Vec<u32> = Vec::new();
        self.filtered = vec![0; self.variants.len().div_ceil(64)];
        // Each variant's literal groups are worked out in parallel and numbered in variant order;
        // then each route's table (source -> literal -> groups) is filled in parallel, taking its
        // variants in order so every literal's groups come out as a serial fill would give them.
        let all_groups: Vec<_> = self.variants.par_iter().map(|v| v.expr.required_groups()).collect();
        let mut first_group = vec![0u32; self.variants.len()];
        let mut route_variants: Vec<Vec<u32>> = vec![Vec::new(); self.routes.len()];
        for (vi, groups) in all_groups.iter().enumerate() {
            if groups.is_empty() {
                continue;
            }
            self.filtered[vi / 64] |= 1 << (vi % 64);
            if groups.len() == 2 && group_variant.len() % 2 == 1 {
                // The two groups of a variant start at an even number (see `PAIR`).
                group_variant.push(NO_VARIANT);
            }
            first_group[vi] = group_variant.len() as u32;
            let flag = if groups.len() == 2 { PAIR } else { 0 };
            group_variant.extend(std::iter::repeat_n(vi as u32 | flag, groups.len()));
            for &r in &self.variant_routes[vi] {
                route_variants[r as usize].push(vi as u32);
            }
        }
        // Literals are numbered in the order they first occur (any order would do: a route's
        // table is sorted by number, so combining routes is a merge).
        let mut ids: FxHashMap<&str, u32> = FxHashMap::default();
        let mut keys: Vec<&str> = Vec::new();
        for lit in all_groups.iter().flatten().flatten() {
            let key = literal_key(&lit.text);
            ids.entry(key).or_insert_with(|| {
                keys.push(key);
                keys.len() as u32 - 1
            });
        }
        let tables: Vec<RouteTable> = route_variants
            .par_iter()
            .map(|variants| {
                let mut entries: Vec<(LiteralSource, u32, u32)> = Vec::new();
                for &vi in variants {
                    for (k, g) in all_groups[vi as usize].iter().enumerate() {
                        let gid = first_group[vi as usize] + k as u32;
                        for lit in g {
                            // Every key is in `ids`, which was made from these literals.
                            let id = ids.get(literal_key(&lit.text)).copied().unwrap_or_default();
                            entries.push((lit.source, id, gid));
                        }
                    }
                }
                entries.sort_unstable();
                entries.dedup();
                let mut table = RouteTable::new();
                for chunk in entries.chunk_by(|a, b| a.0 == b.0) {
                    let lits =
                        chunk.chunk_by(|a, b| a.1 == b.1).map(|c| (c[0].1, c.iter().map(|e| e.2).collect())).collect();
                    table.push((chunk[0].0, lits));
                }
                table
            })
            .collect();
        let pool = LiteralPool::new(&keys);
        // Every combination of routes an event can be on. Its literal table (the merge of its
        // routes' tables) and automata are built on first use: a run over Sysmon data never pays
        // for the routes of other channels, and loading stays fast.
        let mut triples = vec![[self.other_route, u32::MAX, u32::MAX], [self.windows_route, u32::MAX, u32::MAX]];
        triples.extend(self.by_dataset.values().map(|&r| [self.other_route, r, u32::MAX]));
        for cr in self.by_channel.values() {
            let any = cr.any_id.unwrap_or(u32::MAX);
            triples.push([self.windows_route, any, u32::MAX]);
            triples.extend(cr.by_id.values().map(|&r| [self.windows_route, any, r]));
        }
        triples.sort_unstable();
        triples.dedup();
        let mut combo_of = FxHashMap::default();
        let combos: Vec<RouteScans> = triples
            .into_iter()
            .enumerate()
            .map(|(i, triple)| {
                combo_of.insert(triple, i as u32);
                RouteScans { routes: triple, built: OnceLock::new() }
            })
            .collect();
        self.prefilter = Some(Prefilter { pool, tables, combos, combo_of, group_variant });
    }

    pub fn variant_count(&self) -> usize {
        self.variants.len()
    }

    /// Finds the rules an event matches; their indices are appended to `out` (each once).
    pub fn evaluate(&self, fields: &Value, scratch: &mut Scratch, out: &mut Vec<u32>) {
        if scratch.engine != self.id {
            let (evaluated, events) = (scratch.evaluated, scratch.events);
            *scratch = Scratch { engine: self.id, evaluated, events, ..Scratch::default() };
        }
        scratch.events += 1;
        let mut slots = std::mem::take(&mut scratch.slots);
        let mut ctx = EventCtx::new(fields, &self.fields, &mut slots);
        let mut active = [u32::MAX; 3];
        // Whether the event's EventID is written as the number it was routed by.
        let mut id_exact = false;
        match ctx.get(self.channel_slot) {
            Some(Value::String(ch)) => {
                active[0] = self.windows_route;
                if let Some(cr) = self.by_channel.get(route_key(ch, &mut scratch.route_raw, &mut scratch.route_key)) {
                    active[1] = cr.any_id.unwrap_or(u32::MAX);
                    if !cr.by_id.is_empty() {
                        if let Some(v) = ctx.get(self.event_id_slot) {
                            if let Some(id) = event_id(v) {
                                active[2] = cr.by_id.get(&id).copied().unwrap_or(u32::MAX);
                                id_exact = guard::reads_as_its_number(v);
                            }
                        }
                    }
                }
            }
            _ => {
                active[0] = self.other_route;
                if !self.by_dataset.is_empty() {
                    if let Some(Value::String(ds)) = ctx.get(self.dataset_slot) {
                        active[1] = self
                            .by_dataset
                            .get(route_key(ds, &mut scratch.route_raw, &mut scratch.route_key))
                            .copied()
                            .unwrap_or(u32::MAX);
                    }
                }
            }
        }
        scratch.candidates.clear();
        for &r in active.iter().filter(|r| **r != u32::MAX) {
            scratch.candidates.extend_from_slice(&self.routes[r as usize].unfiltered);
        }
        if let Some(pf) = &self.prefilter {
            scan::scan(pf, fields, &mut ctx, &active, scratch);
        }
        for i in 0..scratch.marked.len() {
            let v = scratch.marked[i];
            if self.variant_routes[v as usize].iter().any(|r| active.contains(r)) {
                scratch.candidates.push(v);
            }
        }
        let start = out.len();
        for &v in &scratch.candidates {
            let var = &self.variants[v as usize];
            if out[start..].contains(&var.rule) {
                continue;
            }
            scratch.evaluated += 1;
            // A candidate was reached through one of its routes.
            let guard = if var.needs_exact_id && !id_exact { &var.guard } else { &var.routed_guard };
            if guard.as_ref().is_none_or(|g| ctx.eval(g)) && ctx.eval(&var.expr) {
                out.push(var.rule);
            }
        }
        drop(ctx);
        scratch.slots = slots;
    }

    fn is_filtered(&self, v: u32) -> bool {
        self.filtered[v as usize / 64] & (1 << (v % 64)) != 0
    }

    /// Reads field values of an event by Sigma field name (for correlation group keys).
    pub fn field_text(&self, fields: &Value, slot: Slot) -> Option<String> {
        let mut slots = crate::eval::SlotIndex::default();
        let mut ctx = EventCtx::new(fields, &self.fields, &mut slots);
        match ctx.get(slot)? {
            Value::String(s) => Some(s.to_string()),
            Value::Null => None,
            other => Some(other.to_string()),
        }
    }

    pub fn rule_level(&self, idx: u32) -> Level {
        self.rules[idx as usize].meta.level.unwrap_or(Level::Medium)
    }
}

/// Folded text of a value looked up per event (its channel or dataset), in a reused buffer;
/// folded only when it differs from the last value (`raw`).
fn route_key<'b>(s: &str, raw: &mut String, buf: &'b mut String) -> &'b str {
    if !seawall_core::same_bytes(raw.as_bytes(), s.as_bytes()) {
        raw.clear();
        raw.push_str(s);
        buf.clear();
        push_folded(buf, s);
    }
    buf
}

/// Event ids a variant's log-source conditions pin it to, when they are all plain integers.
fn event_ids(v: &crate::mapping::SourceVariant) -> Option<Vec<i64>> {
    let (_, values) = v.conditions.iter().find(|(f, _)| f == "EventID")?;
    values.iter().map(|y| if let crate::yaml::Yaml::Int(i) = y { Some(*i) } else { None }).collect()
}

/// An event id as a number, whether the record holds it as a number or as text.
fn event_id(v: &Value) -> Option<i64> {
    match v {
        Value::Number(n) => n.as_i64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
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
