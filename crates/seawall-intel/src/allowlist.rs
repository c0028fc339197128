//! Allowlists (MISP warninglists): known-benign infrastructure whose IOC hits are suppressed.
//! `cidr` lists become a prefix table; `string` lists exact values; `hostname` lists the name
//! and its subdomains; `substring` lists a substring search; `regex` lists a regex set.

use aho_corasick::AhoCorasick;
use rustc_hash::FxHashSet;
use seawall_stix::matcher::Net;

use crate::observable::canonical_domain;
use crate::prefix::PrefixTable;

#[derive(Debug, Default)]
pub struct Allowlist {
    pub name: String,
    pub kind: String,
    pub entries: usize,
    nets: PrefixTable<()>,
    exact: FxHashSet<String>,
    hostnames: FxHashSet<String>,
    substrings: Option<AhoCorasick>,
    regexes: Option<regex::RegexSet>,
}

impl Allowlist {
    /// Builds a list from a warninglist's `type` and values; values that do not fit are
    /// returned as (index, value) for error reports.
    pub fn build(name: &str, kind: &str, values: &[String]) -> Result<(Allowlist, Vec<(usize, String)>), String> {
        let mut a = Allowlist { name: name.to_string(), kind: kind.to_string(), ..Allowlist::default() };
        let mut bad = Vec::new();
        match kind {
            "cidr" => {
                for (i, v) in values.iter().enumerate() {
                    match Net::parse(v.trim()) {
                        Some(n) => a.nets.insert(&n, ()),
                        None => bad.push((i, v.clone())),
                    }
                }
            }
            "string" => a.exact = values.iter().map(|v| v.trim().to_ascii_lowercase()).collect(),
            "hostname" => a.hostnames = values.iter().map(|v| canonical_domain(v.trim_start_matches('.'))).collect(),
            "substring" => {
                let lower: Vec<String> = values.iter().map(|v| v.to_ascii_lowercase()).collect();
                a.substrings = Some(AhoCorasick::new(&lower).map_err(|e| e.to_string())?);
            }
            "regex" => a.regexes = Some(regex::RegexSet::new(values).map_err(|e| e.to_string())?),
            other => return Err(format!("unknown warninglist type '{other}'")),
        }
        a.nets.seal();
        a.entries = values.len() - bad.len();
        Ok((a, bad))
    }

    /// Whether a value (an address, a domain, a hash …) is on the list.
    pub fn holds(&self, value: &str, net: Option<&Net>) -> bool {
        if let Some(n) = net {
            if self.nets.contains(n) {
                return true;
            }
        }
        let lower = value.to_ascii_lowercase();
        if self.exact.contains(&lower) {
            return true;
        }
        if !self.hostnames.is_empty() {
            let mut d = lower.trim_end_matches('.');
            loop {
                if self.hostnames.contains(d) {
                    return true;
                }
                match d.split_once('.') {
                    Some((_, parent)) => d = parent,
                    None => break,
                }
            }
        }
        self.substrings.as_ref().is_some_and(|ac| ac.is_match(&lower))
            || self.regexes.as_ref().is_some_and(|r| r.is_match(value))
    }
}
