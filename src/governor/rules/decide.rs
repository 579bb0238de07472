//! Appending a decision to a proposal's status.

use super::DecisionError;
use crate::domain::canonical::short_digest;
use crate::domain::{
    ActionProposalStatus, CanonicalAction, Decision, DecisionSource, ProposalState, ProposedAction,
    Verdict, effective_action,
};
use std::collections::BTreeSet;

/// The status after `decision`, or why it is refused. The decision list is
/// append-only: the returned status holds every earlier decision unchanged.
///
/// - A `Pending` proposal takes every verdict. An approved proposal the agent
///   has not executed yet ([`awaits_execution`]: `Approved` or `AutoApproved`,
///   no result reported) still takes a `Veto` or a `Kill`, so an operator can
///   stop it before it runs; approving or expiring it again is refused.
///   Anything else is refused ([`DecisionError::AlreadyDecided`]); a veto or
///   kill after the agent reported a result is [`DecisionError::AlreadyExecuted`].
/// - An `Approve` is bound to a digest ([`crate::domain::canonical`]): its
///   `action_digest` must be the digest of its `edited_action` when it carries
///   an edit, else of the action that runs now (the proposed `action`, or the
///   latest edit); otherwise it is refused ([`DecisionError::DigestMismatch`]).
///   An action whose payload does not parse cannot be approved
///   ([`DecisionError::NotApprovable`]).
/// - Approvals count only for the digest that will run: an edit makes the
///   edited action the one that runs, so approvals of another digest stop
///   counting. One person counts once per digest (approving the same digest
///   twice is [`DecisionError::AlreadyApproved`]). The proposal is `Approved`
///   once `required_approvals` distinct people approved the digest that runs
///   (at least one); until then `approvals_required` counts down. An
///   `Approve` made by a rule makes it `AutoApproved`.
/// - `Veto` needs a non-empty reason ([`DecisionError::ReasonRequired`]) and
///   makes it `Vetoed`.
/// - `Expire` makes it `Expired`. `Kill` also makes it `Expired`: there is no
///   separate killed state, the `Kill` verdict in the decision list says why.
/// - Veto, expiry and kill mark a minted credential revoked (the caller
///   revokes it in Vault): vetoing an approved proposal before it runs leaves
///   the agent without a usable write credential.
pub fn apply_decision(
    action: &ProposedAction,
    status: &ActionProposalStatus,
    decision: Decision,
    required_approvals: u32,
) -> Result<ActionProposalStatus, DecisionError> {
    let stops_approved = matches!(decision.verdict, Verdict::Veto | Verdict::Kill);
    let takes_it = status.state.is_pending() || (stops_approved && awaits_execution(status));
    if !takes_it {
        if stops_approved && was_executed(status) {
            return Err(DecisionError::AlreadyExecuted {
                state: status.state,
            });
        }
        return Err(DecisionError::AlreadyDecided {
            by: decided_by(status),
            state: status.state,
        });
    }
    let mut next = status.clone();
    match decision.verdict {
        Verdict::Approve => {
            check_bound(action, status, &decision)?;
            let digest = decision.action_digest.clone().unwrap_or_default();
            if decision.source == DecisionSource::Manual
                && manual_approvers(status, &digest).contains(decision.by.as_str())
            {
                return Err(DecisionError::AlreadyApproved { by: decision.by });
            }
            next.decisions.push(decision.clone());
            if decision.source == DecisionSource::Rule {
                next.state = ProposalState::AutoApproved;
                next.approvals_required = Some(0);
                return Ok(next);
            }
            let runs = effective_action(action, &next.decisions).digest();
            let required = required_approvals.max(1);
            let approvers = u32::try_from(manual_approvers(&next, &runs).len()).unwrap_or(u32::MAX);
            let still_required = required.saturating_sub(approvers);
            next.approvals_required = Some(still_required);
            if still_required == 0 {
                next.state = ProposalState::Approved;
            }
            return Ok(next);
        }
        Verdict::Veto => {
            if decision
                .reason
                .as_deref()
                .is_none_or(|r| r.trim().is_empty())
            {
                return Err(DecisionError::ReasonRequired);
            }
            next.state = ProposalState::Vetoed;
        }
        Verdict::Expire | Verdict::Kill => next.state = ProposalState::Expired,
    }
    if matches!(next.state, ProposalState::Vetoed | ProposalState::Expired)
        && let Some(credential) = next.credential.as_mut()
    {
        credential.revoked = true;
    }
    next.decisions.push(decision);
    Ok(next)
}

/// Whether the proposal is approved (`Approved` or `AutoApproved`) and the
/// agent has not reported a result yet: it may still be vetoed or killed,
/// which revokes its write credential before the agent uses it.
pub fn awaits_execution(status: &ActionProposalStatus) -> bool {
    status.state.is_approved() && status.execution.is_none()
}

/// Whether the agent has reported a result (its state, or a result written
/// while the state still says approved).
fn was_executed(status: &ActionProposalStatus) -> bool {
    matches!(
        status.state,
        ProposalState::Executed | ProposalState::Failed
    ) || (status.state.is_approved() && status.execution.is_some())
}

/// Refuses an approval that is not bound to the action it would let run, or
/// whose action does not parse.
fn check_bound(
    action: &ProposedAction,
    status: &ActionProposalStatus,
    decision: &Decision,
) -> Result<(), DecisionError> {
    let approved = match decision.edited_action.as_ref().filter(|_| decision.edited) {
        Some(edited) => edited.clone(),
        None => effective_action(action, &status.decisions).action,
    };
    let canonical = CanonicalAction::of(&approved);
    if let Some(problem) = canonical.problem {
        return Err(DecisionError::NotApprovable { problem });
    }
    if decision.action_digest.as_deref() != Some(canonical.digest.as_str()) {
        return Err(DecisionError::DigestMismatch {
            approved: decision
                .action_digest
                .as_deref()
                .map_or_else(|| "none".to_string(), |d| short_digest(d).to_string()),
            current: short_digest(&canonical.digest).to_string(),
        });
    }
    Ok(())
}

/// The people whose approvals of `digest` stand.
fn manual_approvers<'a>(status: &'a ActionProposalStatus, digest: &str) -> BTreeSet<&'a str> {
    status
        .decisions
        .iter()
        .filter(|d| {
            d.verdict == Verdict::Approve
                && d.source == DecisionSource::Manual
                && d.action_digest.as_deref() == Some(digest)
        })
        .map(|d| d.by.as_str())
        .collect()
}

/// Everyone who approved, of any digest (for naming who decided).
fn all_manual_approvers(status: &ActionProposalStatus) -> BTreeSet<&str> {
    status
        .decisions
        .iter()
        .filter(|d| d.verdict == Verdict::Approve && d.source == DecisionSource::Manual)
        .map(|d| d.by.as_str())
        .collect()
}

/// Who ended the wait: the approvers, the last decision's author, or the phase
/// for recorded proposals.
fn decided_by(status: &ActionProposalStatus) -> String {
    let approvers: Vec<&str> = all_manual_approvers(status).into_iter().collect();
    if status.state == ProposalState::Approved && !approvers.is_empty() {
        return approvers.join(" and ");
    }
    match (status.decisions.last(), status.phase) {
        (Some(decision), _) => decision.by.clone(),
        (None, Some(phase)) => format!("the trust policy ({phase})"),
        (None, None) => "the trust policy".to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{ActionKind, Risk};
    use crate::domain::{MintedCredential, Phase};
    use crate::governor::initial_status;
    use crate::governor::rules::initial::tests::{now, policy, spec};
    use k8s_openapi::apimachinery::pkg::apis::meta::v1::Time;

    fn pending(required: u32) -> ActionProposalStatus {
        let mut p = policy(Phase::LimitedWrite);
        p.required_approvals = required;
        initial_status(&spec(ActionKind::Patch, Risk::Low), Some(&p), now())
    }

    fn action() -> ProposedAction {
        spec(ActionKind::Patch, Risk::Low).action
    }

    fn by(who: &str, verdict: Verdict, reason: Option<&str>) -> Decision {
        let action_digest =
            (verdict == Verdict::Approve).then(|| crate::domain::action_digest(&action()));
        Decision {
            by: who.into(),
            verified: true,
            at: Time(now()),
            verdict,
            reason: reason.map(Into::into),
            source: DecisionSource::Manual,
            edited: false,
            edited_action: None,
            action_digest,
        }
    }

    #[test]
    fn two_person_rule_needs_two_distinct_approvers() {
        let first = apply_decision(
            &action(),
            &pending(2),
            by("oncall-1", Verdict::Approve, None),
            2,
        )
        .expect("first approval");
        assert_eq!(first.state, ProposalState::Pending);
        assert_eq!(first.approvals_required, Some(1));
        let second = apply_decision(&action(), &first, by("oncall-2", Verdict::Approve, None), 2)
            .expect("second approval");
        assert_eq!(second.state, ProposalState::Approved);
        assert_eq!(second.approvals_required, Some(0));
        assert_eq!(second.decisions.len(), 2);
        assert_eq!(second.decisions[0], first.decisions[0], "append-only");
    }

    #[test]
    fn one_approval_is_enough_when_one_is_required() {
        let done = apply_decision(
            &action(),
            &pending(1),
            by("oncall-1", Verdict::Approve, None),
            1,
        )
        .expect("approval");
        assert_eq!(done.state, ProposalState::Approved);
    }

    #[test]
    fn approving_twice_counts_once() {
        let first = apply_decision(
            &action(),
            &pending(2),
            by("oncall-1", Verdict::Approve, None),
            2,
        )
        .expect("first approval");
        let again = apply_decision(&action(), &first, by("oncall-1", Verdict::Approve, None), 2);
        assert_eq!(
            again,
            Err(DecisionError::AlreadyApproved {
                by: "oncall-1".into()
            })
        );
    }

    #[test]
    fn a_veto_needs_a_reason() {
        for reason in [None, Some(""), Some("   ")] {
            let refused = apply_decision(
                &action(),
                &pending(1),
                by("oncall-1", Verdict::Veto, reason),
                1,
            );
            assert_eq!(refused, Err(DecisionError::ReasonRequired));
        }
        let vetoed = apply_decision(
            &action(),
            &pending(1),
            by("oncall-1", Verdict::Veto, Some("not during the freeze")),
            1,
        )
        .expect("veto with reason");
        assert_eq!(vetoed.state, ProposalState::Vetoed);
    }

    #[test]
    fn a_veto_after_one_approval_still_stops_it() {
        let first = apply_decision(
            &action(),
            &pending(2),
            by("oncall-1", Verdict::Approve, None),
            2,
        )
        .expect("approval");
        let vetoed = apply_decision(
            &action(),
            &first,
            by("oncall-2", Verdict::Veto, Some("wrong pod")),
            2,
        )
        .expect("veto");
        assert_eq!(vetoed.state, ProposalState::Vetoed);
        assert_eq!(vetoed.decisions.len(), 2);
    }

    #[test]
    fn decided_proposals_refuse_further_decisions_naming_who_decided() {
        let vetoed = apply_decision(
            &action(),
            &pending(1),
            by("oncall-2", Verdict::Veto, Some("wrong target")),
            1,
        )
        .expect("veto");
        let refused = apply_decision(
            &action(),
            &vetoed,
            by("oncall-1", Verdict::Approve, None),
            1,
        );
        assert_eq!(
            refused,
            Err(DecisionError::AlreadyDecided {
                by: "oncall-2".into(),
                state: ProposalState::Vetoed
            })
        );
        let approved = apply_decision(
            &action(),
            &pending(1),
            by("oncall-1", Verdict::Approve, None),
            1,
        )
        .expect("approval");
        let late_approval = apply_decision(
            &action(),
            &approved,
            by("oncall-2", Verdict::Approve, None),
            1,
        );
        let message = late_approval.expect_err("refused").to_string();
        assert_eq!(message, "already Approved by oncall-1: decisions are final");
        let late_expiry = apply_decision(
            &action(),
            &approved,
            by("rule:timeout", Verdict::Expire, None),
            1,
        );
        assert_eq!(
            late_expiry,
            Err(DecisionError::AlreadyDecided {
                by: "oncall-1".into(),
                state: ProposalState::Approved
            }),
            "an approved proposal no longer waits, so it cannot time out"
        );
        let recorded = initial_status(&spec(ActionKind::Patch, Risk::Low), None, now());
        let refused = apply_decision(
            &action(),
            &recorded,
            by("oncall-1", Verdict::Approve, None),
            1,
        );
        assert!(
            matches!(&refused, Err(DecisionError::AlreadyDecided { by, state: ProposalState::Recorded }) if by.contains("Shadow")),
            "{refused:?}"
        );
    }

    #[test]
    fn expiry_and_kill_end_in_expired_and_revoke_the_credential() {
        for verdict in [Verdict::Expire, Verdict::Kill] {
            let mut status = pending(1);
            status.credential = Some(MintedCredential {
                wrapped_accessor: "acc".into(),
                ttl_seconds: 300,
                ..Default::default()
            });
            let ended = apply_decision(&action(), &status, by("rule:timeout", verdict, None), 1)
                .expect("expire");
            assert_eq!(ended.state, ProposalState::Expired, "{verdict}");
            assert_eq!(ended.decisions.last().map(|d| d.verdict), Some(verdict));
            assert!(ended.credential.is_some_and(|c| c.revoked));
        }
    }

    #[test]
    fn a_rule_approval_auto_approves() {
        let mut decision = by("rule:autonomous-risk-ceiling", Verdict::Approve, None);
        decision.source = DecisionSource::Rule;
        let done = apply_decision(&action(), &pending(2), decision, 2).expect("rule approval");
        assert_eq!(done.state, ProposalState::AutoApproved);
    }

    /// An approved proposal holding a minted credential, not executed yet.
    fn approved_with_credential(rule: bool) -> ActionProposalStatus {
        let mut decision = by("oncall-1", Verdict::Approve, None);
        if rule {
            decision.by = "rule:autonomous-risk-ceiling".into();
            decision.source = DecisionSource::Rule;
        }
        let mut status = apply_decision(&action(), &pending(1), decision, 1).expect("approval");
        status.credential = Some(MintedCredential {
            wrapping_token: Some("hvs.wrapping".into()),
            wrapped_accessor: "acc".into(),
            ttl_seconds: 300,
            ..Default::default()
        });
        status
    }

    #[test]
    fn a_veto_before_the_agent_runs_stops_an_approved_proposal_and_revokes_its_credential() {
        for (rule, approved_state) in [
            (false, ProposalState::Approved),
            (true, ProposalState::AutoApproved),
        ] {
            let approved = approved_with_credential(rule);
            assert_eq!(approved.state, approved_state);
            assert!(awaits_execution(&approved));
            let vetoed = apply_decision(
                &action(),
                &approved,
                by("oncall-2", Verdict::Veto, Some("wrong deployment")),
                1,
            )
            .expect("a veto before execution is accepted");
            assert_eq!(vetoed.state, ProposalState::Vetoed, "{approved_state}");
            assert!(vetoed.credential.as_ref().is_some_and(|c| c.revoked));
            assert_eq!(vetoed.decisions.len(), 2);
            assert_eq!(vetoed.decisions[0], approved.decisions[0], "append-only");
            assert!(!awaits_execution(&vetoed));
        }
    }

    #[test]
    fn the_approver_may_change_their_mind_but_still_owes_a_reason() {
        let approved = approved_with_credential(false);
        let silent = apply_decision(
            &action(),
            &approved,
            by("oncall-1", Verdict::Veto, Some(" ")),
            1,
        );
        assert_eq!(silent, Err(DecisionError::ReasonRequired));
        let vetoed = apply_decision(
            &action(),
            &approved,
            by("oncall-1", Verdict::Veto, Some("I misread the target")),
            1,
        )
        .expect("the approver vetoes their own approval");
        assert_eq!(vetoed.state, ProposalState::Vetoed);
    }

    #[test]
    fn a_kill_before_the_agent_runs_expires_an_approved_proposal() {
        let killed = apply_decision(
            &action(),
            &approved_with_credential(true),
            by("oncall-2", Verdict::Kill, Some("investigation killed")),
            1,
        )
        .expect("a kill before execution is accepted");
        assert_eq!(killed.state, ProposalState::Expired);
        assert!(killed.credential.is_some_and(|c| c.revoked));
    }

    #[test]
    fn a_veto_after_the_agent_reported_is_refused_saying_it_already_ran() {
        let mut executed = approved_with_credential(false);
        executed.state = ProposalState::Executed;
        executed.execution = Some(crate::domain::ExecutionResult {
            succeeded: true,
            message: "deployment.apps/api patched".into(),
            at: None,
        });
        let refused = apply_decision(
            &action(),
            &executed,
            by("oncall-2", Verdict::Veto, Some("too late?")),
            1,
        );
        assert_eq!(
            refused,
            Err(DecisionError::AlreadyExecuted {
                state: ProposalState::Executed
            })
        );
        let message = refused.expect_err("refused").to_string();
        assert!(
            message.starts_with("the agent already reported this proposal Executed"),
            "{message}"
        );
        assert!(message.contains("can no longer stop it"), "{message}");

        let mut failed = executed.clone();
        failed.state = ProposalState::Failed;
        let killed = apply_decision(&action(), &failed, by("oncall-2", Verdict::Kill, None), 1);
        assert!(matches!(killed, Err(DecisionError::AlreadyExecuted { .. })));

        // A result reported while the state still says approved counts too.
        let mut reported = executed;
        reported.state = ProposalState::Approved;
        assert!(!awaits_execution(&reported));
        let late = apply_decision(
            &action(),
            &reported,
            by("oncall-2", Verdict::Veto, Some("no")),
            1,
        );
        assert!(matches!(late, Err(DecisionError::AlreadyExecuted { .. })));
    }
}

#[cfg(test)]
mod digest_tests {
    use super::*;
    use crate::domain::{ActionKind, Phase, Risk, action_digest};
    use crate::governor::initial_status;
    use crate::governor::rules::initial::tests::{now, policy, spec};
    use k8s_openapi::apimachinery::pkg::apis::meta::v1::Time;

    fn proposed() -> ProposedAction {
        spec(ActionKind::Patch, Risk::Low).action
    }

    fn edited() -> ProposedAction {
        let mut edited = proposed();
        edited.patch = Some(r#"{"spec":{"replicas":1}}"#.into());
        edited
    }

    fn approval(who: &str, edit: Option<ProposedAction>, digest: Option<String>) -> Decision {
        Decision {
            by: who.into(),
            verified: true,
            at: Time(now()),
            verdict: Verdict::Approve,
            reason: None,
            source: DecisionSource::Manual,
            edited: edit.is_some(),
            edited_action: edit,
            action_digest: digest,
        }
    }

    fn pending(required: u32) -> ActionProposalStatus {
        let mut p = policy(Phase::LimitedWrite);
        p.required_approvals = required;
        initial_status(&spec(ActionKind::Patch, Risk::Low), Some(&p), now())
    }

    #[test]
    fn an_approval_without_the_digest_of_what_runs_is_refused() {
        for digest in [None, Some(action_digest(&edited()))] {
            let refused = apply_decision(&proposed(), &pending(1), approval("a", None, digest), 1);
            assert!(
                matches!(refused, Err(DecisionError::DigestMismatch { .. })),
                "{refused:?}"
            );
        }
    }

    #[test]
    fn an_edit_resets_the_count_to_approvals_of_the_edited_action() {
        let first = apply_decision(
            &proposed(),
            &pending(2),
            approval("oncall-1", None, Some(action_digest(&proposed()))),
            2,
        )
        .expect("first approval");
        assert_eq!(first.approvals_required, Some(1));
        let edit = apply_decision(
            &proposed(),
            &first,
            approval("oncall-2", Some(edited()), Some(action_digest(&edited()))),
            2,
        )
        .expect("edited approval");
        assert_eq!(
            edit.state,
            ProposalState::Pending,
            "oncall-1 approved another action"
        );
        assert_eq!(edit.approvals_required, Some(1));
        let stale = apply_decision(
            &proposed(),
            &edit,
            approval("oncall-1", None, Some(action_digest(&proposed()))),
            2,
        );
        assert!(matches!(stale, Err(DecisionError::DigestMismatch { .. })));
        let done = apply_decision(
            &proposed(),
            &edit,
            approval("oncall-1", None, Some(action_digest(&edited()))),
            2,
        )
        .expect("oncall-1 approves the edited action");
        assert_eq!(done.state, ProposalState::Approved);
        assert_eq!(
            effective_action(&proposed(), &done.decisions).action,
            edited()
        );
    }

    #[test]
    fn a_patch_that_does_not_parse_cannot_be_approved() {
        let mut broken = proposed();
        broken.patch = Some("{not json".into());
        let refused = apply_decision(
            &broken,
            &pending(1),
            approval("a", None, Some(action_digest(&broken))),
            1,
        );
        assert!(matches!(refused, Err(DecisionError::NotApprovable { .. })));
    }
}
