//! Issue 17, item 3: a long list shows page by page. The first page's rows
//! are on screen before the list is complete, the table's title says how
//! far the listing has come, and a relist removes what it did not list only
//! at its end (the table never empties meanwhile).

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test, bench or example may panic on what it sets up

mod common;

use common::screen::screen;
use kubevigil::app::action::Action;
use kubevigil::app::fixtures::{StateBuilder, investigation};
use kubevigil::app::state::{Screen, State};
use kubevigil::app::update;
use kubevigil::domain::InvestigationState;
use kubevigil::model::records::InvestigationRecord;

fn records(range: std::ops::Range<usize>) -> Vec<InvestigationRecord> {
    range
        .map(|i| {
            investigation(
                &format!("inv-{i:04}"),
                "payments",
                InvestigationState::Succeeded,
                60 + i64::try_from(i).unwrap(),
            )
        })
        .collect()
}

fn page(epoch: u64, range: std::ops::Range<usize>, first: bool, total: Option<u64>) -> Action {
    Action::InvestigationsPage {
        epoch,
        records: records(range),
        first,
        total,
    }
}

fn title(state: &State) -> String {
    screen(state)
        .lines()
        .find(|l| l.contains("investigations"))
        .unwrap_or_default()
        .to_string()
}

#[test]
fn the_first_page_shows_before_the_list_is_complete_and_says_how_far_it_is() {
    let mut state = StateBuilder::new().size(120, 20).build();
    let epoch = state.epoch;
    let action = page(state.epoch, 0..500, true, Some(1200));
    update(&mut state, action);
    let shown = screen(&state);
    // The newest first: inv-0000 started most recently.
    assert!(shown.contains("inv-0000"), "{shown}");
    assert!(
        title(&state).contains("loading 500/1,200"),
        "{}",
        title(&state)
    );
    let action = page(state.epoch, 500..1000, false, Some(1200));
    update(&mut state, action);
    assert!(title(&state).contains("loading 1,000/1,200"));
    update(
        &mut state,
        Action::InvestigationsListed {
            epoch,
            records: records(1000..1200),
        },
    );
    assert_eq!(state.table.rows().len(), 1200);
    assert!(!title(&state).contains("loading"), "{}", title(&state));
    assert!(title(&state).contains("1,200/1,200"), "{}", title(&state));
}

#[test]
fn without_a_total_the_title_says_only_how_many_came() {
    let mut state = StateBuilder::new().size(120, 20).build();
    let action = page(state.epoch, 0..500, true, None);
    update(&mut state, action);
    assert!(title(&state).contains("loading 500…"), "{}", title(&state));
}

#[test]
fn a_relist_keeps_the_rows_on_screen_and_removes_the_vanished_ones_at_its_end() {
    let mut state = StateBuilder::new().size(120, 20).build();
    let epoch = state.epoch;
    update(
        &mut state,
        Action::InvestigationsListed {
            epoch,
            records: records(0..1000),
        },
    );
    // The cursor on inv-0005.
    let position = state.table.position_of("inv-0005").unwrap();
    state.table.select(position, 10);
    // A relist (after a 410): inv-0000..inv-0009 are gone, the rest come
    // back in two pages.
    let action = page(state.epoch, 10..510, true, Some(990));
    update(&mut state, action);
    // Meanwhile nothing disappears: the vanished rows are still there.
    assert_eq!(state.table.rows().len(), 1000);
    assert!(screen(&state).contains("inv-0005"));
    assert!(title(&state).contains("loading 500/990"));
    update(
        &mut state,
        Action::InvestigationsListed {
            epoch,
            records: records(510..1000),
        },
    );
    assert_eq!(state.table.rows().len(), 990);
    assert!(state.table.get("inv-0005").is_none());
    assert!(state.table.get("inv-0010").is_some());
    assert!(!title(&state).contains("loading"));
    // The cursor stayed where it was, on the row that moved up under it.
    assert_eq!(state.table.selected(), position);
}

#[test]
fn a_relist_that_fits_one_page_replaces_an_unfinished_one() {
    let mut state = StateBuilder::new().size(120, 20).build();
    let epoch = state.epoch;
    // A listing sent a page and broke off; the next one begins with an
    // empty first page (the watcher says so) and ends with all there is.
    let action = page(state.epoch, 0..500, true, Some(1200));
    update(&mut state, action);
    let action = page(state.epoch, 0..0, true, None);
    update(&mut state, action);
    update(
        &mut state,
        Action::InvestigationsListed {
            epoch,
            records: records(0..3),
        },
    );
    assert_eq!(state.table.rows().len(), 3);
}

#[test]
fn a_deep_link_waits_for_the_whole_listing() {
    let mut state = StateBuilder::new().size(120, 20).build();
    // New watchers (another scope): nothing listed yet, as at start.
    update(&mut state, Action::RunCommandLine("ns payments".into()));
    let epoch = state.epoch;
    update(&mut state, Action::RunCommandLine("open inv-1100".into()));
    assert!(state.pending_link.is_some());
    let action = page(state.epoch, 0..500, true, Some(1200));
    update(&mut state, action);
    // Not in the first page: not given up on yet.
    assert!(state.pending_link.is_some());
    assert!(state.notices.is_empty(), "{:?}", state.notices);
    update(
        &mut state,
        Action::InvestigationsListed {
            epoch,
            records: records(500..1200),
        },
    );
    assert!(state.pending_link.is_none());
    assert_eq!(state.screens.last(), Some(&Screen::Detail));
}
