//! Appending a decision to a proposal's status.

use super::DecisionError;
use crate::domain::{ActionProposalStatus, Decision, DecisionSource, ProposalState, Verdict};
use std::collections::BTreeSet;

/// The status after `decision`, or why it is refused. The decision list is
/// append-only: the returned status holds every earlier decision unchanged.
///
/// - Only a `Pending` proposal takes decisions ([`DecisionError::AlreadyDecided`]).
/// - `Approve` from a person who already approved is refused
///   ([`DecisionError::AlreadyApproved`]): one person counts once. The proposal is
///   `Approved` once `required_approvals` distinct people approved (at least one);
///   until then `approvals_required` counts down. An `Approve` made by a rule
///   makes it `AutoApproved`.
/// - `Veto` needs a non-empty reason ([`DecisionError::ReasonRequired`]) and
///   makes it `Vetoed`.
/// - `Expire` makes it `Expired`. `Kill` also makes it `Expired`: there is no
///   separate killed state, the `Kill` verdict in the decision list says why.
/// - Veto, expiry and kill mark a minted credential revoked.
pub fn apply_decision(
    status: &ActionProposalStatus,
    decision: Decision,
    required_approvals: u32,
) -> Result<ActionProposalStatus, DecisionError> {
    if !status.state.is_pending() {
        return Err(DecisionError::AlreadyDecided {
            by: decided_by(status),
            state: status.state,
        });
    }
    let mut next = status.clone();
    match decision.verdict {
        Verdict::Approve if decision.source == DecisionSource::Rule => {
            next.state = ProposalState::AutoApproved;
            next.approvals_required = Some(0);
        }
        Verdict::Approve => {
            if manual_approvers(status).contains(decision.by.as_str()) {
                return Err(DecisionError::AlreadyApproved { by: decision.by });
            }
            let required = required_approvals.max(1);
            let approvers = u32::try_from(manual_approvers(status).len())
                .unwrap_or(u32::MAX)
                .saturating_add(1);
            let still_required = required.saturating_sub(approvers);
            next.approvals_required = Some(still_required);
            if still_required == 0 {
                next.state = ProposalState::Approved;
            }
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

/// The people who have approved so far.
fn manual_approvers(status: &ActionProposalStatus) -> BTreeSet<&str> {
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
    let approvers: Vec<&str> = manual_approvers(status).into_iter().collect();
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
    use crate::governor::initial::tests::{now, policy, spec};
    use crate::governor::initial_status;
    use k8s_openapi::apimachinery::pkg::apis::meta::v1::Time;

    fn pending(required: u32) -> ActionProposalStatus {
        let mut p = policy(Phase::LimitedWrite);
        p.required_approvals = required;
        initial_status(&spec(ActionKind::Patch, Risk::Low), Some(&p), now())
    }

    fn by(who: &str, verdict: Verdict, reason: Option<&str>) -> Decision {
        Decision {
            by: who.into(),
            verified: true,
            at: Time(now()),
            verdict,
            reason: reason.map(Into::into),
            source: DecisionSource::Manual,
            edited: false,
            edited_action: None,
        }
    }

    #[test]
    fn two_person_rule_needs_two_distinct_approvers() {
        let first = apply_decision(&pending(2), by("oncall-1", Verdict::Approve, None), 2)
            .expect("first approval");
        assert_eq!(first.state, ProposalState::Pending);
        assert_eq!(first.approvals_required, Some(1));
        let second = apply_decision(&first, by("oncall-2", Verdict::Approve, None), 2)
            .expect("second approval");
        assert_eq!(second.state, ProposalState::Approved);
        assert_eq!(second.approvals_required, Some(0));
        assert_eq!(second.decisions.len(), 2);
        assert_eq!(second.decisions[0], first.decisions[0], "append-only");
    }

    #[test]
    fn one_approval_is_enough_when_one_is_required() {
        let done = apply_decision(&pending(1), by("oncall-1", Verdict::Approve, None), 1)
            .expect("approval");
        assert_eq!(done.state, ProposalState::Approved);
    }

    #[test]
    fn approving_twice_counts_once() {
        let first = apply_decision(&pending(2), by("oncall-1", Verdict::Approve, None), 2)
            .expect("first approval");
        let again = apply_decision(&first, by("oncall-1", Verdict::Approve, None), 2);
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
            let refused = apply_decision(&pending(1), by("oncall-1", Verdict::Veto, reason), 1);
            assert_eq!(refused, Err(DecisionError::ReasonRequired));
        }
        let vetoed = apply_decision(
            &pending(1),
            by("oncall-1", Verdict::Veto, Some("not during the freeze")),
            1,
        )
        .expect("veto with reason");
        assert_eq!(vetoed.state, ProposalState::Vetoed);
    }

    #[test]
    fn a_veto_after_one_approval_still_stops_it() {
        let first = apply_decision(&pending(2), by("oncall-1", Verdict::Approve, None), 2)
            .expect("approval");
        let vetoed = apply_decision(&first, by("oncall-2", Verdict::Veto, Some("wrong pod")), 2)
            .expect("veto");
        assert_eq!(vetoed.state, ProposalState::Vetoed);
        assert_eq!(vetoed.decisions.len(), 2);
    }

    #[test]
    fn decided_proposals_refuse_further_decisions_naming_who_decided() {
        let vetoed = apply_decision(
            &pending(1),
            by("oncall-2", Verdict::Veto, Some("wrong target")),
            1,
        )
        .expect("veto");
        let refused = apply_decision(&vetoed, by("oncall-1", Verdict::Approve, None), 1);
        assert_eq!(
            refused,
            Err(DecisionError::AlreadyDecided {
                by: "oncall-2".into(),
                state: ProposalState::Vetoed
            })
        );
        let approved = apply_decision(&pending(1), by("oncall-1", Verdict::Approve, None), 1)
            .expect("approval");
        let late_veto = apply_decision(&approved, by("oncall-2", Verdict::Veto, Some("no")), 1);
        let message = late_veto.expect_err("refused").to_string();
        assert_eq!(message, "already Approved by oncall-1: decisions are final");
        let recorded = initial_status(&spec(ActionKind::Patch, Risk::Low), None, now());
        let refused = apply_decision(&recorded, by("oncall-1", Verdict::Approve, None), 1);
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
            let ended =
                apply_decision(&status, by("rule:timeout", verdict, None), 1).expect("expire");
            assert_eq!(ended.state, ProposalState::Expired, "{verdict}");
            assert_eq!(ended.decisions.last().map(|d| d.verdict), Some(verdict));
            assert!(ended.credential.is_some_and(|c| c.revoked));
        }
    }

    #[test]
    fn a_rule_approval_auto_approves() {
        let mut decision = by("rule:autonomous-risk-ceiling", Verdict::Approve, None);
        decision.source = DecisionSource::Rule;
        let done = apply_decision(&pending(2), decision, 2).expect("rule approval");
        assert_eq!(done.state, ProposalState::AutoApproved);
    }
}
