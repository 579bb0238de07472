//! Alerts to Jobs: dedup, template, back pressure, rate limit, then the
//! suspended Job. The decisions are taken under the state's lock, the
//! writes after it; a Job that already exists (a retried webhook, another
//! replica) is a duplicate, never a second investigation.

use super::events::{self, About};
use super::manifest;
use super::payload::Alert;
use super::select::select;
use super::state::{AlertKey, JobKey, Shared, Tracked};
use crate::domain::labels;
use futures::StreamExt;
use jiff::Timestamp;
use k8s_openapi::api::batch::v1::Job;
use kube::api::{Patch, PatchParams, PostParams};
use kube::{Api, ResourceExt};
use std::collections::BTreeMap;
use std::time::Instant;

/// How many Job writes run at once.
const WRITES_AT_ONCE: usize = 8;

/// What became of one webhook's alerts.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub(super) struct Outcome {
    pub created: usize,
    pub deduplicated: usize,
    pub rate_limited: usize,
    pub unmatched: usize,
    pub resolved: usize,
    /// Firing alerts not taken (queue full, not leading, a write failed):
    /// the answer is 503 and Alertmanager sends them again.
    pub refused: usize,
    pub refusal: Option<String>,
}

/// A rate-limited alertname, for its Event: the template and how many.
type Limited = BTreeMap<(String, String, String), usize>;

pub(super) async fn accept(shared: &Shared, alerts: Vec<Alert>) -> Outcome {
    let mut outcome = Outcome::default();
    let mut creates: Vec<(AlertKey, Job)> = Vec::new();
    let mut resolutions: Vec<JobKey> = Vec::new();
    let mut limited = Limited::new();
    {
        let mut guard = shared.state();
        let state = &mut *guard;
        if !state.accepting {
            let firing = alerts.iter().filter(|a| a.firing).count();
            outcome.refused = firing;
            outcome.refusal = Some(
                "this governor replica does not lead, or has not listed the cluster yet".into(),
            );
            shared.metrics.refused(firing as u64);
            return outcome;
        }
        let now = Instant::now();
        let cap = shared.config.max_investigations;
        let mut running = state.running();
        let mut queued = state.queued_count() + state.pending.len();
        for alert in alerts {
            let key = alert.key();
            if !alert.firing {
                let found = state.alerts.get(&key).cloned().or_else(|| {
                    // The newest Job of that fingerprint not yet resolved.
                    state
                        .jobs
                        .iter()
                        .filter(|(_, t)| t.alert.0 == alert.fingerprint && !t.resolved)
                        .max_by(|a, b| a.1.alert.1.cmp(&b.1.alert.1))
                        .map(|(k, _)| k.clone())
                });
                if let Some(job) = found
                    && state.jobs.get(&job).is_some_and(|t| !t.resolved)
                {
                    resolutions.push(job);
                }
                continue;
            }
            if state.alerts.contains_key(&key) || state.pending.contains(&key) {
                outcome.deduplicated += 1;
                shared.metrics.deduplicated();
                continue;
            }
            let Some(template) = select(state.templates.values(), &alert.labels) else {
                outcome.unmatched += 1;
                shared.metrics.unmatched();
                tracing::debug!(alertname = %alert.alertname, "launcher: no template matches the alert");
                continue;
            };
            let Some(namespace) = alert
                .labels
                .get(&template.spec.target_namespace_label)
                .filter(|n| is_dns_label(n))
                .cloned()
            else {
                outcome.unmatched += 1;
                shared.metrics.unmatched();
                tracing::warn!(
                    alertname = %alert.alertname,
                    template = %template.reference(),
                    label = %template.spec.target_namespace_label,
                    "launcher: the alert names no valid target namespace; not investigated"
                );
                continue;
            };
            if queued >= shared.config.queue_bound {
                outcome.refused += 1;
                outcome.refusal = Some(format!(
                    "the launcher's queue is full ({} queued)",
                    shared.config.queue_bound
                ));
                continue;
            }
            if !state.limiter.allow(&alert.alertname, now) {
                outcome.rate_limited += 1;
                shared.metrics.rate_limited(&alert.alertname);
                *limited
                    .entry((
                        template.namespace.clone(),
                        template.name.clone(),
                        alert.alertname.clone(),
                    ))
                    .or_default() += 1;
                continue;
            }
            let policy = state.policy(&namespace);
            let reason = state.reason_now(&namespace, &running, cap);
            if reason == super::state::WAITING {
                *running.entry(namespace.clone()).or_default() += 1;
            }
            let job = manifest::job(template, &alert, &namespace, policy.phase, &reason);
            state.pending.insert(key.clone());
            queued += 1;
            creates.push((key, job));
        }
        if outcome.refused > 0 {
            shared.metrics.refused(outcome.refused as u64);
        }
    }
    create_jobs(shared, creates, &mut outcome).await;
    resolve(shared, resolutions, &mut outcome).await;
    record_rate_limited(shared, limited).await;
    shared.wake.notify_one();
    outcome
}

async fn create_jobs(shared: &Shared, creates: Vec<(AlertKey, Job)>, outcome: &mut Outcome) {
    let results: Vec<(AlertKey, JobKey, Result<Job, kube::Error>)> =
        futures::stream::iter(creates.into_iter().map(|(alert, job)| async move {
            let namespace = job.namespace().unwrap_or_default();
            let key = (namespace.clone(), job.name_any());
            let api: Api<Job> = Api::namespaced(shared.client.clone(), &namespace);
            let result = api.create(&PostParams::default(), &job).await;
            (alert, key, result)
        }))
        .buffer_unordered(WRITES_AT_ONCE)
        .collect()
        .await;
    let mut state = shared.state();
    for (alert, key, result) in results {
        state.pending.remove(&alert);
        match result {
            Ok(job) => {
                if let Some(tracked) = Tracked::of(&job) {
                    tracing::info!(namespace = %key.0, job = %key.1, "launcher: created a queued investigation");
                    state.upsert(key, tracked);
                }
                outcome.created += 1;
            }
            Err(kube::Error::Api(status)) if status.code == 409 => {
                outcome.deduplicated += 1;
                shared.metrics.deduplicated();
            }
            Err(kube::Error::Api(status)) if matches!(status.code, 400 | 403 | 404 | 422) => {
                // Retrying would fail the same way: say so, do not hold the alert.
                outcome.unmatched += 1;
                shared.metrics.unmatched();
                tracing::warn!(namespace = %key.0, job = %key.1, reason = %status.message, "launcher: the investigation Job was refused; not investigated");
            }
            Err(error) => {
                outcome.refused += 1;
                outcome.refusal = Some(format!("creating a Job failed: {error}"));
                shared.metrics.refused(1);
                tracing::warn!(%error, job = %key.1, "launcher: creating the Job failed; Alertmanager will retry");
            }
        }
    }
}

async fn resolve(shared: &Shared, jobs: Vec<JobKey>, outcome: &mut Outcome) {
    let at = Timestamp::from_second(Timestamp::now().as_second())
        .unwrap_or_else(|_| Timestamp::now())
        .to_string();
    for (namespace, name) in jobs {
        let api: Api<Job> = Api::namespaced(shared.client.clone(), &namespace);
        let patch =
            serde_json::json!({"metadata": {"annotations": {labels::ALERT_RESOLVED_AT: at}}});
        match api
            .patch(&name, &PatchParams::default(), &Patch::Merge(&patch))
            .await
        {
            Ok(job) => {
                outcome.resolved += 1;
                tracing::info!(%namespace, job = %name, "launcher: the alert resolved");
                if let Some(tracked) = Tracked::of(&job) {
                    shared.state().upsert((namespace, name), tracked);
                }
            }
            Err(error) => {
                tracing::warn!(%error, job = %name, "launcher: recording the resolution failed");
            }
        }
    }
}

async fn record_rate_limited(shared: &Shared, limited: Limited) {
    let rate = shared.config.alert_rate;
    for ((namespace, template, alertname), count) in limited {
        let message = format!(
            "{count} firing alert(s) {alertname} not investigated: over the rate of {} per {} s for one alertname",
            rate.count,
            rate.per.as_secs()
        );
        tracing::warn!(%alertname, count, template = %format!("{namespace}/{template}"), "launcher: {message}");
        events::record(
            &shared.client,
            About {
                api_version: "kubevigil.io/v1alpha1",
                kind: "InvestigationTemplate",
                namespace: &namespace,
                name: &template,
                uid: None,
            },
            true,
            "AlertRateLimited",
            message,
        )
        .await;
    }
}

/// A DNS-1123 label: what a namespace name must be.
fn is_dns_label(text: &str) -> bool {
    !text.is_empty()
        && text.len() <= 63
        && text
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        && !text.starts_with('-')
        && !text.ends_with('-')
}
