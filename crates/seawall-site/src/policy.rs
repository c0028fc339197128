//! The site policy (YAML): which networks and hosts are trusted for what, and when changes are
//! allowed.
//!
//! ```yaml
//! management_networks: [10.0.0.0/16]     # where device administration may come from
//! jump_hosts: [10.0.10.5, 10.0.10.6]     # the only hosts that should log in to devices
//! aaa_servers: [10.0.1.10]               # TACACS+/RADIUS servers
//! log_servers: [10.0.1.20]               # syslog collectors
//! tunnel_peers: [198.51.100.1]           # approved GRE/IPsec peers
//! li_workstations: [10.0.20.5]           # dedicated LI administration workstations
//! infrastructure: [10.255.0.0/16]        # router loopbacks and device management addresses
//! li_operators: [li-op1, li-op2]         # accounts allowed to administer intercepts
//! service_accounts: [rancid, netbackup]  # automation accounts (never interactive)
//! change_windows:                        # when configuration changes are expected
//!   - {days: [sat, sun], from: "01:00", to: "05:00", tz: America/New_York}
//! ```

use serde::Deserialize;

use crate::SiteError;

#[derive(Debug, Clone, Default)]
pub struct SitePolicy {
    /// The reporting organisation's name (the `identity` of STIX exports).
    pub organisation: Option<String>,
    pub management_networks: Vec<ipnet::IpNet>,
    pub jump_hosts: Vec<ipnet::IpNet>,
    pub aaa_servers: Vec<ipnet::IpNet>,
    pub log_servers: Vec<ipnet::IpNet>,
    pub tunnel_peers: Vec<ipnet::IpNet>,
    pub li_workstations: Vec<ipnet::IpNet>,
    pub infrastructure: Vec<ipnet::IpNet>,
    pub li_operators: Vec<String>,
    pub service_accounts: Vec<String>,
    pub change_windows: Vec<ChangeWindow>,
}

/// A weekly window: on these days, between these local times.
#[derive(Debug, Clone)]
pub struct ChangeWindow {
    pub days: Vec<jiff::civil::Weekday>,
    pub from: jiff::civil::Time,
    pub to: jiff::civil::Time,
    pub tz: jiff::tz::TimeZone,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPolicy {
    #[serde(default)]
    organisation: Option<String>,
    #[serde(default)]
    management_networks: Vec<String>,
    #[serde(default)]
    jump_hosts: Vec<String>,
    #[serde(default)]
    aaa_servers: Vec<String>,
    #[serde(default)]
    log_servers: Vec<String>,
    #[serde(default)]
    tunnel_peers: Vec<String>,
    #[serde(default)]
    li_workstations: Vec<String>,
    #[serde(default)]
    infrastructure: Vec<String>,
    #[serde(default)]
    li_operators: Vec<String>,
    #[serde(default)]
    service_accounts: Vec<String>,
    #[serde(default)]
    change_windows: Vec<RawWindow>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawWindow {
    days: Vec<String>,
    from: String,
    to: String,
    #[serde(default)]
    tz: Option<String>,
}

fn weekday(s: &str) -> Option<jiff::civil::Weekday> {
    use jiff::civil::Weekday::*;
    Some(match s.to_ascii_lowercase().get(..3)? {
        "mon" => Monday,
        "tue" => Tuesday,
        "wed" => Wednesday,
        "thu" => Thursday,
        "fri" => Friday,
        "sat" => Saturday,
        "sun" => Sunday,
        _ => return None,
    })
}

fn net(s: &str) -> Option<ipnet::IpNet> {
    let s = s.trim();
    s.parse::<ipnet::IpNet>()
        .ok()
        .map(|n| n.trunc())
        .or_else(|| s.parse::<std::net::IpAddr>().ok().map(ipnet::IpNet::from))
}

impl SitePolicy {
    pub fn load(path: &std::path::Path) -> Result<SitePolicy, SiteError> {
        let file = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|source| SiteError::Io { file: file.clone(), source })?;
        SitePolicy::parse(&text, &file)
    }

    pub fn parse(text: &str, file: &str) -> Result<SitePolicy, SiteError> {
        let invalid = |line: usize, message: String| SiteError::Invalid { file: file.to_string(), line, message };
        let raw: RawPolicy = serde_saphyr::from_str(text).map_err(|e| {
            let msg = e.to_string();
            let line =
                msg.split("line ").nth(1).and_then(|l| l.split(|c: char| !c.is_ascii_digit()).next()?.parse().ok());
            invalid(line.unwrap_or(1), msg)
        })?;
        let line_of = |needle: &str| text.lines().position(|l| l.contains(needle)).map_or(1, |p| p + 1);
        let nets = |list: &[String]| -> Result<Vec<ipnet::IpNet>, SiteError> {
            list.iter()
                .map(|s| net(s).ok_or_else(|| invalid(line_of(s), format!("'{s}' is not an IP address or network"))))
                .collect()
        };
        let mut windows = Vec::new();
        for w in &raw.change_windows {
            let days = w
                .days
                .iter()
                .map(|d| weekday(d).ok_or_else(|| invalid(line_of(d), format!("'{d}' is not a weekday"))))
                .collect::<Result<Vec<_>, _>>()?;
            let time = |t: &str| {
                t.parse::<jiff::civil::Time>().map_err(|_| invalid(line_of(t), format!("'{t}' is not a time (HH:MM)")))
            };
            let tz = match &w.tz {
                Some(name) => jiff::tz::TimeZone::get(name)
                    .map_err(|_| invalid(line_of(name), format!("unknown time zone '{name}'")))?,
                None => jiff::tz::TimeZone::UTC,
            };
            windows.push(ChangeWindow { days, from: time(&w.from)?, to: time(&w.to)?, tz });
        }
        Ok(SitePolicy {
            organisation: raw.organisation.filter(|o| !o.trim().is_empty()),
            management_networks: nets(&raw.management_networks)?,
            jump_hosts: nets(&raw.jump_hosts)?,
            aaa_servers: nets(&raw.aaa_servers)?,
            log_servers: nets(&raw.log_servers)?,
            tunnel_peers: nets(&raw.tunnel_peers)?,
            li_workstations: nets(&raw.li_workstations)?,
            infrastructure: nets(&raw.infrastructure)?,
            li_operators: raw.li_operators,
            service_accounts: raw.service_accounts,
            change_windows: windows,
        })
    }

    /// Whether an address belongs to the site or its known partners (any network the policy
    /// lists).
    pub fn is_site(&self, ip: &std::net::IpAddr) -> bool {
        [
            &self.management_networks,
            &self.jump_hosts,
            &self.aaa_servers,
            &self.log_servers,
            &self.tunnel_peers,
            &self.li_workstations,
            &self.infrastructure,
        ]
        .iter()
        .any(|list| list.iter().any(|n| n.contains(ip)))
    }

    /// Whether a time falls inside a change window (always false without windows).
    pub fn in_change_window(&self, ts: jiff::Timestamp) -> bool {
        self.change_windows.iter().any(|w| {
            let local = ts.to_zoned(w.tz.clone());
            let t = local.time();
            let day_ok = w.days.contains(&local.weekday());
            if w.from <= w.to {
                day_ok && t >= w.from && t < w.to
            } else {
                // Over midnight: the window opens on a listed day and runs into the next.
                (day_ok && t >= w.from) || (w.days.contains(&local.weekday().previous()) && t < w.to)
            }
        })
    }

    /// Adds `seawall.change_window` to an event when the site declared change windows.
    pub fn enrich(&self, event: &mut seawall_core::Event) {
        if self.change_windows.is_empty() {
            return;
        }
        let Some(ts) = event.timestamp else { return };
        let inside = self.in_change_window(ts);
        if let seawall_core::Value::Object(map) = &mut event.fields {
            let entry = map.entry_or_insert_with("seawall", || seawall_core::Value::Object(Default::default()));
            if let seawall_core::Value::Object(s) = entry {
                s.insert("change_window".into(), seawall_core::Value::Bool(inside));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_checks_windows() {
        let p = SitePolicy::parse(
            "jump_hosts: [10.0.10.5]\nmanagement_networks: [10.0.0.0/16]\nchange_windows:\n  - {days: [sat], from: \"23:00\", to: \"02:00\", tz: UTC}\n",
            "policy.yml",
        )
        .unwrap();
        assert_eq!(p.jump_hosts[0].to_string(), "10.0.10.5/32");
        // 2024-10-05 is a Saturday.
        assert!(p.in_change_window("2024-10-05T23:30:00Z".parse().unwrap()));
        assert!(p.in_change_window("2024-10-06T01:30:00Z".parse().unwrap()));
        assert!(!p.in_change_window("2024-10-06T02:30:00Z".parse().unwrap()));
        assert!(!p.in_change_window("2024-10-04T23:30:00Z".parse().unwrap()));
        let e = SitePolicy::parse("jump_hosts: [not-an-ip]\n", "policy.yml").unwrap_err();
        assert!(e.to_string().starts_with("policy.yml:1:"), "{e}");
        assert!(SitePolicy::parse("jumphosts: []\n", "p.yml").is_err(), "unknown keys are errors");
    }
}
