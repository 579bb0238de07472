//! The emulator's own errors (the HTTP errors it serves are [`super::status::StatusError`]).

use thiserror::Error;

/// What can go wrong when starting the emulator or building a client for it.
#[derive(Debug, Error)]
pub enum ApiError {
    /// The loopback port could not be bound.
    #[error("cannot listen on 127.0.0.1:{port}: {source}")]
    Bind {
        /// The port asked for.
        port: u16,
        /// Why binding failed.
        source: std::io::Error,
    },
    /// The built-in TLS certificate could not be loaded (should not happen).
    #[error("sandbox TLS: {0}")]
    Tls(#[from] tokio_rustls::rustls::Error),
    /// No such sandbox user.
    #[error("unknown sandbox user {0:?}")]
    UnknownUser(String),
    /// The server URL could not be parsed (should not happen).
    #[error("invalid server url: {0}")]
    Url(#[from] http::uri::InvalidUri),
    /// The kube client could not be built.
    #[error("kube client: {0}")]
    Kube(#[from] kube::Error),
}
