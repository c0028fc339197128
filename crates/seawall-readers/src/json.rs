//! JSON evidence: JSON lines, a stream of concatenated (pretty-printed) JSON values, or arrays
//! of records. JSON lines are split into blocks and parsed in parallel.

use std::io::Read;
use std::sync::Arc;

use seawall_core::{Event, EventKind, Place, SourceRef, Value};

use crate::input::map_limit;
use crate::{event_timestamp, Decoded, FileReport, ReadError, ReadOptions};

const BLOCK: usize = 4 << 20;
/// A single value larger than this is treated as damage, not as a record.
const MAX_VALUE: usize = 256 << 20;

pub(crate) fn read_json<F>(
    mut input: Decoded,
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
    let mut buf: Vec<u8> = Vec::with_capacity(BLOCK * 2);
    let mut eof = false;
    let mut line_no: u64 = 1; // line number of buf[0]
    let mut mode: Option<Mode> = None;

    loop {
        if !eof && buf.len() < BLOCK {
            eof = fill(&mut input.reader, &mut buf, BLOCK).map_err(|e| map_limit(&path, e, limit))?;
        }
        if buf.is_empty() {
            break;
        }
        let mode = *mode.get_or_insert_with(|| detect_mode(&buf, eof));
        match mode {
            Mode::Lines => {
                let end = if eof {
                    buf.len()
                } else {
                    match memchr::memrchr(b'\n', &buf) {
                        Some(p) => p + 1,
                        None if buf.len() > MAX_VALUE => buf.len(),
                        None => {
                            let want = buf.len() + BLOCK;
                            eof = fill(&mut input.reader, &mut buf, want).map_err(|e| map_limit(&path, e, limit))?;
                            continue;
                        }
                    }
                };
                parse_lines(&buf[..end], line_no, name, opts, sink, report);
                line_no += count_lines(&buf[..end]);
                buf.drain(..end);
            }
            Mode::Stream => {
                let (end, need_more) = parse_stream(&buf, eof, line_no, name, opts, sink, report);
                line_no += count_lines(&buf[..end]);
                buf.drain(..end);
                if need_more && !eof {
                    if buf.len() > MAX_VALUE {
                        let cut = resync(&buf, 1).unwrap_or(buf.len());
                        report.reject_line(opts, name, line_no, "JSON value too large or unterminated");
                        line_no += count_lines(&buf[..cut]);
                        buf.drain(..cut);
                        continue;
                    }
                    let want = buf.len() + BLOCK;
                    eof = fill(&mut input.reader, &mut buf, want).map_err(|e| map_limit(&path, e, limit))?;
                }
            }
        }
        if eof && buf.iter().all(|b| b.is_ascii_whitespace()) {
            break;
        }
    }
    Ok(())
}

#[derive(Clone, Copy, Debug, PartialEq)]
enum Mode {
    /// One record per line.
    Lines,
    /// Values may span lines (pretty-printed JSON, arrays).
    Stream,
}

/// JSON lines when the first value is complete on its first line.
fn detect_mode(buf: &[u8], eof: bool) -> Mode {
    let start = skip_ws(buf, 0);
    match value_end(buf, start) {
        Some(end) => {
            let line_end = memchr::memchr(b'\n', &buf[start..]).map(|p| start + p).unwrap_or(buf.len());
            if end <= line_end && buf.get(start) == Some(&b'{') {
                Mode::Lines
            } else {
                Mode::Stream
            }
        }
        None if eof => Mode::Lines,
        None => Mode::Stream,
    }
}

pub(crate) fn fill(r: &mut (dyn Read + Send), buf: &mut Vec<u8>, want: usize) -> std::io::Result<bool> {
    let mut chunk = [0u8; 64 * 1024];
    while buf.len() < want {
        let n = match r.read(&mut chunk) {
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        if n == 0 {
            return Ok(true);
        }
        buf.extend_from_slice(&chunk[..n]);
    }
    Ok(false)
}

pub(crate) fn count_lines(b: &[u8]) -> u64 {
    memchr::memchr_iter(b'\n', b).count() as u64
}

fn skip_ws(buf: &[u8], mut i: usize) -> usize {
    if i == 0 && buf.starts_with(b"\xEF\xBB\xBF") {
        i = 3;
    }
    while i < buf.len() && buf[i].is_ascii_whitespace() {
        i += 1;
    }
    i
}

/// End (exclusive) of the object or array starting at `start`, if it is complete in `buf`.
fn value_end(buf: &[u8], start: usize) -> Option<usize> {
    let mut depth = 0usize;
    let mut in_str = false;
    let mut esc = false;
    for (i, &b) in buf.iter().enumerate().skip(start) {
        if in_str {
            if esc {
                esc = false;
            } else if b == b'\\' {
                esc = true;
            } else if b == b'"' {
                in_str = false;
            }
            continue;
        }
        match b {
            b'"' => in_str = true,
            b'{' | b'[' => depth += 1,
            b'}' | b']' => {
                depth = depth.saturating_sub(1);
                if depth == 0 {
                    return Some(i + 1);
                }
            }
            _ if depth == 0 => return None,
            _ => {}
        }
    }
    None
}

/// Next position after `from` where a line starts with `{` or `[`: where a damaged stream resumes.
fn resync(buf: &[u8], from: usize) -> Option<usize> {
    let mut i = from;
    while let Some(p) = memchr::memchr(b'\n', &buf[i.min(buf.len())..]) {
        let at = i + p + 1;
        if matches!(buf.get(at), Some(b'{') | Some(b'[')) {
            return Some(at);
        }
        i = at;
    }
    None
}

enum Parsed {
    Events(Vec<Event>),
    Rejected(String),
}

/// Parses one JSON text into records: an object is one record, an array gives one per element.
fn parse_value(bytes: &[u8], name: &Arc<str>, line: u64) -> Parsed {
    match serde_json::from_slice::<Value>(bytes) {
        Ok(Value::Object(map)) => {
            let fields = Value::Object(map);
            Parsed::Events(vec![make_event(fields, name, Place::Line(line))])
        }
        Ok(Value::Array(items)) => {
            let mut out = Vec::with_capacity(items.len());
            for (i, item) in items.into_iter().enumerate() {
                if !item.is_object() {
                    return Parsed::Rejected(format!("array element {} is not a JSON object", i + 1));
                }
                out.push(make_event(item, name, Place::Line(line)));
            }
            Parsed::Events(out)
        }
        Ok(_) => Parsed::Rejected("JSON value is not an object".to_string()),
        Err(e) => Parsed::Rejected(describe(&e, bytes)),
    }
}

fn describe(e: &serde_json::Error, bytes: &[u8]) -> String {
    if let Err(u) = std::str::from_utf8(bytes) {
        return format!("invalid UTF-8 at byte {} of the record", u.valid_up_to() + 1);
    }
    format!("malformed JSON: {e}")
}

fn make_event(mut fields: Value, name: &Arc<str>, place: Place) -> Event {
    crate::text::normalise_json(&mut fields, name);
    Event {
        timestamp: event_timestamp(&fields),
        source: SourceRef { file: name.clone(), place },
        kind: EventKind::Json,
        fields,
    }
}

/// Parses a block of complete lines, in parallel.
fn parse_lines<F>(block: &[u8], first_line: u64, name: &Arc<str>, opts: &ReadOptions, sink: &F, report: &mut FileReport)
where
    F: Fn(Vec<Event>) + Sync,
{
    let mut lines: Vec<(u64, &[u8])> = Vec::with_capacity(block.len() / 256 + 1);
    let mut start = 0;
    let ends = memchr::memchr_iter(b'\n', block).chain(std::iter::once(block.len()));
    for (n, nl) in (first_line..).zip(ends) {
        if start > block.len() {
            break;
        }
        let mut line = &block[start..nl];
        if let Some(stripped) = line.strip_suffix(b"\r") {
            line = stripped;
        }
        if n == 1 {
            line = line.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(line);
        }
        if !line.iter().all(|b| b.is_ascii_whitespace()) {
            lines.push((n, line));
        }
        start = nl + 1;
    }
    crate::batch::parse_in_batches(&lines, name, opts, sink, report, |&(line_no, bytes), out| {
        match parse_value(bytes, name, line_no) {
            Parsed::Events(mut evs) => {
                out.append(&mut evs);
                Ok(())
            }
            Parsed::Rejected(why) => Err((line_no, why)),
        }
    });
}

/// Parses complete values from the front of `buf`. Returns how many bytes were consumed and
/// whether an incomplete value remains that needs more input.
fn parse_stream<F>(
    buf: &[u8],
    eof: bool,
    first_line: u64,
    name: &Arc<str>,
    opts: &ReadOptions,
    sink: &F,
    report: &mut FileReport,
) -> (usize, bool)
where
    F: Fn(Vec<Event>) + Sync,
{
    let mut pos = 0;
    let mut line = first_line;
    let mut batch = Vec::new();
    let mut need_more = false;
    loop {
        let start = skip_ws(buf, pos);
        line += count_lines(&buf[pos..start]);
        pos = start;
        if start >= buf.len() {
            break;
        }
        if !matches!(buf[start], b'{' | b'[') {
            // Garbage between values: reject up to the next plausible record start.
            let next = resync(buf, start).unwrap_or(buf.len());
            if next == buf.len() && !eof {
                need_more = true;
                break;
            }
            report.reject_line(opts, name, line, "not a JSON object");
            line += count_lines(&buf[start..next]);
            pos = next;
            continue;
        }
        match value_end(buf, start) {
            Some(end) => {
                match parse_value(&buf[start..end], name, line) {
                    Parsed::Events(mut evs) => {
                        report.tally.records_read += evs.len() as u64;
                        report.tally.parsed += evs.len() as u64;
                        batch.append(&mut evs);
                    }
                    Parsed::Rejected(why) => report.reject_line(opts, name, line, &why),
                }
                line += count_lines(&buf[start..end]);
                pos = end;
                if batch.len() >= opts.batch_size {
                    sink(std::mem::take(&mut batch));
                }
            }
            None if eof => {
                report.reject_line(opts, name, line, "truncated JSON value at end of file");
                match resync(buf, start) {
                    Some(next) => {
                        line += count_lines(&buf[start..next]);
                        pos = next;
                    }
                    None => {
                        pos = buf.len();
                        break;
                    }
                }
            }
            None => {
                need_more = true;
                break;
            }
        }
    }
    if !batch.is_empty() {
        sink(batch);
    }
    (pos, need_more)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Mutex;

    fn run(text: &[u8]) -> (Vec<Event>, FileReport) {
        let dir = std::env::temp_dir().join(format!("seawall-json-{}-{}", std::process::id(), text.len()));
        std::fs::create_dir_all(&dir).unwrap();
        let p = dir.join("x.json");
        std::fs::write(&p, text).unwrap();
        let got = Mutex::new(Vec::new());
        let rep = crate::read_file(&p, &ReadOptions::default(), &|evs| got.lock().unwrap().extend(evs));
        std::fs::remove_dir_all(&dir).ok();
        let mut evs = got.into_inner().unwrap();
        evs.sort_by_key(|e| e.source.place);
        (evs, rep)
    }

    #[test]
    fn json_lines_with_a_bad_line_go_on() {
        let (evs, rep) = run(b"{\"a\":1}\n{\"a\":\n{\"a\":3}\n\xff\xfe\n");
        assert_eq!(evs.len(), 2);
        assert_eq!(evs[1].source.place, Place::Line(3));
        assert_eq!(rep.tally.records_read, 4);
        assert_eq!(rep.tally.rejected, 2);
        assert_eq!(rep.rejected[0].source.place, Place::Line(2));
    }

    #[test]
    fn concatenated_pretty_values_and_arrays() {
        let text = b"{\n  \"a\": 1\n}\n{\n  \"a\": \"}\"\n}\n[{\"b\":1},{\"b\":2}]\n";
        let (evs, rep) = run(text);
        assert_eq!(evs.len(), 4, "{:?}", rep.rejected);
        assert_eq!(evs[1].source.place, Place::Line(4));
        assert_eq!(rep.tally.rejected, 0);
    }

    #[test]
    fn truncated_stream_value_is_rejected() {
        let (evs, rep) = run(b"{\n \"a\": 1\n}\n{\n \"a\": \n");
        assert_eq!(evs.len(), 1);
        assert_eq!(rep.tally.rejected, 1);
        assert_eq!(rep.rejected[0].source.place, Place::Line(4));
    }
}
