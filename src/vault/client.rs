//! The connection to Vault/OpenBao: a vaultrs client plus raw requests
//! through its HTTP handle for what vaultrs lacks (wrapping with a chosen TTL,
//! unwrapping, wrapping lookup).

use super::{VaultError, VaultSettings};
use serde_json::Value;
use std::collections::BTreeMap;
use std::time::Duration;
use vaultrs::client::{VaultClient, VaultClientSettingsBuilder};

/// How long one request may take before Vault counts as unreachable.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(10);

/// A connected Vault/OpenBao client acting with the operator's token.
pub struct Vault {
    client: VaultClient,
    settings: VaultSettings,
}

impl std::fmt::Debug for Vault {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Vault")
            .field("settings", &self.settings)
            .finish()
    }
}

/// Who the operator is in Vault (`auth/token/lookup-self`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VaultIdentity {
    /// The token's display name, such as `token` or `oidc-alice`.
    pub display_name: String,
    /// The identity entity id (empty for root and tokens without an entity).
    pub entity_id: String,
    /// The token's policies.
    pub policies: Vec<String>,
}

/// What Vault says about a token, looked up by its accessor.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenInfo {
    /// Seconds left before the token expires (0 for a token that never does).
    pub ttl_seconds: u64,
    /// The lifetime it was created with, in seconds.
    pub creation_ttl_seconds: u64,
    /// The token's policies.
    pub policies: Vec<String>,
    /// The token's metadata (investigation, proposal, approvers...).
    pub metadata: BTreeMap<String, String>,
    /// Uses left (0 means unlimited).
    pub num_uses: u64,
    /// The token's display name.
    pub display_name: String,
}

impl Vault {
    /// Connects with `settings`. Installs rustls's ring provider first (once
    /// per process); no request is made yet.
    pub fn connect(settings: VaultSettings) -> Result<Vault, VaultError> {
        let _already_installed = rustls::crypto::ring::default_provider().install_default();
        super::config::check_address(&settings.addr)?;
        let mut builder = VaultClientSettingsBuilder::default();
        builder
            .address(&settings.addr)
            .token(settings.token.clone())
            .timeout(Some(REQUEST_TIMEOUT))
            .ca_certs(
                settings
                    .cacert
                    .iter()
                    .map(|p| p.display().to_string())
                    .collect(),
            );
        if let Some(namespace) = &settings.namespace {
            builder.set_namespace(namespace.clone());
        }
        // Set explicitly, so vaultrs does not read VAULT_SKIP_VERIFY or
        // VAULT_CLIENT_CERT behind the settings' back.
        builder.verify(!settings.skip_verify);
        if settings.skip_verify {
            tracing::warn!(
                addr = %settings.addr,
                "TLS certificate verification is off for Vault (BAO_SKIP_VERIFY/VAULT_SKIP_VERIFY)"
            );
        }
        builder.identity(
            settings
                .client_certificate
                .as_ref()
                .map(client_identity)
                .transpose()?,
        );
        let built = builder
            .build()
            .map_err(|e| VaultError::Client(e.to_string()))?;
        let client = VaultClient::new(built).map_err(|e| VaultError::Client(e.to_string()))?;
        Ok(Vault { client, settings })
    }

    /// Connects using the environment and the config file's `[vault]`
    /// section; `Ok(None)` when Vault is off.
    pub fn from_env(file: &crate::config::VaultConfig) -> Result<Option<Vault>, VaultError> {
        super::settings_from_env(file)?
            .map(Vault::connect)
            .transpose()
    }

    /// The server address.
    pub fn addr(&self) -> &str {
        &self.settings.addr
    }

    /// The settings this client was made with (the token included).
    pub fn settings(&self) -> &VaultSettings {
        &self.settings
    }

    /// The vaultrs client, for endpoints this module does not wrap.
    pub fn client(&self) -> &VaultClient {
        &self.client
    }

    /// The operator's identity: display name, entity id and policies.
    /// Requested directly (not through vaultrs) so that an answer that is not
    /// Vault's reads as such rather than as an unreachable server.
    pub async fn identity(&self) -> Result<VaultIdentity, VaultError> {
        let doing = "look up the operator's token";
        let answer = self
            .raw(
                http::Method::GET,
                "auth/token/lookup-self",
                None,
                None,
                None,
                doing,
            )
            .await?;
        let data = answer.get("data").ok_or_else(|| VaultError::Unexpected {
            doing: doing.to_string(),
            reason: "no data in the answer".to_string(),
        })?;
        let text = |key: &str| {
            data.get(key)
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_string()
        };
        let list = |key: &str| {
            data.get(key)
                .and_then(Value::as_array)
                .map(|items| {
                    items
                        .iter()
                        .filter_map(Value::as_str)
                        .map(str::to_string)
                        .collect::<Vec<_>>()
                })
                .unwrap_or_default()
        };
        let mut policies = list("policies");
        policies.extend(list("identity_policies"));
        Ok(VaultIdentity {
            display_name: text("display_name"),
            entity_id: text("entity_id"),
            policies,
        })
    }

    /// What Vault says about the token with `accessor`: TTL left, policies,
    /// metadata. An unknown or revoked accessor is an [`VaultError::Api`] error.
    pub async fn lookup_accessor(&self, accessor: &str) -> Result<TokenInfo, VaultError> {
        let doing = format!("look up token accessor {accessor}");
        let found = vaultrs::token::lookup_accessor(&self.client, accessor)
            .await
            .map_err(|e| self.classify(e, &doing))?;
        Ok(TokenInfo {
            ttl_seconds: found.ttl,
            creation_ttl_seconds: found.creation_ttl,
            policies: found.policies,
            metadata: found.meta.unwrap_or_default().into_iter().collect(),
            num_uses: found.num_uses,
            display_name: found.display_name,
        })
    }

    /// Revokes the token with `accessor`, and with it every child token.
    /// Revoking a token that is already gone succeeds (Vault answers 400
    /// "invalid accessor" only for malformed ones; both end the same way).
    pub async fn revoke_accessor(&self, accessor: &str) -> Result<(), VaultError> {
        let doing = format!("revoke token accessor {accessor}");
        match vaultrs::token::revoke_accessor(&self.client, accessor).await {
            Ok(()) => Ok(()),
            Err(e) => match self.classify(e, &doing) {
                VaultError::Api { message, .. } if message.contains("invalid accessor") => Ok(()),
                other => Err(other),
            },
        }
    }

    /// Whether the server answers its health check (initialised and unsealed).
    pub async fn is_healthy(&self) -> bool {
        self.raw(
            http::Method::GET,
            "sys/health",
            None,
            None,
            None,
            "check health",
        )
        .await
        .is_ok()
    }

    /// A raw request to `/v1/<path>` with `token` (the operator's when `None`),
    /// an optional `X-Vault-Wrap-TTL`, and a JSON body; returns the JSON answer
    /// (`null` for 204).
    pub(crate) async fn raw(
        &self,
        method: http::Method,
        path: &str,
        token: Option<&str>,
        wrap_ttl_seconds: Option<u64>,
        body: Option<&Value>,
        doing: &str,
    ) -> Result<Value, VaultError> {
        let url = format!("{}/v1/{}", self.settings.addr, path.trim_start_matches('/'));
        let mut request = self
            .client
            .http
            .http
            .request(method, url)
            .timeout(REQUEST_TIMEOUT)
            .header("X-Vault-Token", token.unwrap_or(&self.settings.token))
            .header("X-Vault-Request", "true");
        if let Some(namespace) = &self.settings.namespace {
            request = request.header("X-Vault-Namespace", namespace);
        }
        if let Some(ttl) = wrap_ttl_seconds {
            request = request.header("X-Vault-Wrap-TTL", format!("{ttl}s"));
        }
        if let Some(body) = body {
            request = request
                .header("Content-Type", "application/json")
                .body(body.to_string());
        }
        let response = request
            .send()
            .await
            .map_err(|e| self.unreachable(doing, &e))?;
        let status = response.status().as_u16();
        let text = response
            .text()
            .await
            .map_err(|e| self.unreachable(doing, &e))?;
        let json: Value = if text.trim().is_empty() {
            Value::Null
        } else {
            serde_json::from_str(&text).map_err(|e| VaultError::Unexpected {
                doing: doing.to_string(),
                reason: format!("HTTP {status}, not JSON ({e}): {}", snippet(&text)),
            })?
        };
        if !(200..300).contains(&status) {
            // Vault answers every error with an `errors` list (sys/health
            // aside, whose answers are only checked for success).
            if json.get("errors").is_none() && path != "sys/health" {
                return Err(VaultError::Unexpected {
                    doing: doing.to_string(),
                    reason: format!(
                        "HTTP {status} without Vault's errors, not a Vault answer: {}",
                        snippet(&text)
                    ),
                });
            }
            return Err(VaultError::Api {
                doing: doing.to_string(),
                status,
                message: api_errors(&json),
            });
        }
        Ok(json)
    }

    fn unreachable(&self, doing: &str, error: &dyn std::error::Error) -> VaultError {
        VaultError::Unreachable {
            addr: self.settings.addr.clone(),
            doing: doing.to_string(),
            reason: error_chain(error),
        }
    }

    /// vaultrs's error as ours: an API answer, an answer that is not
    /// Vault's, or an unreachable server.
    fn classify(&self, error: vaultrs::error::ClientError, doing: &str) -> VaultError {
        match error {
            vaultrs::error::ClientError::APIError { code, errors } => VaultError::Api {
                doing: doing.to_string(),
                status: code,
                message: errors.join("; "),
            },
            other => {
                let chain = error_chain(&other);
                // rustify's words for an answer it could not read as Vault's.
                if chain.contains("Server returned error") || chain.contains("Error parsing") {
                    VaultError::Unexpected {
                        doing: doing.to_string(),
                        reason: format!("not JSON: {chain}"),
                    }
                } else {
                    self.unreachable(doing, &other)
                }
            }
        }
    }
}

/// The client certificate and key as one identity for the TLS client.
fn client_identity(
    certificate: &super::ClientCertificate,
) -> Result<vaultrs::client::Identity, VaultError> {
    let read = |path: &std::path::Path| {
        std::fs::read(path).map_err(|e| {
            VaultError::Client(format!(
                "cannot read the client certificate or key {}: {e}",
                path.display()
            ))
        })
    };
    let mut pem = read(&certificate.cert)?;
    pem.push(b'\n');
    pem.extend(read(&certificate.key)?);
    vaultrs::client::Identity::from_pem(&pem).map_err(|e| {
        VaultError::Client(format!(
            "the client certificate {} with key {} is not usable: {}",
            certificate.cert.display(),
            certificate.key.display(),
            error_chain(&e)
        ))
    })
}

/// The start of an answer that is not JSON, on one line.
fn snippet(text: &str) -> String {
    let line: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
    match line.char_indices().nth(120) {
        Some((cut, _)) => format!("{}…", &line[..cut]),
        None => line,
    }
}

/// The `errors` array of a Vault error answer, joined.
fn api_errors(json: &Value) -> String {
    json.get("errors")
        .and_then(Value::as_array)
        .map(|errors| {
            errors
                .iter()
                .filter_map(Value::as_str)
                .collect::<Vec<_>>()
                .join("; ")
        })
        .filter(|m| !m.is_empty())
        .unwrap_or_else(|| "no error message".to_string())
}

/// An error and its sources, one line.
fn error_chain(error: &dyn std::error::Error) -> String {
    let mut line = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        let cause_text = cause.to_string();
        if !line.contains(&cause_text) {
            line.push_str(": ");
            line.push_str(&cause_text);
        }
        source = cause.source();
    }
    line
}
