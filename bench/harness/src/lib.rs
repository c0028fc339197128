//! Shared pieces of the benchmark harness and the differential tests: a seeded generator of
//! Sysmon-like events, event flattening, and the Sysmon log-source table the peers route with.

pub mod generate;
pub mod intel_gen;
pub mod stix_cases;

use serde_json::{Map, Value};

/// Sigma log source of a Windows event, from its channel and event id (Sysmon categories; other
/// channels by service), for engines that route on log sources.
pub fn logsource_of(channel: &str, event_id: i64) -> (Option<&'static str>, Option<&'static str>) {
    let cat = match (channel, event_id) {
        ("Microsoft-Windows-Sysmon/Operational", id) => match id {
            1 => Some("process_creation"),
            2 => Some("file_change"),
            3 => Some("network_connection"),
            5 => Some("process_termination"),
            6 => Some("driver_load"),
            7 => Some("image_load"),
            8 => Some("create_remote_thread"),
            9 => Some("raw_access_thread"),
            10 => Some("process_access"),
            11 => Some("file_event"),
            12..=14 => Some("registry_event"),
            15 => Some("create_stream_hash"),
            17 | 18 => Some("pipe_created"),
            19..=21 => Some("wmi_event"),
            22 => Some("dns_query"),
            23 | 26 => Some("file_delete"),
            25 => Some("process_tampering"),
            _ => None,
        },
        _ => None,
    };
    let svc = match channel {
        "Microsoft-Windows-Sysmon/Operational" => Some("sysmon"),
        "Security" => Some("security"),
        "System" => Some("system"),
        "Application" => Some("application"),
        "Microsoft-Windows-PowerShell/Operational" => Some("powershell"),
        "Windows PowerShell" => Some("powershell-classic"),
        "Microsoft-Windows-Windows Defender/Operational" => Some("windefend"),
        _ => None,
    };
    (cat, svc)
}

/// Flattens an evtx-style record (`Event.System.*`, `Event.EventData.*`) into one level of
/// fields, as Winlogbeat-like pipelines and the peer engines expect. Other records pass through.
pub fn flatten_evtx(v: &Value) -> Value {
    let Some(event) = v.get("Event") else { return v.clone() };
    let mut out = Map::new();
    if let Some(Value::Object(sys)) = event.get("System") {
        for (k, val) in sys {
            match (k.as_str(), val) {
                ("Provider", p) => {
                    if let Some(n) = p.pointer("/#attributes/Name") {
                        out.insert("Provider_Name".into(), n.clone());
                    }
                }
                ("EventID", Value::Object(m)) => {
                    if let Some(t) = m.get("#text") {
                        out.insert("EventID".into(), t.clone());
                    }
                }
                (_, Value::Object(_)) | (_, Value::Null) => {}
                _ => {
                    out.insert(k.clone(), val.clone());
                }
            }
        }
    }
    for section in ["EventData", "UserData"] {
        if let Some(Value::Object(data)) = event.get(section) {
            for (k, val) in data {
                if k == "#attributes" {
                    continue;
                }
                out.insert(k.clone(), val.clone());
            }
        }
    }
    Value::Object(out)
}
pub mod telecom;
