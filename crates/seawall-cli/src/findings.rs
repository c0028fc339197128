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

const HOST_PATHS: &[&[&str]] =
    &[&["Event", "System", "Computer"], &["winlog", "computer_name"], &["host", "name"], &["Computer"], &["hostname"]];
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

#[derive(Default)]
pub struct Partial {
    pub count: u64,
    pub first: Option<Timestamp>,
    pub last: Option<Timestamp>,
    pub evidence: BTreeSet<(Arc<str>, Place)>,
    pub hosts: BTreeSet<String>,
    pub users: BTreeSet<String>,
    pub ips: BTreeSet<String>,
}

/// Host, user and address values of one event, read once however many rules it matched.
#[derive(Default)]
pub struct EventEntities<'e> {
    hosts: Vec<&'e str>,
    users: Vec<&'e str>,
    ips: Vec<&'e str>,
}

impl<'e> EventEntities<'e> {
    pub fn of(event: &'e Event) -> Self {
        EventEntities {
            hosts: collect(&event.fields, HOST_PATHS),
            users: collect(&event.fields, USER_PATHS),
            ips: collect(&event.fields, IP_PATHS),
        }
    }
}

impl Partial {
    pub fn add(&mut self, event: &Event, entities: &EventEntities, cap: usize) {
        self.count += 1;
        if let Some(t) = event.timestamp {
            self.first = Some(self.first.map_or(t, |f| f.min(t)));
            self.last = Some(self.last.map_or(t, |l| l.max(t)));
        }
        push_capped(&mut self.evidence, (event.source.file.clone(), event.source.place), cap);
        for (set, values) in
            [(&mut self.hosts, &entities.hosts), (&mut self.users, &entities.users), (&mut self.ips, &entities.ips)]
        {
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
        for e in other.evidence {
            push_capped(&mut self.evidence, e, cap);
        }
        for (mine, theirs) in
            [(&mut self.hosts, other.hosts), (&mut self.users, other.users), (&mut self.ips, other.ips)]
        {
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

fn collect<'e>(fields: &'e Value, paths: &[&[&str]]) -> Vec<&'e str> {
    let mut out = Vec::new();
    for p in paths {
        let mut cur = Some(fields);
        for seg in *p {
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

fn evidence_refs(set: BTreeSet<(Arc<str>, Place)>) -> Vec<EvidenceRef> {
    set.into_iter()
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
        let truncated = (p.evidence.len() as u64) < p.count;
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
            entities: Entities { hosts: p.hosts, users: p.users, ips: p.ips, subscribers: BTreeSet::new() },
            summary: summary(meta.description.as_deref(), p.count),
            evidence: evidence_refs(p.evidence),
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
type CorrAgg = (u64, Timestamp, Timestamp, BTreeSet<(Arc<str>, Place)>, f64);

/// Findings for correlations that fired, one per correlation and group.
pub fn correlation_findings(engine: &Engine, matches: Vec<CorrelationMatch>, cap: usize) -> Vec<Finding> {
    let mut grouped: HashMap<(usize, Group), CorrAgg> = HashMap::new();
    for m in matches {
        let c = &engine.correlations[m.corr];
        if c.chained {
            // Feeds another correlation; reported through it.
            continue;
        }
        let e = grouped.entry((m.corr, m.group.clone())).or_insert((0, m.first, m.last, BTreeSet::new(), 0.0));
        e.0 += 1;
        e.1 = e.1.min(m.first);
        e.2 = e.2.max(m.last);
        e.4 = e.4.max(m.measured);
        for s in m.events {
            push_capped(&mut e.3, (s.file.clone(), s.place), cap);
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
            evidence: evidence_refs(ev),
            evidence_truncated: false,
        });
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
