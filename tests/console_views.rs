//! Snapshots of every console view at 160x48, 80x24 and 40x12, rendered to a
//! `TestBackend` and compared as text (the table after a halt keeps the
//! phase each investigation ran under); no panic at 1x1; agent escape
//! sequences reach the screen inert.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test, bench or example may panic on what it sets up

mod common;

use common::keys::{press, type_text};
use common::scene::{four_investigations, oom_investigation};
use common::screen::{draw, text};
use crossterm::event::KeyCode;
use kubevigil::app::action::Action;
use kubevigil::app::command::Command;
use kubevigil::app::fixtures::{
    EVERY_EVENT, StateBuilder, at, investigation, key, log_entries, open_with_log, proposal,
};
use kubevigil::app::state::State;
use kubevigil::app::update;
use kubevigil::domain::{InvestigationState, Phase, ProposalState, Risk};
use kubevigil::model::records::{InvestigationRecord, Source};
use ratatui::buffer::Buffer;

const SIZES: [(u16, u16); 3] = [(160, 48), (80, 24), (40, 12)];

/// A small world: three investigations in three phases, two proposals.
fn world(columns: u16, rows: u16) -> StateBuilder {
    four_investigations(
        StateBuilder::new()
            .size(columns, rows)
            .policy("payments", Phase::LimitedWrite)
            .policy("checkout", Phase::Autonomous),
    )
    .proposal(proposal(
        "restart-api-7f3a",
        "oom-7f3a9c",
        Risk::Low,
        ProposalState::Approved,
    ))
}

fn snapshot_at_every_size(name: &str, scene: impl Fn(u16, u16) -> State) {
    for (columns, rows) in SIZES {
        let state = scene(columns, rows);
        insta::assert_snapshot!(format!("{name}_{columns}x{rows}"), text(&draw(&state)));
    }
}

#[test]
fn investigations_table() {
    snapshot_at_every_size("table", |c, r| world(c, r).build());
}

/// payments was halted (LimitedWrite to Shadow) after two of its
/// investigations ran; checkout has not moved; cert-0a1b2c's Job predates
/// the phase annotation.
fn after_a_halt(columns: u16, rows: u16) -> State {
    let ran = |mut record: InvestigationRecord, phase: Phase| {
        record.investigation.phase = Some(phase);
        record
    };
    StateBuilder::new()
        .size(columns, rows)
        .policy("payments", Phase::Shadow)
        .policy("checkout", Phase::Autonomous)
        .investigation(ran(oom_investigation(), Phase::LimitedWrite))
        .investigation(ran(
            investigation(
                "crashloop-b2d4e1",
                "checkout",
                InvestigationState::Pending,
                20,
            ),
            Phase::Autonomous,
        ))
        .investigation(investigation(
            "cert-0a1b2c",
            "search",
            InvestigationState::Failed,
            4000,
        ))
        .investigation(ran(
            investigation(
                "rollout-99ffee",
                "payments",
                InvestigationState::Succeeded,
                7200,
            ),
            Phase::LimitedWrite,
        ))
        .build()
}

#[test]
fn investigations_keep_the_phase_they_ran_under_after_a_halt() {
    snapshot_at_every_size("table_after_halt", after_a_halt);
    let screen = text(&draw(&after_a_halt(160, 48)));
    let line = |id: &str| {
        screen
            .lines()
            .find(|l| l.contains(id))
            .unwrap_or_default()
            .to_string()
    };
    for id in ["oom-7f3a9c", "rollout-99ffee"] {
        assert!(line(id).contains("LIMITED→SHADOW"), "{screen}");
    }
    assert!(line("crashloop-b2d4e1").contains("AUTO "), "{screen}");
    assert!(!line("crashloop-b2d4e1").contains('→'), "{screen}");
    // On oom-7f3a9c (the second row), the tooltip row says both.
    let mut state = after_a_halt(160, 48);
    press(&mut state, KeyCode::Down);
    let screen = text(&draw(&state));
    assert!(
        screen.contains("· ran under LIMITED, now SHADOW: the agent investigates"),
        "{screen}"
    );
}

#[test]
fn investigations_table_filtered_and_sorted() {
    snapshot_at_every_size("table_filtered", |c, r| {
        let mut state = world(c, r).build();
        press(&mut state, KeyCode::Char('s'));
        press(&mut state, KeyCode::Char('/'));
        type_text(&mut state, "pay");
        state
    });
}

#[test]
fn header_read_only_unverified_and_reconnecting() {
    snapshot_at_every_size("header_degraded", |c, r| {
        let mut state = world(c, r)
            .readonly(true)
            .user(Some(("alice", false)))
            .namespace("payments")
            .build();
        let epoch = state.epoch;
        update(
            &mut state,
            Action::SourceDisconnected {
                epoch,
                source: Source::Investigations,
                since: at(-30),
                error: "connection refused".into(),
            },
        );
        state
    });
}

#[test]
fn detail_with_every_event_type() {
    snapshot_at_every_size("detail", |c, r| {
        let mut state = world(c, r).build();
        press(&mut state, KeyCode::Char('j'));
        open_with_log(&mut state, &EVERY_EVENT);
        state
    });
}

#[test]
fn detail_unfolded_with_timestamps_and_search() {
    snapshot_at_every_size("detail_unfolded", |c, r| {
        let mut state = world(c, r).build();
        press(&mut state, KeyCode::Char('j'));
        open_with_log(&mut state, &EVERY_EVENT);
        update(&mut state, Action::Command(Command::Timestamps));
        press(&mut state, KeyCode::Char('/'));
        type_text(&mut state, "kubectl");
        press(&mut state, KeyCode::Enter);
        press(&mut state, KeyCode::Enter);
        state
    });
}

#[test]
fn detail_with_dropped_lines() {
    snapshot_at_every_size("detail_dropped", |c, r| {
        let mut state = world(c, r).log_buffer_lines(100).build();
        let lines: Vec<String> = (0..250)
            .map(|i| format!(r#"{{"type":"thought","text":"step {i}"}}"#))
            .collect();
        let lines: Vec<&str> = lines.iter().map(String::as_str).collect();
        open_with_log(&mut state, &lines);
        state
    });
}

#[test]
fn proposal_detail() {
    snapshot_at_every_size("proposal", |c, r| {
        let mut state = world(c, r).build();
        press(&mut state, KeyCode::Char('j'));
        open_with_log(&mut state, &EVERY_EVENT);
        press(&mut state, KeyCode::Char('p'));
        press(&mut state, KeyCode::Enter);
        state
    });
}

#[test]
fn help_overlay() {
    snapshot_at_every_size("help", |c, r| {
        let mut state = world(c, r).build();
        press(&mut state, KeyCode::Char('?'));
        state
    });
}

#[test]
fn command_line_with_completions() {
    snapshot_at_every_size("command_line", |c, r| {
        let mut state = world(c, r).build();
        press(&mut state, KeyCode::Char(':'));
        press(&mut state, KeyCode::Char('n'));
        press(&mut state, KeyCode::Char('s'));
        press(&mut state, KeyCode::Tab);
        state
    });
}

#[test]
fn config_warning_notice() {
    snapshot_at_every_size("config_warning", |c, r| {
        world(c, r)
            .notice(
                "config [keys]: unknown action `teleport` (ignored); see ? for the action names",
            )
            .build()
    });
}

#[test]
fn placeholder_views() {
    snapshot_at_every_size("placeholder", |c, r| {
        let mut state = world(c, r).build();
        update(&mut state, Action::RunCommandLine("approvals".into()));
        state
    });
}

#[test]
fn no_panic_at_any_tiny_size() {
    for (columns, rows) in [(1, 1), (2, 1), (1, 2), (3, 3), (10, 4), (0, 0)] {
        let mut state = world(columns, rows).notice("a warning").build();
        let _ = draw(&state);
        open_with_log(&mut state, &EVERY_EVENT);
        let _ = draw(&state);
        press(&mut state, KeyCode::Char('?'));
        let _ = draw(&state);
        press(&mut state, KeyCode::Esc);
        press(&mut state, KeyCode::Char(':'));
        let _ = draw(&state);
    }
}

#[test]
fn agent_escape_sequences_reach_the_screen_inert() {
    let hostile = [
        r#"{"type":"thought","text":"clear \u001b[2J now"}"#,
        r#"{"type":"thought","text":"clip \u001b]52;c;cm0gLXJmIC8K\u0007 board"}"#,
        r#"{"type":"thought","text":"title \u001b]0;pwned\u0007 change"}"#,
        "raw \x1b[2J\x1b]52;c;cm0gLXJmIC8K\x07\x1b]0;pwned\x07 line",
        r#"{"type":"tool_result","id":"c9","output":"\u001b[31mred\u001b[0m\r\nnext"}"#,
    ];
    let mut state = world(160, 48).build();
    open_with_log(&mut state, &hostile);
    for seq in 0..hostile.len() as u64 {
        state
            .detail
            .as_mut()
            .expect("detail")
            .buffer
            .expanded
            .insert(seq);
    }
    let buffer = draw(&state);
    for cell in buffer.content() {
        assert!(
            !cell.symbol().chars().any(char::is_control),
            "a control character reached the screen: {:?}",
            cell.symbol()
        );
    }
    let screen = text(&buffer);
    assert!(
        screen.contains("clear  now") || screen.contains("clear now"),
        "{screen}"
    );
    assert!(
        screen.contains("title  change") || screen.contains("title change"),
        "{screen}"
    );
    assert!(
        !screen.contains("52;c;"),
        "the OSC 52 payload must be removed whole:\n{screen}"
    );
}

#[test]
fn proposal_payloads_reveal_invisible_characters() {
    let mut record = proposal(
        "bidi-1",
        "oom-7f3a9c",
        Risk::Critical,
        ProposalState::Pending,
    );
    let redactor = kubevigil::sanitize::Redactor::default();
    record.change = Some(kubevigil::cluster::trim::payload(
        "kubectl delete ns payments\u{202e} # harmless",
        None,
        &redactor,
    ));
    let mut state = world(160, 48).proposal(record).build();
    update(&mut state, Action::RunCommandLine("investigations".into()));
    state.screens.push(kubevigil::app::state::Screen::Proposal {
        key: kubevigil::model::records::ProposalKey::new("kubevigil-agents", "bidi-1"),
        scroll: 0,
    });
    let screen = text(&draw(&state));
    assert!(screen.contains("U+202E"), "{screen}");
    assert!(screen.contains("invisible characters revealed"), "{screen}");
    assert!(!screen.contains('\u{202e}'));
}

#[test]
fn a_frame_renders_only_the_visible_rows() {
    // 2,000 rows, and the frame still shows the newest first and a count of all.
    let state = StateBuilder::new().many_investigations(2_000).build();
    let screen = text(&draw(&state));
    assert!(screen.contains("investigations 2,000/2,000"), "{screen}");
    assert_eq!(
        screen.lines().filter(|l| l.contains("inv-")).count(),
        48 - 1 - 2 - 1
    );
    let _ = log_entries(0, &[]);
}

/// The bytes a terminal receives to go from `before` to `after`: ratatui's
/// own cell diff, written by the real crossterm backend.
fn bytes_between(before: &Buffer, after: &Buffer) -> usize {
    use ratatui::backend::{Backend, CrosstermBackend};
    let mut written: Vec<u8> = Vec::new();
    {
        let mut backend = CrosstermBackend::new(&mut written);
        backend.draw(before.diff(after).into_iter()).expect("draw");
        Backend::flush(&mut backend).expect("flush");
    }
    written.len()
}

#[test]
fn a_cursor_move_at_160x48_writes_two_rows_at_most() {
    let mut state = StateBuilder::new()
        .policy("payments", Phase::LimitedWrite)
        .many_investigations(500)
        .build();
    press(&mut state, KeyCode::Char('j'));
    let mut before = draw(&state);
    for code in [
        KeyCode::Char('j'),
        KeyCode::Char('j'),
        KeyCode::Char('k'),
        KeyCode::Down,
    ] {
        let effects = update(&mut state, key(code));
        assert!(effects.contains(&kubevigil::app::effect::Effect::Redraw));
        let after = draw(&state);
        let bytes = bytes_between(&before, &after);
        // The old row and the new one, repainted whole (the highlight runs
        // across the row): about 1 KB at 160 columns.
        assert!(bytes > 0 && bytes < 1200, "{code:?} wrote {bytes} bytes");
        before = after;
    }
    // A no-op key asks for no frame, and would change no cell anyway.
    let effects = update(&mut state, key(KeyCode::Char('z')));
    assert!(effects.is_empty());
    assert!(before.diff(&draw(&state)).is_empty());
}
