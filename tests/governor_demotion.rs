//! Against the sandbox (its API emulator and its running governors):
//! observability governs the phases (a namespace whose executed actions fail
//! past its policy's threshold is demoted one phase by the governor, with an
//! Event, the policy's status and last-change annotation, and no further rule
//! approvals above the new phase); a policy change made outside kubevigil is
//! recorded as an audit Event naming the writer; and a halted namespace is
//! resumed (its halted Jobs un-suspended, its phase restored only when asked).

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test, bench or example may panic on what it sets up

mod common;

use common::world::{agent_job, audit_log, scale_api};
use jiff::Timestamp;
use k8s_openapi::api::batch::v1::Job;
use k8s_openapi::api::core::v1::Event;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::Time;
use kube::api::{ListParams, Patch, PatchParams, PostParams};
use kube::{Api, Client, ResourceExt};
use kubevigil::audit::{
    AUDIT_LABEL, AUDIT_RECORD_ANNOTATION, AuditAction, AuditRecord, LastChange,
};
use kubevigil::decide::{Decider, HALTED_FROM, SUSPENDED_BY_HALT, whoami};
use kubevigil::domain::labels::{INVESTIGATION, LAST_CHANGE};
use kubevigil::domain::policy::{DemotionCriteria, POLICY_NAME};
use kubevigil::domain::{
    ActionProposal, ExecutionResult, Phase, ProposalState, Risk, TrustPolicy, TrustPolicySpec,
};
use kubevigil::governor::update_status;
use kubevigil::sandbox::api::AGENT_USER;
use kubevigil::sandbox::{Sandbox, SandboxOptions};
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

async fn quiet_sandbox() -> Sandbox {
    Sandbox::start(SandboxOptions {
        port: 0,
        extra_investigations: 0,
        speed: 1.0,
        scenarios: false,
        ..SandboxOptions::default()
    })
    .await
    .expect("start the sandbox")
}

async fn eventually<F, Fut>(what: &str, mut check: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    for _ in 0..400 {
        if check().await {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("timed out waiting for {what}");
}

fn client(sandbox: &Sandbox, user: &str) -> Client {
    sandbox.api().client(user).expect("client")
}

async fn put_policy(client: &Client, ns: &str, spec: TrustPolicySpec) -> TrustPolicy {
    let api: Api<TrustPolicy> = Api::namespaced(client.clone(), ns);
    match api.get_opt(POLICY_NAME).await.expect("read the policy") {
        Some(mut existing) => {
            existing.spec = spec;
            existing.metadata.managed_fields = None;
            api.replace(POLICY_NAME, &PostParams::default(), &existing)
                .await
                .expect("replace the policy")
        }
        None => {
            let mut policy = TrustPolicy::new(POLICY_NAME, spec);
            policy.metadata.namespace = Some(ns.to_string());
            api.create(&PostParams::default(), &policy)
                .await
                .expect("create the policy")
        }
    }
}

async fn audit_events(client: &Client, ns: &str, reason: &str) -> Vec<Event> {
    let events: Api<Event> = Api::namespaced(client.clone(), ns);
    events
        .list(&ListParams::default().labels(&format!("{AUDIT_LABEL}=true")))
        .await
        .expect("events")
        .items
        .into_iter()
        .filter(|e| e.reason.as_deref() == Some(reason))
        .collect()
}

fn record_of(event: &Event) -> AuditRecord {
    let json = event
        .annotations()
        .get(AUDIT_RECORD_ANNOTATION)
        .expect("an audit record on the Event");
    serde_json::from_str(json).expect("an AuditRecord")
}

/// Creates a low-risk proposal in `ns` and waits for the governor's first status.
async fn proposed(client: &Client, ns: &str, name: &str) -> ActionProposal {
    let api: Api<ActionProposal> = Api::namespaced(client.clone(), ns);
    let proposal = ActionProposal::new(name, scale_api(ns, "inv-1", Risk::Low));
    api.create(&PostParams::default(), &proposal)
        .await
        .expect("create the proposal");
    eventually(&format!("the governor to judge {name}"), || async {
        api.get(name).await.is_ok_and(|p| p.status.is_some())
    })
    .await;
    api.get(name).await.expect("judged")
}

/// Reports an execution of `name`, as its agent does.
async fn executed(client: &Client, ns: &str, name: &str, succeeded: bool) {
    let api: Api<ActionProposal> = Api::namespaced(client.clone(), ns);
    update_status(&api, name, |fresh| {
        let mut status = fresh.status.clone().unwrap_or_default();
        status.state = if succeeded {
            ProposalState::Executed
        } else {
            ProposalState::Failed
        };
        status.execution = Some(ExecutionResult {
            succeeded,
            message: if succeeded { "scaled" } else { "forbidden" }.into(),
            at: Some(Time(Timestamp::now())),
        });
        Some(status)
    })
    .await
    .expect("report the execution");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn failing_executions_past_the_threshold_demote_one_phase_with_evidence() {
    let sandbox = quiet_sandbox().await;
    let ns = "shop";
    let admin = client(&sandbox, "oncall-1");
    let agent = client(&sandbox, AGENT_USER);
    put_policy(
        &admin,
        ns,
        TrustPolicySpec {
            phase: Phase::Autonomous,
            autonomous_risk_ceiling: Risk::Medium,
            demotion: Some(DemotionCriteria {
                max_failed_execution_rate_percent: Some(20),
                max_veto_rate_percent: None,
                observation_window_hours: 24,
                min_samples: 3,
            }),
            ..TrustPolicySpec::default()
        },
    )
    .await;
    // One success, then two failures: 2 of 3 failed (67% > 20%) once the
    // minimum of three samples is reached, not before.
    for (name, succeeded) in [("p-1", true), ("p-2", false)] {
        let judged = proposed(&agent, ns, name).await;
        assert_eq!(judged.state(), ProposalState::AutoApproved, "{name}");
        executed(&agent, ns, name, succeeded).await;
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
    let policies: Api<TrustPolicy> = Api::namespaced(admin.clone(), ns);
    let policy = policies.get(POLICY_NAME).await.expect("policy");
    assert_eq!(
        policy.spec.phase,
        Phase::Autonomous,
        "two samples are too few"
    );
    let judged = proposed(&agent, ns, "p-3").await;
    assert_eq!(judged.state(), ProposalState::AutoApproved);
    executed(&agent, ns, "p-3", false).await;

    eventually("the governor to demote shop", || async {
        policies
            .get(POLICY_NAME)
            .await
            .is_ok_and(|p| p.spec.phase == Phase::LimitedWrite)
    })
    .await;
    eventually("the demotion in the status", || async {
        policies
            .get(POLICY_NAME)
            .await
            .is_ok_and(|p| p.status.and_then(|s| s.last_demotion).is_some())
    })
    .await;
    let policy = policies.get(POLICY_NAME).await.expect("policy");
    let demotion = policy
        .status
        .as_ref()
        .and_then(|s| s.last_demotion.clone())
        .expect("lastDemotion");
    assert_eq!(
        (demotion.from, demotion.to),
        (Phase::Autonomous, Phase::LimitedWrite)
    );
    assert_eq!(
        (demotion.evidence.executions, demotion.evidence.failed),
        (3, 2)
    );
    assert!(
        demotion
            .reason
            .contains("2 of 3 executed actions failed (67% > 20%)"),
        "{}",
        demotion.reason
    );
    let change = policy
        .annotations()
        .get(LAST_CHANGE)
        .and_then(|a| LastChange::parse(a))
        .expect("the last change");
    assert_eq!(change.action, AuditAction::Demote);
    assert_eq!(change.by, "rule:demotion");
    assert!(
        change.what.contains("Autonomous -> LimitedWrite"),
        "{}",
        change.what
    );

    eventually("the Demoted Event", || async {
        !audit_events(&admin, ns, "Demoted").await.is_empty()
    })
    .await;
    let events = audit_events(&admin, ns, "Demoted").await;
    let record = record_of(&events[0]);
    assert_eq!(record.action, AuditAction::Demote);
    assert_eq!(record.object, "trustpolicy/default");
    assert!(
        record
            .detail
            .as_deref()
            .is_some_and(|d| d.contains("3 executions, 2 failed")),
        "{record:?}"
    );

    // One phase at a time: the same evidence does not demote LimitedWrite too.
    tokio::time::sleep(Duration::from_secs(2)).await;
    let policy = policies.get(POLICY_NAME).await.expect("policy");
    assert_eq!(policy.spec.phase, Phase::LimitedWrite);
    assert_eq!(audit_events(&admin, ns, "Demoted").await.len(), 1);

    // Nothing approved before is taken back; nothing new is approved by rule.
    let proposals: Api<ActionProposal> = Api::namespaced(admin.clone(), ns);
    assert_eq!(
        proposals.get("p-1").await.expect("p-1").state(),
        ProposalState::Executed
    );
    let next = proposed(&agent, ns, "p-4").await;
    assert_eq!(next.state(), ProposalState::Pending);
    // The console shows the demotion from what the cluster holds.
    let record =
        kubevigil::cluster::trim::policy(&policies.get(POLICY_NAME).await.expect("policy"))
            .expect("a policy record");
    let mut state = kubevigil::app::fixtures::StateBuilder::new()
        .size(160, 48)
        .build();
    state.policies.insert(ns.to_string(), record);
    kubevigil::app::update(
        &mut state,
        kubevigil::app::action::Action::RunCommandLine("policies".into()),
    );
    let screen = common::screen::screen(&state);
    assert!(screen.contains("LimitedWrite ↓"), "{screen}");
    assert!(
        screen.contains("2 of 3 executed actions failed (67% > 20%) in 24h"),
        "{screen}"
    );
    assert!(
        screen.contains("evidence over 24h: 3 executions, 2 failed"),
        "{screen}"
    );

    // Recognised as kubevigil's change, not one made outside it.
    assert!(
        audit_events(&admin, ns, "ChangedOutsideKubevigil")
            .await
            .is_empty()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_change_made_outside_kubevigil_is_recorded_naming_its_manager() {
    let sandbox = quiet_sandbox().await;
    let ns = "gitops";
    let admin = client(&sandbox, "oncall-1");
    put_policy(
        &admin,
        ns,
        TrustPolicySpec {
            phase: Phase::LimitedWrite,
            ..TrustPolicySpec::default()
        },
    )
    .await;
    // Let the leading governor see the policy as it is first: once it has
    // judged a proposal there, its watches have listed.
    proposed(&client(&sandbox, AGENT_USER), ns, "warm-up").await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    // kubectl edit: a merge patch with kubectl's field manager, no annotation.
    let policies: Api<TrustPolicy> = Api::namespaced(admin.clone(), ns);
    let patch = serde_json::json!({ "spec": { "phase": "Autonomous" } });
    policies
        .patch(
            POLICY_NAME,
            &PatchParams {
                field_manager: Some("kubectl-edit".into()),
                ..PatchParams::default()
            },
            &Patch::Merge(&patch),
        )
        .await
        .expect("kubectl-like edit");

    eventually("the outside change as an audit Event", || async {
        !audit_events(&admin, ns, "ChangedOutsideKubevigil")
            .await
            .is_empty()
    })
    .await;
    let events = audit_events(&admin, ns, "ChangedOutsideKubevigil").await;
    let record = record_of(&events[0]);
    assert_eq!(record.actor, "kubectl-edit");
    assert_eq!(record.action, AuditAction::ExternalChange);
    assert!(!record.verified);
    assert!(
        record
            .detail
            .as_deref()
            .is_some_and(|d| d.contains("phase LimitedWrite -> Autonomous")),
        "{record:?}"
    );
    // The last change shown by :policies and the audit trail is this one.
    eventually("the last change to name kubectl-edit", || async {
        policies.get(POLICY_NAME).await.is_ok_and(|p| {
            p.annotations()
                .get(LAST_CHANGE)
                .and_then(|a| LastChange::parse(a))
                .is_some_and(|c| c.by == "kubectl-edit" && c.action == AuditAction::ExternalChange)
        })
    })
    .await;
    // The next outside write names its own manager, not the previous one.
    let patch = serde_json::json!({ "spec": { "requiredApprovals": 2 } });
    policies
        .patch(
            POLICY_NAME,
            &PatchParams {
                field_manager: Some("argocd-controller".into()),
                ..PatchParams::default()
            },
            &Patch::Merge(&patch),
        )
        .await
        .expect("a GitOps edit");
    eventually("a second outside change", || async {
        audit_events(&admin, ns, "ChangedOutsideKubevigil")
            .await
            .iter()
            .any(|e| {
                let record = record_of(e);
                record.actor == "argocd-controller"
                    && record
                        .detail
                        .as_deref()
                        .is_some_and(|d| d.contains("requiredApprovals 1 -> 2"))
            })
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn resume_unsuspends_the_halted_jobs_and_restores_the_phase_only_when_asked() {
    let sandbox = quiet_sandbox().await;
    let ns = "billing";
    let admin = client(&sandbox, "oncall-1");
    let agent = client(&sandbox, AGENT_USER);
    put_policy(
        &admin,
        ns,
        TrustPolicySpec {
            phase: Phase::LimitedWrite,
            ..TrustPolicySpec::default()
        },
    )
    .await;
    let jobs: Api<Job> = Api::namespaced(agent.clone(), ns);
    for name in ["inv-a", "inv-b", "inv-paused"] {
        let mut job = agent_job(name);
        job.metadata.labels = Some(BTreeMap::from([(INVESTIGATION.into(), name.into())]));
        if let Some(spec) = job.spec.as_mut() {
            spec.suspend = Some(name == "inv-paused");
        }
        jobs.create(&PostParams::default(), &job)
            .await
            .expect("create the job");
    }
    let (_data, audit) = audit_log();
    let identity = whoami(&admin, Some("from-kubeconfig")).await;
    let decider = Decider::new(admin.clone(), identity).with_audit(Arc::clone(&audit));
    let (halted, _) = decider
        .halt(ns, Some("runaway".into()))
        .await
        .expect("halt");
    assert_eq!(halted.previous_phase, Phase::LimitedWrite);
    let mut suspended = halted.suspended.clone();
    suspended.sort();
    assert_eq!(
        suspended,
        ["inv-a", "inv-b"],
        "a Job already suspended is not the halt's"
    );
    let job = jobs.get("inv-a").await.expect("job");
    assert!(job.annotations().contains_key(SUSPENDED_BY_HALT));
    let policies: Api<TrustPolicy> = Api::namespaced(admin.clone(), ns);
    let policy = policies.get(POLICY_NAME).await.expect("policy");
    assert_eq!(
        policy.annotations().get(HALTED_FROM).map(String::as_str),
        Some("LimitedWrite")
    );

    // First confirmation only: the Jobs run again, the phase stays Shadow.
    let first = decider.resume(ns, false).await.expect("resume the Jobs");
    assert_eq!(first.resumed, ["inv-a", "inv-b"]);
    assert_eq!(first.restored, None);
    assert!(first.warnings.is_empty(), "{:?}", first.warnings);
    for name in ["inv-a", "inv-b"] {
        let job = jobs.get(name).await.expect("job");
        assert_eq!(job.spec.and_then(|s| s.suspend), Some(false), "{name}");
    }
    let paused = jobs.get("inv-paused").await.expect("job");
    assert_eq!(
        paused.spec.and_then(|s| s.suspend),
        Some(true),
        "a Job the halt did not suspend stays suspended"
    );
    assert_eq!(
        policies.get(POLICY_NAME).await.expect("policy").spec.phase,
        Phase::Shadow
    );

    // The second confirmation restores the phase before the halt.
    let second = decider.resume(ns, true).await.expect("restore the phase");
    assert_eq!(second.restored, Some(Phase::LimitedWrite));
    assert!(second.resumed.is_empty());
    let policy = policies.get(POLICY_NAME).await.expect("policy");
    assert_eq!(policy.spec.phase, Phase::LimitedWrite);
    assert!(!policy.annotations().contains_key(HALTED_FROM));
    let change = policy
        .annotations()
        .get(LAST_CHANGE)
        .and_then(|a| LastChange::parse(a))
        .expect("the last change");
    assert_eq!(change.action, AuditAction::Resume);
    assert_eq!(change.by, "oncall-1");
    let events = audit_events(&admin, ns, "Resumed").await;
    assert_eq!(events.len(), 2, "{events:?}");
    let (local, _) = kubevigil::audit::read_local(audit.path()).expect("the local log");
    assert_eq!(
        local
            .iter()
            .filter(|r| r.action == AuditAction::Resume)
            .count(),
        2
    );
    // Nothing left to restore: asking again says so and changes nothing.
    let third = decider.resume(ns, true).await.expect("resume again");
    assert_eq!(third.restored, None);
    assert!(third.not_restored.is_some());
    // The governor saw these as kubevigil's own changes.
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert!(
        audit_events(&admin, ns, "ChangedOutsideKubevigil")
            .await
            .is_empty()
    );
}
