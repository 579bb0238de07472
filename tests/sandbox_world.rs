//! The sandbox's world, seen from outside as kubectl sees it: the objects
//! the scenarios are about exist, controllers move their status (a rollout
//! stalls and completes, a crash-looping Pod restarts, a Job past its
//! deadline fails, a finished one goes after its TTL), an approved action
//! changes the object for real, and its rollback restores it.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test, bench or example may panic on what it sets up

mod common;

use common::world::{audit_log, sandbox_vault, sandbox_with_bao};
use jiff::Timestamp;
use k8s_openapi::api::apps::v1::{Deployment, ReplicaSet};
use k8s_openapi::api::batch::v1::Job;
use k8s_openapi::api::core::v1::{ConfigMap, Node, Pod};
use k8s_openapi::api::networking::v1::NetworkPolicy;
use kube::api::{ListParams, Patch, PatchParams, PostParams};
use kube::{Api, Client, ResourceExt};
use kubevigil::decide::{Decider, PendingDecision, whoami};
use kubevigil::domain::{ActionProposal, ProposalState, ProposedAction, Verdict};
use kubevigil::sandbox::agents::{InvestigationRef, Outcome, kubectl, scenarios, stage};
use kubevigil::sandbox::api::{ApiConfig, ApiServer};
use kubevigil::sandbox::{InvestigationHandle, Sandbox, SandboxOptions};
use kubevigil::vault::Vault;
use serde_json::{Value, json};
use std::sync::Arc;
use std::time::Duration;

const PATIENCE: Duration = Duration::from_secs(60);

async fn quiet_sandbox() -> Sandbox {
    Sandbox::start(SandboxOptions {
        speed: 50.0,
        scenarios: false,
        flaky: false,
        ..SandboxOptions::default()
    })
    .await
    .expect("the sandbox starts")
}

/// Polls `probe` until it gives a value (or gives up after [`PATIENCE`]).
async fn eventually<T, F, Fut>(what: &str, mut probe: F) -> T
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Option<T>>,
{
    let poll = async {
        loop {
            if let Some(found) = probe().await {
                return found;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    };
    tokio::time::timeout(PATIENCE, poll)
        .await
        .unwrap_or_else(|_| panic!("never: {what}"))
}

async fn pending_proposal(client: &Client, inv: &InvestigationRef) -> ActionProposal {
    let api: Api<ActionProposal> = Api::namespaced(client.clone(), &inv.namespace);
    let name = format!("{}-1", inv.job);
    eventually("a pending proposal", || {
        let (api, name) = (api.clone(), name.clone());
        async move {
            api.get_opt(&name).await.ok().flatten().filter(|p| {
                p.status
                    .as_ref()
                    .is_some_and(|s| s.state == ProposalState::Pending)
            })
        }
    })
    .await
}

/// Approves as the user `client` acts for, through the product's decision path.
async fn approve(client: &Client, proposal: &ActionProposal, vault: Option<Arc<Vault>>) {
    let (_data, audit) = audit_log();
    let request = PendingDecision {
        identity: whoami(client, None).await,
        namespace: proposal.namespace().expect("namespaced"),
        proposal: proposal.name_any(),
        verdict: Verdict::Approve,
        reason: None,
        edited_action: None,
        proposal_uid: proposal.metadata.uid.clone(),
        shown_digest: Some(proposal.effective_action().digest()),
        context: "sandbox".to_string(),
        first_tried_at: Timestamp::now(),
    };
    Decider::new(client.clone(), request.identity.clone())
        .with_audit(audit)
        .with_vault(vault)
        .decide(&request)
        .await
        .unwrap_or_else(|e| panic!("{}: {e}", request.describe()));
}

async fn outcome_of(handle: InvestigationHandle) -> Outcome {
    tokio::time::timeout(PATIENCE, handle.task)
        .await
        .expect("the agent finishes in time")
        .expect("the agent task does not panic")
        .expect("the agent does not fail")
}

/// `kubectl get <what> -o json` against the sandbox, when kubectl is on PATH.
async fn kubectl_json(sandbox: &Sandbox, args: &[&str]) -> Option<Value> {
    let found = std::env::var_os("PATH")
        .is_some_and(|path| std::env::split_paths(&path).any(|dir| dir.join("kubectl").is_file()));
    if !found {
        eprintln!("kubectl is not on PATH: the kubectl check is skipped");
        return None;
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let kubeconfig = dir.path().join("kubeconfig");
    sandbox
        .write_kubeconfig(&kubeconfig, "viewer")
        .expect("kubeconfig");
    let output = tokio::process::Command::new("kubectl")
        .arg("--kubeconfig")
        .arg(&kubeconfig)
        .args(args)
        .args(["-o", "json"])
        .env_remove("KUBECONFIG")
        .output()
        .await
        .expect("kubectl runs");
    assert!(
        output.status.success(),
        "kubectl {args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    Some(serde_json::from_slice(&output.stdout).expect("kubectl prints JSON"))
}

fn image(deployment: &Deployment) -> String {
    deployment
        .spec
        .as_ref()
        .and_then(|s| s.template.spec.as_ref())
        .and_then(|s| s.containers.first())
        .and_then(|c| c.image.clone())
        .unwrap_or_default()
}

fn ready_of(set: &ReplicaSet) -> i32 {
    set.status
        .as_ref()
        .and_then(|s| s.ready_replicas)
        .unwrap_or(0)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_world_holds_nodes_a_stalled_rollout_and_crash_looping_pods() {
    let sandbox = quiet_sandbox().await;
    let viewer = sandbox.api().client("viewer").expect("client");
    let nodes = Api::<Node>::all(viewer.clone())
        .list(&ListParams::default())
        .await
        .expect("nodes");
    assert_eq!(nodes.items.len(), 3);

    // storefront: 2.13.4 still serves, the 2.14.0 ReplicaSet never gets ready.
    let storefront = Api::<Deployment>::namespaced(viewer.clone(), "web")
        .get("storefront")
        .await
        .expect("storefront");
    assert!(image(&storefront).ends_with("storefront:2.14.0"));
    let sets = Api::<ReplicaSet>::namespaced(viewer.clone(), "web")
        .list(&ListParams::default().labels("app=storefront"))
        .await
        .expect("replicasets")
        .items;
    assert_eq!(sets.len(), 2, "one ReplicaSet per template");
    let (new, old): (Vec<_>, Vec<_>) = sets.iter().partition(|s| {
        s.spec
            .as_ref()
            .and_then(|s| s.template.as_ref())
            .and_then(|t| t.spec.as_ref())
            .is_some_and(|s| {
                s.containers[0]
                    .image
                    .as_deref()
                    .unwrap_or("")
                    .ends_with("2.14.0")
            })
    });
    assert_eq!(ready_of(old[0]), 5, "the old pods keep serving");
    assert_eq!(ready_of(new[0]), 0, "the new pods fail readiness");
    let status = storefront.status.expect("a status");
    assert_eq!(status.updated_replicas, Some(3));
    assert_eq!(status.available_replicas, Some(5));

    // ingest-api: every pod crash-loops on FLUSH_INTERVAL "30".
    let config = Api::<ConfigMap>::namespaced(viewer.clone(), "data")
        .get("ingest-api-config")
        .await
        .expect("the ConfigMap");
    assert_eq!(
        config
            .data
            .expect("data")
            .get("FLUSH_INTERVAL")
            .map(String::as_str),
        Some("30")
    );
    let pods = Api::<Pod>::namespaced(viewer.clone(), "data")
        .list(&ListParams::default().labels("app=ingest-api"))
        .await
        .expect("pods")
        .items;
    assert_eq!(pods.len(), 3);
    for pod in &pods {
        let container = &pod
            .status
            .as_ref()
            .expect("status")
            .container_statuses
            .as_ref()
            .expect("containers")[0];
        let waiting = container.state.as_ref().and_then(|s| s.waiting.as_ref());
        assert_eq!(
            waiting.and_then(|w| w.reason.as_deref()),
            Some("CrashLoopBackOff")
        );
        assert!(
            pod.spec
                .as_ref()
                .and_then(|s| s.node_name.as_deref())
                .is_some_and(|n| n.starts_with("sandbox-pool-"))
        );
    }

    // payments-api-egress as NET-4471 left it: the database only.
    let policy = Api::<NetworkPolicy>::namespaced(viewer.clone(), "payments")
        .get("payments-api-egress")
        .await
        .expect("the policy");
    assert_eq!(policy.spec.expect("spec").egress.expect("egress").len(), 1);

    if let Some(listed) = kubectl_json(
        &sandbox,
        &["get", "pods", "-n", "data", "-l", "app=ingest-api"],
    )
    .await
    {
        let items = listed["items"].as_array().expect("items");
        assert_eq!(items.len(), 3);
        assert_eq!(
            items[0]["status"]["containerStatuses"][0]["state"]["waiting"]["reason"],
            "CrashLoopBackOff"
        );
    }
    sandbox.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_approved_rollback_changes_the_deployment_and_its_rollback_restores_it() {
    let sandbox = quiet_sandbox().await;
    let oncall = sandbox.api().client("oncall-1").expect("client");
    let deployments: Api<Deployment> = Api::namespaced(oncall.clone(), "web");
    let before = deployments.get("storefront").await.expect("storefront");
    let handle = sandbox
        .start_investigation("rollout", "web")
        .expect("started");
    let inv = handle.investigation.clone();
    let pending = pending_proposal(&oncall, &inv).await;

    // The evidence is the world: the agent listed the two real ReplicaSets.
    let log = Api::<Pod>::namespaced(oncall.clone(), "web")
        .logs(&inv.pod, &Default::default())
        .await
        .expect("the agent's log");
    let sets = Api::<ReplicaSet>::namespaced(oncall.clone(), "web")
        .list(&ListParams::default().labels("app=storefront"))
        .await
        .expect("replicasets");
    for set in &sets.items {
        assert!(
            log.contains(&set.name_any()),
            "{} not in the evidence:\n{log}",
            set.name_any()
        );
    }
    assert!(log.contains("DESIRED   CURRENT   READY"), "{log}");

    // The preview is a real server-side dry run: it shows 2.13.4, and stores nothing.
    let preview = pending.spec.preview.clone().expect("a preview");
    let dry_run = preview.dry_run.expect("a dry run");
    let diff = preview.diff.expect("a diff");
    assert!(dry_run.contains("storefront:2.13.4"), "{dry_run}");
    assert!(
        diff.starts_with("--- a/apps/v1/Deployment/web/storefront"),
        "{diff}"
    );
    assert!(
        diff.contains("-        image: registry.example.com/web/storefront:2.14.0"),
        "{diff}"
    );
    assert!(
        diff.contains("+        image: registry.example.com/web/storefront:2.13.4"),
        "{diff}"
    );
    let untouched = deployments.get("storefront").await.expect("storefront");
    assert_eq!(untouched.spec, before.spec, "the dry run changed nothing");

    approve(&oncall, &pending, None).await;
    assert_eq!(outcome_of(handle).await, Outcome::Executed);

    // The patch is a fact kubectl can see, and the rollout completes.
    let fixed = deployments.get("storefront").await.expect("storefront");
    assert!(
        image(&fixed).ends_with("storefront:2.13.4"),
        "{}",
        image(&fixed)
    );
    assert!(
        fixed
            .managed_fields()
            .iter()
            .any(|f| f.manager.as_deref() == Some(kubectl::FIELD_MANAGER)),
        "the agent's write is recorded under its field manager"
    );
    if let Some(seen) =
        kubectl_json(&sandbox, &["get", "deployment", "storefront", "-n", "web"]).await
    {
        assert_eq!(
            seen["spec"]["template"]["spec"]["containers"][0]["image"],
            "registry.example.com/web/storefront:2.13.4"
        );
    }
    eventually("the rollout completes", || {
        let deployments = deployments.clone();
        async move {
            let status = deployments.get("storefront").await.ok()?.status?;
            (status.updated_replicas == Some(6)
                && status.available_replicas == Some(6)
                && status.replicas == Some(6))
            .then_some(())
        }
    })
    .await;

    // The proposal's rollback restores the Deployment's spec as it was.
    let rollback: ProposedAction = pending.spec.rollback.clone().expect("a rollback");
    kubectl::run(&oncall, &rollback, false)
        .await
        .expect("the rollback applies");
    let restored = deployments.get("storefront").await.expect("storefront");
    assert_eq!(restored.spec, before.spec, "the rollback restores the spec");
    if let Some(seen) =
        kubectl_json(&sandbox, &["get", "deployment", "storefront", "-n", "web"]).await
    {
        assert_eq!(
            seen["spec"]["template"]["spec"]["containers"][0]["image"],
            "registry.example.com/web/storefront:2.14.0"
        );
    }
    sandbox.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_vault_the_write_goes_out_with_the_minted_credential_and_rolls_back() {
    let sandbox = sandbox_with_bao().await;
    let vault = Arc::new(sandbox_vault(&sandbox));
    let oncall = sandbox.api().client("oncall-1").expect("client");
    let oncall_2 = sandbox.api().client("oncall-2").expect("client");
    let policies: Api<NetworkPolicy> = Api::namespaced(oncall.clone(), "payments");
    let before = policies
        .get("payments-api-egress")
        .await
        .expect("the policy");
    let handle = sandbox
        .start_investigation("firewall", "payments")
        .expect("started");
    let inv = handle.investigation.clone();
    let pending = pending_proposal(&oncall, &inv).await;
    approve(&oncall, &pending, Some(vault.clone())).await;
    let half = pending_proposal(&oncall, &inv).await;
    approve(&oncall_2, &half, Some(vault.clone())).await;
    assert_eq!(outcome_of(handle).await, Outcome::Executed);

    let after = policies
        .get("payments-api-egress")
        .await
        .expect("the policy");
    let egress = after.spec.clone().expect("spec").egress.expect("egress");
    assert_eq!(
        egress.len(),
        3,
        "the JSON patch added pgbouncer and 443 back"
    );
    if let Some(seen) = kubectl_json(
        &sandbox,
        &[
            "get",
            "networkpolicy",
            "payments-api-egress",
            "-n",
            "payments",
        ],
    )
    .await
    {
        assert_eq!(seen["spec"]["egress"].as_array().map(Vec::len), Some(3));
    }
    // The namespace writer's credential is out of reach without the minted token.
    let writer_path = kubevigil::sandbox::agents::kubernetes_credential_path("payments");
    let (investigation_token, _) = vault
        .create_investigation_token("outsider", &["kubevigil-investigation".to_string()], 60)
        .await
        .expect("a token");
    let as_investigation = Vault::connect(kubevigil::vault::VaultSettings {
        token: investigation_token,
        ..vault.settings().clone()
    })
    .expect("a client");
    let read: Result<Value, _> =
        vaultrs::kv2::read(as_investigation.client(), "secret", &writer_path).await;
    assert!(read.is_err(), "an investigation's own token cannot read it");

    let rollback = pending.spec.rollback.clone().expect("a rollback");
    kubectl::run(&oncall, &rollback, false)
        .await
        .expect("the rollback applies");
    let restored = policies
        .get("payments-api-egress")
        .await
        .expect("the policy");
    assert_eq!(
        restored.spec, before.spec,
        "the rollback restores the policy"
    );
    sandbox.shutdown().await;
}

/// A bare emulator whose kubelet restarts crashing containers fast.
async fn fast_world() -> ApiServer {
    let _ = rustls::crypto::ring::default_provider().install_default();
    ApiServer::start(ApiConfig {
        crash_backoff: Duration::from_millis(200),
        controller_interval: Duration::from_millis(100),
        ..ApiConfig::default()
    })
    .await
    .expect("the emulator starts")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_crash_looping_pod_restarts_until_its_config_is_fixed() {
    let server = fast_world().await;
    let client = server.client("oncall-1").expect("client");
    stage::create_nodes(&client).await.expect("nodes");
    let scenario = scenarios::by_key("crashloop").expect("crashloop");
    stage::ensure(&client, scenario, "data")
        .await
        .expect("staged");
    let pods: Api<Pod> = Api::namespaced(client.clone(), "data");
    let restarts = |pod: &Pod| {
        pod.status
            .as_ref()
            .and_then(|s| s.container_statuses.as_ref())
            .map_or(0, |c| c[0].restart_count)
    };
    eventually("three pods restarted at least twice", || {
        let pods = pods.clone();
        async move {
            let listed = pods
                .list(&ListParams::default().labels("app=ingest-api"))
                .await
                .ok()?;
            (listed.items.len() == 3 && listed.items.iter().all(|p| restarts(p) >= 2)).then_some(())
        }
    })
    .await;
    let crashed = pods
        .list(&ListParams::default().labels("app=ingest-api"))
        .await
        .expect("pods")
        .items;
    let log = pods
        .logs(&crashed[0].name_any(), &Default::default())
        .await
        .expect("the pod log");
    assert!(log.contains("missing unit in duration"), "{log}");

    // Fixing the ConfigMap: at their next restart, the pods come up ready.
    Api::<ConfigMap>::namespaced(client.clone(), "data")
        .patch(
            "ingest-api-config",
            &PatchParams::default(),
            &Patch::Merge(json!({"data": {"FLUSH_INTERVAL": "30s"}})),
        )
        .await
        .expect("the fix");
    eventually("every pod ready", || {
        let pods = pods.clone();
        async move {
            let listed = pods
                .list(&ListParams::default().labels("app=ingest-api"))
                .await
                .ok()?;
            listed
                .items
                .iter()
                .all(|p| {
                    p.status
                        .as_ref()
                        .and_then(|s| s.container_statuses.as_ref())
                        .is_some_and(|c| c[0].ready)
                })
                .then_some(())
        }
    })
    .await;
    server.shutdown().await;
}

fn job(name: &str, spec: Value) -> Job {
    serde_json::from_value(json!({
        "apiVersion": "batch/v1",
        "kind": "Job",
        "metadata": {"name": name},
        "spec": spec,
    }))
    .expect("a Job")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_job_past_its_deadline_fails_and_a_finished_one_goes_after_its_ttl() {
    let server = fast_world().await;
    let client = server.client("oncall-1").expect("client");
    let jobs: Api<Job> = Api::namespaced(client.clone(), "data");
    let template = json!({"spec": {"restartPolicy": "Never", "containers": [{"name": "agent", "image": "agent"}]}});
    let now = Timestamp::now().strftime("%Y-%m-%dT%H:%M:%SZ").to_string();

    // Running, with a 1 s deadline.
    jobs.create(
        &PostParams::default(),
        &job(
            "overdue",
            json!({"activeDeadlineSeconds": 1, "template": template}),
        ),
    )
    .await
    .expect("created");
    jobs.patch_status(
        "overdue",
        &PatchParams::default(),
        &Patch::Merge(json!({"status": {"startTime": now, "active": 1}})),
    )
    .await
    .expect("running");
    let failed = eventually("DeadlineExceeded", || {
        let jobs = jobs.clone();
        async move {
            let job = jobs.get("overdue").await.ok()?;
            let conditions = job.status.clone()?.conditions?;
            conditions
                .iter()
                .any(|c| {
                    c.type_ == "Failed"
                        && c.status == "True"
                        && c.reason.as_deref() == Some("DeadlineExceeded")
                })
                .then_some(job)
        }
    })
    .await;
    let status = failed.status.expect("status");
    assert_eq!(status.active, Some(0));

    // Finished, kept 1 s.
    jobs.create(
        &PostParams::default(),
        &job(
            "done",
            json!({"ttlSecondsAfterFinished": 1, "template": template}),
        ),
    )
    .await
    .expect("created");
    jobs.patch_status(
        "done",
        &PatchParams::default(),
        &Patch::Merge(json!({"status": {
            "startTime": now, "completionTime": now, "succeeded": 1,
            "conditions": [{"type": "Complete", "status": "True", "lastTransitionTime": now}],
        }})),
    )
    .await
    .expect("finished");
    eventually("the finished Job deleted", || {
        let jobs = jobs.clone();
        async move { jobs.get_opt("done").await.ok()?.is_none().then_some(()) }
    })
    .await;
    // The overdue one has a TTL of none: it stays, failed.
    assert!(jobs.get_opt("overdue").await.expect("read").is_some());
    server.shutdown().await;
}

fn action(
    kind: kubevigil::domain::ActionKind,
    api_version: &str,
    target: &str,
    ns: &str,
    name: &str,
) -> ProposedAction {
    ProposedAction {
        kind,
        target: kubevigil::domain::ActionTarget {
            api_version: api_version.into(),
            kind: target.into(),
            namespace: ns.into(),
            name: name.into(),
        },
        patch: None,
        patch_type: None,
        command: None,
        replicas: None,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn scale_rollout_restart_and_delete_are_real_and_dry_runs_store_nothing() {
    use kubevigil::domain::ActionKind;
    let sandbox = quiet_sandbox().await;
    let oncall = sandbox.api().client("oncall-1").expect("client");

    // Scale, through the /scale subresource as kubectl scale does.
    let mut scale_out = action(
        ActionKind::Scale,
        "apps/v1",
        "Deployment",
        "checkout",
        "cart-service",
    );
    scale_out.replicas = Some(6);
    let previewed = kubectl::dry_run(&oncall, &scale_out)
        .await
        .expect("a dry run");
    assert!(
        previewed.diff.contains("-  replicas: 4") && previewed.diff.contains("+  replicas: 6"),
        "{}",
        previewed.diff
    );
    let carts: Api<Deployment> = Api::namespaced(oncall.clone(), "checkout");
    assert_eq!(
        carts
            .get_scale("cart-service")
            .await
            .expect("scale")
            .spec
            .and_then(|s| s.replicas),
        Some(4)
    );
    kubectl::run(&oncall, &scale_out, false)
        .await
        .expect("scaled");
    eventually("six cart-service pods", || {
        let carts = carts.clone();
        async move {
            let status = carts.get("cart-service").await.ok()?.status?;
            (status.replicas == Some(6) && status.ready_replicas == Some(6)).then_some(())
        }
    })
    .await;
    if kubectl_json(
        &sandbox,
        &["get", "deployment", "cart-service", "-n", "checkout"],
    )
    .await
    .is_some()
    {
        let dir = tempfile::tempdir().expect("tempdir");
        let kubeconfig = dir.path().join("kubeconfig");
        sandbox
            .write_kubeconfig(&kubeconfig, "oncall-1")
            .expect("kubeconfig");
        let output = tokio::process::Command::new("kubectl")
            .arg("--kubeconfig")
            .arg(&kubeconfig)
            .args([
                "scale",
                "deployment/cart-service",
                "-n",
                "checkout",
                "--replicas=4",
            ])
            .env_remove("KUBECONFIG")
            .output()
            .await
            .expect("kubectl runs");
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
        let spec = carts
            .get("cart-service")
            .await
            .expect("cart-service")
            .spec
            .expect("spec");
        assert_eq!(spec.replicas, Some(4), "kubectl scale changed it");
    }

    // Rollout restart: a new template, so a new ReplicaSet.
    let restart = action(
        ActionKind::RolloutRestart,
        "apps/v1",
        "Deployment",
        "data",
        "ingest-api",
    );
    kubectl::run(&oncall, &restart, false)
        .await
        .expect("restarted");
    let ingest = Api::<Deployment>::namespaced(oncall.clone(), "data")
        .get("ingest-api")
        .await
        .expect("ingest-api");
    let annotations = ingest
        .spec
        .expect("spec")
        .template
        .metadata
        .expect("metadata")
        .annotations
        .expect("annotations");
    assert!(annotations.contains_key("kubectl.kubernetes.io/restartedAt"));
    eventually("a second ReplicaSet", || {
        let client = oncall.clone();
        async move {
            let sets = Api::<ReplicaSet>::namespaced(client, "data")
                .list(&ListParams::default().labels("app=ingest-api"))
                .await
                .ok()?;
            (sets.items.len() == 2).then_some(())
        }
    })
    .await;

    // Delete: a dry run keeps the Secret, the real one removes it.
    let delete = action(ActionKind::Delete, "v1", "Secret", "platform", "shop-tls");
    let secrets: Api<k8s_openapi::api::core::v1::Secret> =
        Api::namespaced(oncall.clone(), "platform");
    let previewed = kubectl::dry_run(&oncall, &delete).await.expect("a dry run");
    assert!(
        previewed.diff.contains("+++ /dev/null"),
        "{}",
        previewed.diff
    );
    assert!(secrets.get_opt("shop-tls").await.expect("read").is_some());
    kubectl::run(&oncall, &delete, false)
        .await
        .expect("deleted");
    assert!(secrets.get_opt("shop-tls").await.expect("read").is_none());
    let again = kubectl::run(&oncall, &delete, false)
        .await
        .expect_err("already gone");
    assert!(
        again
            .to_string()
            .starts_with("Error from server (NotFound)"),
        "{again}"
    );
    sandbox.shutdown().await;
}
