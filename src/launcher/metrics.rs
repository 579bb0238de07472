//! The launcher's series, registered on the governor's registry
//! ([`crate::governor::Metrics::launcher`]).

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;

/// Labels: the alertname.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct AlertLabels {
    /// The alert's `alertname` label.
    pub alertname: String,
}

/// The launcher's series. Cheap to clone (shared).
#[derive(Clone, Debug, Default)]
pub struct LauncherMetrics {
    received: Counter,
    deduplicated: Counter,
    rate_limited: Family<AlertLabels, Counter>,
    refused: Counter,
    unmatched: Counter,
    queued: Gauge,
    running: Gauge,
    admission_seconds: Histogram_,
}

/// A histogram with the launcher's buckets (1 ms to about 30 min).
#[derive(Clone, Debug)]
struct Histogram_(Histogram);

impl Default for Histogram_ {
    fn default() -> Self {
        Histogram_(Histogram::new(exponential_buckets(0.001, 2.0, 22)))
    }
}

impl LauncherMetrics {
    /// Registers the series on `registry` (prefix `kubevigil_launcher_`), all at zero.
    pub fn register(registry: &mut Registry) -> LauncherMetrics {
        let metrics = LauncherMetrics::default();
        let sub = registry.sub_registry_with_prefix("launcher");
        sub.register(
            "alerts_received",
            "Alerts received on the webhook (firing and resolved)",
            metrics.received.clone(),
        );
        sub.register(
            "alerts_deduplicated",
            "Firing alerts that already had an investigation (same fingerprint and startsAt)",
            metrics.deduplicated.clone(),
        );
        sub.register(
            "alerts_rate_limited",
            "Firing alerts not investigated because their alertname was over its rate",
            metrics.rate_limited.clone(),
        );
        sub.register(
            "alerts_refused",
            "Alerts refused with 503 because the queue was full (Alertmanager retries them)",
            metrics.refused.clone(),
        );
        sub.register(
            "alerts_unmatched",
            "Firing alerts no InvestigationTemplate matched",
            metrics.unmatched.clone(),
        );
        sub.register(
            "queued",
            "Investigations created suspended, waiting for admission",
            metrics.queued.clone(),
        );
        sub.register(
            "running",
            "Admitted investigations that have not finished",
            metrics.running.clone(),
        );
        sub.register(
            "admission_latency_seconds",
            "Time from an investigation Job's creation to its admission",
            metrics.admission_seconds.0.clone(),
        );
        metrics
    }

    /// Counts `n` alerts received.
    pub fn received(&self, n: u64) {
        self.received.inc_by(n);
    }
    /// Counts a deduplicated alert.
    pub fn deduplicated(&self) {
        self.deduplicated.inc();
    }
    /// Counts a rate-limited alert.
    pub fn rate_limited(&self, alertname: &str) {
        self.rate_limited
            .get_or_create(&AlertLabels {
                alertname: alertname.to_string(),
            })
            .inc();
    }
    /// Counts `n` alerts refused with 503.
    pub fn refused(&self, n: u64) {
        self.refused.inc_by(n);
    }
    /// Counts an alert no template matched.
    pub fn unmatched(&self) {
        self.unmatched.inc();
    }
    /// Sets the queued and running gauges.
    pub fn set_counts(&self, queued: usize, running: usize) {
        self.queued.set(i64::try_from(queued).unwrap_or(i64::MAX));
        self.running.set(i64::try_from(running).unwrap_or(i64::MAX));
    }
    /// Records how long an investigation waited for admission.
    pub fn admitted_after(&self, seconds: f64) {
        self.admission_seconds.0.observe(seconds.max(0.0));
    }
    /// The queued gauge now.
    pub fn queued(&self) -> i64 {
        self.queued.get()
    }
    /// The running gauge now.
    pub fn running(&self) -> i64 {
        self.running.get()
    }
}
