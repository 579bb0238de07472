//! The launcher: alerts become investigations.
//!
//! Alertmanager posts its webhook (the v4 payload) to [`WEBHOOK_PATH`] on the
//! governor's HTTP listener ([`Launcher::router`], mounted by
//! [`crate::governor::metrics::serve_with`]). The leading governor replica
//! ([`Launcher::run`]) matches each firing alert against the
//! [`InvestigationTemplate`](crate::domain::InvestigationTemplate)s, creates
//! one suspended Job per alert (fingerprint and `startsAt`) in the target
//! namespace, and admits the queued Jobs in priority order as the caps (the
//! namespace's TrustPolicy `maxConcurrentInvestigations`, the global
//! `--max-investigations`) allow: it mints the investigation's own Vault
//! identity, hands the response-wrapped token to the pod in a Secret, and
//! unsuspends the Job. When a Job ends or is deleted its token is revoked.
//!
//! The rules are pure functions in files of their own: [`crate::domain::matcher`]
//! (Alertmanager matchers), [`select`] (which template),
//! [`crate::domain::queue`] (queue order), [`admit`] (who runs now, and why
//! the others wait), [`ratelimit`], [`payload`] and [`manifest`] (the Job). The IO is in [`webhook`] (HTTP in),
//! [`intake`] (alerts to Jobs), [`controller`] (the leader's loop),
//! [`identity`] (Vault and the Secret) and [`events`] (Kubernetes Events).
//! docs/launcher.md is the operator's guide.

pub mod admit;
pub mod config;
mod controller;
mod events;
mod identity;
mod intake;
pub mod manifest;
pub mod metrics;
pub mod payload;
pub mod ratelimit;
pub mod select;
mod state;
mod token;
mod webhook;

pub use config::{
    AlertRate, DEFAULT_ALERT_RATE, DEFAULT_MAX_INVESTIGATIONS, DEFAULT_QUEUE_BOUND, LauncherConfig,
    TokenSource, WEBHOOK_PATH,
};
pub use metrics::LauncherMetrics;
pub use token::{TokenError, load_token};

use crate::vault::Vault;
use kube::Client;
use std::sync::Arc;
use tokio::sync::watch;

/// The launcher of one governor replica. Cheap to clone (shared): the
/// webhook route and the leader's loop hold the same one.
#[derive(Clone)]
pub struct Launcher {
    shared: Arc<state::Shared>,
}

impl std::fmt::Debug for Launcher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Launcher").finish_non_exhaustive()
    }
}

impl Launcher {
    /// A launcher acting with `client` (and `vault`, to mint identities;
    /// without it Jobs are admitted with no identity), counting on `metrics`
    /// (the governor replica's, see [`crate::governor::Metrics::launcher`]).
    pub fn new(
        client: Client,
        vault: Option<Arc<Vault>>,
        config: LauncherConfig,
        metrics: &crate::governor::Metrics,
    ) -> Launcher {
        Launcher {
            shared: Arc::new(state::Shared::new(
                client,
                vault,
                config,
                metrics.launcher().clone(),
            )),
        }
    }

    /// The webhook route (`POST /api/v1/alerts`), to merge into the
    /// governor's listener. A replica that does not lead (or has not yet
    /// listed the cluster) answers 503 with `Retry-After`.
    pub fn router(&self) -> axum::Router {
        webhook::router(self.shared.clone())
    }

    /// Runs until the task is dropped, acting only while `leading` says so.
    /// On gaining leadership it lists the Jobs, TrustPolicies and templates
    /// afresh and rebuilds its queue from the Jobs in the cluster; on losing
    /// it stops at once (the webhook answers 503 until it leads again).
    pub async fn run(&self, leading: watch::Receiver<bool>) {
        controller::run(self.shared.clone(), leading).await;
    }

    /// Whether this launcher leads and has listed the cluster, so it accepts alerts.
    pub fn is_accepting(&self) -> bool {
        self.shared.is_accepting()
    }

    /// How many investigations are queued and running now, as this launcher
    /// last counted them (zero while it does not lead).
    pub fn counts(&self) -> (usize, usize) {
        self.shared.counts()
    }
}
