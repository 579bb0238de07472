//! The leader's loop: watches the launcher's Jobs, the TrustPolicies and
//! the templates; once all three have listed it accepts alerts and admits
//! queued Jobs as room appears; it revokes the identity of every Job that
//! finishes or is deleted. Leadership lost: it stops at once and forgets;
//! gained: it lists everything again and rebuilds its queue from the Jobs.

use super::admit::{Verdict, decide};
use super::events::{self, About};
use super::identity;
use super::select::Compiled;
use super::state::{JobKey, Shared, Tracked};
use crate::domain::queue::OperatorMark;
use crate::domain::{InvestigationTemplate, TrustPolicy, labels};
use futures::{FutureExt, StreamExt};
use jiff::Timestamp;
use k8s_openapi::api::batch::v1::Job;
use kube::api::{Patch, PatchParams};
use kube::runtime::WatchStreamExt;
use kube::runtime::watcher::{self, Event};
use kube::{Api, ResourceExt};
use std::collections::{HashMap, HashSet};
use std::pin::pin;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::watch;
use tokio::task::JoinSet;

/// How long after a failed admission or revocation the launcher tries again.
const RETRY: Duration = Duration::from_secs(5);
/// How often the queue reasons of waiting Jobs are brought up to date when
/// they change (a namespace or the cluster freeing and filling a place
/// changes many at once); a new Job's reason is written at once.
const REASON_REFRESH: Duration = Duration::from_secs(2);
/// How many queue reasons are written at once.
const REASON_WRITES: usize = 8;

/// The longest admission waits for a webhook's Jobs to be created.
const MAX_DEFERRAL: Duration = Duration::from_secs(1);
/// The most watch events taken in before an admission pass.
const EVENT_BATCH: usize = 512;

pub(super) async fn run(shared: Arc<Shared>, mut leading: watch::Receiver<bool>) {
    loop {
        let acting = *leading.borrow_and_update();
        shared.state().clear();
        shared.metrics.set_counts(0, 0);
        if acting {
            tracing::info!("launcher: leading; rebuilding the queue from the cluster");
            tokio::select! {
                () = drive(&shared) => {}
                changed = leading.changed() => {
                    if changed.is_err() {
                        shared.state().clear();
                        return;
                    }
                    tracing::warn!("launcher: lost the lease; stopped launching");
                }
            }
        } else if leading.changed().await.is_err() {
            return;
        }
    }
}

/// Which watches have listed.
#[derive(Default)]
struct Listed {
    jobs: bool,
    policies: bool,
    templates: bool,
}

/// What the loop keeps beside the shared state.
struct Loop {
    listed: Listed,
    relisting_jobs: HashMap<JobKey, Tracked>,
    relisting_policies: Vec<TrustPolicy>,
    relisting_templates: Vec<InvestigationTemplate>,
    /// Accessors being revoked now, and those revoked (of deleted Jobs).
    revoking: HashSet<String>,
    revoked: HashSet<String>,
    retry_at: Option<tokio::time::Instant>,
    /// Since when admission waits for a webhook's Jobs to be created.
    deferred_since: Option<tokio::time::Instant>,
    /// When the queue reasons were last all brought up to date.
    reasons_refreshed: tokio::time::Instant,
}

impl Default for Loop {
    fn default() -> Self {
        Loop {
            listed: Listed::default(),
            relisting_jobs: HashMap::new(),
            relisting_policies: Vec::new(),
            relisting_templates: Vec::new(),
            revoking: HashSet::new(),
            revoked: HashSet::new(),
            retry_at: None,
            deferred_since: None,
            reasons_refreshed: tokio::time::Instant::now(),
        }
    }
}

async fn drive(shared: &Shared) {
    let client = shared.client.clone();
    let jobs = watcher::watcher(
        Api::<Job>::all(client.clone()),
        watcher::Config::default().labels(labels::LAUNCHED_SELECTOR),
    )
    .default_backoff();
    let policies = watcher::watcher(
        Api::<TrustPolicy>::all(client.clone()),
        watcher::Config::default(),
    )
    .default_backoff();
    let templates = watcher::watcher(
        Api::<InvestigationTemplate>::all(client),
        watcher::Config::default(),
    )
    .default_backoff();
    let mut jobs = pin!(jobs);
    let mut policies = pin!(policies);
    let mut templates = pin!(templates);
    let mut this = Loop::default();
    let mut revocations: JoinSet<(JobKey, String, bool)> = JoinSet::new();
    loop {
        let retry = this.retry_at;
        tokio::select! {
            event = jobs.next() => {
                let Some(event) = event else { return };
                this.on_job(shared, event, &mut revocations);
                // Take in what else is ready before deciding.
                for _ in 0..EVENT_BATCH {
                    match jobs.next().now_or_never() {
                        Some(Some(event)) => this.on_job(shared, event, &mut revocations),
                        Some(None) => return,
                        None => break,
                    }
                }
            }
            event = policies.next() => match event {
                Some(event) => this.on_policy(shared, event),
                None => return,
            },
            event = templates.next() => match event {
                Some(event) => this.on_template(shared, event),
                None => return,
            },
            Some(done) = revocations.join_next(), if !revocations.is_empty() => {
                if let Ok((_, accessor, ok)) = done {
                    this.revoking.remove(&accessor);
                    if ok {
                        this.revoked.insert(accessor);
                    } else {
                        this.retry_at = Some(tokio::time::Instant::now() + RETRY);
                    }
                }
            }
            () = shared.wake.notified() => {}
            () = sleep_until(retry) => {
                this.retry_at = None;
                this.revoke_due(shared, &mut revocations);
            }
        }
        let ready = this.listed.jobs && this.listed.policies && this.listed.templates;
        if ready {
            let became_ready = {
                let mut state = shared.state();
                let became = !state.accepting;
                state.accepting = true;
                became
            };
            if became_ready {
                tracing::info!("launcher: listed the cluster; accepting alerts");
                this.revoke_due(shared, &mut revocations);
            }
            // A webhook creating Jobs now: decide once its batch is in, so
            // the batch is admitted in priority order, not arrival order.
            let now = tokio::time::Instant::now();
            let busy = !shared.state().pending.is_empty();
            let deferred = *this.deferred_since.get_or_insert(now);
            if busy && now.duration_since(deferred) < MAX_DEFERRAL {
                let soon = now + Duration::from_millis(50);
                this.retry_at = Some(this.retry_at.map_or(soon, |at| at.min(soon)));
            } else {
                this.deferred_since = None;
                let refresh = now.duration_since(this.reasons_refreshed) >= REASON_REFRESH;
                let outcome = pass(shared, refresh).await;
                if refresh {
                    this.reasons_refreshed = now;
                }
                if !outcome.all_well {
                    this.retry_at
                        .get_or_insert(tokio::time::Instant::now() + RETRY);
                }
                if outcome.stale_reasons {
                    let due = this.reasons_refreshed + REASON_REFRESH;
                    this.retry_at = Some(this.retry_at.map_or(due, |at| at.min(due)));
                }
            }
        }
        let (queued, running) = shared.counts();
        shared.metrics.set_counts(queued, running);
    }
}

impl Loop {
    fn on_job(
        &mut self,
        shared: &Shared,
        event: Result<Event<Job>, watcher::Error>,
        revocations: &mut JoinSet<(JobKey, String, bool)>,
    ) {
        let event = match event {
            Ok(event) => event,
            Err(error) => {
                tracing::warn!(%error, "launcher: Job watch");
                return;
            }
        };
        match event {
            Event::Init => self.relisting_jobs.clear(),
            Event::InitApply(job) => {
                if let Some(tracked) = Tracked::of(&job) {
                    self.relisting_jobs.insert(key_of(&job), tracked);
                }
            }
            Event::InitDone => {
                let mut state = shared.state();
                let listed = std::mem::take(&mut self.relisting_jobs);
                let gone: Vec<JobKey> = state
                    .jobs
                    .keys()
                    .filter(|k| !listed.contains_key(*k))
                    .cloned()
                    .collect();
                for key in gone {
                    if let Some(old) = state.remove(&key) {
                        self.owe_revocation(shared, &key, &old, false, revocations);
                    }
                }
                for (key, tracked) in listed {
                    state.upsert(key, tracked);
                }
                drop(state);
                self.listed.jobs = true;
            }
            Event::Apply(job) => {
                if let Some(tracked) = Tracked::of(&job) {
                    let key = key_of(&job);
                    if tracked.finished || tracked.deleting {
                        self.owe_revocation(shared, &key, &tracked, true, revocations);
                    }
                    shared.state().upsert(key, tracked);
                }
            }
            Event::Delete(job) => {
                let key = key_of(&job);
                let known = shared.state().remove(&key);
                if let Some(tracked) = Tracked::of(&job).or(known) {
                    self.owe_revocation(shared, &key, &tracked, false, revocations);
                }
            }
        }
    }

    /// Starts revoking the identity of an ended Job, unless done or under way.
    fn owe_revocation(
        &mut self,
        shared: &Shared,
        key: &JobKey,
        tracked: &Tracked,
        exists: bool,
        revocations: &mut JoinSet<(JobKey, String, bool)>,
    ) {
        let Some(accessor) = tracked.accessor.clone() else {
            return;
        };
        if shared.vault.is_none()
            || tracked.revoked
            || self.revoked.contains(&accessor)
            || !self.revoking.insert(accessor.clone())
        {
            return;
        }
        let Some(vault) = shared.vault.clone() else {
            return;
        };
        let key = key.clone();
        let client = shared.client.clone();
        revocations.spawn(async move {
            let ok = identity::revoke(&client, &vault, &key, &accessor, exists).await;
            (key, accessor, ok)
        });
    }

    /// Revokes what finished Jobs still owe (after a relist or a failure).
    fn revoke_due(&mut self, shared: &Shared, revocations: &mut JoinSet<(JobKey, String, bool)>) {
        let owed: Vec<(JobKey, Tracked)> = shared
            .state()
            .jobs
            .iter()
            .filter(|(_, t)| (t.finished || t.deleting) && t.accessor.is_some() && !t.revoked)
            .map(|(k, t)| (k.clone(), t.clone()))
            .collect();
        for (key, tracked) in owed {
            self.owe_revocation(shared, &key, &tracked, true, revocations);
        }
    }

    fn on_policy(&mut self, shared: &Shared, event: Result<Event<TrustPolicy>, watcher::Error>) {
        match event {
            Ok(Event::Init) => self.relisting_policies.clear(),
            Ok(Event::InitApply(policy)) => self.relisting_policies.push(policy),
            Ok(Event::InitDone) => {
                let mut state = shared.state();
                state.policies.clear();
                for policy in std::mem::take(&mut self.relisting_policies) {
                    state.set_policy(&policy);
                }
                self.listed.policies = true;
            }
            Ok(Event::Apply(policy)) => shared.state().set_policy(&policy),
            Ok(Event::Delete(policy)) => {
                if policy.name_any() == crate::domain::policy::POLICY_NAME {
                    shared
                        .state()
                        .policies
                        .remove(&policy.namespace().unwrap_or_default());
                }
            }
            Err(error) => tracing::warn!(%error, "launcher: TrustPolicy watch"),
        }
    }

    fn on_template(
        &mut self,
        shared: &Shared,
        event: Result<Event<InvestigationTemplate>, watcher::Error>,
    ) {
        let compile = |template: &InvestigationTemplate| {
            let namespace = template.namespace().unwrap_or_default();
            let name = template.name_any();
            match Compiled::new(&namespace, &name, template.spec.clone()) {
                Ok(compiled) => Some(((namespace, name), compiled)),
                Err(error) => {
                    tracing::warn!(%error, template = %format!("{namespace}/{name}"), "launcher: template ignored");
                    None
                }
            }
        };
        match event {
            Ok(Event::Init) => self.relisting_templates.clear(),
            Ok(Event::InitApply(template)) => self.relisting_templates.push(template),
            Ok(Event::InitDone) => {
                let listed = std::mem::take(&mut self.relisting_templates);
                let mut state = shared.state();
                state.templates = listed.iter().filter_map(compile).collect();
                self.listed.templates = true;
            }
            Ok(Event::Apply(template)) => {
                let key = (
                    template.namespace().unwrap_or_default(),
                    template.name_any(),
                );
                let mut state = shared.state();
                match compile(&template) {
                    Some((key, compiled)) => {
                        state.templates.insert(key, compiled);
                    }
                    None => {
                        state.templates.remove(&key);
                    }
                }
            }
            Ok(Event::Delete(template)) => {
                let key = (
                    template.namespace().unwrap_or_default(),
                    template.name_any(),
                );
                shared.state().templates.remove(&key);
            }
            Err(error) => tracing::warn!(%error, "launcher: InvestigationTemplate watch"),
        }
    }
}

/// What a pass left undone.
struct PassOutcome {
    /// No admission failed.
    all_well: bool,
    /// Some queue reasons are out of date (left for the next refresh).
    stale_reasons: bool,
}

/// One admission pass: admits what may run now and keeps the reasons of
/// the others current (all of them when `refresh`, else only those of Jobs
/// that have none yet or whose admission failed).
async fn pass(shared: &Shared, refresh: bool) -> PassOutcome {
    let mut outcome = PassOutcome {
        all_well: true,
        stale_reasons: false,
    };
    let decisions = {
        let state = shared.state();
        if !state.accepting {
            return outcome;
        }
        let running = state.running();
        decide(
            state.candidates(),
            &running,
            |ns| state.rule(ns),
            shared.config.max_investigations,
        )
    };
    let mut reasons: Vec<(JobKey, String)> = Vec::new();
    for (candidate, verdict) in decisions {
        let key = (candidate.namespace.clone(), candidate.name.clone());
        let Some((tracked, phase)) = ({
            let state = shared.state();
            state
                .jobs
                .get(&key)
                .filter(|t| t.is_queued())
                .cloned()
                .map(|t| (t, state.policy(&key.0).phase))
        }) else {
            continue;
        };
        match verdict {
            Verdict::Admit { overridden } => {
                match identity::admit(shared, &key, &tracked, phase).await {
                    Ok(job) => {
                        let waited = tracked
                            .created
                            .map(|c| Timestamp::now().duration_since(c).as_secs_f64())
                            .unwrap_or(0.0);
                        shared.metrics.admitted_after(waited);
                        tracing::info!(namespace = %key.0, job = %key.1, overridden, "launcher: admitted");
                        if let Some(admitted) = Tracked::of(&job) {
                            shared.state().upsert(key.clone(), admitted);
                        }
                        if overridden {
                            record_override(shared, &key, &tracked).await;
                        }
                    }
                    Err(reason) => {
                        outcome.all_well = false;
                        tracing::warn!(namespace = %key.0, job = %key.1, %reason, "launcher: admission failed; retrying");
                        reasons.push((key, format!("admission failed: {reason}")));
                    }
                }
            }
            Verdict::Wait(reason) => {
                let current = tracked.queue_reason.as_deref();
                if current == Some(reason.as_str()) {
                    continue;
                }
                let urgent = current.is_none_or(|r| {
                    r == super::state::WAITING || r.starts_with("admission failed")
                });
                if refresh || urgent {
                    reasons.push((key, reason));
                } else {
                    outcome.stale_reasons = true;
                }
            }
        }
    }
    futures::stream::iter(reasons.into_iter().map(|(key, reason)| async move {
        set_reason(shared, &key, &reason).await;
    }))
    .buffer_unordered(REASON_WRITES)
    .collect::<Vec<()>>()
    .await;
    outcome
}

/// Writes a queued Job's reason.
async fn set_reason(shared: &Shared, key: &JobKey, reason: &str) {
    let patch = serde_json::json!({"metadata": {"annotations": {labels::QUEUE_REASON: reason}}});
    let api: Api<Job> = Api::namespaced(shared.client.clone(), &key.0);
    match api
        .patch(&key.1, &PatchParams::default(), &Patch::Merge(&patch))
        .await
    {
        Ok(job) => {
            if let Some(tracked) = Tracked::of(&job) {
                shared.state().upsert(key.clone(), tracked);
            }
        }
        Err(error) => tracing::debug!(%error, job = %key.1, "launcher: queue reason"),
    }
}

async fn record_override(shared: &Shared, key: &JobKey, tracked: &Tracked) {
    let mark = tracked.overridden.clone().unwrap_or(OperatorMark {
        by: "unknown".into(),
        at: String::new(),
        reason: None,
    });
    let message = format!(
        "admitted past the caps by {}'s override{}",
        mark.by,
        mark.reason
            .as_deref()
            .map(|r| format!(": {r}"))
            .unwrap_or_default()
    );
    events::record(
        &shared.client,
        About {
            api_version: "batch/v1",
            kind: "Job",
            namespace: &key.0,
            name: &key.1,
            uid: Some(&tracked.uid),
        },
        true,
        "AdmittedByOverride",
        message,
    )
    .await;
}

fn key_of(job: &Job) -> JobKey {
    (job.namespace().unwrap_or_default(), job.name_any())
}

async fn sleep_until(at: Option<tokio::time::Instant>) {
    match at {
        Some(at) => tokio::time::sleep_until(at).await,
        None => std::future::pending().await,
    }
}
