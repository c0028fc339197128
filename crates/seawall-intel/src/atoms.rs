//! Which patterns are atomic: one observation, no qualifier, and only `=`, `IN` or `ISSUBSET`
//! tests joined by `OR` on paths that name one observable (an address, a domain, a hash …).
//! Such a pattern is the same as "any of these values", so it goes into the IOC index instead
//! of the evaluator. Everything else is evaluated.

use seawall_stix::pattern::{CompareOp, Comparison, Literal, Observation, PathStep};

use crate::observable::{Observable, ObservableKind};

fn keys(steps: &[PathStep]) -> Option<Vec<&str>> {
    steps
        .iter()
        .map(|s| match s {
            PathStep::Key(k) => Some(k.as_str()),
            _ => None,
        })
        .collect()
}

/// The observable kind a path names, if it names one.
fn path_kind(object_type: &str, steps: &[PathStep]) -> Option<ObservableKind> {
    let keys = keys(steps)?;
    Some(match (object_type, keys.as_slice()) {
        ("ipv4-addr", ["value"]) => ObservableKind::Ipv4,
        ("ipv6-addr", ["value"]) => ObservableKind::Ipv6,
        ("network-traffic", ["src_ref" | "dst_ref", "value"]) => ObservableKind::Ipv4,
        ("domain-name", ["value"]) => ObservableKind::Domain,
        ("url", ["value"]) => ObservableKind::Url,
        ("email-addr", ["value"]) => ObservableKind::Email,
        ("email-message", ["from_ref" | "sender_ref", "value"]) => ObservableKind::Email,
        ("file", ["name"]) => ObservableKind::FileName,
        ("file", ["hashes", alg]) => match alg.to_ascii_uppercase().replace('_', "-").as_str() {
            "MD5" => ObservableKind::Md5,
            "SHA-1" | "SHA1" => ObservableKind::Sha1,
            "SHA-256" | "SHA256" => ObservableKind::Sha256,
            "SHA-512" | "SHA512" => ObservableKind::Sha512,
            _ => return None,
        },
        ("x-seawall-subscriber", ["msisdn"]) => ObservableKind::Phone,
        ("x-seawall-subscriber", ["imsi"]) => ObservableKind::Imsi,
        ("x-seawall-subscriber", ["imei"]) => ObservableKind::Imei,
        _ => return None,
    })
}

fn collect(c: &Comparison, out: &mut Vec<Observable>) -> Option<()> {
    match c {
        Comparison::Or(items) => items.iter().try_for_each(|i| collect(i, out)),
        Comparison::Test { path, negated: false, op, value, set, .. } => {
            let kind = path_kind(&path.object_type, &path.steps)?;
            let values: Vec<&Literal> = match op {
                CompareOp::Eq => vec![value],
                CompareOp::In => set.iter().collect(),
                CompareOp::IsSubset if matches!(kind, ObservableKind::Ipv4 | ObservableKind::Ipv6) => vec![value],
                _ => return None,
            };
            for v in values {
                let Literal::Str(s) = v else { return None };
                // Hashes, domains and e-mail compare without case here: they are the same
                // observable whatever the case (STIX `=` itself is case-sensitive).
                out.push(Observable::of_kind(kind, s)?);
            }
            Some(())
        }
        _ => None,
    }
}

/// The observables of an atomic pattern, or `None` when the pattern needs the evaluator.
pub fn atoms(pattern: &str) -> Option<Vec<Observable>> {
    let p = seawall_stix::parse_pattern_syntax(pattern).ok()?;
    atoms_of(&p.root)
}

pub fn atoms_of(root: &Observation) -> Option<Vec<Observable>> {
    let Observation::Simple(c) = root else { return None };
    let mut out = Vec::new();
    collect(c, &mut out)?;
    (!out.is_empty()).then_some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_atomic_from_complex() {
        let a = atoms("[ipv4-addr:value = '198.51.100.7' OR domain-name:value = 'Bad.Example']").unwrap();
        assert_eq!(a.len(), 2);
        assert_eq!(a[1].value, "bad.example");
        assert_eq!(atoms("[ipv4-addr:value = '223.166.0.0/15']").unwrap()[0].net.unwrap().prefix_len(), 15);
        assert_eq!(atoms("[file:hashes.'SHA-256' IN ('aa', 'bb')]"), None, "not hashes");
        assert!(atoms("[network-traffic:dst_ref.value ISSUBSET '10.0.0.0/8']").is_some());
        assert!(atoms("[ipv4-addr:value = '1.2.3.4'] FOLLOWEDBY [ipv4-addr:value = '1.2.3.5']").is_none());
        assert!(atoms("[ipv4-addr:value = '1.2.3.4'] WITHIN 5 SECONDS").is_none());
        assert!(atoms("[x509-certificate:issuer = 'CN=WEBMAIL' AND x509-certificate:serial_number = '1']").is_none());
        assert!(atoms("[ipv4-addr:value != '1.2.3.4']").is_none());
        assert!(atoms("[domain-name:value LIKE '%.example']").is_none());
    }
}
