//! Authentication, authorisation and accounting records: TACACS+ accounting files (`tac_plus`
//! and `tac_plus-ng`), FreeRADIUS `detail` files, and Cisco ISE syslog (`CISE_…` messages).

use seawall_core::Value;

use super::clock::{parse_time, TimeRules};
use super::record::Record;
use super::Parsed;

/// Whether a line looks like a tac_plus accounting record:
/// `<time>\t<NAS>\t<user>\t<port>\t<rem_addr>\t<start|stop|update>\t<attr=value>…`.
pub fn is_tacacs_line(line: &str) -> bool {
    let cols: Vec<&str> = line.split('\t').collect();
    cols.len() >= 6
        && cols.iter().skip(5).take(2).any(|c| matches!(c.trim(), "start" | "stop" | "update"))
        && cols.iter().any(|c| c.contains('='))
}

/// Fills ECS fields from TACACS+ attribute-value pairs (`cmd=`, `priv-lvl=`, `service=` …).
fn tacacs_attributes(r: &mut Record, pairs: &[(String, String)]) {
    let mut cmd = String::new();
    let mut args = Vec::new();
    for (k, v) in pairs {
        r.set(&seawall_core::format_compact!("tacacs.{}", k.replace(['-', '.'], "_")), v.as_str());
        match k.as_str() {
            "cmd" => cmd = v.trim_end_matches("<cr>").trim().to_string(),
            "cmd-arg" if v.trim() != "<cr>" => args.push(v.trim().to_string()),
            "priv-lvl" => r.put_number("tacacs", "privilege_level", v),
            "service" => r.put_text("tacacs", "service", v),
            "elapsed_time" => r.put_number("event", "duration_s", v),
            _ => {}
        }
    }
    if !args.is_empty() {
        if !cmd.is_empty() {
            cmd.push(' ');
        }
        cmd.push_str(&args.join(" "));
    }
    if !cmd.is_empty() {
        r.put("process", "command_line", cmd);
        r.put("event", "action", "command");
    }
}

/// One tac_plus accounting line.
pub fn tacacs_record(line: &str, rules: &TimeRules) -> Parsed {
    let cols: Vec<&str> = line.split('\t').collect();
    // The time may itself contain tabs in no known writer; it is the first column.
    let t = parse_time(cols[0].trim(), rules).ok_or("TACACS+ record does not start with a time")?;
    if cols.len() < 6 {
        return Err(format!("TACACS+ record has {} columns, at least 6 expected", cols.len()));
    }
    let mut r = Record::default();
    r.put("event", "dataset", "tacacs.accounting");
    r.put("event", "module", "tacacs");
    r.endpoint("observer", cols[1]);
    if let Some(ip) = r.get("observer.ip").cloned() {
        r.put("host", "ip", ip);
    }
    r.put_text("host", "name", cols[1]);
    r.put_text("user", "name", cols[2]);
    r.put_text("tacacs", "port", cols[3]);
    r.endpoint("source", cols[4]);
    let kind = cols[5].trim();
    r.put("tacacs", "record_type", kind);
    r.put("event", "action", seawall_core::format_compact!("accounting-{kind}"));
    let pairs: Vec<(String, String)> = cols[6..]
        .iter()
        .filter_map(|c| c.split_once('=').map(|(k, v)| (k.trim().to_string(), v.to_string())))
        .collect();
    tacacs_attributes(&mut r, &pairs);
    super::note_time(&mut r, &t);
    Ok((r.into_value(), Some(t.ts)))
}

/// One FreeRADIUS `detail` record: a time line, then `Attribute = value` lines.
pub fn radius_detail_record(text: &str, rules: &TimeRules) -> Parsed {
    let mut lines = text.lines();
    let first = lines.next().unwrap_or("").trim();
    let header_time = parse_time(first, rules);
    let mut r = Record::default();
    r.put("event", "dataset", "radius.accounting");
    r.put("event", "module", "radius");
    let mut ts = header_time.map(|t| t.ts);
    let mut n = 0;
    for line in lines {
        let Some((k, v)) = line.split_once(" = ") else {
            if line.trim().is_empty() {
                continue;
            }
            return Err(format!("RADIUS detail line is not `Attribute = value`: {:?}", line.trim()));
        };
        let (k, v) = (k.trim(), v.trim().trim_matches('"'));
        n += 1;
        r.set(&seawall_core::format_compact!("radius.{}", k.replace(['-', '.', ':'], "_").to_ascii_lowercase()), v);
        match k {
            "User-Name" => r.put_text("user", "name", v),
            "NAS-IP-Address" => {
                r.put_text("observer", "ip", v);
                r.put_text("host", "ip", v);
            }
            "NAS-Identifier" => r.put_text("observer", "hostname", v),
            "Calling-Station-Id" => r.put_text("source", "address", v),
            "Framed-IP-Address" => r.put_text("client", "ip", v),
            "Acct-Status-Type" => {
                r.put("event", "action", seawall_core::format_compact!("accounting-{}", v.to_ascii_lowercase()))
            }
            "Acct-Input-Octets" => r.put_number("source", "bytes", v),
            "Acct-Output-Octets" => r.put_number("destination", "bytes", v),
            "Acct-Session-Time" => r.put_number("event", "duration_s", v),
            "Event-Timestamp" if ts.is_none() => ts = crate::parse_timestamp(v).or_else(|| epoch(v)),
            "Timestamp" if ts.is_none() => ts = epoch(v),
            _ => {}
        }
    }
    if n == 0 {
        return Err("RADIUS detail record without attributes".into());
    }
    if let Some(t) = header_time {
        super::note_time(&mut r, &t);
    }
    if ts.is_none() {
        return Err("RADIUS detail record without a time".into());
    }
    Ok((r.into_value(), ts))
}

fn epoch(v: &str) -> Option<jiff::Timestamp> {
    v.trim().parse::<i64>().ok().and_then(|s| jiff::Timestamp::from_second(s).ok())
}

/// Splits ISE's `Key=Value, Key=Value` list; `\,` escapes a comma inside a value.
fn ise_pairs(s: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut chars = s.chars().peekable();
    let mut parts = Vec::new();
    while let Some(c) = chars.next() {
        match c {
            '\\' if chars.peek() == Some(&',') => {
                cur.push(',');
                chars.next();
            }
            ',' => parts.push(std::mem::take(&mut cur)),
            _ => cur.push(c),
        }
    }
    parts.push(cur);
    for p in parts {
        if let Some((k, v)) = p.trim().split_once('=') {
            out.push((k.trim().to_string(), v.trim().to_string()));
        }
    }
    out
}

/// Cisco ISE syslog bodies: `CISE_<Category> <msgid> <segments> <segment> <time> <zone>
/// <sequence> <code> <severity> <class>: <text>, Key=Value, …`.
pub fn ise(message: &str, r: &mut Record, rules: &TimeRules) -> Option<jiff::Timestamp> {
    let rest = message.strip_prefix("CISE_")?;
    let mut it = rest.splitn(5, ' ');
    let category = it.next()?;
    let _msgid = it.next()?;
    let _segments = it.next()?;
    let _segment = it.next()?;
    let tail = it.next()?;
    let t = parse_time(tail, rules)?;
    let after = tail[t.len..].trim_start();
    let mut fields = after.splitn(4, ' ');
    let _seq = fields.next()?;
    let code = fields.next()?;
    let severity = fields.next()?;
    let body = fields.next().unwrap_or("");
    let (class, text) = body.split_once(": ").unwrap_or((body, ""));
    let (summary, kv) = text.split_once(", ").unwrap_or((text, ""));
    r.put("event", "dataset", "cisco.ise");
    r.put("event", "module", "cisco");
    r.set("cisco.ise.category", category);
    r.set("cisco.ise.class", class);
    r.set("cisco.ise.severity", severity);
    r.put("event", "code", code);
    r.put_top("message", summary);
    let pairs = ise_pairs(kv);
    let mut tacacs = Vec::new();
    for (k, v) in &pairs {
        let key = k.replace([' ', '-', '.'], "_").to_ascii_lowercase();
        r.set(&seawall_core::format_compact!("cisco.ise.{key}"), v.as_str());
        match k.as_str() {
            "User" | "User-Name" | "UserName" | "AdminName" => r.put_text("user", "name", v),
            "Remote-Address" | "AdminIPAddress" => r.endpoint("source", v),
            "Device IP Address" | "NAS-IP-Address" => r.endpoint("observer", v),
            "NetworkDeviceName" => {
                r.put_text("host", "name", v);
                r.put_text("observer", "hostname", v);
            }
            "Privilege-Level" => r.put_number("tacacs", "privilege_level", v),
            "Port" => r.put_text("tacacs", "port", v),
            "CmdSet" => {
                // `[ CmdAV=show mac-address-table <cr> ]`
                let cmd = v.trim_matches(['[', ']', ' ']).trim_start_matches("CmdAV=");
                tacacs.push(("cmd".to_string(), cmd.to_string()));
            }
            "AcctRequest-Flags" | "Acct-Status-Type" => {
                r.put("event", "action", seawall_core::format_compact!("accounting-{}", v.to_ascii_lowercase()))
            }
            "Framed-IP-Address" => r.put_text("client", "ip", v),
            "Calling-Station-ID" => r.put_text("source", "mac", v),
            _ => {}
        }
    }
    if !tacacs.is_empty() {
        tacacs_attributes(r, &tacacs);
    }
    match code {
        "51000" | "51020" | "51021" => {
            r.put("event", "action", "admin-login-failure");
            r.put("event", "outcome", "failure");
        }
        "51001" => {
            r.put("event", "action", "admin-login-success");
            r.put("event", "outcome", "success");
        }
        "52000" | "52001" | "52002" => r.put("event", "action", "configuration-change"),
        _ => {}
    }
    if r.get("observer.ip").is_some_and(Value::is_string) {
        if let Some(ip) = r.get("observer.ip").cloned() {
            r.put("host", "ip", ip);
        }
    }
    super::note_time(r, &t);
    Some(t.ts)
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::text::clock::test_rules as rules;

    #[test]
    fn tac_plus_accounting_lines() {
        let line = "Jun 12 10:01:02\t10.0.0.1\tbob\ttty2\t192.0.2.7\tstop\ttask_id=5\tservice=shell\tpriv-lvl=15\tcmd=show running-config <cr>";
        assert!(is_tacacs_line(line));
        let (v, ts) = tacacs_record(line, &rules()).unwrap();
        assert_eq!(ts.unwrap().to_string(), "2024-06-12T10:01:02Z");
        assert_eq!(v["user"]["name"], "bob");
        assert_eq!(v["source"]["ip"], "192.0.2.7");
        assert_eq!(v["observer"]["ip"], "10.0.0.1");
        assert_eq!(v["process"]["command_line"], "show running-config");
        assert_eq!(v["tacacs"]["privilege_level"], 15);
        assert!(!is_tacacs_line("Jun 12 10:01:02 host sshd[1]: hello"));
    }

    #[test]
    fn freeradius_detail_records() {
        let rec = "Mon Jun 10 10:00:00 2024\n\tAcct-Status-Type = Start\n\tUser-Name = \"alice\"\n\tNAS-IP-Address = 10.1.1.1\n\tTimestamp = 1718013600";
        let (v, ts) = radius_detail_record(rec, &rules()).unwrap();
        assert_eq!(ts.unwrap().to_string(), "2024-06-10T10:00:00Z");
        assert_eq!(v["user"]["name"], "alice");
        assert_eq!(v["event"]["action"], "accounting-start");
        assert!(radius_detail_record("Mon Jun 10 10:00:00 2024\n\tgarbage", &rules()).is_err());
    }

    #[test]
    fn ise_tacacs_command_accounting() {
        let msg = "CISE_TACACS_Accounting 0000000001 4 0 2020-02-21 19:13:08.328 +00:00 0018415781 3300 NOTICE Tacacs-Accounting: TACACS+ Accounting with Command, Device IP Address=81.2.69.144, CmdSet=[ CmdAV=show mac-address-table <cr> ], Privilege-Level=15, User=psxvne, Port=tty10, Remote-Address=81.2.69.144, AcctRequest-Flags=Stop";
        let mut r = Record::default();
        let ts = ise(msg, &mut r, &rules()).unwrap();
        assert_eq!(ts.to_string(), "2020-02-21T19:13:08.328Z");
        let v = r.into_value();
        assert_eq!(v["process"]["command_line"], "show mac-address-table");
        assert_eq!(v["user"]["name"], "psxvne");
        assert_eq!(v["event"]["code"], "3300");
        assert_eq!(v["tacacs"]["privilege_level"], 15);
    }
}
