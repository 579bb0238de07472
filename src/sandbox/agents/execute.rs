//! Carrying out an approved proposal and reporting the result on its status,
//! unless its approval was withdrawn (vetoed or killed) before the agent ran it.

use super::AgentError;
use super::agent::{Agent, Interrupt};
use super::outcome::Outcome;
use crate::domain::{
    ActionKind, ActionProposal, ExecutionResult, ProposalState, ProposedAction, Verdict,
};
use crate::governor::update_status;
use jiff::Timestamp;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::Time;
use kube::{Api, ResourceExt};
use rand::random_bool;
use serde_json::json;

/// What an admission webhook says when it refuses a simulated write.
const WEBHOOK_DENIAL: &str = "admission webhook \"validate.kyverno.svc-fail\" denied the request: policy require-change-ticket: annotation change-id is required during the freeze";

/// The action to execute: the last approver's edited version when there is one.
/// Returns the action and who edited it.
pub(super) fn action_to_execute(proposal: &ActionProposal) -> (ProposedAction, Option<String>) {
    let edited = proposal
        .decisions()
        .iter()
        .rev()
        .filter(|d| d.verdict == Verdict::Approve)
        .find_map(|d| d.edited_action.clone().map(|a| (a, d.by.clone())));
    match edited {
        Some((action, by)) => (action, Some(by)),
        None => (proposal.spec.action.clone(), None),
    }
}

/// How carrying out an approved proposal ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Execution {
    /// The agent ran the write (or tried to): the result, reported on the
    /// proposal unless the approval was withdrawn while it ran.
    Ran(ExecutionResult),
    /// The approval was withdrawn before anything was written: how the
    /// investigation ends ([`withdrawn_outcome`]).
    Withdrawn(Outcome),
}

/// Executes the approved proposal (as tool calls) and writes state Executed or
/// Failed with the result. `flaky` lets a write fail now and then. When the
/// approval was withdrawn first (a veto or kill after approval, which revokes
/// the write credential), nothing is written or reported: the agent says why
/// in a thought and ends as the veto or kill says ([`Execution::Withdrawn`]).
pub(super) async fn execute(
    agent: &mut Agent,
    proposal: &ActionProposal,
    flaky: bool,
) -> Result<Execution, Interrupt> {
    let (action, edited_by) = action_to_execute(proposal);
    if let Some(by) = &edited_by {
        agent
            .think(format!(
                "{by} edited the action before approving; executing their version, not mine: {} {}.",
                action.kind, action.target
            ))
            .await;
    }
    // An approval can be withdrawn (vetoed, killed) until the agent reports:
    // look again right before getting the credential.
    if let Some(stopped) = withdrawn(agent, proposal).await? {
        return Ok(Execution::Withdrawn(stopped));
    }
    let credential =
        super::credential::use_credential(&agent.client, agent.vault.as_deref(), proposal).await;
    let (said, refused) = match credential {
        Ok(done) => (done, false),
        Err(why) => (why, true),
    };
    agent
        .tool(
            "vault_unwrap",
            json!({"proposal": proposal.name_any()}).to_string(),
            said.clone(),
            refused,
        )
        .await;
    // Getting the credential may have taken a while (waiting for it to be
    // minted); a veto in the meantime revoked it or left none to mint.
    if let Some(stopped) = withdrawn(agent, proposal).await? {
        return Ok(Execution::Withdrawn(stopped));
    }
    let webhook_denied = flaky && random_bool(0.05);
    let succeeded = !refused && !webhook_denied;
    let message = if succeeded {
        applied_message(&action)
    } else if refused {
        said
    } else {
        WEBHOOK_DENIAL.to_string()
    };
    agent
        .tool(
            tool_for(action.kind),
            action_input(&action),
            message.clone(),
            !succeeded,
        )
        .await;
    let result = ExecutionResult {
        succeeded,
        message: match &edited_by {
            Some(by) => format!("{message} (action as edited by {by})"),
            None => message,
        },
        at: Some(Time(Timestamp::now())),
    };
    if report(agent, proposal, &result).await? {
        return Ok(Execution::Ran(result));
    }
    // The approval was withdrawn while the write ran: say so, and hand over
    // (as a failure, not a veto: the write may have happened).
    let ended = current(agent, proposal).await?;
    let message = format!(
        "{} while I was executing, so my result was not recorded (it was: {})",
        withdrawal(&ended),
        result.message
    );
    agent
        .think(format!("{message}. Handing over to on-call."))
        .await;
    Ok(Execution::Ran(ExecutionResult {
        succeeded: false,
        message,
        at: result.at,
    }))
}

/// The proposal as it is now; [`Interrupt::Stopped`] when it was deleted.
async fn current(agent: &Agent, proposal: &ActionProposal) -> Result<ActionProposal, Interrupt> {
    let api: Api<ActionProposal> = Api::namespaced(agent.client.clone(), &agent.inv.namespace);
    api.get_opt(&proposal.name_any())
        .await?
        .ok_or(Interrupt::Stopped)
}

/// When the approval of `proposal` was withdrawn (vetoed or killed after it
/// was approved, before the agent wrote anything), says so in a thought and
/// returns how the investigation ends. `None` while it still stands.
async fn withdrawn(
    agent: &mut Agent,
    proposal: &ActionProposal,
) -> Result<Option<Outcome>, Interrupt> {
    let now = current(agent, proposal).await?;
    if now.state().is_approved() {
        return Ok(None);
    }
    let message = format!(
        "{}: the approval is withdrawn and its write credential revoked, so nothing was written",
        withdrawal(&now)
    );
    agent.think(format!("{message}. Not executing.")).await;
    Ok(Some(withdrawn_outcome(&now, message)))
}

/// How an investigation ends whose approval was withdrawn before anything was
/// written: as the veto or the kill that withdrew it; any other change (which
/// `message` explains) as a failed execution.
fn withdrawn_outcome(proposal: &ActionProposal, message: String) -> Outcome {
    match proposal.decisions().last() {
        Some(d) if d.verdict == Verdict::Veto => Outcome::Vetoed {
            by: d.by.clone(),
            reason: d
                .reason
                .clone()
                .unwrap_or_else(|| "no reason given".to_string()),
        },
        Some(d) if d.verdict == Verdict::Kill => Outcome::Killed { by: d.by.clone() },
        _ => Outcome::ExecutionFailed { message },
    }
}

/// "oncall-2 vetoed it after it was approved (\"wrong deployment\")", from
/// the decision that ended the proposal.
fn withdrawal(proposal: &ActionProposal) -> String {
    let state = proposal.state();
    match proposal.decisions().last() {
        Some(d) if d.verdict == Verdict::Veto => format!(
            "{} vetoed it after it was approved (\"{}\")",
            d.by,
            d.reason.as_deref().unwrap_or("no reason given")
        ),
        Some(d) if d.verdict == Verdict::Kill => format!("{} killed it before it ran", d.by),
        Some(d) => format!("it is now {state} ({} by {})", d.verdict, d.by),
        None => format!("it is now {state}"),
    }
}

/// Writes the execution result and state Executed/Failed on the proposal.
/// Returns false when the proposal is no longer approved (its approval was
/// withdrawn meanwhile) and nothing was written.
async fn report(
    agent: &Agent,
    proposal: &ActionProposal,
    result: &ExecutionResult,
) -> Result<bool, Interrupt> {
    let api: Api<ActionProposal> = Api::namespaced(agent.client.clone(), &agent.inv.namespace);
    let written = update_status(&api, &proposal.name_any(), |fresh| {
        fresh.state().is_approved().then(|| {
            let mut status = fresh.status.clone().unwrap_or_default();
            status.state = if result.succeeded {
                ProposalState::Executed
            } else {
                ProposalState::Failed
            };
            status.execution = Some(result.clone());
            status
        })
    })
    .await
    .map_err(AgentError::Status)?;
    Ok(written.is_some())
}

fn tool_for(kind: ActionKind) -> &'static str {
    match kind {
        ActionKind::Patch => "kubectl_patch",
        ActionKind::Scale => "kubectl_scale",
        ActionKind::RolloutRestart => "kubectl_rollout_restart",
        ActionKind::Delete => "kubectl_delete",
        ActionKind::Exec => "kubectl_exec",
    }
}

fn action_input(action: &ProposedAction) -> String {
    let target = &action.target;
    let mut input = json!({
        "namespace": target.namespace,
        "resource": format!("{}/{}", resource_of(action), target.name),
    });
    if let Some(patch) = &action.patch {
        input["type"] = json!(action.patch_type.as_deref().unwrap_or("merge"));
        input["patch"] = json!(patch);
    }
    if let Some(replicas) = action.replicas {
        input["replicas"] = json!(replicas);
    }
    if let Some(command) = &action.command {
        input["command"] = json!(command);
    }
    input.to_string()
}

/// `deployment.apps`, `configmap`, `networkpolicy.networking.k8s.io`.
fn resource_of(action: &ProposedAction) -> String {
    let kind = action.target.kind.to_ascii_lowercase();
    match action.target.api_version.rsplit_once('/') {
        Some((group, _)) => format!("{kind}.{group}"),
        None => kind,
    }
}

/// What kubectl prints when the write succeeds.
fn applied_message(action: &ProposedAction) -> String {
    let resource = format!("{}/{}", resource_of(action), action.target.name);
    match action.kind {
        ActionKind::Patch => format!("{resource} patched"),
        ActionKind::Scale => format!("{resource} scaled"),
        ActionKind::RolloutRestart => format!("{resource} restarted"),
        ActionKind::Delete => format!("{} \"{}\" deleted", resource_of(action), action.target.name),
        ActionKind::Exec => "command exited 0".to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::ActionTarget;

    fn action(kind: ActionKind, api_version: &str, target_kind: &str) -> ProposedAction {
        ProposedAction {
            kind,
            target: ActionTarget {
                api_version: api_version.into(),
                kind: target_kind.into(),
                namespace: "web".into(),
                name: "storefront".into(),
            },
            patch: None,
            patch_type: None,
            command: None,
            replicas: None,
        }
    }

    #[test]
    fn a_withdrawn_approval_names_who_and_why() {
        use crate::domain::{
            ActionProposalSpec, ActionProposalStatus, Decision, DecisionSource, Risk,
        };
        let decision = |by: &str, verdict, reason: Option<&str>| Decision {
            by: by.into(),
            verified: true,
            at: Time(Timestamp::UNIX_EPOCH),
            verdict,
            reason: reason.map(Into::into),
            source: DecisionSource::Manual,
            edited: false,
            edited_action: None,
            action_digest: None,
        };
        let mut proposal = ActionProposal::new(
            "scale-api",
            ActionProposalSpec {
                investigation: "inv-1".into(),
                summary: "scale".into(),
                rationale: String::new(),
                risk: Risk::Low,
                reversible: true,
                action: action(ActionKind::Scale, "apps/v1", "Deployment"),
                preview: None,
                expires_at: None,
                rollback: None,
                credential_recipient: None,
            },
        );
        proposal.status = Some(ActionProposalStatus {
            state: ProposalState::Vetoed,
            decisions: vec![
                decision("oncall-1", Verdict::Approve, None),
                decision("oncall-2", Verdict::Veto, Some("wrong deployment")),
            ],
            ..Default::default()
        });
        assert_eq!(
            withdrawal(&proposal),
            "oncall-2 vetoed it after it was approved (\"wrong deployment\")"
        );
        if let Some(status) = proposal.status.as_mut() {
            status.state = ProposalState::Expired;
            status.decisions[1] = decision("oncall-2", Verdict::Kill, Some("runaway"));
        }
        assert_eq!(withdrawal(&proposal), "oncall-2 killed it before it ran");
    }

    #[test]
    fn a_withdrawn_approval_ends_as_the_veto_or_kill_that_withdrew_it() {
        use crate::domain::{ActionProposalStatus, Decision, DecisionSource};
        let decision = |verdict, reason: Option<&str>| Decision {
            by: "oncall-2".into(),
            verified: true,
            at: Time(Timestamp::UNIX_EPOCH),
            verdict,
            reason: reason.map(Into::into),
            source: DecisionSource::Manual,
            edited: false,
            edited_action: None,
            action_digest: None,
        };
        let ended = |state, last: Decision| {
            let spec = crate::domain::ActionProposalSpec {
                investigation: "inv-1".into(),
                summary: "scale".into(),
                rationale: String::new(),
                risk: crate::domain::Risk::Low,
                reversible: true,
                action: action(ActionKind::Scale, "apps/v1", "Deployment"),
                preview: None,
                expires_at: None,
                rollback: None,
                credential_recipient: None,
            };
            let mut proposal = ActionProposal::new("scale-api", spec);
            proposal.status = Some(ActionProposalStatus {
                state,
                decisions: vec![decision(Verdict::Approve, None), last],
                ..Default::default()
            });
            withdrawn_outcome(&proposal, "withdrawn".into())
        };
        let vetoed = ended(
            ProposalState::Vetoed,
            decision(Verdict::Veto, Some("wrong deployment")),
        );
        assert_eq!(
            vetoed,
            Outcome::Vetoed {
                by: "oncall-2".into(),
                reason: "wrong deployment".into()
            }
        );
        assert!(
            vetoed
                .conclusion("a bad rollout", "undo it")
                .contains("oncall-2 vetoed the fix (\"wrong deployment\")"),
            "{}",
            vetoed.conclusion("a bad rollout", "undo it")
        );
        let killed = ended(ProposalState::Expired, decision(Verdict::Kill, None));
        assert_eq!(
            killed,
            Outcome::Killed {
                by: "oncall-2".into()
            }
        );
    }

    #[test]
    fn prints_what_kubectl_would() {
        assert_eq!(
            applied_message(&action(ActionKind::Patch, "apps/v1", "Deployment")),
            "deployment.apps/storefront patched"
        );
        assert_eq!(
            applied_message(&action(ActionKind::Delete, "v1", "Secret")),
            "secret \"storefront\" deleted"
        );
    }
}
