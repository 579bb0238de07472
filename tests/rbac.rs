//! The RBAC manifests in `assets/rbac/`, enforced for real: the API emulator
//! evaluates their rules as Kubernetes RBAC does, and the product's own
//! operations run through `kube::Client` as users bound by them. An operator
//! can do everything the console does; a viewer is refused every write and
//! told which right is missing; the governor and an agent can do their jobs
//! and nothing more.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test, bench or example may panic on what it sets up

mod common;

use common::world::{audit_log, create_judged, create_policy, emulator};
use futures::StreamExt;
use jiff::{SignedDuration, Timestamp};
use k8s_openapi::api::batch::v1::Job;
use k8s_openapi::api::core::v1::{Event, Pod};
use kube::api::{DeleteParams, ListParams, Patch, PatchParams, PostParams};
use kube::runtime::watcher;
use kube::{Api, Client, ResourceExt};
use kubevigil::app::action::Action;
use kubevigil::audit::{AuditLog, collect_from_cluster};
use kubevigil::cluster::logs::{OlderRequest, StreamTarget, fetch_older, follow};
use kubevigil::cluster::watch;
use kubevigil::decide::{
    DecideError, Decider, DecisionOutcome, Identity, OPERATOR_ROLE, PRESENCE_NAMESPACE,
    PendingDecision, may_decide, publish_presence, watch_presence, whoami, withdraw_presence,
};
use kubevigil::domain::labels::INVESTIGATION;
use kubevigil::domain::policy::POLICY_NAME;
use kubevigil::domain::{
    ActionProposal, ExecutionResult, Phase, ProposalState, Risk, TrustPolicy, TrustPolicySpec,
    Verdict,
};
use kubevigil::governor::{initial_status, update_status};
use kubevigil::model::records::EntryKind;
use kubevigil::model::records::Source;
use kubevigil::policy::{PolicyApplyError, PolicyChangeRequest, apply_policy};
use kubevigil::sandbox::api::rbac::{Grants, RbacManifests, service_account_user};
use kubevigil::sandbox::api::{AGENT_USER, ApiServer};
use kubevigil::sanitize::Redactor;
use serde_json::json;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;
use tempfile::TempDir;
use tokio::sync::mpsc;

/// The namespace investigated in most tests.
const NS: &str = "payments";
/// Upper bound for anything a test waits for.
const PATIENCE: Duration = Duration::from_secs(20);

fn manifests() -> RbacManifests {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/rbac");
    RbacManifests::load_dir(&dir).expect("assets/rbac parses")
}

/// The emulator, the manifests, an audit log, and the setup an agent and an
/// admin would have made (done as the sandbox's full-rights agent user).
struct World {
    server: ApiServer,
    manifests: RbacManifests,
    _data: TempDir,
    audit: Arc<AuditLog>,
}

impl World {
    /// `client` acting as `identity`, recording in this world's audit log.
    fn decider(&self, client: &Client, identity: &Identity) -> Decider {
        Decider::new(client.clone(), identity.clone()).with_audit(Arc::clone(&self.audit))
    }

    /// `identity`'s `verdict` on proposal `NS/name`, through `client`.
    async fn decide(
        &self,
        client: &Client,
        identity: &Identity,
        name: &str,
        verdict: Verdict,
        reason: Option<&str>,
    ) -> Result<DecisionOutcome, DecideError> {
        let request = PendingDecision::new(identity.clone(), NS, name, verdict)
            .with_reason(reason.map(str::to_string))
            .in_context("sandbox");
        self.decider(client, identity).decide(&request).await
    }

    async fn new() -> World {
        let server = emulator().await;
        let (data, audit) = audit_log();
        let manifests = manifests();
        let namespaces = manifests
            .namespaces
            .iter()
            .map(|n| serde_json::to_value(n).expect("namespace json"))
            .collect();
        server.seed(namespaces);
        World {
            server,
            manifests,
            _data: data,
            audit,
        }
    }

    /// A client for `user` in `groups`, allowed what the manifests bind to them.
    fn bound(&self, user: &str, groups: &[&str]) -> Client {
        let grants = Grants::bound_to(&self.manifests, user, groups);
        assert!(
            !grants.is_empty(),
            "no binding in assets/rbac for {user} {groups:?}"
        );
        self.server
            .add_user(user, groups, grants)
            .expect("register the user");
        self.server.client(user).expect("client")
    }

    fn operator(&self, user: &str) -> Client {
        self.bound(user, &["kubevigil:operators"])
    }

    fn viewer(&self, user: &str) -> Client {
        self.bound(user, &["kubevigil:viewers"])
    }

    /// A client for ServiceAccount `namespace/name`, as the API server sees its token.
    fn service_account(&self, namespace: &str, name: &str) -> Client {
        let (user, groups) = service_account_user(namespace, name);
        let groups: Vec<&str> = groups.iter().map(String::as_str).collect();
        self.bound(&user, &groups)
    }

    fn admin<K>(&self, ns: &str) -> Api<K>
    where
        K: kube::Resource<Scope = k8s_openapi::NamespaceResourceScope>,
        <K as kube::Resource>::DynamicType: Default,
    {
        Api::namespaced(self.server.client(AGENT_USER).expect("client"), ns)
    }

    async fn policy(&self, ns: &str, phase: Phase) -> TrustPolicy {
        create_policy(
            self.server.client(AGENT_USER).expect("client"),
            ns,
            TrustPolicySpec {
                phase,
                autonomous_risk_ceiling: Risk::Medium,
                ..TrustPolicySpec::default()
            },
        )
        .await
    }

    async fn job(&self, ns: &str, name: &str) -> Job {
        let job: Job = serde_json::from_value(json!({
            "apiVersion": "batch/v1",
            "kind": "Job",
            "metadata": {"name": name, "namespace": ns, "labels": {INVESTIGATION: name}},
            "spec": {"backoffLimit": 0, "template": {
                "metadata": {"labels": {INVESTIGATION: name}},
                "spec": {"restartPolicy": "Never", "containers": [{"name": "agent", "image": "agent:1"}]}
            }}
        }))
        .expect("job");
        self.admin::<Job>(ns)
            .create(&PostParams::default(), &job)
            .await
            .expect("create the job")
    }

    /// The investigation's pod, running and printing `lines`.
    async fn pod(&self, ns: &str, job: &str, lines: &[&str]) -> String {
        let name = format!("{job}-pod");
        let pod: Pod = serde_json::from_value(json!({
            "apiVersion": "v1",
            "kind": "Pod",
            "metadata": {"name": name, "namespace": ns, "labels": {INVESTIGATION: job, "job-name": job}},
            "spec": {"restartPolicy": "Never", "containers": [{"name": "agent", "image": "agent:1"}]}
        }))
        .expect("pod");
        let pods = self.admin::<Pod>(ns);
        pods.create(&PostParams::default(), &pod)
            .await
            .expect("create the pod");
        let running =
            json!({"status": {"phase": "Running", "startTime": Timestamp::now().to_string()}});
        pods.patch_status(&name, &PatchParams::default(), &Patch::Merge(&running))
            .await
            .expect("mark the pod running");
        for line in lines {
            self.server.append_log(ns, &name, line);
        }
        name
    }

    /// A proposal as the agent creates it, given its first status as the governor would.
    async fn proposal(&self, ns: &str, name: &str, job: &Job, risk: Risk) -> ActionProposal {
        create_judged(
            &self.server.client(AGENT_USER).expect("client"),
            &proposal_manifest(ns, name, job, risk),
        )
        .await
    }

    async fn state(&self, ns: &str, name: &str) -> ProposalState {
        self.admin::<ActionProposal>(ns)
            .get(name)
            .await
            .expect("read the proposal")
            .state()
    }
}

fn proposal_manifest(ns: &str, name: &str, job: &Job, risk: Risk) -> ActionProposal {
    let expires = Timestamp::now() + SignedDuration::from_secs(600);
    serde_json::from_value(json!({
        "apiVersion": "kubevigil.io/v1alpha1",
        "kind": "ActionProposal",
        "metadata": {
            "name": name,
            "namespace": ns,
            "labels": {INVESTIGATION: job.name_any()},
            "ownerReferences": [{"apiVersion": "batch/v1", "kind": "Job", "name": job.name_any(),
                                 "uid": job.uid().unwrap_or_default(), "controller": false}]
        },
        "spec": {
            "investigation": job.name_any(),
            "summary": "restart checkout",
            "rationale": "stuck connections",
            "risk": risk,
            "reversible": true,
            "expiresAt": expires.to_string(),
            "action": {
                "kind": "rollout-restart",
                "target": {"apiVersion": "apps/v1", "kind": "Deployment", "namespace": ns, "name": "checkout"}
            }
        }
    }))
    .expect("proposal")
}

async fn identity(client: &Client) -> Identity {
    let identity = whoami(client, Some("from-kubeconfig")).await;
    assert!(identity.verified, "{identity:?}");
    identity
}

/// Polls `check` every 50 ms until it holds, or panics after [`PATIENCE`].
async fn eventually<F, Fut>(what: &str, mut check: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let deadline = tokio::time::Instant::now() + PATIENCE;
    while tokio::time::Instant::now() < deadline {
        if check().await {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("timed out waiting for {what}");
}

/// Receives actions until `wanted` returns something; a 403 on a watch fails the test.
async fn wait_for<T>(
    rx: &mut mpsc::Receiver<Action>,
    mut wanted: impl FnMut(&Action) -> Option<T>,
) -> T {
    let deadline = tokio::time::Instant::now() + PATIENCE;
    loop {
        let action = tokio::time::timeout_at(deadline, rx.recv())
            .await
            .expect("the action in time")
            .expect("an open channel");
        if let Action::SourceForbidden { source, .. } = &action {
            panic!("the console's {source:?} watch was refused");
        }
        if let Some(found) = wanted(&action) {
            return found;
        }
    }
}

/// The console's message for a refused write, which must name the right.
fn forbidden_message(user: &str, verb: &str, resource: &str, namespace: &str) -> String {
    format!("{user} may not {verb} {resource} in {namespace}: ask for the {OPERATOR_ROLE} role")
}

#[test]
fn every_manifest_parses_into_kubernetes_types() {
    let manifests = manifests();
    for role in [
        OPERATOR_ROLE,
        "kubevigil-viewer",
        "kubevigil-agent",
        "kubevigil-governor",
    ] {
        let found = manifests
            .cluster_role(role)
            .unwrap_or_else(|| panic!("ClusterRole {role} in assets/rbac"));
        assert!(
            !found.rules.clone().unwrap_or_default().is_empty(),
            "{role}"
        );
    }
    assert!(manifests.role(PRESENCE_NAMESPACE, OPERATOR_ROLE).is_some());
    assert_eq!(manifests.problems(), Vec::<String>::new());
    assert!(
        manifests
            .service_accounts
            .iter()
            .any(|sa| sa.name_any() == "kubevigil-governor")
    );
    // Every file on its own, document by document, into the k8s-openapi types.
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/rbac");
    let mut files = 0;
    for entry in std::fs::read_dir(&dir).expect("assets/rbac") {
        let path = entry.expect("entry").path();
        let mut one = RbacManifests::default();
        one.load_file(&path)
            .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        assert_ne!(one, RbacManifests::default(), "{} is empty", path.display());
        files += 1;
    }
    assert_eq!(files, 5);
}

#[tokio::test]
async fn an_operator_approves_and_vetoes() {
    let w = World::new().await;
    w.policy(NS, Phase::LimitedWrite).await;
    let job = w.job(NS, "inv-1").await;
    w.proposal(NS, "restart-1", &job, Risk::Medium).await;
    w.proposal(NS, "restart-2", &job, Risk::Medium).await;
    let client = w.operator("alice");
    let alice = identity(&client).await;
    assert_eq!(may_decide(&client, NS).await, Some(true));

    let approved = w
        .decide(&client, &alice, "restart-1", Verdict::Approve, None)
        .await
        .expect("approve");
    assert_eq!(approved.state, ProposalState::Approved);
    assert!(approved.warnings.is_empty(), "{:?}", approved.warnings);

    let vetoed = w
        .decide(
            &client,
            &alice,
            "restart-2",
            Verdict::Veto,
            Some("wrong deployment"),
        )
        .await
        .expect("veto");
    assert_eq!(vetoed.state, ProposalState::Vetoed);
    assert!(vetoed.warnings.is_empty(), "{:?}", vetoed.warnings);

    // The Events were recorded, and `kubevigil audit export` can read them back.
    let records = collect_from_cluster(
        &client,
        None,
        Timestamp::now() - SignedDuration::from_hours(1),
    )
    .await
    .expect("audit export as the operator");
    assert!(records.len() >= 2, "{records:?}");
}

/// `NS` in `phase` with Job `inv-1` and its proposal `restart-1` at `risk`;
/// operator alice's client and verified identity.
async fn alice_and_one_proposal(phase: Phase, risk: Risk) -> (World, Client, Identity) {
    let w = World::new().await;
    w.policy(NS, phase).await;
    let job = w.job(NS, "inv-1").await;
    w.proposal(NS, "restart-1", &job, risk).await;
    let client = w.operator("alice");
    let alice = identity(&client).await;
    (w, client, alice)
}

#[tokio::test]
async fn an_operator_kills_an_investigation() {
    let (w, client, alice) = alice_and_one_proposal(Phase::LimitedWrite, Risk::Medium).await;

    let (killed, _) = w
        .decider(&client, &alice)
        .kill(NS, "inv-1", Some("looping".into()))
        .await
        .expect("kill");
    assert!(killed.job_deleted);
    assert_eq!(killed.expired, ["restart-1"]);
    assert!(killed.warnings.is_empty(), "{:?}", killed.warnings);
    assert!(
        w.admin::<Job>(NS)
            .get_opt("inv-1")
            .await
            .expect("read")
            .is_none()
    );
}

#[tokio::test]
async fn an_operator_halts_a_namespace() {
    let (w, client, alice) = alice_and_one_proposal(Phase::Autonomous, Risk::High).await;

    let (halted, _) = w
        .decider(&client, &alice)
        .halt(NS, Some("agents fighting".into()))
        .await
        .expect("halt");
    assert_eq!(halted.previous_phase, Phase::Autonomous);
    assert_eq!(halted.suspended, ["inv-1"]);
    assert_eq!(halted.expired, ["restart-1"]);
    assert!(halted.warnings.is_empty(), "{:?}", halted.warnings);
    let policy = w
        .admin::<TrustPolicy>(NS)
        .get(POLICY_NAME)
        .await
        .expect("policy");
    assert_eq!(policy.spec.phase, Phase::Shadow);

    // A namespace without a policy gets a Shadow one created.
    w.job("checkout", "inv-2").await;
    let (created, _) = w
        .decider(&client, &alice)
        .halt("checkout", None)
        .await
        .expect("halt without a policy");
    assert!(created.policy_created);
    assert!(created.warnings.is_empty(), "{:?}", created.warnings);
}

#[tokio::test]
async fn an_operator_changes_a_trust_policy() {
    let w = World::new().await;
    let existing = w.policy(NS, Phase::ReadOnlyAssist).await;
    let client = w.operator("alice");
    let alice = identity(&client).await;
    let request = PolicyChangeRequest {
        namespace: NS.to_string(),
        base: Some(existing.spec.clone()),
        base_resource_version: existing.resource_version(),
        spec: TrustPolicySpec {
            phase: Phase::LimitedWrite,
            ..existing.spec.clone()
        },
        actor: alice.clone(),
        reason: Some("two weeks without a veto".into()),
        override_phase_rule: false,
        context: Some("sandbox".into()),
    };
    let applied = apply_policy(&client, &request, &w.audit)
        .await
        .expect("update the policy");
    assert!(!applied.created);
    assert!(applied.warnings.is_empty(), "{:?}", applied.warnings);

    let create = PolicyChangeRequest {
        namespace: "checkout".into(),
        base: None,
        base_resource_version: None,
        spec: TrustPolicySpec::default(),
        reason: None,
        ..request
    };
    let created = apply_policy(&client, &create, &w.audit)
        .await
        .expect("create a policy");
    assert!(created.created);
    assert!(created.warnings.is_empty(), "{:?}", created.warnings);
    let policy = w
        .admin::<TrustPolicy>(NS)
        .get(POLICY_NAME)
        .await
        .expect("policy");
    assert_eq!(policy.spec.phase, Phase::LimitedWrite);
    assert_eq!(
        policy.status.and_then(|s| s.last_changed_by).as_deref(),
        Some("alice")
    );
}

#[tokio::test]
async fn an_operator_publishes_and_sees_presence() {
    let w = World::new().await;
    let client = w.operator("alice");
    let alice = identity(&client).await;
    let bob_client = w.operator("bob");
    let bob = identity(&bob_client).await;

    publish_presence(
        &client,
        PRESENCE_NAMESPACE,
        &alice,
        "console-a",
        Some("proposal payments/x"),
    )
    .await
    .expect("create the Lease");
    publish_presence(&client, PRESENCE_NAMESPACE, &alice, "console-a", None)
        .await
        .expect("renew the Lease");
    publish_presence(&bob_client, PRESENCE_NAMESPACE, &bob, "console-b", None)
        .await
        .expect("bob's Lease");
    let mut present = Box::pin(watch_presence(client.clone(), PRESENCE_NAMESPACE));
    let users = tokio::time::timeout(PATIENCE, async {
        loop {
            let now = present.next().await.expect("presence stream");
            if now.len() == 2 {
                return now.into_iter().map(|p| p.user).collect::<Vec<_>>();
            }
        }
    })
    .await
    .expect("both present in time");
    assert_eq!(users, ["alice", "bob"]);
    withdraw_presence(&client, PRESENCE_NAMESPACE, &alice)
        .await
        .expect("delete the Lease");

    // Leases anywhere else are not the operator's.
    let elsewhere = publish_presence(&client, NS, &alice, "console-a", None)
        .await
        .expect_err("no Leases outside kubevigil-system");
    assert_eq!(
        elsewhere.to_string(),
        forbidden_message("alice", "patch", "leases", NS)
    );
}

/// The console's watches and log stream as `client`: everything lists, and
/// the agent's reasoning arrives.
async fn console_reads(w: &World, client: Client) {
    w.policy(NS, Phase::LimitedWrite).await;
    let job = w.job(NS, "inv-1").await;
    w.proposal(NS, "restart-1", &job, Risk::Medium).await;
    let pod = w
        .pod(NS, "inv-1", &[r#"{"type":"thought","text":"first"}"#])
        .await;

    let (tx, mut rx) = mpsc::channel(256);
    let redactor = Arc::new(Redactor::default());
    let _watchers = watch::spawn(client.clone(), None, 1, tx.clone(), Arc::clone(&redactor));
    let mut listed = Vec::new();
    while listed.len() < 3 {
        let source = wait_for(&mut rx, |a| match a {
            Action::InvestigationsListed { records, .. } if !records.is_empty() => {
                Some(Source::Investigations)
            }
            Action::ProposalsListed { records, .. } if !records.is_empty() => {
                Some(Source::Proposals)
            }
            Action::PoliciesListed { records, .. } if !records.is_empty() => Some(Source::Policies),
            _ => None,
        })
        .await;
        if !listed.contains(&source) {
            listed.push(source);
        }
    }

    let target = StreamTarget {
        stream: 9,
        investigation: "inv-1".into(),
        namespace: NS.into(),
        job_name: "inv-1".into(),
    };
    let stream = tokio::spawn(follow(client.clone(), target, tx, Arc::clone(&redactor)));
    let started = wait_for(&mut rx, |a| match a {
        Action::StreamStarted { stream: 9, pod } => Some(pod.clone()),
        Action::StreamEnded { stream: 9, error } => panic!("the log stream ended: {error:?}"),
        _ => None,
    })
    .await;
    assert_eq!(started, pod);
    w.server
        .append_log(NS, &pod, r#"{"type":"thought","text":"second"}"#);
    wait_for(&mut rx, |a| match a {
        Action::LogLines { stream: 9, entries } => entries
            .iter()
            .any(|e| matches!(&e.kind, EntryKind::Thought(t) if &**t == "second"))
            .then_some(()),
        Action::StreamEnded { stream: 9, error } => panic!("the log stream ended: {error:?}"),
        _ => None,
    })
    .await;
    stream.abort();
    let older = fetch_older(
        client,
        OlderRequest {
            namespace: NS.into(),
            pod,
            before: None,
            count: 1,
            tail_lines: 10,
            first_seq: 0,
        },
        redactor,
    )
    .await
    .expect("older lines");
    assert!(!older.is_empty());
}

#[tokio::test]
async fn an_operator_watches_everything_and_reads_the_reasoning() {
    let w = World::new().await;
    let client = w.operator("alice");
    console_reads(&w, client).await;
}

#[tokio::test]
async fn a_viewer_sees_everything_the_console_shows() {
    let w = World::new().await;
    let client = w.viewer("victor");
    console_reads(&w, client.clone()).await;
    assert_eq!(may_decide(&client, NS).await, Some(false));
}

#[tokio::test]
async fn a_viewer_is_refused_every_write_and_told_the_missing_right() {
    let w = World::new().await;
    let policy = w.policy(NS, Phase::LimitedWrite).await;
    let job = w.job(NS, "inv-1").await;
    w.proposal(NS, "restart-1", &job, Risk::Medium).await;
    w.job(NS, "inv-2").await;
    let client = w.viewer("victor");
    let victor = identity(&client).await;

    for verdict in [Verdict::Approve, Verdict::Veto] {
        let refused = w
            .decide(&client, &victor, "restart-1", verdict, Some("no"))
            .await
            .expect_err("a viewer cannot decide");
        assert!(
            matches!(refused, DecideError::Forbidden { .. }),
            "{refused:?}"
        );
        assert!(refused.pending().is_some(), "kept pending for a retry");
        assert_eq!(
            refused.to_string(),
            forbidden_message("victor", "update", "actionproposals/status", NS)
        );
    }

    let kill = w
        .decider(&client, &victor)
        .kill(NS, "inv-1", None)
        .await
        .expect_err("a viewer cannot kill");
    assert_eq!(
        kill.to_string(),
        forbidden_message("victor", "update", "actionproposals/status", NS)
    );
    let kill = w
        .decider(&client, &victor)
        .kill(NS, "inv-2", None)
        .await
        .expect_err("a viewer cannot delete a Job");
    assert_eq!(
        kill.to_string(),
        forbidden_message("victor", "delete", "jobs", NS)
    );

    let halt = w
        .decider(&client, &victor)
        .halt(NS, None)
        .await
        .expect_err("a viewer cannot halt");
    assert_eq!(
        halt.to_string(),
        forbidden_message("victor", "patch", "trustpolicies", NS)
    );
    let halt = w
        .decider(&client, &victor)
        .halt("checkout", None)
        .await
        .expect_err("a viewer cannot create a policy by halting");
    assert_eq!(
        halt.to_string(),
        forbidden_message("victor", "create", "trustpolicies", "checkout")
    );

    let change = PolicyChangeRequest {
        namespace: NS.to_string(),
        base: Some(policy.spec.clone()),
        base_resource_version: policy.resource_version(),
        spec: TrustPolicySpec {
            phase: Phase::Autonomous,
            ..policy.spec.clone()
        },
        actor: victor.clone(),
        reason: None,
        override_phase_rule: false,
        context: None,
    };
    match apply_policy(&client, &change, &w.audit).await {
        Err(PolicyApplyError::Failed(message)) => assert_eq!(
            message,
            forbidden_message("victor", "update", "trustpolicies", NS)
        ),
        other => panic!("a viewer cannot change a policy: {other:?}"),
    }

    let presence = publish_presence(&client, PRESENCE_NAMESPACE, &victor, "console-v", None)
        .await
        .expect_err("a viewer does not publish presence");
    assert_eq!(
        presence.to_string(),
        forbidden_message("victor", "patch", "leases", PRESENCE_NAMESPACE)
    );

    // Nothing changed.
    assert_eq!(w.state(NS, "restart-1").await, ProposalState::Pending);
    let jobs = w.admin::<Job>(NS);
    for name in ["inv-1", "inv-2"] {
        let job = jobs.get(name).await.expect("the Job is still there");
        assert_ne!(job.spec.and_then(|s| s.suspend), Some(true));
    }
    let kept = w
        .admin::<TrustPolicy>(NS)
        .get(POLICY_NAME)
        .await
        .expect("policy");
    assert_eq!(kept.spec.phase, Phase::LimitedWrite);
    let events = w
        .admin::<Event>(NS)
        .list(&ListParams::default())
        .await
        .expect("events");
    assert!(events.items.is_empty(), "{:?}", events.items);
}

/// The governor as its ServiceAccount; the proposals it should judge.
async fn governed(w: &World, client: Client) -> tokio::task::JoinHandle<()> {
    w.policy(NS, Phase::Autonomous).await;
    w.policy("checkout", Phase::LimitedWrite).await;
    let governor = tokio::spawn(kubevigil::governor::run(client));
    let job = w.job(NS, "inv-1").await;
    for (ns, name, risk) in [
        (NS, "scale-out", Risk::Low),
        (NS, "drop-table", Risk::Critical),
        ("checkout", "restart", Risk::Low),
    ] {
        w.admin::<ActionProposal>(ns)
            .create(
                &PostParams::default(),
                &proposal_manifest(ns, name, &job, risk),
            )
            .await
            .expect("the agent's proposal");
    }
    governor
}

#[tokio::test]
async fn the_governor_decides_by_rule_with_its_service_account() {
    let w = World::new().await;
    let client = w.service_account("kubevigil-system", "kubevigil-governor");
    let governor = governed(&w, client.clone()).await;
    for (ns, name, wanted) in [
        (NS, "scale-out", ProposalState::AutoApproved),
        (NS, "drop-table", ProposalState::Pending),
        ("checkout", "restart", ProposalState::Pending),
    ] {
        eventually(&format!("{ns}/{name} to become {wanted}"), || async {
            w.state(ns, name).await == wanted
        })
        .await;
    }
    // Its rights end there: no Jobs, no Pods, no policy changes.
    let jobs: Api<Job> = Api::namespaced(client.clone(), NS);
    let refused = jobs
        .delete("inv-1", &DeleteParams::default())
        .await
        .expect_err("the governor cannot delete Jobs");
    assert!(matches!(refused, kube::Error::Api(s) if s.code == 403));
    let pods: Api<Pod> = Api::namespaced(client, NS);
    assert!(pods.list(&ListParams::default()).await.is_err());
    governor.abort();
}

#[tokio::test]
async fn a_governor_bound_only_as_viewer_decides_nothing() {
    let w = World::new().await;
    let client = w.viewer("governor-without-its-role");
    let governor = governed(&w, client).await;
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let proposal = w
        .admin::<ActionProposal>(NS)
        .get("scale-out")
        .await
        .expect("proposal");
    assert!(proposal.status.is_none(), "{:?}", proposal.status);
    governor.abort();
}

#[tokio::test]
async fn an_agent_proposes_waits_and_reports_but_writes_nothing_else() {
    let w = World::new().await;
    w.policy(NS, Phase::LimitedWrite).await;
    let job = w.job(NS, "inv-1").await;
    let agent = w.service_account("kubevigil-agents", "kubevigil-agent-limitedwrite");
    let operator = w.operator("alice");
    let alice = identity(&operator).await;

    // What the sandbox agent does: read the policy, watch its Job, propose, wait.
    let policies: Api<TrustPolicy> = Api::namespaced(agent.clone(), NS);
    let policy = policies
        .get_opt(POLICY_NAME)
        .await
        .expect("read the policy");
    assert_eq!(policy.map(|p| p.spec.phase), Some(Phase::LimitedWrite));
    let jobs: Api<Job> = Api::namespaced(agent.clone(), NS);
    let selector = format!("{INVESTIGATION}=inv-1");
    let own = jobs
        .list(&ListParams::default().labels(&selector))
        .await
        .expect("list its Job");
    assert_eq!(own.items.len(), 1);
    let proposals: Api<ActionProposal> = Api::namespaced(agent.clone(), NS);
    proposals
        .create(
            &PostParams::default(),
            &proposal_manifest(NS, "restart-1", &job, Risk::Medium),
        )
        .await
        .expect("propose");
    let admin = w.admin::<ActionProposal>(NS);
    let spec = policies
        .get(POLICY_NAME)
        .await
        .expect("read the policy")
        .spec;
    update_status(&admin, "restart-1", |p| {
        Some(initial_status(&p.spec, Some(&spec), Timestamp::now()))
    })
    .await
    .expect("the governor's first status");
    let mut decisions = Box::pin(watcher::watcher(
        proposals.clone(),
        watcher::Config::default().labels(&selector),
    ));
    let first = tokio::time::timeout(PATIENCE, decisions.next())
        .await
        .expect("the watch answers");
    assert!(matches!(first, Some(Ok(_))), "{first:?}");
    w.decide(&operator, &alice, "restart-1", Verdict::Approve, None)
        .await
        .expect("approve");

    // Reporting the result is a status update, as the sandbox agent makes it.
    let reported = update_status(&proposals, "restart-1", |fresh| {
        let mut status = fresh.status.clone().unwrap_or_default();
        status.state = ProposalState::Executed;
        status.execution = Some(ExecutionResult {
            succeeded: true,
            message: "restarted".into(),
            at: None,
        });
        Some(status)
    })
    .await
    .expect("report the result");
    assert_eq!(reported.map(|p| p.state()), Some(ProposalState::Executed));

    // Nothing else: not its policy, not its Job, not the audit trail.
    let forbidden = |result: Result<_, kube::Error>| matches!(result, Err(kube::Error::Api(s)) if s.code == 403);
    let promote = json!({"spec": {"phase": "Autonomous"}});
    assert!(forbidden(
        policies
            .patch(
                POLICY_NAME,
                &PatchParams::default(),
                &Patch::Merge(&promote)
            )
            .await
            .map(|_| ())
    ));
    let suspend = json!({"spec": {"suspend": false}});
    assert!(forbidden(
        jobs.patch("inv-1", &PatchParams::default(), &Patch::Merge(&suspend))
            .await
            .map(|_| ())
    ));
    assert!(forbidden(
        jobs.delete("inv-1", &DeleteParams::default())
            .await
            .map(|_| ())
    ));
    assert!(forbidden(
        proposals
            .delete("restart-1", &DeleteParams::default())
            .await
            .map(|_| ())
    ));
    let events: Api<Event> = Api::namespaced(agent, NS);
    assert!(forbidden(
        events
            .create(&PostParams::default(), &Event::default())
            .await
            .map(|_| ())
    ));
}
