//! Site knowledge: what is normal for one carrier. The watchlist of protected subscribers and
//! the site policy (management networks, jump hosts, AAA and log servers, tunnel peers, change
//! windows) become Sigma placeholders (`%watchlist%`, `%jump_hosts%` …), so rules stay plain
//! Sigma and the same for every carrier; change windows, which Sigma cannot express, become a
//! field on each event (`seawall.change_window`).

mod policy;
mod watchlist;

pub use policy::{ChangeWindow, SitePolicy};
pub use watchlist::{Watchlist, WatchlistEntry};

use std::collections::HashMap;

/// Errors reading site files, with the file and line.
#[derive(Debug, thiserror::Error)]
pub enum SiteError {
    #[error("{file}: {source}")]
    Io {
        file: String,
        #[source]
        source: std::io::Error,
    },
    #[error("{file}:{line}: {message}")]
    Invalid { file: String, line: usize, message: String },
}

/// Every placeholder the telecom rule pack uses, with the site's values (empty when the site
/// gave none, so the rules still load and the placeholder matches nothing).
pub fn placeholders(watchlist: Option<&Watchlist>, policy: Option<&SitePolicy>) -> HashMap<String, Vec<String>> {
    let mut out = HashMap::new();
    out.insert("watchlist".to_string(), watchlist.map(Watchlist::identifiers).unwrap_or_default());
    let p = policy.cloned().unwrap_or_default();
    let nets = |v: &[ipnet::IpNet]| v.iter().map(ToString::to_string).collect::<Vec<_>>();
    out.insert("mgmt_networks".into(), nets(&p.management_networks));
    out.insert("jump_hosts".into(), nets(&p.jump_hosts));
    out.insert("aaa_servers".into(), nets(&p.aaa_servers));
    out.insert("log_servers".into(), nets(&p.log_servers));
    out.insert("tunnel_peers".into(), nets(&p.tunnel_peers));
    out.insert("li_workstations".into(), nets(&p.li_workstations));
    out.insert("infrastructure".into(), nets(&p.infrastructure));
    out.insert("li_operators".into(), p.li_operators.clone());
    out.insert("service_accounts".into(), p.service_accounts.clone());
    out
}
