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
        "Vault is configured at {addr} but no token was found: set BAO_TOKEN or VAULT_TOKEN, run `bao login` (writes ~/.vault-token) or configure a token helper"
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
    /// A setting has a value that cannot be used.
    #[error("Vault setting {name} {reason}")]
    Setting {
        /// The variable or file that holds it, such as `VAULT_SKIP_VERIFY`.
        name: String,
        /// What is wrong with it.
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

    /// What went wrong in a few words, for the header: `connection refused`,
    /// `timed out`, `host not found`, `TLS: unknown certificate authority`,
    /// `403 permission denied`, `sealed`, `not a Vault API`...
    pub fn cause(&self) -> String {
        match self {
            VaultError::BadAddress { .. } => "bad address".into(),
            VaultError::NoToken { .. } => "no token".into(),
            VaultError::TokenHelper { .. } => "token helper failed".into(),
            VaultError::Setting { name, .. } => format!("bad {name}"),
            VaultError::Client(_) => "client set-up failed".into(),
            VaultError::Unreachable { reason, .. } => transport_cause(reason).into(),
            VaultError::Api {
                status, message, ..
            } => api_cause(*status, message),
            VaultError::Unexpected { reason, .. } => {
                if reason.contains("HTTPS server") {
                    "TLS expected: use https://".into()
                } else if reason.contains("not JSON") || reason.contains("not a Vault answer") {
                    "not a Vault API".into()
                } else {
                    "unexpected answer".into()
                }
            }
            VaultError::SuspiciousWrapping { .. } => "suspicious wrapping token".into(),
            VaultError::BadRecipient { .. } => "bad age recipient".into(),
            VaultError::Age { .. } => "age failed".into(),
        }
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

/// A transport error (the error chain of the request) in a few words.
fn transport_cause(reason: &str) -> &'static str {
    let reason = reason.to_lowercase();
    let has = |needles: &[&str]| needles.iter().any(|n| reason.contains(n));
    if has(&["connection refused"]) {
        "connection refused"
    } else if has(&["timed out", "timeout", "deadline has elapsed"]) {
        "timed out"
    } else if has(&[
        "dns error",
        "failed to lookup address",
        "name or service not known",
        "no address associated",
        "nodename nor servname",
    ]) {
        "host not found"
    } else if has(&["unknownissuer", "unknown issuer", "unknownca", "unknown ca"]) {
        "TLS: unknown certificate authority"
    } else if has(&["notvalidforname", "not valid for name"]) {
        "TLS: certificate not valid for this host"
    } else if has(&["expired"]) && has(&["certificate", "cert"]) {
        "TLS: certificate expired"
    } else if has(&[
        "invalidcontenttype",
        "corrupt message",
        "wrong version number",
    ]) {
        "TLS: the server does not speak TLS (use http://?)"
    } else if has(&[
        "certificate required",
        "certificaterequired",
        "bad certificate",
        "badcertificate",
    ]) {
        "TLS: client certificate refused"
    } else if has(&["certificate", "tls", "handshake"]) {
        "TLS handshake failed"
    } else if has(&["connection reset"]) {
        "connection reset"
    } else if has(&["no route to host", "network is unreachable"]) {
        "network unreachable"
    } else if has(&["connection closed", "incomplete message", "unexpected eof"]) {
        "connection closed by the server"
    } else {
        "unreachable"
    }
}

/// An error answer in a few words: the status and what it means for Vault.
fn api_cause(status: u16, message: &str) -> String {
    let lower = message.to_lowercase();
    match status {
        503 if lower.contains("sealed") => "sealed".into(),
        403 => "403 permission denied".into(),
        429 => "429 rate limited".into(),
        _ => {
            let reason = http::StatusCode::from_u16(status)
                .ok()
                .and_then(|s| s.canonical_reason())
                .unwrap_or("error")
                .to_lowercase();
            format!("{status} {reason}")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn unreachable(reason: &str) -> VaultError {
        VaultError::Unreachable {
            addr: "https://vault.example:8200".into(),
            doing: "look up the operator's token".into(),
            reason: reason.into(),
        }
    }

    #[test]
    fn transport_failures_are_named_in_words() {
        for (reason, cause) in [
            (
                "error sending request for url (http://127.0.0.1:1/v1/sys/health): client error (Connect): tcp connect error: Connection refused (os error 111)",
                "connection refused",
            ),
            ("error sending request: operation timed out", "timed out"),
            (
                "client error (Connect): dns error: failed to lookup address information: Name or service not known",
                "host not found",
            ),
            (
                "client error (Connect): invalid peer certificate: UnknownIssuer",
                "TLS: unknown certificate authority",
            ),
            (
                "invalid peer certificate: NotValidForName",
                "TLS: certificate not valid for this host",
            ),
            (
                "client error (Connect): received corrupt message of type InvalidContentType",
                "TLS: the server does not speak TLS (use http://?)",
            ),
            ("something else entirely", "unreachable"),
        ] {
            assert_eq!(unreachable(reason).cause(), cause, "{reason}");
        }
    }

    #[test]
    fn answers_are_named_by_status_and_meaning() {
        let api = |status, message: &str| VaultError::Api {
            doing: "look up the operator's token".into(),
            status,
            message: message.into(),
        };
        assert_eq!(
            api(403, "permission denied").cause(),
            "403 permission denied"
        );
        assert_eq!(api(503, "Vault is sealed").cause(), "sealed");
        assert_eq!(api(503, "standby").cause(), "503 service unavailable");
        assert_eq!(api(500, "boom").cause(), "500 internal server error");
        let html = VaultError::Unexpected {
            doing: "check health".into(),
            reason: "HTTP 404, not JSON: expected value at line 1 column 1".into(),
        };
        assert_eq!(html.cause(), "not a Vault API");
    }
}
