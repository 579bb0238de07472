//! What decides what a proposal's keys and dialogs say: the phase that
//! governs it and its count of approvals.

use crate::app::state::State;
use crate::domain::{Phase, Verdict};
use crate::model::records::ProposalRecord;

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
