//! The fictional carrier (Northwind Telecom): its devices, people, subscribers and site files,
//! and the record formats its systems write. Addresses come from private ranges and the
//! documentation ranges of RFC 5737; telephone numbers from the fictional 555-01xx block.

use std::fmt::Write as _;

use jiff::Timestamp;

use crate::rng::Rng;

pub struct Device {
    pub name: String,
    pub ip: String,
    pub role: &'static str,
}

pub struct Carrier {
    pub devices: Vec<Device>,
    pub admins: Vec<&'static str>,
    pub care_agents: Vec<String>,
    pub subscribers: Vec<String>,
    /// Protected subscribers: (MSISDN, label).
    pub watchlist: Vec<(String, &'static str)>,
}

pub const JUMP_HOSTS: [&str; 2] = ["10.0.10.5", "10.0.10.6"];
pub const AAA_SERVER: &str = "10.0.1.10";
pub const LOG_SERVER: &str = "10.0.1.20";
pub const NMS: &str = "10.0.3.3";
pub const LI_WORKSTATIONS: [&str; 2] = ["10.0.20.5", "10.0.20.6"];
pub const ADMF: (&str, &str) = ("admf-01", "10.0.20.10");
pub const CDR_DB: (&str, &str) = ("cdrdb-01", "10.0.30.10");
pub const PARTNER_PEER: &str = "198.51.100.1";
pub const LI_OPERATORS: [&str; 2] = ["li-op1", "li-op2"];

impl Carrier {
    pub fn new(rng: &mut Rng, devices_per_role: usize) -> Carrier {
        let mut devices = Vec::new();
        let mut n = 1;
        for role in ["edge-rtr", "core-rtr", "agg-sw"] {
            for i in 1..=devices_per_role {
                devices.push(Device { name: format!("{role}-{i:02}"), ip: format!("10.255.0.{n}"), role });
                n += 1;
            }
        }
        let subscribers = (0..5000).map(|_| format!("1555{:07}", 200_000 + rng.below(7_000_000))).collect();
        let watchlist = vec![
            ("15550100001".to_string(), "Campaign chair"),
            ("15550100002".to_string(), "Campaign press secretary"),
            ("15550100003".to_string(), "Candidate (personal line)"),
            ("15550100004".to_string(), "Senior policy adviser"),
            ("15550100005".to_string(), "State election official"),
            ("15550100006".to_string(), "Campaign counsel"),
        ];
        Carrier {
            devices,
            admins: vec!["alice", "bob", "carol"],
            care_agents: (1..=20).map(|i| format!("care-{i:02}")).collect(),
            subscribers,
            watchlist,
        }
    }

    pub fn watchlist_csv(&self) -> String {
        let mut s = String::from("type,value,label\n");
        for (m, label) in &self.watchlist {
            let _ = writeln!(s, "msisdn,+{},{label}", m);
        }
        s
    }

    pub fn policy_yaml(&self) -> String {
        format!(
            "# Northwind Telecom site policy (fictional).\n\
             organisation: Northwind Telecom\n\
             management_networks: [10.0.0.0/16]\n\
             jump_hosts: [{j0}, {j1}]\n\
             aaa_servers: [{AAA_SERVER}]\n\
             log_servers: [{LOG_SERVER}]\n\
             tunnel_peers: [{PARTNER_PEER}]\n\
             li_workstations: [{w0}, {w1}]\n\
             infrastructure: [10.255.0.0/16]\n\
             li_operators: [li-op1, li-op2]\n\
             service_accounts: [rancid, svc-report]\n\
             change_windows:\n  - {{days: [sat, sun], from: \"01:00\", to: \"05:00\", tz: UTC}}\n",
            j0 = JUMP_HOSTS[0],
            j1 = JUMP_HOSTS[1],
            w0 = LI_WORKSTATIONS[0],
            w1 = LI_WORKSTATIONS[1],
        )
    }
}

const MONTHS: [&str; 12] = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

/// `Oct  2 01:12:07` (BSD syslog, no year).
pub fn bsd_time(t: Timestamp) -> String {
    let z = t.to_zoned(jiff::tz::TimeZone::UTC);
    format!("{} {:>2} {:02}:{:02}:{:02}", MONTHS[z.month() as usize - 1], z.day(), z.hour(), z.minute(), z.second())
}

/// `Oct  2 2024 01:12:07.123 UTC` (Cisco `service timestamps log datetime msec year show-timezone`).
pub fn cisco_time(t: Timestamp) -> String {
    let z = t.to_zoned(jiff::tz::TimeZone::UTC);
    format!(
        "{} {:>2} {} {:02}:{:02}:{:02}.{:03} UTC",
        MONTHS[z.month() as usize - 1],
        z.day(),
        z.year(),
        z.hour(),
        z.minute(),
        z.second(),
        z.millisecond()
    )
}

/// One Cisco message as the syslog collector stores it: relay time and device address, then the
/// device's own sequence number, time and message.
pub fn cisco_line(t: Timestamp, dev: &Device, seq: u64, code: &str, text: &str) -> String {
    let relay = t.checked_add(jiff::SignedDuration::from_millis(300)).unwrap_or(t);
    format!("{} {} {seq}: {}: {}: %{code}: {text}", bsd_time(relay), dev.ip, dev.name, cisco_time(t))
}

/// `2024-10-02 01:12:07` as nfdump prints flow times.
pub fn nf_time(t: Timestamp) -> String {
    t.to_zoned(jiff::tz::TimeZone::UTC).strftime("%Y-%m-%d %H:%M:%S").to_string()
}

pub const NFDUMP_HEADER: &str = "ts,te,td,sa,da,sp,dp,pr,flg,fwd,stos,ipkt,ibyt,opkt,obyt,in,out,sas,das,smk,dmk,dtos,dir,nh,nhb,svln,dvln,ismc,odmc,idmc,osmc,mpls1,mpls2,mpls3,mpls4,mpls5,mpls6,mpls7,mpls8,mpls9,mpls10,cl,sl,al,ra,eng,exid,tr";

/// One flow as `nfdump -o csv` prints it.
#[allow(clippy::too_many_arguments)]
pub fn nfdump_row(
    start: Timestamp,
    secs: f64,
    src: &str,
    dst: &str,
    sport: u16,
    dport: u16,
    proto: &str,
    packets: u64,
    bytes: u64,
    exporter: &str,
) -> String {
    let end = start.checked_add(jiff::SignedDuration::from_secs_f64(secs)).unwrap_or(start);
    let flags = if proto == "TCP" { "...AP.SF" } else { "........" };
    format!(
        "{},{},{secs:.3},{src},{dst},{sport},{dport},{proto},{flags},0,0,{packets},{bytes},0,0,1,2,0,0,0,0,0,0,0.0.0.0,0.0.0.0,0,0,00:00:00:00:00:00,00:00:00:00:00:00,00:00:00:00:00:00,00:00:00:00:00:00,0-0-0,0-0-0,0-0-0,0-0-0,0-0-0,0-0-0,0-0-0,0-0-0,0-0-0,0-0-0,    0.000,    0.000,    0.000,{exporter},0/0,1,{}",
        nf_time(start),
        nf_time(end),
        nf_time(end)
    )
}

/// One tac_plus accounting record.
pub fn tacacs_line(
    t: Timestamp,
    nas: &str,
    user: &str,
    port: &str,
    rem: &str,
    kind: &str,
    avs: &[(&str, String)],
) -> String {
    let mut s = format!("{}\t{nas}\t{user}\t{port}\t{rem}\t{kind}", bsd_time(t));
    for (k, v) in avs {
        let _ = write!(s, "\t{k}={v}");
    }
    s
}

pub const CDR_HEADER: &str = "event_time,system,system_id,actor.user_id,actor.source_ip,actor.account_type,channel,query_type,purpose,case_ref,subject.id_type,subject.value,result.records,result.bytes,result.exported,outcome";

#[allow(clippy::too_many_arguments)]
pub fn cdr_row(
    t: Timestamp,
    user: &str,
    ip: &str,
    account_type: &str,
    channel: &str,
    query: &str,
    purpose: &str,
    case_ref: &str,
    msisdn: &str,
    records: u64,
    exported: bool,
) -> String {
    format!(
        "{t},cdr_warehouse,{},{user},{ip},{account_type},{channel},{query},{purpose},{case_ref},msisdn,{msisdn},{records},{},{exported},success",
        CDR_DB.0,
        records * 240
    )
}

pub fn li_record(t: Timestamp, user: &str, ip: &str, action: &str, extra: serde_json::Value) -> String {
    let mut v = serde_json::json!({
        "schema": "seawall/li-audit/1",
        "event_time": t.to_string(),
        "recorder": "admf",
        "recorder_id": ADMF.0,
        "action": action,
        "outcome": "success",
        "actor": {"user_id": user, "source_ip": ip, "auth_method": "password"},
    });
    if let (Some(obj), serde_json::Value::Object(more)) = (v.as_object_mut(), extra) {
        obj.extend(more);
    }
    v.to_string()
}
