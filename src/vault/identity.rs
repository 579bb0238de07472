//! An investigation's own Vault identity, minted by the launcher when it
//! admits the investigation's Job: a child token with the phase's policy,
//! a TTL of the Job's deadline plus a margin and the investigation in its
//! metadata, response-wrapped so only the pod can unwrap it (the
//! trusted-orchestrator pattern; docs/protocol.md says how the agent does).

use super::mint::WrappedCredential;
use super::{Vault, VaultError};
use serde::Deserialize;
use serde_json::json;
use std::collections::BTreeMap;

/// How long the wrapping token of an investigation identity lives, in
/// seconds: the pod must start and unwrap within this.
pub const IDENTITY_WRAP_TTL_SECONDS: u64 = 600;
/// What an identity outlives its Job's `activeDeadlineSeconds` by, in seconds.
pub const IDENTITY_TTL_MARGIN_SECONDS: u64 = 120;

/// What to mint for an admitted investigation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdentityRequest {
    /// The Vault policies (`kubevigil-investigation-<phase>`).
    pub policies: Vec<String>,
    /// The token's lifetime (and explicit maximum), in seconds.
    pub ttl_seconds: u64,
    /// The investigation id.
    pub investigation: String,
    /// The alert's fingerprint.
    pub alert_fingerprint: String,
    /// The Job's uid.
    pub job_uid: String,
    /// The Job's (target) namespace.
    pub namespace: String,
    /// The wrapping token's lifetime, in seconds.
    pub wrap_ttl_seconds: u64,
}

impl IdentityRequest {
    /// The token's metadata: `investigation`, `alert_fingerprint`,
    /// `job_uid`, `namespace`, `minted_by=kubevigil-launcher`.
    pub fn metadata(&self) -> BTreeMap<String, String> {
        BTreeMap::from([
            ("investigation".to_string(), self.investigation.clone()),
            (
                "alert_fingerprint".to_string(),
                self.alert_fingerprint.clone(),
            ),
            ("job_uid".to_string(), self.job_uid.clone()),
            ("namespace".to_string(), self.namespace.clone()),
            ("minted_by".to_string(), "kubevigil-launcher".to_string()),
        ])
    }
}

#[derive(Deserialize)]
struct WrapInfo {
    token: String,
    #[serde(default)]
    wrapped_accessor: String,
    ttl: u64,
}

impl Vault {
    /// Mints an investigation's identity (`auth/token/create`, not
    /// renewable, with `X-Vault-Wrap-TTL`): the wrapping token and the
    /// accessor of the wrapped token.
    pub async fn mint_investigation_identity(
        &self,
        request: &IdentityRequest,
    ) -> Result<WrappedCredential, VaultError> {
        let doing = format!(
            "mint the identity of investigation {}",
            request.investigation
        );
        let ttl = format!("{}s", request.ttl_seconds.max(1));
        let body = json!({
            "policies": request.policies,
            "ttl": ttl,
            "explicit_max_ttl": ttl,
            "renewable": false,
            "no_default_policy": false,
            "display_name": format!("kubevigil-investigation-{}", request.investigation),
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
        let info: WrapInfo = serde_json::from_value(
            answer.get("wrap_info").cloned().unwrap_or_default(),
        )
        .map_err(|e| VaultError::Unexpected {
            doing: doing.clone(),
            reason: format!("`wrap_info` is missing or malformed: {e}"),
        })?;
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
}
