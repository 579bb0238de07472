//! The library's one error type, and what a failed Kubernetes call means in
//! words. [`KubeconfigError`] lives here, under [`Error`], and `config`
//! (which reads the kubeconfig) re-exports it.

use thiserror::Error;

/// Everything that can go wrong inside the library.
#[derive(Debug, Error)]
pub enum Error {
    /// A Kubernetes API call failed.
    #[error("{}", KubeCause::of(.0))]
    Kube(#[from] kube::Error),
    /// Reading or writing a file failed.
    #[error("{context}: {source}")]
    Io {
        /// What was being done.
        context: String,
        /// The underlying failure.
        source: std::io::Error,
    },
    /// A document could not be encoded or decoded.
    #[error("{0}")]
    Serialization(String),
    /// Input that the operator or an agent supplied was refused.
    #[error("{field}: {reason}")]
    Invalid {
        /// The field that was wrong.
        field: String,
        /// Why it was refused.
        reason: String,
    },
    /// No kubeconfig could be read.
    #[error(transparent)]
    Kubeconfig(#[from] KubeconfigError),
    /// The cluster could not be used (unreachable, credentials rejected, not
    /// Kubernetes, forbidden), said for the operator, with what to try.
    #[error("{message}")]
    Cluster {
        /// What happened, naming the server.
        message: String,
        /// What to try, when something helps.
        hint: Option<String>,
    },
    /// The console was started without a terminal to draw on.
    #[error("the console needs a terminal: {0}")]
    NoTerminal(String),
}

/// Result with the library's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    /// An IO error with what was being done.
    pub fn io(context: impl Into<String>, source: std::io::Error) -> Self {
        Error::Io {
            context: context.into(),
            source,
        }
    }

    /// A second line for the operator: what to try next, when something helps.
    pub fn hint(&self) -> Option<String> {
        match self {
            Error::Cluster { hint, .. } => hint.clone(),
            Error::NoTerminal(_) => Some(
                "run it in a terminal (over ssh: ssh -t); `kubevigil audit export` works without one"
                    .into(),
            ),
            Error::Kubeconfig(KubeconfigError::Missing(_)) => Some(
                "pass --kubeconfig FILE or set KUBECONFIG; `kubevigil demo` needs no cluster".into(),
            ),
            _ => None,
        }
    }
}

/// Why a Kubernetes API call failed, in the words an operator needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KubeCause {
    /// Nothing listens at the server's address.
    Refused,
    /// The server did not answer in time.
    Timeout,
    /// The server's host name does not resolve.
    UnknownHost,
    /// The TLS handshake failed (certificate, protocol).
    Tls(String),
    /// 401: the server rejected the credentials.
    Unauthorized,
    /// 403: the user may not do this; the server's message.
    Forbidden(String),
    /// The server answered, but not as a Kubernetes API does.
    NotKubernetes(String),
    /// Another answer from the API server.
    Status {
        /// The HTTP status code.
        code: u16,
        /// The server's message.
        message: String,
    },
    /// Anything else, as the client library says it.
    Other(String),
}

impl KubeCause {
    /// The cause of `error`.
    pub fn of(error: &kube::Error) -> KubeCause {
        match error {
            kube::Error::Api(status) => {
                let message = clean(&status.message);
                // kube makes this reason up when the body is not a Status.
                let not_a_status = status.reason == "Failed to parse error data";
                match status.code {
                    401 => KubeCause::Unauthorized,
                    403 => KubeCause::Forbidden(if message.is_empty() || not_a_status {
                        "forbidden".into()
                    } else {
                        message
                    }),
                    code if not_a_status => KubeCause::NotKubernetes(format!(
                        "it answered {} with a body that is not a Kubernetes Status",
                        code_text(code)
                    )),
                    code => KubeCause::Status { code, message },
                }
            }
            kube::Error::SerdeError(_) => {
                KubeCause::NotKubernetes("its answer is not a Kubernetes API document".into())
            }
            other => transport_cause(other),
        }
    }

    /// Whether the credentials were rejected.
    pub fn is_unauthorized(&self) -> bool {
        matches!(self, KubeCause::Unauthorized)
    }
}

impl std::fmt::Display for KubeCause {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            KubeCause::Refused => f.write_str("connection refused"),
            KubeCause::Timeout => f.write_str("timed out"),
            KubeCause::UnknownHost => f.write_str("unknown host"),
            KubeCause::Tls(reason) => write!(f, "TLS: {reason}"),
            KubeCause::Unauthorized => {
                f.write_str("Unauthorized (401): the credentials were rejected")
            }
            KubeCause::Forbidden(message) => write!(f, "Forbidden (403): {message}"),
            KubeCause::NotKubernetes(what) => write!(f, "not a Kubernetes API: {what}"),
            KubeCause::Status { code, message } if message.is_empty() => {
                f.write_str(&code_text(*code))
            }
            KubeCause::Status { code, message } => write!(f, "{}: {message}", code_text(*code)),
            KubeCause::Other(text) => f.write_str(text),
        }
    }
}

/// `404 Not Found`.
pub(crate) fn code_text(code: u16) -> String {
    let reason = http::StatusCode::from_u16(code)
        .ok()
        .and_then(|c| c.canonical_reason());
    match reason {
        Some(reason) => format!("{code} {reason}"),
        None => code.to_string(),
    }
}

/// One line of at most 300 characters, free of control characters.
fn clean(text: &str) -> String {
    let line = text
        .lines()
        .map(str::trim)
        .find(|l| !l.is_empty())
        .unwrap_or("");
    let line = crate::sanitize::sanitize(line);
    let mut out: String = line.chars().take(300).collect();
    if line.chars().count() > 300 {
        out.push('…');
    }
    out
}

/// The cause of a failure below HTTP: connecting, TLS, name resolution.
fn transport_cause(error: &kube::Error) -> KubeCause {
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(error);
    let mut innermost = error.to_string();
    let mut tls = None;
    while let Some(current) = source {
        if let Some(io) = current.downcast_ref::<std::io::Error>() {
            match io.kind() {
                std::io::ErrorKind::ConnectionRefused => return KubeCause::Refused,
                std::io::ErrorKind::TimedOut => return KubeCause::Timeout,
                _ => {}
            }
            // An io::Error's `source` skips the error it wraps (rustls's):
            // walk into that instead.
            if let Some(inner) = io.get_ref() {
                innermost = inner.to_string();
                source = Some(inner as &(dyn std::error::Error + 'static));
                continue;
            }
        }
        if let Some(rustls) = current.downcast_ref::<rustls::Error>() {
            tls = Some(rustls.to_string());
        }
        innermost = current.to_string();
        source = current.source();
    }
    let lower = innermost.to_lowercase();
    if let Some(reason) = tls {
        KubeCause::Tls(reason)
    } else if lower.contains("connection refused") {
        KubeCause::Refused
    } else if lower.contains("timed out") || lower.contains("deadline has elapsed") {
        KubeCause::Timeout
    } else if lower.contains("failed to lookup address")
        || lower.contains("name or service not known")
        || lower.contains("no address associated")
    {
        KubeCause::UnknownHost
    } else if lower.contains("certificate") || lower.contains("tls") || lower.contains("handshake")
    {
        KubeCause::Tls(innermost)
    } else {
        KubeCause::Other(clean(&innermost))
    }
}

/// Why no kubeconfig could be read.
#[derive(Debug, Error)]
pub enum KubeconfigError {
    /// None of the files exists.
    #[error("no kubeconfig found: {0}")]
    Missing(String),
    /// A file exists but could not be read or parsed, or files do not merge.
    #[error("kubeconfig {path}: {message}")]
    Unreadable {
        /// The file (or the files, for a merge that failed).
        path: String,
        /// kube's reason.
        message: String,
    },
}

#[cfg(test)]
mod tests {
    use super::*;
    use kube::core::Status;

    fn api(code: u16, reason: &str, message: &str) -> kube::Error {
        kube::Error::Api(Status::failure(message, reason).with_code(code).boxed())
    }

    #[test]
    fn status_answers_read_as_words_without_debug_dumps() {
        let forbidden = api(
            403,
            "Forbidden",
            "actionproposals.kubevigil.io is forbidden: User \"payments-dev\" cannot list resource \"actionproposals\"",
        );
        let text = Error::from(forbidden).to_string();
        assert_eq!(
            text,
            "Forbidden (403): actionproposals.kubevigil.io is forbidden: User \"payments-dev\" cannot list resource \"actionproposals\""
        );
        assert!(!text.contains("Status {"), "{text}");
        assert_eq!(
            Error::from(api(401, "Unauthorized", "Unauthorized")).to_string(),
            "Unauthorized (401): the credentials were rejected"
        );
        assert_eq!(
            KubeCause::of(&api(
                404,
                "Failed to parse error data",
                "<html><body>nope</body></html>"
            )),
            KubeCause::NotKubernetes(
                "it answered 404 Not Found with a body that is not a Kubernetes Status".into()
            )
        );
        assert_eq!(
            KubeCause::of(&api(409, "Conflict", "the object has been modified\nmore")).to_string(),
            "409 Conflict: the object has been modified"
        );
    }

    #[test]
    fn a_refused_connection_is_named() {
        let io = std::io::Error::from(std::io::ErrorKind::ConnectionRefused);
        let error = kube::Error::Service(Box::new(io));
        assert_eq!(KubeCause::of(&error), KubeCause::Refused);
        assert_eq!(KubeCause::of(&error).to_string(), "connection refused");
    }
}
