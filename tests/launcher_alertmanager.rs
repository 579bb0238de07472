//! The launcher behind a real Alertmanager (Debian's prometheus-alertmanager,
//! installed when missing): alerts fired through Alertmanager's API reach
//! the webhook with the bearer token and become Jobs; Alertmanager's repeats
//! are deduplicated; resolution is recorded and a new firing starts a new
//! investigation; queued Jobs run by severity; past the queue bound the 503s
//! make Alertmanager retry until every alert has exactly one Job.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test, bench or example may panic on what it sets up

mod common;

use common::alertmanager::{Alertmanager, api_alert, ended};
use common::launcher::{Harness, TOKEN, annotation, config, is_admitted, label};
use k8s_openapi::api::batch::v1::Job;
use kubevigil::domain::labels;
use kubevigil::domain::queue::is_finished;
use kubevigil::launcher::WEBHOOK_PATH;
use std::time::Duration;

const WAIT: Duration = Duration::from_secs(30);

fn ago(seconds: i64) -> String {
    (jiff::Timestamp::now() - jiff::SignedDuration::from_secs(seconds)).to_string()
}

fn named<'a>(jobs: &'a [Job], alertname: &str) -> Vec<&'a Job> {
    jobs.iter()
        .filter(|j| label(j, labels::ALERTNAME) == Some(alertname))
        .collect()
}

async fn count(harness: &Harness, alertname: &str) -> usize {
    named(&harness.jobs().await, alertname).len()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn alertmanager_alerts_become_jobs_repeats_dedup_resolution_is_recorded_refiring_starts_anew()
{
    let harness = Harness::start(config(), None).await;
    let am = Alertmanager::start(harness.addr, WEBHOOK_PATH, TOKEN).await;
    let started = ago(60);
    let latency = api_alert("HighLatency", "payments", "critical", &started);
    let disk = api_alert("DiskFull", "web", "warning", &started);
    assert_eq!(am.fire(&[latency.clone(), disk.clone()]).await, 200);
    harness
        .wait("both alerts are running investigations", WAIT, || async {
            let jobs = harness.jobs().await;
            jobs.len() == 2 && jobs.iter().all(is_admitted)
        })
        .await;
    let jobs = harness.jobs().await;
    let job = named(&jobs, "HighLatency")[0];
    assert_eq!(job.metadata.namespace.as_deref(), Some("payments"));
    let fingerprint = label(job, labels::ALERT_FINGERPRINT)
        .expect("fingerprint")
        .to_string();
    assert!(fingerprint.chars().all(|c| c.is_ascii_hexdigit()));
    assert_eq!(
        annotation(job, labels::TRIGGER),
        Some("HighLatency: HighLatency in payments")
    );

    // Alertmanager repeats firing alerts (repeat_interval 2s): deduplicated.
    harness
        .wait("a repeat is deduplicated", WAIT, || async {
            harness.metrics_text().lines().any(|l| {
                l.starts_with("kubevigil_launcher_alerts_deduplicated_total") && !l.ends_with(" 0")
            })
        })
        .await;
    assert_eq!(
        harness.jobs().await.len(),
        2,
        "no second investigation: {}",
        am.log().len()
    );

    // Resolved: recorded on the investigation.
    assert_eq!(am.fire(&[ended(latency.clone(), &ago(1))]).await, 200);
    harness
        .wait("the resolution is on the Job", WAIT, || async {
            named(&harness.jobs().await, "HighLatency")
                .iter()
                .any(|j| annotation(j, labels::ALERT_RESOLVED_AT).is_some())
        })
        .await;

    // Firing again after resolution: a new investigation, same fingerprint.
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let refired = api_alert("HighLatency", "payments", "critical", &ago(0));
    assert_eq!(am.fire(&[refired]).await, 200);
    harness
        .wait("a second investigation starts", WAIT, || async {
            count(&harness, "HighLatency").await == 2
        })
        .await;
    let jobs = harness.jobs().await;
    let both = named(&jobs, "HighLatency");
    assert!(
        both.iter()
            .all(|j| label(j, labels::ALERT_FINGERPRINT) == Some(fingerprint.as_str()))
    );
    assert_eq!(count(&harness, "DiskFull").await, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn queued_alerts_run_by_severity_and_back_pressure_loses_and_duplicates_nothing() {
    let mut config = config();
    config.max_investigations = 1;
    config.queue_bound = 2;
    let harness = Harness::start(config, None).await;
    let am = Alertmanager::start(harness.addr, WEBHOOK_PATH, TOKEN).await;
    // One runs; three wait and run by severity.
    assert_eq!(
        am.fire(&[api_alert("Blocker", "payments", "info", &ago(60))])
            .await,
        200
    );
    harness
        .wait("the blocker runs", WAIT, || async {
            harness.jobs().await.iter().any(is_admitted)
        })
        .await;
    let waiting = [("Low", "info"), ("Urgent", "critical"), ("Mid", "warning")];
    let alerts: Vec<_> = waiting
        .iter()
        .map(|(name, severity)| api_alert(name, "payments", severity, &ago(30)))
        .collect();
    assert_eq!(am.fire(&alerts[..2]).await, 200);
    harness
        .wait("two are queued", WAIT, || async {
            harness.jobs().await.len() == 3
        })
        .await;
    // The queue is full (2): the third is refused with 503 and Alertmanager retries it.
    assert_eq!(am.fire(&alerts[2..]).await, 200);
    harness
        .wait("the webhook refused with 503", WAIT, || async {
            harness.metrics_text().lines().any(|l| {
                l.starts_with("kubevigil_launcher_alerts_refused_total") && !l.ends_with(" 0")
            })
        })
        .await;
    assert_eq!(harness.jobs().await.len(), 3, "held back, not dropped");
    let mut admitted = vec!["Blocker".to_string()];
    while admitted.len() < 4 {
        if admitted.len() == 2 {
            // Room in the queue again: Alertmanager's retry is taken.
            harness
                .wait("the refused alert is accepted on a retry", WAIT, || async {
                    harness.jobs().await.len() == 4
                })
                .await;
        }
        let jobs = harness.jobs().await;
        for job in jobs.iter().filter(|j| is_admitted(j) && !is_finished(j)) {
            harness
                .complete("payments", job.metadata.name.as_deref().unwrap_or_default())
                .await;
        }
        let known = admitted.clone();
        harness
            .wait("the next is admitted", WAIT, || async {
                harness.jobs().await.iter().any(|j| {
                    is_admitted(j)
                        && !known
                            .iter()
                            .any(|k| label(j, labels::ALERTNAME) == Some(k.as_str()))
                })
            })
            .await;
        let jobs = harness.jobs().await;
        let next: Vec<String> = jobs
            .iter()
            .filter(|j| is_admitted(j))
            .filter_map(|j| label(j, labels::ALERTNAME).map(str::to_string))
            .filter(|n| !admitted.contains(n))
            .collect();
        assert_eq!(next.len(), 1, "one at a time: {next:?}");
        admitted.extend(next);
    }
    // Mid was refused while the queue was full; it still ran before Low.
    assert_eq!(
        admitted,
        ["Blocker", "Urgent", "Mid", "Low"].map(String::from)
    );
    let jobs = harness.jobs().await;
    for name in ["Blocker", "Low", "Urgent", "Mid"] {
        assert_eq!(named(&jobs, name).len(), 1, "{name} exactly once");
    }
}
