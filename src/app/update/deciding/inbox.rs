//! The approvals inbox: opening it, moving in it (and in the audit view),
//! and recomputing what it lists.

use crate::app::command::Command;
use crate::app::state::{Screen, State};
use crate::app::update::{Out, stream};
use crate::domain::Verdict;
use crate::model::records::{ProposalKey, ProposalRecord};

/// Opens the approvals inbox.
pub(in crate::app::update) fn open_approvals(state: &mut State, out: &mut Out) {
    stream::close(state, out);
    state.screens.truncate(1);
    state.screens.push(Screen::Approvals);
    refresh_inbox(state);
    out.redraw();
}

/// Moving and opening in the inbox and the audit view.
pub(in crate::app::update) fn screen_command(state: &mut State, command: Command, out: &mut Out) {
    let page = usize::from(
        crate::app::geometry::layout::body(state)
            .height
            .saturating_sub(3),
    )
    .max(1);
    let on_audit = matches!(state.screen(), Screen::Audit);
    let (cursor, len) = if on_audit {
        let audit = &state.decisions.audit;
        (audit.cursor, audit.visible.len())
    } else {
        (state.decisions.inbox_cursor, state.decisions.inbox.len())
    };
    let last = len.saturating_sub(1);
    let next = match command {
        Command::Up => cursor.saturating_sub(1),
        Command::Down => cursor + 1,
        Command::HalfPageUp => cursor.saturating_sub((page / 2).max(1)),
        Command::HalfPageDown => cursor + (page / 2).max(1),
        Command::PageUp => cursor.saturating_sub(page),
        Command::PageDown => cursor + page,
        Command::Top => 0,
        Command::Bottom => last,
        Command::Open if !on_audit => {
            if let Some(key) = state.decisions.inbox.get(cursor).cloned() {
                stream::open_proposal(state, key, out);
            }
            return;
        }
        _ => return,
    }
    .min(last);
    out.redraw_if(next != cursor);
    if on_audit {
        state.decisions.audit.cursor = next;
    } else {
        state.decisions.inbox_cursor = next;
    }
}

/// Recomputes the inbox: pending proposals, soonest expiry first, then highest
/// risk; after them the approved proposals whose agent has not executed yet
/// (still vetoable), newest first. Below it: what rules approved that has
/// since run or been stopped.
pub fn refresh_inbox(state: &mut State) {
    let mut pending: Vec<&ProposalRecord> = state
        .proposals
        .all_records()
        .filter(|p| p.state.is_pending())
        .collect();
    pending.sort_by(|a, b| {
        let expiry = |r: &ProposalRecord| (r.expires_at.is_none(), r.expires_at);
        expiry(a)
            .cmp(&expiry(b))
            .then(b.risk.cmp(&a.risk))
            .then(a.key.cmp(&b.key))
    });
    let newest_first = |a: &&ProposalRecord, b: &&ProposalRecord| {
        b.created.cmp(&a.created).then(a.key.cmp(&b.key))
    };
    let mut approved: Vec<&ProposalRecord> = state
        .proposals
        .all_records()
        .filter(|p| p.awaits_execution())
        .collect();
    approved.sort_by(newest_first);
    let inbox: Vec<ProposalKey> = pending
        .into_iter()
        .chain(approved)
        .map(|r| r.key.clone())
        .collect();
    // The cursor stays on the proposal it was on while the list re-sorts.
    let selected = state
        .decisions
        .inbox
        .get(state.decisions.inbox_cursor)
        .cloned();
    let cursor = selected
        .and_then(|key| inbox.iter().position(|k| *k == key))
        .unwrap_or(state.decisions.inbox_cursor);
    state.decisions.inbox_cursor = cursor.min(inbox.len().saturating_sub(1));
    state.decisions.inbox = inbox;
    let mut by_rule: Vec<&ProposalRecord> = state
        .proposals
        .all_records()
        .filter(|p| {
            !p.awaits_execution()
                && p.decisions
                    .iter()
                    .any(|d| d.by_rule && d.verdict == Verdict::Approve)
        })
        .collect();
    by_rule.sort_by(newest_first);
    state.decisions.auto_approved = by_rule
        .into_iter()
        .take(10)
        .map(|r| r.key.clone())
        .collect();
}
