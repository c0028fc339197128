//! `seawall demo`'s evidence: a week in the life of a fictional carrier (Northwind Telecom), with
//! a Salt-Typhoon-style intrusion woven in unless `benign` is set. The generator writes the logs
//! each system would write and knows nothing of Seawall's rules: what is found is found by the
//! readers and rules, not from labels left behind.

mod advisory;
mod background;
mod carrier;
mod rng;
mod story;

use std::collections::BTreeMap;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use jiff::{SignedDuration, Timestamp};

pub use carrier::Carrier;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scale {
    /// 24 devices, about 300,000 flow records: seconds to generate and hunt.
    Small,
    /// 48 devices, at least 10 million flow records (about 3 GB of CSV).
    Large,
}

#[derive(Debug, Clone)]
pub struct DemoOptions {
    pub seed: u64,
    pub scale: Scale,
    /// Leave the intrusion out.
    pub benign: bool,
}

/// What was written.
#[derive(Debug, Default)]
pub struct Manifest {
    pub evidence_dir: PathBuf,
    pub watchlist: PathBuf,
    pub policy: PathBuf,
    /// The partner's threat intelligence (a STIX 2.1 bundle).
    pub intel: PathBuf,
    pub files: usize,
    pub records: u64,
    pub flow_records: u64,
}

#[derive(Debug, thiserror::Error)]
pub enum DemoError {
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

/// The first day of the week the evidence covers (a Monday).
pub const START: &str = "2024-09-30T00:00:00Z";
pub const DAYS: i64 = 7;

/// Records of the small text logs, gathered then written in time order.
#[derive(Default)]
pub(crate) struct Logs {
    files: BTreeMap<String, Vec<(Timestamp, String)>>,
}

impl Logs {
    pub fn push(&mut self, file: &str, t: Timestamp, line: String) {
        self.files.entry(file.to_string()).or_default().push((t, line));
    }
}

/// Flow records of the intrusion, merged into the background flows hour by hour.
#[derive(Default)]
pub(crate) struct StoryFlows {
    pub rows: Vec<(Timestamp, String)>,
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> DemoError + '_ {
    move |source| DemoError::Io { path: path.to_path_buf(), source }
}

pub fn start() -> Timestamp {
    START.parse().unwrap_or(Timestamp::UNIX_EPOCH)
}

/// Writes the carrier's evidence under `out/evidence` and its site files under `out/site`.
pub fn generate(out: &Path, opts: &DemoOptions) -> Result<Manifest, DemoError> {
    let mut rng = rng::Rng::new(opts.seed);
    let per_role = match opts.scale {
        Scale::Small => 8,
        Scale::Large => 16,
    };
    let carrier = Carrier::new(&mut rng, per_role);
    let evidence = out.join("evidence");
    let site = out.join("site");
    for d in ["syslog", "aaa", "flows", "li", "cdr", "hosts"] {
        std::fs::create_dir_all(evidence.join(d)).map_err(io(&evidence))?;
    }
    std::fs::create_dir_all(&site).map_err(io(&site))?;
    let mut m = Manifest {
        evidence_dir: evidence.clone(),
        watchlist: site.join("watchlist.csv"),
        policy: site.join("policy.yml"),
        intel: site.join("partner-advisory.json"),
        ..Manifest::default()
    };
    std::fs::write(&m.intel, advisory::bundle_json()).map_err(io(&m.intel))?;
    std::fs::write(&m.watchlist, carrier.watchlist_csv()).map_err(io(&m.watchlist))?;
    std::fs::write(&m.policy, carrier.policy_yaml()).map_err(io(&m.policy))?;

    let mut logs = Logs::default();
    let mut story_flows = StoryFlows::default();
    // The intrusion decides when edge-rtr-03 stops logging (the intruder turns forwarding off).
    let silenced =
        if opts.benign { None } else { Some(story::intrusion(&carrier, &mut rng, &mut logs, &mut story_flows)) };
    background::text_logs(&carrier, &mut rng, &mut logs, silenced);

    let end_of_week = start() + SignedDuration::from_hours(24 * DAYS);
    for (rel, mut lines) in logs.files {
        lines.sort_by_key(|(t, _)| *t);
        let path = evidence.join(&rel);
        let mut w = BufWriter::new(std::fs::File::create(&path).map_err(io(&path))?);
        if rel.ends_with(".csv") {
            writeln!(w, "{}", carrier::CDR_HEADER).map_err(io(&path))?;
        }
        for (_, l) in &lines {
            writeln!(w, "{l}").map_err(io(&path))?;
        }
        let file = w.into_inner().map_err(|e| DemoError::Io { path: path.clone(), source: e.into_error() })?;
        // Collected logs carry the time the collector last wrote them: the end of the week. Readers
        // take the year of year-less syslog times from it.
        let _ = file.set_modified(std::time::SystemTime::from(end_of_week));
        m.files += 1;
        m.records += lines.len() as u64;
    }
    story_flows.rows.sort_by_key(|(t, _)| *t);
    let flows_per_hour = match opts.scale {
        Scale::Small => 1_800,
        Scale::Large => 60_000,
    };
    for day in 0..DAYS {
        let day_start = start() + SignedDuration::from_hours(24 * day);
        let name = format!("flows/nfcapd-{}.csv", day_start.to_zoned(jiff::tz::TimeZone::UTC).strftime("%Y%m%d"));
        let path = evidence.join(&name);
        let mut w = BufWriter::with_capacity(1 << 20, std::fs::File::create(&path).map_err(io(&path))?);
        writeln!(w, "{}", carrier::NFDUMP_HEADER).map_err(io(&path))?;
        let (mut flows, mut bytes, mut packets) = (0u64, 0u64, 0u64);
        for hour in 0..24 {
            let hour_start = day_start + SignedDuration::from_hours(hour);
            let hour_end = hour_start + SignedDuration::from_hours(1);
            let mut rows = background::flows(&carrier, &mut rng, hour_start, flows_per_hour, silenced);
            rows.extend(story_flows.rows.iter().filter(|(t, _)| *t >= hour_start && *t < hour_end).cloned());
            rows.sort_by_key(|(t, _)| *t);
            for (_, r) in &rows {
                writeln!(w, "{r}").map_err(io(&path))?;
                let cols: Vec<&str> = r.splitn(14, ',').collect();
                packets += cols.get(11).and_then(|c| c.parse::<u64>().ok()).unwrap_or(0);
                bytes += cols.get(12).and_then(|c| c.parse::<u64>().ok()).unwrap_or(0);
            }
            flows += rows.len() as u64;
        }
        // nfdump's own trailer after the records.
        let secs = 86_400;
        writeln!(w, "Summary\nflows,bytes,packets,avg_bps,avg_pps,avg_bpp").map_err(io(&path))?;
        writeln!(w, "{flows},{bytes},{packets},{},{},{}", bytes * 8 / secs, packets / secs, bytes / packets.max(1))
            .map_err(io(&path))?;
        w.flush().map_err(io(&path))?;
        m.files += 1;
        m.records += flows;
        m.flow_records += flows;
    }
    Ok(m)
}
