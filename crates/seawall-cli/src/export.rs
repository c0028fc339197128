//! Wires findings, the intelligence behind them and the site policy into the STIX export.

use std::collections::BTreeMap;

use seawall_core::{Finding, FindingSource, Level};
use seawall_intel::IntelMatcher;
use seawall_report::{ExportInput, KnownIndicator};
use seawall_site::SitePolicy;

pub fn stix_bundle(
    findings: &[Finding],
    intel: Option<&IntelMatcher>,
    policy: Option<&SitePolicy>,
    organisation: &str,
) -> serde_json::Value {
    let mut indicators = BTreeMap::new();
    let mut attack_names = BTreeMap::new();
    if let Some(im) = intel {
        let wanted: std::collections::BTreeSet<&str> = findings
            .iter()
            .filter(|f| matches!(f.source, FindingSource::Ioc | FindingSource::Stix))
            .map(|f| f.rule_id.as_str())
            .collect();
        // A product the KEV catalogue lists is a finding about exposure, not an indicator to share.
        let shared = |i: &seawall_intel::Indicator| !i.has_label(seawall_intel::KEV_PRODUCT_LABEL);
        for (n, ind) in im.indicators.iter().enumerate().filter(|(_, i)| wanted.contains(i.id.as_str()) && shared(i)) {
            indicators.insert(
                ind.id.clone(),
                KnownIndicator {
                    name: Some(ind.title()),
                    description: ind.description.clone(),
                    pattern: ind.pattern().into_owned(),
                    labels: ind.labels.clone(),
                    valid_from: ind.valid_from,
                    authored_here: ind.observable.is_some(),
                    cve: im.kev_cve(n as u32).map(String::from),
                },
            );
        }
        for obj in im.objects.values().filter(|o| o["type"] == "attack-pattern") {
            let Some(name) = obj["name"].as_str() else { continue };
            for r in obj["external_references"].as_array().into_iter().flatten() {
                if r["source_name"] == "mitre-attack" {
                    if let Some(id) = r["external_id"].as_str() {
                        attack_names.insert(id.to_string(), name.to_string());
                    }
                }
            }
        }
    }
    let is_site = |ip: &std::net::IpAddr| policy.is_some_and(|p| p.is_site(ip));
    seawall_report::stix_bundle(&ExportInput {
        organisation,
        findings,
        indicators: &indicators,
        attack_names: &attack_names,
        is_site: &is_site,
        infrastructure_level: Level::High,
    })
}
