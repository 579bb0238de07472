//! The open prompt in the footer (`:` command line, `/` filter or search)
//! and, for the command line, the completion list above it.

use super::text;
use crate::app::command::COMMANDS;
use crate::app::state::{PromptKind, State};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Paragraph};

/// The most completions listed at once.
const MAX_COMPLETIONS: usize = 8;

/// Draws the prompt into the footer row, and completions above it.
pub fn render(state: &State, frame: &mut Frame, footer: Rect) {
    let Some(prompt) = state.prompt.as_ref() else {
        return;
    };
    if footer.height == 0 || footer.width == 0 {
        return;
    }
    let theme = &state.theme;
    let hint = match prompt.kind {
        PromptKind::Command => "  tab completes · enter runs · esc cancels",
        PromptKind::Filter => "  filters as you type · enter keeps · esc clears",
        PromptKind::Search => "  enter searches · then n/N · esc cancels",
    };
    let typed = format!("{}{}", prompt.kind.sigil(), prompt.input);
    let room = usize::from(footer.width).saturating_sub(2);
    // Keep the end of a long input visible.
    let shown: String = if text::width(&typed) > room {
        let skip = typed.chars().count().saturating_sub(room);
        typed.chars().skip(skip).collect()
    } else {
        typed
    };
    let line = Line::from(vec![
        Span::styled(shown, theme.base),
        Span::styled("█", theme.accent),
        Span::styled(hint, theme.dim),
    ]);
    frame.render_widget(Paragraph::new(line).style(theme.base), footer);
    if prompt.kind == PromptKind::Command {
        render_completions(state, frame, footer);
    }
}

fn render_completions(state: &State, frame: &mut Frame, footer: Rect) {
    let Some(prompt) = state.prompt.as_ref() else {
        return;
    };
    if prompt.completions.is_empty() || footer.y == 0 {
        return;
    }
    let theme = &state.theme;
    let describe = |candidate: &str| {
        COMMANDS
            .iter()
            .find(|(name, _, _)| *name == candidate)
            .map(|(_, argument, what)| {
                if argument.is_empty() {
                    what.to_string()
                } else {
                    format!("{argument} — {what}")
                }
            })
            .filter(|_| !prompt.input.contains(' '))
            .unwrap_or_default()
    };
    let selected = prompt.selected.unwrap_or(0);
    let first = selected.saturating_sub(MAX_COMPLETIONS - 1);
    let shown: Vec<(usize, &String)> = prompt
        .completions
        .iter()
        .enumerate()
        .skip(first)
        .take(MAX_COMPLETIONS)
        .collect();
    let name_width = shown.iter().map(|(_, c)| text::width(c)).max().unwrap_or(0);
    let rows: Vec<String> = shown
        .iter()
        .map(|(_, c)| {
            let about = describe(c);
            if about.is_empty() {
                format!(" {} ", text::pad(c, name_width))
            } else {
                format!(" {}  {about} ", text::pad(c, name_width))
            }
        })
        .collect();
    // Full rows: a narrower box would leave pieces of the notice line beside it.
    let width = footer.width;
    let height = u16::try_from(rows.len()).unwrap_or(u16::MAX).min(footer.y);
    let area = Rect::new(footer.x, footer.y - height, width, height);
    let lines: Vec<Line<'static>> = shown
        .iter()
        .zip(rows)
        .map(|((index, _), row)| {
            let style = if prompt.selected == Some(*index) {
                theme.selected
            } else {
                theme.header
            };
            Line::styled(text::pad(&row, usize::from(width)), style)
        })
        .collect();
    frame.render_widget(Clear, area);
    frame.render_widget(Paragraph::new(lines), area);
}
