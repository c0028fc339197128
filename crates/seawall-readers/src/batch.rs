//! Parsing records in parallel batches, shared by the line-oriented readers: each batch goes to
//! the sink as soon as it is parsed, and the tally is kept for the whole file.

use std::sync::Arc;

use rayon::prelude::*;
use seawall_core::Event;

use crate::{FileReport, ReadOptions};

/// Parses `items` in batches of `opts.batch_size` on the thread pool. `parse` appends the events
/// of one item, or returns the line and reason that reject it.
pub(crate) fn parse_in_batches<T, F, P>(
    items: &[T],
    name: &Arc<str>,
    opts: &ReadOptions,
    sink: &F,
    report: &mut FileReport,
    parse: P,
) where
    T: Sync,
    F: Fn(Vec<Event>) + Sync,
    P: Fn(&T, &mut Vec<Event>) -> Result<(), (u64, String)> + Sync,
{
    let results: Vec<(usize, Vec<(u64, String)>)> = items
        .par_chunks(opts.batch_size.max(1))
        .map(|chunk| {
            let mut events = Vec::with_capacity(chunk.len());
            let mut bad = Vec::new();
            for item in chunk {
                if let Err(rejected) = parse(item, &mut events) {
                    bad.push(rejected);
                }
            }
            let n = events.len();
            if n > 0 {
                sink(events);
            }
            (n, bad)
        })
        .collect();
    for (parsed, bad) in results {
        report.tally.records_read += parsed as u64;
        report.tally.parsed += parsed as u64;
        for (line, why) in bad {
            report.reject_line(opts, name, line, why);
        }
    }
}
