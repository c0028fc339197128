//! The investigation as a STIX 2.1 bundle, to share with partners: an `identity` for the
//! reporting organisation; `observed-data` per finding (its addresses and accounts as SCOs);
//! `indicator`s for attacker infrastructure Seawall observed and for IOC-list entries that hit;
//! `sighting`s of every indicator met (imported or new: first and last seen, count, where);
//! `attack-pattern`s with their ATT&CK references; an `incident` and a `report` tying it all
//! together, with `relationship`s. Every id is a UUIDv5 over content (SCOs use the spec's own
//! namespace and id-contributing properties), and every time comes from the evidence, so
//! exporting the same findings twice gives the same bytes.

use std::collections::{BTreeMap, BTreeSet};
use std::net::IpAddr;

use seawall_core::{Finding, FindingSource, Level};
use serde_json::{json, Map, Value};

/// STIX 2.1 §2.9: the namespace of deterministic SCO ids.
const SCO_NAMESPACE: uuid::Uuid = uuid::Uuid::from_u128(0x00ab_edb4_aa42_466c_9c01_fed2_3315_a9b7);
/// Seawall's namespace for the ids of the objects it writes.
const SEAWALL_NAMESPACE: uuid::Uuid = uuid::Uuid::from_u128(0x5ea3_a11e_0000_4000_8000_0000_0000_0002);

/// An indicator the intelligence supplied, as the export needs it.
#[derive(Debug, Clone)]
pub struct KnownIndicator {
    pub name: Option<String>,
    pub description: Option<String>,
    pub pattern: String,
    pub labels: Vec<String>,
    /// Microseconds since 1970.
    pub valid_from: Option<i64>,
    /// Whether Seawall wrote this indicator (from an IOC list or MISP) and must include it; a
    /// STIX indicator from a feed is referenced by id only.
    pub authored_here: bool,
    /// For a CISA KEV entry, its CVE id: the bundle then holds a `vulnerability` with this id.
    pub cve: Option<String>,
}

/// What goes into the bundle.
pub struct ExportInput<'a> {
    pub organisation: &'a str,
    pub findings: &'a [Finding],
    /// Indicators behind `ioc`/`stix` findings, by id.
    pub indicators: &'a BTreeMap<String, KnownIndicator>,
    /// ATT&CK technique names by id (from loaded ATT&CK data), where known.
    pub attack_names: &'a BTreeMap<String, String>,
    /// Addresses of the site's own infrastructure, never reported as attacker infrastructure.
    pub is_site: &'a dyn Fn(&IpAddr) -> bool,
    /// Findings at or above this level name attacker infrastructure.
    pub infrastructure_level: Level,
}

/// A deterministic id for an SDO or SRO: the UUIDv5 of its content key, with the version set
/// to 4, because STIX 2.1 requires version-4 UUIDs for these objects (the bits stay a hash, so
/// the same content always has the same id).
fn id(ty: &str, key: &str) -> String {
    seawall_core::content_id(ty, SEAWALL_NAMESPACE.as_u128(), format!("{ty}|{key}").as_bytes())
}

/// A deterministic SCO id: UUIDv5 over the canonical JSON of its id-contributing properties.
fn sco_id(ty: &str, contributing: &Value) -> String {
    format!("{ty}--{}", uuid::Uuid::new_v5(&SCO_NAMESPACE, contributing.to_string().as_bytes()))
}

fn stix_time(t: jiff::Timestamp) -> String {
    t.strftime("%Y-%m-%dT%H:%M:%S%.3fZ").to_string()
}

fn micros_time(us: i64) -> String {
    jiff::Timestamp::from_microsecond(us).map(stix_time).unwrap_or_else(|_| "1970-01-01T00:00:00.000Z".into())
}

fn quote(s: &str) -> String {
    s.replace('\\', "\\\\").replace('\'', "\\'")
}

/// Addresses that can be attacker infrastructure: not private, loopback, link-local,
/// multicast, unspecified or carrier-grade NAT.
fn is_public(ip: &IpAddr) -> bool {
    match ip {
        IpAddr::V4(a) => {
            let o = a.octets();
            !(a.is_private()
                || a.is_loopback()
                || a.is_link_local()
                || a.is_multicast()
                || a.is_unspecified()
                || a.is_broadcast()
                || (o[0] == 100 && (64..128).contains(&o[1])))
        }
        IpAddr::V6(a) => {
            let s = a.segments();
            !(a.is_loopback()
                || a.is_multicast()
                || a.is_unspecified()
                || (s[0] & 0xfe00) == 0xfc00
                || (s[0] & 0xffc0) == 0xfe80)
        }
    }
}

struct Bundle {
    objects: BTreeMap<String, Value>,
}

impl Bundle {
    fn add(&mut self, obj: Value) -> String {
        let id = obj["id"].as_str().unwrap_or_default().to_string();
        self.objects.entry(id.clone()).or_insert(obj);
        id
    }
}

/// Builds the bundle.
pub fn bundle(input: &ExportInput<'_>) -> Value {
    let findings = input.findings;
    let first = findings.iter().filter_map(|f| f.first_seen).min();
    let last = findings.iter().filter_map(|f| f.last_seen).max();
    let created = first.map(stix_time).unwrap_or_else(|| "1970-01-01T00:00:00.000Z".into());
    let modified = last.map(stix_time).unwrap_or_else(|| created.clone());
    let mut b = Bundle { objects: BTreeMap::new() };
    let identity = b.add(json!({
        "type": "identity", "spec_version": "2.1", "id": id("identity", input.organisation),
        "created": created, "modified": created, "name": input.organisation, "identity_class": "organization",
    }));
    let common = |ty: &str, key: &str| -> Map<String, Value> {
        let mut m = Map::new();
        m.insert("type".into(), ty.into());
        m.insert("spec_version".into(), "2.1".into());
        m.insert("id".into(), id(ty, key).into());
        m.insert("created_by_ref".into(), identity.clone().into());
        m.insert("created".into(), created.clone().into());
        m.insert("modified".into(), modified.clone().into());
        m
    };

    // ATT&CK techniques named by the findings.
    let mut techniques: BTreeMap<String, String> = BTreeMap::new();
    for t in findings.iter().flat_map(|f| f.attack.iter()) {
        if !t.starts_with('T') || techniques.contains_key(t) {
            continue;
        }
        let mut m = common("attack-pattern", t);
        m.insert("name".into(), input.attack_names.get(t).cloned().unwrap_or_else(|| t.clone()).into());
        m.insert(
            "external_references".into(),
            // No URL: the validator wants a hash with every URL, and the id says it all.
            json!([{"source_name": "mitre-attack", "external_id": t}]),
        );
        techniques.insert(t.clone(), b.add(Value::Object(m)));
    }

    // Observed data per finding, from its addresses and accounts.
    let mut observed: BTreeMap<&str, String> = BTreeMap::new();
    let mut infra: BTreeMap<IpAddr, Vec<&Finding>> = BTreeMap::new();
    for f in findings {
        let mut refs = Vec::new();
        for ip in &f.entities.ips {
            let Ok(addr) = ip.parse::<IpAddr>() else { continue };
            let ty = if addr.is_ipv4() { "ipv4-addr" } else { "ipv6-addr" };
            let value = addr.to_string();
            let sid = sco_id(ty, &json!({"value": value}));
            b.add(json!({"type": ty, "spec_version": "2.1", "id": sid, "value": value}));
            refs.push(sid);
            if f.level >= input.infrastructure_level && is_public(&addr) && !(input.is_site)(&addr) {
                infra.entry(addr).or_default().push(f);
            }
        }
        for u in &f.entities.users {
            let sid = sco_id("user-account", &json!({"account_login": u}));
            b.add(json!({"type": "user-account", "spec_version": "2.1", "id": sid, "account_login": u}));
            refs.push(sid);
        }
        if refs.is_empty() {
            continue;
        }
        let (Some(fs), Some(ls)) = (f.first_seen, f.last_seen) else { continue };
        let mut m = common("observed-data", &f.id);
        m.insert("first_observed".into(), stix_time(fs).into());
        m.insert("last_observed".into(), stix_time(ls).into());
        m.insert("number_observed".into(), f.count.clamp(1, 999_999_999).into());
        m.insert("object_refs".into(), refs.into());
        let places: Vec<String> = f
            .evidence
            .iter()
            .take(20)
            .map(|e| match (e.line, e.record) {
                (Some(l), _) => format!("{}:line {l}", e.file),
                (_, Some(r)) => format!("{}:record {r}", e.file),
                _ => e.file.clone(),
            })
            .collect();
        m.insert(
            "external_references".into(),
            json!([{"source_name": "seawall-finding", "external_id": f.rule_id,
                    "description": format!("{} [{}]; evidence: {}", f.title, f.level.as_str(), places.join(", "))}]),
        );
        observed.insert(f.id.as_str(), b.add(Value::Object(m)));
    }

    let sighting = |b: &mut Bundle, indicator: &str, key: &str, fs: &[&Finding]| {
        let first = fs.iter().filter_map(|f| f.first_seen).min();
        let last = fs.iter().filter_map(|f| f.last_seen).max();
        let count: u64 = fs.iter().map(|f| f.count).sum();
        let mut m = common("sighting", key);
        m.insert("sighting_of_ref".into(), indicator.into());
        m.insert("count".into(), count.clamp(1, 999_999_999).into());
        if let (Some(a), Some(z)) = (first, last) {
            m.insert("first_seen".into(), stix_time(a).into());
            m.insert("last_seen".into(), stix_time(z).into());
        }
        m.insert("where_sighted_refs".into(), json!([identity]));
        let od: Vec<&String> = fs.iter().filter_map(|f| observed.get(f.id.as_str())).collect();
        if !od.is_empty() {
            m.insert("observed_data_refs".into(), json!(od));
        }
        b.add(Value::Object(m))
    };
    let mut relationships: Vec<(String, &str, String)> = Vec::new();

    // Sightings of the indicators the intelligence supplied.
    let mut by_indicator: BTreeMap<&str, Vec<&Finding>> = BTreeMap::new();
    for f in findings.iter().filter(|f| matches!(f.source, FindingSource::Ioc | FindingSource::Stix)) {
        by_indicator.entry(f.rule_id.as_str()).or_default().push(f);
    }
    let mut covered: BTreeSet<IpAddr> = BTreeSet::new();
    for (ind_id, fs) in &by_indicator {
        let Some(known) = input.indicators.get(*ind_id) else { continue };
        if let Some(cve) = &known.cve {
            let mut m = Map::new();
            m.insert("type".into(), "vulnerability".into());
            m.insert("spec_version".into(), "2.1".into());
            m.insert("id".into(), (*ind_id).into());
            m.insert("created_by_ref".into(), identity.clone().into());
            m.insert("created".into(), created.clone().into());
            m.insert("modified".into(), created.clone().into());
            m.insert("name".into(), cve.clone().into());
            if let Some(n) = &known.name {
                m.insert("description".into(), n.clone().into());
            }
            m.insert("external_references".into(), json!([{"source_name": "cve", "external_id": cve}]));
            b.add(Value::Object(m));
        } else if known.authored_here {
            let mut m = Map::new();
            m.insert("type".into(), "indicator".into());
            m.insert("spec_version".into(), "2.1".into());
            m.insert("id".into(), (*ind_id).into());
            m.insert("created_by_ref".into(), identity.clone().into());
            m.insert("created".into(), created.clone().into());
            m.insert("modified".into(), created.clone().into());
            if let Some(n) = &known.name {
                m.insert("name".into(), n.clone().into());
            }
            // The validator's best practice wants a description beside the name.
            let description = known.description.clone().unwrap_or_else(|| match known.labels.first() {
                Some(ctx) => format!("From a supplied IOC list or MISP event ({ctx})."),
                None => "From a supplied IOC list or MISP event.".to_string(),
            });
            m.insert("description".into(), description.into());
            m.insert("indicator_types".into(), json!(["malicious-activity"]));
            m.insert("pattern".into(), known.pattern.clone().into());
            m.insert("pattern_type".into(), "stix".into());
            m.insert("valid_from".into(), known.valid_from.map(micros_time).unwrap_or_else(|| created.clone()).into());
            b.add(Value::Object(m));
        }
        sighting(&mut b, ind_id, &format!("sighting|{ind_id}"), fs);
        for f in fs {
            covered.extend(f.entities.ips.iter().filter_map(|i| i.parse::<IpAddr>().ok()));
        }
    }

    // Attacker infrastructure Seawall saw that no supplied indicator covered.
    for (addr, fs) in &infra {
        if covered.contains(addr) {
            continue;
        }
        let ty = if addr.is_ipv4() { "ipv4-addr" } else { "ipv6-addr" };
        let pattern = format!("[{ty}:value = '{}']", quote(&addr.to_string()));
        let top = fs.iter().map(|f| f.level).max().unwrap_or(Level::High);
        let titles: BTreeSet<&str> = fs.iter().map(|f| f.title.as_str()).collect();
        let first = fs.iter().filter_map(|f| f.first_seen).min();
        let mut m = common("indicator", &pattern);
        m.insert("name".into(), format!("Attacker infrastructure {addr}").into());
        m.insert(
            "description".into(),
            format!("Seen by Seawall in: {}", titles.into_iter().collect::<Vec<_>>().join("; ")).into(),
        );
        m.insert("indicator_types".into(), json!(["malicious-activity"]));
        m.insert("pattern".into(), pattern.clone().into());
        m.insert("pattern_type".into(), "stix".into());
        m.insert("valid_from".into(), first.map(stix_time).unwrap_or_else(|| created.clone()).into());
        m.insert("confidence".into(), (if top >= Level::Critical { 85 } else { 70 }).into());
        let ind = b.add(Value::Object(m));
        sighting(&mut b, &ind, &format!("sighting|{ind}"), fs);
        let mut seen_t = BTreeSet::new();
        for f in fs {
            for t in &f.attack {
                if let Some(ap) = techniques.get(t) {
                    if seen_t.insert(ap.clone()) {
                        relationships.push((ind.clone(), "indicates", ap.clone()));
                    }
                }
            }
            if let Some(od) = observed.get(f.id.as_str()) {
                relationships.push((ind.clone(), "based-on", od.clone()));
            }
        }
    }

    // The incident, when something serious was found.
    let serious: Vec<&Finding> = findings.iter().filter(|f| f.level >= Level::High).collect();
    let incident = (!serious.is_empty()).then(|| {
        let mut m = common("incident", input.organisation);
        m.insert("name".into(), format!("Intrusion investigated at {}", input.organisation).into());
        m.insert(
            "description".into(),
            format!("{} high or critical findings between {} and {}.", serious.len(), created, modified).into(),
        );
        b.add(Value::Object(m))
    });
    if let Some(inc) = &incident {
        for ap in techniques.values() {
            relationships.push((inc.clone(), "related-to", ap.clone()));
        }
    }
    for (src, ty, dst) in relationships {
        let mut m = common("relationship", &format!("{src}|{ty}|{dst}"));
        m.insert("relationship_type".into(), ty.into());
        m.insert("source_ref".into(), src.into());
        m.insert("target_ref".into(), dst.into());
        b.add(Value::Object(m));
    }

    // The report refers to everything.
    let refs: Vec<String> = b.objects.keys().cloned().collect();
    let mut m = common("report", &format!("report|{}|{created}|{modified}", input.organisation));
    m.insert(
        "name".into(),
        format!("Seawall investigation at {}: {} findings", input.organisation, findings.len()).into(),
    );
    m.insert("report_types".into(), json!(["threat-report"]));
    m.insert("published".into(), modified.clone().into());
    m.insert("object_refs".into(), refs.into());
    b.add(Value::Object(m));

    let objects: Vec<Value> = b.objects.into_values().collect();
    let bundle_key: String = objects.iter().filter_map(|o| o["id"].as_str()).collect::<Vec<_>>().join(",");
    json!({"type": "bundle", "id": id("bundle", &bundle_key), "objects": objects})
}
