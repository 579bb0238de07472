//! The help overlay's text, generated from the keymap so it lists every
//! key, and from the command table so it lists every `:` command; its area
//! and how far it scrolls.

use super::{layout, text};
use crate::app::command::COMMANDS;
use crate::app::keymap::KeyChord;
use crate::app::state::State;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};

const KEY_COLUMN: usize = 20;

/// Every line of the help text.
pub fn lines(state: &State) -> Vec<Line<'static>> {
    let theme = &state.theme;
    let mut lines = Vec::new();
    for (scope, commands) in state.keymap.help_sections() {
        if !lines.is_empty() {
            lines.push(Line::from(""));
        }
        lines.push(Line::styled(format!(" {}", scope.title()), theme.title));
        for (command, keys) in commands {
            if state.readonly && command.is_write() {
                continue;
            }
            // Keys RBAC refuses stay listed, with the right they lack.
            let withheld =
                crate::app::state::right_of(command, &scope_screen(scope)).filter(|right| {
                    let namespaces = state.scope_namespaces();
                    !namespaces.is_empty() && namespaces.iter().all(|ns| state.denied(*right, ns))
                });
            let keys = keys
                .iter()
                .map(KeyChord::to_string)
                .collect::<Vec<_>>()
                .join(", ");
            lines.push(Line::from(vec![
                Span::styled(
                    format!("   {}", text::pad(&keys, KEY_COLUMN)),
                    theme.key_hint,
                ),
                Span::styled(command.description().to_string(), theme.base),
                Span::styled(format!("  ({})", command.name()), theme.dim),
                Span::styled(
                    withheld
                        .map(|right| format!("  ✗ RBAC: no {}", right.needs()))
                        .unwrap_or_default(),
                    theme.dim.patch(theme.warn),
                ),
            ]));
        }
    }
    lines.push(Line::from(""));
    lines.push(Line::styled(" prompts", theme.title));
    for (keys, what) in [
        (
            "tab, shift-tab",
            "complete a command, a namespace, a context",
        ),
        ("enter", "run / apply"),
        ("esc", "cancel (a filter is cleared)"),
        ("ctrl-u, ctrl-w", "clear the line / the last word"),
    ] {
        lines.push(Line::from(vec![
            Span::styled(
                format!("   {}", text::pad(keys, KEY_COLUMN)),
                theme.key_hint,
            ),
            Span::styled(what.to_string(), theme.base),
        ]));
    }
    if !state.readonly {
        lines.push(Line::from(""));
        lines.push(Line::styled(" approve and veto dialogs", theme.title));
        for (keys, what) in [
            ("j, k, down, up", "scroll the change a line (approve)"),
            (
                "pgdn, pgup, space",
                "scroll the change a page (veto: pgdn, pgup)",
            ),
            ("y", "approve, once all of the change has been on screen"),
        ] {
            lines.push(Line::from(vec![
                Span::styled(
                    format!("   {}", text::pad(keys, KEY_COLUMN)),
                    theme.key_hint,
                ),
                Span::styled(what.to_string(), theme.base),
            ]));
        }
    }
    lines.push(Line::from(""));
    lines.push(Line::styled(
        " commands (type : then the name; a unique prefix is enough)",
        theme.title,
    ));
    for (name, argument, what) in COMMANDS {
        let usage = if argument.is_empty() {
            format!(":{name}")
        } else {
            format!(":{name} {argument}")
        };
        lines.push(Line::from(vec![
            Span::styled(
                format!("   {}", text::pad(&usage, KEY_COLUMN)),
                theme.key_hint,
            ),
            Span::styled(what.to_string(), theme.base),
        ]));
    }
    lines.push(Line::from(""));
    lines.push(Line::styled(
        " trust phases (the PHASE column; set per namespace in :policies)",
        theme.title,
    ));
    for phase in crate::domain::Phase::ALL {
        lines.push(Line::from(vec![
            Span::styled(
                format!("   {}", text::pad(phase.badge(), KEY_COLUMN)),
                theme.key_hint,
            ),
            Span::styled(phase.meaning().to_string(), theme.base),
        ]));
    }
    lines.push(Line::from(""));
    lines.push(Line::styled(
        " the table sorts by the column marked ↓ or ↑; keys are set in config.toml [keys]",
        theme.dim,
    ));
    lines.push(Line::styled(
        " the mouse wheel scrolls; a click selects a row, a second click opens it (mouse = false: off)",
        theme.dim,
    ));
    lines
}

/// A screen of the keymap scope (to tell which right a key needs there).
fn scope_screen(scope: crate::app::keymap::Scope) -> crate::app::state::Screen {
    use crate::app::keymap::Scope;
    use crate::app::state::Screen;
    match scope {
        Scope::Policies => Screen::Policies,
        Scope::Detail => Screen::Detail,
        _ => Screen::Investigations,
    }
}

/// The overlay's area in `screen`.
pub fn area(screen: Rect) -> Rect {
    let columns = (screen.width.saturating_mul(9) / 10).clamp(screen.width.min(20), 96);
    let rows = screen.height.saturating_mul(9) / 10;
    layout::centered(screen, columns, rows.max(screen.height.min(3)))
}

/// The largest scroll that still fills the overlay.
pub fn max_scroll(state: &State) -> usize {
    let inner = area(layout::screen(state)).height.saturating_sub(2);
    lines(state).len().saturating_sub(usize::from(inner))
}
