//! Evidence readers: find files, undo compression, recognise the format from content and turn
//! each record into an [`Event`]. Nothing here knows about detection.

mod batch;
mod evtx_reader;
mod input;
mod json;
mod nfcapd;
pub mod text;
mod timestamp;
mod walk;
mod x1;

use std::path::{Path, PathBuf};
use std::sync::Arc;

use seawall_core::{Event, RejectedRecord, Tally};

pub use input::{open_evidence, Decoded};
pub use timestamp::{event_timestamp, parse_timestamp};
pub use walk::walk_paths;

/// Evidence formats this crate recognises.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Format {
    Evtx,
    Json,
    Text(text::TextFormat),
    /// ETSI TS 103 221-1 X1 messages (lawful-interception provisioning).
    X1,
    /// nfdump's binary flow files.
    Nfcapd,
}

impl Format {
    pub fn name(self) -> &'static str {
        match self {
            Format::Evtx => "evtx",
            Format::Json => "json",
            Format::Text(t) => t.name(),
            Format::X1 => "etsi-x1",
            Format::Nfcapd => "nfcapd",
        }
    }
}

/// Knobs for reading.
#[derive(Debug, Clone)]
pub struct ReadOptions {
    /// Largest decompressed size accepted for one compressed file; beyond it the file is an error
    /// (a decompression bomb must not take the machine down).
    pub max_decompressed: u64,
    /// Events handed to the sink at a time.
    pub batch_size: usize,
    /// Rejected records kept with their reason per file (all are counted).
    pub max_reported_rejects: usize,
    /// How times without a year or zone are completed (text logs).
    pub time: text::clock::TimeRules,
}

impl Default for ReadOptions {
    fn default() -> Self {
        ReadOptions {
            max_decompressed: 8 << 30,
            batch_size: 128,
            max_reported_rejects: 100,
            time: text::clock::TimeRules::default(),
        }
    }
}

/// What reading one file produced, besides its events.
#[derive(Debug, Default)]
pub struct FileReport {
    pub format: Option<Format>,
    pub tally: Tally,
    /// The first rejected records with place and reason (`tally.rejected` counts all).
    pub rejected: Vec<RejectedRecord>,
    /// A fatal problem that stopped reading the file part-way (records before it still count).
    pub error: Option<ReadError>,
}

impl FileReport {
    /// Counts and keeps a rejected record of a line-oriented file.
    fn reject_line(&mut self, opts: &ReadOptions, file: &Arc<str>, line: u64, reason: impl Into<String>) {
        let source = seawall_core::SourceRef { file: file.clone(), place: seawall_core::Place::Line(line) };
        self.reject(opts.max_reported_rejects, RejectedRecord { source, reason: reason.into() });
    }

    fn reject(&mut self, limit: usize, rec: RejectedRecord) {
        self.tally.records_read += 1;
        self.tally.rejected += 1;
        if self.rejected.len() < limit {
            self.rejected.push(rec);
        }
    }
}

/// Errors that stop reading a whole file.
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{path}: decompressed size exceeds the limit of {limit} bytes (possible decompression bomb)")]
    TooLarge { path: PathBuf, limit: u64 },
    #[error("{path}: {message}")]
    Format { path: PathBuf, message: String },
}

/// Recognises the format from the first bytes of the (decompressed) content.
///
/// ```
/// use seawall_readers::{sniff, Format};
/// assert_eq!(sniff(b"{\"a\": 1}"), Some(Format::Json));
/// assert_eq!(sniff(b"  [\n {\"a\": 1}]"), Some(Format::Json));
/// assert_eq!(sniff(b"[Sun Dec 04 04:47:44 2005] [notice] ok"), None);
/// assert_eq!(sniff(b"ElfFile\0..."), Some(Format::Evtx));
/// ```
pub fn sniff(head: &[u8]) -> Option<Format> {
    if head.starts_with(b"ElfFile\0") {
        return Some(Format::Evtx);
    }
    let body = head.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(head);
    let mut bytes = body.iter().copied().filter(|b| !b.is_ascii_whitespace());
    // A record object starts `{"` (or is `{}`); an array of records starts `[{` (or is `[]`).
    // Text logs that merely begin with a bracket (`[Sun Dec 04 ...] [notice]`) are not JSON.
    match (bytes.next(), bytes.next()) {
        (Some(b'{'), Some(b'"') | Some(b'}')) => Some(Format::Json),
        (Some(b'['), Some(b'{') | Some(b']')) => Some(Format::Json),
        _ => None,
    }
}

/// Reads one evidence file, handing events to `sink` in batches (possibly from several threads
/// at once). Files of no known format come back with `format: None` and no records.
pub fn read_file<F>(path: &Path, opts: &ReadOptions, sink: &F) -> FileReport
where
    F: Fn(Vec<Event>) + Sync,
{
    let mut report = FileReport::default();
    let name: Arc<str> = Arc::from(path.to_string_lossy().as_ref());
    let decoded = match open_evidence(path, opts.max_decompressed) {
        Ok(d) => d,
        Err(e) => {
            report.error = Some(e);
            return report;
        }
    };
    let x1 = || {
        if nfcapd::is_nfcapd(&decoded.head) {
            return Some(Format::Nfcapd);
        }
        x1::is_x1(&decoded.head).then_some(Format::X1)
    };
    let Some(format) =
        sniff(&decoded.head).or_else(x1).or_else(|| text::sniff_text(&decoded.head, &opts.time).map(Format::Text))
    else {
        return report;
    };
    report.format = Some(format);
    report.tally.files = 1;
    let result = match format {
        Format::Json => json::read_json(decoded, &name, opts, sink, &mut report),
        Format::Evtx => evtx_reader::read_evtx(decoded, &name, opts, sink, &mut report),
        Format::Text(t) => text::read_text(decoded, t, &name, opts, sink, &mut report),
        Format::X1 => x1::read_x1(decoded, &name, opts, sink, &mut report),
        Format::Nfcapd => nfcapd::read_nfcapd(decoded, &name, opts, sink, &mut report),
    };
    if let Err(e) = result {
        report.error = Some(e);
    }
    report
}
