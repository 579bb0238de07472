//! The cluster connection as the header tells it: the server, and what was
//! done about rejected credentials.

use jiff::Timestamp;

/// How long after a kubeconfig re-read another one may start while the
/// credentials are still rejected.
pub const RELOAD_EVERY: jiff::SignedDuration = jiff::SignedDuration::from_secs(5);

/// The cluster the console talks to and the state of its credentials.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Connection {
    /// The API server as `host:port` (from the kubeconfig's cluster entry).
    pub server: Option<String>,
    /// The kubeconfig re-read after a 401.
    pub reload: Reload,
}

/// Re-reading the kubeconfig after the API server rejected the credentials.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum Reload {
    /// Nothing re-read (the credentials were never rejected, or worked since).
    #[default]
    Idle,
    /// The kubeconfig is being read again and a new client built.
    Running {
        /// When it started.
        started: Timestamp,
        /// How many re-reads this outage had before.
        attempts: u32,
    },
    /// The kubeconfig was read again; the watchers retry with what it says.
    Done {
        /// When it finished.
        at: Timestamp,
        /// How many re-reads this outage had.
        attempts: u32,
        /// Why the kubeconfig could not be used, if it could not.
        error: Option<String>,
    },
}

impl Reload {
    /// How many re-reads this outage had (running included).
    pub fn attempts(&self) -> u32 {
        match self {
            Reload::Idle => 0,
            Reload::Running { attempts, .. } => attempts + 1,
            Reload::Done { attempts, .. } => *attempts,
        }
    }

    /// Whether another re-read may start at `now`.
    pub fn may_start(&self, now: Timestamp) -> bool {
        match self {
            Reload::Idle => true,
            Reload::Running { started, .. } => {
                // A re-read that never came back does not block forever.
                now.duration_since(*started) >= RELOAD_EVERY * 6
            }
            Reload::Done { at, .. } => now.duration_since(*at) >= RELOAD_EVERY,
        }
    }
}

/// `host:port` of a server URL (the scheme's port when it names none): the
/// cluster's and Vault's address as the header shows them.
pub fn host_port(server: &str) -> String {
    let Ok(uri) = server.parse::<http::Uri>() else {
        return server.to_string();
    };
    let Some(host) = uri.host() else {
        return server.to_string();
    };
    let port = uri.port_u16().or(match uri.scheme_str() {
        Some("http") => Some(80),
        Some("https") => Some(443),
        _ => None,
    });
    match port {
        Some(port) => format!("{host}:{port}"),
        None => host.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn servers_read_as_host_and_port() {
        assert_eq!(host_port("https://127.0.0.1:6443"), "127.0.0.1:6443");
        assert_eq!(host_port("https://k8s.example.com"), "k8s.example.com:443");
        assert_eq!(host_port("http://[::1]:8080/prefix"), "[::1]:8080");
        assert_eq!(host_port("not a url"), "not a url");
    }

    #[test]
    fn reloads_are_spaced() {
        let t0: Timestamp = "2026-01-01T00:00:00Z".parse().unwrap();
        let later = |s: i64| t0 + jiff::SignedDuration::from_secs(s);
        assert!(Reload::Idle.may_start(t0));
        let done = Reload::Done {
            at: t0,
            attempts: 1,
            error: None,
        };
        assert!(!done.may_start(later(1)));
        assert!(done.may_start(later(5)));
        let running = Reload::Running {
            started: t0,
            attempts: 0,
        };
        assert!(!running.may_start(later(5)));
        assert_eq!(running.attempts(), 1);
    }
}
