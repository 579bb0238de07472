//! The table's LAST LINE column without opening anything: the console asks
//! for the newest reasoning line of the investigations on screen (running
//! ones again every ten seconds, finished ones once) and shows the answers.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test, bench or example may panic on what it sets up

mod common;

use common::screen::screen;
use crossterm::event::KeyCode;
use kubevigil::app::action::Action;
use kubevigil::app::effect::Effect;
use kubevigil::app::fixtures::{StateBuilder, at, investigation, key};
use kubevigil::app::state::State;
use kubevigil::app::update;
use kubevigil::domain::{InvestigationState, Phase};
use kubevigil::model::records::{Peek, PeekTarget};

fn world() -> State {
    StateBuilder::new()
        .size(160, 12)
        .policy("payments", Phase::LimitedWrite)
        .investigation(investigation(
            "oom-7f3a9c",
            "payments",
            InvestigationState::Running,
            185,
        ))
        .investigation(investigation(
            "rollout-99ffee",
            "payments",
            InvestigationState::Succeeded,
            100,
        ))
        .many_investigations(40)
        .build()
}

fn peeked(effects: &[Effect]) -> Vec<String> {
    effects
        .iter()
        .filter_map(|e| match e {
            Effect::PeekLastLines(targets) => Some(targets),
            _ => None,
        })
        .flatten()
        .map(|t: &PeekTarget| t.investigation.clone())
        .collect()
}

fn visible(state: &State) -> Vec<String> {
    let page = kubevigil::app::geometry::layout::table_page(state);
    state
        .table
        .slice(state.table.offset, page)
        .map(|r| r.id().to_string())
        .collect()
}

#[test]
fn the_rows_on_screen_are_peeked_at_and_their_last_lines_shown() {
    let mut state = world();
    // The first frame's rows were all asked for while the state was built.
    for row in visible(&state) {
        let peeked_at = state.table.get(&row).and_then(|r| r.peeked_at);
        assert_eq!(peeked_at.map(|(when, _)| when), Some(at(0)), "{row}");
    }
    let effects = update(
        &mut state,
        Action::Peeked(vec![
            Peek {
                investigation: "oom-7f3a9c".into(),
                line: Some("◆ The container hits its 512Mi limit\u{1b}[2J".into()),
                cost: Some(0.0421),
            },
            Peek {
                investigation: "rollout-99ffee".into(),
                line: None,
                cost: None,
            },
        ]),
    );
    assert!(effects.contains(&Effect::Redraw));
    let text = screen(&state);
    assert!(text.contains("◆ The container hits its"), "{text}");
    assert!(!text.contains('\u{1b}'));
    assert_eq!(
        state.table.get("oom-7f3a9c").and_then(|r| r.cost),
        Some(0.0421),
        "the cost of a row never opened in this console"
    );
}

#[test]
fn running_investigations_are_asked_again_every_ten_seconds_finished_ones_never() {
    let mut state = world();
    let soon = update(&mut state, Action::Tick(at(5)));
    assert!(peeked(&soon).is_empty(), "not again within ten seconds");
    let later = update(&mut state, Action::Tick(at(11)));
    let again = peeked(&later);
    assert!(visible(&state).contains(&"rollout-99ffee".to_string()));
    assert!(again.contains(&"oom-7f3a9c".to_string()), "{again:?}");
    assert!(!again.contains(&"rollout-99ffee".to_string()), "{again:?}");
    for id in &again {
        let row = state.table.get(id).expect("a row");
        assert!(row.record.investigation.state.is_active(), "{id}");
    }
}

#[test]
fn an_investigation_that_finished_is_asked_once_more_for_its_conclusion() {
    let mut state = world();
    let mut ended = investigation("oom-7f3a9c", "payments", InvestigationState::Succeeded, 185);
    ended.investigation.vault_accessor = None;
    let epoch = state.epoch;
    let effects = update(
        &mut state,
        Action::InvestigationsChanged {
            epoch,
            applied: vec![ended],
            deleted: Vec::new(),
        },
    );
    assert!(peeked(&effects).contains(&"oom-7f3a9c".to_string()));
    let later = update(&mut state, Action::Tick(at(60)));
    assert!(!peeked(&later).contains(&"oom-7f3a9c".to_string()));
}

#[test]
fn rows_scrolled_into_view_are_asked_for_and_other_views_ask_nothing() {
    let mut state = world();
    let first = visible(&state);
    let mut asked = Vec::new();
    for _ in 0..20 {
        asked.extend(peeked(&update(&mut state, key(KeyCode::Char('j')))));
    }
    let now_visible = visible(&state);
    let new_rows: Vec<&String> = now_visible.iter().filter(|r| !first.contains(r)).collect();
    assert!(!new_rows.is_empty());
    for row in new_rows {
        assert!(asked.contains(row), "{row} was not asked for");
    }
    update(&mut state, key(KeyCode::Enter));
    let in_detail = update(&mut state, Action::Tick(at(60)));
    assert!(
        peeked(&in_detail).is_empty(),
        "the detail streams; the table is not peeked"
    );
}
