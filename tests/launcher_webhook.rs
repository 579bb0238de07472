//! The launcher against the API emulator: Alertmanager's webhook in, Jobs
//! out. Authentication and malformed payloads, the Job contract, dedup,
//! resolution and re-firing, the rate limit, admission by priority under
//! the namespace and cluster caps, halt, override and cancel, back pressure
//! and leadership.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test, bench or example may panic on what it sets up

mod common;

use common::launcher::{
    Harness, TOKEN, alert, annotation, apply_template, config, is_admitted, label, payload,
    post_json, resolved,
};
use common::world::create_policy;
use k8s_openapi::api::batch::v1::Job;
use k8s_openapi::api::core::v1::Event;
use kube::Api;
use kube::api::{ListParams, Patch, PatchParams};
use kubevigil::domain::policy::POLICY_NAME;
use kubevigil::domain::{Phase, TrustPolicy, TrustPolicySpec, labels};
use kubevigil::launcher::WEBHOOK_PATH;
use serde_json::json;
use std::time::Duration;

const NS: &str = "payments";
const WAIT: Duration = Duration::from_secs(15);

fn by_fingerprint<'a>(jobs: &'a [Job], fingerprint: &str) -> Vec<&'a Job> {
    jobs.iter()
        .filter(|j| label(j, labels::ALERT_FINGERPRINT) == Some(fingerprint))
        .collect()
}

async fn annotate(harness: &Harness, job: &Job, key: &str, value: &str) {
    let api = Api::<Job>::namespaced(
        harness.agent.clone(),
        job.metadata.namespace.as_deref().unwrap_or_default(),
    );
    let patch = json!({"metadata": {"annotations": {key: value}}});
    api.patch(
        job.metadata.name.as_deref().unwrap_or_default(),
        &PatchParams::default(),
        &Patch::Merge(&patch),
    )
    .await
    .expect("annotate the Job");
}

async fn job_of(harness: &Harness, fingerprint: &str) -> Job {
    let jobs = harness.jobs().await;
    by_fingerprint(&jobs, fingerprint)
        .first()
        .map(|j| (*j).clone())
        .unwrap_or_else(|| panic!("no Job for {fingerprint}"))
}

async fn events(harness: &Harness, namespace: &str, reason: &str) -> Vec<Event> {
    Api::<Event>::namespaced(harness.client.clone(), namespace)
        .list(&ListParams::default())
        .await
        .expect("list events")
        .items
        .into_iter()
        .filter(|e| e.reason.as_deref() == Some(reason))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_token_is_401_and_a_malformed_payload_is_400_with_the_reason() {
    let harness = Harness::start(config(), None).await;
    let body = payload(vec![alert(
        "HighLatency",
        "a1",
        NS,
        "critical",
        "2026-12-01T10:00:00Z",
    )])
    .to_string();
    let none = post_json(harness.addr, WEBHOOK_PATH, None, &body).await;
    assert_eq!(none.code, 401);
    let wrong = post_json(harness.addr, WEBHOOK_PATH, Some("not-the-token"), &body).await;
    assert_eq!(wrong.code, 401);
    let garbage = post_json(harness.addr, WEBHOOK_PATH, Some(TOKEN), "{\"version\": 4,").await;
    assert_eq!(garbage.code, 400);
    assert!(
        garbage.body.contains("not an Alertmanager webhook payload"),
        "{}",
        garbage.body
    );
    let no_name = payload(vec![json!({
        "status": "firing", "labels": {"namespace": NS}, "startsAt": "2026-12-01T10:00:00Z", "fingerprint": "a1"
    })]);
    let answer = harness.post(&no_name).await;
    assert_eq!(answer.code, 400);
    assert!(
        answer
            .body
            .contains("alerts[0]: the alert has no alertname label"),
        "{}",
        answer.body
    );
    assert!(
        harness.jobs().await.is_empty(),
        "nothing refused made a Job"
    );
    // The listener still serves after all that.
    assert_eq!(harness.post(&payload(vec![])).await.code, 200);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_alert_one_job_with_the_contract_dedup_resolution_and_refiring() {
    let harness = Harness::start(config(), None).await;
    let firing = alert(
        "HighLatency",
        "0a1b2c3d4e5f",
        NS,
        "critical",
        "2026-12-01T10:00:00Z",
    );
    let answer = harness.post(&payload(vec![firing.clone()])).await;
    assert_eq!(answer.code, 200, "{}", answer.body);
    assert_eq!(answer.json()["created"], 1);
    harness
        .wait("the Job is admitted", WAIT, || async {
            harness.jobs().await.iter().any(is_admitted)
        })
        .await;
    let job = job_of(&harness, "0a1b2c3d4e5f").await;
    assert_eq!(
        job.metadata.namespace.as_deref(),
        Some(NS),
        "created in the target namespace"
    );
    assert_eq!(label(&job, labels::TARGET_NAMESPACE), Some(NS));
    assert_eq!(label(&job, labels::SEVERITY), Some("critical"));
    assert_eq!(label(&job, labels::ALERTNAME), Some("HighLatency"));
    assert!(label(&job, labels::INVESTIGATION).is_some_and(|id| id.starts_with("highlatency-")));
    assert_eq!(
        annotation(&job, labels::TRIGGER),
        Some("HighLatency: HighLatency in payments")
    );
    assert_eq!(
        annotation(&job, labels::ALERT_STARTS_AT),
        Some("2026-12-01T10:00:00Z")
    );
    assert_eq!(
        annotation(&job, labels::QUEUE_REASON),
        None,
        "removed on admission"
    );
    let spec = job.spec.clone().expect("spec");
    assert_eq!(spec.backoff_limit, Some(0));
    assert_eq!(spec.active_deadline_seconds, Some(600));
    assert_eq!(spec.ttl_seconds_after_finished, Some(3600));
    let pod = spec.template.spec.expect("pod");
    assert_eq!(
        pod.service_account_name.as_deref(),
        Some("kubevigil-agent-shadow")
    );
    assert_eq!(
        pod.containers[0].image.as_deref(),
        Some(common::launcher::IMAGE)
    );
    assert!(
        pod.containers[0]
            .resources
            .as_ref()
            .and_then(|r| r.limits.as_ref())
            .is_some()
    );

    // The same alert again (Alertmanager repeats itself): no second Job.
    let again = harness.post(&payload(vec![firing.clone()])).await;
    assert_eq!(
        (again.code, again.json()["deduplicated"].clone()),
        (200, json!(1))
    );
    assert_eq!(harness.jobs().await.len(), 1);
    assert!(
        harness
            .metrics_text()
            .contains("kubevigil_launcher_alerts_deduplicated_total 1")
    );

    // Resolved: recorded on the investigation.
    let answer = harness.post(&payload(vec![resolved(firing.clone())])).await;
    assert_eq!(answer.json()["resolved"], 1, "{}", answer.body);
    let job = job_of(&harness, "0a1b2c3d4e5f").await;
    assert!(annotation(&job, labels::ALERT_RESOLVED_AT).is_some());

    // Firing again after resolution (a new startsAt): a new investigation.
    let refired = alert(
        "HighLatency",
        "0a1b2c3d4e5f",
        NS,
        "critical",
        "2026-12-01T11:00:00Z",
    );
    assert_eq!(
        harness.post(&payload(vec![refired])).await.json()["created"],
        1
    );
    let jobs = harness.jobs().await;
    assert_eq!(by_fingerprint(&jobs, "0a1b2c3d4e5f").len(), 2);
    let text = harness.metrics_text();
    assert!(
        text.contains("kubevigil_launcher_alerts_received_total 4"),
        "{text}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn only_matching_templates_start_investigations_the_highest_priority_first() {
    let harness = Harness::start(config(), None).await;
    apply_template(
        &harness.client,
        "default",
        json!({
            "matchers": [r#"team="sre""#],
            "job": {"image": "generic:1"}
        }),
    )
    .await;
    apply_template(
        &harness.client,
        "latency",
        json!({
            "matchers": [r#"team="sre""#, r#"alertname=~"High.*""#],
            "priority": 10,
            "targetNamespaceLabel": "service_namespace",
            "job": {"image": "latency:1", "serviceAccounts": {"shadow": "latency-agent"}}
        }),
    )
    .await;
    let mut latency = alert(
        "HighLatency",
        "b1",
        "ignored",
        "warning",
        "2026-12-01T10:00:00Z",
    );
    latency["labels"]["team"] = json!("sre");
    latency["labels"]["service_namespace"] = json!("web");
    let mut disk = alert("DiskFull", "b2", NS, "warning", "2026-12-01T10:00:00Z");
    disk["labels"]["team"] = json!("sre");
    let other_team = alert("DiskFull", "b3", NS, "warning", "2026-12-01T10:00:00Z");
    // Both templates are known once a throwaway alert that only the
    // latency template sends to `probe` lands there (until then the
    // default template may take it).
    let probes = std::sync::atomic::AtomicUsize::new(0);
    harness
        .wait("the latency template is known", WAIT, || async {
            let n = probes.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            let mut probe = alert(
                "HighProbe",
                &format!("ffff{n:04x}"),
                "ignored",
                "warning",
                "2026-12-01T10:00:00Z",
            );
            probe["labels"]["team"] = json!("sre");
            probe["labels"]["service_namespace"] = json!("probe");
            harness.post(&payload(vec![probe])).await;
            let jobs = harness.jobs().await;
            by_fingerprint(&jobs, &format!("ffff{n:04x}"))
                .first()
                .is_some_and(|j| j.metadata.namespace.as_deref() == Some("probe"))
        })
        .await;
    assert_eq!(
        harness.post(&payload(vec![latency.clone()])).await.json()["created"],
        1
    );
    let answer = harness.post(&payload(vec![disk, other_team])).await;
    assert_eq!(
        (
            answer.json()["created"].clone(),
            answer.json()["unmatched"].clone()
        ),
        (json!(1), json!(1))
    );
    let latency_job = job_of(&harness, "b1").await;
    assert_eq!(latency_job.metadata.namespace.as_deref(), Some("web"));
    let pod = latency_job.spec.and_then(|s| s.template.spec).expect("pod");
    assert_eq!(pod.containers[0].image.as_deref(), Some("latency:1"));
    assert_eq!(pod.service_account_name.as_deref(), Some("latency-agent"));
    let disk_job = job_of(&harness, "b2").await;
    let pod = disk_job.spec.and_then(|s| s.template.spec).expect("pod");
    assert_eq!(pod.containers[0].image.as_deref(), Some("generic:1"));
    assert!(
        harness
            .metrics_text()
            .contains("kubevigil_launcher_alerts_unmatched_total 1")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn queued_jobs_wait_for_their_namespace_and_run_by_bump_severity_and_age() {
    let mut config = config();
    config.max_investigations = 3;
    let harness = Harness::start(config, None).await;
    create_policy(
        harness.agent.clone(),
        NS,
        TrustPolicySpec {
            phase: Phase::LimitedWrite,
            max_concurrent_investigations: 1,
            ..TrustPolicySpec::default()
        },
    )
    .await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let probe = alert("Probe", "f0", NS, "critical", "2026-12-01T09:00:00Z");
    assert_eq!(
        harness.post(&payload(vec![probe])).await.json()["created"],
        1
    );
    let pod = job_of(&harness, "f0")
        .await
        .spec
        .and_then(|s| s.template.spec)
        .expect("pod");
    assert_eq!(
        pod.service_account_name.as_deref(),
        Some("kubevigil-agent-limitedwrite"),
        "the phase's account"
    );
    // Let the probe be the running one.
    harness
        .wait("the probe runs", WAIT, || async {
            job_of(&harness, "f0").await.spec.and_then(|s| s.suspend) == Some(false)
        })
        .await;
    let answer = harness
        .post(&payload(vec![
            alert("Old", "c1", NS, "warning", "2026-12-01T10:00:00Z"),
            alert("Info", "c2", NS, "info", "2026-12-01T10:01:00Z"),
            alert("New", "c3", NS, "critical", "2026-12-01T10:02:00Z"),
        ]))
        .await;
    assert_eq!(answer.json()["created"], 3, "{}", answer.body);
    harness
        .wait("the three wait for the namespace", WAIT, || async {
            let jobs = harness.jobs().await;
            ["c1", "c2", "c3"].iter().all(|f| {
                by_fingerprint(&jobs, f).iter().all(|j| {
                    !is_admitted(j)
                        && annotation(j, labels::QUEUE_REASON) == Some("namespace payments at 1/1")
                })
            })
        })
        .await;
    // An operator bumps the info one: it goes first.
    let info = job_of(&harness, "c2").await;
    annotate(
        &harness,
        &info,
        labels::PRIORITY_BUMPED_AT,
        "2026-12-01T10:05:00Z",
    )
    .await;
    let mut order = Vec::new();
    let mut running = "f0".to_string();
    for _ in 0..3 {
        let job = job_of(&harness, &running).await;
        harness
            .complete(NS, job.metadata.name.as_deref().unwrap_or_default())
            .await;
        let before = order.clone();
        let mut next = None;
        harness
            .wait("the next Job is admitted", WAIT, || async {
                let jobs = harness.jobs().await;
                let admitted: Vec<String> = ["c1", "c2", "c3"]
                    .iter()
                    .filter(|f| !before.contains(&f.to_string()))
                    .filter(|f| by_fingerprint(&jobs, f).iter().any(|j| is_admitted(j)))
                    .map(std::string::ToString::to_string)
                    .collect();
                admitted.len() == 1
            })
            .await;
        let jobs = harness.jobs().await;
        for f in ["c1", "c2", "c3"] {
            if !order.contains(&f.to_string())
                && by_fingerprint(&jobs, f).iter().any(|j| is_admitted(j))
            {
                next = Some(f.to_string());
            }
        }
        let next = next.expect("one admitted");
        // Never more than the namespace's one at a time.
        let running_now = jobs
            .iter()
            .filter(|j| is_admitted(j) && !kubevigil::domain::queue::is_finished(j))
            .count();
        assert_eq!(running_now, 1, "the namespace runs one at a time");
        order.push(next.clone());
        running = next;
    }
    assert_eq!(
        order,
        ["c2", "c3", "c1"],
        "bumped, then critical, then the warning"
    );
    let text = harness.metrics_text();
    assert!(
        text.contains("kubevigil_launcher_admission_latency_seconds_count 4"),
        "{text}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_cluster_cap_holds_a_halted_namespace_queues_overrides_and_cancels_are_honoured() {
    let mut config = config();
    config.max_investigations = 1;
    let harness = Harness::start(config, None).await;
    let mut policy = TrustPolicy::new(POLICY_NAME, TrustPolicySpec::default());
    policy.metadata.namespace = Some("frozen".into());
    policy.metadata.annotations = Some(
        [(
            kubevigil::decide::HALTED_FROM.to_string(),
            "LimitedWrite".to_string(),
        )]
        .into(),
    );
    Api::<TrustPolicy>::namespaced(harness.agent.clone(), "frozen")
        .create(&Default::default(), &policy)
        .await
        .expect("a halted policy");
    tokio::time::sleep(Duration::from_millis(300)).await;
    harness
        .post(&payload(vec![alert(
            "Held",
            "d1",
            "frozen",
            "critical",
            "2026-12-01T10:00:00Z",
        )]))
        .await;
    harness
        .wait("the halted namespace's Job waits", WAIT, || async {
            annotation(&job_of(&harness, "d1").await, labels::QUEUE_REASON)
                == Some("namespace frozen halted")
        })
        .await;
    harness
        .post(&payload(vec![
            alert("Runs", "d2", "web", "warning", "2026-12-01T10:00:00Z"),
            alert("Waits", "d3", "web", "critical", "2026-12-01T10:01:00Z"),
            alert("Cancelled", "d4", "web", "info", "2026-12-01T10:02:00Z"),
        ]))
        .await;
    harness
        .wait("one runs, the cluster is full", WAIT, || async {
            let jobs = harness.jobs().await;
            jobs.iter().filter(|j| is_admitted(j)).count() == 1
                && by_fingerprint(&jobs, "d2")
                    .iter()
                    .all(|j| annotation(j, labels::QUEUE_REASON) == Some("cluster at 1/1"))
        })
        .await;
    assert!(
        is_admitted(&job_of(&harness, "d3").await),
        "the critical one went first"
    );
    // Cancelled from the console: the launcher leaves it alone.
    let cancelled = job_of(&harness, "d4").await;
    annotate(
        &harness,
        &cancelled,
        labels::CANCELLED,
        r#"{"by":"oncall-1","at":"2026-12-01T10:03:00Z","reason":"noise"}"#,
    )
    .await;
    // An override admits the halted one past every cap, with an Event.
    let held = job_of(&harness, "d1").await;
    annotate(
        &harness,
        &held,
        labels::ADMIT_OVERRIDE,
        r#"{"by":"oncall-1","at":"2026-12-01T10:04:00Z","reason":"customer outage"}"#,
    )
    .await;
    harness
        .wait("the override admits it", WAIT, || async {
            is_admitted(&job_of(&harness, "d1").await)
        })
        .await;
    harness
        .wait("an Event records the override", WAIT, || async {
            events(&harness, "frozen", "AdmittedByOverride")
                .await
                .iter()
                .any(|e| {
                    e.message
                        .as_deref()
                        .is_some_and(|m| m.contains("oncall-1") && m.contains("customer outage"))
                })
        })
        .await;
    // The running one ends: the next in order is d2 (d4 is cancelled).
    let running = job_of(&harness, "d3").await;
    harness
        .complete("web", running.metadata.name.as_deref().unwrap_or_default())
        .await;
    let d1 = job_of(&harness, "d1").await;
    harness
        .complete("frozen", d1.metadata.name.as_deref().unwrap_or_default())
        .await;
    harness
        .wait("d2 runs", WAIT, || async {
            is_admitted(&job_of(&harness, "d2").await)
        })
        .await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert!(
        !is_admitted(&job_of(&harness, "d4").await),
        "a cancelled Job is never admitted"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_alert_storm_is_rate_limited_per_alertname_and_the_excess_recorded() {
    let mut config = config();
    config.alert_rate = "2/1m".parse().expect("rate");
    let harness = Harness::start(config, None).await;
    let storm: Vec<_> = (0..5)
        .map(|i| {
            alert(
                "PodCrashLooping",
                &format!("e{i}"),
                NS,
                "warning",
                "2026-12-01T10:00:00Z",
            )
        })
        .chain([alert(
            "DiskFull",
            "ef",
            NS,
            "warning",
            "2026-12-01T10:00:00Z",
        )])
        .collect();
    let answer = harness.post(&payload(storm)).await;
    assert_eq!(answer.code, 200);
    assert_eq!(
        (
            answer.json()["created"].clone(),
            answer.json()["rateLimited"].clone()
        ),
        (json!(3), json!(3))
    );
    assert_eq!(harness.jobs().await.len(), 3);
    let text = harness.metrics_text();
    assert!(
        text.contains(
            "kubevigil_launcher_alerts_rate_limited_total{alertname=\"PodCrashLooping\"} 3"
        ),
        "{text}"
    );
    let recorded = events(
        &harness,
        common::launcher::TEMPLATE_NAMESPACE,
        "AlertRateLimited",
    )
    .await;
    assert_eq!(recorded.len(), 1);
    let message = recorded[0].message.clone().unwrap_or_default();
    assert!(
        message.contains("3 firing alert(s) PodCrashLooping not investigated"),
        "{message}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn past_the_queue_bound_the_webhook_answers_503_and_retries_never_duplicate() {
    let mut config = config();
    config.max_investigations = 1;
    config.queue_bound = 2;
    let harness = Harness::start(config, None).await;
    let alerts: Vec<_> = (0..5)
        .map(|i| {
            alert(
                "Burst",
                &format!("{i:x}f"),
                NS,
                "warning",
                "2026-12-01T10:00:00Z",
            )
        })
        .collect();
    let first = harness.post(&payload(alerts.clone())).await;
    assert_eq!(first.code, 503, "{}", first.body);
    assert_eq!(first.retry_after.as_deref(), Some("1"));
    assert!(first.json()["created"].as_u64().unwrap_or(0) >= 2);
    // Alertmanager retries the whole batch until it is taken.
    for _ in 0..40 {
        let answer = harness.post(&payload(alerts.clone())).await;
        if answer.code == 200 {
            break;
        }
        assert_eq!(answer.code, 503);
        for job in harness.jobs().await.iter().filter(|j| is_admitted(j)) {
            if !kubevigil::domain::queue::is_finished(job) {
                harness
                    .complete(NS, job.metadata.name.as_deref().unwrap_or_default())
                    .await;
            }
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let jobs = harness.jobs().await;
    assert_eq!(jobs.len(), 5, "every alert has its Job");
    for alert in &alerts {
        let fingerprint = alert["fingerprint"].as_str().unwrap_or_default();
        assert_eq!(
            by_fingerprint(&jobs, fingerprint).len(),
            1,
            "{fingerprint} once"
        );
    }
    assert!(
        harness
            .metrics_text()
            .contains("kubevigil_launcher_alerts_refused_total")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_replica_that_does_not_lead_refuses_and_a_new_leader_rebuilds_the_queue() {
    let mut config = config();
    config.max_investigations = 1;
    let harness = Harness::start(config, None).await;
    harness
        .post(&payload(vec![
            alert("A", "a01", NS, "critical", "2026-12-01T10:00:00Z"),
            alert("B", "a02", NS, "warning", "2026-12-01T10:00:00Z"),
        ]))
        .await;
    harness
        .wait("one runs, one waits", WAIT, || async {
            let jobs = harness.jobs().await;
            jobs.len() == 2 && jobs.iter().filter(|j| is_admitted(j)).count() == 1
        })
        .await;
    harness.leading.send(false).expect("demote");
    harness
        .wait("it stops accepting", WAIT, || async {
            !harness.launcher.is_accepting()
        })
        .await;
    let refused = harness
        .post(&payload(vec![alert(
            "C",
            "a03",
            NS,
            "info",
            "2026-12-01T10:00:00Z",
        )]))
        .await;
    assert_eq!(refused.code, 503);
    assert!(refused.body.contains("does not lead"), "{}", refused.body);
    let running = job_of(&harness, "a01").await;
    harness
        .complete(NS, running.metadata.name.as_deref().unwrap_or_default())
        .await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert!(
        !is_admitted(&job_of(&harness, "a02").await),
        "no admission while not leading"
    );
    harness.leading.send(true).expect("promote");
    harness
        .wait(
            "the new leader admits the queued Job it found",
            WAIT,
            || async { is_admitted(&job_of(&harness, "a02").await) },
        )
        .await;
    assert_eq!(harness.launcher.counts(), (0, 1));
    let answer = harness
        .post(&payload(vec![alert(
            "A",
            "a01",
            NS,
            "critical",
            "2026-12-01T10:00:00Z",
        )]))
        .await;
    assert_eq!(
        answer.json()["deduplicated"],
        1,
        "dedup survives the leader change"
    );
}
