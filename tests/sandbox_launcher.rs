//! The sandbox runs through the launcher: its scenarios are Alertmanager
//! webhooks to the leading governor, the launcher creates and admits the
//! Jobs (queueing past a namespace's cap), and the simulated agent runtime
//! runs the pods of the admitted ones, each agent unwrapping the identity
//! the launcher minted (a token that will not unwrap is reported as a
//! possible interception).

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test, bench or example may panic on what it sets up

mod common;

use common::world::{sandbox_vault, sandbox_with_bao};
use k8s_openapi::ByteString;
use k8s_openapi::api::batch::v1::Job;
use k8s_openapi::api::core::v1::{Pod, Secret};
use kube::api::{DeleteParams, ListParams, ObjectMeta, PostParams};
use kube::{Api, Client, ResourceExt};
use kubevigil::domain::protocol::{EventKind, parse_line};
use kubevigil::domain::{InvestigationTemplate, labels};
use kubevigil::sandbox::agents::InvestigationRef;
use kubevigil::sandbox::agents::job::AGENT_IMAGE;
use kubevigil::sandbox::{Sandbox, SandboxOptions};
use std::collections::BTreeMap;
use std::time::Duration;

const PATIENCE: Duration = Duration::from_secs(60);

async fn quiet_sandbox() -> Sandbox {
    Sandbox::start(SandboxOptions {
        speed: 50.0,
        scenarios: false,
        ..SandboxOptions::default()
    })
    .await
    .expect("the sandbox starts")
}

fn client(sandbox: &Sandbox, user: &str) -> Client {
    sandbox.api().client(user).expect("a client")
}

async fn eventually<T, F: Future<Output = Option<T>>>(
    what: &str,
    mut probe: impl FnMut() -> F,
) -> T {
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
        .unwrap_or_else(|_| panic!("{what} within {PATIENCE:?}"))
}

fn label(job: &Job, key: &str) -> Option<String> {
    job.labels().get(key).cloned()
}

fn annotation(job: &Job, key: &str) -> Option<String> {
    job.annotations().get(key).cloned()
}

async fn pod_log(client: &Client, inv: &InvestigationRef) -> String {
    Api::<Pod>::namespaced(client.clone(), &inv.namespace)
        .logs(&inv.pod, &Default::default())
        .await
        .unwrap_or_default()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn alerts_become_jobs_the_launcher_admits_up_to_the_namespace_cap() {
    let sandbox = quiet_sandbox().await;
    let viewer = client(&sandbox, "viewer");
    let templates: Api<InvestigationTemplate> = Api::namespaced(viewer.clone(), "kubevigil-system");
    let template = templates
        .get("sim-agent")
        .await
        .expect("the sim-agent template");
    assert_eq!(template.spec.job.image, AGENT_IMAGE);

    // payments allows 3 at once; firewall waits for two approvals, so each holds its place.
    let handles: Vec<_> = (0..4)
        .map(|_| {
            sandbox
                .start_investigation("firewall", "payments")
                .expect("fired")
        })
        .collect();
    let jobs: Api<Job> = Api::namespaced(viewer.clone(), "payments");
    let launched = eventually("four launched Jobs, three admitted", || {
        let jobs = jobs.clone();
        async move {
            let listed = jobs
                .list(&ListParams::default().labels(labels::LAUNCHED_SELECTOR))
                .await
                .ok()?;
            let admitted = listed
                .items
                .iter()
                .filter(|j| label(j, labels::ADMISSION).as_deref() == Some("admitted"))
                .count();
            (listed.items.len() == 4 && admitted == 3).then_some(listed.items)
        }
    })
    .await;
    let queued: Vec<&Job> = launched
        .iter()
        .filter(|j| label(j, labels::ADMISSION).as_deref() == Some("queued"))
        .collect();
    assert_eq!(queued.len(), 1);
    let waiting = queued[0];
    assert_eq!(waiting.spec.as_ref().and_then(|s| s.suspend), Some(true));
    assert_eq!(
        annotation(waiting, labels::QUEUE_REASON).as_deref(),
        Some("namespace payments at 3/3")
    );
    // Admission records the phase it runs under (payments: LimitedWrite),
    // so a later halt does not rewrite its history; the queued one has none yet.
    assert_eq!(annotation(waiting, labels::PHASE), None);
    for job in launched.iter().filter(|j| !std::ptr::eq(*j, waiting)) {
        assert_eq!(
            annotation(job, labels::PHASE).as_deref(),
            Some("LimitedWrite")
        );
    }
    for job in &launched {
        assert_eq!(label(job, labels::ALERTNAME).as_deref(), Some("firewall"));
        assert_eq!(
            label(job, labels::ALERT_FINGERPRINT).map(|f| f.len()),
            Some(16)
        );
        assert!(
            annotation(job, labels::TRIGGER)
                .is_some_and(|t| t.starts_with("firewall: PaymentsAPIHighLatency")),
            "{:?}",
            annotation(job, labels::TRIGGER)
        );
    }
    // The runtime runs a pod for each admitted Job, none for the queued one.
    let pods: Api<Pod> = Api::namespaced(viewer.clone(), "payments");
    let pod_jobs = |pods: &[Pod]| -> Vec<String> {
        pods.iter()
            .filter_map(|p| p.labels().get("batch.kubernetes.io/job-name").cloned())
            .collect()
    };
    eventually("three pods", || {
        let pods = pods.clone();
        async move {
            let listed = pods.list(&ListParams::default()).await.ok()?;
            (pod_jobs(&listed.items).len() == 3).then_some(())
        }
    })
    .await;
    let waiting_name = waiting.name_any();
    let listed = pods.list(&ListParams::default()).await.expect("pods");
    assert!(!pod_jobs(&listed.items).contains(&waiting_name));

    // One ends (its Job deleted): the queued one is admitted and its pod runs.
    let oncall = client(&sandbox, "oncall-1");
    let running = handles
        .iter()
        .find(|h| h.investigation.job != waiting_name)
        .expect("a running one");
    Api::<Job>::namespaced(oncall.clone(), "payments")
        .delete(&running.investigation.job, &DeleteParams::background())
        .await
        .expect("deleted");
    let next = handles
        .iter()
        .find(|h| h.investigation.job == waiting_name)
        .expect("the handle of the queued one");
    eventually("the queued one runs", || {
        let (viewer, inv) = (viewer.clone(), next.investigation.clone());
        async move {
            let log = pod_log(&viewer, &inv).await;
            log.contains("sim-agent 0.4.2 starting").then_some(())
        }
    })
    .await;
    let admitted = jobs.get(&waiting_name).await.expect("the Job");
    assert_eq!(
        label(&admitted, labels::ADMISSION).as_deref(),
        Some("admitted")
    );
    assert_eq!(annotation(&admitted, labels::QUEUE_REASON), None);
    sandbox.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_resolved_alert_is_recorded_on_its_investigation() {
    let sandbox = quiet_sandbox().await;
    let viewer = client(&sandbox, "viewer");
    let handle = sandbox
        .start_investigation("certificate", "platform")
        .expect("fired");
    let jobs: Api<Job> = Api::namespaced(viewer.clone(), "platform");
    let job = eventually("the Job", || {
        let (jobs, name) = (jobs.clone(), handle.investigation.job.clone());
        async move { jobs.get_opt(&name).await.ok().flatten() }
    })
    .await;
    let fingerprint = label(&job, labels::ALERT_FINGERPRINT).expect("a fingerprint");
    sandbox.resolve_alert(&fingerprint).await;
    let resolved = eventually("alert resolved at T", || {
        let (jobs, name) = (jobs.clone(), handle.investigation.job.clone());
        async move {
            let job = jobs.get(&name).await.ok()?;
            annotation(&job, labels::ALERT_RESOLVED_AT)
        }
    })
    .await;
    assert!(resolved.parse::<jiff::Timestamp>().is_ok(), "{resolved}");
    sandbox.shutdown().await;
}

// ------------------------------------------------ with a real OpenBao ----

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_vault_the_agent_unwraps_the_identity_the_launcher_minted() {
    let sandbox = sandbox_with_bao().await;
    let vault = sandbox_vault(&sandbox);
    let viewer = client(&sandbox, "viewer");
    let handle = sandbox
        .start_investigation("rollout", "web")
        .expect("fired");
    let inv = handle.investigation.clone();
    eventually("the identity unwrapped", || {
        let (viewer, inv) = (viewer.clone(), inv.clone());
        async move {
            pod_log(&viewer, &inv)
                .await
                .contains("Unwrapped my identity once")
                .then_some(())
        }
    })
    .await;
    let job = Api::<Job>::namespaced(viewer.clone(), "web")
        .get(&inv.job)
        .await
        .expect("the Job");
    let accessor = annotation(&job, labels::VAULT_ACCESSOR).expect("an accessor");
    let token = vault
        .lookup_accessor(&accessor)
        .await
        .expect("a live token");
    assert_eq!(token.metadata.get("investigation"), Some(&inv.id));
    assert_eq!(annotation(&job, labels::IDENTITY_UNWRAP_FAILED), None);
    sandbox.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_identity_that_will_not_unwrap_is_reported_as_a_possible_interception() {
    let sandbox = sandbox_with_bao().await;
    let agent = client(&sandbox, kubevigil::sandbox::api::AGENT_USER);
    // A Job as the launcher admits it, whose Secret holds a wrapping token
    // someone else already used (here: one Vault never issued).
    let inv = InvestigationRef::new("rollout", "web");
    let secret = Secret {
        metadata: ObjectMeta {
            name: Some(format!("{}-vault", inv.job)),
            ..Default::default()
        },
        data: Some(BTreeMap::from([(
            "wrapped-token".to_string(),
            ByteString(b"hvs.already-unwrapped-by-someone".to_vec()),
        )])),
        ..Default::default()
    };
    Api::<Secret>::namespaced(agent.clone(), "web")
        .create(&PostParams::default(), &secret)
        .await
        .expect("the Secret");
    let mut job = kubevigil::sandbox::agents::job::job_manifest(
        &inv,
        kubevigil::sandbox::agents::job::Alert {
            trigger: "rollout: KubeDeploymentRolloutStuck: storefront",
            severity: "critical",
        },
        kubevigil::domain::Phase::LimitedWrite,
    );
    if let Some(l) = job.metadata.labels.as_mut() {
        l.insert(labels::ADMISSION.into(), labels::ADMISSION_ADMITTED.into());
        l.insert(labels::ALERTNAME.into(), "rollout".into());
    }
    Api::<Job>::namespaced(agent.clone(), "web")
        .create(&PostParams::default(), &job)
        .await
        .expect("the Job");
    let jobs: Api<Job> = Api::namespaced(agent.clone(), "web");
    let reason = eventually("the Job marked", || {
        let (jobs, name) = (jobs.clone(), inv.job.clone());
        async move { annotation(&jobs.get(&name).await.ok()?, labels::IDENTITY_UNWRAP_FAILED) }
    })
    .await;
    assert!(!reason.is_empty());
    let pods: Api<Pod> = Api::namespaced(agent.clone(), "web");
    let pod = pods
        .list(&ListParams::default().labels(&format!("batch.kubernetes.io/job-name={}", inv.job)))
        .await
        .expect("pods")
        .items
        .into_iter()
        .next()
        .expect("the pod the runtime started");
    let log = pods
        .logs(&pod.name_any(), &Default::default())
        .await
        .expect("the log");
    let errors: Vec<String> = log
        .lines()
        .filter_map(|line| match parse_line(line.as_bytes()).kind {
            EventKind::Error { message } => Some(message),
            _ => None,
        })
        .collect();
    assert!(
        errors.iter().any(|m| m.contains("possible interception")),
        "{errors:?}"
    );
    let finished = jobs.get(&inv.job).await.expect("the Job");
    assert_eq!(
        kubevigil::domain::investigation::state_of(&finished),
        kubevigil::domain::InvestigationState::Failed
    );
    sandbox.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_alert_fired_while_the_leader_is_replaced_is_not_lost() {
    let sandbox = Sandbox::start(SandboxOptions {
        speed: 50.0,
        scenarios: false,
        lease_duration: Duration::from_secs(3),
        ..SandboxOptions::default()
    })
    .await
    .expect("the sandbox starts");
    eventually("a leader", || async { sandbox.governors().leader() }).await;
    let killed = sandbox.governors().kill_leader().await.expect("killed");
    // Fired at once: refused connections and 503s are retried until the next leader takes it.
    let handle = sandbox
        .start_investigation("certificate", "platform")
        .expect("fired");
    let jobs: Api<Job> = Api::namespaced(client(&sandbox, "viewer"), "platform");
    let job = eventually("the Job, admitted", || {
        let (jobs, name) = (jobs.clone(), handle.investigation.job.clone());
        async move {
            let job = jobs.get_opt(&name).await.ok().flatten()?;
            (label(&job, labels::ADMISSION).as_deref() == Some("admitted")).then_some(job)
        }
    })
    .await;
    assert_ne!(sandbox.governors().leader(), Some(killed));
    assert_eq!(
        label(&job, labels::ALERTNAME).as_deref(),
        Some("certificate")
    );
    sandbox.shutdown().await;
}
