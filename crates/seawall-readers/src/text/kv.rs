//! `key=value` syslog bodies (Fortinet FortiGate/FortiOS): `date=… time=… devname=… srcip=…`.

use super::clock::{parse_time, TimeRules};
use super::record::Record;
use super::syslog::Syslog;
use super::Parsed;

/// Splits `k=v k="quoted v"` pairs.
pub fn pairs(s: &str) -> Vec<(&str, String)> {
    let mut out = Vec::new();
    let mut rest = s.trim_start();
    while !rest.is_empty() {
        let Some(eq) = rest.find('=') else { break };
        let key = rest[..eq].trim();
        rest = &rest[eq + 1..];
        let value;
        if let Some(q) = rest.strip_prefix('"') {
            let end = q.find('"').unwrap_or(q.len());
            value = q[..end].to_string();
            rest = q.get(end + 1..).unwrap_or("");
        } else {
            let end = rest.find(' ').unwrap_or(rest.len());
            value = rest[..end].to_string();
            rest = &rest[end..];
        }
        if !key.is_empty() && !key.contains(' ') {
            out.push((key, value));
        }
        rest = rest.trim_start();
    }
    out
}

pub fn fortinet(s: &Syslog, rules: &TimeRules) -> Parsed {
    let kv = pairs(s.message);
    let get = |k: &str| kv.iter().find(|(key, _)| *key == k).map(|(_, v)| v.as_str());
    let stamp = format!("{} {} {}", get("date").unwrap_or(""), get("time").unwrap_or(""), get("tz").unwrap_or(""));
    let t = parse_time(stamp.trim(), rules).ok_or("date= and time= do not form a time")?;
    let mut r = Record::default();
    if let Some(p) = s.priority {
        r.set("log.syslog.priority", p);
    }
    r.put("event", "dataset", "fortinet.fortigate");
    r.put("event", "module", "fortinet");
    r.put("observer", "vendor", "Fortinet");
    for (k, v) in &kv {
        r.set(&seawall_core::format_compact!("fortinet.{}", k.replace('.', "_")), v.as_str());
    }
    let mut copy = |from: &str, to: &str, numeric: bool| {
        if let Some(v) = get(from) {
            if numeric {
                r.number(to, v);
            } else {
                r.text(to, v);
            }
        }
    };
    copy("devname", "observer.hostname", false);
    copy("devname", "host.name", false);
    copy("srcip", "source.ip", false);
    copy("srcport", "source.port", true);
    copy("dstip", "destination.ip", false);
    copy("dstport", "destination.port", true);
    copy("sentbyte", "source.bytes", true);
    copy("rcvdbyte", "destination.bytes", true);
    copy("action", "event.action", false);
    copy("user", "user.name", false);
    copy("logid", "event.code", false);
    copy("msg", "message", false);
    if let Some(p) = get("proto").and_then(|p| p.parse::<u8>().ok()) {
        if let Some(name) = super::flows::protocol_name(p) {
            r.put("network", "transport", name);
        }
    }
    super::note_time(&mut r, &t);
    Ok((r.into_value(), Some(t.ts)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_quoted_pairs() {
        let p = pairs(r#"date=2019-04-09 time=04:27:29 srcintf="port 1" x=1"#);
        assert_eq!(p[2], ("srcintf", "port 1".to_string()));
        assert_eq!(p.len(), 4);
    }
}
