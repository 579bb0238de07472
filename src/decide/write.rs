//! Writing a decision into a proposal's status: the governor's rules applied
//! to the copy read, replaced with its resourceVersion as a precondition, and
//! a conflict reported as who decided first.

use super::failure::{Request, timed};
use super::{DecideError, PendingDecision, check_offered};
use crate::cluster::guarded::{Guarded, GuardedError, write_guarded};
use crate::domain::policy::POLICY_NAME;
use crate::domain::{
    ActionProposal, ActionProposalStatus, Decision, ProposalState, TrustPolicy, TrustPolicySpec,
    Verdict,
};
use crate::governor::{DecisionError, apply_decision, initial_status};
use jiff::Timestamp;
use kube::api::PostParams;
use kube::{Api, Client};

/// The namespace's TrustPolicy spec; `None` when it has none (Shadow).
pub(crate) async fn read_policy(
    client: &Client,
    user: &str,
    namespace: &str,
    doing: &str,
    pending: Option<&PendingDecision>,
) -> Result<Option<TrustPolicySpec>, DecideError> {
    let policies: Api<TrustPolicy> = Api::namespaced(client.clone(), namespace);
    let read = Request {
        user,
        verb: "get",
        resource: "trustpolicies",
        namespace,
        name: POLICY_NAME,
        doing,
    };
    timed(policies.get_opt(POLICY_NAME))
        .await
        .map(|p| p.map(|p| p.spec))
        .map_err(|e| read.failed(e, pending))
}

/// Distinct approvals the policy requires (1 without a policy).
pub(crate) fn required_approvals(policy: Option<&TrustPolicySpec>) -> u32 {
    policy.map_or(1, |p| p.required_approvals.max(1))
}

/// The proposal's status, or the one the governor would give it when it has
/// none yet.
pub(crate) fn status_of(
    proposal: &ActionProposal,
    policy: Option<&TrustPolicySpec>,
    now: Timestamp,
) -> ActionProposalStatus {
    proposal
        .status
        .clone()
        .unwrap_or_else(|| initial_status(&proposal.spec, policy, now))
}

/// A proposal written with a decision appended.
pub(crate) struct Written {
    /// The proposal as the server returned it.
    pub proposal: ActionProposal,
    /// Whether a conflict made us write more than once.
    pub retried: bool,
}

/// The rules a decision is judged under: the namespace's policy (`None`:
/// Shadow) and the distinct approvals it requires.
#[derive(Clone, Copy)]
pub(crate) struct Rules<'a> {
    /// The TrustPolicy spec.
    pub policy: Option<&'a TrustPolicySpec>,
    /// Distinct approvals required.
    pub required: u32,
}

impl<'a> Rules<'a> {
    /// The rules of `policy`, requiring what it requires ([`required_approvals`]).
    pub fn of(policy: Option<&'a TrustPolicySpec>) -> Self {
        Rules {
            policy,
            required: required_approvals(policy),
        }
    }
}

/// Appends `decision` to `current`'s status and replaces the status with
/// `current`'s resourceVersion as precondition. A 409 re-reads and tries again,
/// up to `attempts` writes in all; a proposal decided meanwhile is a conflict.
pub(crate) async fn write_decision(
    api: &Api<ActionProposal>,
    current: ActionProposal,
    decision: &Decision,
    rules: Rules<'_>,
    attempts: usize,
    write: &Request<'_>,
    pending: Option<&PendingDecision>,
) -> Result<Written, DecideError> {
    let Rules { policy, required } = rules;
    let read = Request {
        verb: "get",
        resource: "actionproposals",
        ..*write
    };
    let judge = |current: &ActionProposal| {
        let base = status_of(current, policy, decision.at.0);
        apply_decision(&current.spec.action, &base, decision.clone(), required)
            .map_err(|e| refusal(current, e))
    };
    let written = write_guarded(
        attempts,
        current,
        |current| {
            let mut updated = current.clone();
            updated.status = Some(judge(current)?);
            Ok(Some(updated))
        },
        |updated| async move {
            timed(api.replace_status(write.name, &PostParams::default(), &updated)).await
        },
        || async {
            timed(api.get(write.name))
                .await
                .map_err(|e| read.failed(e, pending))
        },
        |error| write.failed(error, pending),
    )
    .await;
    match written {
        Ok(Guarded::Written { object, retried }) => Ok(Written {
            proposal: object,
            retried,
        }),
        Ok(Guarded::Unchanged(proposal)) => Ok(Written {
            proposal,
            retried: false,
        }),
        Err(GuardedError::Failed(error)) => Err(error),
        // Judged once more on the copy read last: refused, or contended.
        Err(GuardedError::Contended { last, .. }) => match judge(&last) {
            Err(error) => Err(error),
            Ok(_) => Err(DecideError::Contended {
                name: write.name.to_string(),
            }),
        },
    }
}

/// The operator-facing form of a rule's refusal: a decided proposal is a
/// conflict naming who decided, when and what.
fn refusal(current: &ActionProposal, error: DecisionError) -> DecideError {
    match (&error, current.decisions().last()) {
        (DecisionError::AlreadyDecided { by, .. }, Some(last)) => DecideError::Conflict {
            decided_by: by.clone(),
            verdict: last.verdict,
            at: last.at.0,
        },
        (DecisionError::AlreadyDecided { state, .. }, None)
            if *state == ProposalState::Recorded =>
        {
            let phase = current
                .status
                .as_ref()
                .and_then(|s| s.phase)
                .unwrap_or_default();
            check_offered(
                &ActionProposalStatus {
                    state: *state,
                    phase: Some(phase),
                    ..Default::default()
                },
                phase,
                Verdict::Approve,
            )
            .err()
            .unwrap_or(DecideError::Refused(error))
        }
        _ => DecideError::Refused(error),
    }
}

/// `at` without its fraction of a second, as Kubernetes stores times.
pub(crate) fn whole_second(at: Timestamp) -> Timestamp {
    Timestamp::from_second(at.as_second()).unwrap_or(at)
}
