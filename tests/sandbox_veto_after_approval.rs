//! A simulated agent (in the sandbox, with a real OpenBao) whose approval is
//! vetoed after it saw it but before it ran the write: it writes nothing,
//! reports nothing over the veto, and says why. Both decisions go through the
//! product's decision path.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test, bench or example may panic on what it sets up

mod common;

use common::world::{sandbox_vault, sandbox_with_bao};
use jiff::Timestamp;
use k8s_openapi::api::core::v1::Pod;
use kube::Api;
use kube::api::LogParams;
use kubevigil::audit::AuditLog;
use kubevigil::decide::{Decider, PendingDecision, whoami};
use kubevigil::domain::{ActionProposal, NoCredentialReason, ProposalState, Verdict};
use kubevigil::sandbox::agents::Outcome;
use std::sync::Arc;
use std::time::Duration;

const PATIENCE: Duration = Duration::from_secs(60);

/// Polls `check` every 50 ms until it gives a value, for at most [`PATIENCE`].
async fn eventually<T, F, Fut>(what: &str, mut check: F) -> T
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Option<T>>,
{
    let poll = async {
        loop {
            if let Some(found) = check().await {
                return found;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    };
    tokio::time::timeout(PATIENCE, poll)
        .await
        .unwrap_or_else(|_| panic!("{what} never happened"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_approval_vetoed_before_the_agent_runs_it_writes_nothing() {
    let sandbox = sandbox_with_bao().await;
    let vault = Arc::new(sandbox_vault(&sandbox));
    let oncall = sandbox.api().client("oncall-2").expect("client");
    let handle = sandbox
        .start_investigation("rollout", "web")
        .expect("started");
    let inv = handle.investigation.clone();
    let api: Api<ActionProposal> = Api::namespaced(oncall.clone(), &inv.namespace);
    let pods: Api<Pod> = Api::namespaced(oncall.clone(), &inv.namespace);
    let name = format!("{}-1", inv.job);

    let pending = eventually("a pending proposal", || async {
        api.get_opt(&name)
            .await
            .ok()
            .flatten()
            .filter(|p| p.status.is_some() && p.state() == ProposalState::Pending)
    })
    .await;
    // Approved (through the product's decision path) by a console with Vault
    // off: nothing is minted, and with Vault on the agent does not write
    // without a credential; it waits, which leaves time to change one's mind.
    let data = tempfile::tempdir().expect("tempdir");
    let audit = Arc::new(AuditLog::open(data.path().join("audit.log")).expect("audit"));
    let approver = sandbox.api().client("oncall-1").expect("client");
    let request = PendingDecision {
        identity: whoami(&approver, None).await,
        namespace: inv.namespace.clone(),
        proposal: name.clone(),
        verdict: Verdict::Approve,
        reason: None,
        edited_action: None,
        proposal_uid: pending.metadata.uid.clone(),
        shown_digest: Some(pending.effective_action().digest()),
        context: "sandbox".into(),
        first_tried_at: Timestamp::now(),
    };
    let approved = Decider::new(approver.clone(), request.identity.clone())
        .with_audit(Arc::clone(&audit))
        .with_vault(None)
        .decide(&request)
        .await
        .expect("the approval is written");
    assert_eq!(approved.state, ProposalState::Approved);
    assert_eq!(
        approved
            .proposal
            .status
            .as_ref()
            .and_then(|s| s.no_credential.as_ref())
            .map(|n| n.reason),
        Some(NoCredentialReason::VaultOff)
    );
    eventually("the agent to wait for a credential", || async {
        let log = pods.logs(&inv.pod, &LogParams::default()).await.ok()?;
        (log.contains("Approved by oncall-1. Executing.")
            && log.contains("Waiting for a credential: none (Vault off)"))
        .then_some(())
    })
    .await;

    let vetoer = whoami(&oncall, None).await;
    let veto = PendingDecision::new(vetoer.clone(), "web", &name, Verdict::Veto)
        .with_reason(Some("wrong rollout".into()))
        .in_context("sandbox");
    let vetoed = Decider::new(oncall.clone(), vetoer)
        .with_audit(Arc::clone(&audit))
        .with_vault(Some(Arc::clone(&vault)))
        .decide(&veto)
        .await
        .expect("a veto before the agent ran it is accepted");
    assert_eq!(vetoed.state, ProposalState::Vetoed);

    let outcome = tokio::time::timeout(PATIENCE, handle.task)
        .await
        .expect("the agent finishes in time")
        .expect("the agent task does not panic")
        .expect("the agent does not fail");
    assert_eq!(
        outcome,
        Outcome::Vetoed {
            by: "oncall-2".into(),
            reason: "wrong rollout".into()
        },
        "the investigation ends as vetoed, not as a failed change"
    );
    let after = api.get(&name).await.expect("the proposal");
    assert_eq!(after.state(), ProposalState::Vetoed, "the veto stands");
    assert!(
        after.status.as_ref().is_some_and(|s| s.execution.is_none()),
        "no result was reported over the veto"
    );
    let log = pods
        .logs(&inv.pod, &LogParams::default())
        .await
        .expect("the pod log");
    assert!(
        log.contains("Not executing."),
        "the agent says why in its reasoning:\n{log}"
    );
    assert!(
        log.contains("oncall-2 vetoed it after it was approved")
            && log.contains("so nothing was written"),
        "the reasoning names the veto and says nothing was written:\n{log}"
    );
    assert!(
        log.contains("oncall-2 vetoed the fix") && !log.contains("The approved change failed"),
        "the conclusion reads as a veto, not a failure:\n{log}"
    );
    assert!(
        !log.contains("\"tool\":\"kubectl_patch\""),
        "no write was attempted:\n{log}"
    );
    sandbox.shutdown().await;
}
