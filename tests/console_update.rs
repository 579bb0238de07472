//! The console's state machine, driven with actions as the runtime would,
//! without a terminal or a cluster.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test, bench or example may panic on what it sets up

mod common;

use common::keys::{press, type_text};
use common::scene::four_investigations;
use crossterm::event::{KeyCode, KeyModifiers};
use kubevigil::app::action::Action;
use kubevigil::app::command::Command;
use kubevigil::app::effect::Effect;
use kubevigil::app::fixtures::{
    EVERY_EVENT, StateBuilder, at, investigation, key_with, log_entries, open_with_log,
};
use kubevigil::app::keymap::Keymap;
use kubevigil::app::state::{Column, OlderLines, Screen, State};
use kubevigil::app::update;
use kubevigil::cluster::logs::StreamTarget;
use kubevigil::domain::{InvestigationState, Phase};
use kubevigil::model::records::EntryKind;
use kubevigil::model::records::Source;
use std::collections::BTreeMap;

fn world() -> State {
    four_investigations(StateBuilder::new().policy("payments", Phase::LimitedWrite)).build()
}

fn redraws(effects: &[Effect]) -> bool {
    effects.contains(&Effect::Redraw)
}

fn selected_id(state: &State) -> String {
    state
        .table
        .selected_row()
        .map(|r| r.id().to_string())
        .unwrap_or_default()
}

fn visible_ids(state: &State) -> Vec<String> {
    state
        .table
        .slice(0, usize::MAX)
        .map(|r| r.id().to_string())
        .collect()
}

fn cursor_kind(state: &State) -> Option<EntryKind> {
    let buffer = &state.detail.as_ref()?.buffer;
    buffer.get(buffer.cursor_seq()?).map(|e| e.kind.clone())
}

#[test]
fn vim_keys_and_arrows_move_the_table_cursor() {
    let mut state = world();
    assert_eq!(selected_id(&state), "crashloop-b2d4e1", "newest first");
    assert!(redraws(&press(&mut state, KeyCode::Char('j'))));
    assert_eq!(selected_id(&state), "oom-7f3a9c");
    press(&mut state, KeyCode::Down);
    assert_eq!(selected_id(&state), "cert-0a1b2c");
    press(&mut state, KeyCode::Char('G'));
    assert_eq!(selected_id(&state), "rollout-99ffee");
    press(&mut state, KeyCode::Up);
    assert_eq!(selected_id(&state), "cert-0a1b2c");
    press(&mut state, KeyCode::Home);
    assert_eq!(selected_id(&state), "crashloop-b2d4e1");
    update(
        &mut state,
        key_with(KeyCode::Char('d'), KeyModifiers::CONTROL),
    );
    assert_eq!(
        selected_id(&state),
        "rollout-99ffee",
        "half a page is more than four rows"
    );
}

#[test]
fn a_no_op_key_draws_nothing() {
    let mut state = world();
    assert!(
        press(&mut state, KeyCode::Char('z')).is_empty(),
        "an unbound key"
    );
    assert!(
        !redraws(&press(&mut state, KeyCode::Char('k'))),
        "up at the top"
    );
    assert!(
        !redraws(&press(&mut state, KeyCode::Esc)),
        "esc with nothing to close"
    );
    press(&mut state, KeyCode::Char('G'));
    assert!(
        !redraws(&press(&mut state, KeyCode::Char('j'))),
        "down at the bottom"
    );
}

#[test]
fn the_filter_narrows_as_you_type_and_esc_clears_it() {
    let mut state = world();
    press(&mut state, KeyCode::Char('/'));
    type_text(&mut state, "PAY");
    assert_eq!(visible_ids(&state), ["oom-7f3a9c", "rollout-99ffee"]);
    press(&mut state, KeyCode::Enter);
    assert!(state.prompt.is_none());
    assert_eq!(state.table.visible_len(), 2, "enter keeps the filter");
    // The phase is searchable too.
    press(&mut state, KeyCode::Char('/'));
    press(&mut state, KeyCode::Backspace);
    press(&mut state, KeyCode::Backspace);
    press(&mut state, KeyCode::Backspace);
    type_text(&mut state, "shadow");
    assert_eq!(visible_ids(&state), ["crashloop-b2d4e1", "cert-0a1b2c"]);
    press(&mut state, KeyCode::Esc);
    assert_eq!(state.table.visible_len(), 4);
}

#[test]
fn sorting_cycles_columns_and_reverses() {
    let mut state = world();
    assert_eq!(state.table.sort, Column::Age);
    press(&mut state, KeyCode::Char('s'));
    assert_eq!(state.table.sort, Column::TimeLeft);
    assert_eq!(
        visible_ids(&state)[0],
        "oom-7f3a9c",
        "soonest deadline first"
    );
    for _ in 0..5 {
        press(&mut state, KeyCode::Char('s'));
    }
    assert_eq!(
        state.table.sort,
        Column::Id,
        "wraps around to the first column"
    );
    assert_eq!(visible_ids(&state)[0], "cert-0a1b2c");
    press(&mut state, KeyCode::Char('S'));
    assert_eq!(visible_ids(&state)[0], "rollout-99ffee");
    // The cursor stays on the same investigation across re-sorts.
    let before = selected_id(&state);
    press(&mut state, KeyCode::Char('S'));
    assert_eq!(selected_id(&state), before);
}

#[test]
fn the_phase_comes_from_the_target_namespace_policy() {
    let state = world();
    let phase = |id: &str| state.table.get(id).map(|r| r.phase);
    assert_eq!(phase("oom-7f3a9c"), Some(Phase::LimitedWrite));
    assert_eq!(
        phase("cert-0a1b2c"),
        Some(Phase::Shadow),
        "no policy is Shadow"
    );
    assert_eq!(state.table.get("oom-7f3a9c").map(|r| r.pending), Some(1));
}

#[test]
fn opening_an_investigation_streams_its_log_and_leaving_stops_it() {
    let mut state = world();
    press(&mut state, KeyCode::Char('j'));
    let effects = press(&mut state, KeyCode::Enter);
    let stream = state
        .detail
        .as_ref()
        .map(|d| d.stream)
        .expect("a detail view");
    assert!(effects.contains(&Effect::StartLogStream(StreamTarget {
        stream,
        investigation: "oom-7f3a9c".into(),
        namespace: "kubevigil-agents".into(),
        job_name: "inv-oom-7f3a9c".into(),
    })));
    let effects = press(&mut state, KeyCode::Char('q'));
    assert!(effects.contains(&Effect::StopLogStream { stream }));
    assert_eq!(state.screen(), &Screen::Investigations);
    assert!(state.detail.is_none());
    // Lines of the stopped stream are ignored.
    let effects = update(
        &mut state,
        Action::LogLines {
            stream,
            entries: log_entries(0, &["late"]),
        },
    );
    assert!(effects.is_empty());
}

#[test]
fn streamed_lines_give_the_row_its_cost_and_last_line() {
    let mut state = world();
    press(&mut state, KeyCode::Char('j'));
    open_with_log(&mut state, &EVERY_EVENT);
    let row = state.table.get("oom-7f3a9c").expect("row");
    let cost = row.cost.expect("a cost from the usage events");
    assert!((cost - 0.0203).abs() < 1e-9, "{cost}");
    assert!(
        row.last_line
            .as_deref()
            .is_some_and(|l| l.contains("Memory limit too low"))
    );
    let usage = state
        .detail
        .as_ref()
        .map(|d| d.buffer.usage)
        .expect("detail");
    assert_eq!((usage.input_tokens, usage.output_tokens), (2000, 500));
    assert_eq!(
        state.table.get("cert-0a1b2c").and_then(|r| r.cost),
        None,
        "not streamed"
    );
}

#[test]
fn follow_mode_toggles_and_moving_up_leaves_it() {
    let mut state = world();
    open_with_log(&mut state, &EVERY_EVENT);
    let following = |s: &State| s.detail.as_ref().is_some_and(|d| d.buffer.follow);
    assert!(following(&state));
    press(&mut state, KeyCode::Char('k'));
    assert!(!following(&state));
    assert!(
        matches!(cursor_kind(&state), Some(EntryKind::Usage { .. })),
        "one above the newest"
    );
    press(&mut state, KeyCode::Char('f'));
    assert!(following(&state));
    press(&mut state, KeyCode::Char('f'));
    assert!(!following(&state));
    press(&mut state, KeyCode::Char('g'));
    assert!(matches!(cursor_kind(&state), Some(EntryKind::Thought(_))));
    // New lines do not move a paused cursor.
    let stream = state.detail.as_ref().map(|d| d.stream).unwrap_or_default();
    update(
        &mut state,
        Action::LogLines {
            stream,
            entries: log_entries(10, &["more"]),
        },
    );
    assert!(matches!(cursor_kind(&state), Some(EntryKind::Thought(_))));
    press(&mut state, KeyCode::Char('G'));
    assert!(following(&state), "the bottom key follows again");
}

#[test]
fn search_moves_with_n_and_capital_n() {
    let mut state = world();
    open_with_log(&mut state, &EVERY_EVENT);
    press(&mut state, KeyCode::Char('g'));
    press(&mut state, KeyCode::Char('/'));
    type_text(&mut state, "USAGE");
    press(&mut state, KeyCode::Enter);
    let cursor = |s: &State| s.detail.as_ref().and_then(|d| d.buffer.cursor_seq());
    let first = cursor(&state);
    assert!(
        matches!(cursor_kind(&state), Some(EntryKind::Usage { .. })),
        "{:?}",
        cursor_kind(&state)
    );
    press(&mut state, KeyCode::Char('n'));
    let second = cursor(&state);
    assert_ne!(first, second);
    assert!(matches!(cursor_kind(&state), Some(EntryKind::Usage { .. })));
    press(&mut state, KeyCode::Char('n'));
    assert_eq!(cursor(&state), first, "wraps around");
    press(&mut state, KeyCode::Char('N'));
    assert_eq!(cursor(&state), second);
}

#[test]
fn a_search_without_match_says_so() {
    let mut state = world();
    open_with_log(&mut state, &EVERY_EVENT);
    press(&mut state, KeyCode::Char('/'));
    type_text(&mut state, "kernel panic");
    press(&mut state, KeyCode::Enter);
    assert!(state.notices.iter().any(|n| n.text.contains("no match")));
}

#[test]
fn p_jumps_to_the_proposal_and_enter_opens_it_for_highlighting() {
    let mut state = world();
    press(&mut state, KeyCode::Char('j'));
    open_with_log(&mut state, &EVERY_EVENT);
    press(&mut state, KeyCode::Char('p'));
    assert!(matches!(
        cursor_kind(&state),
        Some(EntryKind::Proposal { .. })
    ));
    let effects = press(&mut state, KeyCode::Enter);
    assert!(matches!(state.screen(), Screen::Proposal { key, .. } if key.name == "raise-mem-7f3a"));
    let highlights = effects
        .iter()
        .filter(|e| matches!(e, Effect::Highlight { .. }))
        .count();
    assert_eq!(highlights, 3, "patch, diff and dry run: {effects:?}");
    // Asked once: opening again while in flight asks for nothing new.
    press(&mut state, KeyCode::Esc);
    let effects = press(&mut state, KeyCode::Enter);
    assert!(
        !effects
            .iter()
            .any(|e| matches!(e, Effect::Highlight { .. }))
    );
}

#[test]
fn enter_and_space_fold_tool_calls() {
    let mut state = world();
    open_with_log(&mut state, &EVERY_EVENT);
    press(&mut state, KeyCode::Char('g'));
    press(&mut state, KeyCode::Char('j'));
    assert!(matches!(cursor_kind(&state), Some(EntryKind::ToolCall(_))));
    let expanded = |s: &State| {
        s.detail
            .as_ref()
            .map(|d| d.buffer.expanded.len())
            .unwrap_or(0)
    };
    press(&mut state, KeyCode::Enter);
    assert_eq!(expanded(&state), 1);
    press(&mut state, KeyCode::Char(' '));
    assert_eq!(expanded(&state), 0);
    press(&mut state, KeyCode::Char('k'));
    assert!(
        !redraws(&press(&mut state, KeyCode::Char(' '))),
        "a thought does not fold"
    );
}

#[test]
fn the_buffer_is_bounded_and_counts_what_it_dropped() {
    let mut state = StateBuilder::new()
        .log_buffer_lines(100)
        .investigation(investigation(
            "oom-7f3a9c",
            "payments",
            InvestigationState::Running,
            60,
        ))
        .build();
    let lines: Vec<String> = (0..250).map(|i| format!("line {i}")).collect();
    let lines: Vec<&str> = lines.iter().map(String::as_str).collect();
    let stream = open_with_log(&mut state, &lines);
    let buffer = &state.detail.as_ref().expect("detail").buffer;
    assert_eq!(buffer.len(), 100);
    assert_eq!(buffer.dropped(), 150);
    assert_eq!(buffer.first_seq(), Some(150));
    // The fetch key asks the cluster again for the dropped lines just before the buffer.
    let effects = press(&mut state, KeyCode::Char('o'));
    let fetch = effects
        .iter()
        .find_map(|e| match e {
            Effect::FetchOlder { request, .. } => {
                Some((request.count, request.first_seq, request.pod.clone()))
            }
            _ => None,
        })
        .expect("a fetch");
    assert_eq!(fetch, (100, 50, "inv-oom-7f3a9c-pod".to_string()));
    update(
        &mut state,
        Action::OlderLines {
            stream,
            result: Ok(log_entries(50, &["line 50", "line 51"])),
        },
    );
    let older = state.detail.as_ref().and_then(|d| d.older.as_ref());
    assert!(matches!(older, Some(OlderLines::Loaded(b)) if b.len() == 2));
    press(&mut state, KeyCode::Esc);
    assert!(
        state.detail.as_ref().is_some_and(|d| d.older.is_none()),
        "esc returns to the stream"
    );
}

#[test]
fn the_command_line_completes_commands_namespaces_and_contexts() {
    let mut state = world();
    press(&mut state, KeyCode::Char(':'));
    let listed = state
        .prompt
        .as_ref()
        .map(|p| p.completions.len())
        .unwrap_or(0);
    assert_eq!(
        listed,
        kubevigil::app::command::COMMANDS.len(),
        "every command is offered"
    );
    // `:n` is both ns and notices: `ns` is enough.
    press(&mut state, KeyCode::Char('n'));
    press(&mut state, KeyCode::Char('s'));
    press(&mut state, KeyCode::Tab);
    let input = |s: &State| {
        s.prompt
            .as_ref()
            .map(|p| p.input.clone())
            .unwrap_or_default()
    };
    assert_eq!(input(&state), "ns ");
    type_text(&mut state, "pa");
    press(&mut state, KeyCode::Tab);
    assert_eq!(input(&state), "ns payments");
    let effects = press(&mut state, KeyCode::Enter);
    assert!(effects.iter().any(|e| matches!(
        e,
        Effect::StartWatchers { namespace: Some(ns), .. } if ns == "payments"
    )));
    assert_eq!(state.namespace.as_deref(), Some("payments"));
    assert_eq!(
        state.table.rows().len(),
        0,
        "data of the old scope is dropped"
    );

    press(&mut state, KeyCode::Char(':'));
    type_text(&mut state, "ctx ");
    press(&mut state, KeyCode::Tab);
    assert_eq!(input(&state), "ctx sandbox");
    press(&mut state, KeyCode::Tab);
    assert_eq!(input(&state), "ctx viewer", "tab cycles");
    press(&mut state, KeyCode::BackTab);
    assert_eq!(input(&state), "ctx sandbox");
    press(&mut state, KeyCode::Tab);
    let effects = press(&mut state, KeyCode::Enter);
    assert!(effects.contains(&Effect::SwitchContext {
        context: "viewer".into()
    }));
}

#[test]
fn command_line_views_and_mistakes() {
    let mut state = world();
    update(&mut state, Action::RunCommandLine("pol".into()));
    assert_eq!(state.screen(), &Screen::Policies);
    update(&mut state, Action::RunCommandLine("investigations".into()));
    assert_eq!(state.screen(), &Screen::Investigations);
    update(&mut state, Action::RunCommandLine("frobnicate".into()));
    assert!(
        state
            .notices
            .iter()
            .any(|n| n.text.contains("unknown command :frobnicate"))
    );
    update(&mut state, Action::RunCommandLine("ctx nowhere".into()));
    assert!(
        state
            .notices
            .iter()
            .any(|n| n.text.contains("no context named nowhere"))
    );
    update(
        &mut state,
        Action::RunCommandLine("ns Not_A_Namespace".into()),
    );
    assert!(
        state
            .notices
            .iter()
            .any(|n| n.text.contains("not a namespace name"))
    );
    let effects = update(&mut state, Action::RunCommandLine("q".into()));
    assert!(effects.contains(&Effect::Quit));
}

#[test]
fn a_disconnect_marks_data_stale_until_reconnected() {
    let mut state = world();
    let epoch = state.epoch;
    assert!(!state.investigations_stale());
    let effects = update(
        &mut state,
        Action::SourceDisconnected {
            epoch,
            source: Source::Investigations,
            since: at(-5),
            error: "connection reset".into(),
        },
    );
    assert!(redraws(&effects));
    assert!(state.investigations_stale());
    assert_eq!(state.reconnecting_since(), Some(at(-5)));
    // A second error keeps the first time.
    update(
        &mut state,
        Action::SourceDisconnected {
            epoch,
            source: Source::Investigations,
            since: at(0),
            error: "again".into(),
        },
    );
    assert_eq!(state.reconnecting_since(), Some(at(-5)));
    update(
        &mut state,
        Action::SourceConnected {
            epoch,
            source: Source::Investigations,
        },
    );
    assert!(!state.investigations_stale());
}

#[test]
fn a_forbidden_list_names_the_missing_right_and_keeps_going() {
    let mut state = StateBuilder::new()
        .namespace("payments")
        .user(Some(("viewer", true)))
        .build();
    let epoch = state.epoch;
    update(
        &mut state,
        Action::SourceForbidden {
            epoch,
            source: Source::Proposals,
            namespace: Some("payments".into()),
        },
    );
    let last = state
        .notices
        .last()
        .map(|n| n.text.clone())
        .unwrap_or_default();
    assert_eq!(last, "viewer cannot list actionproposals in payments");
    update(
        &mut state,
        Action::InvestigationsListed {
            epoch,
            records: vec![investigation(
                "a-1",
                "payments",
                InvestigationState::Running,
                5,
            )],
        },
    );
    assert_eq!(state.table.rows().len(), 1);
    // The message is about that scope: it goes when the scope changes.
    update(&mut state, Action::RunCommandLine("ns all".into()));
    assert!(state.notices.is_empty(), "{:?}", state.notices);
}

#[test]
fn actions_of_old_watchers_are_ignored() {
    let mut state = world();
    let old = state.epoch;
    update(&mut state, Action::RunCommandLine("ns payments".into()));
    let effects = update(
        &mut state,
        Action::InvestigationsListed {
            epoch: old,
            records: vec![investigation(
                "ghost",
                "payments",
                InvestigationState::Running,
                5,
            )],
        },
    );
    assert!(effects.is_empty());
    assert!(state.table.get("ghost").is_none());
}

#[test]
fn watcher_changes_apply_and_delete() {
    let mut state = world();
    let epoch = state.epoch;
    update(
        &mut state,
        Action::InvestigationsChanged {
            epoch,
            applied: vec![investigation(
                "new-1",
                "auth",
                InvestigationState::Running,
                1,
            )],
            deleted: vec!["cert-0a1b2c".into()],
        },
    );
    assert_eq!(state.table.rows().len(), 4);
    assert_eq!(visible_ids(&state)[0], "new-1");
    assert!(state.table.get("cert-0a1b2c").is_none());
    assert_eq!(state.table.counts(), (2, 0), "running, failed");
}

#[test]
fn the_clock_runs_only_while_something_counts_down() {
    let mut state = StateBuilder::new().build();
    assert!(!state.ticking, "an empty table shows no time");
    let epoch = state.epoch;
    let effects = update(
        &mut state,
        Action::InvestigationsChanged {
            epoch,
            applied: vec![investigation(
                "run-1",
                "payments",
                InvestigationState::Running,
                10,
            )],
            deleted: vec![],
        },
    );
    assert!(effects.contains(&Effect::SetTicking(true)));
    // A tick redraws when a visible time changed...
    assert!(redraws(&update(&mut state, Action::Tick(at(1)))));
    // ...and not when the clock moved backwards or stood still.
    assert!(update(&mut state, Action::Tick(at(1))).is_empty());
}

#[test]
fn a_tick_that_changes_no_visible_text_draws_nothing() {
    let mut state = StateBuilder::new()
        .investigation(investigation(
            "old-1",
            "payments",
            InvestigationState::Running,
            7200,
        ))
        .build();
    // Ages over an hour show minutes: 200 ms later nothing on screen changed.
    let later = at(0)
        .checked_add(jiff::SignedDuration::from_millis(200))
        .expect("time");
    assert!(!redraws(&update(&mut state, Action::Tick(later))));
}

#[test]
fn a_tick_redraws_when_a_visible_age_crosses_a_kubectl_boundary() {
    // 659 s reads "10m", as kubectl prints it; at 660 s it reads "11m".
    let mut state = StateBuilder::new()
        .investigation(investigation(
            "done-1",
            "payments",
            InvestigationState::Succeeded,
            659,
        ))
        .build();
    assert!(state.ticking, "a finished row's age still moves on");
    assert!(redraws(&update(&mut state, Action::Tick(at(1)))));
    // Nothing visible changes again before the next minute.
    for second in 2..61 {
        assert!(
            !redraws(&update(&mut state, Action::Tick(at(second)))),
            "second {second}"
        );
    }
    // 720 s: "12m".
    assert!(redraws(&update(&mut state, Action::Tick(at(61)))));
}

#[test]
fn a_countdown_scrolled_off_screen_draws_nothing() {
    // One young running row (its age counts seconds) on top of 80 rows
    // finished days ago, whose ages change once an hour.
    let mut builder = StateBuilder::new().investigation(investigation(
        "young-1",
        "payments",
        InvestigationState::Running,
        30,
    ));
    for i in 0..80 {
        builder = builder.investigation(investigation(
            &format!("old-{i:02}"),
            "payments",
            InvestigationState::Succeeded,
            3 * 86_400 + 1000 + i,
        ));
    }
    let mut state = builder.build();
    assert!(
        redraws(&update(&mut state, Action::Tick(at(1)))),
        "on screen"
    );
    for _ in 0..79 {
        press(&mut state, KeyCode::Char('j'));
    }
    assert!(state.table.offset > 0, "the young row scrolled out of view");
    for second in 2..10 {
        assert!(
            !redraws(&update(&mut state, Action::Tick(at(second)))),
            "second {second}"
        );
    }
}

#[test]
fn help_opens_from_the_keymap_and_closes_with_esc() {
    let mut state = world();
    press(&mut state, KeyCode::Char('?'));
    assert_eq!(state.help, Some(0));
    press(&mut state, KeyCode::Char('j'));
    assert_eq!(state.help, Some(1), "j scrolls the help");
    assert_eq!(selected_id(&state), "crashloop-b2d4e1", "and not the table");
    press(&mut state, KeyCode::Esc);
    assert_eq!(state.help, None);
}

#[test]
fn config_key_overrides_take_effect() {
    let overrides = BTreeMap::from([("down".to_string(), vec!["ctrl-n".to_string()])]);
    let (keymap, warnings) = Keymap::with_overrides(&overrides);
    assert!(warnings.is_empty());
    let mut state = StateBuilder::new()
        .keymap(keymap)
        .many_investigations(3)
        .build();
    let first = selected_id(&state);
    press(&mut state, KeyCode::Char('j'));
    assert_eq!(selected_id(&state), first, "j is no longer bound");
    update(
        &mut state,
        key_with(KeyCode::Char('n'), KeyModifiers::CONTROL),
    );
    assert_ne!(selected_id(&state), first);
}

#[test]
fn esc_on_the_table_dismisses_notices_one_at_a_time_and_notices_recalls_them() {
    let mut state = StateBuilder::new()
        .notice("config: bad theme")
        .notice("config: bad key")
        .build();
    assert_eq!(state.notices.len(), 2);
    assert!(redraws(&press(&mut state, KeyCode::Esc)));
    assert_eq!(
        state
            .notices
            .iter()
            .map(|n| n.text.as_str())
            .collect::<Vec<_>>(),
        ["config: bad theme"],
        "the newest goes, the next shows"
    );
    press(&mut state, KeyCode::Esc);
    assert!(state.notices.is_empty());
    assert!(!redraws(&press(&mut state, KeyCode::Esc)), "nothing left");
    update(&mut state, Action::RunCommandLine("notices".into()));
    assert_eq!(
        state
            .notices
            .iter()
            .map(|n| n.text.as_str())
            .collect::<Vec<_>>(),
        ["config: bad theme", "config: bad key"],
        ":notices brings every one back"
    );
}

#[test]
fn quitting_asks_the_runtime_to_quit() {
    let mut state = world();
    // `q` on the table asks first (it means back everywhere else): any other
    // key stays, `y` (or `q` again) quits.
    assert!(!press(&mut state, KeyCode::Char('q')).contains(&Effect::Quit));
    assert!(state.asking_quit);
    assert!(!press(&mut state, KeyCode::Char('n')).contains(&Effect::Quit));
    assert!(!state.asking_quit && !state.quitting);
    press(&mut state, KeyCode::Char('q'));
    assert!(press(&mut state, KeyCode::Char('y')).contains(&Effect::Quit));
    let mut state = world();
    press(&mut state, KeyCode::Char('q'));
    assert!(press(&mut state, KeyCode::Char('q')).contains(&Effect::Quit));
    let mut state = world();
    press(&mut state, KeyCode::Enter);
    let effects = update(
        &mut state,
        key_with(KeyCode::Char('c'), KeyModifiers::CONTROL),
    );
    assert!(
        effects.contains(&Effect::Quit),
        "ctrl-c quits from anywhere"
    );
    let effects = update(&mut state, Action::Command(Command::Quit));
    assert!(effects.contains(&Effect::Quit));
}
