//! The investigations table at 100,000 rows (issue 17: a batch of 100
//! changed Jobs handled in under 1 ms). Every iteration is one `update` with
//! the action a watcher sends: 100 changed Jobs, 100 new ones, 100 deleted
//! ones, and a whole relist (200 pages of 500, then the end of the list).
//! Run with `cargo bench --bench table -- --warm-up-time 1 --measurement-time 3`.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test, bench or example may panic on what it sets up

use criterion::{Criterion, criterion_group, criterion_main};
use jiff::SignedDuration;
use kubevigil::app::fixtures::{StateBuilder, investigation};
use kubevigil::app::state::State;
use kubevigil::app::{Action, update};
use kubevigil::domain::InvestigationState;
use kubevigil::model::records::InvestigationRecord;
use std::hint::black_box;
use std::time::{Duration, Instant};

/// Rows in the table.
const ROWS: usize = 100_000;
/// Jobs in a batch.
const BATCH: usize = 100;

fn state() -> State {
    StateBuilder::new()
        .size(160, 48)
        .many_investigations(ROWS)
        .build()
}

/// `BATCH` rows spread over the table, changed: a new state and a later
/// start (so each moves in the AGE order), `round` making each batch differ
/// from the last.
fn changed(state: &State, round: usize) -> Vec<InvestigationRecord> {
    let step = ROWS / BATCH;
    (0..BATCH)
        .filter_map(|i| state.table.row_at(i * step + round % step))
        .map(|row| {
            let mut record = row.record.clone();
            let inv = &mut record.investigation;
            inv.state = if inv.state == InvestigationState::Running {
                InvestigationState::Succeeded
            } else {
                InvestigationState::Running
            };
            let shift = SignedDuration::from_secs(i64::try_from(round % 97).unwrap_or(0) + 1);
            inv.started = inv.started.and_then(|t| t.checked_add(shift).ok());
            record
        })
        .collect()
}

fn new_jobs(round: usize) -> Vec<InvestigationRecord> {
    (0..BATCH)
        .map(|i| {
            let age = i64::try_from((i * 7919 + round) % 86_400).unwrap_or(0);
            investigation(
                &format!("new-{i:03}"),
                "payments",
                InvestigationState::Running,
                age,
            )
        })
        .collect()
}

fn bench_table(c: &mut Criterion) {
    let mut group = c.benchmark_group("table_100000");
    let mut state = state();
    let epoch = state.epoch;
    // Put the cursor in the middle, as an operator might.
    for _ in 0..3 {
        update(
            &mut state,
            kubevigil::app::fixtures::key(crossterm::event::KeyCode::PageDown),
        );
    }

    let mut round = 0;
    group.bench_function("changed_100_jobs", |b| {
        b.iter_custom(|iters| {
            let mut total = Duration::ZERO;
            for _ in 0..iters {
                round += 1;
                let applied = changed(&state, round);
                let action = Action::InvestigationsChanged {
                    epoch,
                    applied,
                    deleted: Vec::new(),
                };
                let start = Instant::now();
                black_box(update(&mut state, action));
                total += start.elapsed();
            }
            total
        });
    });
    group.bench_function("new_100_jobs", |b| {
        b.iter_custom(|iters| {
            let mut total = Duration::ZERO;
            for _ in 0..iters {
                round += 1;
                let action = Action::InvestigationsChanged {
                    epoch,
                    applied: new_jobs(round),
                    deleted: Vec::new(),
                };
                let start = Instant::now();
                black_box(update(&mut state, action));
                total += start.elapsed();
                let undo = Action::InvestigationsChanged {
                    epoch,
                    applied: Vec::new(),
                    deleted: (0..BATCH).map(|i| format!("new-{i:03}")).collect(),
                };
                update(&mut state, undo);
            }
            total
        });
    });
    group.bench_function("deleted_100_jobs", |b| {
        b.iter_custom(|iters| {
            let mut total = Duration::ZERO;
            for _ in 0..iters {
                round += 1;
                let add = Action::InvestigationsChanged {
                    epoch,
                    applied: new_jobs(round),
                    deleted: Vec::new(),
                };
                update(&mut state, add);
                let action = Action::InvestigationsChanged {
                    epoch,
                    applied: Vec::new(),
                    deleted: (0..BATCH).map(|i| format!("new-{i:03}")).collect(),
                };
                let start = Instant::now();
                black_box(update(&mut state, action));
                total += start.elapsed();
            }
            total
        });
    });
    group.sample_size(10);
    group.bench_function("relist_in_pages_of_500", |b| {
        b.iter_custom(|iters| {
            let mut total = Duration::ZERO;
            for _ in 0..iters {
                let records: Vec<InvestigationRecord> = state
                    .table
                    .rows()
                    .iter()
                    .map(|r| r.record.clone())
                    .collect();
                let mut pages: Vec<Action> = records
                    .chunks(500)
                    .enumerate()
                    .map(|(i, page)| Action::InvestigationsPage {
                        epoch,
                        records: page.to_vec(),
                        first: i == 0,
                        total: Some(ROWS as u64),
                    })
                    .collect();
                pages.push(Action::InvestigationsListed {
                    epoch,
                    records: Vec::new(),
                });
                let start = Instant::now();
                for page in pages {
                    black_box(update(&mut state, page));
                }
                total += start.elapsed();
            }
            total
        });
    });
    group.finish();
}

criterion_group!(benches, bench_table);
criterion_main!(benches);
