//! How the API emulator is set up.

use std::time::Duration;

/// Settings for [`super::ApiServer::start`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiConfig {
    /// The loopback port to listen on; 0 picks any free port.
    pub port: u16,
    /// How many changes are kept per resource so that a watch can resume from
    /// an older resourceVersion; older versions get 410 Gone.
    pub watch_history: usize,
    /// How often an idle watch that asked for bookmarks receives one.
    pub bookmark_interval: Duration,
    /// How many lines of log are kept per pod; older lines are dropped.
    pub log_lines_per_pod: usize,
    /// How often the world's controllers (Deployments, ReplicaSets, the
    /// kubelet, Job deadlines and TTLs) run: see `docs/sandbox.md`.
    pub controller_interval: Duration,
    /// A crashing container's first restart back-off; it doubles with each
    /// restart up to 30 times this (10 s and 5 min, as the kubelet does).
    pub crash_backoff: Duration,
    /// The longest a watch stays open (a shorter `timeoutSeconds` wins): the
    /// API server ends watches after a while, and clients watch again from
    /// the last version they saw, or relist on 410 Gone.
    pub max_watch: Duration,
}

impl Default for ApiConfig {
    fn default() -> Self {
        ApiConfig {
            port: 0,
            watch_history: 10_000,
            bookmark_interval: Duration::from_secs(1),
            log_lines_per_pod: 100_000,
            controller_interval: Duration::from_secs(1),
            crash_backoff: Duration::from_secs(10),
            max_watch: Duration::from_secs(1800),
        }
    }
}
