//! Syslog headers: RFC 5424, RFC 3164 (BSD) and the many ways network devices bend the latter
//! (Cisco sequence numbers and `host:` prefixes, relay prefixes with a second time, IOS-XR node
//! names, NX-OS and ASA layouts). The message body is left to the vendor parsers.

use super::bytes;
use super::clock::{parse_time, TextTime, TimeRules};

/// A parsed syslog header and the message after it.
#[derive(Debug, Default, Clone)]
pub struct Syslog<'a> {
    pub priority: Option<u8>,
    /// RFC 5424 version (`1`), when the line is RFC 5424.
    pub version: Option<u8>,
    /// The device's own time (the last time in the header: with a relay prefix, the first
    /// time is the relay's).
    pub time: Option<TextTime>,
    /// The relay's (receiving host's) time, when the header holds two.
    pub relay_time: Option<TextTime>,
    pub hostname: Option<&'a str>,
    /// A relay or collector prefix before the device's own header.
    pub relay_host: Option<&'a str>,
    pub appname: Option<&'a str>,
    pub procid: Option<&'a str>,
    pub msgid: Option<&'a str>,
    pub structured_data: Option<&'a str>,
    /// Cisco message sequence number.
    pub sequence: Option<u64>,
    /// Device uptime in place of a time (`2y10w`, `1d02h`, `00:01:12`).
    pub uptime: Option<&'a str>,
    /// IOS-XR node (`RP/0/RSP0/CPU0`).
    pub node: Option<&'a str>,
    pub message: &'a str,
}

fn is_uptime(s: &str) -> bool {
    let b = s.as_bytes();
    if b.is_empty() || !b[0].is_ascii_digit() {
        return false;
    }
    let units = b.iter().all(|c| c.is_ascii_digit() || matches!(c, b'y' | b'w' | b'd' | b'h' | b'm' | b's'));
    let clock = b.iter().all(|c| c.is_ascii_digit() || *c == b':') && b.contains(&b':');
    (units && b.iter().any(u8::is_ascii_alphabetic)) || clock
}

fn looks_like_host(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 255
        && s.bytes().all(|c| c.is_ascii_alphanumeric() || matches!(c, b'.' | b'-' | b'_' | b':' | b'/' | b'@'))
}

/// `app[pid]`, `app(sub)[pid]` or `app`.
fn split_tag(tag: &str) -> (&str, Option<&str>) {
    if let Some(open) = tag.rfind('[') {
        if tag.ends_with(']') {
            return (&tag[..open], Some(&tag[open + 1..tag.len() - 1]));
        }
    }
    (tag, None)
}

/// Parses the header of one syslog line. `None` when the line has no syslog shape at all.
pub fn parse_syslog<'a>(line: &'a str, rules: &TimeRules) -> Option<Syslog<'a>> {
    let mut out = Syslog::default();
    let mut rest = line;
    if let Some(r) = rest.strip_prefix('<') {
        let close = bytes::find(r, b'>')?;
        if close == 0 || close > 3 {
            return None;
        }
        let pri: u8 = r[..close].parse().ok()?;
        if pri > 191 {
            return None;
        }
        out.priority = Some(pri);
        rest = &r[close + 1..];
        if let Some(r5424) = rest.strip_prefix("1 ") {
            if let Some(s) = rfc5424(r5424, rules, &mut out) {
                return Some(s);
            }
        }
    }
    bsd(rest, rules, out)
}

fn rfc5424<'a>(rest: &'a str, rules: &TimeRules, out: &mut Syslog<'a>) -> Option<Syslog<'a>> {
    let mut s = out.clone();
    s.version = Some(1);
    let (ts, mut r) = rest.split_once(' ')?;
    if ts != "-" {
        let t = parse_time(ts, rules)?;
        if t.len != ts.len() {
            return None;
        }
        s.time = Some(t);
    }
    let nil = |v: &'a str| (v != "-").then_some(v);
    let mut field = || -> Option<&'a str> {
        let (f, after) = r.split_once(' ').unwrap_or((r, ""));
        r = after;
        Some(f)
    };
    s.hostname = nil(field()?);
    s.appname = nil(field()?);
    s.procid = nil(field()?);
    s.msgid = nil(field()?);
    // Structured data: `-` or one or more `[id k="v" ...]` elements (values may hold `]` escaped).
    if let Some(after) = r.strip_prefix('-') {
        r = after;
    } else if r.starts_with('[') {
        let b = r.as_bytes();
        let mut i = 0;
        while b.get(i) == Some(&b'[') {
            let mut in_q = false;
            let mut esc = false;
            i += 1;
            while i < b.len() {
                let c = b[i];
                if esc {
                    esc = false;
                } else if c == b'\\' {
                    esc = true;
                } else if c == b'"' {
                    in_q = !in_q;
                } else if c == b']' && !in_q {
                    break;
                }
                i += 1;
            }
            i += 1;
        }
        let end = i.min(r.len());
        s.structured_data = Some(&r[..end]);
        r = &r[end..];
    }
    let msg = r.strip_prefix(' ').unwrap_or(r);
    s.message = msg.strip_prefix('\u{feff}').unwrap_or(msg);
    Some(s)
}

fn bsd<'a>(mut rest: &'a str, rules: &TimeRules, mut out: Syslog<'a>) -> Option<Syslog<'a>> {
    let mut steps = 0;
    loop {
        steps += 1;
        rest = rest.trim_start_matches(' ');
        if rest.is_empty() || rest.starts_with('%') || steps > 10 {
            break;
        }
        if let Some(t) = parse_time(rest, rules) {
            // The last time is the device's; with two or more, the first is a relay's.
            if let Some(earlier) = out.time.replace(t) {
                out.relay_time.get_or_insert(earlier);
            }
            rest = &rest[t.len..];
            rest = rest.strip_prefix(':').unwrap_or(rest);
            continue;
        }
        let end = bytes::find(rest, b' ').unwrap_or(rest.len());
        let token = &rest[..end];
        let after = &rest[end..];
        if let Some(inner) = token.strip_suffix(':') {
            if inner.is_empty() {
                rest = after;
                continue;
            }
            if inner.bytes().all(|c| c.is_ascii_digit()) && inner.len() <= 20 {
                // A relay's counter comes first; the device's own sequence number wins.
                out.sequence = inner.parse().ok();
                rest = after;
                continue;
            }
            if is_uptime(inner) {
                out.uptime = Some(inner);
                rest = after;
                continue;
            }
            let next = after.trim_start_matches(' ');
            let next_is_header = next.starts_with('%')
                || parse_time(next, rules).is_some()
                || next
                    .split(' ')
                    .next()
                    .is_some_and(|t| t.len() > 1 && t.strip_suffix(':').is_some_and(is_digits_or_uptime));
            if out.hostname.is_none() && next_is_header && looks_like_host(inner) {
                out.hostname = Some(inner);
                rest = after;
                continue;
            }
            let next_is_time_or_seq = !next.starts_with('%') && next_is_header;
            if out.hostname.is_some() && out.appname.is_none() && next_is_time_or_seq && looks_like_host(inner) {
                // A device name after a collector's prefix (`logging origin-id hostname`): the
                // device is the host, the address before it the relay.
                out.relay_host = out.hostname;
                out.hostname = Some(inner);
                rest = after;
                continue;
            }
            // The tag: `app[pid]:`.
            let (app, pid) = split_tag(inner);
            out.appname = Some(app);
            out.procid = pid;
            rest = after;
            break;
        }
        // IOS-XR glues the node to the time: `RP/0/RSP0/CPU0:Mar 28 15:08:30.941 UTC:`.
        if let Some(colon) = bytes::find(token, b':') {
            let tail = &rest[colon + 1..];
            if colon > 0 && parse_time(tail, rules).is_some() {
                out.node = Some(&rest[..colon]);
                rest = tail;
                continue;
            }
        }
        if out.hostname.is_none() && looks_like_host(token) {
            out.hostname = Some(token);
            rest = after;
            continue;
        }
        if out.appname.is_none() && parse_time(after.trim_start_matches(' '), rules).is_some() {
            out.appname = Some(token);
            rest = after;
            continue;
        }
        break;
    }
    if out.time.is_none() && out.priority.is_none() && out.hostname.is_none() && !rest.starts_with('%') {
        return None;
    }
    out.message = rest.trim_start_matches(' ');
    Some(out)
}

fn is_digits_or_uptime(s: &str) -> bool {
    (!s.is_empty() && s.bytes().all(|c| c.is_ascii_digit())) || is_uptime(s)
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::text::clock::test_rules as rules;

    fn p(line: &str) -> Syslog<'_> {
        parse_syslog(line, &rules()).unwrap_or_else(|| panic!("not syslog: {line}"))
    }

    #[test]
    fn cisco_headers() {
        let s = p("<189>2360957: Jan  6 2022 20:52:12.861: %SYS-5-CONFIG_I: Configured from console by akroh on vty0 (10.100.11.10)");
        assert_eq!((s.priority, s.sequence), (Some(189), Some(2360957)));
        assert_eq!(s.time.unwrap().ts.to_string(), "2022-01-06T20:52:12.861Z");
        assert!(s.message.starts_with("%SYS-5-CONFIG_I:"));
        let s = p("<189>: sw01: Jan  6 2022 21:01:34.964: %SYS-5-CONFIG_I: x");
        assert_eq!(s.hostname, Some("sw01"));
        let s = p("<165>7433: ASR920: 007439: 2y10w: %SEC_LOGIN-5-LOGIN_SUCCESS: Login Success");
        assert_eq!((s.hostname, s.sequence, s.uptime, s.time), (Some("ASR920"), Some(7439), Some("2y10w"), None));
        let s = p("Feb  8 04:00:48 192.168.100.2 585917: Feb  8 04:00:47.272: %SEC-6-IPACCESSLOGRP: list 177");
        assert_eq!(s.hostname, Some("192.168.100.2"));
        assert_eq!(s.time.unwrap().ts.to_string(), "2024-02-08T04:00:47.272Z");
        assert_eq!(s.relay_time.unwrap().ts.to_string(), "2024-02-08T04:00:48Z");
        let s = p("172.16.5.10 6705: Feb 17 13:40:03.673: %PARSER-5-CFGLOG_LOGGEDCMD: User:admin  logged command:x");
        assert_eq!((s.hostname, s.sequence), (Some("172.16.5.10"), Some(6705)));
        let s = p("<149>2647599: vmx01 RP/0/RSP1/CPU0:Mar 28 15:08:30.941 UTC: bgp[1051]: %ROUTING-BGP-5-MAXPFX : No.");
        assert_eq!(
            (s.hostname, s.node, s.appname, s.procid),
            (Some("vmx01"), Some("RP/0/RSP1/CPU0"), Some("bgp"), Some("1051"))
        );
        assert!(s.message.starts_with("%ROUTING-BGP-5-MAXPFX"));
        let s = p("<190>2018 Apr 20 13:15:15 nexus-switch %ETHPORT-5-IF_DUPLEX: Interface Ethernet1/33");
        assert_eq!(s.hostname, Some("nexus-switch"));
        let s = p("Mar 09 2017 10:25:04 MDF-ASA5515X : %ASA-6-305012: Teardown");
        assert_eq!(s.hostname, Some("MDF-ASA5515X"));
        assert!(s.message.starts_with("%ASA-6-305012"));
        let s = p("Oct  2 01:12:07 10.255.0.3 901: edge-rtr-03: Oct  2 2024 01:12:07.000 UTC: %SYS-5-CONFIG_P: x");
        assert_eq!((s.hostname, s.relay_host), (Some("edge-rtr-03"), Some("10.255.0.3")));
        let s = p("<174>15162564: BGP-BETA: 29391555: Jun 26 16:44:58.802 CEST: %FMANFP-6-IPACCESSLOGP: F0/0");
        assert_eq!((s.hostname, s.sequence), (Some("BGP-BETA"), Some(29391555)));
    }

    #[test]
    fn bsd_and_5424_headers() {
        let s = p("Jun 14 15:16:01 combo sshd(pam_unix)[19939]: authentication failure; logname= uid=0");
        assert_eq!((s.hostname, s.appname, s.procid), (Some("combo"), Some("sshd(pam_unix)"), Some("19939")));
        assert_eq!(s.message, "authentication failure; logname= uid=0");
        let s = p("<189>Jul 20 21:44:00 vmx01 mgd[7729]: UI_COMMIT_COMPLETED: commit complete");
        assert_eq!((s.appname, s.message), (Some("mgd"), "UI_COMMIT_COMPLETED: commit complete"));
        let s = p("<166>Oct 18 14:39:03 edge01.bru01 Rib: %AGENT-6-INITIALIZED: Agent 'Rib' initialized; pid=7104");
        assert_eq!((s.hostname, s.appname), (Some("edge01.bru01"), Some("Rib")));
        let s = p("<30>ztp-tankstelle_1-ts autoresponse 2018-Nov- 9 15:41:30 AR: name=DeviceBoot");
        assert_eq!((s.hostname, s.appname), (Some("ztp-tankstelle_1-ts"), Some("AR")));
        let s = p("<13>1 2019-02-21T16:46:14.931186+00:00 ss12.00.lab orchagent - - -  :- setHostIntfsOperStatus");
        assert_eq!(
            (s.version, s.hostname, s.appname, s.procid),
            (Some(1), Some("ss12.00.lab"), Some("orchagent"), None)
        );
        assert_eq!(s.message, " :- setHostIntfsOperStatus");
        let s = p(
            r#"<165>1 2024-05-01T10:00:00Z fw1 mgd 4242 UI_COMMIT [junos@2636.1.1.1.2.18 username="bob" comment="x]y"] User 'bob' requested 'commit'"#,
        );
        assert_eq!(s.msgid, Some("UI_COMMIT"));
        assert_eq!(s.structured_data, Some(r#"[junos@2636.1.1.1.2.18 username="bob" comment="x]y"]"#));
        assert_eq!(s.message, "User 'bob' requested 'commit'");
        assert!(
            parse_syslog("hello world", &rules()).is_none()
                || parse_syslog("hello world", &rules()).unwrap().time.is_none()
        );
    }
}
