//! The reasoning stream drawn: the entries [`crate::app::geometry::entries`]
//! composes, wrapped, the cursor and search marks applied, usage summed into
//! the cost line. Only the visible entries are laid out.

use super::{format, text};
use crate::app::geometry::entries::{EntryStyle, entry_lines};
use crate::app::state::{OlderLines, ReasoningBuffer, State};
use crate::config::theme::Theme;
use crate::model::records::LogEntry;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

/// The entry's rows at `width`, cursor and search marks applied.
fn entry_rows(
    entry: &LogEntry,
    expanded: bool,
    style: &EntryStyle<'_>,
    width: u16,
    cursor: bool,
    search: Option<&str>,
) -> Vec<Line<'static>> {
    let mut rows = Vec::new();
    for mut line in entry_lines(entry, expanded, style) {
        if let Some(needle) = search {
            line = text::mark_matches(line, needle, style.theme.search_match);
        }
        if cursor {
            line = line.patch_style(style.theme.selected);
        }
        if style.wrap {
            rows.extend(text::wrap(line, width, style.wrap_indent()));
        } else {
            rows.push(line);
        }
    }
    rows
}

/// The rows of the buffer shown in a pane of `area`: from `top`, or anchored
/// at the newest line while following.
pub fn visible_rows(
    buffer: &ReasoningBuffer,
    style: &EntryStyle<'_>,
    area: Rect,
    search: Option<&str>,
) -> Vec<Line<'static>> {
    let height = usize::from(area.height);
    if height == 0 || buffer.is_empty() {
        return Vec::new();
    }
    let cursor = if buffer.follow {
        None
    } else {
        buffer.cursor_seq()
    };
    let row_of = |entry: &LogEntry| {
        entry_rows(
            entry,
            buffer.expanded.contains(&entry.seq),
            style,
            area.width,
            Some(entry.seq) == cursor,
            search,
        )
    };
    if buffer.follow {
        let mut rows: Vec<Line<'static>> = Vec::new();
        let newest = buffer.last_seq().unwrap_or(0);
        for entry in buffer.iter_back_from(newest) {
            let mut entry_rows = row_of(entry);
            entry_rows.append(&mut rows);
            rows = entry_rows;
            if rows.len() >= height {
                break;
            }
        }
        let extra = rows.len().saturating_sub(height);
        rows.drain(..extra);
        return rows;
    }
    let mut rows = Vec::with_capacity(height);
    for entry in buffer.iter_from(buffer.top) {
        rows.extend(row_of(entry));
        if rows.len() >= height {
            break;
        }
    }
    rows.truncate(height);
    rows
}

/// Draws the reasoning pane (title row, dropped-lines row, entries).
pub fn render(state: &State, frame: &mut Frame, area: Rect, text_area: Rect) {
    let Some(detail) = state.detail.as_ref() else {
        return;
    };
    if area.height == 0 {
        return;
    }
    let theme = &state.theme;
    let style = EntryStyle::of(state);
    let fetch_key = state.keymap.hint(
        crate::app::keymap::Scope::Detail,
        crate::app::command::Command::FetchOlder,
    );
    let (buffer, label) = match &detail.older {
        Some(OlderLines::Loaded(older)) => {
            let first = older.first_seq().unwrap_or(0) + 1;
            let last = older.last_seq().unwrap_or(0) + 1;
            (
                older,
                format!(
                    "older lines {}–{} (fetched again) · esc returns ",
                    format::count(first),
                    format::count(last)
                ),
            )
        }
        Some(OlderLines::Loading) => (&detail.buffer, "fetching older lines… ".to_string()),
        Some(OlderLines::Failed(error)) => (
            &detail.buffer,
            format!("could not fetch older lines: {error} · esc "),
        ),
        None => (&detail.buffer, stream_label(state)),
    };
    let title_style = if detail.focus == crate::app::state::DetailFocus::Reasoning {
        theme.border_focused
    } else {
        theme.border
    };
    let title = format!("─ reasoning · {label}");
    let fill = usize::from(area.width).saturating_sub(text::width(&title));
    let mut lines = vec![Line::from(vec![
        Span::styled(text::fit(&title, usize::from(area.width)), theme.title),
        Span::styled("─".repeat(fill), title_style),
    ])];
    if buffer.dropped() > 0 && area.height >= 2 {
        let what = if detail.older.is_some() {
            "earlier lines"
        } else {
            "older lines dropped"
        };
        lines.push(Line::styled(
            format!(
                " {} {what} — press {fetch_key} to fetch",
                format::count(buffer.dropped())
            ),
            theme.warn,
        ));
    }
    frame.render_widget(
        Paragraph::new(lines),
        Rect::new(area.x, area.y, area.width, text_area.y - area.y),
    );
    if buffer.is_empty() {
        let waiting = match &detail.status {
            crate::app::state::StreamStatus::Waiting(reason) => reason.clone(),
            crate::app::state::StreamStatus::Failed(error) => format!("stream failed: {error}"),
            crate::app::state::StreamStatus::Ended => "the log is empty".into(),
            _ => "connecting to the agent's log…".into(),
        };
        frame.render_widget(
            Paragraph::new(Line::styled(format!(" {waiting}"), theme.dim)),
            text_area,
        );
        return;
    }
    let search = state.stream_settings.search.as_deref();
    let rows = visible_rows(buffer, &style, text_area, search);
    frame.render_widget(Paragraph::new(rows).style(theme.base), text_area);
}

fn stream_label(state: &State) -> String {
    let Some(detail) = state.detail.as_ref() else {
        return String::new();
    };
    let mut parts: Vec<String> = Vec::new();
    parts.push(match &detail.status {
        crate::app::state::StreamStatus::Connecting => "connecting".into(),
        crate::app::state::StreamStatus::Waiting(_) => "waiting for the pod".into(),
        crate::app::state::StreamStatus::Live if detail.buffer.follow => "following".into(),
        crate::app::state::StreamStatus::Live => "paused (f follows)".into(),
        crate::app::state::StreamStatus::Ended => "ended".into(),
        crate::app::state::StreamStatus::Failed(_) => "failed".into(),
    });
    parts.push(format!(
        "{} lines",
        format::count(detail.buffer.len() as u64)
    ));
    if let Some(search) = &state.stream_settings.search {
        parts.push(format!("search “{search}” (n/N)"));
    }
    let mut toggles = Vec::new();
    if state.stream_settings.timestamps {
        toggles.push("times");
    }
    if state.stream_settings.wrap {
        toggles.push("wrap");
    }
    if !toggles.is_empty() {
        parts.push(toggles.join("+"));
    }
    format!("{} ", parts.join(" · "))
}

/// The style used for an investigation's cost line.
pub fn cost_style(theme: &Theme) -> Style {
    theme.accent
}
