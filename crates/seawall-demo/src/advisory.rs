//! The threat intelligence a partner shared with Northwind Telecom before the hunt: a STIX 2.1
//! bundle from a (fictional) telecom ISAC naming the intruder's exploitation source, its GRE
//! endpoint and its TFTP drop host, the last as a pattern over flows rather than a plain
//! address. Ids and times are fixed, so the file is the same for every seed.

use crate::story::{DROP_HOST, EXPLOIT_SOURCE, TUNNEL_END};

pub fn bundle_json() -> String {
    let isac = "identity--6f3c2a1e-4b5d-4c8e-9a7f-1d2e3f4a5b6c";
    let common = |id: &str| {
        format!(
            r#""spec_version": "2.1", "id": "{id}", "created_by_ref": "{isac}", "created": "2024-09-20T00:00:00.000Z", "modified": "2024-09-20T00:00:00.000Z""#
        )
    };
    let indicator = |id: &str, name: &str, description: &str, pattern: &str| {
        format!(
            r#"    {{"type": "indicator", {}, "name": "{name}", "description": "{description}", "indicator_types": ["malicious-activity"], "pattern": "{pattern}", "pattern_type": "stix", "valid_from": "2024-09-20T00:00:00Z", "confidence": 80}}"#,
            common(id)
        )
    };
    let tunnelling = "attack-pattern--0b7d2c4e-8f1a-4e3b-9c5d-6a7e8f9a0b1c";
    let objects = [
        format!(
            r#"    {{"type": "identity", "spec_version": "2.1", "id": "{isac}", "created": "2024-09-20T00:00:00.000Z", "modified": "2024-09-20T00:00:00.000Z", "name": "Example Telecom ISAC (fictional)", "identity_class": "organization"}}"#
        ),
        indicator(
            "indicator--3a9e7c1b-2d4f-4a6b-8c0d-1e2f3a4b5c6d",
            "Edge-router exploitation source",
            "Seen exploiting IOS XE web UIs at member carriers.",
            &format!("[ipv4-addr:value = '{EXPLOIT_SOURCE}']"),
        ),
        indicator(
            "indicator--4b0f8d2c-3e5a-4b7c-9d1e-2f3a4b5c6d7e",
            "GRE exfiltration endpoint",
            "Receives GRE tunnels from compromised edge routers.",
            &format!("[ipv4-addr:value = '{TUNNEL_END}']"),
        ),
        indicator(
            "indicator--5c1a9e3d-4f6b-4c8d-8e2f-3a4b5c6d7e8f",
            "Configuration drop over TFTP",
            "Router configurations are copied to this host by TFTP.",
            &format!("[network-traffic:dst_ref.value = '{DROP_HOST}' AND network-traffic:dst_port = 69]"),
        ),
        format!(
            r#"    {{"type": "attack-pattern", {}, "name": "Protocol Tunneling", "external_references": [{{"source_name": "mitre-attack", "external_id": "T1572"}}]}}"#,
            common(tunnelling)
        ),
        format!(
            r#"    {{"type": "relationship", {}, "relationship_type": "indicates", "source_ref": "indicator--4b0f8d2c-3e5a-4b7c-9d1e-2f3a4b5c6d7e", "target_ref": "{tunnelling}"}}"#,
            common("relationship--6d2b0f4e-5a7c-4d9e-9f3a-4b5c6d7e8f9a")
        ),
    ];
    format!(
        "{{\"type\": \"bundle\", \"id\": \"bundle--7e3c1a5f-6b8d-4e0f-8a4b-5c6d7e8f9a0b\", \"objects\": [\n{}\n]}}\n",
        objects.join(",\n")
    )
}
