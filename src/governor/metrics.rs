//! What the governor tells Prometheus, and its health endpoints.
//!
//! [`Metrics`] holds every series; [`serve`] answers `GET /metrics` (the
//! Prometheus text format, version 0.0.4, or OpenMetrics when the scraper
//! asks for it), `/healthz` (the process answers) and `/readyz` (its watches
//! have listed the cluster once; a replica that does not lead is ready too).
//!
//! Every replica watches, so `kubevigil_proposals` (a gauge of what is in the
//! cluster) is the same on each; the counters of decisions, executions and
//! expiries count only while the replica leads, so summing them over the
//! replicas counts each event once.

use crate::domain::{ActionProposal, DecisionSource, Phase, ProposalState};
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::Histogram;
use prometheus_client::registry::Registry;
use std::collections::{HashMap, HashSet};
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

/// The default address of the metrics and health listener.
pub const DEFAULT_METRICS_ADDR: &str = "0.0.0.0:9090";

/// Labels: a namespace and its trust phase.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct PhaseLabels {
    /// The proposal's namespace.
    pub namespace: String,
    /// The phase the proposal was judged under (`None` when not judged yet).
    pub phase: String,
}

/// Labels of the proposals gauge.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct StateLabels {
    /// The proposal's namespace.
    pub namespace: String,
    /// The phase it was judged under.
    pub phase: String,
    /// Its state (`Pending`, `Approved`, ...).
    pub state: String,
}

/// Labels of the decisions counter.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct DecisionLabels {
    /// The proposal's namespace.
    pub namespace: String,
    /// The phase it was judged under.
    pub phase: String,
    /// `approve`, `veto`, `expire` or `kill`.
    pub verdict: String,
    /// `manual` (a person) or `rule`.
    pub source: String,
}

/// Labels of the execution counter.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct ExecutionLabels {
    /// The proposal's namespace.
    pub namespace: String,
    /// The phase it was judged under.
    pub phase: String,
    /// `succeeded` or `failed`.
    pub result: String,
}

/// Labels of the credential counter.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct CredentialLabels {
    /// The proposal's namespace.
    pub namespace: String,
    /// `minted`, `revoked` or `failed`.
    pub outcome: String,
}

/// Labels of the demotion counter.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct DemotionLabels {
    /// The namespace demoted.
    pub namespace: String,
    /// The phase before.
    pub from: String,
    /// The phase after.
    pub to: String,
}

/// Labels of the watch restart counter.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct WatchLabels {
    /// `actionproposals` or `trustpolicies`.
    pub resource: String,
}

fn decision_buckets() -> Histogram {
    // One second to about nine hours.
    Histogram::new(prometheus_client::metrics::histogram::exponential_buckets(
        1.0, 2.0, 16,
    ))
}

/// A credential outcome, for [`Metrics::credential`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CredentialOutcome {
    /// A credential was minted and stored on the proposal.
    Minted,
    /// A credential was revoked in Vault.
    Revoked,
    /// Minting or revoking failed (it is retried).
    Failed,
}

/// The governor's series and health flags. Cheap to clone (shared).
#[derive(Clone)]
pub struct Metrics {
    inner: Arc<Inner>,
}

struct Inner {
    registry: Registry,
    proposals: Family<StateLabels, Gauge>,
    decisions: Family<DecisionLabels, Counter>,
    decision_seconds: Family<PhaseLabels, Histogram, fn() -> Histogram>,
    expiries: Family<PhaseLabels, Counter>,
    credentials: Family<CredentialLabels, Counter>,
    executions: Family<ExecutionLabels, Counter>,
    leader: Gauge,
    demotions: Family<DemotionLabels, Counter>,
    watch_restarts: Family<WatchLabels, Counter>,
    launcher: crate::launcher::LauncherMetrics,
    ready: AtomicBool,
}

impl Default for Metrics {
    fn default() -> Self {
        Metrics::new()
    }
}

impl std::fmt::Debug for Metrics {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Metrics")
            .field("ready", &self.is_ready())
            .finish_non_exhaustive()
    }
}

impl Metrics {
    /// Registers every series, all at zero; not ready.
    pub fn new() -> Self {
        let mut registry = Registry::with_prefix("kubevigil");
        let proposals = Family::<StateLabels, Gauge>::default();
        registry.register(
            "proposals",
            "Action proposals in the cluster, by namespace, phase and state",
            proposals.clone(),
        );
        let decisions = Family::<DecisionLabels, Counter>::default();
        registry.register(
            "decisions",
            "Decisions recorded on proposals (while this replica leads), by verdict and source",
            decisions.clone(),
        );
        let decision_seconds: Family<PhaseLabels, Histogram, fn() -> Histogram> =
            Family::new_with_constructor(decision_buckets);
        registry.register(
            "decision_latency_seconds",
            "Time from a proposal's creation to the decision that ended its wait",
            decision_seconds.clone(),
        );
        let expiries = Family::<PhaseLabels, Counter>::default();
        registry.register(
            "expiries",
            "Proposals this governor expired because nobody decided in time",
            expiries.clone(),
        );
        let credentials = Family::<CredentialLabels, Counter>::default();
        registry.register(
            "credentials",
            "Vault credential work of this governor, by outcome (minted, revoked, failed)",
            credentials.clone(),
        );
        let executions = Family::<ExecutionLabels, Counter>::default();
        registry.register(
            "executions",
            "Approved actions the agents reported run (while this replica leads), by result",
            executions.clone(),
        );
        let leader = Gauge::default();
        registry.register(
            "governor_leader",
            "1 while this replica holds the governor Lease and acts, else 0",
            leader.clone(),
        );
        let demotions = Family::<DemotionLabels, Counter>::default();
        registry.register(
            "demotions",
            "Namespaces the governor demoted one phase because their demotion criteria were breached",
            demotions.clone(),
        );
        let watch_restarts = Family::<WatchLabels, Counter>::default();
        registry.register(
            "watch_restarts",
            "Times a watch of the governor failed and was restarted",
            watch_restarts.clone(),
        );
        let launcher = crate::launcher::LauncherMetrics::register(&mut registry);
        Metrics {
            inner: Arc::new(Inner {
                registry,
                proposals,
                decisions,
                decision_seconds,
                expiries,
                credentials,
                executions,
                leader,
                demotions,
                watch_restarts,
                launcher,
                ready: AtomicBool::new(false),
            }),
        }
    }

    /// The series in the Prometheus text format (version 0.0.4).
    pub fn encode_prometheus(&self) -> String {
        to_prometheus_text(&self.encode_openmetrics())
    }

    /// The series in the OpenMetrics text format.
    pub fn encode_openmetrics(&self) -> String {
        let mut out = String::new();
        // Writing into a String cannot fail.
        let _ = prometheus_client::encoding::text::encode(&mut out, &self.inner.registry);
        out
    }

    /// Whether the watches have listed the cluster once.
    pub fn is_ready(&self) -> bool {
        self.inner.ready.load(Ordering::Relaxed)
    }

    /// Marks the watches as synced.
    pub fn set_ready(&self) {
        self.inner.ready.store(true, Ordering::Relaxed);
    }

    /// The launcher's series (`kubevigil_launcher_*`), on this registry.
    pub fn launcher(&self) -> &crate::launcher::LauncherMetrics {
        &self.inner.launcher
    }

    /// Sets the leader gauge.
    pub fn set_leader(&self, leading: bool) {
        self.inner.leader.set(i64::from(leading));
    }

    /// Whether the leader gauge says this replica leads.
    pub fn is_leader(&self) -> bool {
        self.inner.leader.get() == 1
    }

    /// Counts a restart of the watch of `resource`.
    pub fn watch_restarted(&self, resource: &str) {
        self.inner
            .watch_restarts
            .get_or_create(&WatchLabels {
                resource: resource.to_string(),
            })
            .inc();
    }

    /// Counts an expiry made by this governor.
    pub fn expired(&self, namespace: &str, phase: Option<Phase>) {
        self.inner
            .expiries
            .get_or_create(&phase_labels(namespace, phase))
            .inc();
    }

    /// Counts a credential outcome.
    pub fn credential(&self, namespace: &str, outcome: CredentialOutcome) {
        let outcome = match outcome {
            CredentialOutcome::Minted => "minted",
            CredentialOutcome::Revoked => "revoked",
            CredentialOutcome::Failed => "failed",
        };
        self.inner
            .credentials
            .get_or_create(&CredentialLabels {
                namespace: namespace.to_string(),
                outcome: outcome.to_string(),
            })
            .inc();
    }

    fn proposal_gauge(&self, labels: &StateLabels, delta: i64) {
        let left = self.inner.proposals.get_or_create(labels).inc_by(delta) + delta;
        if left <= 0 {
            // A state no proposal is in any more is not a series.
            self.inner.proposals.remove(labels);
        }
    }

    fn clear_proposals(&self) {
        self.inner.proposals.clear();
    }
}

fn phase_labels(namespace: &str, phase: Option<Phase>) -> PhaseLabels {
    PhaseLabels {
        namespace: namespace.to_string(),
        phase: phase_name(phase),
    }
}

fn phase_name(phase: Option<Phase>) -> String {
    phase.map_or_else(|| "None".to_string(), |p| p.to_string())
}

/// What the watch showed of one proposal last.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Seen {
    labels: StateLabels,
    decisions: usize,
}

/// Turns the proposals watch into series: the gauge of proposals by state
/// always; decisions, their latency and executions counted when they appear
/// while `counting` (the replica leads). What the first list shows is the
/// baseline, never counted.
#[derive(Debug, Default)]
pub(super) struct Observer {
    seen: HashMap<(String, String), Seen>,
    relisted: HashSet<(String, String)>,
    /// When each namespace was last demoted, as its policy's status says.
    demoted_at: HashMap<String, Option<jiff::Timestamp>>,
}

impl Observer {
    /// Takes in a namespace's policy: a new `status.lastDemotion` counts as
    /// a demotion while `counting` (never on the first sight of the policy).
    pub(super) fn observe_policy(
        &mut self,
        metrics: &Metrics,
        policy: &crate::domain::TrustPolicy,
        counting: bool,
    ) {
        use kube::ResourceExt;
        let namespace = policy.namespace().unwrap_or_default();
        let last = policy
            .status
            .as_ref()
            .and_then(|s| s.last_demotion.as_ref());
        let at = last.map(|d| d.at.0);
        let before = self.demoted_at.insert(namespace.clone(), at);
        let new = matches!(before, Some(previous) if previous != at);
        if let (true, true, Some(demotion)) = (new, counting, last) {
            metrics
                .inner
                .demotions
                .get_or_create(&DemotionLabels {
                    namespace,
                    from: demotion.from.to_string(),
                    to: demotion.to.to_string(),
                })
                .inc();
        }
    }

    /// Takes in one proposal as the watch shows it now.
    pub(super) fn observe(&mut self, metrics: &Metrics, proposal: &ActionProposal, counting: bool) {
        use kube::ResourceExt;
        let key = (
            proposal.namespace().unwrap_or_default(),
            proposal.name_any(),
        );
        self.relisted.insert(key.clone());
        let status = proposal.status.as_ref();
        let state = status.map_or(ProposalState::Pending, |s| s.state);
        let phase = status.and_then(|s| s.phase);
        let labels = StateLabels {
            namespace: key.0.clone(),
            phase: phase_name(phase),
            state: state.to_string(),
        };
        let decisions = status.map_or(0, |s| s.decisions.len());
        let previous = self.seen.insert(
            key.clone(),
            Seen {
                labels: labels.clone(),
                decisions,
            },
        );
        match &previous {
            Some(old) if old.labels == labels => {}
            Some(old) => {
                metrics.proposal_gauge(&old.labels, -1);
                metrics.proposal_gauge(&labels, 1);
            }
            None => metrics.proposal_gauge(&labels, 1),
        }
        let Some(previous) = previous else {
            return;
        };
        let Some(status) = status else {
            return;
        };
        if !counting {
            return;
        }
        for decision in status.decisions.iter().skip(previous.decisions) {
            let source = match decision.source {
                DecisionSource::Manual => "manual",
                DecisionSource::Rule => "rule",
            };
            metrics
                .inner
                .decisions
                .get_or_create(&DecisionLabels {
                    namespace: key.0.clone(),
                    phase: phase_name(phase),
                    verdict: decision.verdict.to_string().to_lowercase(),
                    source: source.to_string(),
                })
                .inc();
        }
        let was_pending = previous.labels.state == ProposalState::Pending.to_string();
        if was_pending
            && !state.is_pending()
            && let (Some(decision), Some(created)) = (
                status.decisions.last(),
                proposal.metadata.creation_timestamp.as_ref(),
            )
        {
            let waited = decision.at.0.duration_since(created.0).as_secs_f64();
            metrics
                .inner
                .decision_seconds
                .get_or_create(&phase_labels(&key.0, phase))
                .observe(waited.max(0.0));
        }
        let result = match state {
            ProposalState::Executed => Some("succeeded"),
            ProposalState::Failed => Some("failed"),
            _ => None,
        };
        if let Some(result) = result
            && previous.labels.state != labels.state
        {
            metrics
                .inner
                .executions
                .get_or_create(&ExecutionLabels {
                    namespace: key.0.clone(),
                    phase: phase_name(phase),
                    result: result.to_string(),
                })
                .inc();
        }
    }

    /// Forgets a deleted proposal.
    pub(super) fn forget(&mut self, metrics: &Metrics, proposal: &ActionProposal) {
        use kube::ResourceExt;
        let key = (
            proposal.namespace().unwrap_or_default(),
            proposal.name_any(),
        );
        if let Some(old) = self.seen.remove(&key) {
            metrics.proposal_gauge(&old.labels, -1);
        }
    }

    /// The watch starts listing again.
    pub(super) fn relist(&mut self) {
        self.relisted.clear();
    }

    /// The list is complete: what it did not show was deleted meanwhile.
    pub(super) fn relisted(&mut self, metrics: &Metrics) {
        let relisted = std::mem::take(&mut self.relisted);
        self.seen.retain(|key, _| relisted.contains(key));
        metrics.clear_proposals();
        for seen in self.seen.values() {
            metrics.proposal_gauge(&seen.labels, 1);
        }
    }
}

/// Rewrites OpenMetrics text as Prometheus text 0.0.4: counters' `# HELP`
/// and `# TYPE` name the `_total` series, and `# UNIT` and `# EOF` go.
pub fn to_prometheus_text(openmetrics: &str) -> String {
    let counters: HashSet<&str> = openmetrics
        .lines()
        .filter_map(|line| line.strip_prefix("# TYPE "))
        .filter_map(|rest| rest.strip_suffix(" counter"))
        .collect();
    let mut out = String::with_capacity(openmetrics.len());
    for line in openmetrics.lines() {
        if line == "# EOF" || line.starts_with("# UNIT ") {
            continue;
        }
        let renamed = ["# HELP ", "# TYPE "].iter().find_map(|prefix| {
            let rest = line.strip_prefix(prefix)?;
            let (name, tail) = rest.split_once(' ')?;
            counters
                .contains(name)
                .then(|| format!("{prefix}{name}_total {tail}"))
        });
        match renamed {
            Some(line) => out.push_str(&line),
            None => out.push_str(line),
        }
        out.push('\n');
    }
    out
}

/// Why the listener could not start.
#[derive(Debug, thiserror::Error)]
#[error("metrics listener on {addr}: {source}")]
pub struct ListenError {
    /// The address asked for.
    pub addr: SocketAddr,
    /// What the operating system said.
    pub source: std::io::Error,
}

/// Binds `addr` and serves `/metrics`, `/healthz` and `/readyz` in a task of
/// its own until the returned handle is aborted; returns the bound address
/// (useful with port 0) and the task.
pub async fn serve(
    addr: SocketAddr,
    metrics: Metrics,
) -> Result<(SocketAddr, tokio::task::JoinHandle<()>), ListenError> {
    serve_with(addr, metrics, axum::Router::new()).await
}

/// [`serve`] with more routes on the same listener: the launcher's webhook
/// ([`crate::launcher::Launcher::router`]).
pub async fn serve_with(
    addr: SocketAddr,
    metrics: Metrics,
    extra: axum::Router,
) -> Result<(SocketAddr, tokio::task::JoinHandle<()>), ListenError> {
    use axum::Router;
    use axum::routing::get;
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .map_err(|source| ListenError { addr, source })?;
    let bound = listener
        .local_addr()
        .map_err(|source| ListenError { addr, source })?;
    let for_metrics = metrics.clone();
    let for_ready = metrics;
    let app = Router::new()
        .route(
            "/metrics",
            get(move |headers: http::HeaderMap| {
                let metrics = for_metrics.clone();
                async move { metrics_response(&metrics, &headers) }
            }),
        )
        .route("/healthz", get(|| async { "ok\n" }))
        .route(
            "/readyz",
            get(move || {
                let metrics = for_ready.clone();
                async move {
                    if metrics.is_ready() {
                        (http::StatusCode::OK, "ok\n")
                    } else {
                        (
                            http::StatusCode::SERVICE_UNAVAILABLE,
                            "watches not synced yet\n",
                        )
                    }
                }
            }),
        )
        .merge(extra);
    let task = tokio::spawn(async move {
        if let Err(error) = axum::serve(listener, app).await {
            tracing::warn!(%error, "governor: metrics listener ended");
        }
    });
    Ok((bound, task))
}

fn metrics_response(
    metrics: &Metrics,
    headers: &http::HeaderMap,
) -> ([(http::HeaderName, &'static str); 1], String) {
    let wants_openmetrics = headers
        .get_all(http::header::ACCEPT)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .any(|v| v.contains("application/openmetrics-text"));
    if wants_openmetrics {
        (
            [(
                http::header::CONTENT_TYPE,
                "application/openmetrics-text; version=1.0.0; charset=utf-8",
            )],
            metrics.encode_openmetrics(),
        )
    } else {
        (
            [(
                http::header::CONTENT_TYPE,
                "text/plain; version=0.0.4; charset=utf-8",
            )],
            metrics.encode_prometheus(),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counters_are_renamed_for_the_prometheus_text_format() {
        let metrics = Metrics::new();
        metrics.credential("payments", CredentialOutcome::Minted);
        metrics.set_leader(true);
        let text = metrics.encode_prometheus();
        assert!(text.contains("# TYPE kubevigil_credentials_total counter"));
        assert!(
            text.contains(
                "kubevigil_credentials_total{namespace=\"payments\",outcome=\"minted\"} 1"
            )
        );
        assert!(text.contains("kubevigil_governor_leader 1"));
        assert!(!text.contains("# EOF"));
        assert!(metrics.encode_openmetrics().ends_with("# EOF\n"));
    }
}
