//! The watchlist: subscriber identifiers that need protecting (officials, campaign staff), with
//! a label each. CSV, one per line: `type,value,label` (header optional), where `type` is
//! `msisdn`, `imsi`, `imei`, `sip_uri`, `ip` or `email`; `#` starts a comment.

use crate::SiteError;

#[derive(Debug, Clone, PartialEq)]
pub struct WatchlistEntry {
    pub kind: String,
    pub value: String,
    pub label: String,
}

#[derive(Debug, Clone, Default)]
pub struct Watchlist {
    pub entries: Vec<WatchlistEntry>,
}

const KINDS: &[&str] = &["msisdn", "imsi", "imei", "sip_uri", "ip", "email", "account"];

impl Watchlist {
    pub fn load(path: &std::path::Path) -> Result<Watchlist, SiteError> {
        let file = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|source| SiteError::Io { file: file.clone(), source })?;
        Watchlist::parse(&text, &file)
    }

    pub fn parse(text: &str, file: &str) -> Result<Watchlist, SiteError> {
        let mut entries = Vec::new();
        for (i, raw) in text.lines().enumerate() {
            let line = raw.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let cols: Vec<&str> = line.splitn(3, ',').map(str::trim).collect();
            let kind = cols[0].to_ascii_lowercase();
            if i == 0 && kind == "type" {
                continue; // header
            }
            let invalid = |message: String| SiteError::Invalid { file: file.to_string(), line: i + 1, message };
            if !KINDS.contains(&kind.as_str()) {
                return Err(invalid(format!(
                    "unknown identifier type '{}' (expected one of {})",
                    cols[0],
                    KINDS.join(", ")
                )));
            }
            let value = cols.get(1).copied().unwrap_or("");
            let value = seawall_core::normalise_subscriber(&kind, value);
            if value.is_empty() {
                return Err(invalid("empty identifier".into()));
            }
            let label = cols.get(2).copied().unwrap_or("").to_string();
            entries.push(WatchlistEntry { kind, value, label });
        }
        Ok(Watchlist { entries })
    }

    /// Identifiers as events carry them in `seawall.subscribers`: `type:value`.
    pub fn identifiers(&self) -> Vec<String> {
        self.entries.iter().map(|e| format!("{}:{}", e.kind, e.value)).collect()
    }

    pub fn label(&self, identifier: &str) -> Option<&str> {
        self.entries.iter().find(|e| format!("{}:{}", e.kind, e.value) == identifier).map(|e| e.label.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_and_normalises() {
        let w = Watchlist::parse(
            "type,value,label\nmsisdn,+1 555-010-0001,Campaign chair\n# c\nimsi,310150123456789,\n",
            "w.csv",
        )
        .unwrap();
        assert_eq!(w.identifiers(), vec!["msisdn:15550100001", "imsi:310150123456789"]);
        assert_eq!(w.label("msisdn:15550100001"), Some("Campaign chair"));
        let e = Watchlist::parse("msisdn,1\nphone,2\n", "w.csv").unwrap_err();
        assert!(e.to_string().contains("w.csv:2"), "{e}");
    }
}
