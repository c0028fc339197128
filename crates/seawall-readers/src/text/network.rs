//! Message bodies of network devices: Cisco IOS / IOS-XE / NX-OS / IOS-XR / ASA / Arista
//! (`%FACILITY-SEVERITY-MNEMONIC: text`) and Junos (`TAG: text`), with the parts that matter
//! for intrusions pulled into ECS-style fields.

use std::sync::LazyLock;

use regex::Regex;

use super::builtin_regex as re;
use super::record::Record;

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
static UI_USER: LazyLock<Regex> = LazyLock::new(|| re(r"User '([^']*)'"));
static UI_COMMAND: LazyLock<Regex> = LazyLock::new(|| re(r"command '(.*)'\s*$"));
static UI_OPERATION: LazyLock<Regex> = LazyLock::new(|| re(r"requested '([^']*)' operation(?: \(comment: (.*)\))?"));
static JUNOS_FROM: LazyLock<Regex> = LazyLock::new(|| re(r"from (?:host )?'?([0-9A-Fa-f.:]+)'?"));
static FOR_USER: LazyLock<Regex> = LazyLock::new(|| re(r"for user '([^']*)'"));
static SSH_CONNECTION: LazyLock<Regex> = LazyLock::new(|| re(r"ssh-connection '(\S+) (\d+) (\S+) (\d+)'"));

/// Cisco-style `%FAC-SEV-MNEMONIC:` messages. Returns false when the text is not one.
/// Splits `%FAC[-SUB]-SEV-MNEMONIC: text` (by hand: a regex with captures over the whole message
/// cost more than the rest of the parse).
fn split_cisco(msg: &str) -> Option<(&str, &str, &str, &str)> {
    let body = msg.strip_prefix('%')?;
    let colon = body.find(':')?;
    let head = body[..colon].trim_end();
    let text = body[colon + 1..].strip_prefix(' ').unwrap_or(&body[colon + 1..]);
    let (rest, mnem) = head.rsplit_once('-')?;
    let (fac, sev) = rest.rsplit_once('-')?;
    let word = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'_');
    let fac_ok = fac.split('-').all(word);
    (fac_ok && word(mnem) && sev.len() == 1 && (b'0'..=b'7').contains(&sev.as_bytes()[0]))
        .then_some((fac, sev, mnem, text))
}

pub fn cisco(msg: &str, r: &mut Record) -> bool {
    let Some((fac, sev, mnem, text)) = split_cisco(msg) else { return false };
    let code = seawall_core::format_compact!("{fac}-{sev}-{mnem}");
    let vendor = if fac == "ASA" || fac == "FTD" { "asa" } else { "ios" };
    r.set("event.dataset", seawall_core::format_compact!("cisco.{vendor}"));
    r.set("event.module", "cisco");
    r.set("observer.vendor", "Cisco");
    r.set("cisco.facility", fac);
    r.set("cisco.severity", sev.parse::<u8>().unwrap_or(7));
    r.set("cisco.mnemonic", mnem);
    r.set("event.code", code.clone());
    r.set("message", text);
    match (fac, mnem) {
        ("SYS", "CONFIG_I") | ("SYS", "CONFIG_E") | ("SYS", "CONFIG_STARTUP") => {
            let pat = match mnem {
                "CONFIG_I" => &*CONFIG_I,
                "CONFIG_E" => &*CONFIG_E,
                _ => &*CONFIG_STARTUP,
            };
            r.set("event.action", if mnem == "CONFIG_STARTUP" { "config-saved" } else { "config-change" });
            if let Some(m) = pat.captures(text) {
                r.text("cisco.config_source", &m[1]);
                r.text("user.name", &m[2]);
                if let Some(line) = m.get(3) {
                    r.text("cisco.line", line.as_str());
                }
                if let Some(from) = m.get(4) {
                    r.endpoint("source", from.as_str());
                }
            }
        }
        ("PARSER", "CFGLOG_LOGGEDCMD") => {
            r.set("event.action", "command");
            if let Some(m) = LOGGEDCMD.captures(text) {
                r.text("user.name", &m[1]);
                r.text("process.command_line", &m[2]);
            }
        }
        ("SEC_LOGIN", m) if m.starts_with("LOGIN_") || m.starts_with("QUIET_MODE") => {
            if let Some(c) = LOGIN.captures(text) {
                let ok = &c[1] == "Success";
                r.set("event.action", if ok { "login-success" } else { "login-failure" });
                r.set("event.outcome", if ok { "success" } else { "failure" });
                r.text("user.name", &c[2]);
                r.endpoint("source", &c[3]);
                r.number("destination.port", &c[4]);
                if let Some(reason) = c.get(5) {
                    r.text("event.reason", reason.as_str());
                }
            } else {
                r.set("event.action", "login-policy");
            }
        }
        ("SSH", _) => {
            if let Some(c) = SSH_USERAUTH.captures(text) {
                let ok = &c[3] == "Succeeded";
                r.set("event.action", if ok { "login-success" } else { "login-failure" });
                r.set("event.outcome", if ok { "success" } else { "failure" });
                r.text("user.name", &c[1]);
                r.endpoint("source", &c[2]);
            } else if let Some(c) = SSH_SESSION.captures(text) {
                r.set("event.action", "ssh-session-request");
                r.endpoint("source", &c[1]);
            } else if let Some(c) = SSH_CLOSE.captures(text) {
                r.set("event.action", "ssh-session-closed");
                r.endpoint("source", &c[1]);
                r.text("user.name", &c[2]);
            } else if mnem.contains("ENABLED") || mnem.contains("DISABLED") {
                r.set("event.action", if mnem.contains("ENABLED") { "ssh-enabled" } else { "ssh-disabled" });
            }
        }
        ("SYS", "LOGOUT") => {
            r.set("event.action", "logout");
            if let Some(c) = LOGOUT.captures(text) {
                r.text("user.name", &c[1]);
                r.endpoint("source", &c[3]);
            }
        }
        ("LINEPROTO", "UPDOWN") | ("LINK", "UPDOWN") | ("LINK", "CHANGED") => {
            r.set("event.action", "interface-state");
            if let Some(c) = LINE_UPDOWN.captures(text) {
                r.text("interface.name", &c[1]);
                r.text("interface.state", &c[2]);
            }
        }
        ("SYS", "LOGGINGHOST_STARTSTOP") => {
            if let Some(c) = LOGGINGHOST.captures(text) {
                r.endpoint("destination", &c[1]);
                if let Some(p) = c.get(2) {
                    r.number("destination.port", p.as_str());
                }
                let started = &c[3] == "started";
                r.set("event.action", if started { "logging-host-started" } else { "logging-host-stopped" });
            }
        }
        ("SYS", "RESTART") | ("SYS", "RELOAD") => r.set("event.action", "restart"),
        ("SYS", "CLEAR_LOG") | ("SYS", "LOGGING_BUFFER_CLEARED") => r.set("event.action", "log-cleared"),
        ("TCP", "BADAUTH") => {
            r.set("event.action", "tcp-md5-failure");
            if let Some(c) = BADAUTH.captures(text) {
                r.endpoint("source", &c[1]);
                r.number("source.port", &c[2]);
                r.endpoint("destination", &c[3]);
                r.number("destination.port", &c[4]);
            }
        }
        (f, m) if f.starts_with("BUFCAP") || f.starts_with("EPC") || m.contains("CAPTURE") => {
            r.set("event.action", "packet-capture");
        }
        (f, _) if f.starts_with("AAA") || f.starts_with("TAC") || f.starts_with("RADIUS") => {
            r.set("event.action", "aaa");
        }
        _ => {}
    }
    if mnem.starts_with("IPACCESSLOG") || mnem.starts_with("ACCESSLOG") {
        if let Some(c) = ACL.captures(text) {
            let allowed = &c[2] == "permitted";
            r.set("event.action", "acl-log");
            r.set("event.outcome", if allowed { "success" } else { "failure" });
            r.set("cisco.acl", &c[1]);
            r.set("cisco.acl_action", &c[2]);
            r.set("network.transport", c[3].to_ascii_lowercase());
            r.endpoint("source", &c[4]);
            if let Some(p) = c.get(5) {
                r.number("source.port", p.as_str());
            }
            r.endpoint("destination", &c[6]);
            if let Some(p) = c.get(7) {
                r.number("destination.port", p.as_str());
            }
            r.number("network.packets", &c[8]);
        }
    }
    true
}

/// Junos `TAG: text` messages (`UI_COMMIT`, `SSHD_LOGIN_FAILED`, …). Returns false when the
/// text is not one.
pub fn junos(app: Option<&str>, msg: &str, r: &mut Record) -> bool {
    let Some((tag, text)) = msg.split_once(':') else { return false };
    let b = tag.as_bytes();
    if b.len() < 3
        || !b[0].is_ascii_uppercase()
        || !b.iter().all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || *c == b'_')
    {
        return false;
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
    if !(junos_app || junos_tag) {
        return false;
    }
    r.set("event.dataset", "juniper.junos");
    r.set("event.module", "juniper");
    r.set("observer.vendor", "Juniper");
    r.set("event.code", tag);
    r.set("message", text);
    if let Some(u) = UI_USER.captures(text) {
        r.text("user.name", &u[1]);
    }
    match tag {
        "UI_COMMIT" | "UI_COMMIT_PROGRESS" | "UI_COMMIT_CONFIRMED" => {
            r.set("event.action", "config-change");
            if let Some(o) = UI_OPERATION.captures(text) {
                r.text("junos.operation", &o[1]);
                if let Some(cm) = o.get(2) {
                    r.text("junos.comment", cm.as_str());
                }
            }
        }
        "UI_COMMIT_COMPLETED" => r.set("event.action", "config-change-completed"),
        "UI_CMDLINE_READ_LINE" | "UI_CMDSET_READ_LINE" => {
            r.set("event.action", "command");
            if let Some(cm) = UI_COMMAND.captures(text) {
                r.text("process.command_line", &cm[1]);
            }
        }
        "UI_LOGIN_EVENT" | "UI_AUTH_EVENT" | "LOGIN_INFORMATION" => {
            r.set("event.action", "login-success");
            r.set("event.outcome", "success");
            if let Some(s) = SSH_CONNECTION.captures(text) {
                r.endpoint("source", &s[1]);
                r.number("source.port", &s[2]);
                r.number("destination.port", &s[4]);
            }
        }
        "UI_LOGOUT_EVENT" => r.set("event.action", "logout"),
        "UI_DBASE_LOGIN_EVENT" => r.set("event.action", "config-mode-enter"),
        "UI_DBASE_LOGOUT_EVENT" => r.set("event.action", "config-mode-exit"),
        "UI_LOAD_EVENT" => r.set("event.action", "config-load"),
        "SSHD_LOGIN_FAILED" | "LOGIN_FAILED" | "UI_LOGIN_FAILED" | "LOGIN_PAM_AUTHENTICATION_ERROR" => {
            r.set("event.action", "login-failure");
            r.set("event.outcome", "failure");
            if let Some(u) = FOR_USER.captures(text) {
                r.text("user.name", &u[1]);
            }
        }
        _ => {}
    }
    if r.get("source.ip").is_none() {
        if let Some(f) = JUNOS_FROM.captures(text) {
            r.endpoint("source", &f[1]);
        }
    }
    true
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
    r.set("event.dataset", "huawei.vrp");
    r.set("event.module", "huawei");
    r.set("observer.vendor", "Huawei");
    r.set("event.code", seawall_core::format_compact!("{module}/{}/{brief}", parts[1]));
    r.set("message", text.trim());
    true
}

#[cfg(test)]
mod tests {
    use super::*;

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
