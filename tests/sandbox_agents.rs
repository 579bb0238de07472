//! The simulated agents, seen from outside: through kube::Client, as the
//! console and kubectl see them. Every decision goes through the product's
//! decision path ([`decide_request`]: identity, digest precondition, audit,
//! Events, credentials), with Vault off (the quiet sandbox) or a real OpenBao.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test, bench or example may panic on what it sets up

mod common;

use common::world::{audit_log, sandbox_vault, sandbox_with_bao};
use jiff::Timestamp;
use k8s_openapi::api::batch::v1::Job;
use k8s_openapi::api::core::v1::Pod;
use kube::api::{ListParams, LogParams, Patch, PatchParams};
use kube::{Api, Client, ResourceExt};
use kubevigil::decide::{Decider, DecisionOutcome, PendingDecision, validate_edit, whoami};
use kubevigil::domain::canonical::short_digest;
use kubevigil::domain::protocol::{EventKind, parse_line};
use kubevigil::domain::{
    ActionProposal, DecisionSource, MintedCredential, NoCredentialReason, Phase, ProposalState,
    ProposedAction, TrustPolicy, Verdict, labels,
};
use kubevigil::governor::{AUTONOMOUS_RULE, TIMEOUT_RULE, update_status};
use kubevigil::sandbox::agents::{InvestigationRef, Outcome};
use kubevigil::sandbox::{InvestigationHandle, Sandbox, SandboxOptions};
use kubevigil::vault::{
    DEFAULT_WRAP_TTL_SECONDS, MintRequest, Vault, VaultSettings, WRITE_CREDENTIAL_USES,
    encrypt_to_recipient,
};
use std::sync::Arc;
use std::time::Duration;

/// Fast enough that a scenario takes seconds.
const SPEED: f64 = 50.0;
const PATIENCE: Duration = Duration::from_secs(60);

async fn quiet_sandbox(extra_investigations: usize) -> Sandbox {
    Sandbox::start(SandboxOptions {
        port: 0,
        extra_investigations,
        speed: SPEED,
        scenarios: false,
        ..SandboxOptions::default()
    })
    .await
    .expect("the sandbox starts")
}

fn client(sandbox: &Sandbox, user: &str) -> Client {
    sandbox.api().client(user).expect("a client")
}

/// Waits until proposal number `number` of the investigation exists with a
/// status in `state`.
async fn proposal_in_state(
    client: &Client,
    inv: &InvestigationRef,
    number: usize,
    state: ProposalState,
) -> ActionProposal {
    let api: Api<ActionProposal> = Api::namespaced(client.clone(), &inv.namespace);
    let name = format!("{}-{number}", inv.job);
    let poll = async {
        loop {
            if let Ok(Some(p)) = api.get_opt(&name).await
                && p.status.as_ref().is_some_and(|s| s.state == state)
            {
                return p;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    };
    tokio::time::timeout(PATIENCE, poll)
        .await
        .unwrap_or_else(|_| panic!("proposal {name} never reached {state}"))
}

/// Makes `verdict` as the user `client` acts for, through the product's
/// decision path as the console does: the proposal's uid and (for an
/// approval) the digest of the action the user was shown are preconditions;
/// the audit line goes to a fresh log; `vault` mints or revokes (Vault off
/// when `None`). `edited` is an edited action to approve instead.
async fn decide_as(
    client: &Client,
    proposal: &ActionProposal,
    verdict: Verdict,
    reason: Option<&str>,
    edited: Option<ProposedAction>,
    vault: Option<Arc<Vault>>,
) -> DecisionOutcome {
    let (_data, audit) = audit_log();
    let request = PendingDecision {
        identity: whoami(client, None).await,
        namespace: proposal.namespace().expect("namespaced"),
        proposal: proposal.name_any(),
        verdict,
        reason: reason.map(str::to_string),
        edited_action: edited,
        proposal_uid: proposal.metadata.uid.clone(),
        shown_digest: (verdict == Verdict::Approve).then(|| proposal.effective_action().digest()),
        context: "sandbox".to_string(),
        first_tried_at: Timestamp::now(),
    };
    Decider::new(client.clone(), request.identity.clone())
        .with_audit(audit)
        .with_vault(vault)
        .decide(&request)
        .await
        .unwrap_or_else(|e| panic!("{}: {e}", request.describe()))
}

/// [`decide_as`] with Vault off and no edit; returns the proposal as written.
async fn decide(
    client: &Client,
    proposal: &ActionProposal,
    verdict: Verdict,
    reason: Option<&str>,
) -> ActionProposal {
    decide_as(client, proposal, verdict, reason, None, None)
        .await
        .proposal
}

async fn outcome_of(handle: InvestigationHandle) -> Outcome {
    tokio::time::timeout(PATIENCE, handle.task)
        .await
        .expect("the agent finishes in time")
        .expect("the agent task does not panic")
        .expect("the agent does not fail")
}

async fn pod_log(client: &Client, inv: &InvestigationRef) -> String {
    let pods: Api<Pod> = Api::namespaced(client.clone(), &inv.namespace);
    pods.logs(&inv.pod, &LogParams::default())
        .await
        .expect("the pod log")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_approval_through_the_api_leads_to_execution() {
    let sandbox = quiet_sandbox(0).await;
    let oncall = client(&sandbox, "oncall-1");
    let handle = sandbox
        .start_investigation("rollout", "web")
        .expect("started");
    let inv = handle.investigation.clone();

    let pending = proposal_in_state(&oncall, &inv, 1, ProposalState::Pending).await;
    assert_eq!(
        pending.status.as_ref().and_then(|s| s.approvals_required),
        Some(1)
    );
    assert_eq!(pending.spec.investigation, inv.id);
    let owner = &pending.owner_references()[0];
    assert_eq!(
        (owner.kind.as_str(), owner.name.as_str()),
        ("Job", inv.job.as_str())
    );
    assert!(
        pending
            .spec
            .preview
            .as_ref()
            .and_then(|p| p.diff.as_ref())
            .is_some_and(|d| d.starts_with("--- "))
    );
    assert!(pending.spec.expires_at.is_some());

    assert!(
        pending
            .spec
            .credential_recipient
            .as_deref()
            .is_some_and(|r| r.starts_with("age1")),
        "the agent names its age recipient: {:?}",
        pending.spec.credential_recipient
    );

    decide(&oncall, &pending, Verdict::Approve, None).await;
    assert_eq!(outcome_of(handle).await, Outcome::Executed);

    let done = proposal_in_state(&oncall, &inv, 1, ProposalState::Executed).await;
    let status = done.status.expect("status");
    assert_eq!(status.decisions[0].by, "oncall-1");
    assert_eq!(
        status.decisions[0].action_digest,
        Some(pending.effective_action().digest()),
        "the approval is bound to the digest of the action shown"
    );
    assert_eq!(
        status.no_credential.map(|n| n.reason),
        Some(NoCredentialReason::VaultOff),
        "the status says no credential exists"
    );
    let execution = status.execution.expect("a result");
    assert!(execution.succeeded);
    assert!(
        execution
            .message
            .contains("executed without a Vault credential"),
        "{}",
        execution.message
    );
    let job = Api::<Job>::namespaced(oncall.clone(), &inv.namespace)
        .get(&inv.job)
        .await
        .expect("the job");
    let job_status = job.status.expect("job status");
    assert_eq!(job_status.succeeded, Some(1));
    assert!(
        job_status
            .conditions
            .unwrap_or_default()
            .iter()
            .any(|c| c.type_ == "Complete" && c.status == "True")
    );
    let pod = Api::<Pod>::namespaced(oncall.clone(), &inv.namespace)
        .get(&inv.pod)
        .await
        .expect("the pod");
    assert_eq!(
        pod.status.and_then(|s| s.phase).as_deref(),
        Some("Succeeded")
    );
    let log = pod_log(&oncall, &inv).await;
    assert!(log.contains(r#""type":"proposal""#), "{log}");
    assert!(log.contains(r#""resolved":true"#), "{log}");
    sandbox.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_veto_reason_reaches_the_agent_which_revises_then_concludes() {
    let sandbox = quiet_sandbox(0).await;
    let oncall = client(&sandbox, "oncall-1");
    let handle = sandbox
        .start_investigation("rollout", "web")
        .expect("started");
    let inv = handle.investigation.clone();

    let first = proposal_in_state(&oncall, &inv, 1, ProposalState::Pending).await;
    let reason = "change freeze until 09:00, page the web team instead";
    decide(&oncall, &first, Verdict::Veto, Some(reason)).await;

    let revised = proposal_in_state(&oncall, &inv, 2, ProposalState::Pending).await;
    assert_ne!(
        revised.spec.summary, first.spec.summary,
        "a different, safer proposal"
    );
    assert!(revised.spec.risk <= first.spec.risk);
    let log = pod_log(&oncall, &inv).await;
    assert!(
        log.contains(reason),
        "the agent quotes the veto reason:\n{log}"
    );

    decide(&oncall, &revised, Verdict::Veto, Some("no writes tonight")).await;
    assert_eq!(
        outcome_of(handle).await,
        Outcome::Vetoed {
            by: "oncall-1".into(),
            reason: "no writes tonight".into()
        }
    );
    let log = pod_log(&oncall, &inv).await;
    assert!(log.contains(r#""type":"conclusion""#), "{log}");
    assert!(log.contains(r#""resolved":false"#), "{log}");
    sandbox.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_proposal_in_a_shadow_namespace_is_only_recorded() {
    let sandbox = quiet_sandbox(0).await;
    let viewer = client(&sandbox, "oncall-1");
    let handle = sandbox
        .start_investigation("certificate", "platform")
        .expect("started");
    let inv = handle.investigation.clone();
    assert_eq!(
        outcome_of(handle).await,
        Outcome::Recorded {
            phase: Phase::Shadow
        }
    );
    let recorded = proposal_in_state(&viewer, &inv, 1, ProposalState::Recorded).await;
    let status = recorded.status.expect("status");
    assert_eq!(status.phase, Some(Phase::Shadow));
    assert!(status.execution.is_none(), "nothing was executed");
    assert!(status.decisions.is_empty());
    sandbox.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn autonomous_under_the_ceiling_is_approved_by_rule_and_executed() {
    let sandbox = quiet_sandbox(0).await;
    let oncall = client(&sandbox, "oncall-1");
    let handle = sandbox
        .start_investigation("oomkilled", "checkout")
        .expect("started");
    let inv = handle.investigation.clone();
    assert_eq!(outcome_of(handle).await, Outcome::Executed);
    let executed = proposal_in_state(&oncall, &inv, 1, ProposalState::Executed).await;
    let status = executed.status.expect("status");
    assert_eq!(status.decisions.len(), 1);
    assert_eq!(status.decisions[0].by, AUTONOMOUS_RULE);
    assert_eq!(status.decisions[0].source, DecisionSource::Rule);
    let note = status
        .no_credential
        .expect("a note on the missing credential");
    assert_eq!(note.reason, NoCredentialReason::VaultOff);
    assert!(note.message.contains("governor has Vault off"), "{note:?}");
    let execution = status.execution.expect("a result");
    assert!(execution.succeeded);
    assert!(
        execution
            .message
            .contains("executed without a Vault credential"),
        "{}",
        execution.message
    );
    sandbox.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deleting_the_job_stops_the_agent() {
    let sandbox = quiet_sandbox(0).await;
    let oncall = client(&sandbox, "oncall-1");
    let handle = sandbox
        .start_investigation("firewall", "payments")
        .expect("started");
    let inv = handle.investigation.clone();
    proposal_in_state(&oncall, &inv, 1, ProposalState::Pending).await;
    let jobs: Api<Job> = Api::namespaced(oncall.clone(), &inv.namespace);
    jobs.delete(&inv.job, &Default::default())
        .await
        .expect("the job is deleted");
    assert_eq!(outcome_of(handle).await, Outcome::Stopped);
    sandbox.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ten_thousand_seeded_investigations_are_listed_by_label() {
    let started = std::time::Instant::now();
    let sandbox = quiet_sandbox(10_000).await;
    eprintln!(
        "sandbox with 10,000 seeded investigations started in {:?}",
        started.elapsed()
    );
    let jobs: Api<Job> = Api::all(client(&sandbox, "oncall-1"));
    let listed = jobs
        .list(&ListParams::default().labels(labels::INVESTIGATION_SELECTOR))
        .await
        .expect("the list");
    assert!(listed.items.len() >= 10_000, "{} jobs", listed.items.len());
    let running = listed
        .items
        .iter()
        .filter(|j| j.status.as_ref().and_then(|s| s.active).unwrap_or(0) > 0)
        .count();
    assert!(
        running > 0 && running < 1_000,
        "some running, mostly finished: {running}"
    );
    sandbox.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_person_rule_end_to_end() {
    let sandbox = quiet_sandbox(0).await;
    let first_person = client(&sandbox, "oncall-1");
    let second_person = client(&sandbox, "oncall-2");
    let handle = sandbox
        .start_investigation("firewall", "payments")
        .expect("started");
    let inv = handle.investigation.clone();

    let pending = proposal_in_state(&first_person, &inv, 1, ProposalState::Pending).await;
    assert_eq!(
        pending.status.as_ref().and_then(|s| s.approvals_required),
        Some(2)
    );
    let half = decide(&first_person, &pending, Verdict::Approve, None).await;
    let half_status = half.status.clone().expect("status");
    assert_eq!(
        half_status.state,
        ProposalState::Pending,
        "one approval is not enough"
    );
    assert_eq!(half_status.approvals_required, Some(1));

    decide(&second_person, &half, Verdict::Approve, None).await;
    assert_eq!(outcome_of(handle).await, Outcome::Executed);
    let executed = proposal_in_state(&first_person, &inv, 1, ProposalState::Executed).await;
    let approvers: Vec<String> = executed
        .status
        .expect("status")
        .decisions
        .into_iter()
        .map(|d| d.by)
        .collect();
    assert_eq!(approvers, ["oncall-1", "oncall-2"]);
    sandbox.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_undecided_proposal_expires_and_the_agent_does_not_act() {
    let sandbox = quiet_sandbox(0).await;
    let oncall = client(&sandbox, "oncall-1");
    let policies: Api<TrustPolicy> = Api::namespaced(oncall.clone(), "web");
    policies
        .patch(
            "default",
            &PatchParams::default(),
            &Patch::Merge(serde_json::json!({"spec": {"proposalTimeoutSeconds": 1}})),
        )
        .await
        .expect("the policy is changed");
    let handle = sandbox
        .start_investigation("rollout", "web")
        .expect("started");
    let inv = handle.investigation.clone();
    assert_eq!(outcome_of(handle).await, Outcome::Expired);
    let expired = proposal_in_state(&oncall, &inv, 1, ProposalState::Expired).await;
    let status = expired.status.expect("status");
    assert_eq!(status.decisions.len(), 1);
    assert_eq!(status.decisions[0].by, TIMEOUT_RULE);
    assert_eq!(status.decisions[0].verdict, Verdict::Expire);
    assert!(status.execution.is_none());
    sandbox.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_scenarios_every_kind_starts_at_once() {
    let sandbox = Sandbox::start(SandboxOptions {
        port: 0,
        extra_investigations: 0,
        speed: SPEED,
        scenarios: true,
        flaky: true,
        ..SandboxOptions::default()
    })
    .await
    .expect("the sandbox starts");
    let jobs: Api<Job> = Api::all(client(&sandbox, "viewer"));
    let poll = async {
        loop {
            let listed = jobs
                .list(&ListParams::default().labels(labels::INVESTIGATION_SELECTOR))
                .await
                .expect("the list");
            let namespaces: std::collections::BTreeSet<String> = listed
                .items
                .iter()
                .filter_map(kube::ResourceExt::namespace)
                .collect();
            if listed.items.len() >= 5 {
                return namespaces;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    };
    let namespaces = tokio::time::timeout(PATIENCE, poll)
        .await
        .expect("five investigations start");
    assert_eq!(
        namespaces.into_iter().collect::<Vec<_>>(),
        ["checkout", "data", "payments", "platform", "web"]
    );
    sandbox.shutdown().await;
}

// ------------------------------------------------ with a real OpenBao ----

/// The events of the pod's log (lines that are not events left out).
async fn events(client: &Client, inv: &InvestigationRef) -> Vec<EventKind> {
    pod_log(client, inv)
        .await
        .lines()
        .map(|line| parse_line(line.as_bytes()).kind)
        .collect()
}

/// The input of every `tool_call` of `tool` in the pod's log.
async fn tool_inputs(client: &Client, inv: &InvestigationRef, tool: &str) -> Vec<String> {
    events(client, inv)
        .await
        .into_iter()
        .filter_map(|event| match event {
            EventKind::ToolCall {
                tool: called,
                input,
                ..
            } if called == tool => Some(input),
            _ => None,
        })
        .collect()
}

/// Polls the pod's log every 50 ms until it contains `text`.
async fn log_contains(client: &Client, inv: &InvestigationRef, text: &str) {
    let poll = async {
        loop {
            if pod_log(client, inv).await.contains(text) {
                return;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    };
    tokio::time::timeout(PATIENCE, poll)
        .await
        .unwrap_or_else(|_| panic!("the log never said {text:?}"));
}

fn credential_of(proposal: &ActionProposal) -> MintedCredential {
    proposal
        .status
        .as_ref()
        .and_then(|s| s.credential.clone())
        .expect("a credential in the status")
}

/// The firewall agent's first proposal (two egress rules), cut down by
/// oncall-1 to the pgbouncer rule alone, in YAML: what runs is the parsed patch.
const PGBOUNCER_ONLY: &str = "\
- op: add
  path: /spec/egress/-
  value:
    to:
    - podSelector:
        matchLabels:
          app.kubernetes.io/name: pgbouncer
    ports:
    - protocol: TCP
      port: 6432
";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_agent_executes_the_edited_action_two_people_approved() {
    let sandbox = sandbox_with_bao().await;
    let vault = Arc::new(sandbox_vault(&sandbox));
    let first_person = client(&sandbox, "oncall-1");
    let second_person = client(&sandbox, "oncall-2");
    let handle = sandbox
        .start_investigation("firewall", "payments")
        .expect("started");
    let inv = handle.investigation.clone();

    let pending = proposal_in_state(&first_person, &inv, 1, ProposalState::Pending).await;
    let proposed = pending.effective_action().digest();
    let edited = validate_edit(&pending.spec.action, PGBOUNCER_ONLY).expect("a valid edit");
    let edited_digest = kubevigil::domain::action_digest(&edited);
    assert_ne!(edited_digest, proposed);

    // oncall-1 edits and approves: one of two approvals, of the edited action.
    let half = decide_as(
        &first_person,
        &pending,
        Verdict::Approve,
        None,
        Some(edited.clone()),
        Some(Arc::clone(&vault)),
    )
    .await;
    assert_eq!(half.state, ProposalState::Pending);
    assert_eq!(half.approvals_still_required, 1);
    assert_eq!(half.proposal.effective_action().digest(), edited_digest);

    // oncall-2 is shown the edited action and approves that digest.
    let approved = decide_as(
        &second_person,
        &half.proposal,
        Verdict::Approve,
        None,
        None,
        Some(Arc::clone(&vault)),
    )
    .await;
    assert_eq!(approved.state, ProposalState::Approved);
    assert!(approved.warnings.is_empty(), "{:?}", approved.warnings);
    let credential = credential_of(&approved.proposal);
    assert_eq!(credential.wrapping_token, None, "never in clear");
    assert!(credential.encrypted_wrapping_token.is_some());
    let minted = vault
        .lookup_accessor(&credential.wrapped_accessor)
        .await
        .expect("the minted token");
    assert_eq!(
        minted.metadata.get("action_digest"),
        Some(&edited_digest),
        "the credential names the edited action"
    );
    assert_eq!(
        minted.metadata.get("approvers").map(String::as_str),
        Some("oncall-1,oncall-2")
    );

    assert_eq!(outcome_of(handle).await, Outcome::Executed);
    let executed = proposal_in_state(&first_person, &inv, 1, ProposalState::Executed).await;
    let decisions = executed.decisions();
    assert_eq!(decisions.len(), 2);
    assert!(decisions[0].edited && decisions[0].by == "oncall-1");
    for decision in decisions {
        assert_eq!(decision.action_digest.as_ref(), Some(&edited_digest));
    }
    let result = executed
        .status
        .as_ref()
        .and_then(|s| s.execution.clone())
        .expect("a result");
    assert!(result.succeeded);
    assert!(
        result.message.contains("action as edited by oncall-1")
            && !result.message.contains("without a Vault credential"),
        "{}",
        result.message
    );

    // What the agent ran: the edited patch, parsed (one operation), not its own two.
    let patches = tool_inputs(&first_person, &inv, "kubectl_patch").await;
    assert_eq!(patches.len(), 1, "{patches:?}");
    let input: serde_json::Value = serde_json::from_str(&patches[0]).expect("JSON input");
    let expected: serde_json::Value = serde_saphyr::from_str(PGBOUNCER_ONLY).expect("YAML");
    assert_eq!(input["patch"], expected, "{input}");
    assert!(!patches[0].contains("0.0.0.0/0"), "{}", patches[0]);
    let log = pod_log(&first_person, &inv).await;
    assert!(
        log.contains(&format!(
            "for action sha256:{}",
            short_digest(&edited_digest)
        )),
        "the agent checked the credential names the edited action:\n{log}"
    );
    assert!(
        log.contains("oncall-1 edited the action before approving"),
        "{log}"
    );
    sandbox.shutdown().await;
}

/// A client of the sandbox's OpenBao whose token may do nothing but look
/// itself up: a console whose Vault token lacks the rights to mint.
async fn vault_that_cannot_mint(root: &Vault) -> Vault {
    root.put_policy(
        "console-cannot-mint",
        "path \"auth/token/lookup-self\" { capabilities = [\"read\"] }",
    )
    .await
    .expect("a policy without auth/token/create");
    let (token, _) = root
        .create_investigation_token("console", &["console-cannot-mint".to_string()], 600)
        .await
        .expect("a token with that policy only");
    Vault::connect(VaultSettings {
        token,
        ..root.settings().clone()
    })
    .expect("connect")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_vault_on_a_failed_mint_means_no_write_until_the_proposal_expires() {
    let sandbox = sandbox_with_bao().await;
    let root = sandbox_vault(&sandbox);
    let cannot_mint = Arc::new(vault_that_cannot_mint(&root).await);
    let oncall = client(&sandbox, "oncall-1");
    Api::<TrustPolicy>::namespaced(oncall.clone(), "web")
        .patch(
            "default",
            &PatchParams::default(),
            &Patch::Merge(serde_json::json!({"spec": {"proposalTimeoutSeconds": 6}})),
        )
        .await
        .expect("a short timeout");
    let handle = sandbox
        .start_investigation("rollout", "web")
        .expect("started");
    let inv = handle.investigation.clone();
    let pending = proposal_in_state(&oncall, &inv, 1, ProposalState::Pending).await;

    let approved = decide_as(
        &oncall,
        &pending,
        Verdict::Approve,
        None,
        None,
        Some(Arc::clone(&cannot_mint)),
    )
    .await;
    assert_eq!(
        approved.state,
        ProposalState::Approved,
        "the approval stands"
    );
    let warning = approved.warnings.join("\n");
    assert!(
        warning.contains("no write credential was minted"),
        "{warning}"
    );
    let noted = Api::<ActionProposal>::namespaced(oncall.clone(), "web")
        .get(&pending.name_any())
        .await
        .expect("the proposal");
    let status = noted.status.clone().expect("status");
    let note = status.no_credential.expect("the status says why");
    assert_eq!(note.reason, NoCredentialReason::MintFailed);
    assert!(note.message.contains("permission denied"), "{note:?}");
    assert!(status.credential.is_none());

    log_contains(&oncall, &inv, "Waiting for a credential: minting failed").await;
    assert_eq!(
        outcome_of(handle).await,
        Outcome::Expired,
        "no credential, no write: the agent waits until the proposal expires"
    );
    let after = Api::<ActionProposal>::namespaced(oncall.clone(), "web")
        .get(&pending.name_any())
        .await
        .expect("the proposal");
    assert_eq!(after.state(), ProposalState::Approved, "never Executed");
    assert!(after.status.as_ref().is_some_and(|s| s.execution.is_none()));
    assert!(tool_inputs(&oncall, &inv, "kubectl_patch").await.is_empty());
    assert!(tool_inputs(&oncall, &inv, "vault_unwrap").await.is_empty());
    let log = pod_log(&oncall, &inv).await;
    assert!(
        log.contains("before a write credential arrived"),
        "the agent says why it did not act:\n{log}"
    );
    sandbox.shutdown().await;
}

/// Mints a write credential for `proposal` as a console would (for
/// `digest`), unwraps it first when `intercept`, seals it to the agent's
/// recipient and stores it in the proposal's status; returns its accessor.
async fn store_credential(
    root: &Vault,
    client: &Client,
    proposal: &ActionProposal,
    digest: String,
    intercept: bool,
) -> String {
    let (namespace, name) = (
        proposal.namespace().expect("namespaced"),
        proposal.name_any(),
    );
    let minted = root
        .mint_write_credential(&MintRequest {
            policy: format!("kubevigil-write-{namespace}"),
            ttl_seconds: 120,
            num_uses: WRITE_CREDENTIAL_USES,
            investigation: proposal.spec.investigation.clone(),
            proposal: format!("{namespace}/{name}"),
            action_digest: digest,
            approvers: vec!["oncall-1".into()],
            wrap_ttl_seconds: DEFAULT_WRAP_TTL_SECONDS,
        })
        .await
        .expect("mint");
    if intercept {
        root.unwrap_token(&minted.wrapping_token)
            .await
            .expect("the interceptor unwraps it first");
    }
    let recipient = proposal
        .spec
        .credential_recipient
        .clone()
        .expect("a recipient");
    let sealed =
        encrypt_to_recipient(&recipient, &minted.wrapping_token).expect("sealed to the agent");
    let api: Api<ActionProposal> = Api::namespaced(client.clone(), &namespace);
    update_status(&api, &name, |p| {
        let mut status = p.status.clone().unwrap_or_default();
        status.credential = Some(MintedCredential {
            encrypted_wrapping_token: Some(sealed.clone()),
            wrapped_accessor: minted.wrapped_accessor.clone(),
            ttl_seconds: 120,
            minted_at: Some(k8s_openapi::apimachinery::pkg::apis::meta::v1::Time(
                Timestamp::now(),
            )),
            ..Default::default()
        });
        status.no_credential = None;
        Some(status)
    })
    .await
    .expect("store the credential");
    minted.wrapped_accessor
}

/// The messages of the `error` events in the pod's log.
async fn error_events(client: &Client, inv: &InvestigationRef) -> Vec<String> {
    events(client, inv)
        .await
        .into_iter()
        .filter_map(|e| match e {
            EventKind::Error { message } => Some(message),
            _ => None,
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_credential_unwrapped_before_the_agent_is_reported_as_intercepted() {
    let sandbox = sandbox_with_bao().await;
    let root = sandbox_vault(&sandbox);
    let oncall = client(&sandbox, "oncall-1");
    let handle = sandbox
        .start_investigation("rollout", "web")
        .expect("started");
    let inv = handle.investigation.clone();
    let pending = proposal_in_state(&oncall, &inv, 1, ProposalState::Pending).await;
    let name = pending.name_any();

    // Approved by a console with Vault off: the agent waits for a credential.
    let approved = decide_as(&oncall, &pending, Verdict::Approve, None, None, None).await;
    assert_eq!(approved.state, ProposalState::Approved);
    log_contains(&oncall, &inv, "Waiting for a credential: none (Vault off)").await;

    // A credential is minted for it and sealed to the agent's recipient, but
    // someone unwraps it on the way before it is stored.
    let digest = approved.proposal.effective_action().digest();
    let accessor = store_credential(&root, &oncall, &approved.proposal, digest, true).await;

    let outcome = outcome_of(handle).await;
    let Outcome::NotExecuted { message } = &outcome else {
        panic!("the agent does not carry on: {outcome:?}");
    };
    assert!(
        message.contains("already unwrapped by someone else"),
        "{message}"
    );
    let api: Api<ActionProposal> = Api::namespaced(oncall.clone(), "web");
    let after = api.get(&name).await.expect("the proposal");
    let status = after.status.expect("status");
    assert_eq!(
        status.state,
        ProposalState::Approved,
        "left approved, so a veto or kill still revokes what was taken"
    );
    assert!(status.execution.is_none(), "nothing executed");
    let alarm = status.no_credential.expect("the alarm on the proposal");
    assert_eq!(alarm.reason, NoCredentialReason::Intercepted);
    assert!(alarm.message.contains(&accessor), "{alarm:?}");
    let errors = error_events(&oncall, &inv).await;
    assert!(
        errors
            .iter()
            .any(|m| m.contains("already unwrapped by someone else")),
        "an error event: {errors:?}"
    );
    assert!(tool_inputs(&oncall, &inv, "kubectl_patch").await.is_empty());
    sandbox.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_credential_minted_for_another_action_is_refused() {
    let sandbox = sandbox_with_bao().await;
    let root = sandbox_vault(&sandbox);
    let oncall = client(&sandbox, "oncall-1");
    let handle = sandbox
        .start_investigation("rollout", "web")
        .expect("started");
    let inv = handle.investigation.clone();
    let pending = proposal_in_state(&oncall, &inv, 1, ProposalState::Pending).await;
    let approved = decide_as(&oncall, &pending, Verdict::Approve, None, None, None).await;
    log_contains(&oncall, &inv, "Waiting for a credential").await;

    // A credential naming another action (the rollback, say).
    let rollback = pending.spec.rollback.clone().expect("a rollback");
    let other = kubevigil::domain::action_digest(&rollback);
    assert_ne!(other, approved.proposal.effective_action().digest());
    store_credential(&root, &oncall, &approved.proposal, other.clone(), false).await;

    let outcome = outcome_of(handle).await;
    let Outcome::ExecutionFailed { message } = &outcome else {
        panic!("the agent reports a failure: {outcome:?}");
    };
    assert!(
        message.contains(&format!("names action sha256:{}", short_digest(&other))),
        "{message}"
    );
    let failed = proposal_in_state(&oncall, &inv, 1, ProposalState::Failed).await;
    let result = failed
        .status
        .and_then(|s| s.execution)
        .expect("a reported result");
    assert!(!result.succeeded);
    assert!(
        result.message.starts_with("not executed: ")
            && result.message.contains("refusing to write"),
        "{}",
        result.message
    );
    let errors = error_events(&oncall, &inv).await;
    assert!(
        errors.iter().any(|m| m.contains("refusing to write")),
        "an error event: {errors:?}"
    );
    assert!(tool_inputs(&oncall, &inv, "kubectl_patch").await.is_empty());
    sandbox.shutdown().await;
}
