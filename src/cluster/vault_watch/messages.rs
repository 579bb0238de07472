//! Messages between the console and the Vault tasks: what the console asks
//! for ([`VaultEffect`]) and what came back ([`VaultEvent`]). Deciding with
//! Vault is in `crate::decide`; this
//! is what the console shows: the operator's Vault identity in the header and
//! the open investigation's token in the detail view.

use crate::vault::{TokenInfo, VaultError, VaultIdentity};
use jiff::Timestamp;

/// Vault IO for the header and the detail view, run by the runtime in tasks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum VaultEffect {
    /// Look up the operator's own token (`auth/token/lookup-self`), or report
    /// that Vault is off.
    LookupIdentity,
    /// Look up this token accessor now and again every
    /// [`TOKEN_REFRESH`](super::TOKEN_REFRESH) until another
    /// `WatchToken` replaces it; `None` stops looking.
    WatchToken {
        /// The accessor (`kubevigil.io/vault-accessor` of the open investigation).
        accessor: Option<String>,
    },
}

/// How often the open investigation's token is looked up again. Between
/// lookups the TTL counts down on the console's own clock.
pub const TOKEN_REFRESH: std::time::Duration = std::time::Duration::from_secs(30);

/// What a Vault task found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum VaultEvent {
    /// No Vault is configured (no `VAULT_ADDR`, no `[vault] addr`).
    Off,
    /// The server at this address is still starting (the sandbox's OpenBao):
    /// its identity follows once it answers.
    Starting {
        /// The server address.
        addr: String,
    },
    /// Vault is configured but cannot be used as configured (a bad address,
    /// no token): why.
    Misconfigured(String),
    /// The operator's identity, or why it could not be looked up.
    Identity {
        /// The server address.
        addr: String,
        /// The identity, or why not.
        result: Result<VaultIdentity, VaultFailure>,
    },
    /// The server's TLS certificate is not verified (`BAO_SKIP_VERIFY` or
    /// `VAULT_SKIP_VERIFY`): said once, shown in the header for as long as
    /// the console runs.
    TlsUnverified {
        /// The server address.
        addr: String,
    },
    /// A lookup of a watched token accessor came back.
    Token {
        /// The accessor looked up.
        accessor: String,
        /// When Vault answered (the TTL counts down from here).
        at: Timestamp,
        /// What Vault said.
        lookup: TokenLookup,
    },
}

/// The answer to a token lookup by accessor.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TokenLookup {
    /// The token exists.
    Found(TokenInfo),
    /// Vault does not know the accessor: the token was revoked or expired.
    Gone,
    /// The lookup failed (unreachable, forbidden): the error for the operator.
    Failed(String),
}

/// Why Vault could not be used: a few words for the header and the whole
/// sentence for the notices.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VaultFailure {
    /// The cause in a few words ([`VaultError::cause`]): `connection
    /// refused`, `timed out`, `403 permission denied`, `sealed`...
    pub cause: String,
    /// The error worded for the operator.
    pub detail: String,
}

impl From<&VaultError> for VaultFailure {
    fn from(error: &VaultError) -> VaultFailure {
        VaultFailure {
            cause: error.cause(),
            detail: error.to_string(),
        }
    }
}

impl std::fmt::Display for VaultFailure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.detail)
    }
}
