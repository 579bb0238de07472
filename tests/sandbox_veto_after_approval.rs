//! A simulated agent (in the sandbox, with a real OpenBao) whose approval is
//! vetoed after it saw it but before it ran the write: it writes nothing,
//! reports nothing over the veto, and says why.

mod common;

use common::world::{sandbox_vault, sandbox_with_bao};
use jiff::Timestamp;
use k8s_openapi::api::core::v1::Pod;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::Time;
use kube::Api;
use kube::api::{LogParams, PostParams};
use kubevigil::audit::AuditLog;
use kubevigil::decide::{decide_with_vault, whoami};
use kubevigil::domain::{ActionProposal, Decision, DecisionSource, ProposalState, Verdict};
use kubevigil::governor::apply_decision;
use kubevigil::sandbox::agents::Outcome;
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
    let vault = sandbox_vault(&sandbox);
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
    // Approved by a console with Vault off: nothing is minted, so the agent
    // waits a while for a credential, which leaves time to change one's mind.
    let status = pending.status.clone().expect("a status");
    let approval = Decision {
        by: "oncall-1".into(),
        verified: true,
        at: Time(Timestamp::now()),
        verdict: Verdict::Approve,
        reason: None,
        source: DecisionSource::Manual,
        edited: false,
        edited_action: None,
        action_digest: None,
    };
    let mut approved = pending.clone();
    approved.status = Some(apply_decision(&status, approval, 1).expect("approval"));
    api.replace_status(&name, &PostParams::default(), &approved)
        .await
        .expect("the approval is written");
    eventually("the agent to see the approval", || async {
        let log = pods.logs(&inv.pod, &LogParams::default()).await.ok()?;
        log.contains("Approved by oncall-1. Executing.")
            .then_some(())
    })
    .await;

    let data = tempfile::tempdir().expect("tempdir");
    let audit = AuditLog::open(data.path().join("audit.log")).expect("audit");
    let vetoed = decide_with_vault(
        &oncall,
        &whoami(&oncall, None).await,
        "web",
        &name,
        Verdict::Veto,
        Some("wrong rollout".into()),
        None,
        "sandbox",
        &audit,
        Some(&vault),
    )
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
