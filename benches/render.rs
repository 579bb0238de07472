//! Frame render time (design bar: p50 under 1 ms and p99 under 3 ms with
//! 10,000 investigations; 100,000 rows within 10% of 1,000).
//!
//! Each iteration is one `Terminal::draw` of [`kubevigil::ui::view`] on a
//! 160x48 ratatui `TestBackend`: the whole view, the buffer swap and the cell
//! diff. Criterion reports means; `examples/perf_report.rs` reports p50/p99.
//! Run with `cargo bench --bench render -- --warm-up-time 1 --measurement-time 3`.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test, bench or example may panic on what it sets up

use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use kubevigil::app::fixtures::{EVERY_EVENT, StateBuilder, log_entries, open_with_log};
use kubevigil::app::state::State;
use kubevigil::app::{Action, update};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use std::hint::black_box;

/// The terminal size the bars are set at.
const COLUMNS: u16 = 160;
/// The terminal size the bars are set at.
const ROWS: u16 = 48;

fn bench_draws(c: &mut Criterion, group_name: &str, states: &[(usize, State)]) {
    let mut group = c.benchmark_group(group_name);
    for (count, state) in states {
        let mut terminal = match Terminal::new(TestBackend::new(COLUMNS, ROWS)) {
            Ok(terminal) => terminal,
            Err(error) => panic!("a test terminal: {error}"),
        };
        group.bench_with_input(BenchmarkId::from_parameter(count), state, |b, state| {
            b.iter(|| {
                let frame = terminal.draw(|frame| kubevigil::ui::view(black_box(state), frame));
                black_box(frame.is_ok())
            });
        });
    }
    group.finish();
}

/// The investigations table with 1,000, 10,000 and 100,000 rows.
fn render_investigations(c: &mut Criterion) {
    let states: Vec<(usize, State)> = [1_000, 10_000, 100_000]
        .into_iter()
        .map(|count| {
            (
                count,
                StateBuilder::new().many_investigations(count).build(),
            )
        })
        .collect();
    bench_draws(c, "render_investigations_160x48", &states);
}

/// The investigation detail with a full reasoning buffer (10,000 lines kept,
/// 10,000 more dropped), following, with 10,000 investigations loaded.
fn render_full_stream(c: &mut Criterion) {
    let lines = 10_000;
    let mut state = StateBuilder::new()
        .many_investigations(10_000)
        .log_buffer_lines(lines)
        .build();
    let raw: Vec<&str> = EVERY_EVENT.iter().copied().cycle().take(lines).collect();
    let stream = open_with_log(&mut state, &raw);
    update(
        &mut state,
        Action::LogLines {
            stream,
            entries: log_entries(lines as u64, &raw),
        },
    );
    let held = state.detail.as_ref().map_or(0, |d| d.buffer.len());
    assert_eq!(held, lines, "the buffer is full");
    bench_draws(c, "render_detail_full_buffer_160x48", &[(lines, state)]);
}

criterion_group!(benches, render_investigations, render_full_stream);
criterion_main!(benches);
