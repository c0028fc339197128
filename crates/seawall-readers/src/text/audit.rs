//! Telecom audit records in Seawall's schemas (`docs/schemas/li-audit.md`,
//! `docs/schemas/cdr-audit.md`), as JSON lines or CSV: lawful-intercept administration events
//! and call-record / subscriber-data queries.

use seawall_core::Value;

use super::record::Record;

/// Which audit schema a record follows, by its `schema` field or its shape.
fn kind(r: &Record) -> Option<&'static str> {
    match r.get("schema").and_then(Value::as_str) {
        Some(s) if s.starts_with("seawall/li-audit") => return Some("li"),
        Some(s) if s.starts_with("seawall/cdr-audit") => return Some("cdr"),
        _ => {}
    }
    r.get("event_time")?;
    if r.get("recorder").is_some() && r.get("action").is_some() {
        Some("li")
    } else if r.get("system").is_some() && (r.get("subjects").is_some() || r.get("subject.value").is_some()) {
        Some("cdr")
    } else {
        None
    }
}

/// Subscriber identifiers a record names, as `type:value` (`msisdn:15551234567`).
fn subscribers(list: Option<&Value>, type_key: &str) -> Vec<Value> {
    let items: Vec<&Value> = match list {
        Some(Value::Array(a)) => a.iter().collect(),
        Some(v @ Value::Object(_)) => vec![v],
        _ => vec![],
    };
    items
        .into_iter()
        .filter_map(|t| {
            let ty = t.get(type_key).and_then(Value::as_str)?;
            let v = t.get("value").and_then(Value::as_str).or_else(|| t.get("value_hmac").and_then(Value::as_str))?;
            Some(Value::from(seawall_core::subscriber_id(&ty.to_ascii_lowercase(), v)))
        })
        .collect()
}

/// Adds ECS fields to an audit record; false when the record is not one.
pub fn normalise(r: &mut Record) -> bool {
    let Some(kind) = kind(r) else { return false };
    r.copy("actor.user_id", "user.name");
    r.copy("actor.source_ip", "source.ip");
    r.copy("actor.source_host", "source.domain");
    r.copy("outcome", "event.outcome");
    r.put("event", "module", "seawall");
    if kind == "li" {
        r.put("event", "dataset", "li.audit");
        r.copy("action", "event.action");
        r.copy("recorder_id", "host.name");
        let mut subs = subscribers(r.get("task.targets"), "type");
        subs.extend(subscribers(r.get("target"), "type"));
        if !subs.is_empty() {
            r.put("seawall", "subscribers", subs);
        }
    } else {
        r.put("event", "dataset", "cdr.audit");
        r.copy("query_type", "event.action");
        r.copy("system_id", "host.name");
        let mut subs = subscribers(r.get("subjects"), "id_type");
        subs.extend(subscribers(r.get("subject"), "id_type"));
        if !subs.is_empty() {
            if r.get("distinct_subjects").is_none() {
                r.set("distinct_subjects", subs.len() as u64);
            }
            r.put("seawall", "subscribers", subs);
        }
    }
    true
}

/// Splits one CSV line (RFC 4180 quoting; a quoted field may not span lines here).
pub fn split_csv(line: &str) -> Result<Vec<String>, String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut chars = line.chars().peekable();
    let mut quoted = false;
    let mut field_start = true;
    while let Some(c) = chars.next() {
        if quoted {
            if c == '"' {
                if chars.peek() == Some(&'"') {
                    cur.push('"');
                    chars.next();
                } else {
                    quoted = false;
                }
            } else {
                cur.push(c);
            }
        } else if c == '"' && field_start {
            quoted = true;
            field_start = false;
        } else if c == ',' {
            out.push(std::mem::take(&mut cur));
            field_start = true;
        } else {
            cur.push(c);
            field_start = false;
        }
    }
    if quoted {
        return Err("unterminated quoted CSV field".into());
    }
    out.push(cur);
    Ok(out)
}

/// Columns whose values are counts.
const NUMERIC: &[&str] = &["result.records", "result.bytes", "distinct_subjects", "query.result_count", "error_code"];

/// Whether a CSV header is one of the audit schemas'.
pub fn is_audit_header(line: &str) -> bool {
    let cols: Vec<&str> = line.split(',').map(str::trim).collect();
    cols.contains(&"event_time") && (cols.contains(&"action") || cols.contains(&"query_type"))
}

/// One CSV row of an audit file under its header.
pub fn csv_record(header: &[String], line: &str) -> super::Parsed {
    let cells = split_csv(line)?;
    if cells.len() != header.len() {
        return Err(format!("audit row has {} columns, the header {}", cells.len(), header.len()));
    }
    let mut r = Record::default();
    for (h, v) in header.iter().zip(cells) {
        if NUMERIC.contains(&h.as_str()) {
            r.number(h, &v);
        } else if h == "result.exported" {
            r.set(h, v.eq_ignore_ascii_case("true") || v == "1");
        } else {
            r.text(h, &v);
        }
    }
    if !normalise(&mut r) {
        return Err("row lacks the fields of the LI or CDR audit schema (event_time, recorder/action or system)".into());
    }
    let ts = r.get("event_time").and_then(Value::as_str).and_then(crate::parse_timestamp);
    if ts.is_none() {
        return Err("event_time is not an RFC 3339 time".into());
    }
    Ok((r.into_value(), ts))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn li_and_cdr_rows() {
        let header: Vec<String> =
            "event_time,recorder,recorder_id,action,actor.user_id,actor.source_ip,task.xid,target.type,target.value,warrant.reference,outcome"
                .split(',')
                .map(str::to_string)
                .collect();
        let (v, ts) = csv_record(
            &header,
            "2024-10-01T02:13:00Z,admf,admf-1,target_activate,li-op7,10.20.0.5,abc,msisdn,15550100001,,success",
        )
        .unwrap();
        assert!(ts.is_some());
        assert_eq!(v["event"]["dataset"], "li.audit");
        assert_eq!(v["user"]["name"], "li-op7");
        assert_eq!(v["seawall"]["subscribers"][0], "msisdn:15550100001");
        assert!(v.get("warrant").is_none(), "an empty warrant reference stays absent");
        let header: Vec<String> = "event_time,system,system_id,query_type,actor.user_id,subject.id_type,subject.value,result.records,case_ref"
            .split(',')
            .map(str::to_string)
            .collect();
        let (v, _) = csv_record(
            &header,
            "2024-10-01T03:00:00Z,cdr_warehouse,cdrdb1,cdr_lookup,\"svc,etl\",msisdn,15550100001,412,",
        )
        .unwrap();
        assert_eq!(v["event"]["dataset"], "cdr.audit");
        assert_eq!(v["user"]["name"], "svc,etl");
        assert_eq!(v["result"]["records"], 412);
        assert!(csv_record(&header, "a,b").is_err());
        assert_eq!(split_csv(r#"a,"b ""q"", c",d"#).unwrap(), vec!["a", "b \"q\", c", "d"]);
    }
}
