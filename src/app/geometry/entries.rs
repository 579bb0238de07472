//! The reasoning stream's entries as lines: each event type distinct, tool
//! calls and results folded until opened, hypotheses with a confidence bar,
//! the conclusion highlighted; and how many rows each takes at a width
//! (`update` keeps the cursor on screen with it, `ui::reasoning` draws it).

use super::{format, text};
use crate::app::state::State;
use crate::config::theme::Theme;
use crate::domain::ProposalState;
use crate::model::records::{EntryKind, LogEntry, ToolCallEntry};
use jiff::tz::TimeZone;
use ratatui::text::{Line, Span};

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
    pub fn wrap_indent(&self) -> u16 {
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
    let text = match entry.ts() {
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
            head.push(Span::styled(format!("· {thought}"), theme.event_thought));
        }
        EntryKind::ToolCall(call) => {
            let ToolCallEntry {
                tool,
                input,
                input_lines,
                ..
            } = &**call;
            head.push(Span::styled(
                format!("{}⚙ {tool} ", fold_marker(expanded)),
                theme.event_tool_call,
            ));
            if expanded {
                let indent = style.body_indent();
                body.extend(input_lines.iter().map(|l| {
                    Line::from(vec![
                        Span::raw(indent.clone()),
                        Span::styled(l.to_string(), theme.event_tool_call),
                    ])
                }));
            } else {
                head.push(Span::styled(input.to_string(), theme.dim));
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
                        Span::styled(l.to_string(), line_style),
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
            head.push(Span::styled(hypothesis.to_string(), theme.event_hypothesis));
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
            total_cost_usd,
        } => head.push(Span::styled(
            format!(
                "$ usage +{} in / +{} out tokens, {}{}",
                format::count(*input_tokens),
                format::count(*output_tokens),
                format::cost(*cost_usd),
                total_cost_usd
                    .map(|total| format!(" (total {})", format::cost(total)))
                    .unwrap_or_default()
            ),
            theme.event_usage,
        )),
        EntryKind::Error(message) => head.push(Span::styled(
            format!("✖ error: {message}"),
            theme.event_error,
        )),
        EntryKind::Text(plain) => head.push(Span::styled(plain.to_string(), theme.dim)),
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
