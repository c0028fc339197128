//! nfdump's binary flow files (`nfcapd.*`, file layout 2 as written by nfdump 1.7): a file
//! header, then data blocks of V3 records made of typed elements. Each V3 record becomes the
//! same [`FlowRecord`] (and the same fields) as its line in `nfdump -o csv`.

use std::io::Read;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::sync::Arc;

use seawall_core::{Event, EventKind, Place, RejectedRecord, SourceRef, Text, ToCompactString};

use crate::input::map_limit;
use crate::text::flows::FlowRecord;
use crate::{Decoded, FileReport, ReadError, ReadOptions};

const MAGIC: u16 = 0xA50C;
const HEADER_V2: usize = 40;
const BLOCK_HEADER: usize = 12;
const DATA_BLOCK_V3: u16 = 3;
const V3_RECORD: u16 = 11;
/// A data block larger than this is damage (nfdump writes blocks of a few MiB).
const MAX_BLOCK: usize = 64 << 20;

pub fn is_nfcapd(head: &[u8]) -> bool {
    head.len() >= 4 && u16::from_le_bytes([head[0], head[1]]) == MAGIC
}

fn u16le(b: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_le_bytes(b.get(at..at + 2)?.try_into().ok()?))
}
fn u32le(b: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_le_bytes(b.get(at..at + 4)?.try_into().ok()?))
}
fn u64le(b: &[u8], at: usize) -> Option<u64> {
    Some(u64::from_le_bytes(b.get(at..at + 8)?.try_into().ok()?))
}

fn ms_time(ms: u64) -> Option<jiff::Timestamp> {
    (ms > 0).then(|| jiff::Timestamp::from_millisecond(ms as i64).ok()).flatten()
}

fn ipv6(b: &[u8], at: usize) -> Option<Ipv6Addr> {
    // nfdump keeps an IPv6 address as two host-order 64-bit words, high word first.
    let hi = u64le(b, at)? as u128;
    let lo = u64le(b, at + 8)? as u128;
    Some(Ipv6Addr::from((hi << 64) | lo))
}

/// Decodes one V3 record (without its 12-byte header) into a flow.
fn v3_record(rec: &[u8], elements: u8) -> Result<FlowRecord, String> {
    let mut flow = FlowRecord::default();
    let mut at = 12;
    let mut have_addr = false;
    let mut have_generic = false;
    for _ in 0..elements {
        let ty = u16le(rec, at).ok_or("record ends inside an element header")?;
        let len = u16le(rec, at + 2).ok_or("record ends inside an element header")? as usize;
        if len < 4 || at + len > rec.len() {
            return Err(format!("element {ty} has a bad length {len}"));
        }
        let e = &rec[at + 4..at + len];
        match ty {
            // EXgenericFlow: first/last/received (ms), packets, bytes, ports, protocol, flags.
            1 => {
                flow.start = ms_time(u64le(e, 0).ok_or("short generic element")?);
                flow.end = ms_time(u64le(e, 8).ok_or("short generic element")?);
                flow.packets = u64le(e, 24).ok_or("short generic element")?;
                flow.bytes = u64le(e, 32).ok_or("short generic element")?;
                flow.src_port = u16le(e, 40).ok_or("short generic element")?;
                flow.dst_port = u16le(e, 42).ok_or("short generic element")?;
                flow.protocol = *e.get(44).ok_or("short generic element")?;
                flow.tcp_flags = tcp_flags(*e.get(45).ok_or("short generic element")?);
                flow.tos = *e.get(47).ok_or("short generic element")?;
                have_generic = true;
            }
            // EXipv4Flow
            2 => {
                flow.src = Ipv4Addr::from(u32le(e, 0).ok_or("short IPv4 element")?).to_compact_string();
                flow.dst = Ipv4Addr::from(u32le(e, 4).ok_or("short IPv4 element")?).to_compact_string();
                have_addr = true;
            }
            // EXipv6Flow
            3 => {
                flow.src = ipv6(e, 0).ok_or("short IPv6 element")?.to_compact_string();
                flow.dst = ipv6(e, 16).ok_or("short IPv6 element")?.to_compact_string();
                have_addr = true;
            }
            // EXflowMisc: interfaces.
            4 => {
                flow.input_if = u32le(e, 0).unwrap_or(0);
                flow.output_if = u32le(e, 4).unwrap_or(0);
            }
            // EXcntFlow: reverse packets and bytes.
            5 => {
                flow.out_packets = u64le(e, 0).unwrap_or(0);
                flow.out_bytes = u64le(e, 8).unwrap_or(0);
            }
            // EXipReceivedV4 / V6: the exporter.
            12 => flow.exporter = IpAddr::V4(Ipv4Addr::from(u32le(e, 0).unwrap_or(0))).to_compact_string(),
            13 => flow.exporter = ipv6(e, 0).map(|a| a.to_compact_string()).unwrap_or_default(),
            _ => {}
        }
        at += len;
    }
    if !(have_addr && have_generic) {
        return Err("flow record without addresses or counters".into());
    }
    Ok(flow)
}

/// TCP flags as nfdump prints them (`UAPRSF`, a dot for each unset flag).
fn tcp_flags(f: u8) -> Text {
    let names =
        [(0x80, 'C'), (0x40, 'E'), (0x20, 'U'), (0x10, 'A'), (0x08, 'P'), (0x04, 'R'), (0x02, 'S'), (0x01, 'F')];
    names.iter().map(|(bit, c)| if f & bit != 0 { *c } else { '.' }).collect()
}

pub(crate) fn read_nfcapd<F>(
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
    let fail = |message: String| ReadError::Format { path: path.clone(), message };
    let mut header = [0u8; HEADER_V2];
    input.reader.read_exact(&mut header).map_err(|e| map_limit(&path, e, limit))?;
    let version = u16le(&header, 2).unwrap_or(0);
    if version != 2 {
        return Err(fail(format!("nfdump file layout {version} is not supported (nfdump 1.7 writes layout 2)")));
    }
    let compression = header[16];
    if compression != 0 && compression != 4 {
        let kind = ["none", "LZO", "BZ2", "LZ4", "ZSTD"].get(compression as usize).copied().unwrap_or("unknown");
        return Err(fail(format!(
            "blocks are {kind}-compressed: not supported; rewrite uncompressed with `nfdump -r FILE -J 0`"
        )));
    }
    let mut block_no = 0u64;
    // Records are numbered through the file, 1-based, as `nfdump -r` lists them.
    let mut record_no = 0u64;
    loop {
        let mut bh = [0u8; BLOCK_HEADER];
        match read_full(&mut input.reader, &mut bh) {
            Ok(0) => break,
            Ok(n) if n < BLOCK_HEADER => {
                report.reject(
                    opts.max_reported_rejects,
                    RejectedRecord {
                        source: SourceRef { file: name.clone(), place: Place::Record(block_no + 1) },
                        reason: format!("block {} cut off in its header", block_no + 1),
                    },
                );
                break;
            }
            Ok(_) => {}
            Err(e) => return Err(map_limit(&path, e, limit)),
        }
        block_no += 1;
        let records = u32le(&bh, 0).unwrap_or(0);
        let size = u32le(&bh, 4).unwrap_or(0) as usize;
        let ty = u16le(&bh, 8).unwrap_or(0);
        if size > MAX_BLOCK {
            return Err(fail(format!("block {block_no} claims {size} bytes: damaged file")));
        }
        let mut raw = vec![0u8; size];
        let got = read_full(&mut input.reader, &mut raw).map_err(|e| map_limit(&path, e, limit))?;
        if got < size {
            report.reject(
                opts.max_reported_rejects,
                RejectedRecord {
                    source: SourceRef { file: name.clone(), place: Place::Record(block_no) },
                    reason: format!("block {block_no} cut off: {got} of {size} bytes ({records} records lost)"),
                },
            );
            break;
        }
        if ty != DATA_BLOCK_V3 {
            continue; // appendix and other blocks hold no flows
        }
        let data = if compression == 4 {
            let mut out = Vec::new();
            let mut dec = ruzstd::decoding::StreamingDecoder::new(&raw[..])
                .map_err(|e| fail(format!("block {block_no}: {e}")))?;
            dec.read_to_end(&mut out).map_err(|e| fail(format!("block {block_no}: {e}")))?;
            out
        } else {
            raw
        };
        let mut events = Vec::new();
        let mut at = 0usize;
        for i in 0..records {
            record_no += 1;
            let place = Place::Record(record_no);
            let (Some(rty), Some(rsize)) = (u16le(&data, at), u16le(&data, at + 2)) else {
                report.reject(
                    opts.max_reported_rejects,
                    RejectedRecord {
                        source: SourceRef { file: name.clone(), place },
                        reason: format!("block {block_no} ends before record {}", i + 1),
                    },
                );
                break;
            };
            let rsize = rsize as usize;
            if rsize < 4 || at + rsize > data.len() {
                report.reject(
                    opts.max_reported_rejects,
                    RejectedRecord {
                        source: SourceRef { file: name.clone(), place },
                        reason: format!("record {} of block {block_no} has a bad size {rsize}", i + 1),
                    },
                );
                break;
            }
            let rec = &data[at..at + rsize];
            at += rsize;
            if rty != V3_RECORD {
                continue; // exporter, statistics and sampler records describe the exporter
            }
            match v3_record(rec, rec.get(4).copied().unwrap_or(0)) {
                Ok(flow) => {
                    report.tally.records_read += 1;
                    report.tally.parsed += 1;
                    events.push(Event {
                        timestamp: flow.start,
                        source: SourceRef { file: name.clone(), place },
                        kind: EventKind::Flow,
                        fields: flow.to_fields(),
                    });
                }
                Err(why) => {
                    report.reject(
                        opts.max_reported_rejects,
                        RejectedRecord { source: SourceRef { file: name.clone(), place }, reason: why },
                    );
                }
            }
        }
        if !events.is_empty() {
            sink(events);
        }
    }
    Ok(())
}

fn read_full(r: &mut (dyn Read + Send), buf: &mut [u8]) -> std::io::Result<usize> {
    let mut n = 0;
    while n < buf.len() {
        match r.read(&mut buf[n..]) {
            Ok(0) => break,
            Ok(k) => n += k,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(n)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prints_tcp_flags_like_nfdump() {
        assert_eq!(tcp_flags(0x1b), "...AP.SF");
        assert_eq!(tcp_flags(0x02), "......S.");
    }
}
