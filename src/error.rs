//! The library's one error type.

use thiserror::Error;

/// Everything that can go wrong inside the library.
#[derive(Debug, Error)]
pub enum Error {
    /// A Kubernetes API call failed.
    #[error("kubernetes: {0}")]
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
}
