//! Message bodies of network devices: Cisco IOS / IOS-XE / NX-OS / IOS-XR / ASA / Arista
//! (`%FACILITY-SEVERITY-MNEMONIC: text`) and Junos (`TAG: text`), with the parts that matter
//! for intrusions pulled into ECS-style fields.

use std::sync::LazyLock;

use regex::Regex;

use super::builtin_regex as re;
use super::bytes;
use super::record::Record;
use seawall_core::Map;

static CONFIG_I: LazyLock<Regex> =
    LazyLock::new(|| re(r"^Configured from (\S+) by (\S+?)(?: on (\S+))?(?: \(([^)]+)\))?\.?\s*$"));
static CONFIG_E: LazyLock<Regex> =
    LazyLock::new(|| re(r"^Enter configuration mode from (\S+) by (\S+?)(?: on (\S+))?(?: \(([^)]+)\))?\.?\s*$"));
static CONFIG_STARTUP: LazyLock<Regex> =
    LazyLock::new(|| re(r"^Startup config saved from (\S+) by (\S+?)(?: on (\S+))?(?: \(([^)]+)\))?\.?\s*$"));
static LOGGEDCMD: LazyLock<Regex> = LazyLock::new(|| re(r"^User:\s*(\S+)\s+logged command:\s?(.*)$"));
static LOGIN: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"^Login (Success|failed)\s*\[user: ?([^\]]*)\]\s*\[Source: ?([^\]]*)\]\s*\[localport: ?(\d+)\](?:\s*\[Reason: ?([^\]]*)\])?",
    )
});
static SSH_SESSION: LazyLock<Regex> = LazyLock::new(|| re(r"SSH2? Session request from (\S+) \(tty = (\d+)\)"));
static SSH_USERAUTH: LazyLock<Regex> = LazyLock::new(|| {
    re(r"User '([^']*)' authentication for SSH2? Session from (\S+) \(tty = \d+\).*?(Succeeded|Failed)")
});
static SSH_CLOSE: LazyLock<Regex> = LazyLock::new(|| re(r"SSH2? Session from (\S+) \(tty = \d+\) for user '([^']*)'"));
static LOGOUT: LazyLock<Regex> = LazyLock::new(|| re(r"^User (\S+) has exited tty session (\d+)\(([^)]*)\)"));
static LINE_UPDOWN: LazyLock<Regex> =
    LazyLock::new(|| re(r"(?:Line protocol on )?Interface ([^,\s]+), changed state to (.+?)\s*$"));
static LOGGINGHOST: LazyLock<Regex> =
    LazyLock::new(|| re(r"^Logging to host (\S+?)(?:\s+port (\d+))?(?:\s+\S+)*?\s+(started|stopped)"));
static ACL: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"list (\S+) (permitted|denied) (\S+) (?:[0-9A-Fa-f-]{17} )?([0-9A-Fa-f.:]+)(?:\((\d+)\))?(?: \S+?)?\s*-> ?([0-9A-Fa-f.:]+)(?:\((\d+)\))?.*?(\d+) packets?",
    )
});
static BADAUTH: LazyLock<Regex> = LazyLock::new(|| re(r"from (\S+?)[(:](\d+)\)? to (\S+?)[(:](\d+)\)?"));
static UI_COMMAND: LazyLock<Regex> = LazyLock::new(|| re(r"command '(.*)'\s*$"));
static UI_OPERATION: LazyLock<Regex> = LazyLock::new(|| re(r"requested '([^']*)' operation(?: \(comment: (.*)\))?"));
static JUNOS_FROM: LazyLock<Regex> = LazyLock::new(|| re(r"from (?:host )?'?([0-9A-Fa-f.:]+)'?"));
static FOR_USER: LazyLock<Regex> = LazyLock::new(|| re(r"for user '([^']*)'"));
static SSH_CONNECTION: LazyLock<Regex> = LazyLock::new(|| re(r"ssh-connection '(\S+) (\d+) (\S+) (\d+)'"));

/// The parts of a Cisco-style `%FAC[-SUB]-SEV-MNEMONIC: text` message.
#[derive(Clone, Copy, Debug)]
pub struct CiscoMessage<'a> {
    pub facility: &'a str,
    pub severity: &'a str,
    pub mnemonic: &'a str,
    /// The text after the code.
    pub text: &'a str,
}

/// Splits `%FAC[-SUB]-SEV-MNEMONIC: text` (by hand: a regex with captures over the whole message
/// cost more than the rest of the parse). `None` when the message is not one.
pub fn split_cisco(msg: &str) -> Option<CiscoMessage<'_>> {
    let body = msg.strip_prefix('%')?;
    let colon = bytes::find(body, b':')?;
    let head = body[..colon].trim_end();
    let text = body[colon + 1..].strip_prefix(' ').unwrap_or(&body[colon + 1..]);
    let (rest, mnem) = bytes::rsplit_once(head, b'-')?;
    let (fac, sev) = bytes::rsplit_once(rest, b'-')?;
    let word = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'_');
    let fac_ok = fac.split('-').all(word);
    (fac_ok && word(mnem) && sev.len() == 1 && (b'0'..=b'7').contains(&sev.as_bytes()[0])).then_some(CiscoMessage {
        facility: fac,
        severity: sev,
        mnemonic: mnem,
        text,
    })
}

/// Cisco-style `%FAC-SEV-MNEMONIC:` messages, the text included as `message`. Returns false
/// when the text is not one.
#[cfg(test)]
pub fn cisco(msg: &str, r: &mut Record) -> bool {
    let Some(m) = split_cisco(msg) else { return false };
    let (mut observer, mut cisco, mut event) = (Map::new(), Map::new(), Map::new());
    cisco_common(&m, &mut observer, &mut cisco, &mut event);
    r.put_top("observer", observer);
    r.put_top("cisco", cisco);
    r.put_top("message", m.text);
    r.put_top("event", event);
    cisco_fields(&m, r);
    true
}

/// The fields every Cisco-style message has, pushed onto the objects the syslog header builds:
/// set once, in order, with no key lookups (a lookup per field was a good part of a line).
pub fn cisco_common(m: &CiscoMessage<'_>, observer: &mut Map, cisco: &mut Map, event: &mut Map) {
    let CiscoMessage { facility: fac, severity: sev, mnemonic: mnem, .. } = *m;
    let mut code = seawall_core::Text::with_capacity(fac.len() + mnem.len() + 3);
    for part in [fac, "-", sev, "-", mnem] {
        code.push_str(part);
    }
    let asa = fac == "ASA" || fac == "FTD";
    event.push_new("dataset", if asa { "cisco.asa" } else { "cisco.ios" });
    event.push_new("module", "cisco");
    event.push_new("code", code);
    observer.push_new("vendor", "Cisco");
    cisco.push_new("facility", fac);
    cisco.push_new("severity", sev.parse::<u8>().unwrap_or(7));
    cisco.push_new("mnemonic", mnem);
}

/// The operating system a message shows by its form alone: facilities only IOS XE (`IOSXE_*`,
/// `WEBUI`, the web UI of CVE-2023-20198) or NX-OS (`ETHPORT`, `VSHD`) have, and the node name
/// (`RP/0/RSP0/CPU0:`) IOS XR puts before its messages.
#[inline]
pub fn cisco_os(facility: &str, node: bool) -> Option<&'static str> {
    // A first-byte test keeps the common case (none of these) cheap on every Cisco line: the
    // full test inline cost syslog 7-9%.
    if node || matches!(facility.as_bytes().first(), Some(b'I' | b'W' | b'E' | b'V')) {
        cisco_os_named(facility, node)
    } else {
        None
    }
}

#[cold]
fn cisco_os_named(facility: &str, node: bool) -> Option<&'static str> {
    if node {
        Some("IOS XR")
    } else if facility.starts_with("IOSXE") || facility == "WEBUI" {
        Some("IOS XE")
    } else if matches!(facility, "ETHPORT" | "ETH_PORT_CHANNEL" | "VSHD") {
        Some("NX-OS")
    } else {
        None
    }
}

/// The operating system and version a Cisco restart banner names (`Cisco IOS Software, C2900
/// Software (C2900-UNIVERSALK9-M), Version 15.2(1)T1, …`): IOS XE images call themselves IOS
/// Software too, so the image name decides between them.
pub fn cisco_software(text: &str) -> Option<(&'static str, Option<&str>)> {
    let upper = text.to_ascii_uppercase();
    let product = if upper.contains("IOS XE") || upper.contains("IOS-XE") || upper.contains("IOSXE") {
        "IOS XE"
    } else if upper.contains("IOS XR") || upper.contains("IOS-XR") {
        "IOS XR"
    } else if upper.contains("NX-OS") {
        "NX-OS"
    } else if upper.contains("CISCO IOS SOFTWARE") {
        "IOS"
    } else {
        return None;
    };
    let version = upper.find(", VERSION ").map(|at| {
        let v = &text[at + ", Version ".len()..];
        let end = v.find([',', ' ', '\n']).unwrap_or(v.len());
        &v[..end]
    });
    Some((product, version.filter(|v| !v.is_empty())))
}

/// The fields particular to a Cisco-style message, after [`cisco_common`]'s.
pub fn cisco_fields(m: &CiscoMessage<'_>, r: &mut Record) {
    let CiscoMessage { facility: fac, mnemonic: mnem, text, .. } = *m;
    match (fac, mnem) {
        ("SYS", "CONFIG_I") | ("SYS", "CONFIG_E") | ("SYS", "CONFIG_STARTUP") => {
            let pat = match mnem {
                "CONFIG_I" => &*CONFIG_I,
                "CONFIG_E" => &*CONFIG_E,
                _ => &*CONFIG_STARTUP,
            };
            r.put("event", "action", if mnem == "CONFIG_STARTUP" { "config-saved" } else { "config-change" });
            if let Some(m) = pat.captures(text) {
                r.put_text("cisco", "config_source", &m[1]);
                r.put_text("user", "name", &m[2]);
                if let Some(line) = m.get(3) {
                    r.put_text("cisco", "line", line.as_str());
                }
                if let Some(from) = m.get(4) {
                    r.endpoint("source", from.as_str());
                }
            }
        }
        ("PARSER", "CFGLOG_LOGGEDCMD") => {
            r.put("event", "action", "command");
            if let Some((user, command)) = logged_command(text) {
                r.put_text("user", "name", user);
                r.put_text("process", "command_line", command);
            }
        }
        ("SEC_LOGIN", m) if m.starts_with("LOGIN_") || m.starts_with("QUIET_MODE") => {
            if let Some(c) = login_fields(text) {
                let ok = c.outcome == "Success";
                r.put("event", "action", if ok { "login-success" } else { "login-failure" });
                r.put("event", "outcome", if ok { "success" } else { "failure" });
                r.put_text("user", "name", c.user);
                r.endpoint("source", c.source);
                r.put_number("destination", "port", c.port);
                if let Some(reason) = c.reason {
                    r.put_text("event", "reason", reason);
                }
            } else {
                r.put("event", "action", "login-policy");
            }
        }
        ("SSH", _) => {
            if let Some(c) = SSH_USERAUTH.captures(text) {
                let ok = &c[3] == "Succeeded";
                r.put("event", "action", if ok { "login-success" } else { "login-failure" });
                r.put("event", "outcome", if ok { "success" } else { "failure" });
                r.put_text("user", "name", &c[1]);
                r.endpoint("source", &c[2]);
            } else if let Some(c) = SSH_SESSION.captures(text) {
                r.put("event", "action", "ssh-session-request");
                r.endpoint("source", &c[1]);
            } else if let Some(c) = SSH_CLOSE.captures(text) {
                r.put("event", "action", "ssh-session-closed");
                r.endpoint("source", &c[1]);
                r.put_text("user", "name", &c[2]);
            } else if mnem.contains("ENABLED") || mnem.contains("DISABLED") {
                r.put("event", "action", if mnem.contains("ENABLED") { "ssh-enabled" } else { "ssh-disabled" });
            }
        }
        ("SYS", "LOGOUT") => {
            r.put("event", "action", "logout");
            if let Some(c) = LOGOUT.captures(text) {
                r.put_text("user", "name", &c[1]);
                r.endpoint("source", &c[3]);
            }
        }
        ("LINEPROTO", "UPDOWN") | ("LINK", "UPDOWN") | ("LINK", "CHANGED") => {
            r.put("event", "action", "interface-state");
            if let Some((name, state)) = line_state(text) {
                r.put_text("interface", "name", name);
                r.put_text("interface", "state", state);
            }
        }
        ("SYS", "LOGGINGHOST_STARTSTOP") => {
            if let Some(c) = LOGGINGHOST.captures(text) {
                r.endpoint("destination", &c[1]);
                if let Some(p) = c.get(2) {
                    r.put_number("destination", "port", p.as_str());
                }
                let started = &c[3] == "started";
                r.put("event", "action", if started { "logging-host-started" } else { "logging-host-stopped" });
            }
        }
        ("SYS", "RESTART") | ("SYS", "RELOAD") => {
            r.put("event", "action", "restart");
            if let Some((product, version)) = cisco_software(text) {
                r.put("observer", "product", product);
                if let Some(v) = version {
                    r.put("observer", "version", v);
                }
            }
        }
        ("SYS", "CLEAR_LOG") | ("SYS", "LOGGING_BUFFER_CLEARED") => r.put("event", "action", "log-cleared"),
        ("TCP", "BADAUTH") => {
            r.put("event", "action", "tcp-md5-failure");
            if let Some(c) = BADAUTH.captures(text) {
                r.endpoint("source", &c[1]);
                r.put_number("source", "port", &c[2]);
                r.endpoint("destination", &c[3]);
                r.put_number("destination", "port", &c[4]);
            }
        }
        (f, m) if f.starts_with("BUFCAP") || f.starts_with("EPC") || m.contains("CAPTURE") => {
            r.put("event", "action", "packet-capture");
        }
        (f, _) if f.starts_with("AAA") || f.starts_with("TAC") || f.starts_with("RADIUS") => {
            r.put("event", "action", "aaa");
        }
        _ => {}
    }
    if mnem.starts_with("IPACCESSLOG") || mnem.starts_with("ACCESSLOG") {
        if let Some(c) = acl_fields(text) {
            let allowed = c.action == "permitted";
            r.put("event", "action", "acl-log");
            r.put("event", "outcome", if allowed { "success" } else { "failure" });
            r.put("cisco", "acl", c.acl);
            r.put("cisco", "acl_action", c.action);
            let mut transport = seawall_core::Text::new(c.protocol);
            transport.make_ascii_lowercase();
            r.put("network", "transport", transport);
            r.endpoint("source", c.src);
            if let Some(p) = c.src_port {
                r.put_number("source", "port", p);
            }
            r.endpoint("destination", c.dst);
            if let Some(p) = c.dst_port {
                r.put_number("destination", "port", p);
            }
            r.put_number("network", "packets", c.packets);
        }
    }
}

/// The parts of an ACL log message (`list 177 denied tcp 10.0.0.1(2519) -> 10.0.0.2(23), 1 packet`).
#[derive(Debug, PartialEq)]
struct AclLog<'a> {
    acl: &'a str,
    action: &'a str,
    protocol: &'a str,
    src: &'a str,
    src_port: Option<&'a str>,
    dst: &'a str,
    dst_port: Option<&'a str>,
    packets: &'a str,
}

/// An ACL log message's parts: the usual shape read by hand (ACL logs are the bulk of a busy
/// router's syslog, and the capturing regex cost more than the rest of the line), any other
/// through the regex.
fn acl_fields(text: &str) -> Option<AclLog<'_>> {
    acl_by_hand(text).or_else(|| {
        let c = ACL.captures(text)?;
        let get = |i: usize| c.get(i).map(|m| m.as_str());
        Some(AclLog {
            acl: get(1)?,
            action: get(2)?,
            protocol: get(3)?,
            src: get(4)?,
            src_port: get(5),
            dst: get(6)?,
            dst_port: get(7),
            packets: get(8)?,
        })
    })
}

/// `list NAME permitted|denied PROTO [MAC ]SRC[(PORT)] -> DST[(PORT)], N packet[s]`, exactly;
/// anything else is left to the regex.
fn acl_by_hand(text: &str) -> Option<AclLog<'_>> {
    fn word(s: &str) -> Option<(&str, &str)> {
        let end = bytes::find(s, b' ')?;
        (end > 0).then(|| (&s[..end], &s[end + 1..]))
    }
    fn is_addr(b: u8) -> bool {
        b.is_ascii_hexdigit() || b == b'.' || b == b':'
    }
    /// An address with an optional `(port)`, and the rest.
    fn endpoint(s: &str) -> Option<(&str, Option<&str>, &str)> {
        let end = s.bytes().position(|b| !is_addr(b)).unwrap_or(s.len());
        if end == 0 {
            return None;
        }
        let (addr, rest) = s.split_at(end);
        if let Some(inner) = rest.strip_prefix('(') {
            let close = inner.find(')')?;
            let port = &inner[..close];
            if port.is_empty() || !port.bytes().all(|b| b.is_ascii_digit()) {
                return None;
            }
            return Some((addr, Some(port), &inner[close + 1..]));
        }
        Some((addr, None, rest))
    }
    let rest = text.strip_prefix("list ")?;
    let (acl, rest) = word(rest)?;
    let (action, rest) = word(rest)?;
    if action != "permitted" && action != "denied" {
        return None;
    }
    let (protocol, mut rest) = word(rest)?;
    if let Some((mac, after)) = word(rest) {
        if mac.len() == 17 && mac.bytes().all(|b| b.is_ascii_hexdigit() || b == b'-') {
            rest = after;
        }
    }
    let (src, src_port, rest) = endpoint(rest)?;
    let rest = rest.strip_prefix(" -> ")?;
    let (dst, dst_port, rest) = endpoint(rest)?;
    let rest = rest.strip_prefix(", ")?;
    let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
    if digits == 0 || !rest[digits..].starts_with(" packet") {
        return None;
    }
    Some(AclLog { acl, action, protocol, src, src_port, dst, dst_port, packets: &rest[..digits] })
}

/// The parts of a `SEC_LOGIN` message (`Login Success [user: x] [Source: y] [localport: 22]`).
#[derive(Debug, PartialEq)]
struct LoginLog<'a> {
    outcome: &'a str,
    user: &'a str,
    source: &'a str,
    port: &'a str,
    reason: Option<&'a str>,
}

fn login_fields(text: &str) -> Option<LoginLog<'_>> {
    login_by_hand(text).or_else(|| {
        let c = LOGIN.captures(text)?;
        Some(LoginLog {
            outcome: c.get(1)?.as_str(),
            user: c.get(2)?.as_str(),
            source: c.get(3)?.as_str(),
            port: c.get(4)?.as_str(),
            reason: c.get(5).map(|m| m.as_str()),
        })
    })
}

/// User and command of a `CFGLOG_LOGGEDCMD` message: the usual shape read by hand, any other
/// through the `LOGGEDCMD` regex.
fn logged_command(text: &str) -> Option<(&str, &str)> {
    logged_command_by_hand(text).or_else(|| {
        let c = LOGGEDCMD.captures(text)?;
        Some((c.get(1)?.as_str(), c.get(2)?.as_str()))
    })
}

/// `User:NAME  logged command:COMMAND`, the `LOGGEDCMD` regex's shape read by hand; `None`
/// leaves the line to the regex.
fn logged_command_by_hand(text: &str) -> Option<(&str, &str)> {
    let rest = text.strip_prefix("User:")?.trim_start_matches(char::is_whitespace);
    let end = rest.find(char::is_whitespace)?;
    let (user, rest) = (&rest[..end], &rest[end..]);
    let rest = rest.trim_start_matches(char::is_whitespace).strip_prefix("logged command:")?;
    let rest = rest.strip_prefix(char::is_whitespace).unwrap_or(rest);
    (!user.is_empty() && !rest.contains('\n')).then_some((user, rest))
}

/// `[label: value]` after optional white space, the value up to the first `]`.
fn bracketed<'a>(s: &'a str, label: &str) -> Option<(&'a str, &'a str)> {
    let rest = s.trim_start().strip_prefix('[')?.strip_prefix(label)?.strip_prefix(':')?;
    let rest = rest.strip_prefix(' ').unwrap_or(rest);
    let close = bytes::find(rest, b']')?;
    Some((&rest[..close], &rest[close + 1..]))
}

/// The `LOGIN` regex's shape read by hand; `None` leaves the line to the regex.
fn login_by_hand(text: &str) -> Option<LoginLog<'_>> {
    let rest = text.strip_prefix("Login ")?;
    let outcome = ["Success", "failed"].into_iter().find(|o| rest.starts_with(o))?;
    let rest = &rest[outcome.len()..];
    let (user, rest) = bracketed(rest, "user")?;
    let (source, rest) = bracketed(rest, "Source")?;
    let (port, rest) = bracketed(rest, "localport")?;
    if port.is_empty() || !port.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let reason = bracketed(rest, "Reason").map(|(r, _)| r);
    Some(LoginLog { outcome, user, source, port, reason })
}

/// Interface and state of `[Line protocol on ]Interface X, changed state to Y`.
fn line_state(text: &str) -> Option<(&str, &str)> {
    let by_hand = || {
        let rest = text.strip_prefix("Line protocol on ").unwrap_or(text).strip_prefix("Interface ")?;
        let end = rest.find(|c: char| c == ',' || c.is_whitespace())?;
        let (name, rest) = rest.split_at(end);
        let state = rest.strip_prefix(", changed state to ")?.trim_end();
        (!name.is_empty() && !state.is_empty() && !text.contains('\n')).then_some((name, state))
    };
    by_hand().or_else(|| {
        let c = LINE_UPDOWN.captures(text)?;
        Some((c.get(1)?.as_str(), c.get(2)?.as_str()))
    })
}

/// The text between `prefix` (ending in a quote) and the next quote: `User '([^']*)'`.
fn quoted_after<'a>(text: &'a str, prefix: &str) -> Option<&'a str> {
    let start = text.find(prefix)? + prefix.len();
    let len = text[start..].find('\'')?;
    Some(&text[start..start + len])
}

/// `command '(.*)'\s*$`: from the first `command '` to a closing quote that ends the text.
fn junos_command(text: &str) -> Option<&str> {
    if text.contains('\n') {
        return UI_COMMAND.captures(text).and_then(|c| c.get(1)).map(|m| m.as_str());
    }
    let start = text.find("command '")? + "command '".len();
    let t = text.trim_end();
    let inner = t.strip_suffix('\'')?;
    inner.get(start..)
}

/// The parts of a Junos `TAG: text` message.
#[derive(Clone, Copy, Debug)]
pub struct JunosMessage<'a> {
    pub tag: &'a str,
    pub text: &'a str,
}

/// Splits a Junos `TAG: text` message, when the program or the tag is one of Junos's.
pub fn split_junos<'a>(app: Option<&str>, msg: &'a str) -> Option<JunosMessage<'a>> {
    let (tag, text) = bytes::split_once(msg, b':')?;
    let b = tag.as_bytes();
    if b.len() < 3
        || !b[0].is_ascii_uppercase()
        || !b.iter().all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || *c == b'_')
    {
        return None;
    }
    let text = text.strip_prefix(' ').unwrap_or(text);
    let junos_app = app.is_some_and(|a| {
        matches!(
            a,
            "mgd" | "sshd" | "rpd" | "login" | "cli" | "jsd" | "eventd" | "chassisd" | "dcd" | "l2ald" | "lacpd"
        ) || a.starts_with("RT_")
    });
    let junos_tag =
        ["UI_", "SSHD_", "RPD_", "LOGIN_", "RT_", "KERNEL_", "CHASSISD_", "SNMPD_", "LIBJNX_", "JTASK_", "AUTHD_"]
            .iter()
            .any(|p| tag.starts_with(p));
    (junos_app || junos_tag).then_some(JunosMessage { tag, text })
}

/// The fields every Junos message has, pushed onto the objects the syslog header builds (as
/// [`cisco_common`]).
pub fn junos_common(m: &JunosMessage<'_>, observer: &mut Map, event: &mut Map) {
    event.push_new("dataset", "juniper.junos");
    event.push_new("module", "juniper");
    event.push_new("code", m.tag);
    observer.push_new("vendor", "Juniper");
}

/// Junos messages set one field at a time (the caller has no header objects to hand). Returns
/// false when the text is not one.
pub fn junos(app: Option<&str>, msg: &str, r: &mut Record) -> bool {
    let Some(m) = split_junos(app, msg) else { return false };
    r.put("event", "dataset", "juniper.junos");
    r.put("event", "module", "juniper");
    r.put("observer", "vendor", "Juniper");
    r.put("event", "code", m.tag);
    r.put_top("message", m.text);
    junos_fields(&m, r);
    true
}

/// The fields particular to a Junos message, after [`junos_common`]'s.
pub fn junos_fields(m: &JunosMessage<'_>, r: &mut Record) {
    let JunosMessage { tag, text } = *m;
    if let Some(u) = quoted_after(text, "User '") {
        r.put_text("user", "name", u);
    }
    match tag {
        "UI_COMMIT" | "UI_COMMIT_PROGRESS" | "UI_COMMIT_CONFIRMED" => {
            r.put("event", "action", "config-change");
            if let Some(o) = UI_OPERATION.captures(text) {
                r.put_text("junos", "operation", &o[1]);
                if let Some(cm) = o.get(2) {
                    r.put_text("junos", "comment", cm.as_str());
                }
            }
        }
        "UI_COMMIT_COMPLETED" => r.put("event", "action", "config-change-completed"),
        "UI_CMDLINE_READ_LINE" | "UI_CMDSET_READ_LINE" => {
            r.put("event", "action", "command");
            if let Some(cm) = junos_command(text) {
                r.put_text("process", "command_line", cm);
            }
        }
        "UI_LOGIN_EVENT" | "UI_AUTH_EVENT" | "LOGIN_INFORMATION" => {
            r.put("event", "action", "login-success");
            r.put("event", "outcome", "success");
            if let Some(s) = SSH_CONNECTION.captures(text) {
                r.endpoint("source", &s[1]);
                r.put_number("source", "port", &s[2]);
                r.put_number("destination", "port", &s[4]);
            }
        }
        "UI_LOGOUT_EVENT" => r.put("event", "action", "logout"),
        "UI_DBASE_LOGIN_EVENT" => r.put("event", "action", "config-mode-enter"),
        "UI_DBASE_LOGOUT_EVENT" => r.put("event", "action", "config-mode-exit"),
        "UI_LOAD_EVENT" => r.put("event", "action", "config-load"),
        "SSHD_LOGIN_FAILED" | "LOGIN_FAILED" | "UI_LOGIN_FAILED" | "LOGIN_PAM_AUTHENTICATION_ERROR" => {
            r.put("event", "action", "login-failure");
            r.put("event", "outcome", "failure");
            if let Some(u) = FOR_USER.captures(text) {
                r.put_text("user", "name", &u[1]);
            }
        }
        _ => {}
    }
    // The regex needs `from `; most messages have none, and a search is cheaper than the
    // regex's own set-up.
    if text.contains("from ") && r.get("source.ip").is_none() {
        if let Some(f) = JUNOS_FROM.captures(text) {
            r.endpoint("source", &f[1]);
        }
    }
}

/// Huawei VRP: `%%01IFNET/4/IF_STATE(l)[4997]:text`.
pub fn huawei(msg: &str, r: &mut Record) -> bool {
    let Some(body) = msg.strip_prefix("%%") else { return false };
    let Some((head, text)) = body.split_once(':') else { return false };
    let parts: Vec<&str> = head.split('/').collect();
    if parts.len() < 3 {
        return false;
    }
    let module = parts[0].trim_start_matches(|c: char| c.is_ascii_digit());
    let brief = parts[2].split(['(', '[']).next().unwrap_or(parts[2]);
    r.put("event", "dataset", "huawei.vrp");
    r.put("event", "module", "huawei");
    r.put("observer", "vendor", "Huawei");
    r.put("event", "code", seawall_core::format_compact!("{module}/{}/{brief}", parts[1]));
    r.put_top("message", text.trim());
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_read_by_hand_give_what_the_regexes_give() {
        for line in [
            "Login Success [user: ops2] [Source: 10.1.2.3] [localport: 22] at 00:00:00 UTC Tue Oct 1 2024",
            "Login failed [user: admin] [Source: 203.0.113.9] [localport: 22] [Reason: Login Authentication Failed] at 10:00:00 UTC",
            "Login Success [user:x][Source:10.0.0.1][localport:23]",
            "Login failed [user: ] [Source: 1.2.3.4] [localport: 22]",
        ] {
            let c = LOGIN.captures(line).expect(line);
            let by_regex = LoginLog {
                outcome: &c[1],
                user: &c[2],
                source: &c[3],
                port: &c[4],
                reason: c.get(5).map(|m| m.as_str()),
            };
            assert_eq!(login_by_hand(line).as_ref(), Some(&by_regex), "{line}");
        }
        assert_eq!(login_by_hand("Login Success [user: x] [Source: y] [localport: ab]"), None);
        for line in [
            "User:ops0  logged command:interface GigabitEthernet0/0/2",
            "User:admin  logged command:no access-session port-control",
            "User: bob logged command: show run",
            "User:x logged command:",
            "User:x\tlogged command:\t  two spaces kept",
            "User:  logged command:x",
            "User:x logged command:a\nb",
        ] {
            let want = LOGGEDCMD.captures(line).map(|c| (c.get(1).unwrap().as_str(), c.get(2).unwrap().as_str()));
            assert_eq!(logged_command_by_hand(line), want, "{line:?}");
        }
        for line in [
            "Line protocol on Interface GigabitEthernet0/1, changed state to down",
            "Interface Tunnel100, changed state to administratively down  ",
            "Interface Gi0/0/1, changed state to up",
        ] {
            let c = LINE_UPDOWN.captures(line).expect(line);
            assert_eq!(line_state(line), Some((&c[1], &c[2])), "{line}");
        }
        let user = Regex::new(r"User '([^']*)'").unwrap();
        for line in [
            "User 'ops1', command 'show configuration | display set'",
            "User 'a', command 'set system login user x class super-user authentication encrypted-password \"$6$x\"' ",
            "User 'b', command 'it''s quoted'",
        ] {
            let u = user.captures(line).unwrap();
            assert_eq!(quoted_after(line, "User '"), Some(&u[1]), "{line}");
            let c = UI_COMMAND.captures(line).unwrap();
            assert_eq!(junos_command(line), Some(&c[1]), "{line}");
        }
        assert_eq!(junos_command("User 'x', command 'unterminated"), None);
        assert_eq!(UI_COMMAND.captures("User 'x', command 'unterminated").map(|c| c[1].to_string()), None);
    }

    #[test]
    fn acl_logs_read_by_hand_give_what_the_regex_gives() {
        let lines = [
            "list 177 denied tcp 184.191.190.103(2519) -> 10.255.0.36(23), 1 packet",
            "list 177 permitted udp 10.0.0.1(53) -> 10.0.0.2(5353), 12 packets",
            "list INBOUND denied icmp 192.0.2.1 -> 198.51.100.2 (8/0), 3 packets",
            "list v6 denied tcp 2001:db8::1(443) -> 2001:db8::2(51000), 1 packet",
            "list acl_in denied tcp 00-00-5E-00-53-23 198.51.100.10(56279) -> 203.0.113.20(45240), 1 packet",
            "list 101 permitted igmp 10.1.1.1 -> 224.0.0.1, 40 packets",
        ];
        for line in lines {
            let c = ACL.captures(line).expect(line);
            let get = |i: usize| c.get(i).map(|m| m.as_str());
            let by_regex = AclLog {
                acl: &c[1],
                action: &c[2],
                protocol: &c[3],
                src: &c[4],
                src_port: get(5),
                dst: &c[6],
                dst_port: get(7),
                packets: &c[8],
            };
            match acl_by_hand(line) {
                Some(by_hand) => assert_eq!(by_hand, by_regex, "{line}"),
                None => assert!(line.contains("(8/0)"), "the usual shape was not read by hand: {line}"),
            }
            assert_eq!(acl_fields(line), Some(by_regex), "{line}");
        }
        // Shapes the hand reader leaves to the regex.
        for odd in [
            "list 10 denied tcp 10.0.0.1(1) TenGigabitEthernet0/1/1-> 10.0.0.2(2), 1 packet",
            "list 10 denied tcp 10.0.0.1(1) -> 10.0.0.2(2) [12 packets]",
            "list 10 logged tcp 10.0.0.1(1) -> 10.0.0.2(2), 1 packet",
        ] {
            assert_eq!(acl_by_hand(odd), None, "{odd}");
        }
    }

    fn cisco_fields(msg: &str) -> seawall_core::Value {
        let mut r = Record::default();
        assert!(cisco(msg, &mut r), "{msg}");
        r.into_value()
    }

    #[test]
    fn cisco_intrusion_messages() {
        let v = cisco_fields("%SYS-5-CONFIG_I: Configured from console by akroh on vty0 (10.100.11.10)");
        assert_eq!((v["user"]["name"].as_str(), v["source"]["ip"].as_str()), (Some("akroh"), Some("10.100.11.10")));
        assert_eq!(v["event"]["code"], "SYS-5-CONFIG_I");
        let v = cisco_fields("%PARSER-5-CFGLOG_LOGGEDCMD: User:admin  logged command:no access-session port-control");
        assert_eq!(v["process"]["command_line"], "no access-session port-control");
        let v = cisco_fields(
            "%SEC_LOGIN-5-LOGIN_SUCCESS: Login Success [user: john.smith] [Source: 10.2.55.3] [localport: 22] at 12:06:03 MST Wed Mar 24 2021",
        );
        assert_eq!((v["user"]["name"].as_str(), v["destination"]["port"].as_u64()), (Some("john.smith"), Some(22)));
        let v = cisco_fields("%SEC_LOGIN-4-LOGIN_FAILED: Login failed [user: admin] [Source: 203.0.113.9] [localport: 22] [Reason: Login Authentication Failed] at 10:00:00 UTC");
        assert_eq!(
            (v["event"]["outcome"].as_str(), v["event"]["reason"].as_str()),
            (Some("failure"), Some("Login Authentication Failed"))
        );
        let v = cisco_fields(
            "%SEC-6-IPACCESSLOGP: list 177 denied udp 192.168.100.195(55250) -> 192.168.100.255(15600), 1 packet",
        );
        assert_eq!(
            (v["source"]["port"].as_u64(), v["destination"]["ip"].as_str()),
            (Some(55250), Some("192.168.100.255"))
        );
        let v = cisco_fields("%FMANFP-6-IPACCESSLOGP: F0/0: fman_fp_image: list acl_Te0-1-1_in denied tcp 00-00-5E-00-53-23 198.51.100.10(56279) TenGigabitEthernet0/1/1-> 203.0.113.20(45240), 1 packet");
        assert_eq!(
            (v["source"]["ip"].as_str(), v["destination"]["port"].as_u64()),
            (Some("198.51.100.10"), Some(45240))
        );
        let v =
            cisco_fields("%SYS-6-LOGGINGHOST_STARTSTOP: Logging to host 192.0.2.50 port 514 stopped - CLI initiated");
        assert_eq!(
            (v["event"]["action"].as_str(), v["destination"]["ip"].as_str()),
            (Some("logging-host-stopped"), Some("192.0.2.50"))
        );
        let v =
            cisco_fields("%TCP-6-BADAUTH: No MD5 digest from 192.168.0.1:64999 to 224.0.0.18:15448 (RST) tableid - 0");
        assert_eq!(v["source"]["port"], 64999);
        let v = cisco_fields("%SYS-5-RESTART: System restarted --\nCisco IOS Software, C2900 Software (C2900-UNIVERSALK9-M), Version 15.2(1)T1, RELEASE SOFTWARE (fc1)\nTechnical Support: http://www.cisco.com/techsupport");
        assert_eq!(
            (v["observer"]["product"].as_str(), v["observer"]["version"].as_str()),
            (Some("IOS"), Some("15.2(1)T1"))
        );
        assert_eq!(
            cisco_software("Cisco IOS Software [Fuji], Catalyst L3 Switch Software (CAT9K_IOSXE), Version 16.9.1, RELEASE SOFTWARE (fc2)"),
            Some(("IOS XE", Some("16.9.1")))
        );
        assert_eq!(cisco_software("Cisco IOS XR Software, Version 7.3.2"), Some(("IOS XR", Some("7.3.2"))));
        assert_eq!(cisco_software("System restarted"), None);
        let v = cisco_fields("%LINEPROTO-5-UPDOWN: Line protocol on Interface Tunnel100, changed state to up");
        assert_eq!(
            (v["interface"]["name"].as_str(), v["interface"]["state"].as_str()),
            (Some("Tunnel100"), Some("up"))
        );
        let v = cisco_fields("%ROUTING-BGP-5-MAXPFX : No. of IPv6 Unicast prefixes received");
        assert_eq!(v["cisco"]["facility"], "ROUTING-BGP");
        assert!(!cisco("no mnemonic here", &mut Record::default()));
    }

    #[test]
    fn junos_messages() {
        let mut r = Record::default();
        assert!(junos(Some("mgd"), "UI_COMMIT: User 'luke' requested 'commit' operation (comment: none)", &mut r));
        let v = r.into_value();
        assert_eq!((v["user"]["name"].as_str(), v["event"]["action"].as_str()), (Some("luke"), Some("config-change")));
        let mut r = Record::default();
        assert!(junos(
            Some("sshd"),
            "SSHD_LOGIN_FAILED: Login failed for user 'root' from host '198.51.100.7'",
            &mut r
        ));
        let v = r.into_value();
        assert_eq!((v["user"]["name"].as_str(), v["source"]["ip"].as_str()), (Some("root"), Some("198.51.100.7")));
        let mut r = Record::default();
        assert!(junos(
            Some("mgd"),
            "UI_CMDLINE_READ_LINE: User 'bob', command 'show configuration | display set'",
            &mut r
        ));
        assert_eq!(r.into_value()["process"]["command_line"], "show configuration | display set");
        assert!(!junos(Some("kernel"), "lowercase: nothing", &mut Record::default()));
    }
}
