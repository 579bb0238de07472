//! Minting an approval's write credential (a response-wrapped child token)
//! and, for agents, verifying and unwrapping it.

use super::{Vault, VaultError};
use serde::Deserialize;
use serde_json::{Value, json};
use std::collections::BTreeMap;

/// Uses a minted write token allows: one `auth/token/lookup-self` for the agent
/// to check the metadata names its proposal (docs/protocol.md section 5, step
/// 4), and one call for the write itself.
pub const WRITE_CREDENTIAL_USES: u64 = 2;

/// How long the wrapping token lives, in seconds, unless the caller says otherwise:
/// long enough for the agent to notice the approval, short enough that a leaked
/// status is worthless soon.
pub const DEFAULT_WRAP_TTL_SECONDS: u64 = 300;

/// What to mint for an approved proposal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MintRequest {
    /// The Vault policy the token gets (and no other).
    pub policy: String,
    /// The token's lifetime in seconds (also its explicit maximum).
    pub ttl_seconds: u64,
    /// How many requests the token may make.
    pub num_uses: u64,
    /// The investigation id, into the token's metadata.
    pub investigation: String,
    /// The proposal, `namespace/name`, into the token's metadata.
    pub proposal: String,
    /// The digest of the approved action (`sha256:<hex>`), into the token's
    /// metadata as `action_digest`: the agent executes only that action.
    pub action_digest: String,
    /// Who approved (or `rule:<name>`), into the token's metadata.
    pub approvers: Vec<String>,
    /// How long the wrapping token lives, in seconds.
    pub wrap_ttl_seconds: u64,
}

impl MintRequest {
    /// The token metadata: `investigation`, `proposal`, `action_digest`,
    /// `approvers` (comma-separated) and `minted_by=kubevigil`.
    pub fn metadata(&self) -> BTreeMap<String, String> {
        BTreeMap::from([
            ("action_digest".to_string(), self.action_digest.clone()),
            ("investigation".to_string(), self.investigation.clone()),
            ("proposal".to_string(), self.proposal.clone()),
            ("approvers".to_string(), self.approvers.join(",")),
            ("minted_by".to_string(), "kubevigil".to_string()),
        ])
    }
}

/// A minted, wrapped credential.
#[derive(Clone, PartialEq, Eq)]
pub struct WrappedCredential {
    /// The response-wrapping token (a secret: give it only to the agent).
    pub wrapping_token: String,
    /// The accessor of the wrapped (write) token, for lookup and revocation.
    pub wrapped_accessor: String,
    /// The wrapped token's lifetime, in seconds.
    pub ttl_seconds: u64,
    /// The wrapping token's lifetime, in seconds.
    pub wrap_ttl_seconds: u64,
}

impl std::fmt::Debug for WrappedCredential {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WrappedCredential")
            .field("wrapping_token", &"<redacted>")
            .field("wrapped_accessor", &self.wrapped_accessor)
            .field("ttl_seconds", &self.ttl_seconds)
            .field("wrap_ttl_seconds", &self.wrap_ttl_seconds)
            .finish()
    }
}

/// What `sys/wrapping/lookup` says about a wrapping token.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct WrappingInfo {
    /// The API path that produced the wrapped response.
    pub creation_path: String,
    /// The wrapping token's TTL at creation, in seconds.
    pub creation_ttl: u64,
    /// When it was created (RFC 3339).
    pub creation_time: String,
}

impl WrappingInfo {
    /// Whether the wrapped response came from a token-creation endpoint
    /// (`auth/token/create` or `auth/token/create/<role>`), not from
    /// `sys/wrapping/wrap`, which wraps anything anyone gives it.
    pub fn is_token_creation(&self) -> bool {
        self.creation_path == "auth/token/create"
            || self.creation_path.starts_with("auth/token/create/")
    }
}

/// An unwrapped write token.
#[derive(Clone, PartialEq, Eq)]
pub struct UnwrappedToken {
    /// The write token itself.
    pub client_token: String,
    /// Its accessor.
    pub accessor: String,
    /// Its policies.
    pub policies: Vec<String>,
    /// Its metadata.
    pub metadata: BTreeMap<String, String>,
    /// Its lifetime in seconds.
    pub ttl_seconds: u64,
}

impl std::fmt::Debug for UnwrappedToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("UnwrappedToken")
            .field("client_token", &"<redacted>")
            .field("accessor", &self.accessor)
            .field("policies", &self.policies)
            .field("metadata", &self.metadata)
            .field("ttl_seconds", &self.ttl_seconds)
            .finish()
    }
}

#[derive(Deserialize)]
struct WrapInfo {
    token: String,
    #[serde(default)]
    wrapped_accessor: String,
    ttl: u64,
}

#[derive(Deserialize)]
struct AuthInfo {
    client_token: String,
    accessor: String,
    #[serde(default)]
    policies: Vec<String>,
    #[serde(default)]
    metadata: Option<BTreeMap<String, String>>,
    #[serde(default)]
    lease_duration: u64,
}

impl Vault {
    /// Mints a child of the operator's token with only `request.policy`,
    /// `request.ttl_seconds` (not renewable), `request.num_uses` and the
    /// metadata of [`MintRequest::metadata`], response-wrapped for
    /// `request.wrap_ttl_seconds` (the `X-Vault-Wrap-TTL` header).
    pub async fn mint_write_credential(
        &self,
        request: &MintRequest,
    ) -> Result<WrappedCredential, VaultError> {
        let doing = format!("mint a write credential for {}", request.proposal);
        let ttl = format!("{}s", request.ttl_seconds.max(1));
        let body = json!({
            "policies": [request.policy],
            "ttl": ttl,
            "explicit_max_ttl": ttl,
            "renewable": false,
            "num_uses": request.num_uses,
            "display_name": format!("kubevigil-{}", request.proposal.replace('/', "-")),
            "meta": request.metadata(),
        });
        let answer = self
            .raw(
                http::Method::POST,
                "auth/token/create",
                None,
                Some(request.wrap_ttl_seconds.max(1)),
                Some(&body),
                &doing,
            )
            .await?;
        let info: WrapInfo = field(&answer, "wrap_info", &doing)?;
        if info.wrapped_accessor.is_empty() {
            return Err(VaultError::Unexpected {
                doing,
                reason: "the wrapped response names no wrapped_accessor".to_string(),
            });
        }
        Ok(WrappedCredential {
            wrapping_token: info.token,
            wrapped_accessor: info.wrapped_accessor,
            ttl_seconds: request.ttl_seconds.max(1),
            wrap_ttl_seconds: info.ttl,
        })
    }

    /// Looks a wrapping token up (`sys/wrapping/lookup`) without using it.
    pub async fn lookup_wrapping(&self, wrapping_token: &str) -> Result<WrappingInfo, VaultError> {
        let doing = "look up a wrapping token";
        let answer = self
            .raw(
                http::Method::POST,
                "sys/wrapping/lookup",
                None,
                None,
                Some(&json!({ "token": wrapping_token })),
                doing,
            )
            .await?;
        field(&answer, "data", doing)
    }

    /// What an agent does: looks the wrapping token up, refuses one that did
    /// not come from a token-creation path ([`VaultError::SuspiciousWrapping`]),
    /// then unwraps it (which works once: a second unwrap is an
    /// [`VaultError::Api`] error).
    pub async fn verify_and_unwrap(
        &self,
        wrapping_token: &str,
    ) -> Result<UnwrappedToken, VaultError> {
        let info = self.lookup_wrapping(wrapping_token).await?;
        if !info.is_token_creation() {
            return Err(VaultError::SuspiciousWrapping {
                creation_path: info.creation_path,
            });
        }
        self.unwrap_token(wrapping_token).await
    }

    /// Unwraps a wrapping token (`sys/wrapping/unwrap`, authenticated with the
    /// wrapping token itself) and returns the wrapped token.
    pub async fn unwrap_token(&self, wrapping_token: &str) -> Result<UnwrappedToken, VaultError> {
        let doing = "unwrap a wrapping token";
        let answer = self
            .raw(
                http::Method::POST,
                "sys/wrapping/unwrap",
                Some(wrapping_token),
                None,
                None,
                doing,
            )
            .await?;
        let auth: AuthInfo = field(&answer, "auth", doing)?;
        Ok(UnwrappedToken {
            client_token: auth.client_token,
            accessor: auth.accessor,
            policies: auth.policies,
            metadata: auth.metadata.unwrap_or_default(),
            ttl_seconds: auth.lease_duration,
        })
    }

    /// Creates a token for one investigation (a child of the operator's
    /// token) with `policies`, `ttl_seconds` and the investigation in its
    /// metadata; returns the token and its accessor. Used by the sandbox and
    /// by whoever launches agents; its accessor belongs in the Job's
    /// `kubevigil.io/vault-accessor` annotation.
    pub async fn create_investigation_token(
        &self,
        investigation: &str,
        policies: &[String],
        ttl_seconds: u64,
    ) -> Result<(String, String), VaultError> {
        self.create_token_as(None, investigation, policies, ttl_seconds)
            .await
    }

    /// [`Vault::create_investigation_token`] authenticated with `parent`
    /// (the operator's token when `None`): the new token is `parent`'s child.
    pub async fn create_token_as(
        &self,
        parent: Option<&str>,
        investigation: &str,
        policies: &[String],
        ttl_seconds: u64,
    ) -> Result<(String, String), VaultError> {
        let doing = format!("create a token for investigation {investigation}");
        let body = json!({
            "policies": policies,
            "ttl": format!("{}s", ttl_seconds.max(1)),
            "display_name": format!("kubevigil-investigation-{investigation}"),
            "meta": { "investigation": investigation, "minted_by": "kubevigil" },
        });
        let answer = self
            .raw(
                http::Method::POST,
                "auth/token/create",
                parent,
                None,
                Some(&body),
                &doing,
            )
            .await?;
        let auth: AuthInfo = field(&answer, "auth", &doing)?;
        Ok((auth.client_token, auth.accessor))
    }

    /// Writes (creates or replaces) the ACL policy `name` with `rules` (HCL).
    pub async fn put_policy(&self, name: &str, rules: &str) -> Result<(), VaultError> {
        let doing = format!("write policy {name}");
        self.raw(
            http::Method::PUT,
            &format!("sys/policies/acl/{name}"),
            None,
            None,
            Some(&json!({ "policy": rules })),
            &doing,
        )
        .await
        .map(drop)
    }
}

/// `answer[name]` deserialised, or an explanation of what was missing.
fn field<T: serde::de::DeserializeOwned>(
    answer: &Value,
    name: &str,
    doing: &str,
) -> Result<T, VaultError> {
    let value = answer.get(name).cloned().unwrap_or(Value::Null);
    serde_json::from_value(value).map_err(|e| VaultError::Unexpected {
        doing: doing.to_string(),
        reason: format!("`{name}` is missing or malformed: {e}"),
    })
}
