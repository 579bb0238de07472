//! The approvals inbox: every pending proposal in scope, soonest expiry first,
//! then highest risk, with who else is looking at it; then the approved
//! proposals whose agents have not run them yet (a veto still stops them),
//! each saying in the error colour when it has no write credential (and
//! raising the alarm when its credential was intercepted); and the decisions
//! this console sent that are not recorded yet. Below the list, when there is
//! room, a preview of the action that runs if the entry under the cursor is
//! approved: its headline, count of operations and digest, then its canonical
//! lines, wrapped; what does not fit is counted in an explicit "+N more lines"
//! marker (approving from here goes through the approve dialog, which shows
//! all of it).

use super::{format, text};
use crate::app::command::Command;
use crate::app::geometry::document as proposal;
use crate::app::geometry::focus::{approvals_progress, governing_phase};
use crate::app::keymap::Scope;
use crate::app::state::{Delivery, State};
use crate::decide::viewing_proposal;
use crate::domain::ProposalState;
use crate::model::records::ProposalRecord;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Modifier;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use std::sync::Arc;

/// The inbox shows the action preview when its area has at least this many rows.
const PREVIEW_MIN_AREA_ROWS: u16 = 16;

/// Who else (not this user) is reviewing the proposal, by presence.
pub fn lookers(state: &State, namespace: &str, name: &str) -> Vec<String> {
    let viewing = viewing_proposal(namespace, name);
    let me = state.identity.user.as_deref().unwrap_or_default();
    state
        .decisions
        .presence
        .iter()
        .filter(|p| p.user != me && p.is_current(state.now))
        .filter(|p| p.viewing.as_deref() == Some(viewing.as_str()))
        .map(|p| p.user.clone())
        .collect()
}

fn row(state: &State, record: &ProposalRecord, width: usize, selected: bool) -> Line<'static> {
    let theme = &state.theme;
    // An approved proposal waits for its agent, not for a decision: no countdown.
    let left = match record.state {
        ProposalState::Approved => "approved".to_string(),
        ProposalState::AutoApproved => "by rule".to_string(),
        _ => format::time_left(state.now, record.expires_at),
    };
    let phase = governing_phase(state, record);
    let name = format!("{}/{}", record.key.namespace, record.key.name);
    let looking = lookers(state, &record.key.namespace, &record.key.name).join(", ");
    let mut cells: Vec<(String, ratatui::style::Style)> = vec![
        (text::pad(&left, 8), theme.warn),
        (
            text::pad(&record.risk.to_string(), 9),
            theme.risk(record.risk),
        ),
    ];
    if width >= 80 {
        cells.push((text::pad(phase.badge(), 8), theme.phase(phase)));
        let progress = if record.state == ProposalState::AutoApproved {
            "rule".to_string()
        } else {
            approvals_progress(record)
        };
        cells.push((text::pad(&progress, 8), theme.base));
    }
    if width >= 120 {
        cells.push((text::pad(&name, 36), theme.accent));
        cells.push((text::pad(&record.target, 40), theme.base));
        cells.push((text::pad(&looking, 14), theme.ok));
        cells.push((record.summary.clone(), theme.base));
    } else if width >= 80 {
        cells.push((text::pad(&record.key.name, 24), theme.accent));
        cells.push((looking, theme.ok));
    } else {
        cells.push((record.key.name.clone(), theme.accent));
    }
    let marker = if selected { "▶" } else { " " };
    if selected {
        let joined: String = cells.iter().map(|(c, _)| format!("{c} ")).collect();
        return Line::styled(
            text::pad(&format!("{marker}{joined}"), width),
            theme.selected,
        );
    }
    let mut spans = vec![Span::raw(marker.to_string())];
    let mut used = 1;
    for (cell, style) in cells {
        let cell = text::fit(&format!("{cell} "), width.saturating_sub(used));
        used += text::width(&cell);
        spans.push(Span::styled(cell, style));
    }
    Line::from(spans)
}

fn heading(width: usize) -> String {
    let mut columns = vec![text::pad("EXPIRES", 8), text::pad("RISK", 9)];
    if width >= 80 {
        columns.push(text::pad("PHASE", 8));
        columns.push(text::pad("APPROVED", 8));
    }
    if width >= 120 {
        columns.push(text::pad("PROPOSAL", 36));
        columns.push(text::pad("TARGET", 40));
        columns.push(text::pad("ALSO HERE", 14));
        columns.push("SUMMARY".to_string());
    } else if width >= 80 {
        columns.push(text::pad("PROPOSAL", 24));
        columns.push("ALSO HERE".to_string());
    } else {
        columns.push("PROPOSAL".to_string());
    }
    format!(" {}", columns.join(" "))
}

/// The line above the approved proposals the agents have not run yet.
fn approved_heading(state: &State, width: usize) -> Line<'static> {
    let text = if state.readonly {
        " approved, not executed yet".to_string()
    } else {
        format!(
            " approved, not executed yet: {} vetoes and revokes the write credential before the agent uses it",
            state.keymap.hint(Scope::Proposal, Command::Veto)
        )
    };
    Line::styled(text::fit(&text, width), state.theme.title)
}

/// Lines for the decisions this console sent that are not recorded yet.
pub fn unrecorded_lines(state: &State, width: usize) -> Vec<Line<'static>> {
    let theme = &state.theme;
    let mut lines = Vec::new();
    for tracked in &state.decisions.tracked {
        let what = tracked.request.describe();
        let line = match &tracked.delivery {
            Delivery::Sending => Line::styled(format!(" ⏳ {what}: sending…"), theme.dim),
            Delivery::Failed {
                message,
                auto_retry,
            } => {
                let retry = if *auto_retry {
                    "retrying by itself; R now"
                } else {
                    "R retries, :discard forgets"
                };
                Line::styled(
                    format!(" ✖ {what}: NOT RECORDED ({retry}): {message}"),
                    theme.error,
                )
            }
        };
        lines.extend(text::wrap(
            line,
            u16::try_from(width).unwrap_or(u16::MAX),
            4,
        ));
    }
    for (_, what) in &state.decisions.busy {
        lines.push(Line::styled(format!(" ⏳ {what}…"), theme.dim));
    }
    lines
}

/// The rows under an entry that has no usable write credential: why, in the
/// error colour (an intercepted credential as a security alarm), wrapped to
/// at most two rows, the second ending in `…` when the rest does not fit
/// (the proposal view says all of it).
fn credential_lines(state: &State, record: &ProposalRecord, width: u16) -> Vec<Line<'static>> {
    let Some(said) = proposal::no_credential_text(record) else {
        return Vec::new();
    };
    let theme = &state.theme;
    let (mark, style) = if proposal::is_intercepted(record) {
        (
            "",
            theme
                .error
                .add_modifier(Modifier::BOLD | Modifier::REVERSED),
        )
    } else {
        ("✖ ", theme.error)
    };
    let mut rows = text::wrap(Line::styled(format!("   {mark}{said}"), style), width, 5);
    if rows.len() > 2 {
        rows.truncate(2);
        if let Some(last) = rows.last_mut() {
            let shown: String = last.spans.iter().map(|s| s.content.as_ref()).collect();
            let fitted = text::fit(&format!("{}…", shown.trim_end()), usize::from(width));
            *last = Line::styled(fitted, style);
        }
    }
    rows
}

/// The rows of one inbox entry: its row, and why it has no credential.
fn entry_lines(
    state: &State,
    record: &ProposalRecord,
    width: usize,
    selected: bool,
) -> Vec<Line<'static>> {
    let mut lines = vec![row(state, record, width, selected)];
    lines.extend(credential_lines(
        state,
        record,
        u16::try_from(width).unwrap_or(u16::MAX),
    ));
    lines
}

/// The first entry shown so that the cursor's entry is on screen, entries
/// taking `heights` rows each and `rows` rows in all.
fn first_shown(heights: &[usize], cursor: usize, rows: usize) -> usize {
    let cursor = cursor.min(heights.len().saturating_sub(1));
    let mut first = cursor;
    let mut used = heights.get(cursor).copied().unwrap_or(1);
    while first > 0 && used + heights[first - 1] <= rows {
        first -= 1;
        used += heights[first];
    }
    first
}

/// A border line with `label` at its start.
fn rule(state: &State, label: &str, width: usize) -> Line<'static> {
    Line::from(vec![
        Span::styled(text::fit(label, width), state.theme.title),
        Span::styled(
            "─".repeat(width.saturating_sub(text::width(label))),
            state.theme.border,
        ),
    ])
}

/// The preview of the action that runs if `record` is approved, in at most
/// `height` rows: a rule, its headline, count and digest, the edit that made
/// it and why it cannot be approved when so, then its canonical lines wrapped.
/// When they do not all fit, the last row says how many lines are not shown.
pub fn preview_lines(
    state: &State,
    record: &ProposalRecord,
    width: u16,
    height: usize,
) -> Vec<Line<'static>> {
    let theme = &state.theme;
    let action = &record.action;
    let columns = usize::from(width);
    let mut head = vec![rule(
        state,
        &format!("─ what runs if {} is approved ", record.key.name),
        columns,
    )];
    head.extend(text::wrap(
        Line::from(vec![
            Span::styled(format!(" {}", action.headline), theme.base),
            Span::styled(format!(" · {}", action.count_label), theme.base),
            Span::styled(format!(" · sha256 {}", action.short_digest), theme.accent),
        ]),
        width,
        3,
    ));
    if let Some(edit) = &action.edit {
        head.extend(text::wrap(
            Line::styled(
                format!(
                    " edited by {} at {} (the agent proposed sha256 {}; the proposal shows the diff)",
                    edit.by,
                    format::clock(edit.at, &state.time_zone),
                    edit.proposed_digest
                ),
                theme.warn,
            ),
            width,
            3,
        ));
    }
    if let Some(problem) = &action.problem {
        head.extend(text::wrap(
            Line::styled(
                format!(" ✖ NOT APPROVABLE: {problem} (shown raw)"),
                theme.error,
            ),
            width,
            3,
        ));
    }
    let code: Arc<Vec<Line<'static>>> = match &record.change {
        Some(change) => state
            .highlights
            .get(&change.key)
            .unwrap_or_else(|| Arc::clone(&change.plain)),
        None => Arc::new(Vec::new()),
    };
    if code.is_empty() {
        head.push(Line::styled(
            "    (no payload: the line above is all of it)",
            theme.dim,
        ));
    }
    // Rows of code, each with whether it ends its line.
    let mut rows: Vec<(Line<'static>, bool)> = Vec::new();
    let mut complete = true;
    for line in code.iter() {
        let wrapped = proposal::wrap_code(line, width, theme.dim);
        if head.len() + rows.len() + wrapped.len() > height {
            complete = false;
            rows.extend(wrapped.into_iter().map(|row| (row, false)));
            break;
        }
        let last = wrapped.len().saturating_sub(1);
        rows.extend(
            wrapped
                .into_iter()
                .enumerate()
                .map(|(i, row)| (row, i == last)),
        );
    }
    let mut lines = head;
    if complete {
        lines.extend(rows.into_iter().map(|(row, _)| row));
        lines.truncate(height);
        return lines;
    }
    let room = height.saturating_sub(1);
    lines.truncate(room);
    let room = room - lines.len();
    rows.truncate(room);
    let whole = rows.iter().filter(|(_, ends)| *ends).count();
    lines.extend(rows.into_iter().map(|(row, _)| row));
    let hidden = code.len() - whole;
    let noun = if hidden == 1 { "line" } else { "lines" };
    lines.extend(
        text::wrap(
            Line::styled(
                format!(
                    "    +{hidden} more {noun} — {} opens the proposal to see all of it",
                    state.keymap.hint(Scope::Detail, Command::Open)
                ),
                theme.warn.add_modifier(Modifier::BOLD),
            ),
            width,
            6,
        )
        .into_iter()
        .take(1),
    );
    lines
}

/// Draws the inbox into the body area.
pub fn render(state: &State, frame: &mut Frame, area: Rect) {
    if area.height == 0 {
        return;
    }
    let theme = &state.theme;
    let width = usize::from(area.width);
    let inbox = &state.decisions.inbox;
    let pending = inbox
        .iter()
        .filter(|k| state.proposals.get(k).is_some_and(|r| r.state.is_pending()))
        .count();
    let approved = inbox.len() - pending;
    let label = if approved > 0 {
        format!("─ approvals {pending} pending · {approved} approved, not run yet ")
    } else {
        format!("─ approvals {pending} pending ")
    };
    let selected = inbox
        .get(state.decisions.inbox_cursor)
        .and_then(|key| state.proposals.get(key));
    // The preview gets at least this much, and whatever the list leaves.
    let preview_rows = match selected {
        Some(_) if area.height >= PREVIEW_MIN_AREA_ROWS => (area.height * 2 / 5).max(7),
        _ => 0,
    };
    let list_height = area.height - preview_rows;
    let mut lines = vec![rule(state, &label, width)];
    let unrecorded = unrecorded_lines(state, width);
    let rows = usize::from(list_height).saturating_sub(
        2 + unrecorded.len().min(4)
            + usize::from(!unrecorded.is_empty())
            + usize::from(approved > 0)
            + usize::from(approved > 0 && pending == 0),
    );
    if inbox.is_empty() {
        lines.push(Line::styled(" nothing waits for a decision", theme.dim));
    } else {
        lines.push(Line::styled(text::fit(&heading(width), width), theme.dim));
        if pending == 0 {
            lines.push(Line::styled(" nothing waits for a decision", theme.dim));
        }
        let cursor = state.decisions.inbox_cursor;
        let entries: Vec<Option<&ProposalRecord>> =
            inbox.iter().map(|key| state.proposals.get(key)).collect();
        let heights: Vec<usize> = entries
            .iter()
            .map(|r| r.map_or(0, |r| 1 + credential_lines(state, r, area.width).len()))
            .collect();
        let first = first_shown(&heights, cursor, rows.max(1));
        let mut used = 0;
        for (i, record) in entries.iter().enumerate().skip(first) {
            let Some(record) = record else {
                continue;
            };
            if used >= rows.max(1) {
                break;
            }
            if i == pending.max(first) && approved > 0 {
                lines.push(approved_heading(state, width));
            }
            let entry = entry_lines(state, record, width, i == cursor);
            let take = entry.len().min(rows.max(1) - used);
            used += take;
            lines.extend(entry.into_iter().take(take));
        }
    }
    if !unrecorded.is_empty() {
        lines.push(Line::styled(" decisions not recorded yet", theme.title));
        lines.extend(unrecorded);
    }
    let room = usize::from(list_height).saturating_sub(lines.len() + 1);
    if !state.decisions.auto_approved.is_empty() && room > 0 {
        lines.push(Line::styled(
            " approved by rule (Autonomous), since run or stopped",
            theme.title,
        ));
        for key in state.decisions.auto_approved.iter().take(room) {
            if let Some(record) = state.proposals.get(key) {
                let line = format!(
                    "  {} {:<8} {}/{} {}",
                    record.state,
                    record.risk.to_string(),
                    key.namespace,
                    key.name,
                    record.summary
                );
                lines.push(Line::styled(text::fit(&line, width), theme.dim));
            }
        }
    }
    lines.truncate(usize::from(list_height));
    let list_used = u16::try_from(lines.len()).unwrap_or(list_height);
    frame.render_widget(
        Paragraph::new(lines).style(theme.base),
        Rect::new(area.x, area.y, area.width, list_used),
    );
    if let Some(record) = selected.filter(|_| preview_rows > 0) {
        // One blank row between the list and the preview.
        let top = (list_used + 1).min(list_height);
        let preview_rows = area.height - top;
        let preview = Rect::new(area.x, area.y + top, area.width, preview_rows);
        frame.render_widget(
            Paragraph::new(preview_lines(
                state,
                record,
                area.width,
                usize::from(preview_rows),
            ))
            .style(theme.base),
            preview,
        );
    }
}
