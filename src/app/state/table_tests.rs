//! The incremental order against a from-scratch sort, under arbitrary
//! sequences of changes.

use super::*;
use crate::app::fixtures::{at, investigation};
use crate::domain::queue::{QueueKey, QueueMark};
use proptest::prelude::*;

const STATES: [InvestigationState; 6] = [
    InvestigationState::Queued,
    InvestigationState::Pending,
    InvestigationState::Running,
    InvestigationState::Suspended,
    InvestigationState::Succeeded,
    InvestigationState::Failed,
];
const TARGETS: [&str; 3] = ["payments", "checkout", "data"];
const FILTERS: [&str; 7] = ["", "pay", "payments", "inv-1", "running", "queued", "zzz"];

#[derive(Debug, Clone)]
enum Op {
    Apply {
        id: u8,
        state: usize,
        target: usize,
        age: i64,
        queue: Option<(bool, u8, i64)>,
    },
    Remove(u8),
    Pending(u8, u32),
    Cost(u8, Option<u8>),
    LastLine(u8, Option<u8>),
    Sort(usize),
    Reverse,
    Filter(usize),
    Select(usize),
    Phases(usize),
    Listing(Vec<u8>),
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        6 => (0u8..40, 0usize..6, 0usize..3, 0i64..5, proptest::option::of((any::<bool>(), 0u8..3, 0i64..4)))
            .prop_map(|(id, state, target, age, queue)| Op::Apply { id, state, target, age, queue }),
        2 => (0u8..40).prop_map(Op::Remove),
        2 => (0u8..40, 0u32..3).prop_map(|(id, n)| Op::Pending(id, n)),
        1 => (0u8..40, proptest::option::of(0u8..3)).prop_map(|(id, c)| Op::Cost(id, c)),
        1 => (0u8..40, proptest::option::of(0u8..3)).prop_map(|(id, l)| Op::LastLine(id, l)),
        1 => (0usize..10).prop_map(Op::Sort),
        1 => Just(Op::Reverse),
        1 => (0usize..FILTERS.len()).prop_map(Op::Filter),
        2 => (0usize..45).prop_map(Op::Select),
        1 => (0usize..4).prop_map(Op::Phases),
        1 => proptest::collection::vec(0u8..40, 0..30).prop_map(Op::Listing),
    ]
}

fn record(
    id: u8,
    state: usize,
    target: usize,
    age: i64,
    queue: Option<(bool, u8, i64)>,
) -> InvestigationRecord {
    let mut record = investigation(
        &format!("inv-{id}"),
        TARGETS[target],
        STATES[state],
        age * 60,
    );
    record.investigation.queue = queue.map(|(bumped, severity, created)| {
        Box::new(QueueMark {
            key: QueueKey {
                bumped_at: bumped.then(|| at(-created)),
                severity,
                created: Some(at(-created * 10)),
                name: format!("job-{id}"),
                namespace: "kubevigil-agents".into(),
            },
            reason: None,
            admit_override: None,
        })
    });
    record
}

fn ids_in_order(table: &InvestigationTable) -> Vec<String> {
    table
        .slice(0, usize::MAX)
        .map(|r| r.id().to_string())
        .collect()
}

/// The ids in display order, the (running, failed) counts and each queued
/// id's position.
type Expected = (Vec<String>, (usize, usize), Vec<(String, usize)>);

/// The order, counts and queue a table built from nothing would have.
fn from_scratch(table: &InvestigationTable) -> Expected {
    let mut scratch = String::new();
    let mut shown: Vec<&Row> = table
        .rows()
        .iter()
        .filter(|r| r.matches(table.filter(), &mut scratch))
        .collect();
    shown.sort_by(|a, b| sorting::display(table.sort, table.reverse, a, b));
    let order = shown.iter().map(|r| r.id().to_string()).collect();
    let running = table
        .rows()
        .iter()
        .filter(|r| r.record.investigation.state == InvestigationState::Running)
        .count();
    let failed = table
        .rows()
        .iter()
        .filter(|r| r.record.investigation.state == InvestigationState::Failed)
        .count();
    let mut queued: Vec<&Row> = table
        .rows()
        .iter()
        .filter(|r| r.record.investigation.queue.is_some())
        .collect();
    queued.sort_by(|a, b| {
        crate::domain::queue::compare(
            &a.record.investigation.queue.as_ref().unwrap().key,
            &b.record.investigation.queue.as_ref().unwrap().key,
        )
    });
    let queue = queued
        .iter()
        .enumerate()
        .map(|(i, r)| (r.id().to_string(), i + 1))
        .collect();
    (order, (running, failed), queue)
}

const PAGE: usize = 10;

fn run(table: &mut InvestigationTable, op: Op) {
    let id = |n: u8| format!("inv-{n}");
    match op {
        Op::Apply {
            id: n,
            state,
            target,
            age,
            queue,
        } => {
            let phase = Phase::ALL[usize::from(n) % 4];
            table.apply(record(n, state, target, age, queue), phase, 0);
        }
        Op::Remove(n) => table.remove(&id(n)),
        Op::Pending(n, pending) => {
            table.update_row(&id(n), |row| row.pending = pending);
        }
        Op::Cost(n, cost) => {
            table.update_row(&id(n), |row| row.cost = cost.map(f64::from));
        }
        Op::LastLine(n, line) => {
            table.update_row(&id(n), |row| {
                row.last_line = line.map(|l| format!("line {l}").into());
            });
        }
        Op::Sort(column) => {
            table.sort = Column::ALL[column];
            table.reverse = false;
        }
        Op::Reverse => table.reverse = !table.reverse,
        Op::Filter(f) => {
            table.set_filter(FILTERS[f]);
        }
        Op::Select(position) => {
            table.select(position, PAGE);
        }
        Op::Phases(shift) => table.set_phases(|ns| {
            let i = TARGETS.iter().position(|t| *t == ns).unwrap_or(0);
            Phase::ALL[(i + shift) % 4]
        }),
        Op::Listing(seen) => {
            table.begin_listing(None);
            for n in seen {
                let (state, target) = (usize::from(n) % 6, usize::from(n) % 3);
                table.apply(record(n, state, target, 1, None), Phase::Shadow, 0);
            }
            table.end_listing();
        }
    }
    table.refresh(PAGE);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    /// After any sequence of changes, the kept order, counts and queue
    /// equal those built from nothing, and the cursor stays on its
    /// investigation while the filter shows it.
    #[test]
    fn the_incremental_order_equals_a_sort_from_scratch(ops in proptest::collection::vec(op(), 1..80)) {
        let mut table = InvestigationTable::default();
        table.refresh(PAGE);
        for op in ops {
            let before = table.selected_row().map(|r| r.id().to_string());
            let moves_cursor = matches!(op, Op::Select(_));
            run(&mut table, op.clone());
            let (order, counts, queue) = from_scratch(&table);
            prop_assert_eq!(ids_in_order(&table), order.clone(), "after {:?}", op);
            prop_assert_eq!(table.counts(), counts);
            prop_assert_eq!(table.queue().len(), queue.len());
            for (id, position) in &queue {
                prop_assert_eq!(table.queue().position(id), Some(*position));
            }
            for (position, id) in order.iter().enumerate() {
                prop_assert_eq!(table.position_of(id), Some(position));
            }
            if let Some(id) = before.filter(|id| !moves_cursor && order.contains(id)) {
                prop_assert_eq!(table.selected_row().map(Row::id), Some(id.as_str()), "after {:?}", op);
            }
            prop_assert!(table.selected() < order.len().max(1));
            prop_assert!(table.selected() >= table.offset && table.selected() < table.offset + PAGE);
        }
    }
}

#[test]
fn a_relist_keeps_what_streaming_learned_and_drops_what_it_did_not_see() {
    let mut table = InvestigationTable::default();
    table.begin_listing(None);
    for n in 0..5 {
        table.apply(record(n, 2, 0, 1, None), Phase::Shadow, 0);
    }
    table.end_listing();
    table.refresh(PAGE);
    table.update_row("inv-3", |row| row.cost = Some(1.5));
    table.begin_listing(Some(3));
    table.apply(record(3, 2, 0, 1, None), Phase::Shadow, 0);
    table.listed_page(1, None);
    // Mid-listing every row is still there.
    assert_eq!(table.rows().len(), 5);
    assert_eq!(
        table.loading(),
        Some(Loading {
            loaded: 1,
            total: Some(3)
        })
    );
    table.apply(record(4, 2, 0, 1, None), Phase::Shadow, 0);
    table.end_listing();
    table.refresh(PAGE);
    assert_eq!(ids_in_order(&table), vec!["inv-3", "inv-4"]);
    assert_eq!(table.get("inv-3").and_then(|r| r.cost), Some(1.5));
    assert_eq!(table.loading(), None);
}
