//! The carrier's normal week: administrators working from jump hosts, changes in the weekend
//! change window, AAA accounting, LI operators at their workstations with warrants, customer care
//! looking up call records, and subscriber and management traffic.

use jiff::{SignedDuration, Timestamp};

use crate::carrier::*;
use crate::rng::Rng;
use crate::{start, Logs, DAYS};

const SHOW_COMMANDS: &[&str] = &[
    "show ip interface brief",
    "show bgp ipv4 unicast summary",
    "show logging",
    "show interfaces GigabitEthernet0/0/0",
    "show ip route summary",
    "show processes cpu sorted",
    "show inventory",
];

const CHANGE_COMMANDS: &[&str] = &[
    "interface GigabitEthernet0/0/2",
    "description uplink to core",
    "ntp server 10.0.1.30",
    "ip route 10.40.0.0 255.255.0.0 10.255.0.12",
    "snmp-server location Northwind POP 3",
    "router bgp 64500",
];

fn at(day: i64, secs: i64) -> Timestamp {
    start() + SignedDuration::from_secs(day * 86_400 + secs)
}

fn in_change_window(t: Timestamp) -> bool {
    let z = t.to_zoned(jiff::tz::TimeZone::UTC);
    matches!(z.weekday(), jiff::civil::Weekday::Saturday | jiff::civil::Weekday::Sunday) && (1..5).contains(&z.hour())
}

/// Syslog, AAA, LI, CDR and host logs. Nothing is written for edge-rtr-03 after `silenced`.
pub fn text_logs(c: &Carrier, rng: &mut Rng, logs: &mut Logs, silenced: Option<Timestamp>) {
    let mut seq: Vec<u64> = (0..c.devices.len()).map(|i| 1000 + 37 * i as u64).collect();
    for day in 0..DAYS {
        for (di, dev) in c.devices.iter().enumerate() {
            let mut emit = |logs: &mut Logs, t: Timestamp, code: &str, text: String| {
                if dev.name == "edge-rtr-03" && silenced.is_some_and(|s| t > s) {
                    return;
                }
                seq[di] += 1;
                logs.push("syslog/network.log", t, cisco_line(t, dev, seq[di], code, &text));
            };
            // Administrator sessions from the jump hosts, with AAA accounting.
            for _ in 0..rng.range(1, 4) {
                let t = at(day, rng.range(7 * 3600, 19 * 3600));
                let admin = *rng.pick(&c.admins);
                let jump = JUMP_HOSTS[0];
                let port = format!("tty{}", rng.range(1, 6));
                emit(
                    logs,
                    t,
                    "SEC_LOGIN-5-LOGIN_SUCCESS",
                    format!("Login Success [user: {admin}] [Source: {jump}] [localport: 22] at {}", t),
                );
                let task = rng.range(1000, 99999).to_string();
                logs.push(
                    "aaa/tacacs.acct",
                    t,
                    tacacs_line(
                        t,
                        &dev.ip,
                        admin,
                        &port,
                        jump,
                        "start",
                        &[("task_id", task.clone()), ("service", "shell".into()), ("priv-lvl", "15".into())],
                    ),
                );
                let mut tt = t;
                for _ in 0..rng.range(1, 5) {
                    tt += SignedDuration::from_secs(rng.range(5, 120));
                    let cmd = *rng.pick(SHOW_COMMANDS);
                    logs.push(
                        "aaa/tacacs.acct",
                        tt,
                        tacacs_line(
                            tt,
                            &dev.ip,
                            admin,
                            &port,
                            jump,
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
                tt += SignedDuration::from_secs(rng.range(30, 600));
                emit(logs, tt, "SYS-6-LOGOUT", format!("User {admin} has exited tty session {}({jump})", &port[3..]));
                logs.push(
                    "aaa/tacacs.acct",
                    tt,
                    tacacs_line(
                        tt,
                        &dev.ip,
                        admin,
                        &port,
                        jump,
                        "stop",
                        &[
                            ("task_id", task),
                            ("service", "shell".into()),
                            ("elapsed_time", (tt - t).get_seconds().to_string()),
                        ],
                    ),
                );
                // Now and then a mistyped password first.
                if rng.chance(0.1) {
                    let tf = t - SignedDuration::from_secs(20);
                    emit(logs, tf, "SEC_LOGIN-4-LOGIN_FAILED", format!("Login failed [user: {admin}] [Source: {jump}] [localport: 22] [Reason: Login Authentication Failed] at {tf}"));
                }
            }
            // Nightly configuration backup by RANCID from the second jump host.
            let t = at(day, 2 * 3600 + 60 * di as i64);
            emit(
                logs,
                t,
                "SEC_LOGIN-5-LOGIN_SUCCESS",
                format!("Login Success [user: rancid] [Source: {}] [localport: 22] at {t}", JUMP_HOSTS[1]),
            );
            logs.push(
                "aaa/tacacs.acct",
                t,
                tacacs_line(
                    t + SignedDuration::from_secs(3),
                    &dev.ip,
                    "rancid",
                    "tty7",
                    JUMP_HOSTS[1],
                    "stop",
                    &[
                        ("task_id", (5000 + di).to_string()),
                        ("service", "shell".into()),
                        ("priv-lvl", "15".into()),
                        ("cmd", "show running-config <cr>".into()),
                    ],
                ),
            );
            // Changes only in the weekend change window, from the jump host, by an administrator.
            let t = at(day, rng.range(3600, 4 * 3600));
            if in_change_window(t) && rng.chance(0.5) {
                let admin = *rng.pick(&c.admins);
                let mut tt = t;
                for _ in 0..rng.range(1, 4) {
                    tt += SignedDuration::from_secs(rng.range(5, 40));
                    emit(
                        logs,
                        tt,
                        "PARSER-5-CFGLOG_LOGGEDCMD",
                        format!("User:{admin}  logged command:{}", rng.pick(CHANGE_COMMANDS)),
                    );
                }
                emit(
                    logs,
                    tt + SignedDuration::from_secs(2),
                    "SYS-5-CONFIG_I",
                    format!("Configured from console by {admin} on vty0 ({})", JUMP_HOSTS[0]),
                );
            }
            // Interface noise, ACL drops of internet scans, BGP.
            for _ in 0..rng.range(0, 3) {
                let t = at(day, rng.range(0, 86_399));
                let ifn = format!("GigabitEthernet0/0/{}", rng.range(1, 8));
                emit(logs, t, "LINEPROTO-5-UPDOWN", format!("Line protocol on Interface {ifn}, changed state to down"));
                emit(
                    logs,
                    t + SignedDuration::from_secs(rng.range(3, 90)),
                    "LINEPROTO-5-UPDOWN",
                    format!("Line protocol on Interface {ifn}, changed state to up"),
                );
            }
            if dev.role == "edge-rtr" {
                for _ in 0..rng.range(20, 60) {
                    let t = at(day, rng.range(0, 86_399));
                    let src = format!(
                        "{}.{}.{}.{}",
                        rng.range(23, 220),
                        rng.range(0, 255),
                        rng.range(0, 255),
                        rng.range(1, 254)
                    );
                    let port = *rng.pick(&[23u16, 445, 3389, 8080, 161]);
                    emit(
                        logs,
                        t,
                        "SEC-6-IPACCESSLOGP",
                        format!(
                            "list INTERNET-IN denied tcp {src}({}) -> {}({port}), 1 packet",
                            rng.range(1024, 65535),
                            dev.ip
                        ),
                    );
                }
            }
        }
        // Linux jump hosts: administrators arrive from their workstations.
        for admin in &c.admins {
            let t = at(day, rng.range(7 * 3600, 10 * 3600));
            let ws = format!("10.0.40.{}", 10 + admin.len());
            logs.push(
                "hosts/jump-01-auth.log",
                t,
                format!(
                    "{} jump-01 sshd[{}]: Accepted publickey for {admin} from {ws} port {} ssh2: ED25519 SHA256:3q2+7w",
                    bsd_time(t),
                    rng.range(2000, 30000),
                    rng.range(40000, 60000)
                ),
            );
            let ts = t + SignedDuration::from_secs(rng.range(60, 3000));
            logs.push("hosts/jump-01-auth.log", ts, format!("{} jump-01 sudo:   {admin} : TTY=pts/{} ; PWD=/home/{admin} ; USER=root ; COMMAND=/usr/bin/systemctl status rsyslog", bsd_time(ts), rng.range(0, 4)));
        }
        // LI operators at their workstations, every task with its warrant.
        for (oi, op) in LI_OPERATORS.iter().enumerate() {
            let ws = LI_WORKSTATIONS[oi];
            let t = at(day, 8 * 3600 + rng.range(0, 1800));
            logs.push("li/li-audit.jsonl", t, li_record(t, op, ws, "login", serde_json::json!({})));
            logs.push(
                "hosts/admf-01-auth.log",
                t - SignedDuration::from_secs(5),
                format!(
                    "{} admf-01 sshd[{}]: Accepted password for {op} from {ws} port {} ssh2",
                    bsd_time(t - SignedDuration::from_secs(5)),
                    rng.range(2000, 30000),
                    rng.range(40000, 60000)
                ),
            );
            let mut tt = t;
            for _ in 0..rng.range(2, 8) {
                tt += SignedDuration::from_secs(rng.range(300, 2400));
                let xid =
                    format!("{:08x}-0000-4000-8000-{:012x}", rng.next_u64() as u32, rng.next_u64() & 0xffff_ffff_ffff);
                logs.push(
                    "li/li-audit.jsonl",
                    tt,
                    li_record(tt, op, ws, "task_query", serde_json::json!({"task": {"xid": xid}})),
                );
            }
            if rng.chance(0.6) {
                tt += SignedDuration::from_secs(rng.range(300, 1800));
                let target = rng.pick(&c.subscribers).clone();
                let warrant = format!("TIII-2024-{}", rng.range(100, 999));
                let xid =
                    format!("{:08x}-0000-4000-8000-{:012x}", rng.next_u64() as u32, rng.next_u64() & 0xffff_ffff_ffff);
                logs.push(
                    "li/li-audit.jsonl",
                    tt,
                    li_record(
                        tt,
                        op,
                        ws,
                        "target_activate",
                        serde_json::json!({
                    "task": {"xid": xid, "targets": [{"type": "msisdn", "value": target}], "delivery_type": "X2andX3"},
                    "warrant": {"reference": warrant, "legal_type": "title_iii", "le_agency": "State Police"}}),
                    ),
                );
            }
            logs.push(
                "li/li-audit.jsonl",
                tt + SignedDuration::from_secs(600),
                li_record(tt + SignedDuration::from_secs(600), op, ws, "logout", serde_json::json!({})),
            );
        }
        // Customer care looks up call records, one ticket each; billing runs its nightly batch.
        for agent in &c.care_agents {
            for _ in 0..rng.range(2, 12) {
                let t = at(day, rng.range(8 * 3600, 18 * 3600));
                let sub = rng.pick(&c.subscribers).clone();
                let ticket = format!("TCK-{}", rng.range(100_000, 999_999));
                logs.push(
                    "cdr/cdr-audit.csv",
                    t,
                    cdr_row(
                        t,
                        agent,
                        &format!("10.0.50.{}", 10 + agent.len()),
                        "human",
                        "gui",
                        "cdr_lookup",
                        "customer_care",
                        &ticket,
                        &sub,
                        rng.range(5, 400) as u64,
                        false,
                    ),
                );
            }
        }
        let t = at(day, 3 * 3600);
        for _ in 0..20 {
            let sub = rng.pick(&c.subscribers).clone();
            logs.push(
                "cdr/cdr-audit.csv",
                t,
                cdr_row(
                    t,
                    "svc-billing",
                    "10.0.30.20",
                    "service",
                    "batch",
                    "billing_extract",
                    "billing",
                    "",
                    &sub,
                    rng.range(100, 5000) as u64,
                    false,
                ),
            );
        }
    }
    // A protected subscriber called customer care about a lost phone: a lookup with a ticket.
    let t = at(2, 14 * 3600 + 420);
    logs.push(
        "cdr/cdr-audit.csv",
        t,
        cdr_row(
            t,
            "care-04",
            "10.0.50.17",
            "human",
            "gui",
            "subscriber_lookup",
            "customer_care",
            "TCK-554201",
            &c.watchlist[1].0,
            12,
            false,
        ),
    );
}

/// One hour of flows: subscriber traffic through the edge, and the management plane.
pub fn flows(
    c: &Carrier,
    rng: &mut Rng,
    hour: Timestamp,
    count: usize,
    silenced: Option<Timestamp>,
) -> Vec<(Timestamp, String)> {
    let edges: Vec<&Device> = c.devices.iter().filter(|d| d.role == "edge-rtr").collect();
    let mut out = Vec::with_capacity(count + 64);
    for _ in 0..count {
        let t = hour + SignedDuration::from_millis(rng.range(0, 3_600_000));
        let edge = rng.pick(&edges);
        let sub = format!("100.{}.{}.{}", 64 + rng.below(64), rng.below(256), 1 + rng.below(254));
        let net = format!("{}.{}.{}.{}", 23 + rng.below(190), rng.below(256), rng.below(256), 1 + rng.below(254));
        let (proto, dport) = match rng.below(10) {
            0..=5 => ("TCP", 443),
            6 => ("TCP", 80),
            7 | 8 => ("UDP", 53),
            _ => ("UDP", 443),
        };
        let packets = 1 + rng.below(400);
        let row = nfdump_row(
            t,
            rng.below(120_000) as f64 / 1000.0,
            &sub,
            &net,
            rng.range(1024, 65535) as u16,
            dport,
            proto,
            packets,
            packets * (60 + rng.below(1300)),
            &edge.ip,
        );
        out.push((t, row));
    }
    // Management plane: syslog and AAA from every device, SSH from the jump host, SNMP polling,
    // BGP between routers, IPsec to the partner.
    for dev in &c.devices {
        let t = hour + SignedDuration::from_secs(rng.range(0, 3599));
        // A router whose log forwarding was turned off sends no more syslog.
        if !(dev.name == "edge-rtr-03" && silenced.is_some_and(|s| t > s)) {
            out.push((
                t,
                nfdump_row(
                    t,
                    3599.0,
                    &dev.ip,
                    LOG_SERVER,
                    514,
                    514,
                    "UDP",
                    40 + rng.below(200),
                    9000 + rng.below(60000),
                    &dev.ip,
                ),
            ));
        }
        let t = hour + SignedDuration::from_secs(rng.range(0, 3599));
        out.push((
            t,
            nfdump_row(t, 2.0, &dev.ip, AAA_SERVER, rng.range(20000, 60000) as u16, 49, "TCP", 12, 1900, &dev.ip),
        ));
        let t = hour + SignedDuration::from_secs(rng.range(0, 3599));
        out.push((t, nfdump_row(t, 1.5, NMS, &dev.ip, rng.range(20000, 60000) as u16, 161, "UDP", 8, 1200, &dev.ip)));
        if rng.chance(0.3) {
            let t = hour + SignedDuration::from_secs(rng.range(0, 3599));
            out.push((
                t,
                nfdump_row(
                    t,
                    300.0,
                    JUMP_HOSTS[0],
                    &dev.ip,
                    rng.range(40000, 60000) as u16,
                    22,
                    "TCP",
                    300,
                    48_000,
                    &dev.ip,
                ),
            ));
        }
    }
    let t = hour + SignedDuration::from_secs(rng.range(0, 3599));
    out.push((
        t,
        nfdump_row(t, 3599.0, &c.devices[0].ip, PARTNER_PEER, 0, 0, "ESP", 9000, 6_500_000, &c.devices[0].ip),
    ));
    out
}
