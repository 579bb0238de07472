//! What the keys act on: the proposal open, under the inbox cursor, or under
//! the cursor of the investigation's proposals pane; the investigation under
//! the table's cursor or open.

use super::{DetailFocus, Row, Screen, State};
use crate::model::records::ProposalKey;

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

/// The investigation the keys act on: the table's row under the cursor, or
/// the investigation open; `None` on any other screen.
pub fn row_in_focus(state: &State) -> Option<&Row> {
    match state.screen() {
        Screen::Investigations => state.table.selected_row(),
        Screen::Detail => state
            .detail
            .as_ref()
            .and_then(|d| state.table.get(&d.investigation)),
        _ => None,
    }
}
