//! Approve and veto: whether a verdict may be given, the dialog that
//! confirms it, and sending it bound to what the dialog showed.

use super::*;
use crate::app::effect::Effect;
use crate::app::state::{Delivery, EditedAction, Modal, Screen, Shown, State, TrackedDecision};
use crate::app::update::Out;
use crate::cluster::decision_tasks::DecisionEffect;
use crate::decide::{PendingDecision, check_offered};
use crate::domain::{ActionProposalStatus, ProposalState, ProposedAction, Verdict};
use crate::governor::DecisionError;
use crate::model::records::{ProposalKey, ProposalRecord};
use ratatui_textarea::TextArea;

/// Why `verdict` cannot be given on `record` now, if it cannot. Every verdict
/// is offered on a pending proposal (as its phase allows); a veto also on an
/// approved one the agent has not executed yet, where it revokes the write
/// credential before the agent uses it.
pub fn refusal(state: &State, record: &ProposalRecord, verdict: Verdict) -> Option<String> {
    let status = ActionProposalStatus {
        state: record.state,
        phase: record.phase,
        ..ActionProposalStatus::default()
    };
    if let Err(error) = check_offered(
        &status,
        crate::app::geometry::focus::governing_phase(state, record),
        verdict,
    ) {
        return Some(error.to_string());
    }
    if verdict == Verdict::Veto && record.awaits_execution() {
        return None;
    }
    let reported = matches!(
        record.state,
        ProposalState::Executed | ProposalState::Failed
    ) || record.execution.is_some();
    if verdict == Verdict::Veto && reported {
        let refused = DecisionError::AlreadyExecuted {
            state: record.state,
        };
        return Some(format!("{}: {refused}", record.key.name));
    }
    if !record.state.is_pending() {
        let by = record
            .decisions
            .last()
            .map(|d| format!(" ({} by {})", d.verdict, d.by))
            .unwrap_or_default();
        return Some(format!(
            "{} is already {}{by}",
            record.key.name, record.state
        ));
    }
    None
}

/// Why approving `record` again is refused before anything is typed: the
/// user already approved the action whose short digest is `digest` (the
/// governor counts one person once per digest).
pub(in crate::app::update) fn already_approved(
    state: &State,
    record: &ProposalRecord,
    digest: &str,
) -> Option<String> {
    let me = state.identity.user.as_deref()?;
    let mine = record.decisions.iter().rev().find(|d| {
        d.verdict == Verdict::Approve
            && !d.by_rule
            && d.by == me
            && d.action_digest.as_deref() == Some(digest)
    })?;
    let still = record.approvals_required.unwrap_or(0);
    let more = match still {
        0 => String::new(),
        1 => "; it needs 1 more approval, from someone else".to_string(),
        n => format!("; it needs {n} more approvals, from others"),
    };
    Some(format!(
        "you already approved {} (sha256:{digest}) at {}{more}",
        record.key.name,
        crate::app::geometry::format::clock(mine.at, &state.time_zone)
    ))
}

/// The proposal to decide on, or a notice saying why there is none.
pub(in crate::app::update) fn decidable(
    state: &mut State,
    verdict: Verdict,
    out: &mut Out,
) -> Option<ProposalKey> {
    let Some(key) = crate::app::state::proposal_in_focus(state) else {
        let hint = if matches!(state.screen(), Screen::Detail) {
            "focus the proposals pane (tab) and pick a proposal first"
        } else {
            "open a proposal (or :approvals) to decide on it"
        };
        notice(state, hint.to_string(), out);
        return None;
    };
    let Some(record) = state.proposals.get(&key) else {
        notice(
            state,
            format!("proposal {} is no longer in the cluster", key.name),
            out,
        );
        return None;
    };
    if let Some(why) = refusal(state, record, verdict) {
        notice(state, why, out);
        return None;
    }
    if state
        .decisions
        .tracked
        .iter()
        .any(|t| t.request.proposal == key.name && t.request.namespace == key.namespace)
    {
        notice(
            state,
            format!(
                "your decision on {} is not recorded yet: see :approvals (R retries)",
                key.name
            ),
            out,
        );
        return None;
    }
    if state.identity.user.is_none() {
        notice(
            state,
            "who you are is not known yet; try again in a moment".into(),
            out,
        );
        return None;
    }
    Some(key)
}

pub(in crate::app::update) fn start_approve(state: &mut State, out: &mut Out) {
    let Some(key) = decidable(state, Verdict::Approve, out) else {
        return;
    };
    let Some(record) = state.proposals.get(&key) else {
        return;
    };
    if let Some(why) = already_approved(state, record, &record.action.short_digest) {
        notice(state, why, out);
        return;
    }
    let shown = Shown::of(record);
    open_approve(state, key, shown, None, out);
}

/// Opens the approval confirmation on what `shown` says the operator saw
/// (after an edit, with the edited action and its diff).
pub(in crate::app::update) fn open_approve(
    state: &mut State,
    key: ProposalKey,
    shown: Shown,
    edited: Option<Box<EditedAction>>,
    out: &mut Out,
) {
    state.decisions.modal = Some(Modal::Approve {
        key,
        shown,
        edited,
        scroll: Default::default(),
        typed: None,
        error: None,
    });
    out.redraw();
}

pub(in crate::app::update) fn start_veto(state: &mut State, out: &mut Out) {
    let Some(key) = decidable(state, Verdict::Veto, out) else {
        return;
    };
    let Some(record) = state.proposals.get(&key) else {
        return;
    };
    let approved = record.awaits_execution();
    let shown = Shown::of(record);
    let mut reason = TextArea::default();
    reason.set_placeholder_text(if approved {
        "why (required; the approval is withdrawn and the agent reads why)"
    } else {
        "why (required; the agent reads it and revises its plan)"
    });
    state.decisions.modal = Some(Modal::Veto {
        key,
        shown,
        scroll: Default::default(),
        reason,
        error: None,
    });
    out.redraw();
}

/// Sends a decision, bound to what the dialog showed (`shown`: the
/// proposal's uid and the digest of the action that would run, for an edit
/// the action the edit started from): it stays visibly tracked until the
/// cluster recorded it.
pub(in crate::app::update) fn send(
    state: &mut State,
    key: &ProposalKey,
    verdict: Verdict,
    reason: Option<String>,
    edited_action: Option<ProposedAction>,
    shown: &Shown,
    out: &mut Out,
) {
    let Some(identity) = identity(state) else {
        return;
    };
    let request = PendingDecision {
        identity,
        namespace: key.namespace.clone(),
        proposal: key.name.clone(),
        verdict,
        reason,
        edited_action,
        proposal_uid: shown.uid.clone(),
        shown_digest: Some(shown.digest.clone()),
        context: state.context.clone(),
        first_tried_at: state.now,
    };
    let id = state.decisions.take_id();
    state.decisions.tracked.push(TrackedDecision {
        id,
        request: request.clone(),
        delivery: Delivery::Sending,
    });
    out.push(Effect::Decisions(DecisionEffect::Decide {
        id,
        request: Box::new(request),
        retry: false,
        after: None,
    }));
    out.redraw();
}
