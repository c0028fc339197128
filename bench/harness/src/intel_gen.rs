//! Large generated IOC lists for bench/intel.sh: mixed observable kinds, addresses drawn from the
//! same ranges as the generated telecom logs (so some indicators hit), seeded.

use std::io::Write;

use crate::generate::Rng;

const TLDS: &[&str] = &["com", "net", "org", "info", "xyz", "top", "ru", "cn"];
const WORDS: &[&str] = &["update", "cdn", "mail", "secure", "login", "api", "static", "portal", "sync", "relay"];

/// Writes `count` indicators as CSV (`type,value,context`); returns the count.
pub fn write_iocs(out: &mut dyn Write, count: u64, seed: u64) -> std::io::Result<u64> {
    let mut r = Rng::new(seed);
    writeln!(out, "type,value,context")?;
    for i in 0..count {
        let roll = r.below(100);
        let (kind, value) = match roll {
            0..=59 => {
                ("ipv4-addr", format!("{}.{}.{}.{}", 10 + r.below(200), r.below(256), r.below(256), 1 + r.below(254)))
            }
            60..=64 => ("ipv4-addr", format!("{}.{}.{}.0/24", 10 + r.below(200), r.below(256), r.below(256))),
            65..=69 => {
                ("ipv6-addr", format!("2001:db8:{:x}:{:x}::{:x}", r.below(65536), r.below(65536), 1 + r.below(65535)))
            }
            70..=84 => {
                ("domain-name", format!("{}{}.{}{}.{}", r.pick(WORDS), r.below(1000), r.pick(WORDS), i, r.pick(TLDS)))
            }
            85..=89 => ("sha256", r.hex(64).to_ascii_lowercase()),
            90..=92 => ("md5", r.hex(32).to_ascii_lowercase()),
            93..=94 => ("sha1", r.hex(40).to_ascii_lowercase()),
            95..=97 => (
                "url",
                format!("http://{}{}.{}/{}/{}.php", r.pick(WORDS), i, r.pick(TLDS), r.pick(WORDS), r.below(100_000)),
            ),
            _ => ("email-addr", format!("{}{}@{}{}.{}", r.pick(WORDS), i, r.pick(WORDS), r.below(1000), r.pick(TLDS))),
        };
        writeln!(out, "{kind},{value},generated {i}")?;
    }
    Ok(count)
}
