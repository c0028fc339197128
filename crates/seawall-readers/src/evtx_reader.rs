//! Windows EVTX through the `evtx` crate. Chunks are parsed in parallel; a corrupt chunk or a
//! cut-off file is counted as rejected with its place and the rest is still read.

use std::io::{Cursor, Read};
use std::sync::Arc;

use evtx::{EvtxChunkData, EvtxParser, ParserSettings};
use rayon::prelude::*;
use seawall_core::{Event, EventKind, Place, RejectedRecord, SourceRef, Value};

use crate::input::map_limit;
use crate::{Decoded, FileReport, ReadError, ReadOptions};

const FILE_HEADER: u64 = 4096;
const CHUNK: u64 = 65536;

/// Chunks (64 KiB each) parsed per parallel round.
const CHUNKS_PER_ROUND: usize = 32;

pub(crate) fn read_evtx<F>(
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
    let (parser, len) = if input.compressed {
        // EVTX needs seeking: hold the decompressed file in memory (bounded by the limit).
        let mut data = Vec::new();
        input.reader.read_to_end(&mut data).map_err(|e| map_limit(&path, e, input.limit))?;
        let len = data.len() as u64;
        (EvtxParser::from_read_seek(Box::new(Cursor::new(data)) as Box<dyn ReadSeek>), len)
    } else {
        let file = std::fs::File::open(&path).map_err(|source| ReadError::Io { path: path.clone(), source })?;
        let len = file.metadata().map(|m| m.len()).unwrap_or(0);
        (EvtxParser::from_read_seek(Box::new(file) as Box<dyn ReadSeek>), len)
    };
    let mut parser = parser
        .map_err(|e| ReadError::Format { path: path.clone(), message: format!("not a readable EVTX file: {e}") })?;
    let settings = Arc::new(ParserSettings::default().num_threads(1).separate_json_attributes(false));
    parser = parser.with_configuration((*settings).clone());

    let mut round: Vec<(u64, EvtxChunkData)> = Vec::with_capacity(CHUNKS_PER_ROUND);
    let mut chunk_no = 0u64;
    let run_round = |round: &mut Vec<(u64, EvtxChunkData)>, report: &mut FileReport| {
        let outcomes: Vec<ChunkOutcome> = round
            .par_iter_mut()
            .map(|(no, data)| parse_chunk(*no, data, &settings, name, opts.batch_size.max(1), sink))
            .collect();
        round.clear();
        for o in outcomes {
            report.tally.records_read += o.parsed;
            report.tally.parsed += o.parsed;
            for r in o.rejected {
                report.reject(opts.max_reported_rejects, r);
            }
        }
    };
    for chunk in parser.chunks() {
        chunk_no += 1;
        match chunk {
            Ok(data) => {
                round.push((chunk_no, data));
                if round.len() == CHUNKS_PER_ROUND {
                    run_round(&mut round, report);
                }
            }
            Err(e) => {
                report.reject(
                    opts.max_reported_rejects,
                    RejectedRecord {
                        source: SourceRef { file: name.clone(), place: Place::Record(0) },
                        reason: format!("EVTX chunk {chunk_no} unreadable: {}", error_chain(&e)),
                    },
                );
            }
        }
    }
    run_round(&mut round, report);
    // The evtx crate stops quietly at a cut-off last chunk; its records are lost, so say so.
    let tail = len.saturating_sub(FILE_HEADER) % CHUNK;
    if len > FILE_HEADER && tail != 0 {
        report.reject(
            opts.max_reported_rejects,
            RejectedRecord {
                source: SourceRef { file: name.clone(), place: Place::Record(0) },
                reason: format!(
                    "EVTX file truncated: chunk {} has {tail} of {CHUNK} bytes; its records cannot be read",
                    (len - FILE_HEADER) / CHUNK + 1
                ),
            },
        );
    }
    Ok(())
}

trait ReadSeek: Read + std::io::Seek + Send {}
impl<T: Read + std::io::Seek + Send> ReadSeek for T {}

struct ChunkOutcome {
    parsed: u64,
    rejected: Vec<RejectedRecord>,
}

fn parse_chunk<F>(
    no: u64,
    data: &mut EvtxChunkData,
    settings: &Arc<ParserSettings>,
    name: &Arc<str>,
    batch: usize,
    sink: &F,
) -> ChunkOutcome
where
    F: Fn(Vec<Event>) + Sync,
{
    let mut out = ChunkOutcome { parsed: 0, rejected: Vec::new() };
    let first = data.header.first_event_record_id;
    let mut chunk = match data.parse(settings.clone()) {
        Ok(c) => c,
        Err(e) => {
            out.rejected.push(RejectedRecord {
                source: SourceRef { file: name.clone(), place: Place::Record(first) },
                reason: format!("EVTX chunk {no} corrupt: {}", error_chain(&e)),
            });
            return out;
        }
    };
    // Hand events over in small batches while they are still in cache.
    let mut events = Vec::with_capacity(batch);
    for rec in chunk.iter() {
        let rec = match rec {
            Ok(r) => r,
            Err(e) => {
                out.rejected.push(RejectedRecord {
                    source: SourceRef { file: name.clone(), place: Place::Record(first) },
                    reason: format!("EVTX record in chunk {no} corrupt: {}", error_chain(&e)),
                });
                continue;
            }
        };
        let id = rec.event_record_id;
        let ts = rec.timestamp;
        // Rendered JSON parsed straight into Seawall's values (what `into_json_value` does
        // into serde_json's, which cost twice as much to build and free).
        let parsed = rec.into_json_bytes().map_err(|e| error_chain(&e)).and_then(|ser| {
            serde_json::from_slice::<Value>(&ser.data).map_err(|e| format!("rendered JSON does not parse: {e}"))
        });
        match parsed {
            Ok(fields) => {
                events.push(Event {
                    timestamp: crate::event_timestamp(&fields).or(Some(ts)),
                    source: SourceRef { file: name.clone(), place: Place::Record(id) },
                    kind: EventKind::Evtx,
                    fields,
                });
                out.parsed += 1;
                if events.len() >= batch {
                    sink(std::mem::replace(&mut events, Vec::with_capacity(batch)));
                }
            }
            Err(e) => out.rejected.push(RejectedRecord {
                source: SourceRef { file: name.clone(), place: Place::Record(id) },
                reason: format!("EVTX record {id} corrupt: {e}"),
            }),
        }
    }
    if !events.is_empty() {
        sink(events);
    }
    out
}

fn error_chain(e: &dyn std::error::Error) -> String {
    let mut s = e.to_string();
    let mut cur = e.source();
    while let Some(inner) = cur {
        s.push_str(": ");
        s.push_str(&inner.to_string());
        cur = inner.source();
    }
    s
}
