//! Carrying out an approved proposal and reporting the result on its status,
//! unless its approval was withdrawn (vetoed or killed) before the agent ran it.

use super::AgentError;
use super::agent::{Agent, Interrupt};
use super::credential::{Credential, one_line};
use super::outcome::Outcome;
use crate::domain::canonical::{canonical_json, short_digest};
use crate::domain::protocol::EventKind;
use crate::domain::{
    ActionKind, ActionProposal, ExecutionResult, NoCredential, NoCredentialReason, ProposalState,
    ProposedAction, Verdict,
};
use crate::governor::update_status;
use jiff::Timestamp;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::Time;
use kube::{Api, ResourceExt};
use rand::random_bool;
use serde_json::json;

/// What an admission webhook says when it refuses a simulated write.
const WEBHOOK_DENIAL: &str = "admission webhook \"validate.kyverno.svc-fail\" denied the request: policy require-change-ticket: annotation change-id is required during the freeze";

/// How carrying out an approved proposal ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Execution {
    /// The agent ran the write (or tried to, or refused the credential): the
    /// result, reported on the proposal unless the approval was withdrawn
    /// while it ran.
    Ran(ExecutionResult),
    /// The approval was withdrawn before anything was written: how the
    /// investigation ends ([`withdrawn_outcome`]).
    Withdrawn(Outcome),
    /// Nothing was written and no result reported: no credential came before
    /// the proposal expired, or its credential was intercepted.
    Abandoned(Outcome),
}

/// Executes the approved proposal's effective action (the edited one when an
/// approver edited it) as tool calls and writes state Executed or Failed with
/// the result. `flaky` lets a write fail now and then.
///
/// No credential, no write: with Vault on, the agent waits for the write
/// credential ([`super::credential::obtain`]) and executes only the action
/// whose digest it names; a credential it cannot use is reported as Failed; a
/// credential someone else unwrapped first is reported as an `error` event and
/// noted on the proposal (`noCredential: Intercepted`), and nothing is
/// written. With Vault off in the sandbox it writes with its own identity and
/// says so in the result.
///
/// When the approval was withdrawn first (a veto or kill after approval, which
/// revokes the write credential), nothing is written or reported: the agent
/// says why in a thought and ends as the veto or kill says ([`Execution::Withdrawn`]).
pub(super) async fn execute(
    agent: &mut Agent,
    proposal: &ActionProposal,
    flaky: bool,
) -> Result<Execution, Interrupt> {
    let runs = proposal.effective_action();
    if let Some(edit) = &runs.edit {
        agent
            .think(format!(
                "{} edited the action before approving; executing their version (sha256:{}), not mine: {} {}.",
                edit.by,
                short_digest(&runs.digest()),
                runs.action.kind,
                runs.action.target
            ))
            .await;
    }
    // An approval can be withdrawn (vetoed, killed) until the agent reports:
    // look again right before getting the credential.
    if let Some(stopped) = withdrawn(agent, proposal).await? {
        return Ok(Execution::Withdrawn(stopped));
    }
    let grant = match super::credential::obtain(agent, proposal).await? {
        Credential::Granted(grant) => grant,
        Credential::Withdrawn => return withdrawn_anyway(agent, proposal).await,
        Credential::Expired(message) => {
            agent.think(message).await;
            return Ok(Execution::Abandoned(Outcome::Expired));
        }
        Credential::Refused(message) => {
            let message = one_line(&message);
            unwrap_failed(agent, proposal, &message).await;
            return refuse(agent, proposal, message).await;
        }
        Credential::Intercepted(message) => {
            let message = one_line(&message);
            unwrap_failed(agent, proposal, &message).await;
            note_interception(agent, proposal, &message).await?;
            return Ok(Execution::Abandoned(Outcome::NotExecuted { message }));
        }
    };
    match &grant.writer {
        Some(_) => {
            agent
                .tool(
                    "vault_unwrap",
                    json!({"proposal": proposal.name_any()}).to_string(),
                    grant.summary.clone(),
                    false,
                )
                .await;
        }
        None => {
            agent
                .think("Vault is off in this sandbox, so no write credential exists: executing with the sandbox agent's own identity.")
                .await;
        }
    }
    // Getting the credential may have taken a while (waiting for it to be
    // minted); a veto in the meantime revoked it or left none to mint.
    if let Some(stopped) = withdrawn(agent, proposal).await? {
        return Ok(Execution::Withdrawn(stopped));
    }
    let action = &grant.action;
    // With a credential, the write goes out as the namespace's writer, whose
    // Kubernetes credential only the unwrapped token could read.
    let kubernetes = match &grant.writer {
        Some(writer) => {
            match super::credential::write_with(writer, &grant.proposal, action).await {
                Ok(client) => client,
                Err(why) => return refuse(agent, proposal, one_line(&why)).await,
            }
        }
        None => agent.client.clone(),
    };
    let webhook_denied = flaky && random_bool(0.05);
    let (succeeded, message) = if webhook_denied {
        (false, WEBHOOK_DENIAL.to_string())
    } else {
        send(&kubernetes, action).await
    };
    agent
        .tool(
            tool_for(action.kind),
            action_input(action),
            message.clone(),
            !succeeded,
        )
        .await;
    let mut notes = Vec::new();
    if grant.writer.is_none() {
        notes.push("executed without a Vault credential: Vault is off in this sandbox".to_string());
    }
    if let Some(edit) = grant.proposal.effective_action().edit {
        notes.push(format!("action as edited by {}", edit.by));
    }
    let result = ExecutionResult {
        succeeded,
        message: if notes.is_empty() {
            message
        } else {
            format!("{message} ({})", notes.join("; "))
        },
        at: Some(Time(Timestamp::now())),
    };
    finish(agent, proposal, result).await
}

/// Reports `result` on the proposal, unless its approval was withdrawn while
/// the write ran: then says so, and hands over (as a failure, not a veto: the
/// write may have happened).
async fn finish(
    agent: &mut Agent,
    proposal: &ActionProposal,
    result: ExecutionResult,
) -> Result<Execution, Interrupt> {
    if report(agent, proposal, &result).await? {
        return Ok(Execution::Ran(result));
    }
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

/// The agent will not write with the credential it got: says so as an
/// `error` event and reports the proposal Failed with `message`.
async fn refuse(
    agent: &mut Agent,
    proposal: &ActionProposal,
    message: String,
) -> Result<Execution, Interrupt> {
    agent
        .say(EventKind::Error {
            message: message.clone(),
        })
        .await;
    let result = ExecutionResult {
        succeeded: false,
        message: format!("not executed: {message}"),
        at: Some(Time(Timestamp::now())),
    };
    finish(agent, proposal, result).await
}

/// Prints the failed `vault_unwrap` call.
async fn unwrap_failed(agent: &mut Agent, proposal: &ActionProposal, message: &str) {
    agent
        .tool(
            "vault_unwrap",
            json!({"proposal": proposal.name_any()}).to_string(),
            message.to_string(),
            true,
        )
        .await;
}

/// Raises the alarm of an intercepted credential: an `error` event, and
/// `noCredential: Intercepted` on the proposal (left approved, so that a veto
/// or kill still revokes the credential whoever took it holds).
async fn note_interception(
    agent: &mut Agent,
    proposal: &ActionProposal,
    message: &str,
) -> Result<(), Interrupt> {
    agent
        .say(EventKind::Error {
            message: message.to_string(),
        })
        .await;
    let api: Api<ActionProposal> = Api::namespaced(agent.client.clone(), &agent.inv.namespace);
    let note = NoCredential {
        reason: NoCredentialReason::Intercepted,
        message: message.to_string(),
        at: Some(Time(Timestamp::now())),
    };
    update_status(&api, &proposal.name_any(), |fresh| {
        fresh.state().is_approved().then(|| {
            let mut status = fresh.status.clone().unwrap_or_default();
            status.no_credential = Some(note.clone());
            status
        })
    })
    .await
    .map_err(AgentError::Status)?;
    Ok(())
}

/// Ends as the withdrawal says; should the proposal be approved again by the
/// time it is read (it cannot be), as a failure that names its state.
async fn withdrawn_anyway(
    agent: &mut Agent,
    proposal: &ActionProposal,
) -> Result<Execution, Interrupt> {
    if let Some(stopped) = withdrawn(agent, proposal).await? {
        return Ok(Execution::Withdrawn(stopped));
    }
    let now = current(agent, proposal).await?;
    Ok(Execution::Withdrawn(Outcome::ExecutionFailed {
        message: format!("the approval changed while I waited: {}", withdrawal(&now)),
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

/// The tool input for `action`: the target and the *parsed* payload (the
/// document the digest covers, never the raw text), as kubectl would get it.
fn action_input(action: &ProposedAction) -> String {
    let target = &action.target;
    let mut input = json!({
        "namespace": target.namespace,
        "resource": format!("{}/{}", resource_of(action), target.name),
    });
    let canonical: serde_json::Value =
        serde_json::from_str(&canonical_json(action)).unwrap_or_default();
    if action.patch.is_some() {
        input["type"] = json!(action.patch_type.as_deref().unwrap_or("merge"));
        input["patch"] = canonical
            .get("patch")
            .or_else(|| canonical.get("patchText"))
            .cloned()
            .unwrap_or_default();
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

/// Sends the action to the API server (an exec, which the sandbox does not
/// emulate, is only said to have run): whether it succeeded, and what
/// kubectl would print.
async fn send(client: &kube::Client, action: &ProposedAction) -> (bool, String) {
    if action.kind == ActionKind::Exec {
        return (true, applied_message(action));
    }
    match super::kubectl::run(client, action, false).await {
        Ok(_) => (true, applied_message(action)),
        Err(error) => (false, error.to_string()),
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
