//! Linux authentication messages (sshd, PAM, sudo, su, useradd and friends) from syslog.

use std::sync::LazyLock;

use regex::Regex;

use super::builtin_regex as re;
use super::record::Record;
use seawall_core::Map;

static ACCEPTED: LazyLock<Regex> = LazyLock::new(|| re(r"^Accepted (\S+) for (\S+) from (\S+) port (\d+)"));
static FAILED: LazyLock<Regex> = LazyLock::new(|| re(r"^Failed (\S+) for (invalid user )?(\S*) from (\S+) port (\d+)"));
static INVALID: LazyLock<Regex> = LazyLock::new(|| re(r"^[Ii]nvalid user (\S*) from (\S+)(?: port (\d+))?"));
static PAM_FAILURE: LazyLock<Regex> = LazyLock::new(|| re(r"authentication failure;.*?rhost=(\S*)(?:\s+user=(\S+))?"));
static SESSION: LazyLock<Regex> =
    LazyLock::new(|| re(r"session (opened|closed) for user (\S+?)(?:\(uid=\d+\))?(?: by (\S*?)(?:\(uid=\d+\))?)?$"));
static SUDO: LazyLock<Regex> =
    LazyLock::new(|| re(r"^\s*(\S+) : (?:(.*?) ; )?TTY=(\S+) ; PWD=(.*?) ; USER=(\S+) ;(?: .*?;)? COMMAND=(.*)$"));
static NEW_USER: LazyLock<Regex> = LazyLock::new(|| re(r"new user: name=([^,]+), UID=(\d+)"));
static NEW_GROUP: LazyLock<Regex> = LazyLock::new(|| re(r"new group: name=([^,]+)"));
static PASSWD: LazyLock<Regex> = LazyLock::new(|| re(r"password changed for (\S+)"));
static DISCONNECT: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"^(?:Received disconnect|Disconnected|Connection closed|Connection reset) (?:from|by) (?:(?:invalid |authenticating )?user (\S+) )?(\S+)(?: port (\d+))?",
    )
});
static REVERSE: LazyLock<Regex> = LazyLock::new(|| re(r"getaddrinfo for (\S+) \[(\S+)\] failed"));
static MAX_AUTH: LazyLock<Regex> =
    LazyLock::new(|| re(r"maximum authentication attempts exceeded for (?:invalid user )?(\S+) from (\S+) port (\d+)"));

/// Programs whose messages belong to the authentication log.
pub fn is_auth_program(app: &str) -> bool {
    let base = app.split('(').next().unwrap_or(app);
    matches!(
        base,
        "sshd"
            | "sudo"
            | "su"
            | "login"
            | "useradd"
            | "userdel"
            | "usermod"
            | "groupadd"
            | "groupdel"
            | "passwd"
            | "chpasswd"
            | "chage"
            | "gpasswd"
            | "systemd-logind"
            | "polkitd"
            | "pkexec"
            | "doas"
            | "klogind"
            | "CRON"
            | "cron"
            | "gdm-password"
            | "unix_chkpwd"
            | "vsftpd"
            | "ftpd"
            | "dropbear"
    )
}

/// Fills fields from an authentication message. Returns the event action when recognised.
pub fn auth(app: &str, msg: &str, r: &mut Record) {
    let base = app.split('(').next().unwrap_or(app);
    r.put("event", "dataset", "linux.auth");
    r.put("event", "module", "linux");
    r.put("process", "name", base);
    auth_fields(msg, r);
}

/// The fields every authentication message has, pushed onto the `event` object the syslog
/// header builds (which also names the process).
pub fn auth_common(event: &mut Map) {
    event.push_new("dataset", "linux.auth");
    event.push_new("module", "linux");
}

/// The fields particular to an authentication message, after [`auth_common`]'s.
pub fn auth_fields(msg: &str, r: &mut Record) {
    let ok = |r: &mut Record, action: &str| {
        r.put("event", "action", action);
        r.put("event", "outcome", "success");
    };
    let fail = |r: &mut Record, action: &str| {
        r.put("event", "action", action);
        r.put("event", "outcome", "failure");
    };
    if let Some([method, user, source, port]) = accepted(msg) {
        ok(r, "login-success");
        r.put_text("auth", "method", method);
        r.put_text("user", "name", user);
        r.endpoint("source", source);
        r.put_number("source", "port", port);
    } else if let Some(c) = FAILED.captures(msg) {
        fail(r, "login-failure");
        r.put_text("auth", "method", &c[1]);
        if c.get(2).is_some() {
            r.put("user", "invalid", true);
        }
        r.put_text("user", "name", &c[3]);
        r.endpoint("source", &c[4]);
        r.put_number("source", "port", &c[5]);
    } else if let Some(c) = MAX_AUTH.captures(msg) {
        fail(r, "login-failure");
        r.put_text("user", "name", &c[1]);
        r.endpoint("source", &c[2]);
        r.put_number("source", "port", &c[3]);
    } else if let Some(c) = INVALID.captures(msg) {
        fail(r, "invalid-user");
        r.put("user", "invalid", true);
        r.put_text("user", "name", &c[1]);
        r.endpoint("source", &c[2]);
        if let Some(p) = c.get(3) {
            r.put_number("source", "port", p.as_str());
        }
    } else if let Some(c) = PAM_FAILURE.captures(msg) {
        fail(r, "login-failure");
        r.endpoint("source", &c[1]);
        if let Some(u) = c.get(2) {
            r.put_text("user", "name", u.as_str());
        }
    } else if let Some(c) = SUDO.captures(msg) {
        r.put("event", "action", "sudo");
        r.put(
            "event",
            "outcome",
            if c.get(2).is_some_and(|m| m.as_str().contains("NOT")) { "failure" } else { "success" },
        );
        r.put_text("user", "name", &c[1]);
        r.text("user.target.name", &c[5]);
        r.put_text("process", "working_directory", &c[4]);
        r.put_text("process", "command_line", &c[6]);
    } else if let Some(c) = SESSION.captures(msg) {
        r.put("event", "action", if &c[1] == "opened" { "session-opened" } else { "session-closed" });
        r.put_text("user", "name", &c[2]);
        if let Some(by) = c.get(3) {
            r.text("user.effective.name", by.as_str());
        }
    } else if let Some(c) = NEW_USER.captures(msg) {
        ok(r, "user-created");
        r.put_text("user", "name", &c[1]);
        r.put_number("user", "id", &c[2]);
    } else if let Some(c) = NEW_GROUP.captures(msg) {
        ok(r, "group-created");
        r.put_text("group", "name", &c[1]);
    } else if let Some(c) = PASSWD.captures(msg) {
        ok(r, "password-changed");
        r.put_text("user", "name", &c[1]);
    } else if let Some(c) = DISCONNECT.captures(msg) {
        r.put("event", "action", "disconnect");
        if let Some(u) = c.get(1) {
            r.put_text("user", "name", u.as_str());
        }
        r.endpoint("source", &c[2]);
        if let Some(p) = c.get(3) {
            r.put_number("source", "port", p.as_str());
        }
    } else if let Some(c) = REVERSE.captures(msg) {
        r.put("event", "action", "reverse-mapping-failed");
        r.put_text("source", "domain", &c[1]);
        r.endpoint("source", &c[2]);
    }
}

/// Method, user, address and port of an sshd `Accepted` line: the usual shape read by hand, any
/// other through the `ACCEPTED` regex.
fn accepted(msg: &str) -> Option<[&str; 4]> {
    accepted_by_hand(msg).or_else(|| {
        let c = ACCEPTED.captures(msg)?;
        Some([c.get(1)?.as_str(), c.get(2)?.as_str(), c.get(3)?.as_str(), c.get(4)?.as_str()])
    })
}

/// `Accepted METHOD for USER from ADDRESS port N`, the `ACCEPTED` regex's shape read by hand;
/// `None` leaves the line to the regex.
fn accepted_by_hand(msg: &str) -> Option<[&str; 4]> {
    /// A run of non-space characters ending at a space, and what follows the space.
    fn word(s: &str) -> Option<(&str, &str)> {
        let end = s.find(char::is_whitespace)?;
        (end > 0 && s[end..].starts_with(' ')).then(|| (&s[..end], &s[end + 1..]))
    }
    let (method, rest) = word(msg.strip_prefix("Accepted ")?)?;
    let (user, rest) = word(rest.strip_prefix("for ")?)?;
    let (source, rest) = word(rest.strip_prefix("from ")?)?;
    let rest = rest.strip_prefix("port ")?;
    let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
    // A digit of another script after the ASCII ones is the regex's to judge.
    if digits == 0 || rest[digits..].chars().next().is_some_and(|c| c.is_numeric()) {
        return None;
    }
    Some([method, user, source, &rest[..digits]])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn f(app: &str, msg: &str) -> seawall_core::Value {
        let mut r = Record::default();
        auth(app, msg, &mut r);
        r.into_value()
    }

    #[test]
    fn accepted_read_by_hand_gives_what_the_regex_gives() {
        for line in [
            "Accepted publickey for ops2 from 203.64.132.247 port 52761 ssh2",
            "Accepted password for alice from 2001:db8::1 port 22",
            "Accepted keyboard-interactive/pam for bob from 10.0.0.1 port 2222 ssh2: x",
            "Accepted publickey for  x from 1.2.3.4 port 22",
            "Accepted publickey for x from 1.2.3.4 port x",
            "Accepted publickey\tfor x from 1.2.3.4 port 22",
            "Accepted publickey for x from 1.2.3.4 port 22\u{663}",
        ] {
            let want = ACCEPTED.captures(line).map(|c| [&c[1], &c[2], &c[3], &c[4]].map(str::to_string));
            assert_eq!(accepted(line).map(|a| a.map(str::to_string)), want, "{line:?}");
        }
        assert_eq!(accepted_by_hand("Accepted publickey for x from 1.2.3.4 port 22\u{663}"), None);
        assert_eq!(
            accepted_by_hand("Accepted publickey for ops2 from 203.64.132.247 port 52761 ssh2"),
            Some(["publickey", "ops2", "203.64.132.247", "52761"])
        );
    }

    #[test]
    fn sshd_and_pam() {
        let v = f("sshd", "Accepted publickey for alice from 192.0.2.10 port 50022 ssh2: RSA SHA256:x");
        assert_eq!((v["user"]["name"].as_str(), v["source"]["ip"].as_str()), (Some("alice"), Some("192.0.2.10")));
        assert_eq!(v["event"]["outcome"], "success");
        let v = f("sshd", "Failed password for invalid user admin from 173.234.31.186 port 38926 ssh2");
        assert_eq!((v["user"]["name"].as_str(), v["user"]["invalid"].as_bool()), (Some("admin"), Some(true)));
        let v = f("sshd", "Invalid user webmaster from 173.234.31.186");
        assert_eq!(v["event"]["action"], "invalid-user");
        let v =
            f("sshd(pam_unix)", "authentication failure; logname= uid=0 euid=0 tty=NODEVssh ruser= rhost=218.188.2.4 ");
        assert_eq!(v["source"]["ip"], "218.188.2.4");
        let v = f("sshd(pam_unix)", "authentication failure; logname= uid=0 euid=0 tty=NODEVssh ruser= rhost=220-135-151-1.hinet-ip.hinet.net  user=root");
        assert_eq!(
            (v["source"]["address"].as_str(), v["user"]["name"].as_str()),
            (Some("220-135-151-1.hinet-ip.hinet.net"), Some("root"))
        );
    }

    #[test]
    fn sudo_su_and_accounts() {
        let v = f("sudo", "   bob : TTY=pts/0 ; PWD=/home/bob ; USER=root ; COMMAND=/usr/sbin/tcpdump -i any port 49");
        assert_eq!((v["user"]["name"].as_str(), v["user"]["target"]["name"].as_str()), (Some("bob"), Some("root")));
        assert_eq!(v["process"]["command_line"], "/usr/sbin/tcpdump -i any port 49");
        let v = f("su(pam_unix)", "session opened for user news by (uid=0)");
        assert_eq!((v["event"]["action"].as_str(), v["user"]["name"].as_str()), (Some("session-opened"), Some("news")));
        let v = f("useradd", "new user: name=svc-backup, UID=1001, GID=1001, home=/home/svc-backup, shell=/bin/bash");
        assert_eq!(
            (v["event"]["action"].as_str(), v["user"]["name"].as_str()),
            (Some("user-created"), Some("svc-backup"))
        );
    }
}
