//! The footer: key hints for the current screen (generated from the keymap).

use super::text;
use crate::app::command::Command;
use crate::app::state::{Screen, State};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

/// The hints shown on a screen: (command, label).
fn hints(screen: &Screen) -> &'static [(Command, &'static str)] {
    match screen {
        Screen::Investigations => &[
            (Command::Open, "open"),
            (Command::Filter, "filter"),
            (Command::SortNext, "sort"),
            (Command::SortReverse, "reverse"),
            (Command::CommandLine, "command"),
            (Command::Help, "help"),
            (Command::AskQuit, "quit"),
        ],
        Screen::Detail => &[
            (Command::Follow, "follow"),
            (Command::Open, "unfold/open"),
            (Command::NextProposal, "next proposal"),
            (Command::Filter, "search"),
            (Command::Timestamps, "times"),
            (Command::Wrap, "wrap"),
            (Command::FocusNext, "proposals"),
            (Command::Back, "back"),
            (Command::Help, "help"),
        ],
        Screen::Proposal { .. } => &[
            (Command::Down, "scroll"),
            (Command::Back, "back"),
            (Command::Help, "help"),
        ],
        Screen::Policies => &[
            (Command::EditPolicy, "edit"),
            (Command::NewPolicy, "new"),
            (Command::Back, "back"),
            (Command::Resume, "resume"),
            (Command::CommandLine, "command"),
            (Command::Help, "help"),
        ],
        Screen::Approvals => &[
            (Command::Open, "open"),
            (Command::Back, "back"),
            (Command::CommandLine, "command"),
            (Command::Help, "help"),
        ],
        Screen::Audit => &[
            (Command::Filter, "filter"),
            (Command::Back, "back"),
            (Command::Help, "help"),
        ],
        Screen::Document { .. } => &[
            (Command::Down, "scroll"),
            (Command::ShowYaml, "yaml"),
            (Command::ShowLog, "log"),
            (Command::Refresh, "reload"),
            (Command::OpenInPager, "pager"),
            (Command::OpenInEditor, "editor"),
            (Command::Back, "back"),
            (Command::Help, "help"),
        ],
    }
}

/// Hints shown only in the room the others and the missing-right note leave:
/// the cluster-object and transcript keys of the table and an investigation.
fn spare_room_hints(screen: &Screen) -> &'static [(Command, &'static str)] {
    match screen {
        Screen::Investigations | Screen::Detail => &[
            (Command::ShowYaml, "yaml"),
            (Command::ShowLog, "log"),
            (Command::ExportTranscript, "export"),
        ],
        _ => &[],
    }
}

/// Draws the key hints (the prompt, when open, is drawn over them).
pub fn render(state: &State, frame: &mut Frame, area: Rect) {
    if area.height == 0 || state.prompt.is_some() {
        return;
    }
    let theme = &state.theme;
    if let Some(key) = &state.copy_choice {
        let line = Line::from(vec![
            Span::styled(format!(" copy {}: ", key.name), theme.accent),
            Span::styled(" <c>", theme.key_hint),
            Span::styled(" the change ", theme.dim),
            Span::styled(" <k>", theme.key_hint),
            Span::styled(" a kubectl command ", theme.dim),
            Span::styled(" <esc>", theme.key_hint),
            Span::styled(" cancel ", theme.dim),
        ]);
        frame.render_widget(Paragraph::new(line).style(theme.base), area);
        return;
    }
    if state.asking_quit {
        let line = Line::from(vec![
            Span::styled(" quit kubevigil? ", theme.warn),
            Span::styled(" <y>", theme.key_hint),
            Span::styled(" quit ", theme.dim),
            Span::styled(" <any other key>", theme.key_hint),
            Span::styled(" stay ", theme.dim),
        ]);
        frame.render_widget(Paragraph::new(line).style(theme.base), area);
        return;
    }
    let screen = state.screen();
    let scope = screen.scope();
    let mut spans: Vec<Span<'static>> = Vec::new();
    let mut used = 0;
    let mut deciding = super::queue::footer_hints(state);
    deciding.extend(super::decision_bar::footer_hints(state));
    let tail = super::decision_bar::footer_tail_hints(state);
    // Keys RBAC refuses are not offered; one note says which right is missing.
    let mut withheld: Vec<(String, crate::app::state::Withheld)> = Vec::new();
    // Whether a hint was left out for want of room (then no spare-room hint).
    let mut full = false;
    for (command, label) in deciding.iter().chain(hints(screen)).chain(tail.iter()) {
        let key = state.keymap.hint(scope, *command);
        if let Some(why) = state.withheld(*command) {
            if !withheld.iter().any(|(k, _)| *k == key) {
                withheld.push((key, why));
            }
            continue;
        }
        let item = text::width(&key) + text::width(label) + 5;
        if used + item > usize::from(area.width) {
            full = true;
            break;
        }
        used += item;
        spans.push(Span::styled(format!(" <{key}>"), theme.key_hint));
        spans.push(Span::styled(format!(" {label} "), theme.dim));
    }
    if let Some((_, why)) = withheld.first() {
        let keys: Vec<&str> = withheld
            .iter()
            .filter(|(_, w)| w == why)
            .map(|(k, _)| k.as_str())
            .collect();
        let note = format!(" ✗ {}: {} ", keys.join("/"), withheld_note(why));
        let room = usize::from(area.width).saturating_sub(used);
        if room > 8 {
            let note = text::fit(&note, room);
            used += text::width(&note);
            spans.push(Span::styled(note, theme.dim.patch(theme.warn)));
        }
    }
    let spare = if full {
        &[][..]
    } else {
        spare_room_hints(screen)
    };
    for (command, label) in spare {
        if state.withheld(*command).is_some() {
            continue;
        }
        let key = state.keymap.hint(scope, *command);
        let item = text::width(&key) + text::width(label) + 5;
        if used + item > usize::from(area.width) {
            break;
        }
        used += item;
        spans.push(Span::styled(format!(" <{key}>"), theme.key_hint));
        spans.push(Span::styled(format!(" {label} "), theme.dim));
    }
    frame.render_widget(Paragraph::new(Line::from(spans)).style(theme.base), area);
}

/// "no update actionproposals/status in payments".
fn withheld_note(why: &crate::app::state::Withheld) -> String {
    format!("no {} in {}", why.right.needs(), why.namespace)
}
