//! What the keys act on: the proposal in focus, and the phase and approval
//! count that decide what its keys and dialogs say.

use crate::app::state::{DetailFocus, Screen, State};
use crate::domain::{Phase, Verdict};
use crate::model::records::{ProposalKey, ProposalRecord};

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
/// Only approvals of the action that runs (its digest) count: an approval of
/// the action before an edit does not.
pub fn approvals_progress(record: &ProposalRecord) -> String {
    let runs = record.action.short_digest.as_str();
    let mut approvers: Vec<&str> = record
        .decisions
        .iter()
        .filter(|d| d.verdict == Verdict::Approve && !d.by_rule)
        .filter(|d| d.action_digest.as_deref() == Some(runs))
        .map(|d| d.by.as_str())
        .collect();
    approvers.sort_unstable();
    approvers.dedup();
    let still = record.approvals_required.unwrap_or(1) as usize;
    format!("{} of {}", approvers.len(), approvers.len() + still)
}
