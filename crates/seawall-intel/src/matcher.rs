//! Intelligence over events: atomic indicators through the IOC index, other single-observation
//! patterns through the STIX evaluator on the event's objects, and multi-observation patterns
//! (`FOLLOWEDBY`, `REPEATS`, `WITHIN` …) over the events that can take part in them, evaluated
//! once the evidence has been read.

use std::sync::Arc;

use seawall_core::{Event, Place};
use seawall_stix::matcher::{Matcher, Observation, ObservedSet};

use crate::allowlist::Allowlist;
use crate::event_values::{scan_event, ValueHit};
use crate::index::{How, IocIndex};
use crate::kev_products::KevProducts;
use crate::model::{Indicator, IntelError, IntelSet};
use crate::scos::event_objects;

/// Events kept per multi-observation pattern.
pub const MAX_SEQUENCE_EVENTS: usize = 10_000;

struct PatternIndicator {
    indicator: u32,
    matcher: Matcher,
    types: Vec<String>,
}

/// An event kept for a multi-observation pattern.
#[derive(Debug, Clone)]
pub struct KeptEvent {
    pub time: i64,
    pub file: Arc<str>,
    pub place: Place,
    pub objects: Vec<(String, serde_json::Value)>,
}

/// What one event gave.
#[derive(Debug, Default)]
pub struct EventIntel {
    /// Atomic indicators met by a value, allowlisted values removed.
    pub values: Vec<ValueHit>,
    /// Single-observation pattern indicators that hold for the event.
    pub patterns: Vec<u32>,
    /// (pattern number, event) for multi-observation patterns the event can take part in.
    pub kept: Vec<(usize, KeptEvent)>,
    /// Hits dropped because the value is on an allowlist.
    pub allowlisted: u64,
    /// Pattern evaluation errors (bad data for a pattern), as text.
    pub errors: Vec<String>,
}

pub struct IntelMatcher {
    pub indicators: Vec<Indicator>,
    /// The other STIX objects (attack patterns, malware, actors …) by id.
    pub objects: std::collections::BTreeMap<String, serde_json::Value>,
    index: IocIndex,
    allowlists: Vec<Allowlist>,
    single: Vec<PatternIndicator>,
    multi: Vec<PatternIndicator>,
    /// Indicators in the index, and their observables.
    pub atomic: usize,
    pub revoked: usize,
    /// The products the KEV catalogue lists; group `g` is indicator `product_base + g`.
    kev_products: KevProducts,
    product_base: u32,
}

/// The label of the indicators that stand for a product the KEV catalogue lists.
pub const KEV_PRODUCT_LABEL: &str = "cisa-kev-product";

/// The deterministic id of a KEV entry's `vulnerability`.
pub fn kev_id(cve: &str) -> String {
    seawall_core::content_id("vulnerability", 0x5ea3_a11e_0000_4000_8000_0000_0000_0003, cve.as_bytes())
}

fn micros(t: jiff::Timestamp) -> i64 {
    t.as_microsecond()
}

impl IntelMatcher {
    /// Compiles a loaded set; indicators whose pattern cannot be evaluated are reported.
    pub fn new(set: IntelSet) -> (IntelMatcher, Vec<IntelError>) {
        let mut errors = Vec::new();
        let mut m = IntelMatcher {
            indicators: Vec::new(),
            objects: set.objects,
            index: IocIndex::default(),
            allowlists: set.allowlists,
            single: Vec::new(),
            multi: Vec::new(),
            atomic: 0,
            revoked: 0,
            kev_products: KevProducts::new(&set.kev),
            product_base: 0,
        };
        let mut regexes = seawall_stix::matcher::CompileCache::default();
        for ind in set.indicators {
            if ind.revoked {
                m.revoked += 1;
                continue;
            }
            let n = m.indicators.len() as u32;
            // List entries name one observable: straight into the index.
            if let Some(o) = &ind.observable {
                m.index.insert(o, n);
                m.atomic += 1;
                m.indicators.push(ind);
                continue;
            }
            let parsed = match seawall_stix::parse_pattern_syntax(&ind.stix_pattern) {
                Ok(p) => p,
                Err(e) => {
                    errors.push(IntelError { origin: ind.origin.clone(), message: format!("pattern: {e}") });
                    continue;
                }
            };
            if let Some(atoms) = crate::atoms::atoms_of(&parsed.root) {
                for a in &atoms {
                    m.index.insert(a, n);
                }
                m.atomic += 1;
            } else {
                match Matcher::with_cache(&parsed, &mut regexes) {
                    Ok(matcher) => {
                        let types = matcher.object_types();
                        let p = PatternIndicator { indicator: n, types, matcher };
                        if p.matcher.is_single_observation() {
                            m.single.push(p);
                        } else {
                            m.multi.push(p);
                        }
                    }
                    Err(e) => {
                        errors.push(IntelError { origin: ind.origin.clone(), message: format!("pattern: {e}") });
                        continue;
                    }
                }
            }
            m.indicators.push(ind);
        }
        // Each known-exploited vulnerability becomes an indicator of its CVE id.
        for k in set.kev {
            let n = m.indicators.len() as u32;
            m.index.insert_cve(&k.cve, n);
            let mut labels = vec!["cisa-kev".to_string()];
            if k.ransomware {
                labels.push("known-ransomware-use".to_string());
            }
            m.indicators.push(Indicator {
                name: Some(format!("Known exploited vulnerability {} ({} {}: {})", k.cve, k.vendor, k.product, k.name)),
                description: Some(format!("In the CISA KEV catalogue since {}", k.date_added)),
                labels,
                ..Indicator::plain(
                    kev_id(&k.cve),
                    crate::model::Origin { file: "CISA KEV".into(), place: k.cve.clone() },
                )
            });
        }
        // Each product the catalogue lists becomes an indicator too: an event that shows a system
        // running it (see `product_hit`) exposes that system to the product's exploited CVEs.
        m.product_base = m.indicators.len() as u32;
        for g in &m.kev_products.groups {
            let what = format!("{} {}", g.vendor, g.product);
            let count = g.cves.len();
            let plural = if count == 1 { "vulnerability" } else { "vulnerabilities" };
            let id = seawall_core::content_id("indicator", 0x5ea3_a11e_0000_4000_8000_0000_0000_0004, what.as_bytes());
            m.indicators.push(Indicator {
                name: Some(format!("Runs {what}, which has {count} known exploited {plural}")),
                description: Some(format!("The CISA KEV catalogue lists {} for {what}", g.cves.join(", "))),
                labels: vec![KEV_PRODUCT_LABEL.to_string()],
                ..Indicator::plain(id, crate::model::Origin { file: "CISA KEV".into(), place: what })
            });
        }
        m.index.seal();
        (m, errors)
    }

    pub fn pattern_count(&self) -> (usize, usize) {
        (self.single.len(), self.multi.len())
    }

    /// The IOC index (for benchmarks and tools).
    pub fn index(&self) -> &IocIndex {
        &self.index
    }

    pub fn observables(&self) -> usize {
        self.index.len()
    }

    fn allowlisted(&self, h: &ValueHit) -> bool {
        self.allowlists.iter().any(|a| a.holds(&h.value, h.net.as_ref()))
    }

    /// Everything the intelligence says about one event.
    pub fn check(&self, ev: &Event) -> EventIntel {
        let mut out = EventIntel::default();
        let t = ev.timestamp.map(micros);
        scan_event(&ev.fields, &self.index, &mut out.values);
        if let Some(hit) = self.product_hit(ev) {
            out.values.push(hit);
        }
        if !out.values.is_empty() {
            out.values.retain(|h| self.indicators[h.indicator as usize].applies_at(t));
            let before = out.values.len();
            out.values.retain(|h| !self.allowlisted(h));
            out.allowlisted = (before - out.values.len()) as u64;
        }
        if self.single.is_empty() && self.multi.is_empty() {
            return out;
        }
        let objects = event_objects(ev);
        if objects.is_empty() {
            return out;
        }
        let has_type = |types: &[String]| {
            objects.iter().any(|(_, o)| types.iter().any(|t| o.get("type").and_then(|x| x.as_str()) == Some(t)))
        };
        let refs: Vec<(&str, &serde_json::Value)> = objects.iter().map(|(k, v)| (k.as_str(), v)).collect();
        let time = t.unwrap_or(0);
        let obs = Observation::new(time, time, 1, refs);
        // Prepared once, for every pattern that applies.
        let mut set = None;
        for p in &self.single {
            if !has_type(&p.types) || !self.indicators[p.indicator as usize].applies_at(t) {
                continue;
            }
            let set = set.get_or_insert_with(|| ObservedSet::new(std::slice::from_ref(&obs)));
            match p.matcher.matches_in(set) {
                Ok(true) => out.patterns.push(p.indicator),
                Ok(false) => {}
                Err(e) => out.errors.push(format!("{}: {e}", self.indicators[p.indicator as usize].id)),
            }
        }
        for (k, p) in self.multi.iter().enumerate() {
            if !has_type(&p.types) || !self.indicators[p.indicator as usize].applies_at(t) {
                continue;
            }
            match p.matcher.touches(&obs) {
                Ok(true) => out.kept.push((
                    k,
                    KeptEvent { time, file: ev.source.file.clone(), place: ev.source.place, objects: objects.clone() },
                )),
                Ok(false) => {}
                Err(e) => out.errors.push(format!("{}: {e}", self.indicators[p.indicator as usize].id)),
            }
        }
        out
    }

    /// Evaluates the multi-observation patterns over the kept events (sorted by time and
    /// place first, so the result does not depend on thread timing). Returns, per pattern
    /// that matched, the indicator and the events of one binding.
    pub fn finish_sequences(&self, mut kept: Vec<Vec<KeptEvent>>) -> (Vec<(u32, Vec<KeptEvent>)>, Vec<String>) {
        let mut found = Vec::new();
        let mut errors = Vec::new();
        for (k, p) in self.multi.iter().enumerate() {
            let Some(events) = kept.get_mut(k) else { continue };
            if events.is_empty() {
                continue;
            }
            events.sort_by(|a, b| (a.time, &a.file, a.place).cmp(&(b.time, &b.file, b.place)));
            let obs: Vec<Observation<'_>> = events
                .iter()
                .map(|e| Observation::new(e.time, e.time, 1, e.objects.iter().map(|(k, v)| (k.as_str(), v)).collect()))
                .collect();
            match p.matcher.find(&obs) {
                Ok(Some(idx)) => found.push((p.indicator, idx.into_iter().map(|i| events[i].clone()).collect())),
                Ok(None) => {}
                Err(e) => errors.push(format!("{}: {e}", self.indicators[p.indicator as usize].id)),
            }
        }
        (found, errors)
    }

    pub fn multi_count(&self) -> usize {
        self.multi.len()
    }

    /// The KEV product an event shows running (`observer.vendor` and `observer.product`), as a
    /// hit on that product's indicator.
    fn product_hit(&self, ev: &Event) -> Option<ValueHit> {
        if self.kev_products.is_empty() {
            return None;
        }
        let observer = ev.fields.get("observer")?;
        let text = |k: &str| observer.get(k).and_then(seawall_core::Value::as_str);
        let (vendor, product) = (text("vendor")?, text("product")?);
        let g = self.kev_products.find(vendor, product)?;
        let mut value = format!("{vendor} {product}");
        if let Some(version) = text("version") {
            value.push(' ');
            value.push_str(version);
        }
        Some(ValueHit {
            indicator: self.product_base + g as u32,
            field: "observer.product".to_string(),
            value,
            net: None,
            how: How::KevProduct,
        })
    }

    /// How many products of the KEV catalogue events are matched against.
    pub fn kev_product_count(&self) -> usize {
        self.kev_products.groups.len()
    }

    /// For a KEV indicator, its CVE id.
    pub fn kev_cve(&self, indicator: u32) -> Option<&str> {
        let ind = &self.indicators[indicator as usize];
        ind.labels.first().filter(|l| *l == "cisa-kev").map(|_| ind.origin.place.as_str())
    }

    /// ATT&CK technique ids (`T1190`, `T1133.001`) of the attack patterns an indicator
    /// `indicates`.
    pub fn attack_ids(&self, indicator: u32) -> Vec<String> {
        let mut out = Vec::new();
        for target in &self.indicators[indicator as usize].indicates {
            let Some(obj) = self.objects.get(target) else { continue };
            if obj.get("type").and_then(|t| t.as_str()) != Some("attack-pattern") {
                continue;
            }
            for r in obj.get("external_references").and_then(|r| r.as_array()).into_iter().flatten() {
                if r.get("source_name").and_then(|s| s.as_str()).is_some_and(|s| s.starts_with("mitre-")) {
                    if let Some(id) = r.get("external_id").and_then(|s| s.as_str()) {
                        if !out.iter().any(|x| x == id) {
                            out.push(id.to_string());
                        }
                    }
                }
            }
        }
        out
    }
}
