//! A burst: 2,000 alerts into a cluster with a global cap of 20, straight at
//! the webhook in batches as Alertmanager would send them. Exactly 20 run;
//! the rest are queued, or refused with 503 and accepted on a retry once
//! finished Jobs make room. Nothing is lost, nothing is duplicated.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test, bench or example may panic on what it sets up

mod common;

use common::launcher::{Harness, alert, config, is_admitted, label, payload};
use futures::StreamExt;
use k8s_openapi::api::batch::v1::Job;
use kube::Api;
use kube::api::ListParams;
use kubevigil::domain::labels;
use kubevigil::domain::queue::is_finished;
use serde_json::Value;
use std::collections::HashMap;
use std::time::{Duration, Instant};

const ALERTS: usize = 2000;
const BATCH: usize = 100;
const CAP: u32 = 20;
const BOUND: usize = 1900;

/// Admitted Jobs not finished, as the cluster says.
async fn running_in_cluster(harness: &Harness) -> usize {
    Api::<Job>::all(harness.client.clone())
        .list(&ListParams::default().labels("kubevigil.io/admission=admitted"))
        .await
        .expect("list the admitted Jobs")
        .items
        .iter()
        .filter(|j| !is_finished(j))
        .count()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_thousand_alerts_twenty_running_the_rest_queued_or_retried_none_lost_or_doubled() {
    let started = Instant::now();
    let mut config = config();
    config.max_investigations = CAP;
    config.queue_bound = BOUND;
    config.alert_rate = "100000/1m".parse().expect("rate");
    let harness = Harness::start(config, None).await;
    let namespaces = ["payments", "web", "search", "checkout", "ledger"];
    let severities = ["critical", "warning", "info", "high"];
    let alerts: Vec<Value> = (0..ALERTS)
        .map(|i| {
            alert(
                &format!("Burst{}", i % 7),
                &format!("{i:016x}"),
                namespaces[i % namespaces.len()],
                severities[i % severities.len()],
                "2026-12-01T10:00:00Z",
            )
        })
        .collect();
    let mut waiting: Vec<Vec<Value>> = alerts.chunks(BATCH).map(<[Value]>::to_vec).collect();
    let mut refusals = 0;
    let mut rounds = 0;
    loop {
        // Send (or resend) every batch not taken yet; a 503 is retried later.
        let mut still = Vec::new();
        for batch in waiting {
            let answer = harness.post(&payload(batch.clone())).await;
            match answer.code {
                200 => {}
                503 => {
                    assert!(answer.retry_after.is_some(), "a 503 says when to retry");
                    refusals += 1;
                    still.push(batch);
                }
                other => panic!("unexpected {other}: {}", answer.body),
            }
        }
        waiting = still;
        if waiting.is_empty() {
            break;
        }
        rounds += 1;
        assert!(rounds < 100, "the burst never drained");
        // Jobs finish (as agents would): twenty at a time make room.
        let jobs = Api::<Job>::all(harness.client.clone())
            .list(&ListParams::default().labels("kubevigil.io/admission=admitted"))
            .await
            .expect("list the admitted Jobs")
            .items;
        let running: Vec<_> = jobs
            .iter()
            .filter(|j| is_admitted(j) && !is_finished(j))
            .collect();
        assert!(
            running.len() <= CAP as usize,
            "never more than the cap: {}",
            running.len()
        );
        futures::stream::iter(running.iter().map(|job| {
            harness.complete(
                job.metadata.namespace.as_deref().unwrap_or_default(),
                job.metadata.name.as_deref().unwrap_or_default(),
            )
        }))
        .buffer_unordered(8)
        .collect::<Vec<()>>()
        .await;
        harness
            .wait(
                "the next twenty are admitted",
                Duration::from_secs(20),
                || async { running_in_cluster(&harness).await == CAP as usize },
            )
            .await;
    }
    assert!(refusals > 0, "the queue bound was reached");
    harness
        .wait("twenty run", Duration::from_secs(20), || async {
            let jobs = harness.jobs().await;
            jobs.len() == ALERTS
                && jobs
                    .iter()
                    .filter(|j| is_admitted(j) && !is_finished(j))
                    .count()
                    == CAP as usize
        })
        .await;
    let jobs = harness.jobs().await;
    let mut per_fingerprint: HashMap<&str, usize> = HashMap::new();
    for job in &jobs {
        *per_fingerprint
            .entry(label(job, labels::ALERT_FINGERPRINT).unwrap_or_default())
            .or_default() += 1;
    }
    assert_eq!(per_fingerprint.len(), ALERTS, "none lost");
    assert!(per_fingerprint.values().all(|n| *n == 1), "none duplicated");
    let finished = jobs.iter().filter(|j| is_finished(j)).count();
    let queued = jobs.iter().filter(|j| !is_admitted(j)).count();
    assert_eq!(finished + queued + CAP as usize, ALERTS);
    assert!(queued > 0 && queued <= BOUND);
    harness
        .wait("the gauges agree", Duration::from_secs(10), || async {
            let text = harness.metrics_text();
            text.contains(&format!("kubevigil_launcher_running {CAP}\n"))
                && text.contains(&format!("kubevigil_launcher_queued {queued}\n"))
        })
        .await;
    eprintln!(
        "burst: {ALERTS} alerts, {refusals} batches refused and retried, {rounds} rounds, {finished} finished, {queued} queued, in {:?}",
        started.elapsed()
    );
}
