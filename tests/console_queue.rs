//! The launcher's queue in the console: queued investigations show as
//! `QUEUED #n` with why they wait, the header counts them, and the queue
//! keys (B bump, A admit now with a reason, C cancel with a confirmation)
//! send recorded changes; a read-only operator is told which right is
//! missing. Snapshots at 160x48, 80x24 and 40x12, driven through `update`.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test, bench or example may panic on what it sets up

mod common;

use common::keys::{press, type_text};
use common::scene::four_investigations;
use common::screen::{draw, text};
use crossterm::event::KeyCode;
use kubevigil::app::action::Action;
use kubevigil::app::effect::Effect;
use kubevigil::app::fixtures::{StateBuilder, at, investigation};
use kubevigil::app::state::State;
use kubevigil::app::update;
use kubevigil::cluster::decision_tasks::{DecisionEffect, DecisionEvent};
use kubevigil::decide::{DecideError, QueueChange, QueueOutcome, Right, Rights};
use kubevigil::domain::queue::{OperatorMark, QueueKey, QueueMark, severity_rank};
use kubevigil::domain::{InvestigationState, Phase};
use kubevigil::model::records::InvestigationRecord;

const SIZES: [(u16, u16); 3] = [(160, 48), (80, 24), (40, 12)];

/// A queued investigation in `target`, created `age` seconds ago, waiting
/// for `reason`, bumped `bumped` seconds ago when given.
fn queued(
    id: &str,
    target: &str,
    severity: &str,
    age: i64,
    reason: &str,
    bumped: Option<i64>,
) -> InvestigationRecord {
    let mut record = investigation(id, target, InvestigationState::Queued, age);
    let inv = &mut record.investigation;
    inv.severity = severity.into();
    // As read off a queued Job: its deadline counts from admission.
    inv.deadline = None;
    inv.trigger = format!("KubeQuotaAlmostFull: {target}").into();
    inv.queue = Some(Box::new(QueueMark {
        key: QueueKey {
            bumped_at: bumped.map(|s| at(-s)),
            severity: severity_rank(severity),
            created: inv.started,
            name: inv.job_name.to_string(),
            namespace: inv.namespace.to_string(),
        },
        reason: Some(reason.to_string()),
        admit_override: None,
    }));
    record
}

/// The usual four investigations and four queued ones: a warning in
/// payments (namespace full), a critical one held by the cluster cap, an
/// info one bumped by an operator, one in a halted namespace.
fn world(columns: u16, rows: u16) -> StateBuilder {
    four_investigations(
        StateBuilder::new()
            .size(columns, rows)
            .user(Some(("oncall-1", true)))
            .policy("payments", Phase::LimitedWrite)
            .policy("checkout", Phase::Autonomous)
            .policy("web", Phase::Shadow),
    )
    .investigation(queued(
        "quota-4k2m9x",
        "payments",
        "warning",
        600,
        "namespace payments at 3/3",
        None,
    ))
    .investigation(queued(
        "disk-7hq2pd",
        "checkout",
        "critical",
        120,
        "cluster at 20/20",
        None,
    ))
    .investigation(queued(
        "latency-p9x3c",
        "payments",
        "info",
        60,
        "namespace payments at 3/3",
        Some(30),
    ))
    .investigation(queued(
        "dns-2b8v4n",
        "web",
        "critical",
        300,
        "namespace web halted",
        None,
    ))
}

/// Sorted by state, so the queued rows come in admission order.
fn by_state(columns: u16, rows: u16) -> State {
    let mut state = world(columns, rows).build();
    // AGE -> LEFT -> PEND -> ... : sort until STATE.
    for _ in 0..20 {
        if state.table.sort == kubevigil::app::state::Column::State {
            break;
        }
        press(&mut state, KeyCode::Char('s'));
    }
    state
}

fn select(state: &mut State, id: &str) {
    press(state, KeyCode::Char('g'));
    for _ in 0..state.table.visible_len() {
        if state
            .table
            .selected_row()
            .map(kubevigil::app::state::Row::id)
            == Some(id)
        {
            return;
        }
        press(state, KeyCode::Char('j'));
    }
    panic!("{id} is not in the table");
}

fn queue_effect(effects: &[Effect]) -> Option<(String, String, QueueChange)> {
    effects.iter().find_map(|e| match e {
        Effect::Decisions(DecisionEffect::Queue {
            namespace,
            job,
            change,
            ..
        }) => Some((namespace.clone(), job.clone(), change.clone())),
        _ => None,
    })
}

fn notices(state: &State) -> String {
    state
        .notices
        .iter()
        .map(|n| n.text.clone())
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn positions_follow_the_admission_order() {
    let state = world(160, 48).build();
    let position = |id: &str| state.table.queue().position(id);
    // Bumped first; then critical (the older first), then warning.
    assert_eq!(position("latency-p9x3c"), Some(1));
    assert_eq!(position("dns-2b8v4n"), Some(2));
    assert_eq!(position("disk-7hq2pd"), Some(3));
    assert_eq!(position("quota-4k2m9x"), Some(4));
    assert_eq!(position("oom-7f3a9c"), None);
    assert_eq!(state.table.queue().len(), 4);
}

#[test]
fn queued_rows_and_the_header_count() {
    for (columns, rows) in SIZES {
        let state = by_state(columns, rows);
        let screen = text(&draw(&state));
        insta::assert_snapshot!(format!("queue_table_{columns}x{rows}"), screen);
        if columns >= 80 {
            assert!(screen.contains("4 queued"), "{screen}");
            assert!(screen.contains("QUEUED #1"), "{screen}");
        }
        if columns >= 160 {
            assert!(screen.contains("#4 · namespace at 3/3"), "{screen}");
            assert!(screen.contains("#3 · cluster cap 20/20"), "{screen}");
            assert!(screen.contains("#2 · halted"), "{screen}");
            assert!(
                screen.contains("#1 · bumped · namespace at 3/3"),
                "{screen}"
            );
        }
    }
}

#[test]
fn the_footer_offers_the_queue_keys_on_a_queued_row_only() {
    let mut state = by_state(160, 48);
    select(&mut state, "disk-7hq2pd");
    let screen = text(&draw(&state));
    let footer = screen.lines().last().unwrap_or_default().to_string();
    assert!(
        footer.contains("<B> bump") && footer.contains("<A> admit now"),
        "{footer}"
    );
    select(&mut state, "oom-7f3a9c");
    let screen = text(&draw(&state));
    let footer = screen.lines().last().unwrap_or_default().to_string();
    assert!(!footer.contains("bump"), "{footer}");
}

#[test]
fn bump_sends_at_once_and_says_what_it_did() {
    let mut state = by_state(160, 48);
    select(&mut state, "quota-4k2m9x");
    let effects = press(&mut state, KeyCode::Char('B'));
    let (namespace, job, change) = queue_effect(&effects).expect("a queue change");
    assert_eq!(
        (namespace.as_str(), job.as_str()),
        ("kubevigil-agents", "inv-quota-4k2m9x")
    );
    assert_eq!(change, QueueChange::Bump);
    let id = state
        .decisions
        .busy
        .last()
        .map(|(id, _)| *id)
        .expect("busy");
    update(
        &mut state,
        Action::Decisions(DecisionEvent::QueueChanged {
            id,
            result: Ok(QueueOutcome {
                namespace,
                job,
                investigation: "quota-4k2m9x".into(),
                change,
                warnings: Vec::new(),
            }),
        }),
    );
    assert!(state.decisions.busy.is_empty());
    assert!(
        notices(&state).contains("bumped quota-4k2m9x"),
        "{}",
        notices(&state)
    );
}

#[test]
fn a_running_investigation_is_not_bumped() {
    let mut state = by_state(160, 48);
    select(&mut state, "oom-7f3a9c");
    for key in ['B', 'A', 'C'] {
        let effects = press(&mut state, KeyCode::Char(key));
        assert!(queue_effect(&effects).is_none());
        assert!(state.decisions.modal.is_none());
    }
    assert!(
        notices(&state).contains("oom-7f3a9c is not queued (Running)"),
        "{}",
        notices(&state)
    );
}

#[test]
fn admit_now_needs_a_reason_and_records_it() {
    let mut snapshots = Vec::new();
    for (columns, rows) in SIZES {
        let mut state = by_state(columns, rows);
        select(&mut state, "quota-4k2m9x");
        press(&mut state, KeyCode::Char('A'));
        assert!(state.decisions.modal.is_some());
        let effects = press(&mut state, KeyCode::Enter);
        assert!(queue_effect(&effects).is_none(), "no reason, nothing sent");
        snapshots.push((columns, rows, text(&draw(&state))));
        type_text(&mut state, "payments checkout is down");
        let effects = if columns >= 80 {
            press(&mut state, KeyCode::Enter)
        } else {
            Vec::new()
        };
        if columns >= 80 {
            let (_, job, change) = queue_effect(&effects).expect("an admit-now");
            assert_eq!(job, "inv-quota-4k2m9x");
            assert_eq!(
                change,
                QueueChange::AdmitNow {
                    reason: "payments checkout is down".into()
                }
            );
            assert!(state.decisions.modal.is_none());
        }
    }
    for (columns, rows, screen) in snapshots {
        insta::assert_snapshot!(format!("queue_admit_now_{columns}x{rows}"), screen);
    }
}

#[test]
fn cancel_asks_first_and_esc_keeps_it_queued() {
    for (columns, rows) in SIZES {
        let mut state = by_state(columns, rows);
        select(&mut state, "disk-7hq2pd");
        press(&mut state, KeyCode::Char('C'));
        insta::assert_snapshot!(
            format!("queue_cancel_{columns}x{rows}"),
            text(&draw(&state))
        );
        let effects = press(&mut state, KeyCode::Esc);
        assert!(queue_effect(&effects).is_none());
        assert!(state.decisions.modal.is_none());
    }
    let mut state = by_state(160, 48);
    select(&mut state, "disk-7hq2pd");
    press(&mut state, KeyCode::Char('C'));
    let effects = press(&mut state, KeyCode::Enter);
    let (namespace, job, change) = queue_effect(&effects).expect("a cancel");
    assert_eq!(
        (namespace.as_str(), job.as_str()),
        ("kubevigil-agents", "inv-disk-7hq2pd")
    );
    assert_eq!(change, QueueChange::Cancel { reason: None });
}

#[test]
fn an_admit_now_override_in_flight_is_shown() {
    let mut record = queued(
        "quota-4k2m9x",
        "payments",
        "warning",
        600,
        "namespace payments at 3/3",
        None,
    );
    if let Some(mark) = record.investigation.queue.as_mut() {
        mark.admit_override = Some(OperatorMark {
            by: "oncall-1".into(),
            at: "2026-11-27T02:00:00Z".into(),
            reason: Some("outage".into()),
        });
    }
    let state = StateBuilder::new()
        .size(160, 48)
        .investigation(record)
        .build();
    let screen = text(&draw(&state));
    assert!(
        screen.contains("#1 · admit-now asked by oncall-1 · namespace at 3/3"),
        "{screen}"
    );
}

#[test]
fn read_only_by_rbac_is_told_which_right_is_missing() {
    let mut state = by_state(160, 48);
    let epoch = state.epoch;
    update(
        &mut state,
        Action::Rights {
            epoch,
            namespace: "kubevigil-agents".into(),
            rights: Rights::from_answers(Right::ALL.map(|r| (r, Some(r != Right::Queue)))),
        },
    );
    select(&mut state, "quota-4k2m9x");
    let effects = press(&mut state, KeyCode::Char('B'));
    assert!(queue_effect(&effects).is_none());
    assert!(
        notices(&state).contains("oncall-1 may not patch and delete jobs in kubevigil-agents"),
        "{}",
        notices(&state)
    );
    let footer = text(&draw(&state))
        .lines()
        .last()
        .unwrap_or_default()
        .to_string();
    assert!(footer.contains("no patch and delete jobs"), "{footer}");

    // A 403 from the cluster itself (the review could not say) names the right too.
    let mut state = by_state(160, 48);
    select(&mut state, "quota-4k2m9x");
    press(&mut state, KeyCode::Char('B'));
    let id = state
        .decisions
        .busy
        .last()
        .map(|(id, _)| *id)
        .expect("busy");
    update(
        &mut state,
        Action::Decisions(DecisionEvent::QueueChanged {
            id,
            result: Err(DecideError::Forbidden {
                user: "viewer".into(),
                verb: "patch".into(),
                resource: "jobs".into(),
                namespace: "kubevigil-agents".into(),
                pending: None,
            }),
        }),
    );
    assert!(
        notices(&state).contains("viewer may not patch jobs in kubevigil-agents"),
        "{}",
        notices(&state)
    );
}

#[test]
fn a_read_only_console_sends_nothing() {
    let mut state = world(160, 48).readonly(true).build();
    select(&mut state, "quota-4k2m9x");
    for key in ['B', 'A', 'C'] {
        assert!(queue_effect(&press(&mut state, KeyCode::Char(key))).is_none());
    }
    assert!(state.decisions.modal.is_none());
}

#[test]
fn a_queued_investigations_detail_says_where_it_waits() {
    for (columns, rows) in SIZES {
        let mut state = by_state(columns, rows);
        select(&mut state, "disk-7hq2pd");
        press(&mut state, KeyCode::Enter);
        let screen = text(&draw(&state));
        insta::assert_snapshot!(format!("queue_detail_{columns}x{rows}"), screen);
        if columns >= 160 {
            assert!(
                screen.contains("QUEUED #3 · cluster cap 20/20 · queued since"),
                "{screen}"
            );
            assert!(!screen.contains("deadline"), "{screen}");
        }
    }
}
