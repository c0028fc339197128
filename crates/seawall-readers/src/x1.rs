//! ETSI TS 103 221-1 X1 messages (the lawful-interception provisioning interface between the
//! ADMF and network elements), read as LI administration audit events: one event per
//! `x1RequestMessage` / `x1ResponseMessage`, with the fields of Seawall's LI audit schema
//! (`docs/schemas/li-audit.md`).

use std::io::Read;
use std::sync::Arc;

use quick_xml::events::Event as Xml;
use quick_xml::Reader;
use seawall_core::Map;
use seawall_core::{Event, EventKind, Place, RejectedRecord, SourceRef, Value};

use crate::input::map_limit;
use crate::text::record::Record;
use crate::{Decoded, FileReport, ReadError, ReadOptions};

/// X1 documents are small; a larger one is damage.
const MAX_DOCUMENT: u64 = 64 << 20;

pub fn is_x1(head: &[u8]) -> bool {
    let text = String::from_utf8_lossy(&head[..head.len().min(4096)]);
    let t = text.trim_start_matches('\u{feff}').trim_start();
    t.starts_with('<') && text.contains("uri.etsi.org/03221/X1")
}

fn local(name: &[u8]) -> String {
    let n = name.rsplit(|b| *b == b':').next().unwrap_or(name);
    String::from_utf8_lossy(n).into_owned()
}

/// An element being built: its name, child values and text.
struct Node {
    name: String,
    xsi_type: Option<String>,
    children: Map,
    text: String,
    line: u64,
}

fn insert(map: &mut Map, key: String, v: Value) {
    match map.get_mut(&key) {
        Some(Value::Array(a)) => a.push(v),
        Some(existing) => {
            let first = existing.take();
            *existing = Value::Array(vec![first, v]);
        }
        None => {
            map.insert(key.into(), v);
        }
    }
}

pub(crate) fn read_x1<F>(
    mut input: Decoded,
    name: &Arc<str>,
    opts: &ReadOptions,
    sink: &F,
    report: &mut FileReport,
) -> Result<(), ReadError>
where
    F: Fn(Vec<Event>) + Sync,
{
    let path = input.path.clone();
    let mut text = String::new();
    let limit = input.limit;
    (&mut input.reader).take(MAX_DOCUMENT + 1).read_to_string(&mut text).map_err(|e| map_limit(&path, e, limit))?;
    if text.len() as u64 > MAX_DOCUMENT {
        return Err(ReadError::Format { path, message: "X1 document larger than 64 MiB".into() });
    }
    let mut reader = Reader::from_str(&text);
    let mut stack: Vec<Node> = Vec::new();
    let mut events = Vec::new();
    let line_at =
        |pos: u64| 1 + text.as_bytes()[..(pos as usize).min(text.len())].iter().filter(|b| **b == b'\n').count() as u64;
    loop {
        let pos = reader.buffer_position();
        match reader.read_event() {
            Ok(Xml::Start(e)) => {
                let xsi_type =
                    e.attributes().flatten().find(|a| local(a.key.as_ref()) == "type").map(|a| local(&a.value));
                stack.push(Node {
                    name: local(e.name().as_ref()),
                    xsi_type,
                    children: Map::new(),
                    text: String::new(),
                    line: line_at(pos),
                });
            }
            Ok(Xml::Empty(e)) => {
                if let Some(top) = stack.last_mut() {
                    insert(&mut top.children, local(e.name().as_ref()), Value::from(""));
                }
            }
            Ok(Xml::Text(t)) => {
                if let Some(top) = stack.last_mut() {
                    if let Ok(s) = t.decode() {
                        top.text.push_str(s.trim());
                    }
                }
            }
            Ok(Xml::GeneralRef(r)) => {
                if let Some(top) = stack.last_mut() {
                    let ent = String::from_utf8_lossy(r.as_ref()).into_owned();
                    top.text.push_str(match ent.as_str() {
                        "amp" => "&",
                        "lt" => "<",
                        "gt" => ">",
                        "quot" => "\"",
                        "apos" => "'",
                        _ => "",
                    });
                }
            }
            Ok(Xml::End(_)) => {
                let Some(node) = stack.pop() else { break };
                let is_message =
                    matches!(node.name.as_str(), "x1RequestMessage" | "x1ResponseMessage" | "X1TopLevelErrorResponse");
                if is_message {
                    let line = node.line;
                    match message_event(node) {
                        Ok((fields, ts)) => events.push(Event {
                            timestamp: ts,
                            source: SourceRef { file: name.clone(), place: Place::Line(line) },
                            kind: EventKind::Audit,
                            fields,
                        }),
                        Err(why) => report.reject(
                            opts.max_reported_rejects,
                            RejectedRecord {
                                source: SourceRef { file: name.clone(), place: Place::Line(line) },
                                reason: why,
                            },
                        ),
                    }
                    continue;
                }
                let value =
                    if node.children.is_empty() { Value::from(node.text) } else { Value::Object(node.children) };
                if let Some(parent) = stack.last_mut() {
                    insert(&mut parent.children, node.name, value);
                }
            }
            Ok(Xml::Eof) => break,
            Ok(_) => {}
            Err(e) => {
                let line = line_at(reader.error_position());
                report.reject(
                    opts.max_reported_rejects,
                    RejectedRecord {
                        source: SourceRef { file: name.clone(), place: Place::Line(line) },
                        reason: format!("malformed XML: {e}"),
                    },
                );
                break;
            }
        }
    }
    let n = events.len() as u64;
    report.tally.records_read += n;
    report.tally.parsed += n;
    if n == 0 && report.tally.rejected == 0 {
        // A well-formed X1 document without messages (an empty request): one record, rejected.
        report.reject(
            opts.max_reported_rejects,
            RejectedRecord {
                source: SourceRef { file: name.clone(), place: Place::Line(1) },
                reason: "X1 document holds no request or response message".into(),
            },
        );
    }
    if !events.is_empty() {
        sink(events);
    }
    Ok(())
}

/// The normalised action of an X1 message type (TS 103 221-1 clause 6).
fn action(message_type: &str) -> &'static str {
    let base = message_type.trim_end_matches("Request").trim_end_matches("Response");
    match base {
        "ActivateTask" => "target_activate",
        "ModifyTask" => "target_modify",
        "DeactivateTask" => "target_deactivate",
        "DeactivateAllTasks" => "target_deactivate_all",
        "CreateDestination" => "destination_add",
        "ModifyDestination" => "destination_modify",
        "RemoveDestination" => "destination_remove",
        "RemoveAllDestinations" => "destination_remove_all",
        "GetTaskDetails" => "task_query",
        "GetDestinationDetails" => "destination_query",
        "GetNEStatus" => "ne_status_query",
        "GetAllDetails" | "ListAllDetails" | "GetAllTaskDetails" | "GetAllDestinationDetails" => "list_all",
        "Ping" => "ping",
        "Keepalive" => "keepalive",
        "Error" | "X1TopLevelError" => "error",
        _ => "other",
    }
}

/// TS 103 221-1 target identifier choices -> Seawall subscriber identifier types.
fn target_type(choice: &str) -> &str {
    match choice {
        "e164Number" => "msisdn",
        "imsi" => "imsi",
        "imei" => "imei",
        "sipUri" | "telUri" => "sip_uri",
        "ipv4Address" | "ipv6Address" | "ipv4Cidr" | "ipv6Cidr" => "ip",
        "emailAddress" => "email",
        other => other,
    }
}

fn message_event(node: Node) -> Result<(Value, Option<jiff::Timestamp>), String> {
    let message_type = node.xsi_type.clone().unwrap_or_else(|| node.name.clone());
    let c = &node.children;
    let s = |k: &str| c.get(k).and_then(Value::as_str).unwrap_or("");
    let mut r = Record::default();
    r.set("event.dataset", "li.x1");
    r.set("event.module", "seawall");
    r.set("event.kind", "event");
    r.set("li.recorder", "admf");
    r.set("li.x1.message_type", message_type.as_str());
    r.set("li.x1.direction", if node.name == "x1RequestMessage" { "request" } else { "response" });
    let message_type = message_type.strip_prefix("X1").unwrap_or(&message_type).to_string();
    r.text("li.x1.admf_identifier", s("admfIdentifier"));
    r.text("li.x1.ne_identifier", s("neIdentifier"));
    r.text("li.x1.transaction_id", s("x1TransactionId"));
    r.text("li.x1.version", s("version"));
    let act = action(&message_type);
    r.set("li.action", act);
    r.set("event.action", act);
    let outcome = if message_type.contains("Error") || c.contains_key("errorInformation") {
        "failure"
    } else if let Some(ok) = c.get("oK").and_then(Value::as_str) {
        if ok == "AcknowledgedAndCompleted" || ok == "Acknowledged" || ok.is_empty() {
            "success"
        } else {
            "partial"
        }
    } else {
        "success"
    };
    r.set("li.outcome", outcome);
    r.set("event.outcome", outcome);
    if let Some(err) = c.get("errorInformation") {
        if let Some(code) = err.get("errorCode").and_then(Value::as_str) {
            r.number("li.error_code", code);
        }
        if let Some(text) = err.get("errorDescription").and_then(Value::as_str) {
            r.text("li.error_text", text);
        }
    }
    r.text("li.x1.request_message_type", s("requestMessageType"));
    // The task, wherever the message carries it.
    let task = c.get("taskDetails").or_else(|| c.get("taskResponseDetails").and_then(|t| t.get("taskDetails")));
    let xid = task.and_then(|t| t.get("xId")).and_then(Value::as_str).or_else(|| c.get("xId").and_then(Value::as_str));
    if let Some(x) = xid {
        r.text("li.task.xid", x);
    }
    let mut subscribers = Vec::new();
    if let Some(t) = task {
        if let Some(d) = t.get("deliveryType").and_then(Value::as_str) {
            r.text("li.task.delivery_type", d);
        }
        let mut targets = Vec::new();
        let ids = t.get("targetIdentifiers").and_then(|v| v.get("targetIdentifier"));
        let list: Vec<&Value> = match ids {
            Some(Value::Array(a)) => a.iter().collect(),
            Some(v) => vec![v],
            None => vec![],
        };
        for id in list {
            if let Some(obj) = id.as_object() {
                for (choice, v) in obj {
                    let value = v.as_str().map(str::to_string).unwrap_or_else(|| v.to_string());
                    let ty = target_type(choice);
                    targets.push(seawall_core::json!({"type": ty, "value": value}));
                    subscribers.push(Value::from(seawall_core::subscriber_id(ty, &value)));
                }
            }
        }
        if !targets.is_empty() {
            r.set("li.task.targets", targets);
        }
        if let Some(dids) = t.get("listOfDIDs").and_then(|l| l.get("dId")) {
            r.set("li.task.dids", dids.clone());
        }
    }
    if let Some(dest) = c.get("destinationDetails") {
        if let Some(d) = dest.get("dId").and_then(Value::as_str) {
            r.text("li.destination.did", d);
        }
        r.set("li.destination.details", dest.clone());
    }
    if !subscribers.is_empty() {
        r.set("seawall.subscribers", subscribers);
    }
    r.set("x1", Value::Object(node.children.clone()));
    let ts_text = s("messageTimestamp");
    let ts = crate::parse_timestamp(ts_text);
    if ts.is_none() {
        return Err(format!("{message_type}: messageTimestamp {ts_text:?} is not a time"));
    }
    Ok((r.into_value(), ts))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn maps_message_types_and_targets() {
        assert_eq!(action("ActivateTaskRequest"), "target_activate");
        assert_eq!(action("DeactivateTaskResponse"), "target_deactivate");
        assert_eq!(target_type("e164Number"), "msisdn");
        let mut children = Map::new();
        children.insert("messageTimestamp".into(), Value::from("2017-10-06T18:46:21.247432Z"));
        children.insert(
            "taskDetails".into(),
            seawall_core::json!({"xId": "29f2", "targetIdentifiers": {"targetIdentifier": {"e164Number": "447700900000"}}}),
        );
        let node = Node {
            name: "x1RequestMessage".into(),
            xsi_type: Some("ActivateTaskRequest".into()),
            children,
            text: String::new(),
            line: 3,
        };
        let (v, ts) = message_event(node).unwrap();
        assert!(ts.is_some());
        assert_eq!(v["li"]["action"], "target_activate");
        assert_eq!(v["li"]["task"]["targets"][0]["type"], "msisdn");
        assert_eq!(v["seawall"]["subscribers"][0], "msisdn:447700900000");
    }
}
