//! Reasoning ingest (design bar: 50,000 lines/s sustained on one core).
//!
//! A line goes through two steps: the log-stream task turns the raw pod-log
//! line into a sanitized entry (`cluster::logline::entry`: kubelet timestamp,
//! `domain::protocol::parse_line`, `sanitize::clean` with the redactor), and
//! the loop applies a batch of entries with `Action::LogLines` to the bounded
//! buffer of the open investigation (kept full, so old lines are dropped as
//! in a long stream). Batches are 2,048 lines, the log task's largest batch.
//! Throughput is reported in lines (elements) per second.
//! Run with `cargo bench --bench ingest -- --warm-up-time 1 --measurement-time 3`.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test, bench or example may panic on what it sets up

use criterion::{BatchSize, Criterion, Throughput, criterion_group, criterion_main};
use kubevigil::app::fixtures::{
    EVERY_EVENT, StateBuilder, log_entries, open_with_log, raw_log_lines,
};
use kubevigil::app::state::State;
use kubevigil::app::{Action, update};
use kubevigil::cluster::logline;
use kubevigil::model::records::LogEntry;
use kubevigil::sanitize::Redactor;
use std::hint::black_box;

/// Lines in one batch (the log task sends at most 2,048 at once).
const BATCH: usize = 2_048;
/// Lines the buffer keeps (the default `log_buffer_lines`).
const BUFFER_LINES: usize = 10_000;

/// A state with 10,000 investigations, the first one open, its buffer full.
fn streaming_state() -> (State, u64, u64) {
    let mut state = StateBuilder::new()
        .many_investigations(10_000)
        .log_buffer_lines(BUFFER_LINES)
        .build();
    let raw: Vec<&str> = EVERY_EVENT
        .iter()
        .copied()
        .cycle()
        .take(BUFFER_LINES)
        .collect();
    let stream = open_with_log(&mut state, &raw);
    (state, stream, BUFFER_LINES as u64)
}

/// Parse + sanitize + redact, per line (the log-stream task's share).
fn parse_and_sanitize(c: &mut Criterion) {
    let redactor = Redactor::default();
    let raw = raw_log_lines(BATCH);
    let mut group = c.benchmark_group("ingest");
    group.throughput(Throughput::Elements(BATCH as u64));
    group.bench_function("parse_sanitize_2048_lines", |b| {
        b.iter(|| {
            let entries: Vec<LogEntry> = raw
                .iter()
                .enumerate()
                .map(|(i, line)| logline::entry(i as u64, black_box(line), &redactor))
                .collect();
            black_box(entries)
        });
    });
    group.finish();
}

/// `update` with one `LogLines` batch into a full buffer (the loop's share).
fn update_batch(c: &mut Criterion) {
    let (mut state, stream, mut next_seq) = streaming_state();
    let template: Vec<LogEntry> = log_entries(0, &EVERY_EVENT.repeat(BATCH / 10 + 1))
        .into_iter()
        .take(BATCH)
        .collect();
    let mut group = c.benchmark_group("ingest");
    group.throughput(Throughput::Elements(BATCH as u64));
    group.bench_function("update_log_lines_2048_full_buffer", |b| {
        b.iter_batched(
            || {
                let entries: Vec<LogEntry> = template
                    .iter()
                    .enumerate()
                    .map(|(i, entry)| {
                        let mut entry = entry.clone();
                        entry.seq = next_seq + i as u64;
                        entry
                    })
                    .collect();
                next_seq += BATCH as u64;
                entries
            },
            |entries| black_box(update(&mut state, Action::LogLines { stream, entries })),
            BatchSize::SmallInput,
        );
    });
    group.finish();
}

/// Both shares on one thread: raw lines to entries to the full buffer.
fn end_to_end(c: &mut Criterion) {
    let redactor = Redactor::default();
    let raw = raw_log_lines(BATCH);
    let (mut state, stream, mut next_seq) = streaming_state();
    let mut group = c.benchmark_group("ingest");
    group.throughput(Throughput::Elements(BATCH as u64));
    group.bench_function("end_to_end_2048_lines_one_thread", |b| {
        b.iter(|| {
            let entries: Vec<LogEntry> = raw
                .iter()
                .enumerate()
                .map(|(i, line)| logline::entry(next_seq + i as u64, line, &redactor))
                .collect();
            next_seq += BATCH as u64;
            black_box(update(&mut state, Action::LogLines { stream, entries }))
        });
    });
    group.finish();
}

criterion_group!(benches, parse_and_sanitize, update_batch, end_to_end);
criterion_main!(benches);
