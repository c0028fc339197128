use crate::SourceRef;

/// A record a reader could not parse, with its place and the reason.
#[derive(Debug, Clone)]
pub struct RejectedRecord {
    pub source: SourceRef,
    pub reason: String,
}

/// Accounting of one run: every record read is either parsed or rejected.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct Tally {
    pub files: u64,
    pub files_skipped: u64,
    pub records_read: u64,
    pub parsed: u64,
    pub rejected: u64,
}

impl Tally {
    pub fn merge(&mut self, other: &Tally) {
        self.files += other.files;
        self.files_skipped += other.files_skipped;
        self.records_read += other.records_read;
        self.parsed += other.parsed;
        self.rejected += other.rejected;
    }
}
