//! What the leading launcher knows: the Jobs it made (from the Job watch
//! and its own writes), the namespaces' policies, the templates, the rate
//! limiter. Shared by the webhook and the leader's loop behind one mutex;
//! no IO happens while it is held.

use super::admit::{Candidate, NamespaceRule};
use super::metrics::LauncherMetrics;
use super::ratelimit::RateLimiter;
use super::select::Compiled;
use super::{LauncherConfig, admit};
use crate::domain::policy::POLICY_NAME;
use crate::domain::queue::{OperatorMark, QueueKey, is_finished, queue_key};
use crate::domain::{Phase, TrustPolicy, TrustPolicySpec, labels};
use crate::vault::Vault;
use jiff::Timestamp;
use k8s_openapi::api::batch::v1::Job;
use kube::{Client, ResourceExt};
use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::{Arc, Mutex, MutexGuard};
use tokio::sync::Notify;

/// A Job's namespace and name.
pub(super) type JobKey = (String, String);
/// An alert's fingerprint and `startsAt`.
pub(super) type AlertKey = (String, String);

/// The launcher's part shared by the webhook and the loop.
pub(super) struct Shared {
    pub client: Client,
    pub vault: Option<Arc<Vault>>,
    pub config: LauncherConfig,
    pub metrics: LauncherMetrics,
    state: Mutex<State>,
    /// Wakes the loop for an admission pass.
    pub wake: Notify,
}

impl Shared {
    pub fn new(
        client: Client,
        vault: Option<Arc<Vault>>,
        config: LauncherConfig,
        metrics: LauncherMetrics,
    ) -> Shared {
        let limiter = RateLimiter::new(config.alert_rate);
        Shared {
            client,
            vault,
            config,
            metrics,
            state: Mutex::new(State::new(limiter)),
            wake: Notify::new(),
        }
    }

    /// The state, locked (a poisoned lock is taken over: the state is
    /// rebuilt from the cluster on every leadership change anyway).
    pub fn state(&self) -> MutexGuard<'_, State> {
        self.state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    pub fn is_accepting(&self) -> bool {
        self.state().accepting
    }

    pub fn counts(&self) -> (usize, usize) {
        let state = self.state();
        (state.queued_count(), state.running_total())
    }
}

/// What the launcher remembers of one of its Jobs.
#[derive(Debug, Clone)]
pub(super) struct Tracked {
    pub uid: String,
    pub alert: AlertKey,
    pub order: QueueKey,
    pub admitted: bool,
    pub finished: bool,
    pub cancelled: bool,
    pub deleting: bool,
    pub overridden: Option<OperatorMark>,
    pub queue_reason: Option<String>,
    pub accessor: Option<String>,
    pub revoked: bool,
    pub resolved: bool,
    pub investigation: String,
    pub created: Option<Timestamp>,
    pub deadline_seconds: i64,
    /// The Job's resourceVersion, when numeric: an older view never
    /// replaces a newer one (a watch event can trail the launcher's own write).
    pub version: Option<u64>,
}

impl Tracked {
    /// What a Job (labelled by the launcher) says; `None` for other Jobs.
    pub fn of(job: &Job) -> Option<Tracked> {
        let labels = job.metadata.labels.as_ref()?;
        let admission = labels.get(labels::ADMISSION)?;
        let annotations = job.metadata.annotations.clone().unwrap_or_default();
        let annotation = |key: &str| annotations.get(key).cloned();
        Some(Tracked {
            uid: job.metadata.uid.clone().unwrap_or_default(),
            alert: (
                labels
                    .get(labels::ALERT_FINGERPRINT)
                    .cloned()
                    .unwrap_or_default(),
                annotation(labels::ALERT_STARTS_AT).unwrap_or_default(),
            ),
            order: queue_key(job),
            admitted: admission == labels::ADMISSION_ADMITTED,
            finished: is_finished(job),
            cancelled: annotations.contains_key(labels::CANCELLED),
            deleting: job.metadata.deletion_timestamp.is_some(),
            overridden: annotation(labels::ADMIT_OVERRIDE).map(|text| {
                OperatorMark::parse(&text).unwrap_or(OperatorMark {
                    by: "unknown".to_string(),
                    at: String::new(),
                    reason: Some(text),
                })
            }),
            queue_reason: annotation(labels::QUEUE_REASON),
            accessor: annotation(labels::VAULT_ACCESSOR).filter(|a| !a.is_empty()),
            revoked: annotations.contains_key(labels::VAULT_REVOKED_AT),
            resolved: annotations.contains_key(labels::ALERT_RESOLVED_AT),
            investigation: labels
                .get(labels::INVESTIGATION)
                .cloned()
                .unwrap_or_default(),
            created: job.metadata.creation_timestamp.as_ref().map(|t| t.0),
            deadline_seconds: job
                .spec
                .as_ref()
                .and_then(|s| s.active_deadline_seconds)
                .unwrap_or(crate::domain::template::DEFAULT_ACTIVE_DEADLINE_SECONDS),
            version: job
                .metadata
                .resource_version
                .as_deref()
                .and_then(|v| v.parse().ok()),
        })
    }

    /// Waiting for admission.
    pub fn is_queued(&self) -> bool {
        !self.admitted && !self.finished && !self.cancelled && !self.deleting
    }

    /// Counted against the caps.
    pub fn is_running(&self) -> bool {
        self.admitted && !self.finished && !self.deleting
    }
}

/// A namespace's policy, as far as the launcher cares.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct NamespacePolicy {
    pub phase: Phase,
    pub cap: u32,
    pub halted: bool,
}

impl NamespacePolicy {
    pub fn of(policy: &TrustPolicy) -> NamespacePolicy {
        NamespacePolicy {
            phase: policy.spec.phase,
            cap: policy.spec.max_concurrent_investigations,
            halted: policy
                .annotations()
                .contains_key(crate::decide::HALTED_FROM),
        }
    }
}

impl Default for NamespacePolicy {
    /// A namespace without a policy: Shadow, the default cap, not halted.
    fn default() -> Self {
        NamespacePolicy {
            phase: Phase::Shadow,
            cap: TrustPolicySpec::default().max_concurrent_investigations,
            halted: false,
        }
    }
}

/// The queue reason of a new Job when there is room for it.
pub(super) const WAITING: &str = "waiting for admission";

/// The shared state.
pub(super) struct State {
    /// Leading and listed: alerts are accepted.
    pub accepting: bool,
    pub jobs: HashMap<JobKey, Tracked>,
    pub alerts: HashMap<AlertKey, JobKey>,
    /// Alerts whose Job is being created.
    pub pending: HashSet<AlertKey>,
    pub policies: HashMap<String, NamespacePolicy>,
    pub templates: BTreeMap<(String, String), Compiled>,
    pub limiter: RateLimiter,
}

impl State {
    fn new(limiter: RateLimiter) -> State {
        State {
            accepting: false,
            jobs: HashMap::new(),
            alerts: HashMap::new(),
            pending: HashSet::new(),
            policies: HashMap::new(),
            templates: BTreeMap::new(),
            limiter,
        }
    }

    /// Forgets everything (leadership lost, or a relist starts).
    pub fn clear(&mut self) {
        self.accepting = false;
        self.jobs.clear();
        self.alerts.clear();
        self.pending.clear();
        self.policies.clear();
        self.templates.clear();
    }

    /// Takes in a Job as the cluster (or a write's answer) shows it.
    pub fn upsert(&mut self, key: JobKey, tracked: Tracked) {
        if let (Some(known), Some(new)) =
            (self.jobs.get(&key).and_then(|t| t.version), tracked.version)
            && new < known
        {
            return;
        }
        if !tracked.alert.0.is_empty() {
            self.alerts.insert(tracked.alert.clone(), key.clone());
        }
        self.jobs.insert(key, tracked);
    }

    /// Forgets a deleted Job; returns what it knew.
    pub fn remove(&mut self, key: &JobKey) -> Option<Tracked> {
        let gone = self.jobs.remove(key)?;
        if self.alerts.get(&gone.alert) == Some(key) {
            self.alerts.remove(&gone.alert);
        }
        Some(gone)
    }

    pub fn policy(&self, namespace: &str) -> NamespacePolicy {
        self.policies.get(namespace).copied().unwrap_or_default()
    }

    pub fn set_policy(&mut self, policy: &TrustPolicy) {
        if policy.name_any() == POLICY_NAME {
            self.policies.insert(
                policy.namespace().unwrap_or_default(),
                NamespacePolicy::of(policy),
            );
        }
    }

    pub fn queued_count(&self) -> usize {
        self.jobs.values().filter(|t| t.is_queued()).count()
    }

    pub fn running(&self) -> HashMap<String, u32> {
        let mut running: HashMap<String, u32> = HashMap::new();
        for ((namespace, _), tracked) in &self.jobs {
            if tracked.is_running() {
                *running.entry(namespace.clone()).or_default() += 1;
            }
        }
        running
    }

    pub fn running_total(&self) -> usize {
        self.jobs.values().filter(|t| t.is_running()).count()
    }

    /// The queued Jobs as admission candidates.
    pub fn candidates(&self) -> Vec<Candidate> {
        self.jobs
            .iter()
            .filter(|(_, t)| t.is_queued())
            .map(|((namespace, name), t)| Candidate {
                namespace: namespace.clone(),
                name: name.clone(),
                order: t.order.clone(),
                overridden: t.overridden.is_some(),
            })
            .collect()
    }

    pub fn rule(&self, namespace: &str) -> NamespaceRule {
        let policy = self.policy(namespace);
        NamespaceRule {
            cap: policy.cap,
            halted: policy.halted,
        }
    }

    /// Why a new Job in `namespace` would wait now ("waiting for admission"
    /// when there is room).
    pub fn reason_now(&self, namespace: &str, running: &HashMap<String, u32>, cap: u32) -> String {
        admit::reason_now(namespace, running, self.rule(namespace), cap)
            .unwrap_or_else(|| WAITING.to_string())
    }
}
