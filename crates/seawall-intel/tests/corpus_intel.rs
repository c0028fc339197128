//! The real intelligence in `../shared/corpus/intel/` loads with its per-type counts; warninglists
//! suppress IOC hits on known-benign infrastructure; bad input is reported with its place while
//! the rest loads.

use std::collections::BTreeMap;
use std::path::PathBuf;

use seawall_core::{Event, EventKind, Place, SourceRef};
use seawall_intel::{load_paths, IntelMatcher, Loader};

fn corpus() -> Option<PathBuf> {
    seawall_testkit::corpus(env!("CARGO_MANIFEST_DIR"), "intel").map(|dir| dir.join("intel"))
}

fn counts(pairs: &[(&str, usize)]) -> BTreeMap<String, usize> {
    pairs.iter().map(|(k, v)| (k.to_string(), *v)).collect()
}

#[test]
fn stix_bundles_load_with_their_counts() {
    let Some(c) = corpus() else { return };
    let estries = load_paths(&[c.join("derived/salt_typhoon_earth_estries_iocs.stix21.json")]);
    assert!(estries.errors.is_empty(), "{:?}", estries.errors);
    assert_eq!(
        estries.object_counts(),
        counts(&[("identity", 1), ("indicator", 38), ("intrusion-set", 1), ("relationship", 44), ("vulnerability", 6)])
    );
    let kinds: BTreeMap<&str, usize> = estries.indicator_kinds();
    assert_eq!(kinds, BTreeMap::from([("domain-name", 16), ("ipv4-addr", 22)]));
    assert!(
        estries.indicators.iter().all(|i| !i.indicates.is_empty()),
        "every Earth Estries indicator indicates the actor"
    );

    let ics = load_paths(&[c.join("attack/ics-attack-18.1.json")]);
    assert!(ics.errors.is_empty(), "{:?}", ics.errors);
    let oc = ics.object_counts();
    assert_eq!(oc.values().sum::<usize>(), 1826);
    assert_eq!((oc["relationship"], oc["attack-pattern"], oc["malware"], oc["intrusion-set"]), (1373, 95, 30, 16));

    for file in ["derived/attack-v18.1-typhoon-subset.stix21.json", "derived/attack-v18.1-typhoon-subset.stix20.json"] {
        let t = load_paths(&[c.join(file)]);
        assert!(t.errors.is_empty(), "{file}: {:?}", t.errors);
        assert_eq!(
            t.object_counts(),
            counts(&[
                ("attack-pattern", 108),
                ("campaign", 2),
                ("identity", 1),
                ("intrusion-set", 2),
                ("malware", 2),
                ("marking-definition", 1),
                ("relationship", 144),
                ("tool", 16)
            ]),
            "{file}"
        );
    }
    // The same objects in 2.0 and 2.1: one copy of each is kept.
    let both = load_paths(&[c.join("derived")]);
    assert_eq!(both.superseded, 276);

    let examples = load_paths(&[c.join("stix-examples")]);
    assert!(examples.errors.is_empty(), "{:?}", examples.errors);
    assert_eq!(examples.indicators.len(), 43);
    let k = examples.indicator_kinds();
    assert_eq!((k["pattern"], k["several observables"], k["ipv4-addr"]), (5, 18, 8));
    println!("STIX bundles: 5 files, counts asserted");
}

#[test]
fn ioc_lists_misp_kev_and_warninglists_load() {
    let Some(c) = corpus() else { return };
    let csv = load_paths(&[c.join("iocs/earth_estries_trendmicro_2024-11.csv")]);
    assert!(csv.errors.is_empty(), "{:?}", csv.errors);
    assert_eq!(csv.indicator_kinds(), BTreeMap::from([("domain-name", 16), ("ipv4-addr", 22)]));
    assert!(csv.indicators.iter().any(|i| i.labels == ["SNAPPYBEE"]), "the context column becomes a label");

    let feodo = load_paths(&[c.join("iocs/feodo_abusech_2015-10-23.ipset")]);
    assert!(feodo.errors.is_empty(), "{:?}", feodo.errors);
    assert_eq!(feodo.indicator_kinds(), BTreeMap::from([("ipv4-addr", 235)]));

    let sednit = load_paths(&[c.join("misp/circl-osint-sednit-2017-12-21.misp.json")]);
    assert!(sednit.errors.is_empty(), "{:?}", sednit.errors);
    assert_eq!(
        sednit.indicator_kinds(),
        BTreeMap::from([("domain-name", 19), ("file:hashes.SHA-1", 37), ("file:name", 15), ("ipv4-addr", 12)])
    );
    assert_eq!(sednit.misp_skipped, 39, "text, link and to_ids=false attributes are context");
    let samsam = load_paths(&[c.join("misp/circl-mar-10164494-samsam.misp.json")]);
    assert_eq!(
        samsam.indicator_kinds(),
        BTreeMap::from([
            ("file:hashes.MD5", 11),
            ("file:hashes.SHA-1", 3),
            ("file:hashes.SHA-256", 3),
            ("file:name", 4)
        ])
    );

    let kev = load_paths(&[c.join("kev/known_exploited_vulnerabilities.json")]);
    assert_eq!(kev.kev.len(), 1404);
    for cve in
        ["CVE-2018-0171", "CVE-2023-20198", "CVE-2023-20273", "CVE-2023-46805", "CVE-2024-21887", "CVE-2024-3400"]
    {
        assert!(kev.kev.iter().any(|k| k.cve == cve), "{cve} (CISA AA25-239A) is in KEV");
    }

    // The catalogue by product: the systems the 2024 carrier intrusions went through.
    let products = seawall_intel::kev_products::KevProducts::new(&kev.kev);
    let cves = |vendor: &str, product: &str| {
        products.find(vendor, product).map(|g| products.groups[g].cves.clone()).unwrap_or_default()
    };
    let ios_xe = cves("Cisco", "IOS XE");
    for cve in ["CVE-2018-0171", "CVE-2023-20198", "CVE-2023-20273"] {
        assert!(ios_xe.iter().any(|c| c == cve), "{cve} for IOS XE: {ios_xe:?}");
    }
    let ios_xe_in_catalogue = kev.kev.iter().filter(|k| k.vendor == "Cisco" && k.product.contains("XE")).count();
    assert_eq!(ios_xe.len(), ios_xe_in_catalogue, "every Cisco entry naming XE, once: {ios_xe:?}");
    let ivanti = cves("Ivanti", "Connect Secure");
    let ivanti_in_catalogue =
        kev.kev.iter().filter(|k| k.vendor == "Ivanti" && k.product.starts_with("Connect Secure")).count();
    assert_eq!(ivanti.len(), ivanti_in_catalogue, "{ivanti:?}");
    assert!(["CVE-2023-46805", "CVE-2024-21887"].iter().all(|c| ivanti.iter().any(|x| x == c)), "{ivanti:?}");
    assert!(cves("Palo Alto Networks", "PAN-OS").contains(&"CVE-2024-3400".to_string()));
    assert_eq!(cves("Juniper Networks", "Junos").len(), 7);
    // IOS is not IOS XR: XR's own entries stay out of IOS's list.
    let (ios, xr) = (cves("Cisco", "IOS"), cves("Cisco", "IOS XR"));
    assert!(!ios.is_empty() && !xr.is_empty());
    assert!(xr.iter().any(|c| !ios.contains(c)), "{ios:?} {xr:?}");
    println!(
        "KEV products: {} groups; IOS XE {}, IOS {}, IOS XR {}",
        products.groups.len(),
        ios_xe.len(),
        ios.len(),
        xr.len()
    );

    let wl = load_paths(&[c.join("warninglists")]);
    assert!(wl.errors.is_empty(), "{:?}", wl.errors);
    let sizes: BTreeMap<&str, (&str, usize)> =
        wl.allowlists.iter().map(|a| (a.name.as_str(), (a.kind.as_str(), a.entries))).collect();
    assert_eq!(wl.allowlists.len(), 17);
    let by_kind = |k: &str| wl.allowlists.iter().filter(|a| a.kind == k).map(|a| a.entries).sum::<usize>();
    assert_eq!(by_kind("cidr"), 3847 + 471 + 2683 + 62745 + 269 + 3 + 15 + 1 + 1 + 16 + 1 + 107);
    assert_eq!(by_kind("hostname"), 35467);
    assert_eq!(by_kind("string"), 10000 + 1438 + 69 + 6);
    println!("allowlists: {sizes:?}");

    // Everything at once: only the KEV JSON schema is not intelligence.
    let all = load_paths(std::slice::from_ref(&c));
    assert_eq!(all.errors.len(), 1, "{:?}", all.errors);
    assert!(all.errors[0].origin.file.ends_with("known_exploited_vulnerabilities_schema.json"));
}

fn event(fields: serde_json::Value) -> Event {
    Event {
        timestamp: Some("2024-10-01T10:00:00Z".parse().unwrap()),
        source: SourceRef { file: "test.jsonl".into(), place: Place::Line(1) },
        kind: EventKind::Json,
        fields: fields.into(),
    }
}

#[test]
fn warninglists_suppress_hits_on_benign_infrastructure() {
    let Some(c) = corpus() else { return };
    let mut l = Loader::default();
    l.load_text("feed.txt", "8.8.8.8\n52.95.110.1\n198.51.100.7\nwww.google.com\nupdate.example-carrier.net\n");
    l.load_paths(&[c.join("warninglists/public-dns-v4.json"), c.join("warninglists/amazon-aws.json")]);
    l.load_paths(&[c.join("warninglists/cisco_top10k.json")]);
    let (m, errors) = IntelMatcher::new(l.finish());
    assert!(errors.is_empty());
    let ev = event(serde_json::json!({
        "source": {"ip": "8.8.8.8"},
        "destination": {"ip": "52.95.110.1"},
        "client": {"ip": "198.51.100.7"},
        "dns": {"question": {"name": "www.google.com"}},
        "url": {"domain": "update.example-carrier.net"}
    }));
    let got = m.check(&ev);
    let values: Vec<&str> = got.values.iter().map(|h| h.value.as_str()).collect();
    assert_eq!(values, ["198.51.100.7", "update.example-carrier.net"], "{got:?}");
    assert_eq!(got.allowlisted, 3, "8.8.8.8 (public DNS), an AWS address and www.google.com (top 10k)");
}
