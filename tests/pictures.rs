//! Issue 16, item 9: the README's and the docs' pictures of the console are
//! the program's own frames. Each scene is drawn by the real views on a
//! `TestBackend`, written as SVG (`kubevigil::ui::picture`), and compared with
//! the picture committed under `docs/images/`; a stale picture fails this
//! test. To redraw them after a deliberate change to the views:
//!
//! ```sh
//! UPDATE_PICTURES=1 cargo test --test pictures
//! ```

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test, bench or example may panic on what it sets up

mod common;

use common::scene::four_investigations;
use common::screen::draw;
use crossterm::event::KeyCode;
use kubevigil::app::action::Action;
use kubevigil::app::fixtures::{EVERY_EVENT, StateBuilder, key, open_with_log, proposal};
use kubevigil::app::state::State;
use kubevigil::app::update;
use kubevigil::domain::{Phase, ProposalState, Risk};
use std::path::PathBuf;

const COLUMNS: u16 = 120;
const ROWS: u16 = 32;

fn world() -> State {
    four_investigations(
        StateBuilder::new()
            .size(COLUMNS, ROWS)
            .policy("payments", Phase::LimitedWrite)
            .policy("checkout", Phase::Autonomous),
    )
    .proposal(proposal(
        "restart-api-7f3a",
        "oom-7f3a9c",
        Risk::Low,
        ProposalState::Approved,
    ))
    .build()
}

/// The pictures: (file name, what it shows, the state drawn).
fn scenes() -> Vec<(&'static str, &'static str, State)> {
    let table = world();
    let mut detail = world();
    update(&mut detail, key(KeyCode::Char('j')));
    open_with_log(&mut detail, &EVERY_EVENT);
    let mut proposal_view = world();
    update(
        &mut proposal_view,
        Action::RunCommandLine("open kubevigil-agents/raise-mem-7f3a".into()),
    );
    vec![
        (
            "investigations",
            "The investigations table: phase, state, deadline, pending proposals, cost and the newest event of each",
            table,
        ),
        (
            "investigation",
            "An investigation open: its agent's reasoning streaming, its proposals beside it",
            detail,
        ),
        (
            "proposal",
            "A proposal: the canonical change that runs, its digest, the decisions so far",
            proposal_view,
        ),
    ]
}

fn images() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("docs/images")
}

#[test]
fn the_pictures_in_the_docs_are_the_consoles_own_frames() {
    let update_them = std::env::var_os("UPDATE_PICTURES").is_some();
    let mut stale = Vec::new();
    for (name, title, state) in scenes() {
        let picture = kubevigil::ui::picture::svg(&draw(&state), title);
        let path = images().join(format!("{name}.svg"));
        let committed = std::fs::read_to_string(&path).unwrap_or_default();
        if committed == picture {
            continue;
        }
        if update_them {
            std::fs::create_dir_all(images()).expect("docs/images");
            std::fs::write(&path, &picture).expect("write the picture");
        } else {
            stale.push(path.display().to_string());
        }
    }
    assert!(
        stale.is_empty(),
        "stale pictures (the views changed): {stale:?}; redraw them with UPDATE_PICTURES=1 cargo test --test pictures"
    );
}

#[test]
fn the_readme_shows_the_pictures() {
    let readme =
        std::fs::read_to_string(PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("README.md"))
            .expect("README.md");
    for name in ["investigations", "investigation", "proposal"] {
        assert!(
            readme.contains(&format!("(docs/images/{name}.svg)")),
            "the README shows docs/images/{name}.svg"
        );
    }
}
