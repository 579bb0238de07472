//! Deciding through the API, against the sandbox's Kubernetes emulator:
//! approve, veto, edit, expiry, two consoles at once, the two-person rule,
//! a viewer's 403, kill, halt, the audit export and pairing presence.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test, bench or example may panic on what it sets up

mod common;

use common::world::{agent_job, audit_log, create_judged, emulator};
use futures::StreamExt;
use jiff::{SignedDuration, Timestamp};
use k8s_openapi::api::batch::v1::Job;
use k8s_openapi::api::coordination::v1::Lease;
use k8s_openapi::api::core::v1::Event;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{OwnerReference, Time};
use kube::api::{ListParams, PostParams};
use kube::{Api, Client, ResourceExt};
use kubevigil::audit::{
    AuditAction, AuditLog, AuditRecord, ExportFormat, LastChange, collect_from_cluster, export,
    export_from_cluster, parse_since, read_local,
};
use kubevigil::decide::{
    DecideError, Decider, Identity, PRESENCE_NAMESPACE, PendingDecision, lease_name, may_decide,
    presence_from_lease, publish_presence, validate_edit, watch_presence, whoami,
};
use kubevigil::domain::labels::{INVESTIGATION, LAST_CHANGE};
use kubevigil::domain::policy::POLICY_NAME;
use kubevigil::domain::{
    ActionKind, ActionProposal, ActionProposalSpec, ActionTarget, Phase, ProposalState,
    ProposedAction, Risk, TrustPolicy, TrustPolicySpec, Verdict,
};
use kubevigil::sandbox::api::{AGENT_USER, ApiServer};
use kubevigil::sandbox::{Sandbox, SandboxOptions};
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;
use tempfile::TempDir;

/// A sandbox (API emulator and governor, no simulated agents), an audit log in
/// a temporary data directory, and helpers that build what an agent would
/// create in namespace `ns`.
struct World {
    server: ApiServer,
    _sandbox: Option<Sandbox>,
    ns: String,
    _data: TempDir,
    audit: Arc<AuditLog>,
}

/// The quiet sandbox, working in `ns`.
async fn world(ns: &str) -> World {
    let sandbox = Sandbox::start(SandboxOptions {
        port: 0,
        extra_investigations: 0,
        speed: 1.0,
        scenarios: false,
        ..SandboxOptions::default()
    })
    .await
    .expect("start the sandbox");
    let server = sandbox.api().clone();
    World::new(server, Some(sandbox), ns)
}

/// Only the API emulator: no governor expires anything behind the test's back.
async fn world_without_governor(ns: &str) -> World {
    World::new(emulator().await, None, ns)
}

impl World {
    fn new(server: ApiServer, sandbox: Option<Sandbox>, ns: &str) -> World {
        let (data, audit) = audit_log();
        World {
            server,
            _sandbox: sandbox,
            ns: ns.to_string(),
            _data: data,
            audit,
        }
    }

    fn client(&self, user: &str) -> Client {
        self.server.client(user).expect("client")
    }

    async fn identity(&self, user: &str) -> Identity {
        let identity = whoami(&self.client(user), Some("from-kubeconfig")).await;
        assert!(identity.verified, "{identity:?}");
        identity
    }

    fn agent<K>(&self) -> Api<K>
    where
        K: kube::Resource<Scope = k8s_openapi::NamespaceResourceScope>,
        <K as kube::Resource>::DynamicType: Default,
    {
        Api::namespaced(self.client(AGENT_USER), &self.ns)
    }

    /// Gives the namespace a policy in `phase` (replacing the sandbox's).
    async fn policy(&self, phase: Phase, required_approvals: u32) {
        let spec = TrustPolicySpec {
            phase,
            required_approvals,
            ..TrustPolicySpec::default()
        };
        let api = self.agent::<TrustPolicy>();
        match api.get_opt(POLICY_NAME).await.expect("read the policy") {
            Some(mut existing) => {
                existing.spec = spec;
                api.replace(POLICY_NAME, &PostParams::default(), &existing)
                    .await
                    .expect("replace the policy");
            }
            None => {
                let mut policy = TrustPolicy::new(POLICY_NAME, spec);
                policy.metadata.namespace = Some(self.ns.clone());
                api.create(&PostParams::default(), &policy)
                    .await
                    .expect("create the policy");
            }
        }
    }

    async fn job(&self, name: &str) -> Job {
        self.job_labelled(name, true).await
    }

    /// A Job running an agent; `investigation` labels it as an investigation.
    async fn job_labelled(&self, name: &str, investigation: bool) -> Job {
        let mut job = agent_job(name);
        job.metadata.labels =
            investigation.then(|| BTreeMap::from([(INVESTIGATION.into(), name.into())]));
        if let Some(spec) = job.spec.as_mut() {
            spec.backoff_limit = Some(0);
        }
        self.agent::<Job>()
            .create(&PostParams::default(), &job)
            .await
            .expect("create the job")
    }

    /// A proposal by the job's agent, judged as the governor would judge it.
    async fn proposal(&self, name: &str, job: &Job, expires_in: Option<i64>) -> ActionProposal {
        let investigation = job.name_any();
        let spec = ActionProposalSpec {
            investigation: investigation.clone(),
            summary: "raise the api memory limit to 768Mi".into(),
            rationale: "OOMKilled three times in ten minutes".into(),
            risk: Risk::Medium,
            reversible: true,
            action: ProposedAction {
                kind: ActionKind::Patch,
                target: ActionTarget {
                    api_version: "apps/v1".into(),
                    kind: "Deployment".into(),
                    namespace: self.ns.clone(),
                    name: "api".into(),
                },
                patch: Some(
                    "spec:\n  template:\n    spec:\n      containers:\n      - name: api\n        resources:\n          limits:\n            memory: 768Mi\n"
                        .into(),
                ),
                patch_type: Some("strategic".into()),
                command: None,
                replicas: None,
            },
            preview: None,
            expires_at: expires_in
                .map(|s| Time(Timestamp::now() + SignedDuration::from_secs(s))),
            rollback: None,
            credential_recipient: None,
        };
        let mut proposal = ActionProposal::new(name, spec);
        proposal.metadata.namespace = Some(self.ns.clone());
        proposal.metadata.labels = Some(BTreeMap::from([(INVESTIGATION.into(), investigation)]));
        proposal.metadata.owner_references = Some(vec![OwnerReference {
            api_version: "batch/v1".into(),
            kind: "Job".into(),
            name: job.name_any(),
            uid: job.uid().unwrap_or_default(),
            block_owner_deletion: Some(true),
            controller: Some(false),
        }]);
        create_judged(&self.client(AGENT_USER), &proposal).await
    }

    async fn get(&self, name: &str) -> ActionProposal {
        self.agent::<ActionProposal>()
            .get(name)
            .await
            .expect("read the proposal")
    }

    async fn events_about(&self, name: &str) -> Vec<Event> {
        self.agent::<Event>()
            .list(&ListParams::default())
            .await
            .expect("list events")
            .items
            .into_iter()
            .filter(|e| e.involved_object.name.as_deref() == Some(name))
            .collect()
    }

    /// `client` acting as `identity`, recording in this world's audit log.
    fn decider(&self, client: Client, identity: &Identity) -> Decider {
        Decider::new(client, identity.clone()).with_audit(Arc::clone(&self.audit))
    }

    fn local_audit(&self) -> Vec<AuditRecord> {
        let (records, malformed) = read_local(self.audit.path()).expect("read the audit log");
        assert_eq!(malformed, 0);
        records
    }

    async fn decide(
        &self,
        user: &str,
        proposal: &str,
        verdict: Verdict,
        reason: Option<&str>,
    ) -> Result<kubevigil::decide::DecisionOutcome, DecideError> {
        let identity = self.identity(user).await;
        self.decide_from(
            &self.client(user),
            &identity,
            proposal,
            verdict,
            reason,
            "sandbox",
        )
        .await
    }

    /// `client` acting as `identity` decides `proposal` (unedited) from console `console`.
    async fn decide_from(
        &self,
        client: &Client,
        identity: &Identity,
        proposal: &str,
        verdict: Verdict,
        reason: Option<&str>,
        console: &str,
    ) -> Result<kubevigil::decide::DecisionOutcome, DecideError> {
        let request = PendingDecision::new(identity.clone(), &self.ns, proposal, verdict)
            .with_reason(reason.map(str::to_string))
            .in_context(console);
        self.decider(client.clone(), identity)
            .decide(&request)
            .await
    }
}

/// Polls `check` every 50 ms for up to 10 s.
async fn eventually<F, Fut>(what: &str, mut check: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    for _ in 0..200 {
        if check().await {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("timed out waiting for {what}");
}

#[tokio::test]
async fn approving_in_limited_write_records_status_event_and_audit_line() {
    let w = world("payments").await;
    w.policy(Phase::LimitedWrite, 1).await;
    let job = w.job("inv-1").await;
    w.proposal("raise-mem", &job, Some(600)).await;

    let outcome = w
        .decide("oncall-1", "raise-mem", Verdict::Approve, None)
        .await
        .expect("approve");
    assert_eq!(outcome.state, ProposalState::Approved);
    assert!(outcome.warnings.is_empty(), "{:?}", outcome.warnings);
    assert_eq!(
        outcome.message(),
        "approved payments/raise-mem: now Approved"
    );

    let stored = w.get("raise-mem").await;
    assert_eq!(stored.state(), ProposalState::Approved);
    let decision = &stored.decisions()[0];
    assert_eq!(
        (decision.by.as_str(), decision.verified),
        ("oncall-1", true)
    );

    let events = w.events_about("raise-mem").await;
    assert_eq!(events.len(), 1, "{events:?}");
    let event = &events[0];
    assert_eq!(event.reason.as_deref(), Some("Approved"));
    assert_eq!(event.reporting_component.as_deref(), Some("kubevigil"));
    assert_eq!(
        event.source.as_ref().and_then(|s| s.component.as_deref()),
        Some("kubevigil")
    );
    assert_eq!(
        event.involved_object.kind.as_deref(),
        Some("ActionProposal")
    );
    let message = event.message.as_deref().unwrap_or_default();
    assert!(message.starts_with("oncall-1 approved"), "{message}");

    let records = w.local_audit();
    assert_eq!(records.len(), 1);
    assert_eq!(records[0].action, AuditAction::Approve);
    assert_eq!(records[0].actor, "oncall-1");
    assert_eq!(records[0].object, "actionproposal/raise-mem");
    assert_eq!(records[0].investigation.as_deref(), Some("inv-1"));
    assert_eq!(records[0].context.as_deref(), Some("sandbox"));
}

#[tokio::test]
async fn a_veto_needs_a_reason_and_records_it() {
    let w = world("payments").await;
    w.policy(Phase::LimitedWrite, 1).await;
    let job = w.job("inv-1").await;
    w.proposal("raise-mem", &job, Some(600)).await;

    let refused = w
        .decide("oncall-1", "raise-mem", Verdict::Veto, Some("   "))
        .await
        .expect_err("a blank reason is no reason");
    assert!(
        refused.to_string().contains("a veto needs a reason"),
        "{refused}"
    );
    assert_eq!(w.get("raise-mem").await.state(), ProposalState::Pending);

    let outcome = w
        .decide(
            "oncall-1",
            "raise-mem",
            Verdict::Veto,
            Some("memory is fine; it is a leak"),
        )
        .await
        .expect("veto");
    assert_eq!(outcome.state, ProposalState::Vetoed);
    let stored = w.get("raise-mem").await;
    assert_eq!(
        stored.decisions()[0].reason.as_deref(),
        Some("memory is fine; it is a leak")
    );
    let events = w.events_about("raise-mem").await;
    assert_eq!(events[0].reason.as_deref(), Some("Vetoed"));
    assert!(
        events[0]
            .message
            .as_deref()
            .is_some_and(|m| m.contains("memory is fine; it is a leak"))
    );
    assert_eq!(
        w.local_audit()[0].reason.as_deref(),
        Some("memory is fine; it is a leak")
    );
}

#[tokio::test]
async fn an_edit_before_approving_is_recorded_and_bad_yaml_is_refused_by_line() {
    let w = world("payments").await;
    w.policy(Phase::LimitedWrite, 1).await;
    let job = w.job("inv-1").await;
    let proposal = w.proposal("raise-mem", &job, Some(600)).await;
    let original = &proposal.spec.action;

    let broken = "spec:\n  template:\n    spec: {}\n   metadata: {}\n";
    match validate_edit(original, broken) {
        Err(DecideError::InvalidEdit { line, reason }) => {
            assert_eq!(line, 4, "{reason}");
            assert!(reason.contains("YAML"), "{reason}");
        }
        other => panic!("expected an invalid edit, got {other:?}"),
    }

    let text = original
        .patch
        .clone()
        .unwrap_or_default()
        .replace("768Mi", "640Mi");
    let edited = validate_edit(original, &text).expect("a valid edit");
    let identity = w.identity("oncall-1").await;
    let request = PendingDecision::new(identity.clone(), &w.ns, "raise-mem", Verdict::Approve)
        .with_edit(Some(edited.clone()))
        .in_context("sandbox");
    let outcome = w
        .decider(w.client("oncall-1"), &identity)
        .decide(&request)
        .await
        .expect("approve the edited action");
    let summary = outcome.edit_summary.expect("what changed");
    assert!(summary.contains("-            memory: 768Mi"), "{summary}");
    assert!(summary.contains("+            memory: 640Mi"), "{summary}");

    let stored = w.get("raise-mem").await;
    let decision = &stored.decisions()[0];
    assert!(decision.edited);
    assert_eq!(decision.edited_action.as_ref(), Some(&edited));
    assert_eq!(
        stored.spec.action, *original,
        "the agent's proposal is kept as it was"
    );
    let record = &w.local_audit()[0];
    assert!(record.edited);
    assert!(
        record
            .detail
            .as_deref()
            .is_some_and(|d| d.contains("+            memory: 640Mi")),
        "{record:?}"
    );
}

#[tokio::test]
async fn a_proposal_nobody_decided_in_time_expires_and_can_no_longer_be_approved() {
    let w = world("payments").await;
    w.policy(Phase::LimitedWrite, 1).await;
    let job = w.job("inv-1").await;
    w.proposal("raise-mem", &job, Some(1)).await;
    eventually("the governor to expire the proposal", || async {
        w.get("raise-mem").await.state() == ProposalState::Expired
    })
    .await;
    let refused = w
        .decide("oncall-1", "raise-mem", Verdict::Approve, None)
        .await
        .expect_err("too late");
    assert!(
        matches!(&refused, DecideError::Conflict { verdict: Verdict::Expire, decided_by, .. } if decided_by == "rule:timeout"),
        "{refused:?}"
    );
    assert!(
        refused.to_string().starts_with("this expired at "),
        "{refused}"
    );
}

#[tokio::test]
async fn without_a_governor_the_console_itself_refuses_and_records_a_late_approval() {
    let w = world_without_governor("payments").await;
    w.policy(Phase::LimitedWrite, 1).await;
    let job = w.job("inv-1").await;
    w.proposal("restart-api", &job, Some(-5)).await;
    let refused = w
        .decide("oncall-1", "restart-api", Verdict::Approve, None)
        .await
        .expect_err("too late");
    assert!(
        matches!(refused, DecideError::Expired { .. }),
        "{refused:?}"
    );
    assert!(
        refused.to_string().contains("timeout means deny"),
        "{refused}"
    );
    let stored = w.get("restart-api").await;
    assert_eq!(stored.state(), ProposalState::Expired);
    assert_eq!(stored.decisions()[0].by, "rule:timeout");
    assert_eq!(
        w.events_about("restart-api").await[0].reason.as_deref(),
        Some("Expired")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_consoles_deciding_at_once_one_wins_and_the_other_is_told_who() {
    let w = world("payments").await;
    w.policy(Phase::LimitedWrite, 1).await;
    let job = w.job("inv-1").await;
    for round in 0..5 {
        let name = format!("raise-mem-{round}");
        w.proposal(&name, &job, Some(600)).await;
        let (one, two) = (w.identity("oncall-1").await, w.identity("oncall-2").await);
        let (c1, c2) = (w.client("oncall-1"), w.client("oncall-2"));
        let (first, second) = tokio::join!(
            w.decide_from(&c1, &one, &name, Verdict::Approve, None, "a"),
            w.decide_from(&c2, &two, &name, Verdict::Approve, None, "b"),
        );
        let (winner, loser_error) = match (first, second) {
            (Ok(_), Err(e)) => ("oncall-1", e),
            (Err(e), Ok(_)) => ("oncall-2", e),
            (a, b) => panic!("exactly one must win: {a:?} / {b:?}"),
        };
        match &loser_error {
            DecideError::Conflict {
                decided_by,
                verdict,
                ..
            } => {
                assert_eq!(decided_by, winner);
                assert_eq!(*verdict, Verdict::Approve);
            }
            other => panic!("the loser must be told of the conflict: {other:?}"),
        }
        assert!(
            loser_error
                .to_string()
                .starts_with(&format!("{winner} already approved this at ")),
            "{loser_error}"
        );
        let stored = w.get(&name).await;
        assert_eq!(
            stored.decisions().len(),
            1,
            "nothing overwritten, nothing added"
        );
        assert_eq!(stored.decisions()[0].by, winner);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_veto_racing_an_approval_always_stops_the_proposal() {
    let w = world("payments").await;
    w.policy(Phase::LimitedWrite, 1).await;
    let job = w.job("inv-1").await;
    for round in 0..5 {
        let name = format!("raise-mem-{round}");
        w.proposal(&name, &job, Some(600)).await;
        let (one, two) = (w.identity("oncall-1").await, w.identity("oncall-2").await);
        let (c1, c2) = (w.client("oncall-1"), w.client("oncall-2"));
        let (approval, veto) = tokio::join!(
            w.decide_from(&c1, &one, &name, Verdict::Approve, None, "a"),
            w.decide_from(&c2, &two, &name, Verdict::Veto, Some("not now"), "b"),
        );
        let stored = w.get(&name).await;
        assert_eq!(stored.state(), ProposalState::Vetoed, "the veto stands");
        assert!(veto.is_ok(), "{veto:?}");
        match approval {
            // The approval came first: the veto withdrew it before the agent ran it.
            Ok(_) => {
                let verdicts: Vec<Verdict> = stored.decisions().iter().map(|d| d.verdict).collect();
                assert_eq!(verdicts, vec![Verdict::Approve, Verdict::Veto]);
            }
            // The veto came first: the approval is refused, naming who vetoed.
            Err(error) => {
                assert!(
                    error
                        .to_string()
                        .starts_with("oncall-2 already vetoed this at "),
                    "{error}"
                );
                assert_eq!(stored.decisions().len(), 1, "nothing added");
            }
        }
    }
}

#[tokio::test]
async fn two_distinct_people_must_approve_when_two_are_required() {
    let w = world("payments").await;
    w.policy(Phase::LimitedWrite, 2).await;
    let job = w.job("inv-1").await;
    w.proposal("raise-mem", &job, Some(600)).await;

    let first = w
        .decide("oncall-1", "raise-mem", Verdict::Approve, None)
        .await
        .expect("first approval");
    assert_eq!(first.state, ProposalState::Pending);
    assert_eq!(first.approvals_still_required, 1);
    assert_eq!(
        first.message(),
        "approved payments/raise-mem: 1 more approval needed"
    );

    let again = w
        .decide("oncall-1", "raise-mem", Verdict::Approve, None)
        .await
        .expect_err("the same person counts once");
    assert!(again.to_string().contains("already approved"), "{again}");
    let stored = w.get("raise-mem").await;
    assert_eq!(stored.state(), ProposalState::Pending);
    assert_eq!(stored.decisions().len(), 1);
    assert_eq!(
        stored.status.as_ref().and_then(|s| s.approvals_required),
        Some(1)
    );

    let second = w
        .decide("oncall-2", "raise-mem", Verdict::Approve, None)
        .await
        .expect("second approval");
    assert_eq!(second.state, ProposalState::Approved);
    assert_eq!(second.approvals_still_required, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_approvals_at_once_under_the_two_person_rule_both_count() {
    let w = world("payments").await;
    w.policy(Phase::LimitedWrite, 2).await;
    let job = w.job("inv-1").await;
    let (one, two) = (w.identity("oncall-1").await, w.identity("oncall-2").await);
    let (c1, c2) = (w.client("oncall-1"), w.client("oncall-2"));
    for round in 0..5 {
        let name = format!("raise-mem-{round}");
        w.proposal(&name, &job, Some(600)).await;
        let (first, second) = tokio::join!(
            w.decide_from(&c1, &one, &name, Verdict::Approve, None, "a"),
            w.decide_from(&c2, &two, &name, Verdict::Approve, None, "b"),
        );
        let (first, second) = (
            first.expect("oncall-1 counts"),
            second.expect("oncall-2 counts"),
        );
        let states = [first.state, second.state];
        assert!(states.contains(&ProposalState::Approved), "{states:?}");
        let stored = w.get(&name).await;
        assert_eq!(stored.state(), ProposalState::Approved);
        let mut approvers: Vec<_> = stored.decisions().iter().map(|d| d.by.as_str()).collect();
        approvers.sort_unstable();
        assert_eq!(approvers, ["oncall-1", "oncall-2"]);
    }
}

#[tokio::test]
async fn the_phase_decides_what_is_offered() {
    let w = world("payments").await;
    w.policy(Phase::ReadOnlyAssist, 1).await;
    let job = w.job("inv-1").await;
    w.proposal("raise-mem", &job, Some(600)).await;
    let refused = w
        .decide("oncall-1", "raise-mem", Verdict::Approve, None)
        .await
        .expect_err("not offered");
    assert_eq!(
        refused.to_string(),
        "approving is not offered in ReadOnlyAssist: copy the suggestion instead"
    );
    assert_eq!(w.get("raise-mem").await.state(), ProposalState::Recorded);

    w.policy(Phase::Shadow, 1).await;
    w.proposal("restart-api", &job, Some(600)).await;
    let refused = w
        .decide("oncall-1", "restart-api", Verdict::Veto, Some("no"))
        .await
        .expect_err("nothing to veto");
    assert!(
        matches!(
            &refused,
            DecideError::NotOffered {
                phase: Phase::Shadow,
                ..
            }
        ),
        "{refused:?}"
    );
    assert!(refused.to_string().contains("recorded only"), "{refused}");
    assert!(w.local_audit().is_empty());
}

#[tokio::test]
async fn a_viewer_is_told_which_right_is_missing_and_nothing_is_lost() {
    let w = world("payments").await;
    w.policy(Phase::LimitedWrite, 1).await;
    let job = w.job("inv-1").await;
    let before = w.proposal("raise-mem", &job, Some(600)).await;

    assert_eq!(may_decide(&w.client("viewer"), &w.ns).await, Some(false));
    assert_eq!(may_decide(&w.client("oncall-1"), &w.ns).await, Some(true));
    let refused = w
        .decide("viewer", "raise-mem", Verdict::Veto, Some("looks wrong"))
        .await
        .expect_err("a viewer may not decide");
    assert_eq!(
        refused.to_string(),
        "viewer may not update actionproposals/status in payments: ask for the kubevigil-operator role"
    );
    let after = w.get("raise-mem").await;
    assert_eq!(after.status, before.status, "the proposal is unchanged");
    assert_eq!(after.resource_version(), before.resource_version());
    assert!(w.events_about("raise-mem").await.is_empty());
    assert!(w.local_audit().is_empty());

    let pending = refused
        .pending()
        .expect("the decision is kept for a retry")
        .clone();
    assert_eq!(pending.describe(), "veto payments/raise-mem");
    assert_eq!(pending.reason.as_deref(), Some("looks wrong"));
    let saved = serde_json::to_string(&pending).expect("serializable");
    let restored: kubevigil::decide::PendingDecision =
        serde_json::from_str(&saved).expect("deserializable");
    assert_eq!(restored, pending);
    let still = w
        .decider(w.client("viewer"), &restored.identity)
        .retry(&restored)
        .await
        .expect_err("still not allowed");
    assert!(matches!(still, DecideError::Forbidden { .. }), "{still:?}");
}

#[tokio::test]
async fn an_unreachable_cluster_keeps_the_decision_pending_for_a_retry() {
    let w = world("payments").await;
    w.policy(Phase::LimitedWrite, 1).await;
    let job = w.job("inv-1").await;
    w.proposal("raise-mem", &job, Some(600)).await;
    let identity = w.identity("oncall-1").await;

    let nowhere = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        let port = listener.local_addr().expect("address").port();
        drop(listener);
        Client::try_from(kube::Config::new(
            format!("http://127.0.0.1:{port}").parse().expect("url"),
        ))
        .expect("client")
    };
    let failed = w
        .decide_from(
            &nowhere,
            &identity,
            "raise-mem",
            Verdict::Approve,
            None,
            "sandbox",
        )
        .await
        .expect_err("nobody answers");
    assert!(failed.is_retryable(), "{failed:?}");
    assert!(failed.to_string().contains("kept pending"), "{failed}");
    let pending = failed.pending().expect("kept for a retry").clone();
    assert_eq!(w.get("raise-mem").await.state(), ProposalState::Pending);

    let outcome = w
        .decider(w.client("oncall-1"), &pending.identity)
        .retry(&pending)
        .await
        .expect("the retry goes through");
    assert_eq!(outcome.state, ProposalState::Approved);
    assert_eq!(outcome.decision.by, "oncall-1");

    // whoami on an unreachable cluster falls back to the kubeconfig user.
    let fallback = whoami(&nowhere, Some("alice")).await;
    assert_eq!(fallback, Identity::unverified("alice"));
}

#[tokio::test]
async fn killing_an_investigation_expires_its_proposals_and_deletes_its_job() {
    let w = world("payments").await;
    w.policy(Phase::LimitedWrite, 1).await;
    let job = w.job("inv-1").await;
    let other_job = w.job("inv-2").await;
    w.proposal("raise-mem", &job, Some(600)).await;
    w.proposal("restart-api", &job, Some(600)).await;
    w.proposal("unrelated", &other_job, Some(600)).await;
    w.decide(
        "oncall-2",
        "restart-api",
        Verdict::Veto,
        Some("not the cause"),
    )
    .await
    .expect("veto");

    let identity = w.identity("oncall-1").await;
    let (outcome, _) = w
        .decider(w.client("oncall-1"), &identity)
        .kill(&w.ns, "inv-1", Some("agent looping".into()))
        .await
        .expect("kill");
    assert_eq!(outcome.expired, vec!["raise-mem".to_string()]);
    assert_eq!(outcome.already_decided, vec!["restart-api".to_string()]);
    assert!(outcome.job_deleted);
    assert!(outcome.warnings.is_empty(), "{:?}", outcome.warnings);

    let killed = w.events_about("inv-1").await;
    assert!(
        killed.iter().any(|e| e.reason.as_deref() == Some("Killed")),
        "{killed:?}"
    );
    let expired = w.events_about("raise-mem").await;
    assert!(
        expired
            .iter()
            .any(|e| e.reason.as_deref() == Some("Killed"))
    );

    eventually("the Job and its proposals to be gone", || async {
        let jobs = w
            .agent::<Job>()
            .list(&ListParams::default())
            .await
            .expect("jobs");
        let proposals = w
            .agent::<ActionProposal>()
            .list(&ListParams::default())
            .await
            .expect("proposals");
        jobs.items.iter().all(|j| j.name_any() != "inv-1")
            && proposals
                .items
                .iter()
                .map(kube::ResourceExt::name_any)
                .collect::<Vec<_>>()
                == ["unrelated"]
    })
    .await;
    assert_eq!(w.get("unrelated").await.state(), ProposalState::Pending);

    let kills: Vec<_> = w
        .local_audit()
        .into_iter()
        .filter(|r| r.action == AuditAction::Kill)
        .collect();
    let objects: Vec<_> = kills.iter().map(|r| r.object.as_str()).collect();
    assert_eq!(objects, ["actionproposal/raise-mem", "job/inv-1"]);

    // The cluster's audit still knows of the kill after the proposals are gone.
    let collected = collect_from_cluster(
        &w.client("viewer"),
        Some(w.ns.as_str()),
        Timestamp::UNIX_EPOCH,
    )
    .await
    .expect("collect");
    assert!(
        collected
            .iter()
            .any(|r| r.action == AuditAction::Kill && r.object == "actionproposal/raise-mem"),
        "{collected:#?}"
    );
}

#[tokio::test]
async fn halting_a_namespace_suspends_its_investigations_and_sets_shadow() {
    let w = world("payments").await;
    w.policy(Phase::Autonomous, 1).await;
    w.job("inv-1").await;
    w.job("inv-2").await;
    let job = w.job("inv-3").await;
    w.proposal("raise-mem", &job, Some(600)).await;
    // A Job without the investigation label is not ours to suspend.
    w.job_labelled("not-an-investigation", false).await;
    let jobs = w.agent::<Job>();

    let identity = w.identity("oncall-1").await;
    let (outcome, _) = w
        .decider(w.client("oncall-1"), &identity)
        .halt(&w.ns, Some("agents fighting the rollout".into()))
        .await
        .expect("halt");
    assert_eq!(outcome.previous_phase, Phase::Autonomous);
    assert!(!outcome.policy_created);
    let mut suspended = outcome.suspended.clone();
    suspended.sort();
    assert_eq!(suspended, ["inv-1", "inv-2", "inv-3"]);
    assert!(outcome.warnings.is_empty(), "{:?}", outcome.warnings);

    for name in ["inv-1", "inv-2", "inv-3"] {
        let job = jobs.get(name).await.expect("job");
        assert_eq!(job.spec.and_then(|s| s.suspend), Some(true), "{name}");
    }
    let untouched = jobs.get("not-an-investigation").await.expect("job");
    assert_ne!(untouched.spec.and_then(|s| s.suspend), Some(true));

    let policy = w
        .agent::<TrustPolicy>()
        .get(POLICY_NAME)
        .await
        .expect("policy");
    assert_eq!(policy.spec.phase, Phase::Shadow);
    let change = policy
        .annotations()
        .get(LAST_CHANGE)
        .and_then(|a| LastChange::parse(a))
        .expect("a last-change annotation");
    assert_eq!(change.by, "oncall-1");
    assert_eq!(change.action, AuditAction::Halt);
    assert_eq!(change.why.as_deref(), Some("agents fighting the rollout"));
    assert!(
        change.what.contains("Autonomous -> Shadow"),
        "{}",
        change.what
    );

    assert_eq!(w.get("raise-mem").await.state(), ProposalState::Expired);
    let halted = w.events_about(POLICY_NAME).await;
    assert!(
        halted.iter().any(|e| e.reason.as_deref() == Some("Halted")),
        "{halted:?}"
    );
    assert!(
        w.local_audit()
            .iter()
            .any(|r| r.action == AuditAction::Halt)
    );

    // A namespace without a policy gets a Shadow one.
    let (other, _) = w
        .decider(w.client("oncall-1"), &identity)
        .halt("no-policy-yet", None)
        .await
        .expect("halt checkout");
    assert!(other.policy_created);
    let created: Api<TrustPolicy> = Api::namespaced(w.client("viewer"), "no-policy-yet");
    let created = created.get(POLICY_NAME).await.expect("created policy");
    assert_eq!(created.spec.phase, Phase::Shadow);
}

#[tokio::test]
async fn the_audit_export_round_trips_in_both_formats() {
    let w = world("payments").await;
    w.policy(Phase::LimitedWrite, 1).await;
    let job = w.job("inv-1").await;
    w.proposal("raise-mem", &job, Some(600)).await;
    w.proposal("restart-api", &job, Some(600)).await;
    w.decide("oncall-1", "raise-mem", Verdict::Approve, None)
        .await
        .expect("approve");
    w.decide(
        "oncall-2",
        "restart-api",
        Verdict::Veto,
        Some("wrong pod, \"api-0\""),
    )
    .await
    .expect("veto");

    let since = Timestamp::now() - parse_since("24h").expect("24h");
    let viewer = w.client("viewer");
    let records = collect_from_cluster(&viewer, Some(w.ns.as_str()), since)
        .await
        .expect("collect");
    let summary: Vec<_> = records
        .iter()
        .map(|r| (r.actor.as_str(), r.action, r.object.as_str()))
        .collect();
    assert_eq!(
        summary,
        [
            ("oncall-1", AuditAction::Approve, "actionproposal/raise-mem"),
            ("oncall-2", AuditAction::Veto, "actionproposal/restart-api"),
        ]
    );
    assert_eq!(
        records[0].context.as_deref(),
        Some("sandbox"),
        "filled in from the Event"
    );

    for format in [ExportFormat::Jsonl, ExportFormat::Csv] {
        let mut out = Vec::new();
        let written = export_from_cluster(&viewer, since, format, &mut out)
            .await
            .expect("export");
        assert_eq!(written, 2);
        let parsed: Vec<AuditRecord> = match format {
            ExportFormat::Jsonl => String::from_utf8(out.clone())
                .expect("utf8")
                .lines()
                .map(|l| serde_json::from_str(l).expect("a JSON line"))
                .collect(),
            ExportFormat::Csv => csv::Reader::from_reader(out.as_slice())
                .deserialize()
                .map(|row| row.expect("a CSV row"))
                .collect(),
        };
        assert_eq!(parsed, records, "{format:?}");
        let mut again = Vec::new();
        export(&parsed, format, &mut again).expect("export again");
        assert_eq!(again, out, "{format:?}");
    }

    let later = Timestamp::now() + SignedDuration::from_secs(60);
    let none = collect_from_cluster(&viewer, None, later)
        .await
        .expect("collect");
    assert!(none.is_empty(), "{none:?}");
}

#[tokio::test]
async fn presence_is_published_read_back_and_runs_out() {
    let w = world("payments").await;
    let one = w.identity("oncall-1").await;
    let client = w.client("oncall-1");
    let mut watch = Box::pin(watch_presence(w.client("oncall-2"), PRESENCE_NAMESPACE));

    publish_presence(
        &client,
        PRESENCE_NAMESPACE,
        &one,
        "console-a",
        Some("proposal payments/raise-mem"),
    )
    .await
    .expect("publish");
    let leases: Api<Lease> = Api::namespaced(w.client("oncall-2"), PRESENCE_NAMESPACE);
    let lease = leases
        .get(&lease_name("oncall-1"))
        .await
        .expect("the lease");
    assert_eq!(lease.name_any(), "kubevigil-presence-oncall-1");
    let spec = lease.spec.clone().expect("spec");
    assert_eq!(spec.holder_identity.as_deref(), Some("oncall-1"));
    assert_eq!(spec.lease_duration_seconds, Some(30));

    let now = Timestamp::now();
    let present = presence_from_lease(&lease, now).expect("present");
    assert_eq!(present.user, "oncall-1");
    assert_eq!(present.console_id, "console-a");
    assert_eq!(
        present.viewing.as_deref(),
        Some("proposal payments/raise-mem")
    );
    assert_eq!(
        presence_from_lease(&lease, now + SignedDuration::from_secs(31)),
        None
    );

    let seen = tokio::time::timeout(Duration::from_secs(10), async {
        loop {
            let snapshot = watch.next().await.expect("the watch goes on");
            if let Some(p) = snapshot.iter().find(|p| p.user == "oncall-1") {
                return p.clone();
            }
        }
    })
    .await
    .expect("the other console sees oncall-1");
    assert_eq!(seen.viewing.as_deref(), Some("proposal payments/raise-mem"));

    publish_presence(&client, PRESENCE_NAMESPACE, &one, "console-a", None)
        .await
        .expect("renew");
    let renewed = leases
        .get(&lease_name("oncall-1"))
        .await
        .expect("the lease");
    let renewed = presence_from_lease(&renewed, Timestamp::now()).expect("present");
    assert_eq!(renewed.viewing, None, "viewing nothing in particular now");
    assert!(renewed.renewed_at >= present.renewed_at);

    let refused = publish_presence(
        &w.client("viewer"),
        PRESENCE_NAMESPACE,
        &w.identity("viewer").await,
        "console-v",
        None,
    )
    .await
    .expect_err("a viewer may not write leases");
    assert!(
        matches!(refused, DecideError::Forbidden { .. }),
        "{refused:?}"
    );
}

#[tokio::test]
async fn a_viewers_presence_publisher_gives_up_after_one_refusal_and_watching_goes_on() {
    let w = world_without_governor("payments").await;
    let identity = w.identity("oncall-1").await;
    publish_presence(
        &w.client("oncall-1"),
        PRESENCE_NAMESPACE,
        &identity,
        "console-a",
        None,
    )
    .await
    .expect("an operator publishes");

    let (viewing, receiver) = tokio::sync::watch::channel(Some("proposal payments/x".to_string()));
    let publisher = kubevigil::decide::spawn_presence_task(
        w.client("viewer"),
        PRESENCE_NAMESPACE.to_string(),
        w.identity("viewer").await,
        "console-v".to_string(),
        receiver,
    );
    // It would otherwise try again every 10 s for as long as the console runs.
    tokio::time::timeout(Duration::from_secs(5), publisher)
        .await
        .expect("the viewer's publisher stops after the 403")
        .expect("the publisher does not panic");
    viewing.send_replace(Some("proposal payments/y".to_string()));
    let leases: Api<Lease> = Api::namespaced(w.client("oncall-1"), PRESENCE_NAMESPACE);
    let viewer_lease = leases
        .get_opt(&lease_name("viewer"))
        .await
        .expect("read leases");
    assert!(
        viewer_lease.is_none(),
        "nothing was published for the viewer"
    );

    let mut watch = Box::pin(watch_presence(w.client("viewer"), PRESENCE_NAMESPACE));
    let seen = tokio::time::timeout(Duration::from_secs(10), async {
        loop {
            let snapshot = watch.next().await.expect("the watch goes on");
            if snapshot.iter().any(|p| p.user == "oncall-1") {
                return;
            }
        }
    })
    .await;
    assert!(seen.is_ok(), "the viewer still sees who else is here");
}
