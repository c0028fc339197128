//! The IOC index: every atomic indicator's observables in one structure — an IP prefix table
//! (IPv4 and IPv6), domains with parent-domain matching, and hash tables for URLs, hashes,
//! e-mail addresses, file names and subscriber numbers. A lookup costs a few hash probes
//! whatever the number of indicators.

use rustc_hash::FxHashMap;
use seawall_stix::matcher::Net;

use crate::filter::{hash_of, Filter};
use crate::observable::{Observable, ObservableKind};
use crate::prefix::PrefixTable;

/// How a value met an indicator.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum How {
    Exact,
    /// The address lies in the indicator's block (`/n`).
    InBlock(u8),
    /// The indicator names a parent domain of the value.
    ParentDomain(String),
    /// The event shows a product the CISA KEV catalogue lists.
    KevProduct,
}

impl std::fmt::Display for How {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            How::Exact => write!(f, "exact"),
            How::InBlock(n) => write!(f, "in a /{n} block"),
            How::ParentDomain(d) => write!(f, "subdomain of {d}"),
            How::KevProduct => write!(f, "product listed in CISA KEV"),
        }
    }
}

/// Value kinds an event value is looked up as.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub enum Table {
    Domain,
    Url,
    Hash,
    Email,
    FileName,
    Subscriber,
    /// CVE ids of known-exploited vulnerabilities.
    Cve,
}

#[derive(Debug, Default)]
pub struct IocIndex {
    ips: PrefixTable<u32>,
    domains: FxHashMap<String, Vec<u32>>,
    urls: FxHashMap<String, Vec<u32>>,
    hashes: FxHashMap<String, Vec<u32>>,
    emails: FxHashMap<String, Vec<u32>>,
    filenames: FxHashMap<String, Vec<u32>>,
    subscribers: FxHashMap<String, Vec<u32>>,
    cves: FxHashMap<String, Vec<u32>>,
    entries: usize,
    /// Over the keys of the string tables (tagged by table); built by [`IocIndex::seal`].
    filter: Filter,
}

fn key_hash(t: Table, value: &str) -> u64 {
    hash_of(&(t as u8, value))
}

impl IocIndex {
    pub fn insert(&mut self, obs: &Observable, indicator: u32) {
        self.entries += 1;
        let map = match obs.kind {
            ObservableKind::Ipv4 | ObservableKind::Ipv6 => {
                if let Some(n) = &obs.net {
                    self.ips.insert(n, indicator);
                }
                return;
            }
            ObservableKind::Domain => &mut self.domains,
            ObservableKind::Url => &mut self.urls,
            ObservableKind::Md5 | ObservableKind::Sha1 | ObservableKind::Sha256 | ObservableKind::Sha512 => {
                &mut self.hashes
            }
            ObservableKind::Email => &mut self.emails,
            ObservableKind::FileName => &mut self.filenames,
            ObservableKind::Phone | ObservableKind::Imsi | ObservableKind::Imei => &mut self.subscribers,
        };
        self.filter = Filter::default();
        let list = map.entry(obs.value.clone()).or_default();
        if !list.contains(&indicator) {
            list.push(indicator);
        }
    }

    /// Indexes a CVE id (`CVE-2023-20198`, upper case) for `indicator`.
    pub fn insert_cve(&mut self, cve: &str, indicator: u32) {
        self.entries += 1;
        self.filter = Filter::default();
        self.cves.entry(cve.to_string()).or_default().push(indicator);
    }

    /// Builds the filters; call once every observable is in (lookups work before, slower).
    pub fn seal(&mut self) {
        self.ips.seal();
        let keys = self.domains.len()
            + self.urls.len()
            + self.hashes.len()
            + self.emails.len()
            + self.filenames.len()
            + self.subscribers.len();
        let mut f = Filter::with_capacity(keys);
        for (t, map) in [
            (Table::Domain, &self.domains),
            (Table::Url, &self.urls),
            (Table::Hash, &self.hashes),
            (Table::Email, &self.emails),
            (Table::FileName, &self.filenames),
            (Table::Subscriber, &self.subscribers),
            (Table::Cve, &self.cves),
        ] {
            for k in map.keys() {
                f.add(key_hash(t, k));
            }
        }
        self.filter = f;
    }

    fn get<'m>(&self, t: Table, map: &'m FxHashMap<String, Vec<u32>>, key: &str) -> Option<&'m Vec<u32>> {
        if self.filter.may_contain(key_hash(t, key)) {
            map.get(key)
        } else {
            None
        }
    }

    /// Observables indexed.
    pub fn len(&self) -> usize {
        self.entries
    }

    pub fn is_empty(&self) -> bool {
        self.entries == 0
    }

    pub fn has(&self, t: Table) -> bool {
        !match t {
            Table::Domain => self.domains.is_empty(),
            Table::Url => self.urls.is_empty(),
            Table::Hash => self.hashes.is_empty(),
            Table::Email => self.emails.is_empty(),
            Table::FileName => self.filenames.is_empty(),
            Table::Subscriber => self.subscribers.is_empty(),
            Table::Cve => self.cves.is_empty(),
        }
    }

    pub fn has_ips(&self) -> bool {
        !self.ips.is_empty()
    }

    /// Indicators whose address or block holds `net`.
    pub fn ip(&self, net: &Net, out: &mut Vec<(u32, How)>) {
        if !self.ips.may_match(net) {
            return;
        }
        for (len, &i) in self.ips.matches(net) {
            let how = if len == net.prefix_len() { How::Exact } else { How::InBlock(len) };
            out.push((i, how));
        }
    }

    /// Indicators naming `domain` (canonical form) or one of its parents.
    pub fn domain(&self, domain: &str, out: &mut Vec<(u32, How)>) {
        if let Some(v) = self.get(Table::Domain, &self.domains, domain) {
            out.extend(v.iter().map(|&i| (i, How::Exact)));
        }
        let mut rest = domain;
        while let Some((_, parent)) = rest.split_once('.') {
            // A bare top-level domain is never an indicator's parent match.
            if !parent.contains('.') {
                break;
            }
            if let Some(v) = self.get(Table::Domain, &self.domains, parent) {
                out.extend(v.iter().map(|&i| (i, How::ParentDomain(parent.to_string()))));
            }
            rest = parent;
        }
    }

    /// Exact lookups in the other tables (the value in canonical form).
    pub fn exact(&self, t: Table, value: &str, out: &mut Vec<(u32, How)>) {
        let map = match t {
            Table::Domain => return self.domain(value, out),
            Table::Url => &self.urls,
            Table::Hash => &self.hashes,
            Table::Email => &self.emails,
            Table::FileName => &self.filenames,
            Table::Subscriber => &self.subscribers,
            Table::Cve => &self.cves,
        };
        if let Some(v) = self.get(t, map, value) {
            out.extend(v.iter().map(|&i| (i, How::Exact)));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn looks_up_every_kind() {
        let mut idx = IocIndex::default();
        for (i, v) in
            ["198.51.100.7", "10.0.0.0/8", "bad.example", "cead3f77f6cda6ec00f57d76c9a6879f"].iter().enumerate()
        {
            idx.insert(&Observable::recognise(v).unwrap(), i as u32);
        }
        let mut out = Vec::new();
        idx.ip(&Net::parse("10.1.2.3").unwrap(), &mut out);
        assert_eq!(out, [(1, How::InBlock(8))]);
        out.clear();
        idx.domain("x.y.bad.example", &mut out);
        assert_eq!(out, [(2, How::ParentDomain("bad.example".into()))]);
        out.clear();
        idx.domain("example", &mut out);
        idx.domain("notbad.example", &mut out);
        assert!(out.is_empty());
        idx.exact(Table::Hash, "cead3f77f6cda6ec00f57d76c9a6879f", &mut out);
        assert_eq!(out, [(3, How::Exact)]);
        assert_eq!(idx.len(), 4);
        // The same answers once the filters are built.
        idx.seal();
        let mut sealed = Vec::new();
        idx.ip(&Net::parse("10.1.2.3").unwrap(), &mut sealed);
        idx.domain("x.y.bad.example", &mut sealed);
        idx.exact(Table::Hash, "cead3f77f6cda6ec00f57d76c9a6879f", &mut sealed);
        idx.exact(Table::Hash, "00000000000000000000000000000000", &mut sealed);
        assert_eq!(sealed, [(1, How::InBlock(8)), (2, How::ParentDomain("bad.example".into())), (3, How::Exact)]);
    }
}
