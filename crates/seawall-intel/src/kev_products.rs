//! CISA KEV entries by product. An event that names a device's or program's vendor and product
//! (`observer.vendor` and `observer.product`, the STIX `software` object Seawall derives) is
//! matched against the products the catalogue lists, so analysts learn which of their systems run
//! software with vulnerabilities known to be exploited (the IOS XE, Ivanti and PAN-OS entries
//! behind the 2024 carrier intrusions among them).
//!
//! The catalogue names products loosely (`IOS and IOS XE Software`, `IOS, XR, and XE Software`,
//! `Adaptive Security Appliance (ASA)`), so both sides are reduced to the same keys: lower-case
//! words, the vendor's name and generic words (`software`, `series`, `web ui` …) dropped, lists
//! split into their products, and a parenthesised short name kept as a name of its own.

use std::collections::BTreeMap;

use crate::model::KevEntry;

/// The products of one vendor the catalogue lists, by key.
#[derive(Debug, Default)]
pub struct KevProducts {
    /// (vendor key, product key) → group number.
    keys: BTreeMap<(String, String), usize>,
    pub groups: Vec<ProductGroup>,
}

/// One product and its known-exploited vulnerabilities.
#[derive(Debug, Clone, PartialEq)]
pub struct ProductGroup {
    /// The vendor as the catalogue writes it.
    pub vendor: String,
    /// The product as the catalogue writes it (the part of a list this group stands for).
    pub product: String,
    /// CVE ids, in catalogue order, without repeats.
    pub cves: Vec<String>,
}

/// Words that say nothing about which product is meant.
const GENERIC: &[&str] = &["software", "series", "switches", "routers", "appliance", "web", "ui", "the"];
/// Company-form words dropped from vendor names.
const COMPANY: &[&str] = &["inc", "corporation", "corp", "co", "ltd", "llc", "systems", "networks", "technologies"];

/// The alphanumeric words of a text.
fn words(s: &str) -> impl Iterator<Item = &str> {
    s.split(|c: char| !c.is_alphanumeric()).filter(|w| !w.is_empty())
}

/// Whether two words are the same without case (compared without allocating: keys are worked
/// out for every event that names a product).
fn same_word(a: &str, b: &str) -> bool {
    a.chars().flat_map(char::to_lowercase).eq(b.chars().flat_map(char::to_lowercase))
}

fn listed(word: &str, list: &[&str]) -> bool {
    list.iter().any(|l| same_word(word, l))
}

/// Words joined by spaces, lower-cased.
fn key_of<'a>(words: impl IntoIterator<Item = &'a str>) -> String {
    let mut out = String::new();
    for w in words {
        if !out.is_empty() {
            out.push(' ');
        }
        out.extend(w.chars().flat_map(char::to_lowercase));
    }
    out
}

/// A vendor's key: its words without company forms (`Palo Alto Networks` → `palo alto`).
pub fn vendor_key(vendor: &str) -> String {
    key_of(words(vendor).filter(|w| !listed(w, COMPANY)))
}

/// A product's key: its words without the vendor's name and generic words, and without a final
/// `os` after another word (`Junos OS` and `Junos` are the same product).
pub fn product_key(product: &str, vendor: &str) -> String {
    let is_vendor = |w: &str| words(vendor).any(|v| same_word(v, w));
    let mut w: Vec<&str> = words(product).skip_while(|x| is_vendor(x)).filter(|x| !listed(x, GENERIC)).collect();
    if w.len() > 1 && w.last().is_some_and(|l| same_word(l, "os")) {
        w.pop();
    }
    key_of(w)
}

/// A product's name as shown: without the vendor's name before it and generic words after it
/// (`Cisco IOS XE Web UI` → `IOS XE`).
fn display_name(part: &str, vendor: &str) -> String {
    let mut tokens: Vec<&str> = part.split_whitespace().collect();
    let key = |t: &str| t.chars().filter(|c| c.is_alphanumeric()).collect::<String>();
    while tokens.len() > 1 && words(vendor).any(|v| same_word(v, &key(tokens[0]))) {
        tokens.remove(0);
    }
    while tokens.len() > 1 && tokens.last().is_some_and(|t| listed(&key(t), GENERIC)) {
        tokens.pop();
    }
    tokens.join(" ")
}

/// The products a catalogue entry names: a list (`A, B, and C`, `A and B`, `A/B`) split into its
/// parts, a parenthesised short name (`(ASA)`) as a part of its own, and a bare suffix after a
/// one-word first part read as a variant of it (`IOS, XR, and XE` → IOS, IOS XR, IOS XE).
fn product_parts(product: &str) -> Vec<String> {
    let mut parts = Vec::new();
    let mut main = String::new();
    let mut rest = product;
    while let Some(open) = rest.find('(') {
        main.push_str(&rest[..open]);
        let Some(close) = rest[open..].find(')') else {
            rest = &rest[open + 1..];
            continue;
        };
        parts.push(rest[open + 1..open + close].trim().to_string());
        rest = &rest[open + close + 1..];
    }
    main.push_str(rest);
    let list: Vec<String> = main
        .replace(", and ", ",")
        .replace(" and ", ",")
        .split([',', '/'])
        .map(|p| p.trim().to_string())
        .filter(|p| !p.is_empty())
        .collect();
    let first_word = list.first().filter(|f| !f.contains(' ')).cloned();
    for (i, p) in list.iter().enumerate() {
        parts.push(p.clone());
        if let Some(first) = &first_word {
            let specific = words(p).filter(|w| !listed(w, GENERIC)).count();
            if i > 0 && specific == 1 && !p.eq_ignore_ascii_case(first) {
                parts.push(format!("{first} {p}"));
            }
        }
    }
    parts
}

impl KevProducts {
    pub fn new(entries: &[KevEntry]) -> KevProducts {
        let mut out = KevProducts::default();
        for e in entries {
            let vendor = vendor_key(&e.vendor);
            if vendor.is_empty() {
                continue;
            }
            for part in product_parts(&e.product) {
                let key = product_key(&part, &e.vendor);
                if key.is_empty() {
                    continue;
                }
                let name = display_name(&part, &e.vendor);
                let n = *out.keys.entry((vendor.clone(), key)).or_insert_with(|| {
                    out.groups.push(ProductGroup { vendor: e.vendor.clone(), product: name.clone(), cves: Vec::new() });
                    out.groups.len() - 1
                });
                // The shortest of the names the catalogue gives a product is shown (`IOS XE`,
                // not `Cisco IOS XE Web UI`).
                if name.len() < out.groups[n].product.len() {
                    out.groups[n].product = name;
                }
                let cves = &mut out.groups[n].cves;
                if !cves.contains(&e.cve) {
                    cves.push(e.cve.clone());
                }
            }
        }
        out
    }

    /// The group of a vendor's product, when the catalogue lists it.
    pub fn find(&self, vendor: &str, product: &str) -> Option<usize> {
        self.keys.get(&(vendor_key(vendor), product_key(product, vendor))).copied()
    }

    pub fn is_empty(&self) -> bool {
        self.groups.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(cve: &str, vendor: &str, product: &str) -> KevEntry {
        KevEntry {
            cve: cve.into(),
            vendor: vendor.into(),
            product: product.into(),
            name: String::new(),
            date_added: String::new(),
            ransomware: false,
        }
    }

    #[test]
    fn catalogue_lists_are_split_into_products() {
        assert_eq!(
            product_parts("IOS, XR, and XE Software"),
            ["IOS", "XR", "IOS XR", "XE Software", "IOS XE Software"]
        );
        assert_eq!(
            product_parts("Adaptive Security Appliance (ASA) and Firepower Threat Defense (FTD)"),
            ["ASA", "FTD", "Adaptive Security Appliance", "Firepower Threat Defense"]
        );
        assert_eq!(product_key("Cisco IOS XE Web UI", "Cisco"), "ios xe");
        assert_eq!(product_key("Junos OS", "Juniper"), "junos");
        assert_eq!(product_key("PAN-OS", "Palo Alto Networks"), "pan");
        assert_eq!(vendor_key("Palo Alto Networks, Inc."), "palo alto");
    }

    #[test]
    fn products_match_by_key_and_not_by_prefix() {
        let k = KevProducts::new(&[
            entry("CVE-1", "Cisco", "IOS and IOS XE Software"),
            entry("CVE-2", "Cisco", "IOS XE Web UI"),
            entry("CVE-3", "Cisco", "IOS XR"),
            entry("CVE-4", "Juniper", "Junos OS"),
        ]);
        let cves = |v: &str, p: &str| k.find(v, p).map(|g| k.groups[g].cves.clone()).unwrap_or_default();
        let name = |v: &str, p: &str| k.find(v, p).map(|g| k.groups[g].product.clone());
        assert_eq!(name("Cisco", "IOS XE").as_deref(), Some("IOS XE"));
        assert_eq!(cves("Cisco", "IOS XE"), ["CVE-1", "CVE-2"]);
        assert_eq!(cves("Cisco Systems", "Cisco IOS"), ["CVE-1"]);
        assert_eq!(cves("cisco", "ios xr"), ["CVE-3"]);
        assert_eq!(cves("Juniper Networks", "JUNOS"), ["CVE-4"]);
        assert!(cves("Cisco", "NX-OS").is_empty());
        assert!(cves("Juniper", "IOS XE").is_empty());
    }
}
