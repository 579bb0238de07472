//! The reasoning stream: each event type drawn distinctly, tool calls and
//! results folded until opened, hypotheses with a confidence bar, the
//! conclusion highlighted, usage summed into the cost line. Only the visible
//! entries are laid out.

use super::{format, text};
use crate::app::state::{OlderLines, ReasoningBuffer, State};
use crate::config::theme::Theme;
use crate::domain::ProposalState;
use crate::model::records::{EntryKind, LogEntry};
use jiff::tz::TimeZone;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

/// Continuation rows of a wrapped line are indented this much (past the time).
const WRAP_INDENT: u16 = 4;
/// Unfolded lines of a tool call or result are indented this much (past the time).
const BODY_INDENT: usize = 6;
/// Columns the time prefix takes (`02:14:07 `).
const TIME_COLUMNS: u16 = 9;

/// What an entry's look depends on, borrowed from the state.
#[derive(Debug, Clone, Copy)]
pub struct EntryStyle<'a> {
    /// The theme.
    pub theme: &'a Theme,
    /// Show times.
    pub timestamps: bool,
    /// Wrap long lines.
    pub wrap: bool,
    /// The zone times are shown in.
    pub zone: &'a TimeZone,
    /// The proposals' states, to badge proposal events (`None` in measurements).
    pub state: Option<&'a State>,
    /// The namespace of the open investigation's Job (where its proposals live).
    pub namespace: &'a str,
}

impl EntryStyle<'_> {
    /// Where continuation rows start.
    fn wrap_indent(&self) -> u16 {
        WRAP_INDENT + if self.timestamps { TIME_COLUMNS } else { 0 }
    }

    /// The indent of unfolded lines.
    fn body_indent(&self) -> String {
        let time = if self.timestamps {
            usize::from(TIME_COLUMNS)
        } else {
            0
        };
        " ".repeat(BODY_INDENT + time)
    }
}

impl<'a> EntryStyle<'a> {
    /// The style of the state's stream settings.
    pub fn of(state: &'a State) -> EntryStyle<'a> {
        EntryStyle {
            theme: &state.theme,
            timestamps: state.stream_settings.timestamps,
            wrap: state.stream_settings.wrap,
            zone: &state.time_zone,
            state: Some(state),
            namespace: state
                .detail
                .as_ref()
                .map(|d| d.namespace.as_str())
                .unwrap_or(""),
        }
    }
}

fn time_prefix(entry: &LogEntry, style: &EntryStyle<'_>) -> Span<'static> {
    let text = match entry.ts {
        Some(ts) => format!("{} ", format::clock(ts, style.zone)),
        None => "         ".to_string(),
    };
    Span::styled(text, style.theme.dim)
}

fn fold_marker(expanded: bool) -> &'static str {
    if expanded { "▾ " } else { "▸ " }
}

/// The logical lines of one entry (before wrapping).
pub fn entry_lines(entry: &LogEntry, expanded: bool, style: &EntryStyle<'_>) -> Vec<Line<'static>> {
    let theme = style.theme;
    let mut head: Vec<Span<'static>> = Vec::with_capacity(4);
    if style.timestamps {
        head.push(time_prefix(entry, style));
    }
    let mut body: Vec<Line<'static>> = Vec::new();
    match &entry.kind {
        EntryKind::Thought(thought) => {
            head.push(Span::styled(format!("· {thought}"), theme.event_thought))
        }
        EntryKind::ToolCall {
            tool,
            input,
            input_lines,
            ..
        } => {
            head.push(Span::styled(
                format!("{}⚙ {tool} ", fold_marker(expanded)),
                theme.event_tool_call,
            ));
            if expanded {
                let indent = style.body_indent();
                body.extend(input_lines.iter().map(|l| {
                    Line::from(vec![
                        Span::raw(indent.clone()),
                        Span::styled(l.clone(), theme.event_tool_call),
                    ])
                }));
            } else {
                head.push(Span::styled(input.clone(), theme.dim));
            }
        }
        EntryKind::ToolResult {
            id,
            lines,
            is_error,
        } => {
            let line_style = if *is_error {
                theme.event_error
            } else {
                theme.event_tool_result
            };
            let label = if *is_error { "error" } else { "result" };
            let count = if lines.len() == 1 {
                "1 line".to_string()
            } else {
                format!("{} lines", lines.len())
            };
            head.push(Span::styled(
                format!("{}↳ {label} {id} ({count})", fold_marker(expanded)),
                line_style,
            ));
            if expanded {
                let indent = style.body_indent();
                body.extend(lines.iter().map(|l| {
                    Line::from(vec![
                        Span::raw(indent.clone()),
                        Span::styled(l.clone(), line_style),
                    ])
                }));
            } else if let Some(first) = lines.first() {
                head.push(Span::styled(format!(" {first}"), theme.dim));
            }
        }
        EntryKind::Hypothesis {
            text: hypothesis,
            confidence,
        } => {
            head.push(Span::styled("◆ hypothesis ", theme.event_hypothesis));
            if let Some(confidence) = confidence {
                head.push(Span::styled(
                    format!("{} ", format::confidence_bar(*confidence)),
                    theme.event_hypothesis,
                ));
            }
            head.push(Span::styled(hypothesis.clone(), theme.event_hypothesis));
        }
        EntryKind::Proposal { name, summary } => {
            head.push(Span::styled(
                format!("⚑ proposal {name}"),
                theme.event_proposal,
            ));
            if let Some(summary) = summary {
                head.push(Span::styled(format!(": {summary}"), theme.event_proposal));
            }
            let known = style
                .state
                .and_then(|s| s.proposals.find(style.namespace, name))
                .map(|p| p.state);
            if let Some(state) = known {
                let badge_style = if state == ProposalState::Pending {
                    theme.warn
                } else {
                    theme.dim
                };
                head.push(Span::styled(format!("  [{state}]"), badge_style));
            }
        }
        EntryKind::Conclusion {
            text: conclusion,
            resolved,
        } => {
            let verdict = match resolved {
                Some(true) => "✔ conclusion (resolved): ",
                Some(false) => "✘ conclusion (unresolved): ",
                None => "✔ conclusion: ",
            };
            head.push(Span::styled(
                format!("{verdict}{conclusion}"),
                theme.event_conclusion,
            ));
        }
        EntryKind::Usage {
            input_tokens,
            output_tokens,
            cost_usd,
        } => head.push(Span::styled(
            format!(
                "$ usage +{} in / +{} out tokens, {}",
                format::count(*input_tokens),
                format::count(*output_tokens),
                format::cost(*cost_usd)
            ),
            theme.event_usage,
        )),
        EntryKind::Error(message) => head.push(Span::styled(
            format!("✖ error: {message}"),
            theme.event_error,
        )),
        EntryKind::Text(plain) => head.push(Span::styled(plain.clone(), theme.dim)),
    }
    let mut lines = Vec::with_capacity(1 + body.len());
    let head = Line::from(head);
    lines.push(if matches!(entry.kind, EntryKind::Conclusion { .. }) {
        head.style(theme.event_conclusion)
    } else {
        head
    });
    lines.extend(body);
    lines
}

/// Rows the entry takes at `width`.
pub fn entry_height(entry: &LogEntry, expanded: bool, style: &EntryStyle<'_>, width: u16) -> usize {
    let lines = entry_lines(entry, expanded, style);
    if style.wrap {
        lines
            .iter()
            .map(|l| text::wrapped_rows(l, width, style.wrap_indent()))
            .sum()
    } else {
        lines.len()
    }
}

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
