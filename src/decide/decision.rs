//! Approving, vetoing and expiring one proposal: what the phase offers, the
//! governor's rules, and a status write with a resourceVersion precondition
//! that never overwrites someone else's decision.

use super::failure::{Request, timed};
use super::record::record_decision;
use super::write::{Rules, read_policy, status_of, whole_second, write_decision};
use super::{DecideError, Decider, DecisionOutcome, PendingDecision, check_offered, describe_edit};
use crate::domain::canonical::short_digest;
use crate::domain::{
    ActionProposal, Decision, DecisionSource, ProposedAction, TrustPolicySpec, Verdict,
    action_digest, effective_action,
};
use crate::governor::{TIMEOUT_RULE, is_expired};
use jiff::Timestamp;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::Time;
use kube::Api;

/// Records `request.identity`'s verdict on proposal
/// `request.namespace/request.proposal`, for [`Decider::decide`] (first try)
/// and [`Decider::retry`] (`is_retry`: a decision of ours found already
/// written, an earlier answer having been lost, counts as made).
///
/// Reads the proposal and the namespace's TrustPolicy (none means Shadow),
/// refuses a proposal replaced since the operator looked (`proposal_uid`) and
/// an approval of another action than the one shown (`shown_digest`), refuses
/// what the phase does not offer ([`check_offered`]), refuses to approve
/// an expired proposal (and records the expiry), applies the governor's rules
/// ([`apply_decision`](crate::governor::apply_decision): distinct approvers, a veto needs a reason, decided is
/// final, except that an approved proposal the agent has not executed yet can
/// still be vetoed) and replaces the status with the read resourceVersion as a
/// precondition. On a 409 it reads again: if someone decided in between it
/// reports [`DecideError::Conflict`] naming them and writes nothing; if the
/// decision still applies to the fresh copy it tries once more. A veto that
/// comes after the agent reported its result is refused
/// ([`DecisionError::AlreadyExecuted`](crate::governor::DecisionError::AlreadyExecuted)).
///
/// `edited_action` (from [`validate_edit`](super::validate_edit)) may come only
/// with an approval; it is recorded as `edited: true` with `editedAction`.
/// `context` is the kubeconfig context, for the audit log.
///
/// Once the status is written the decision stands; the credential is settled
/// when the decider does credential work, then the Kubernetes Event and the
/// local audit line follow, and failures there are returned as
/// [`DecisionOutcome::warnings`]. A failure to reach the cluster returns
/// [`DecideError::Unreachable`] holding a [`PendingDecision`] to retry.
pub(super) async fn decide_pending(
    decider: &Decider,
    request: &PendingDecision,
    is_retry: bool,
) -> Result<DecisionOutcome, DecideError> {
    let client = decider.client();
    let doing = request.describe();
    let write = Request {
        user: &request.identity.user,
        verb: "update",
        resource: "actionproposals/status",
        namespace: &request.namespace,
        name: &request.proposal,
        doing: &doing,
    };
    let read = Request {
        verb: "get",
        resource: "actionproposals",
        ..write
    };
    let api: Api<ActionProposal> = Api::namespaced(client.clone(), &request.namespace);
    let proposal = timed(api.get(&request.proposal))
        .await
        .map_err(|e| read.failed(e, Some(request)))?;
    let policy = read_policy(
        client,
        &request.identity.user,
        &request.namespace,
        &doing,
        Some(request),
    )
    .await?;
    let phase = policy.as_ref().map(|p| p.phase).unwrap_or_default();
    check_same_object(&proposal, request)?;
    let edited = checked_edit(&proposal, request)?;

    if is_retry && let Some(found) = our_decision(&proposal, request) {
        let mut outcome = finish(decider, request, proposal, found, false).await;
        outcome.warnings.insert(
            0,
            "an earlier attempt had already reached the cluster".to_string(),
        );
        return Ok(outcome);
    }

    let now = Timestamp::now();
    let base = status_of(&proposal, policy.as_ref(), now);
    check_offered(&base, phase, request.verdict)?;
    if request.verdict == Verdict::Approve && is_expired(&proposal.spec, Some(&base), now) {
        let expired_at = proposal.spec.expires_at.as_ref().map_or(now, |t| t.0);
        record_expiry(decider, &api, proposal, policy.as_ref(), request).await;
        return Err(DecideError::Expired { expired_at });
    }
    let action_digest = match &edited {
        Some(edited) => action_digest(edited),
        None => proposal.effective_action().digest(),
    };
    let decision = Decision {
        by: request.identity.user.clone(),
        verified: request.identity.verified,
        at: Time(whole_second(now)),
        verdict: request.verdict,
        reason: request.reason.clone(),
        source: DecisionSource::Manual,
        edited: edited.is_some(),
        edited_action: edited,
        action_digest: Some(action_digest),
    };
    let written = write_decision(
        &api,
        proposal,
        &decision,
        Rules::of(policy.as_ref()),
        2,
        &write,
        Some(request),
    )
    .await?;
    Ok(finish(
        decider,
        request,
        written.proposal,
        decision,
        written.retried,
    )
    .await)
}

/// The proposal as written, its credential settled (when `work` says so),
/// with its Event and audit line recorded: the record says what became of the
/// credential.
async fn finish(
    decider: &Decider,
    request: &PendingDecision,
    proposal: ActionProposal,
    decision: Decision,
    retried: bool,
) -> DecisionOutcome {
    let client = decider.client();
    let (proposal, mut warnings) = if decider.settles_credentials() {
        super::credential::settle_credential(client, &request.identity, decider.vault(), proposal)
            .await
    } else {
        (proposal, Vec::new())
    };
    let recorded = record_decision(
        client,
        decider.audit(),
        &request.identity,
        &proposal,
        &decision,
        Some(&request.context),
    )
    .await;
    warnings.extend(recorded);
    let status = proposal.status.clone().unwrap_or_default();
    let edit_summary = decision
        .edited_action
        .as_ref()
        .filter(|_| decision.edited)
        .map(|edited| {
            let before = effective_action(
                &proposal.spec.action,
                decisions_before(&proposal, &decision),
            );
            describe_edit(&before.action, edited)
        });
    DecisionOutcome {
        state: status.state,
        approvals_still_required: if status.state.is_pending() {
            status.approvals_required.unwrap_or(0)
        } else {
            0
        },
        proposal,
        decision,
        edit_summary,
        retried_after_conflict: retried,
        warnings,
    }
}

/// Refuses a decision meant for another object of the same name (deleted and
/// recreated since the operator looked), and an approval of an action other
/// than the one that would run now (an edit landed since the operator looked).
fn check_same_object(
    proposal: &ActionProposal,
    request: &PendingDecision,
) -> Result<(), DecideError> {
    if let Some(uid) = &request.proposal_uid
        && proposal.metadata.uid.as_ref() != Some(uid)
    {
        return Err(DecideError::Replaced {
            namespace: request.namespace.clone(),
            name: request.proposal.clone(),
        });
    }
    if request.verdict != Verdict::Approve {
        return Ok(());
    }
    let runs = proposal.effective_action();
    let now = runs.digest();
    match &request.shown_digest {
        Some(shown) if *shown != now => Err(DecideError::ActionChanged {
            name: request.proposal.clone(),
            shown: short_digest(shown).to_string(),
            now: short_digest(&now).to_string(),
            by: runs
                .edit
                .map(|d| format!(" after an edit by {}", d.by))
                .unwrap_or_default(),
        }),
        _ => Ok(()),
    }
}

/// The edited action to record, refusing edits that come without an approval
/// or that change the kind or target; an edit that changes nothing is no edit.
fn checked_edit(
    proposal: &ActionProposal,
    request: &PendingDecision,
) -> Result<Option<ProposedAction>, DecideError> {
    let Some(edited) = request.edited_action.as_ref() else {
        return Ok(None);
    };
    let original = &proposal.effective_action().action;
    if request.verdict != Verdict::Approve {
        return Err(DecideError::InvalidEdit {
            line: 1,
            reason: "only an approval can carry an edited action".to_string(),
        });
    }
    if edited.kind != original.kind || edited.target != original.target {
        return Err(DecideError::InvalidEdit {
            line: 1,
            reason: format!(
                "an edit may change the {} payload, not the kind or target ({})",
                original.kind, original.target
            ),
        });
    }
    Ok((edited != original).then(|| edited.clone()))
}

/// The decisions made before `decision` (the last one equal to it and all after
/// it left out).
fn decisions_before<'a>(proposal: &'a ActionProposal, decision: &Decision) -> &'a [Decision] {
    let all = proposal.decisions();
    let end = all.iter().rposition(|d| d == decision).unwrap_or(all.len());
    all.get(..end).unwrap_or(all)
}

/// A decision by the requester with the requested verdict, made since the
/// request was first tried.
fn our_decision(proposal: &ActionProposal, request: &PendingDecision) -> Option<Decision> {
    proposal
        .decisions()
        .iter()
        .rev()
        .find(|d| {
            d.by == request.identity.user
                && d.verdict == request.verdict
                && d.source == DecisionSource::Manual
                && d.at.0 >= request.first_tried_at
        })
        .cloned()
}

/// Writes the expiry of a proposal whose time ran out (what the governor would
/// do), best effort: the operator is told it expired either way.
async fn record_expiry(
    decider: &Decider,
    api: &Api<ActionProposal>,
    proposal: ActionProposal,
    policy: Option<&TrustPolicySpec>,
    request: &PendingDecision,
) {
    let doing = format!("expire {}/{}", request.namespace, request.proposal);
    let write = Request {
        user: &request.identity.user,
        verb: "update",
        resource: "actionproposals/status",
        namespace: &request.namespace,
        name: &request.proposal,
        doing: &doing,
    };
    let decision = Decision {
        by: TIMEOUT_RULE.to_string(),
        verified: false,
        at: Time(whole_second(Timestamp::now())),
        verdict: Verdict::Expire,
        reason: Some("no decision before the proposal timeout; timeout means deny".to_string()),
        source: DecisionSource::Rule,
        edited: false,
        edited_action: None,
        action_digest: None,
    };
    let rules = Rules {
        policy,
        required: 1,
    };
    match write_decision(api, proposal, &decision, rules, 3, &write, None).await {
        Ok(written) => {
            let warnings = record_decision(
                decider.client(),
                decider.audit(),
                &request.identity,
                &written.proposal,
                &decision,
                Some(&request.context),
            )
            .await;
            for warning in warnings {
                tracing::warn!(%warning, "recording an expiry");
            }
        }
        Err(error) => tracing::info!(%error, "expiry not written; the governor will"),
    }
}
