//! Aggregates rule hits into findings: one per rule, with a count, time range, entities and
//! every evidence place (or the first N in file/place order when capped).

use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;

use jiff::Timestamp;
use seawall_core::{Entities, Event, EvidenceRef, Finding, FindingSource, Level, Place, Value};
use seawall_sigma::correlation::CorrelationMatch;
use seawall_sigma::Engine;

/// Entities kept per finding and kind.
const MAX_ENTITIES: usize = 50;

const HOST_PATHS: &[&[&str]] = &[
    &["Event", "System", "Computer"],
    &["winlog", "computer_name"],
    &["host", "name"],
    &["observer", "hostname"],
    &["Computer"],
    &["hostname"],
];
const USER_PATHS: &[&[&str]] = &[
    &["Event", "EventData", "User"],
    &["Event", "EventData", "TargetUserName"],
    &["Event", "EventData", "SubjectUserName"],
    &["winlog", "event_data", "User"],
    &["user", "name"],
    &["User"],
];
const IP_PATHS: &[&[&str]] = &[
    &["Event", "EventData", "IpAddress"],
    &["Event", "EventData", "SourceIp"],
    &["Event", "EventData", "DestinationIp"],
    &["source", "ip"],
    &["destination", "ip"],
    &["src_ip"],
    &["dest_ip"],
];

/// Evidence places of one finding, gathered unordered and put in order once at the end (or
/// whenever a capped list grows to twice its cap, keeping the smallest).
#[derive(Default)]
pub struct EvidenceList {
    places: Vec<(Arc<str>, Place)>,
}

fn place_order(a: &(Arc<str>, Place), b: &(Arc<str>, Place)) -> std::cmp::Ordering {
    // Most places of one finding come from one file: skip comparing its name to itself.
    let file = if Arc::ptr_eq(&a.0, &b.0) { std::cmp::Ordering::Equal } else { a.0.cmp(&b.0) };
    file.then(a.1.cmp(&b.1))
}

impl EvidenceList {
    pub fn push(&mut self, item: (Arc<str>, Place), cap: usize) {
        self.places.push(item);
        if cap != usize::MAX && self.places.len() >= cap.saturating_mul(2).max(1024) {
            self.compact(cap);
        }
    }

    fn extend(&mut self, other: EvidenceList, cap: usize) {
        self.places.extend(other.places);
        if cap != usize::MAX && self.places.len() >= cap.saturating_mul(2).max(1024) {
            self.compact(cap);
        }
    }

    /// Sorts, removes duplicates and keeps the `cap` smallest, so a capped list is the same
    /// whatever the thread timing.
    fn compact(&mut self, cap: usize) {
        self.places.sort_unstable_by(place_order);
        self.places.dedup_by(|a, b| place_order(a, b).is_eq());
        self.places.truncate(cap);
    }

    /// The places in order (for tests).
    #[cfg(test)]
    pub fn clone_places(&self) -> Vec<(Arc<str>, Place)> {
        let mut p = self.places.clone();
        p.sort_unstable_by(place_order);
        p
    }

    /// The places in order, without duplicates, at most `cap`.
    fn finish(mut self, cap: usize) -> Vec<(Arc<str>, Place)> {
        self.compact(cap);
        self.places
    }
}

#[derive(Default)]
pub struct Partial {
    pub count: u64,
    pub first: Option<Timestamp>,
    pub last: Option<Timestamp>,
    pub evidence: EvidenceList,
    pub hosts: BTreeSet<String>,
    pub users: BTreeSet<String>,
    pub ips: BTreeSet<String>,
    pub subscribers: BTreeSet<String>,
}

/// Host, user and address values of one event, read once however many rules it matched.
#[derive(Default)]
pub struct EventEntities<'e> {
    hosts: Vec<&'e str>,
    users: Vec<&'e str>,
    ips: Vec<&'e str>,
    subscribers: Vec<&'e str>,
}

impl<'e> EventEntities<'e> {
    pub fn of(event: &'e Event) -> Self {
        let roots = Roots::of(&event.fields);
        EventEntities {
            hosts: roots.collect(HOST_PATHS),
            users: roots.collect(USER_PATHS),
            ips: roots.collect(IP_PATHS),
            subscribers: roots
                .get("seawall")
                .and_then(|s| s.get("subscribers"))
                .and_then(Value::as_array)
                .map(|a| a.iter().filter_map(Value::as_str).collect())
                .unwrap_or_default(),
        }
    }
}

/// The first steps of the entity paths.
const ROOT_KEYS: &[&str] = &[
    "Event",
    "winlog",
    "host",
    "observer",
    "Computer",
    "hostname",
    "user",
    "User",
    "source",
    "destination",
    "src_ip",
    "dest_ip",
    "seawall",
];

/// The top-level values the entity paths start from, found in one pass over the event's keys:
/// looking each path up on its own scanned every key for each of the ~20 paths, for every event
/// that matched a rule.
struct Roots<'e> {
    /// The keys found, in the event's order, in a fixed array (no allocation per event).
    found: [Option<(&'e str, &'e Value)>; ROOT_KEYS.len()],
}

impl<'e> Roots<'e> {
    fn of(fields: &'e Value) -> Self {
        let mut found = [None; ROOT_KEYS.len()];
        let wanted =
            fields.as_object().into_iter().flat_map(|m| m.iter()).filter(|(k, _)| ROOT_KEYS.contains(&k.as_str()));
        // An event holds each key once, so at most `ROOT_KEYS.len()` are found.
        for (slot, (k, v)) in found.iter_mut().zip(wanted) {
            *slot = Some((k.as_str(), v));
        }
        Roots { found }
    }

    fn get(&self, key: &str) -> Option<&'e Value> {
        self.found.iter().map_while(|f| *f).find(|(k, _)| *k == key).map(|(_, v)| v)
    }

    /// The non-empty string values at `paths`, in path order, each once.
    fn collect(&self, paths: &[&[&str]]) -> Vec<&'e str> {
        let mut out = Vec::new();
        for p in paths {
            let Some((first, rest)) = p.split_first() else { continue };
            let mut cur = self.get(first);
            for seg in rest {
                cur = cur.and_then(|c| c.get(*seg));
            }
            if let Some(Value::String(s)) = cur {
                if !s.is_empty() && s != "-" && !out.contains(&s.as_str()) {
                    out.push(s.as_str());
                }
            }
        }
        out
    }
}

impl EventEntities<'_> {
    /// Owned copies (hosts, users, addresses, subscribers), for hits kept past the event.
    pub fn owned(&self) -> [Vec<String>; 4] {
        let own = |v: &Vec<&str>| v.iter().map(|s| s.to_string()).collect();
        [own(&self.hosts), own(&self.users), own(&self.ips), own(&self.subscribers)]
    }
}

impl Partial {
    pub fn add(&mut self, event: &Event, entities: &EventEntities, cap: usize) {
        self.count += 1;
        if let Some(t) = event.timestamp {
            self.first = Some(self.first.map_or(t, |f| f.min(t)));
            self.last = Some(self.last.map_or(t, |l| l.max(t)));
        }
        self.evidence.push((event.source.file.clone(), event.source.place), cap);
        for (set, values) in [
            (&mut self.hosts, &entities.hosts),
            (&mut self.users, &entities.users),
            (&mut self.ips, &entities.ips),
            (&mut self.subscribers, &entities.subscribers),
        ] {
            for v in values {
                let full = set.len() >= MAX_ENTITIES && set.last().is_some_and(|last| *v >= last.as_str());
                if !full && !set.contains(*v) {
                    push_capped(set, v.to_string(), MAX_ENTITIES);
                }
            }
        }
    }

    pub fn merge(&mut self, other: Partial, cap: usize) {
        self.count += other.count;
        self.first = match (self.first, other.first) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        self.last = match (self.last, other.last) {
            (Some(a), Some(b)) => Some(a.max(b)),
            (a, b) => a.or(b),
        };
        self.evidence.extend(other.evidence, cap);
        for (mine, theirs) in [
            (&mut self.hosts, other.hosts),
            (&mut self.users, other.users),
            (&mut self.ips, other.ips),
            (&mut self.subscribers, other.subscribers),
        ] {
            for v in theirs {
                push_capped(mine, v, MAX_ENTITIES);
            }
        }
    }
}

/// Keeps the `cap` smallest items, so a capped list is the same whatever the thread timing.
fn push_capped<T: Ord>(set: &mut BTreeSet<T>, item: T, cap: usize) {
    if set.len() < cap {
        set.insert(item);
    } else if set.last().is_some_and(|last| item < *last) {
        set.insert(item);
        set.pop_last();
    }
}

fn evidence_refs(places: Vec<(Arc<str>, Place)>) -> Vec<EvidenceRef> {
    places
        .into_iter()
        .map(|(file, place)| (file.to_string(), place))
        .map(|(file, place)| match place {
            Place::Line(n) => EvidenceRef { file, line: Some(n), record: None },
            Place::Record(n) => EvidenceRef { file, line: None, record: Some(n) },
        })
        .collect()
}

/// Findings for detection rules.
pub fn rule_findings(engine: &Engine, hits: HashMap<u32, Partial>, cap: usize) -> Vec<Finding> {
    let mut out = Vec::new();
    for (idx, p) in hits {
        let rule = &engine.rules[idx as usize];
        if !rule.standalone {
            continue;
        }
        let meta = &rule.meta;
        let evidence = p.evidence.finish(cap);
        let truncated = (evidence.len() as u64) < p.count;
        out.push(Finding {
            id: format!("sigma:{}", meta.key()),
            source: FindingSource::Sigma,
            rule_id: meta.key().to_string(),
            title: meta.title.clone(),
            level: engine.rule_level(idx),
            status: meta.status.clone(),
            author: meta.author.clone(),
            attack: meta.attack_ids(),
            tags: meta.tags.clone(),
            first_seen: p.first,
            last_seen: p.last,
            count: p.count,
            entities: Entities { hosts: p.hosts, users: p.users, ips: p.ips, subscribers: p.subscribers },
            summary: summary(meta.description.as_deref(), p.count),
            evidence: evidence_refs(evidence),
            evidence_truncated: truncated && cap != usize::MAX,
        });
    }
    out
}

fn summary(desc: Option<&str>, count: u64) -> String {
    let d = desc.unwrap_or("").split_whitespace().collect::<Vec<_>>().join(" ");
    format!("{count} matching event(s). {d}").trim().to_string()
}

/// Group-by names and values of one correlation match.
type Group = Vec<(String, Option<String>)>;
/// Firings, first and last time, evidence and the largest measured value of one group.
type CorrAgg = (u64, Timestamp, Timestamp, EvidenceList, f64);

/// Findings for correlations that fired, one per correlation and group.
pub fn correlation_findings(engine: &Engine, matches: Vec<CorrelationMatch>, cap: usize) -> Vec<Finding> {
    let mut grouped: HashMap<(usize, Group), CorrAgg> = HashMap::new();
    for m in matches {
        let c = &engine.correlations[m.corr];
        if c.chained {
            // Feeds another correlation; reported through it.
            continue;
        }
        let e = grouped.entry((m.corr, m.group.clone())).or_insert((0, m.first, m.last, EvidenceList::default(), 0.0));
        e.0 += 1;
        e.1 = e.1.min(m.first);
        e.2 = e.2.max(m.last);
        e.4 = e.4.max(m.measured);
        for s in m.events {
            e.3.push((s.file.clone(), s.place), cap);
        }
    }
    let mut out = Vec::new();
    for ((ci, group), (count, first, last, ev, measured)) in grouped {
        let c = &engine.correlations[ci];
        let meta = &c.meta;
        let group_text: Vec<String> =
            group.iter().map(|(k, v)| format!("{k}={}", v.as_deref().unwrap_or("-"))).collect();
        let title = if group_text.is_empty() {
            meta.title.clone()
        } else {
            format!("{} [{}]", meta.title, group_text.join(", "))
        };
        let mut users = BTreeSet::new();
        let mut hosts = BTreeSet::new();
        for (k, v) in &group {
            if let Some(v) = v {
                let k = k.to_lowercase();
                if k.contains("user") {
                    users.insert(v.clone());
                } else if k.contains("computer") || k.contains("host") {
                    hosts.insert(v.clone());
                }
            }
        }
        out.push(Finding {
            id: format!("sigma-correlation:{}:{}", meta.key(), group_text.join(",")),
            source: FindingSource::Sigma,
            rule_id: meta.key().to_string(),
            title,
            level: meta.level.unwrap_or(Level::Medium),
            status: meta.status.clone(),
            author: meta.author.clone(),
            attack: meta.attack_ids(),
            tags: meta.tags.clone(),
            first_seen: Some(first),
            last_seen: Some(last),
            count,
            entities: Entities { hosts, users, ips: BTreeSet::new(), subscribers: BTreeSet::new() },
            summary: format!("correlation {:?} fired {count} time(s); largest measured value {measured}", c.kind),
            evidence: evidence_refs(ev.finish(cap)),
            evidence_truncated: false,
        });
    }
    out
}

/// Hits of one indicator: like [`Partial`], plus the values that met it (built by
/// [`crate::intel_hits::HitStore`]).
#[derive(Default)]
pub struct IntelPartial {
    pub partial: Partial,
    /// `field`, value and how it matched, with counts.
    pub values: std::collections::BTreeMap<(String, String, String), u64>,
}

/// The level of an intelligence finding: high for indicators of malicious activity,
/// compromise or attribution, CISA KEV vulnerabilities, or confidence 70 or more; low for benign or anomalous
/// activity, or confidence under 30; medium otherwise (plain IOC lists).
fn intel_level(ind: &seawall_intel::Indicator) -> Level {
    let has = |l: &str| ind.has_label(l);
    if ind.confidence.is_some_and(|c| c < 30) || has("benign") || has("anomalous-activity") {
        Level::Low
    } else if ind.confidence.is_some_and(|c| c >= 70)
        || has("malicious-activity")
        || has("compromised")
        || has("attribution")
        || has("cisa-kev")
    {
        Level::High
    } else {
        Level::Medium
    }
}

/// Findings for indicators met: one per indicator, IOC hits (`ioc`) and pattern matches
/// (`stix`), plus one per multi-observation pattern that matched.
pub fn intel_findings(
    im: &seawall_intel::IntelMatcher,
    hits: HashMap<u32, IntelPartial>,
    sequences: Vec<(u32, Vec<seawall_intel::KeptEvent>)>,
    cap: usize,
) -> Vec<Finding> {
    let mut out = Vec::new();
    let base = |idx: u32, source: FindingSource, p: &Partial| {
        let ind = &im.indicators[idx as usize];
        let prefix = if source == FindingSource::Ioc { "ioc" } else { "stix" };
        Finding {
            id: format!("{prefix}:{}", ind.id),
            source,
            rule_id: ind.id.clone(),
            title: ind.title(),
            level: intel_level(ind),
            status: None,
            author: None,
            attack: im.attack_ids(idx),
            tags: ind.labels.clone(),
            first_seen: p.first,
            last_seen: p.last,
            count: p.count,
            entities: Entities::default(),
            evidence: Vec::new(),
            evidence_truncated: false,
            summary: String::new(),
        }
    };
    for (idx, ip) in hits {
        let ind = &im.indicators[idx as usize];
        let source = if ip.values.is_empty() { FindingSource::Stix } else { FindingSource::Ioc };
        let mut f = base(idx, source, &ip.partial);
        let seen: Vec<String> =
            ip.values.iter().map(|((field, value, how), n)| format!("{value} in {field} ({how}, {n}×)")).collect();
        let what = if seen.is_empty() { format!("pattern {} holds", ind.pattern()) } else { seen.join("; ") };
        f.summary = format!("{} matching event(s): {what}. Indicator from {}.", ip.partial.count, ind.origin);
        if ind.has_label(seawall_intel::KEV_PRODUCT_LABEL) {
            // Which vulnerabilities to check the system for.
            if let Some(d) = &ind.description {
                f.summary = format!("{} {d}.", f.summary);
            }
        }
        let p = ip.partial;
        let evidence = p.evidence.finish(cap);
        f.evidence_truncated = (evidence.len() as u64) < p.count && cap != usize::MAX;
        f.evidence = evidence_refs(evidence);
        f.entities = Entities { hosts: p.hosts, users: p.users, ips: p.ips, subscribers: p.subscribers };
        out.push(f);
    }
    for (idx, events) in sequences {
        let ind = &im.indicators[idx as usize];
        let mut p = Partial::default();
        for e in &events {
            let t = jiff::Timestamp::from_microsecond(e.time).ok();
            if let Some(t) = t {
                p.first = Some(p.first.map_or(t, |f| f.min(t)));
                p.last = Some(p.last.map_or(t, |l| l.max(t)));
            }
            p.count += 1;
            p.evidence.push((e.file.clone(), e.place), cap);
        }
        let mut f = base(idx, FindingSource::Stix, &p);
        f.id = format!("stix-sequence:{}", ind.id);
        f.summary =
            format!("{} event(s) together satisfy {}. Indicator from {}.", events.len(), ind.pattern(), ind.origin);
        f.evidence = evidence_refs(p.evidence.finish(cap));
        out.push(f);
    }
    out
}

/// Deterministic order: most severe first, then title, rule id and finding id.
pub fn sort(findings: &mut [Finding]) {
    findings.sort_by(|a, b| {
        b.level
            .cmp(&a.level)
            .then_with(|| a.title.cmp(&b.title))
            .then_with(|| a.rule_id.cmp(&b.rule_id))
            .then_with(|| a.id.cmp(&b.id))
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn evidence_keeps_the_smallest_places_in_order_whatever_the_push_order() {
        let a: Arc<str> = Arc::from("a.jsonl");
        let b: Arc<str> = Arc::from("b.jsonl");
        let places: Vec<(Arc<str>, Place)> = (0..3000u64)
            .map(|i| (if i % 3 == 0 { b.clone() } else { a.clone() }, Place::Line((i * 7919) % 3000 + 1)))
            .collect();
        let mut forward = EvidenceList::default();
        let mut backward = EvidenceList::default();
        for p in &places {
            forward.push(p.clone(), 5);
        }
        for p in places.iter().rev() {
            backward.push(p.clone(), 5);
        }
        backward.push(places[0].clone(), 5);
        let f = forward.finish(5);
        assert_eq!(f, backward.finish(5));
        assert_eq!(f.len(), 5);
        assert!(f.iter().all(|(file, _)| &**file == "a.jsonl"));
        assert!(f.windows(2).all(|w| w[0].1 < w[1].1), "sorted, no duplicates: {f:?}");
        let mut all = EvidenceList::default();
        for p in places.iter().chain(places.iter()) {
            all.push(p.clone(), usize::MAX);
        }
        assert_eq!(all.finish(usize::MAX).len(), 3000);
    }

    #[test]
    fn every_entity_path_starts_at_a_root_key() {
        for p in HOST_PATHS.iter().chain(USER_PATHS).chain(IP_PATHS) {
            assert!(ROOT_KEYS.contains(&p[0]), "{p:?} starts outside ROOT_KEYS");
        }
    }

    #[test]
    fn entities_come_from_nested_and_top_level_paths_in_path_order() {
        let json = r#"{"User":"bob","Event":{"System":{"Computer":"dc-01"},"EventData":{"User":"alice",
            "IpAddress":"-","SourceIp":"10.0.0.1"}},"hostname":"dc-01","source":{"ip":"10.0.0.2"},
            "seawall":{"subscribers":["+15550001"]},"other":{"User":"nobody"}}"#;
        let fields: Value = serde_json::from_str(json).unwrap();
        let event = Event {
            timestamp: None,
            source: seawall_core::SourceRef { file: Arc::from("e.jsonl"), place: Place::Line(1) },
            kind: seawall_core::EventKind::Json,
            fields,
        };
        let e = EventEntities::of(&event);
        assert_eq!(e.hosts, ["dc-01"]);
        assert_eq!(e.users, ["alice", "bob"]);
        assert_eq!(e.ips, ["10.0.0.1", "10.0.0.2"]);
        assert_eq!(e.subscribers, ["+15550001"]);
    }
}
