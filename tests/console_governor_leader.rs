//! The header shows which governor replica leads and since when, and warns
//! when none does (rule decisions and expiries would stall).

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test, bench or example may panic on what it sets up

mod common;

use common::scene::four_investigations;
use common::screen::screen;
use kubevigil::app::action::Action;
use kubevigil::app::fixtures::{StateBuilder, at};
use kubevigil::app::state::State;
use kubevigil::app::update;
use kubevigil::cluster::decision_tasks::DecisionEvent;
use kubevigil::governor::leader::{LeaderInfo, LeaderView};

fn console(columns: u16) -> State {
    four_investigations(StateBuilder::new().size(columns, 24)).build()
}

fn header(state: &State) -> String {
    screen(state).lines().take(2).collect::<Vec<_>>().join("\n")
}

#[test]
fn the_header_names_the_leading_governor_and_since_when() {
    // Who leads is the last of a healthy header: it shows where there is room.
    let mut state = console(200);
    assert!(
        !header(&state).contains("gov"),
        "nothing before the Lease is read"
    );
    update(
        &mut state,
        Action::Decisions(DecisionEvent::GovernorLeader(LeaderView::Leading(
            LeaderInfo {
                holder: "kubevigil-governor-7d9f-abcde".into(),
                since: Some(at(-300)),
                expires_at: at(10),
            },
        ))),
    );
    let shown = header(&state);
    assert!(
        shown.contains("gov kubevigil-governor-7d9f-abcde since "),
        "{shown}"
    );
    assert!(!shown.contains("no governor"), "{shown}");
}

#[test]
fn a_leader_that_does_not_fit_is_left_out_whole_never_cut_mid_name() {
    for columns in [160, 120, 80, 40] {
        let mut state = console(columns);
        update(
            &mut state,
            Action::Decisions(DecisionEvent::GovernorLeader(LeaderView::Leading(
                LeaderInfo {
                    holder: "kubevigil-governor-7d9f-abcde".into(),
                    since: Some(at(-300)),
                    expires_at: at(10),
                },
            ))),
        );
        let shown = header(&state);
        assert!(
            !shown.contains("gov ") || shown.contains("gov kubevigil-governor-7d9f-abcde"),
            "{columns} columns: {shown}"
        );
    }
}

#[test]
fn the_header_warns_when_no_governor_leads() {
    for columns in [160, 80] {
        let mut state = console(columns);
        update(
            &mut state,
            Action::Decisions(DecisionEvent::GovernorLeader(LeaderView::NoLeader)),
        );
        let shown = header(&state);
        assert!(shown.contains("no governor"), "{columns}: {shown}");
        if columns == 160 {
            assert!(
                shown.contains("rule decisions and expiries stall"),
                "{shown}"
            );
        }
    }
}
