//! What can go wrong talking to Vault/OpenBao, worded for the operator.

/// A failed Vault/OpenBao operation.
#[derive(Debug, thiserror::Error)]
pub enum VaultError {
    /// The configured address is not a usable URL.
    #[error("Vault address {addr:?} is not a valid http(s) URL")]
    BadAddress {
        /// The address as configured.
        addr: String,
    },
    /// An address is configured but no token was found.
    #[error(
        "Vault is configured at {addr} but no token was found: set VAULT_TOKEN, run `bao login` (writes ~/.vault-token) or configure a token helper"
    )]
    NoToken {
        /// The configured address.
        addr: String,
    },
    /// The token helper program failed.
    #[error("the Vault token helper {helper} failed: {reason}")]
    TokenHelper {
        /// The helper program.
        helper: String,
        /// What went wrong.
        reason: String,
    },
    /// The client could not be built (bad CA certificate and the like).
    #[error("cannot set up the Vault client: {0}")]
    Client(String),
    /// The server could not be reached.
    #[error("Vault at {addr} is unreachable while trying to {doing}: {reason}")]
    Unreachable {
        /// The server address.
        addr: String,
        /// What we were doing.
        doing: String,
        /// The transport error.
        reason: String,
    },
    /// The server answered with an error.
    #[error("Vault refused to {doing} (HTTP {status}): {message}")]
    Api {
        /// What we were doing.
        doing: String,
        /// The HTTP status.
        status: u16,
        /// Vault's error messages, joined.
        message: String,
    },
    /// The server's answer was not what the API documents.
    #[error("unexpected answer from Vault while trying to {doing}: {reason}")]
    Unexpected {
        /// What we were doing.
        doing: String,
        /// What was wrong with it.
        reason: String,
    },
    /// A wrapping token did not come from a token-creation path.
    #[error(
        "the wrapping token was created by {creation_path:?}, not a token-creation path: do not unwrap it"
    )]
    SuspiciousWrapping {
        /// The creation path Vault reported.
        creation_path: String,
    },
    /// The age recipient is not an X25519 recipient.
    #[error("{recipient:?} is not an age X25519 recipient (age1...): {reason}")]
    BadRecipient {
        /// The recipient as given.
        recipient: String,
        /// Why it was refused.
        reason: String,
    },
    /// age encryption or decryption failed.
    #[error("age {doing} failed: {reason}")]
    Age {
        /// `encryption` or `decryption`.
        doing: &'static str,
        /// Why.
        reason: String,
    },
}

impl VaultError {
    /// Whether the server could not be reached at all (as opposed to refusing).
    pub fn is_unreachable(&self) -> bool {
        matches!(self, VaultError::Unreachable { .. })
    }

    /// Whether Vault answered that it does not know the token or accessor
    /// (revoked, expired, or never existed).
    pub fn is_unknown_token(&self) -> bool {
        matches!(self, VaultError::Api { status: 400, message, .. }
            if message.contains("invalid accessor") || message.contains("invalid token"))
    }

    /// Whether Vault answered that a wrapping token is not valid or does not
    /// exist (`sys/wrapping/lookup` and `sys/wrapping/unwrap` answer 400
    /// "wrapping token is not valid or does not exist"): it was already
    /// unwrapped, it expired, or it never existed.
    pub fn is_invalid_wrapping_token(&self) -> bool {
        matches!(self, VaultError::Api { status: 400, message, .. }
            if message.contains("wrapping token is not valid"))
    }
}
