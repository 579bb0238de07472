//! How a simulated agent gets and uses its Vault credentials, as
//! docs/protocol.md section 5 says a real agent should: its own
//! per-investigation token (accessor on the Job), and for each approved write
//! the wrapping token verified by lookup (creation path), unwrapped once and
//! used once.

use super::job::InvestigationRef;
use crate::domain::{ActionProposal, labels};
use crate::vault::Vault;
use k8s_openapi::api::batch::v1::Job;
use kube::api::{Patch, PatchParams};
use kube::{Api, Client, ResourceExt};
use serde_json::json;

/// How long an agent waits for the credential after seeing the approval (the
/// console stores it in a second status write, just after the decision).
const CREDENTIAL_WAIT: std::time::Duration = std::time::Duration::from_secs(10);

/// How long an investigation token lives: the Job's deadline (900 s).
const INVESTIGATION_TTL_SECONDS: u64 = 900;

/// Creates the investigation's own token and records its accessor in the
/// Job's `kubevigil.io/vault-accessor` annotation; returns the Job as patched.
/// A failure is logged and the Job kept as it was.
pub(super) async fn issue_investigation_token(
    client: &Client,
    vault: &Vault,
    inv: &InvestigationRef,
    job: Job,
) -> Job {
    let created = vault
        .create_investigation_token(
            &inv.id,
            &[crate::vault::INVESTIGATION_POLICY.to_string()],
            INVESTIGATION_TTL_SECONDS,
        )
        .await;
    let accessor = match created {
        Ok((_token, accessor)) => accessor,
        Err(error) => {
            tracing::warn!(%error, investigation = %inv.id, "no investigation token");
            return job;
        }
    };
    let jobs: Api<Job> = Api::namespaced(client.clone(), &inv.namespace);
    let patch = json!({ "metadata": { "annotations": { labels::VAULT_ACCESSOR: accessor } } });
    match jobs
        .patch(
            &job.name_any(),
            &PatchParams::default(),
            &Patch::Merge(&patch),
        )
        .await
    {
        Ok(patched) => patched,
        Err(error) => {
            tracing::warn!(%error, investigation = %inv.id, "accessor not annotated");
            job
        }
    }
}

/// Revokes the investigation's own token (named by the Job's
/// `kubevigil.io/vault-accessor`) when its run ends, so it does not outlive
/// the Job. A failure is logged: the token still expires with its TTL.
pub(super) async fn retire_investigation_token(vault: &Vault, job: &Job) {
    let Some(accessor) = job.annotations().get(labels::VAULT_ACCESSOR) else {
        return;
    };
    if let Err(error) = vault.revoke_accessor(accessor).await {
        tracing::warn!(%error, job = %job.name_any(), "investigation token not revoked");
    }
}

/// Gets the write credential of an approved proposal and uses it for the
/// write: `Ok` says what was done (shown as the tool result), `Err` why the
/// agent will not write.
pub(super) async fn use_credential(
    client: &Client,
    vault: Option<&Vault>,
    proposal: &ActionProposal,
) -> Result<String, String> {
    let waited = match vault {
        Some(_) => wait_for_credential(client, proposal).await,
        None => None,
    };
    let proposal = waited.as_ref().unwrap_or(proposal);
    let credential = proposal.status.as_ref().and_then(|s| s.credential.as_ref());
    let (Some(vault), Some(credential)) = (vault, credential) else {
        return Ok(match (vault, credential) {
            (None, _) => "no credential (sandbox with Vault off): writing with the sandbox agent identity".to_string(),
            _ => "no credential minted (the approving console has Vault off): writing with the sandbox agent identity".to_string(),
        });
    };
    if credential.revoked {
        return Err("the write credential was revoked: not writing".to_string());
    }
    let Some(wrapping) = credential.wrapping_token.as_deref() else {
        return Err(
            "the wrapping token is encrypted to a recipient this agent does not hold".to_string(),
        );
    };
    let token = vault.verify_and_unwrap(wrapping).await.map_err(|e| {
        if e.is_unknown_token() {
            format!("the write credential was revoked, expired or already used ({e}): not writing")
        } else {
            format!("not unwrapping: {e}")
        }
    })?;
    let namespace = proposal.namespace().unwrap_or_default();
    let as_agent = Vault::connect(crate::vault::VaultSettings {
        token: token.client_token.clone(),
        ..vault.settings().clone()
    })
    .map_err(|e| e.to_string())?;
    let record =
        json!({ "proposal": proposal.name_any(), "action": proposal.spec.action.kind.to_string() });
    vaultrs::kv2::set(
        as_agent.client(),
        "secret",
        &format!("kubevigil/{namespace}/{}", proposal.name_any()),
        &record,
    )
    .await
    .map_err(|e| format!("the write credential was refused (revoked or out of its policy): {e}"))?;
    Ok(format!(
        "verified the wrapping token (created by auth/token/create), unwrapped a single-use write token (accessor {}, ttl {}s, policies {}) and used it",
        token.accessor,
        token.ttl_seconds,
        token.policies.join(",")
    ))
}

/// The proposal once its status holds a credential, re-read until
/// [`CREDENTIAL_WAIT`] has passed; `None` when none came (or it already had one).
async fn wait_for_credential(client: &Client, proposal: &ActionProposal) -> Option<ActionProposal> {
    let has_credential =
        |p: &ActionProposal| p.status.as_ref().is_some_and(|s| s.credential.is_some());
    if has_credential(proposal) {
        return None;
    }
    let api: Api<ActionProposal> =
        Api::namespaced(client.clone(), &proposal.namespace().unwrap_or_default());
    let deadline = tokio::time::Instant::now() + CREDENTIAL_WAIT;
    while tokio::time::Instant::now() < deadline {
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        if let Ok(fresh) = api.get(&proposal.name_any()).await
            && has_credential(&fresh)
        {
            return Some(fresh);
        }
    }
    None
}
