//! The approvals inbox: every pending proposal in scope, soonest expiry first,
//! then highest risk, with who else is looking at it; then the approved
//! proposals whose agents have not run them yet (a veto still stops them);
//! and the decisions this console sent that are not recorded yet.

use super::{format, text};
use crate::app::command::Command;
use crate::app::keymap::Scope;
use crate::app::records::{ProposalKey, ProposalRecord};
use crate::app::state::{Delivery, DetailFocus, Screen, State};
use crate::decide::viewing_proposal;
use crate::domain::{Phase, ProposalState, Verdict};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

/// The phase that governs a proposal: its namespace's policy now, else the
/// phase it was judged under, else Shadow.
pub fn governing_phase(state: &State, record: &ProposalRecord) -> Phase {
    state
        .policies
        .get(&record.key.namespace)
        .map(|p| p.phase)
        .or(record.phase)
        .unwrap_or_default()
}

/// The proposal the keys act on: the one open, under the inbox cursor, or
/// under the cursor of the investigation's proposals pane.
pub fn proposal_in_focus(state: &State) -> Option<ProposalKey> {
    match state.screen() {
        Screen::Proposal { key, .. } => Some(key.clone()),
        Screen::Approvals => state
            .decisions
            .inbox
            .get(state.decisions.inbox_cursor)
            .cloned(),
        Screen::Detail => {
            let detail = state.detail.as_ref()?;
            if detail.focus != DetailFocus::Proposals {
                return None;
            }
            let proposals = state.proposals.for_investigation(&detail.investigation);
            let cursor = detail
                .proposal_cursor
                .min(proposals.len().saturating_sub(1));
            proposals.get(cursor).map(|p| p.key.clone())
        }
        _ => None,
    }
}

/// "1 of 2" approvals: distinct approvers so far of those needed in all.
pub fn approvals_progress(record: &ProposalRecord) -> String {
    let mut approvers: Vec<&str> = record
        .decisions
        .iter()
        .filter(|d| d.verdict == Verdict::Approve && !d.by_rule)
        .map(|d| d.by.as_str())
        .collect();
    approvers.sort_unstable();
    approvers.dedup();
    let still = record.approvals_required.unwrap_or(1) as usize;
    format!("{} of {}", approvers.len(), approvers.len() + still)
}

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

/// Whether anything in the inbox counts down.
pub fn counts_down(state: &State) -> bool {
    !state.decisions.inbox.is_empty()
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
    let mut lines = vec![Line::from(vec![
        Span::styled(text::fit(&label, width), theme.title),
        Span::styled(
            "─".repeat(width.saturating_sub(text::width(&label))),
            theme.border,
        ),
    ])];
    let unrecorded = unrecorded_lines(state, width);
    let rows = usize::from(area.height).saturating_sub(
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
        let first = cursor.saturating_sub(rows.saturating_sub(1));
        for (i, key) in inbox.iter().enumerate().skip(first).take(rows.max(1)) {
            if let Some(record) = state.proposals.get(key) {
                if i == pending.max(first) && approved > 0 {
                    lines.push(approved_heading(state, width));
                }
                lines.push(row(state, record, width, i == cursor));
            }
        }
    }
    if !unrecorded.is_empty() {
        lines.push(Line::styled(" decisions not recorded yet", theme.title));
        lines.extend(unrecorded);
    }
    let room = usize::from(area.height).saturating_sub(lines.len() + 1);
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
    frame.render_widget(Paragraph::new(lines).style(theme.base), area);
}
