//! Plays a scenario script as an agent would, in the pod of a Job the
//! launcher admitted: unwrap its identity, investigate, propose, wait for
//! the decision, act on it, conclude.

use super::agent::{Agent, Interrupt};
use super::execute::{Execution, execute};
use super::identity::{self, Identity};
use super::job::InvestigationRef;
use super::outcome::Outcome;
use super::proposal::{Waited, expiry_from_now, proposal_manifest, read_policy, wait_for_decision};
use super::script::{Plan, Scenario, fill};
use super::stdout::Stdout;
use super::{AgentError, jobctl};
use crate::domain::protocol::EventKind;
use crate::domain::{
    ActionProposal, DecisionSource, Phase, Preview, ProposalState, Risk, TrustPolicySpec, Verdict,
};
use jiff::Timestamp;
use kube::api::PostParams;
use kube::{Api, Client};
use rand::{random_bool, random_range};
use std::sync::Arc;

/// How a simulated agent behaves.
#[derive(Debug, Clone)]
pub struct AgentSettings {
    /// Pace: 1 is a person's reading speed, 50 is fifty times faster.
    pub speed: f64,
    /// Whether the agent sometimes crashes or a write fails, for realism.
    pub flaky: bool,
    /// The sandbox's OpenBao, when on: each investigation unwraps the
    /// identity the launcher minted, and approved writes use their minted
    /// credentials.
    pub vault: Option<Arc<crate::vault::Vault>>,
}

/// Runs `scenario` as investigation `inv`, whose Job the launcher created
/// and admitted, until it concludes, is stopped (its Job deleted) or fails:
/// marks the Job running and starts its pod (as the job controller and the
/// kubelet would), unwraps the investigation's identity (a failure is
/// reported as a possible interception and ends the run), then plays. The
/// pod and proposals are written through `client`; the reasoning goes to
/// `stdout` as the pod's log.
pub async fn run_admitted(
    client: Client,
    stdout: Arc<dyn Stdout>,
    scenario: &'static Scenario,
    inv: InvestigationRef,
    settings: AgentSettings,
) -> Result<Outcome, AgentError> {
    let started = Timestamp::now();
    let job = jobctl::run_admitted(&client, &inv, started).await?;
    // The incident is there: its objects exist and are broken as it broke them.
    if let Err(error) = super::stage::ensure(&client, scenario, &inv.namespace).await {
        tracing::warn!(%error, scenario = scenario.key, namespace = %inv.namespace, "sandbox stage");
    }
    let mut agent = Agent::new(client, stdout, inv, job, settings.speed);
    agent.vault = settings.vault.clone();
    if let Some(vault) = settings.vault.clone() {
        match identity::unwrap(&agent.client, &vault, &agent.inv).await {
            Identity::Unwrapped(token) => {
                let text = format!(
                    "Unwrapped my identity once (accessor {}, ttl {}s, policies {}).",
                    token.accessor,
                    token.ttl_seconds,
                    token.policies.join(",")
                );
                agent.say(EventKind::Text { text }).await;
            }
            Identity::Failed(reason) => {
                let message = format!(
                    "possible interception: my identity's wrapping token would not unwrap ({reason}); not investigating with it"
                );
                agent
                    .say(EventKind::Error {
                        message: message.clone(),
                    })
                    .await;
                identity::mark_failed(&agent.client, &agent.inv, &reason).await;
                jobctl::finish(&agent.client, &agent.inv, &agent.pod, started, false).await?;
                return Ok(Outcome::NotExecuted { message });
            }
        }
    }
    let played = play(&mut agent, scenario, settings).await;
    match played {
        Ok(outcome) => {
            let succeeded = outcome != Outcome::Crashed;
            jobctl::finish(&agent.client, &agent.inv, &agent.pod, started, succeeded).await?;
            Ok(outcome)
        }
        Err(Interrupt::Stopped) => Ok(Outcome::Stopped),
        Err(Interrupt::Failed(error)) => {
            agent
                .say(EventKind::Error {
                    message: error.to_string(),
                })
                .await;
            let _ = jobctl::finish(&agent.client, &agent.inv, &agent.pod, started, false).await;
            Err(error)
        }
    }
}

async fn play(
    agent: &mut Agent,
    scenario: &'static Scenario,
    settings: AgentSettings,
) -> Result<Outcome, Interrupt> {
    let banner = format!(
        "sim-agent 0.4.2 starting: investigation {} in {} ({})",
        agent.inv.id, agent.inv.namespace, scenario.trigger
    );
    agent.say(EventKind::Text { text: banner }).await;
    let steps = scenario.investigate;
    let crash_at = (settings.flaky && steps.len() > 3 && random_bool(0.06))
        .then(|| random_range(2..steps.len()));
    for (index, step) in steps.iter().enumerate() {
        if crash_at == Some(index) {
            agent
                .say(EventKind::Error {
                    message: "model endpoint: 529 overloaded after 5 retries; giving up".into(),
                })
                .await;
            agent
                .say(EventKind::Text {
                    text: "Traceback (most recent call last): agent.loop.ModelUnavailable".into(),
                })
                .await;
            return Ok(Outcome::Crashed);
        }
        agent.play(step).await?;
    }
    let (outcome, proposed) = resolve(agent, scenario.plan, settings.flaky).await?;
    agent.checkpoint().await?;
    let cause = fill(scenario.cause, &agent.inv.namespace);
    agent
        .say(EventKind::Conclusion {
            text: outcome.conclusion(&cause, &proposed),
            resolved: Some(outcome.resolved()),
        })
        .await;
    agent.usage().await;
    Ok(outcome)
}

/// Proposes `first`, acts on the decision, follows `then` plans after
/// executions and one `revision` after a veto. Returns the outcome and what
/// was proposed, for the conclusion.
async fn resolve(
    agent: &mut Agent,
    first: &'static Plan,
    flaky: bool,
) -> Result<(Outcome, String), Interrupt> {
    let mut plan = first;
    let mut revised = false;
    let mut executed: Vec<String> = Vec::new();
    let mut number = 0;
    loop {
        number += 1;
        agent.checkpoint().await?;
        let ns = agent.inv.namespace.clone();
        let summary = fill(plan.summary, &ns);
        let policy = read_policy(&agent.client, &ns).await?;
        agent
            .think(policy_note(&ns, policy.as_ref(), plan.risk))
            .await;
        let proposal = propose(agent, plan, number, policy.as_ref()).await?;
        match proposal.state() {
            ProposalState::Approved | ProposalState::AutoApproved => {
                agent.think(approval_note(&proposal)).await;
                agent.checkpoint().await?;
                let result = match execute(agent, &proposal, flaky).await? {
                    Execution::Ran(result) => result,
                    // Vetoed or killed after approval, before anything was
                    // written; or no usable credential came.
                    Execution::Withdrawn(outcome) | Execution::Abandoned(outcome) => {
                        return Ok((outcome, summary));
                    }
                };
                if !result.succeeded {
                    return Ok((
                        Outcome::ExecutionFailed {
                            message: result.message,
                        },
                        summary,
                    ));
                }
                for step in plan.verify {
                    agent.play(step).await?;
                }
                executed.push(match proposal.effective_action().edit {
                    Some(edit) => format!("{summary}, as edited by {}", edit.by),
                    None => summary,
                });
                match plan.then {
                    Some(next) => plan = next,
                    None => return Ok((Outcome::Executed, executed.join("; then "))),
                }
            }
            ProposalState::Vetoed => {
                let (by, reason) = veto_of(&proposal);
                agent
                    .think(format!("{by} vetoed \"{summary}\": \"{reason}\"."))
                    .await;
                match plan.revision {
                    Some(revision) if !revised => {
                        revised = true;
                        plan = revision;
                        agent
                            .think(format!(
                                "Taking that into account. Revising to a safer change: {}.",
                                fill(plan.summary, &ns)
                            ))
                            .await;
                    }
                    _ => {
                        agent
                            .think("No safer change left to propose; concluding without acting.")
                            .await;
                        return Ok((Outcome::Vetoed { by, reason }, summary));
                    }
                }
            }
            ProposalState::Expired => {
                let killed_by = proposal
                    .decisions()
                    .last()
                    .filter(|d| d.verdict == Verdict::Kill)
                    .map(|d| d.by.clone());
                return Ok(match killed_by {
                    Some(by) => (Outcome::Killed { by }, summary),
                    None => {
                        agent.think("The proposal expired without a decision. Timeout means no: not acting.").await;
                        (Outcome::Expired, summary)
                    }
                });
            }
            ProposalState::Recorded => {
                let phase = proposal
                    .status
                    .as_ref()
                    .and_then(|s| s.phase)
                    .unwrap_or_default();
                agent
                    .think(format!(
                        "Recorded only ({phase}): the proposal will not be executed. Moving on."
                    ))
                    .await;
                return Ok((Outcome::Recorded { phase }, summary));
            }
            ProposalState::Executed | ProposalState::Failed | ProposalState::Pending => {
                return Ok((Outcome::Executed, summary));
            }
        }
    }
}

/// Creates proposal number `number` for `plan`, prints it, and waits for its decision.
async fn propose(
    agent: &mut Agent,
    plan: &Plan,
    number: usize,
    policy: Option<&TrustPolicySpec>,
) -> Result<ActionProposal, Interrupt> {
    let name = format!("{}-{number}", agent.inv.job);
    let expires_at = expiry_from_now(policy);
    let preview = preview(agent, plan).await;
    let manifest = proposal_manifest(
        &agent.inv,
        &agent.job,
        &name,
        plan,
        expires_at,
        &agent.recipient,
        preview,
    );
    let api: Api<ActionProposal> = Api::namespaced(agent.client.clone(), &agent.inv.namespace);
    api.create(&PostParams::default(), &manifest).await?;
    agent
        .say(EventKind::Proposal {
            name: name.clone(),
            summary: Some(manifest.spec.summary.clone()),
        })
        .await;
    agent.usage().await;
    let client = agent.client.clone();
    let inv = agent.inv.clone();
    match wait_for_decision(&client, &inv, &name, expires_at, agent.life()).await {
        Waited::Decided(proposal) => Ok(*proposal),
        Waited::NoDecision => {
            let mut expired = manifest;
            expired.status = Some(crate::domain::ActionProposalStatus {
                state: ProposalState::Expired,
                ..Default::default()
            });
            Ok(expired)
        }
        Waited::ProposalGone | Waited::JobGone => Err(Interrupt::Stopped),
    }
}

/// The proposal's preview: a server-side dry run of the action (`dryRun=All`)
/// and its diff against the object as it is. When the dry run fails (an
/// exec, a target that is not there) the plan's own diff, and the failure.
async fn preview(agent: &Agent, plan: &Plan) -> Preview {
    let ns = agent.inv.namespace.as_str();
    let action = plan.action.to_action(ns);
    match super::kubectl::dry_run(&agent.client, &action).await {
        Ok(dry_run) => Preview {
            diff: Some(dry_run.diff),
            dry_run: Some(dry_run.returned),
        },
        Err(error) => Preview {
            diff: Some(fill(plan.diff, ns)),
            dry_run: Some(format!("# the server-side dry run failed: {error}\n")),
        },
    }
}

/// What the agent notes about the policy before proposing.
fn policy_note(ns: &str, policy: Option<&TrustPolicySpec>, risk: Risk) -> String {
    let Some(policy) = policy else {
        return format!(
            "{ns} has no TrustPolicy, so it is in Shadow: I can only record what I would do."
        );
    };
    match policy.phase {
        Phase::Shadow => {
            format!("{ns} is in Shadow: I record what I would do; nothing will be executed.")
        }
        Phase::ReadOnlyAssist => {
            format!("{ns} is in ReadOnlyAssist: the fix goes to on-call as a suggestion.")
        }
        Phase::LimitedWrite => format!(
            "{ns} is in LimitedWrite: this needs {} approval(s) before I get a write credential. Proposing and waiting.",
            policy.required_approvals
        ),
        Phase::Autonomous if risk <= policy.autonomous_risk_ceiling => format!(
            "{ns} is Autonomous up to {} risk; this change is {risk}, so the policy approves it by rule.",
            policy.autonomous_risk_ceiling
        ),
        Phase::Autonomous => format!(
            "{ns} is Autonomous only up to {} risk; this change is {risk}, so it waits for a person.",
            policy.autonomous_risk_ceiling
        ),
    }
}

/// Who approved, as the agent notes it before executing.
fn approval_note(proposal: &ActionProposal) -> String {
    let approvers: Vec<&str> = proposal
        .decisions()
        .iter()
        .filter(|d| d.verdict == Verdict::Approve)
        .map(|d| d.by.as_str())
        .collect();
    let by_rule = proposal
        .decisions()
        .iter()
        .any(|d| d.verdict == Verdict::Approve && d.source == DecisionSource::Rule);
    let who = if approvers.is_empty() {
        "approval".to_string()
    } else {
        approvers.join(" and ")
    };
    if by_rule {
        format!("Approved by rule ({who}). Executing.")
    } else {
        format!("Approved by {who}. Executing.")
    }
}

/// Who vetoed and why (the last veto decision).
fn veto_of(proposal: &ActionProposal) -> (String, String) {
    proposal
        .decisions()
        .iter()
        .rev()
        .find(|d| d.verdict == Verdict::Veto)
        .map(|d| (d.by.clone(), d.reason.clone().unwrap_or_default()))
        .unwrap_or_else(|| ("someone".to_string(), "no reason given".to_string()))
}
