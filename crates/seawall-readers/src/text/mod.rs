//! Line-oriented text evidence: syslog from servers and network devices, Cisco `show logging`
//! captures, Zeek TSV logs, nfdump CSV flows and timestamped text logs. Lines are read in
//! blocks; a short sequential pass handles headers and continuation lines, then records are
//! parsed in parallel.

mod aaa;
mod audit;
mod bytes;
pub mod clock;
pub(crate) mod flows;
mod kv;
mod linux;
mod network;
pub mod record;
mod syslog;
mod syslog_event;
mod zeek;

use std::borrow::Cow;
use std::sync::Arc;

use seawall_core::{Event, EventKind, Place, SourceRef, Value};

use crate::input::map_limit;
use crate::{Decoded, FileReport, ReadError, ReadOptions};
use clock::{parse_time, TextTime, TimeRules};
use record::Record;

pub use syslog::{parse_syslog, Syslog};

const BLOCK: usize = 4 << 20;
/// A line longer than this is damage, not a record.
const MAX_LINE: usize = 1 << 20;

/// Compiles one of the readers' own patterns (constants in the source, covered by their tests).
pub(crate) fn builtin_regex(p: &str) -> regex::Regex {
    match regex::Regex::new(p) {
        Ok(r) => r,
        Err(e) => panic!("built-in pattern {p:?} is invalid: {e}"),
    }
}

/// Text formats, told apart by content.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TextFormat {
    /// Syslog lines (RFC 3164 / 5424 and network-device variants).
    Syslog,
    /// Output of Cisco `show logging`: a status preamble, then the log buffer.
    ShowLogging,
    /// Zeek TSV log with `#fields` / `#types` headers.
    ZeekTsv,
    /// `nfdump -o csv` flow records.
    NfdumpCsv,
    /// TACACS+ accounting (`tac_plus` / `tac_plus-ng` accounting files).
    TacacsAcct,
    /// FreeRADIUS `detail` accounting files.
    RadiusDetail,
    /// LI administration or call-record query audit in Seawall's CSV schema.
    AuditCsv,
    /// Lines that start with a time (`[Sun Dec 04 04:47:44 2005] [notice] …`,
    /// `2016-09-28 04:30:30, Info …`).
    Stamped,
}

impl TextFormat {
    pub fn name(self) -> &'static str {
        match self {
            TextFormat::Syslog => "syslog",
            TextFormat::ShowLogging => "cisco-show-logging",
            TextFormat::ZeekTsv => "zeek-tsv",
            TextFormat::NfdumpCsv => "nfdump-csv",
            TextFormat::TacacsAcct => "tacacs-accounting",
            TextFormat::RadiusDetail => "radius-detail",
            TextFormat::AuditCsv => "audit-csv",
            TextFormat::Stamped => "text",
        }
    }
}

/// Recognises a text format from the first lines of a file.
pub fn sniff_text(head: &[u8], rules: &TimeRules) -> Option<TextFormat> {
    let text = String::from_utf8_lossy(&head[..head.len().min(64 * 1024)]);
    let mut lines = text.lines().map(|l| l.trim_end_matches('\r')).filter(|l| !l.trim().is_empty());
    // Zeek's test baselines open with a `### BTest baseline …` banner.
    let first = lines.find(|l| !l.starts_with("### "))?;
    let first = first.strip_prefix('\u{feff}').unwrap_or(first);
    if first.starts_with("#separator") || is_plain_zeek_header(first) {
        return Some(TextFormat::ZeekTsv);
    }
    if first.starts_with("ts,te,td,sa,da,sp,dp,pr") {
        return Some(TextFormat::NfdumpCsv);
    }
    if audit::is_audit_header(first) {
        return Some(TextFormat::AuditCsv);
    }
    if first.starts_with("Syslog logging:") {
        return Some(TextFormat::ShowLogging);
    }
    // Judge by the first few lines: most must have a syslog header with a time (or a Cisco
    // uptime), or at least start with a time.
    let sample: Vec<&str> = std::iter::once(first).chain(lines.take(7)).collect();
    if sample.iter().filter(|l| aaa::is_tacacs_line(l)).count() * 2 > sample.len() {
        return Some(TextFormat::TacacsAcct);
    }
    if parse_time(first.trim(), rules).is_some_and(|t| t.len == first.trim().len())
        && sample.get(1).is_some_and(|l| l.starts_with(['\t', ' ']) && l.contains(" = "))
    {
        return Some(TextFormat::RadiusDetail);
    }
    let syslog = sample.iter().filter(|l| is_syslog_line(l, rules)).count();
    if syslog * 2 > sample.len() {
        return Some(TextFormat::Syslog);
    }
    let stamped = sample.iter().filter(|l| stamped_time(l, rules).is_some()).count();
    (stamped * 2 > sample.len()).then_some(TextFormat::Stamped)
}

/// A Zeek header row without `#` (`zeek-cut -c`): tab-separated names with Zeek's `uid`.
fn is_plain_zeek_header(line: &str) -> bool {
    line.starts_with("uid\t") || (line.starts_with("ts\t") && line.contains("\tuid\t"))
}

fn is_syslog_line(line: &str, rules: &TimeRules) -> bool {
    match parse_syslog(line, rules) {
        Some(s) => {
            s.priority.is_some()
                || ((s.time.is_some() || s.uptime.is_some())
                    && (s.message.starts_with('%') || s.hostname.is_some_and(|h| h.len() > 1 && !h.ends_with(','))))
        }
        None => false,
    }
}

/// The time a timestamped text line starts with (inside `[…]` or not), and where the rest begins.
fn stamped_time(line: &str, rules: &TimeRules) -> Option<(TextTime, usize)> {
    let (body, offset) = match line.strip_prefix('[') {
        Some(b) => (b, 1),
        None => (line, 0),
    };
    let t = parse_time(body, rules)?;
    let mut end = offset + t.len;
    let rest = &line[end..];
    let skipped = rest.len() - rest.trim_start_matches([']', ',', ':', ' ', '\t']).len();
    end += skipped;
    Some((t, end))
}

/// State carried from line to line (headers of Zeek and CSV files).
#[derive(Clone, Default)]
pub(crate) enum Header {
    #[default]
    None,
    Zeek(Arc<zeek::ZeekHeader>),
    Csv(Arc<Vec<String>>),
    Flow(Arc<flows::FlowColumns>),
}

/// One record to parse: its first line number, text and the header in force.
struct Pending<'a> {
    line: u64,
    text: Cow<'a, str>,
    header: Header,
    /// The cut-off tail of a message at the start of a wrapped log buffer.
    fragment: bool,
}

/// Sequential state of a file being read.
struct Reader {
    format: TextFormat,
    header: Header,
    zeek: zeek::ZeekHeaderBuilder,
    /// `show logging`: still in the status preamble.
    preamble: bool,
    /// nfdump CSV: past the `Summary` trailer.
    trailer: bool,
    /// `show logging`: just past the `Log Buffer` line.
    buffer_start: bool,
}

pub(crate) fn read_text<F>(
    mut input: Decoded,
    format: TextFormat,
    name: &Arc<str>,
    opts: &ReadOptions,
    sink: &F,
    report: &mut FileReport,
) -> Result<(), ReadError>
where
    F: Fn(Vec<Event>) + Sync,
{
    let path = input.path.clone();
    let limit = input.limit;
    let mut rules = opts.time.clone();
    if rules.reference.is_none() {
        rules.reference =
            std::fs::metadata(&path).and_then(|m| m.modified()).ok().and_then(|t| jiff::Timestamp::try_from(t).ok());
    }
    let mut reader = Reader {
        format,
        header: Header::None,
        zeek: zeek::ZeekHeaderBuilder::for_file(name),
        preamble: format == TextFormat::ShowLogging,
        trailer: false,
        buffer_start: false,
    };
    let mut buf: Vec<u8> = Vec::with_capacity(BLOCK * 2);
    let mut eof = false;
    let mut line_no: u64 = 1;
    loop {
        if !eof && buf.len() < BLOCK {
            eof = crate::json::fill(&mut input.reader, &mut buf, BLOCK).map_err(|e| map_limit(&path, e, limit))?;
        }
        if buf.is_empty() {
            break;
        }
        let end = if eof {
            buf.len()
        } else {
            match memchr::memrchr(b'\n', &buf) {
                Some(p) => p + 1,
                None if buf.len() > MAX_LINE => buf.len(),
                None => {
                    let want = buf.len() + BLOCK;
                    eof =
                        crate::json::fill(&mut input.reader, &mut buf, want).map_err(|e| map_limit(&path, e, limit))?;
                    continue;
                }
            }
        };
        let lines = crate::json::count_lines(&buf[..end]);
        let pending = reader.prepare(&buf[..end], line_no, name, opts, report, &rules);
        parse_pending(pending, &reader, name, opts, sink, report, &rules);
        line_no += lines;
        buf.drain(..end);
        if eof && buf.is_empty() {
            break;
        }
    }
    Ok(())
}

impl Reader {
    /// The sequential pass: splits lines, decodes them, follows headers and joins continuation
    /// lines, leaving records to parse.
    fn prepare<'b>(
        &mut self,
        block: &'b [u8],
        first_line: u64,
        name: &Arc<str>,
        opts: &ReadOptions,
        report: &mut FileReport,
        rules: &TimeRules,
    ) -> Vec<Pending<'b>> {
        let mut out: Vec<Pending<'b>> = Vec::new();
        let mut start = 0;
        let ends = memchr::memchr_iter(b'\n', block).chain(std::iter::once(block.len()));
        for (n, nl) in (first_line..).zip(ends) {
            if start > block.len() {
                break;
            }
            let mut raw = &block[start..nl];
            start = nl + 1;
            if let Some(s) = raw.strip_suffix(b"\r") {
                raw = s;
            }
            if n == 1 {
                raw = raw.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(raw);
            }
            if raw.iter().all(|b| b.is_ascii_whitespace()) {
                continue;
            }
            let text = match std::str::from_utf8(raw) {
                Ok(t) => Cow::Borrowed(t),
                Err(e) => {
                    // Text logs are often Latin-1; keep the record, name the damage.
                    if self.format == TextFormat::ZeekTsv || self.format == TextFormat::NfdumpCsv {
                        report.reject_line(opts, name, n, format!("invalid UTF-8 at byte {}", e.valid_up_to() + 1));
                        continue;
                    }
                    Cow::Owned(String::from_utf8_lossy(raw).into_owned())
                }
            };
            match self.format {
                TextFormat::ZeekTsv => {
                    if text.starts_with("### ") {
                        continue; // test-baseline banner, not part of the log
                    }
                    if text.starts_with('#') {
                        if let Some(h) = self.zeek.directive(&text) {
                            self.header = Header::Zeek(h);
                        }
                        continue;
                    }
                    if matches!(self.header, Header::None) && is_plain_zeek_header(&text) {
                        self.header = Header::Zeek(self.zeek.plain_header(&text));
                        continue;
                    }
                    if matches!(self.header, Header::None) {
                        report.reject_line(opts, name, n, "Zeek record before any #fields header");
                        continue;
                    }
                }
                TextFormat::NfdumpCsv => {
                    if self.trailer {
                        continue;
                    }
                    if text.starts_with("ts,te,") {
                        let names: Vec<String> = text.split(',').map(str::to_string).collect();
                        self.header = Header::Flow(Arc::new(flows::FlowColumns::new(&names)));
                        continue;
                    }
                    if text.trim() == "Summary" {
                        // nfdump's statistics trailer: totals, not flow records.
                        self.trailer = true;
                        continue;
                    }
                }
                TextFormat::ShowLogging => {
                    let starts_record = parse_syslog(&text, rules).is_some_and(|s| {
                        s.time.is_some() || s.uptime.is_some() || s.sequence.is_some() || s.message.starts_with('%')
                    });
                    if self.preamble {
                        if text.starts_with("Log Buffer") {
                            // The buffer is a ring: its first line may be the tail of a message
                            // whose start was overwritten.
                            self.preamble = false;
                            self.buffer_start = true;
                            continue;
                        }
                        if !starts_record {
                            continue;
                        }
                        self.preamble = false;
                    }
                    if !starts_record && std::mem::take(&mut self.buffer_start) {
                        out.push(Pending { line: n, text, header: Header::None, fragment: true });
                        continue;
                    }
                    self.buffer_start = false;
                    if !starts_record {
                        if let Some(prev) = out.last_mut() {
                            // A message that runs over several lines (`%SYS-5-RESTART: System
                            // restarted --` followed by the version banner).
                            let joined = prev.text.to_mut();
                            joined.push('\n');
                            joined.push_str(&text);
                            continue;
                        }
                    }
                }
                TextFormat::AuditCsv => {
                    if matches!(self.header, Header::None) {
                        let cols = match audit::split_csv(&text) {
                            Ok(c) => c.into_iter().map(|c| c.trim().to_string()).collect(),
                            Err(e) => {
                                report.reject_line(opts, name, n, format!("audit CSV header: {e}"));
                                continue;
                            }
                        };
                        self.header = Header::Csv(Arc::new(cols));
                        continue;
                    }
                }
                TextFormat::RadiusDetail => {
                    if text.starts_with(['\t', ' ']) {
                        if let Some(prev) = out.last_mut() {
                            let joined = prev.text.to_mut();
                            joined.push('\n');
                            joined.push_str(&text);
                            continue;
                        }
                    }
                }
                TextFormat::Syslog | TextFormat::Stamped | TextFormat::TacacsAcct => {}
            }
            out.push(Pending { line: n, text, header: self.header.clone(), fragment: false });
        }
        out
    }
}

fn parse_pending<F>(
    pending: Vec<Pending<'_>>,
    reader: &Reader,
    name: &Arc<str>,
    opts: &ReadOptions,
    sink: &F,
    report: &mut FileReport,
    rules: &TimeRules,
) where
    F: Fn(Vec<Event>) + Sync,
{
    let format = reader.format;
    let kind = match format {
        TextFormat::Syslog | TextFormat::ShowLogging | TextFormat::TacacsAcct | TextFormat::RadiusDetail => {
            EventKind::Syslog
        }
        TextFormat::ZeekTsv => EventKind::Zeek,
        TextFormat::NfdumpCsv => EventKind::Flow,
        TextFormat::AuditCsv => EventKind::Audit,
        TextFormat::Stamped => EventKind::Text,
    };
    crate::batch::parse_in_batches(&pending, name, opts, sink, report, |p, out| {
        let parsed = match format {
            _ if p.fragment => Ok(syslog_event::fragment_record(&p.text)),
            TextFormat::Syslog | TextFormat::ShowLogging => syslog_event::syslog_record(&p.text, rules),
            TextFormat::Stamped => stamped_record(&p.text, rules),
            TextFormat::TacacsAcct => aaa::tacacs_record(&p.text, rules),
            TextFormat::RadiusDetail => aaa::radius_detail_record(&p.text, rules),
            TextFormat::AuditCsv => match &p.header {
                Header::Csv(h) => audit::csv_record(h, &p.text),
                _ => Err("audit row before the CSV header".to_string()),
            },
            TextFormat::ZeekTsv => match &p.header {
                Header::Zeek(h) => zeek::record(h, &p.text),
                _ => Err("no Zeek header".to_string()),
            },
            TextFormat::NfdumpCsv => match &p.header {
                Header::Flow(h) => flows::nfdump_csv(h, &p.text),
                _ => Err("flow record before the CSV header".to_string()),
            },
        };
        let (fields, timestamp) = parsed.map_err(|why| (p.line, why))?;
        out.push(Event {
            timestamp,
            source: SourceRef { file: name.clone(), place: Place::Line(p.line) },
            kind,
            fields,
        });
        Ok(())
    });
}

/// Adds ECS fields to JSON records of known producers (Zeek, Suricata EVE) that do not carry
/// them; other records are left as they are.
pub(crate) fn normalise_json(fields: &mut Value, file: &str) {
    let Value::Object(map) = fields else { return };
    if map.contains_key("event") && map.get("event").is_some_and(|e| e.get("dataset").is_some()) {
        return;
    }
    if map.contains_key("event_time") || map.contains_key("schema") {
        let mut r = Record { fields: std::mem::take(map) };
        audit::normalise(&mut r);
        *fields = r.into_value();
        return;
    }
    let zeek = map.contains_key("ts")
        && (map.contains_key("uid") || map.contains_key("id.orig_h") || map.contains_key("_path"));
    let suricata =
        !zeek && map.contains_key("event_type") && (map.contains_key("src_ip") || map.contains_key("flow_id"));
    if !zeek && !suricata {
        return;
    }
    let mut r = Record { fields: std::mem::take(map) };
    if zeek {
        let path = r.fields.get("_path").and_then(Value::as_str).map(str::to_string).unwrap_or_else(|| {
            let base = file.rsplit(['/', '\\']).next().unwrap_or(file);
            base.split('.').next().unwrap_or("").to_string()
        });
        zeek::normalise(&mut r, &path);
    } else {
        suricata_fields(&mut r);
    }
    *fields = r.into_value();
}

fn suricata_fields(r: &mut Record) {
    r.put("event", "dataset", "suricata.eve");
    r.put("event", "module", "suricata");
    r.copy("src_ip", "source.ip");
    r.copy("src_port", "source.port");
    r.copy("dest_ip", "destination.ip");
    r.copy("dest_port", "destination.port");
    r.copy("event_type", "event.action");
    r.copy("app_proto", "network.protocol");
    r.copy("alert.signature", "rule.name");
    r.copy("alert.signature_id", "rule.id");
    r.copy("dns.rrname", "dns.question.name");
    r.copy("http.hostname", "url.domain");
    r.copy("tls.sni", "tls.client.server_name");
    if let Some(p) = r.get("proto").and_then(Value::as_str).map(str::to_ascii_lowercase) {
        r.put("network", "transport", p);
    }
    let bytes = ["flow.bytes_toserver", "flow.bytes_toclient"]
        .iter()
        .filter_map(|k| r.get(k).and_then(Value::as_u64))
        .sum::<u64>();
    if bytes > 0 {
        r.put("network", "bytes", bytes);
    }
}

pub(super) type Parsed = Result<(Value, Option<jiff::Timestamp>), String>;

fn note_time(r: &mut Record, t: &TextTime) {
    if t.inferred_year || t.inferred_zone {
        let mut inferred = Vec::with_capacity(2);
        if t.inferred_year {
            inferred.push(Value::from("year"));
        }
        if t.inferred_zone {
            inferred.push(Value::from("timezone"));
        }
        r.put("seawall", "time_inferred", Value::Array(inferred));
    }
    if let Some(flag) = t.clock_flag {
        r.put("cisco", "clock", if flag == '*' { "unsynchronized" } else { "sync-lost" });
    }
}

fn stamped_record(line: &str, rules: &TimeRules) -> Parsed {
    let (t, end) = stamped_time(line, rules).ok_or("line does not start with a time")?;
    let mut r = Record::default();
    let rest = &line[end..];
    // `[level] message` (Apache) or `Level  Component  message` (Windows CBS).
    if let Some(after) = rest.strip_prefix('[') {
        if let Some((level, msg)) = after.split_once(']') {
            r.put("log", "level", level);
            r.put_top("message", msg.trim_start());
        } else {
            r.put_top("message", rest);
        }
    } else {
        r.put_top("message", rest);
    }
    r.put("event", "dataset", "text");
    note_time(&mut r, &t);
    Ok((r.into_value(), Some(t.ts)))
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::text::clock::test_rules as rules;

    #[test]
    fn sniffs_text_formats() {
        let r = rules();
        assert_eq!(
            sniff_text(b"Jun 14 15:16:01 combo sshd(pam_unix)[19939]: check pass\n", &r),
            Some(TextFormat::Syslog)
        );
        assert_eq!(
            sniff_text(b"<189>2360957: Jan  6 2022 20:52:12.861: %SYS-5-CONFIG_I: x\n", &r),
            Some(TextFormat::Syslog)
        );
        assert_eq!(sniff_text(b"[Sun Dec 04 04:47:44 2005] [notice] ok\n", &r), Some(TextFormat::Stamped));
        assert_eq!(sniff_text(b"2016-09-28 04:30:30, Info   CBS   Loaded\n", &r), Some(TextFormat::Stamped));
        assert_eq!(sniff_text(b"#separator \\x09\n#fields\tts\n", &r), Some(TextFormat::ZeekTsv));
        assert_eq!(sniff_text(b"ts,te,td,sa,da,sp,dp,pr,flg\n", &r), Some(TextFormat::NfdumpCsv));
        assert_eq!(sniff_text(b"Syslog logging: enabled\n", &r), Some(TextFormat::ShowLogging));
        assert_eq!(sniff_text(b"just some words\nand more\n", &r), None);
    }

    #[test]
    fn json_from_zeek_and_suricata_gets_ecs_fields() {
        let mut z = seawall_core::json!({"ts": 1521911121.5, "uid": "C1", "id.orig_h": "10.0.0.1", "id.orig_p": 5,
            "id.resp_h": "10.0.0.2", "id.resp_p": 22, "proto": "tcp"});
        normalise_json(&mut z, "/logs/ssh.json.gz");
        assert_eq!((z["event"]["dataset"].as_str(), z["source"]["ip"].as_str()), (Some("zeek.ssh"), Some("10.0.0.1")));
        assert_eq!(z["destination"]["port"], 22);
        let mut e = seawall_core::json!({"timestamp": "2024-01-01T00:00:00Z", "event_type": "alert", "src_ip": "1.2.3.4",
            "dest_ip": "5.6.7.8", "dest_port": 443, "proto": "TCP", "alert": {"signature": "ET X"}});
        normalise_json(&mut e, "eve.json");
        assert_eq!((e["event"]["dataset"].as_str(), e["rule"]["name"].as_str()), (Some("suricata.eve"), Some("ET X")));
        assert_eq!(e["network"]["transport"], "tcp");
        let mut plain = seawall_core::json!({"a": 1});
        normalise_json(&mut plain, "x.json");
        assert_eq!(plain, seawall_core::json!({"a": 1}));
    }
}
