//! What the console knows about Vault: whether it is on, who the operator
//! is there, and the open investigation's token.

use crate::cluster::vault_watch::TokenLookup;
use crate::vault::VaultIdentity;
use jiff::{SignedDuration, Timestamp};

/// Whether Vault is on and who the operator is in it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum VaultStatus {
    /// Not known yet (the lookup is under way).
    #[default]
    Unknown,
    /// No Vault is configured: approvals are recorded but mint no credentials.
    Off,
    /// The server is still starting (the sandbox's OpenBao, started beside
    /// the console): its address.
    Starting(String),
    /// Configured, but unusable as configured: why.
    Misconfigured(String),
    /// The operator's identity, sanitized.
    On {
        /// The server address.
        addr: String,
        /// Who the operator is.
        identity: VaultIdentity,
    },
    /// Configured, but the identity lookup failed: why, and since when.
    Failing {
        /// The server address.
        addr: String,
        /// The cause in a few words (`connection refused`, `403 permission
        /// denied`, `sealed`...), sanitized.
        cause: String,
        /// The error, for the operator, sanitized.
        error: String,
        /// When the failures began (kept while they last, whatever the cause).
        since: Timestamp,
    },
}

impl VaultStatus {
    /// Whether Vault is configured at all (starting, on, failing or misconfigured).
    pub fn is_configured(&self) -> bool {
        !matches!(self, VaultStatus::Off | VaultStatus::Unknown)
    }
}

/// The open investigation's token, as last looked up.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WatchedToken {
    /// The accessor looked up.
    pub accessor: String,
    /// Whether the investigation's Job was still running when the watch
    /// (re)started: its end is a reason to look again at once.
    pub job_active: bool,
    /// The last answer that said something about the token (found or gone)
    /// and when it came; `None` while the first lookup runs.
    pub last: Option<(Timestamp, TokenLookup)>,
    /// Why the latest lookup failed, when it did (the last answer still shows).
    pub error: Option<String>,
}

impl WatchedToken {
    /// When the token expires, counted from the last lookup; `None` when it
    /// never expires or is not known.
    pub fn expires_at(&self) -> Option<Timestamp> {
        match &self.last {
            Some((at, TokenLookup::Found(info))) if info.ttl_seconds > 0 => {
                let ttl = i64::try_from(info.ttl_seconds).unwrap_or(i64::MAX);
                at.checked_add(SignedDuration::from_secs(ttl)).ok()
            }
            _ => None,
        }
    }
}

/// Vault in the console.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct VaultView {
    /// On, off, or failing.
    pub status: VaultStatus,
    /// The open investigation's token, while one is watched.
    pub token: Option<WatchedToken>,
    /// Whether the server's TLS certificate goes unchecked
    /// (`BAO_SKIP_VERIFY`/`VAULT_SKIP_VERIFY`): a warning in the header.
    pub tls_unverified: bool,
}
