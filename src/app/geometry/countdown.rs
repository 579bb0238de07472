//! What on screen depends on the clock. The runtime's one-second clock runs
//! only while [`counts_down`] says something visible changes with time, and a
//! tick redraws only when the [`digest`] of those texts changed.

use super::{format, layout};
use crate::app::state::{Row, Screen, State};
use std::collections::hash_map::DefaultHasher;
use std::hash::{Hash, Hasher};

/// Whether a visible text changes as time passes (an age, a time left, an
/// expiry). Only the rows on screen count: a countdown scrolled out of view
/// neither runs the clock nor draws.
pub fn counts_down(state: &State) -> bool {
    match state.screen() {
        // Every visible age moves on, finished rows' too (in one unit, as
        // `kubectl describe` prints event ages: past a minute, once a
        // minute); the digest keeps the ticks that change no visible text
        // from drawing.
        Screen::Investigations => {
            let page = layout::table_page(state);
            state.table.slice(state.table.offset, page).any(|row| {
                let inv = &row.record.investigation;
                inv.state.is_active() || inv.started.is_some()
            })
        }
        Screen::Detail => {
            let Some(detail) = state.detail.as_ref() else {
                return false;
            };
            let active = state
                .table
                .get(&detail.investigation)
                .is_some_and(|row| row.record.investigation.state.is_active());
            active
                || token_counts_down(state)
                || state
                    .proposals
                    .for_investigation(&detail.investigation)
                    .iter()
                    .any(|p| p.state.is_pending() && p.expires_at.is_some())
        }
        Screen::Proposal { key, .. } => state
            .proposals
            .get(key)
            .is_some_and(|p| p.state.is_pending() && p.expires_at.is_some()),
        // Anything in the inbox counts down.
        Screen::Approvals => !state.decisions.inbox.is_empty(),
        Screen::Audit | Screen::Document { .. } => false,
        // The evidence window slides with time: the rows are recomputed as it
        // moves (a redraw only when a count changes).
        Screen::Policies => !state.policy_view.rows.is_empty(),
    }
}

/// A digest of every clock-dependent text on screen.
pub fn digest(state: &State) -> u64 {
    let mut hasher = DefaultHasher::new();
    match state.screen() {
        Screen::Investigations => {
            let page = layout::table_page(state);
            for row in state.table.slice(state.table.offset, page) {
                age_cell(state, row).hash(&mut hasher);
                time_left_cell(state, row).hash(&mut hasher);
            }
        }
        Screen::Detail => {
            if let Some(detail) = state.detail.as_ref() {
                if let Some(row) = state.table.get(&detail.investigation) {
                    let inv = &row.record.investigation;
                    format::age(state.now, inv.started).hash(&mut hasher);
                    format::time_left(state.now, inv.deadline).hash(&mut hasher);
                }
                for proposal in state.proposals.for_investigation(&detail.investigation) {
                    format::time_left(state.now, proposal.expires_at).hash(&mut hasher);
                }
                token_clock_text(state).hash(&mut hasher);
            }
        }
        Screen::Proposal { key, .. } => {
            if let Some(proposal) = state.proposals.get(key) {
                format::time_left(state.now, proposal.expires_at).hash(&mut hasher);
            }
        }
        Screen::Approvals => {
            for key in &state.decisions.inbox {
                if let Some(proposal) = state.proposals.get(key) {
                    format::time_left(state.now, proposal.expires_at).hash(&mut hasher);
                }
            }
        }
        Screen::Audit | Screen::Document { .. } => {}
        Screen::Policies => {}
    }
    hasher.finish()
}

/// The table's AGE cell: how long ago the investigation started, in one
/// unit (`42s`, `9m`, `5h`), so a row's age changes once a minute past its
/// first minute.
pub fn age_cell(state: &State, row: &Row) -> String {
    format::short_age(state.now, row.record.investigation.started)
}

/// The table's TIME LEFT cell: the time to the deadline while the
/// investigation is active (in one unit, seconds only in its last minute),
/// else a dash. The investigation's own view shows it to the second.
pub fn time_left_cell(state: &State, row: &Row) -> String {
    let inv = &row.record.investigation;
    if inv.state.is_active() {
        format::short_time_left(state.now, inv.deadline)
    } else {
        "—".into()
    }
}

/// Whether the open investigation's token TTL is counting down on screen.
fn token_counts_down(state: &State) -> bool {
    state
        .vault
        .token
        .as_ref()
        .is_some_and(|t| t.expires_at().is_some_and(|at| at > state.now))
}

/// The clock-dependent text of the token display, for the redraw digest.
fn token_clock_text(state: &State) -> String {
    match state
        .vault
        .token
        .as_ref()
        .and_then(crate::app::state::WatchedToken::expires_at)
    {
        Some(at) => format::time_left(state.now, Some(at)),
        None => String::new(),
    }
}
