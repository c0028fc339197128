//! Events from syslog lines: the header's fields, built object by object, then the fields of
//! the message itself (Cisco, Junos, Huawei, ISE, Linux authentication, or plain syslog).

use seawall_core::{Map, Value};

use super::clock::TimeRules;
use super::record::{self, Record};
use super::{aaa, kv, linux, network, note_time, parse_syslog, syslog, Parsed};

pub(super) fn fragment_record(text: &str) -> (Value, Option<jiff::Timestamp>) {
    let mut r = Record::default();
    r.put_top("message", text);
    r.put("event", "dataset", "cisco.ios");
    r.put("seawall", "fragment", true);
    r.put("seawall", "time_missing", true);
    (r.into_value(), None)
}

/// The fields of a syslog header, built object by object (every line has them, and setting them
/// one dotted path at a time was a good part of reading a line).
fn syslog_header(
    s: &syslog::Syslog<'_>,
    code: Option<&network::CiscoMessage<'_>>,
    junos: Option<&network::JunosMessage<'_>>,
    linux_auth: bool,
) -> Record {
    let mut syslog = Map::with_capacity(8);
    let mut host = Map::new();
    let mut observer = Map::new();
    let mut process = Map::new();
    // A Cisco message adds its facility, severity, mnemonic and often more.
    let mut cisco = if s.message.starts_with('%') { Map::with_capacity(8) } else { Map::new() };
    if let Some(p) = s.priority {
        syslog.push_new("priority", p);
        let mut facility = Map::with_capacity(1);
        facility.push_new("code", p >> 3);
        syslog.push_new("facility", facility);
        let mut severity = Map::with_capacity(1);
        severity.push_new("code", p & 7);
        syslog.push_new("severity", severity);
    }
    if let Some(v) = s.version {
        syslog.push_new("version", v);
    }
    if let Some(h) = s.hostname {
        host.push_new("name", h);
        observer.push_new("hostname", h);
        syslog.push_new("hostname", h);
    }
    if let Some(relay) = s.relay_host {
        syslog.push_new("relay_host", relay);
        if relay.parse::<std::net::IpAddr>().is_ok() {
            observer.push_new("ip", relay);
        }
    }
    if let Some(a) = s.appname {
        syslog.push_new("appname", a);
        process.push_new("name", a.split('(').next().unwrap_or(a));
    }
    if let Some(p) = s.procid {
        if let Some(pid) = record::number_value(p) {
            process.push_new("pid", pid);
        }
        syslog.push_new("procid", p);
    }
    if let Some(m) = s.msgid {
        syslog.push_new("msgid", m);
    }
    if let Some(rt) = &s.relay_time {
        syslog.push_new("relay_time", seawall_core::rfc3339(rt.ts));
    }
    if let Some(seq) = s.sequence {
        cisco.push_new("sequence", seq);
    }
    if let Some(up) = s.uptime {
        cisco.push_new("uptime", up);
    }
    if let Some(node) = s.node {
        cisco.push_new("node", node);
    }
    let mut event = Map::new();
    if let Some(m) = code {
        event = Map::with_capacity(8);
        network::cisco_common(m, &mut observer, &mut cisco, &mut event);
        if let Some(product) = network::cisco_os(m.facility, s.node.is_some()) {
            observer.push_new("product", product);
        }
    } else if let Some(m) = junos {
        event = Map::with_capacity(8);
        network::junos_common(m, &mut observer, &mut event);
    } else if linux_auth {
        event = Map::with_capacity(8);
        linux::auth_common(&mut event);
    }
    let mut top = Map::with_capacity(12);
    if !syslog.is_empty() {
        let mut log = Map::with_capacity(2);
        log.push_new("syslog", syslog);
        top.push_new("log", log);
    }
    for (key, m) in [("host", host), ("observer", observer), ("process", process), ("cisco", cisco)] {
        if !m.is_empty() {
            top.push_new(key, m);
        }
    }
    // A Cisco or Junos message keeps only its text as `message` (the code goes to its own fields).
    top.push_new("message", code.map(|c| c.text).or(junos.map(|j| j.text)).unwrap_or(s.message));
    if !event.is_empty() {
        top.push_new("event", event);
    }
    let mut r = Record::from_fields(top);
    if let Some(sd) = s.structured_data {
        structured_data(sd, &mut r);
    }
    r
}

pub(super) fn syslog_record(line: &str, rules: &TimeRules) -> Parsed {
    let s = parse_syslog(line, rules).ok_or("no syslog header")?;
    if s.time.is_none() && s.uptime.is_none() && s.priority.is_none() && !s.message.starts_with('%') {
        return Err("no syslog header (no priority, time, uptime or message code)".into());
    }
    if s.message.starts_with("date=") && s.message.contains(" time=") {
        return kv::fortinet(&s, rules);
    }
    let msg = s.message.trim_start();
    let cisco = if msg.starts_with('%') { network::split_cisco(msg) } else { None };
    // Junos messages are recognised before the header is built, so that their common fields go
    // with it; Huawei and ISE messages come first, and only if they fail is Junos tried.
    let junos_later = msg.starts_with("%%") || msg.starts_with("CISE_");
    // RFC 5424 Junos puts the tag in MSGID: the message is then read as `TAG: text`.
    let joined =
        s.msgid.filter(|m| m.chars().all(|c| c.is_ascii_uppercase() || c == '_')).map(|id| format!("{id}: {msg}"));
    let junos = if cisco.is_some() || junos_later {
        None
    } else {
        joined
            .as_deref()
            .and_then(|j| network::split_junos(s.appname, j))
            .or_else(|| network::split_junos(s.appname, msg))
    };
    let linux_auth =
        cisco.is_none() && junos.is_none() && !junos_later && s.appname.is_some_and(linux::is_auth_program);
    let mut r = syslog_header(&s, cisco.as_ref(), junos.as_ref(), linux_auth);
    if msg.starts_with("CISE_") {
        if let Some(ts) = aaa::ise(msg, &mut r, rules) {
            // ISE's own time carries milliseconds and a zone; the header's does not.
            return Ok((r.into_value(), Some(ts)));
        }
    }
    let handled = (msg.starts_with("%%") && network::huawei(msg, &mut r))
        || cisco.is_some_and(|c| {
            network::cisco_fields(&c, &mut r);
            true
        })
        || junos.is_some_and(|j| {
            network::junos_fields(&j, &mut r);
            true
        })
        || (junos_later
            && (joined.as_deref().is_some_and(|j| network::junos(s.appname, j, &mut r))
                || network::junos(s.appname, msg, &mut r)));
    if !handled {
        match s.appname {
            Some(_) if linux_auth => linux::auth_fields(msg, &mut r),
            Some(app) if linux::is_auth_program(app) => linux::auth(app, msg, &mut r),
            _ => r.put("event", "dataset", "syslog"),
        }
    }
    if let Some(t) = &s.time {
        note_time(&mut r, t);
    } else {
        r.put("seawall", "time_missing", true);
    }
    Ok((r.into_value(), s.time.map(|t| t.ts)))
}

/// RFC 5424 structured data: `[id k="v" …]…` into `log.syslog.structured_data.<id>.<k>`; Junos
/// `username` and `source-address` also fill ECS fields.
fn structured_data(sd: &str, r: &mut Record) {
    let mut rest = sd;
    while let Some(body) = rest.strip_prefix('[') {
        let mut id_end = body.find([' ', ']']).unwrap_or(body.len());
        let id = body[..id_end].replace('.', "_");
        let mut i = id_end;
        let b = body.as_bytes();
        loop {
            while b.get(i) == Some(&b' ') {
                i += 1;
            }
            if i >= b.len() || b[i] == b']' {
                break;
            }
            let Some(eq) = body[i..].find('=') else { break };
            let key = body[i..i + eq].to_string();
            i += eq + 1;
            if b.get(i) != Some(&b'"') {
                break;
            }
            i += 1;
            let mut val = String::new();
            while i < b.len() {
                match b[i] {
                    b'\\' if i + 1 < b.len() => {
                        val.push(b[i + 1] as char);
                        i += 2;
                    }
                    b'"' => {
                        i += 1;
                        break;
                    }
                    _ => {
                        let ch = body[i..].chars().next().unwrap_or(' ');
                        val.push(ch);
                        i += ch.len_utf8();
                    }
                }
            }
            match key.as_str() {
                "username" => r.put_text("user", "name", &val),
                "source-address" => r.endpoint("source", &val),
                "command" => r.put_text("process", "command_line", &val),
                _ => {}
            }
            r.set(&seawall_core::format_compact!("log.syslog.structured_data.{id}.{}", key.replace('.', "_")), val);
        }
        id_end = (i + 1).min(body.len());
        rest = &body[id_end..];
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::text::clock::test_rules as rules;

    #[test]
    fn syslog_records_carry_ecs_fields() {
        let (v, ts) = syslog_record(
            "Mar 24 18:06:03 192.168.100.2 1991219: Mar 24 18:06:03.424 UTC: %SEC_LOGIN-5-LOGIN_SUCCESS: Login Success [user: john.smith] [Source: 10.2.55.3] [localport: 22] at 12:06:03 MST Wed Mar 24 2021",
            &rules(),
        )
        .unwrap();
        assert_eq!(ts.unwrap().to_string(), "2024-03-24T18:06:03.424Z");
        assert_eq!(v["event"]["dataset"], "cisco.ios");
        assert_eq!(v["observer"]["hostname"], "192.168.100.2");
        assert_eq!(v["user"]["name"], "john.smith");
        assert_eq!(v["seawall"]["time_inferred"], seawall_core::json!(["year"]));
        let (v, _) =
            syslog_record("Dec 10 06:55:46 LabSZ sshd[24200]: Invalid user webmaster from 173.234.31.186", &rules())
                .unwrap();
        assert_eq!(
            (v["event"]["dataset"].as_str(), v["source"]["ip"].as_str()),
            (Some("linux.auth"), Some("173.234.31.186"))
        );
        let (v, _) = syslog_record(
            r#"<165>1 2024-05-01T10:00:00Z fw1 mgd 4242 UI_COMMIT [junos@2636.1.1.1.2.18 username="bob" command="commit"] User 'bob' requested 'commit' operation"#,
            &rules(),
        )
        .unwrap();
        assert_eq!((v["event"]["dataset"].as_str(), v["user"]["name"].as_str()), (Some("juniper.junos"), Some("bob")));
        assert!(syslog_record("garbage", &rules()).is_err());
        // The operating system, where the message's form tells it.
        let os =
            |line: &str| syslog_record(line, &rules()).unwrap().0["observer"]["product"].as_str().map(String::from);
        assert_eq!(
            os("<190>12345: gw1 RP/0/RSP0/CPU0:Nov  1 11:11:24.927: isis[1006]: %ROUTING-ISIS-5-ADJCHANGE : Adjacency down").as_deref(),
            Some("IOS XR")
        );
        assert_eq!(
            os("<190>3352436: Aug 12 2023 12:14:24.412 mdt: %IOSXE-6-PLATFORM: R0/0: cpp_cp: QFP").as_deref(),
            Some("IOS XE")
        );
        assert_eq!(
            os("<190>2018 Apr 20 13:15:07 nexus %ETHPORT-5-IF_DOWN_LINK_FAILURE: Interface Ethernet1/33 is down")
                .as_deref(),
            Some("NX-OS")
        );
        assert_eq!(
            os("Mar 24 18:06:03 r1 12: Mar 24 18:06:03.424 UTC: %LINK-3-UPDOWN: Interface Gi0/1, changed state to up"),
            None
        );
    }
}
