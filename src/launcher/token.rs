//! Loading the webhook's bearer token from where `--webhook-token-file` or
//! `--webhook-token-secret` says.

use super::TokenSource;
use k8s_openapi::api::core::v1::Secret;
use kube::{Api, Client};

/// Why the token could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum TokenError {
    /// The file could not be read.
    #[error("webhook token file {path}: {source}")]
    File {
        /// The file.
        path: String,
        /// What the system said.
        source: std::io::Error,
    },
    /// The Secret could not be read.
    #[error("webhook token Secret {namespace}/{name}: {reason}")]
    Secret {
        /// Its namespace.
        namespace: String,
        /// Its name.
        name: String,
        /// What went wrong.
        reason: String,
    },
    /// The token is empty.
    #[error("the webhook token from {0} is empty")]
    Empty(String),
}

/// The token `source` holds, trimmed; an empty one is an error (it would
/// refuse every request).
pub async fn load_token(client: &Client, source: &TokenSource) -> Result<String, TokenError> {
    let (token, from) = match source {
        TokenSource::Literal(token) => (token.clone(), "the configuration".to_string()),
        TokenSource::File(path) => (
            tokio::fs::read_to_string(path)
                .await
                .map_err(|source| TokenError::File {
                    path: path.display().to_string(),
                    source,
                })?,
            path.display().to_string(),
        ),
        TokenSource::Secret {
            namespace,
            name,
            key,
        } => {
            let failed = |reason: String| TokenError::Secret {
                namespace: namespace.clone(),
                name: name.clone(),
                reason,
            };
            let secret = Api::<Secret>::namespaced(client.clone(), namespace)
                .get(name)
                .await
                .map_err(|e| failed(e.to_string()))?;
            let bytes = secret
                .data
                .and_then(|mut d| d.remove(key))
                .map(|b| b.0)
                .or_else(|| {
                    secret
                        .string_data
                        .and_then(|mut d| d.remove(key))
                        .map(String::into_bytes)
                })
                .ok_or_else(|| failed(format!("no key `{key}`")))?;
            let token = String::from_utf8(bytes).map_err(|_| failed("not UTF-8".into()))?;
            (token, format!("Secret {namespace}/{name}"))
        }
    };
    let token = token.trim().to_string();
    if token.is_empty() {
        return Err(TokenError::Empty(from));
    }
    Ok(token)
}
