//! Admitting a queued Job: mint the investigation's identity, put the
//! wrapping token in the Job's Secret, then unsuspend the Job with the
//! accessor on it. And revoking that identity when the Job is over.

use super::manifest::{MANAGED_BY, WRAPPED_TOKEN_KEY, secret_name};
use super::state::{JobKey, Shared, Tracked};
use crate::domain::template::identity_policy;
use crate::domain::{Phase, labels};
use crate::vault::{
    IDENTITY_TTL_MARGIN_SECONDS, IDENTITY_WRAP_TTL_SECONDS, IdentityRequest, Vault,
};
use jiff::Timestamp;
use k8s_openapi::ByteString;
use k8s_openapi::api::batch::v1::Job;
use k8s_openapi::api::core::v1::Secret;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{ObjectMeta, OwnerReference};
use kube::Api;
use kube::api::{Patch, PatchParams, PostParams};
use std::collections::BTreeMap;

/// Admits the queued Job `key`: with Vault, mints its identity under the
/// policy of `phase` and stores the wrapping token in `<job>-vault`; then
/// merge-patches the Job unsuspended, `admission=admitted`, the accessor
/// on it and the queue reason gone. A failure after minting revokes the
/// token it minted. Returns the Job as written.
pub(super) async fn admit(
    shared: &Shared,
    key: &JobKey,
    tracked: &Tracked,
    phase: Phase,
) -> Result<Job, String> {
    let (namespace, name) = key;
    let mut annotations = serde_json::Map::new();
    annotations.insert(labels::QUEUE_REASON.into(), serde_json::Value::Null);
    // The phase it runs under, kept on the Job for after the namespace moves.
    annotations.insert(labels::PHASE.into(), phase.to_string().into());
    let mut minted: Option<String> = None;
    if let Some(vault) = &shared.vault {
        let request = IdentityRequest {
            policies: vec![identity_policy(phase)],
            ttl_seconds: u64::try_from(tracked.deadline_seconds.max(1)).unwrap_or(900)
                + IDENTITY_TTL_MARGIN_SECONDS,
            investigation: tracked.investigation.clone(),
            alert_fingerprint: tracked.alert.0.clone(),
            job_uid: tracked.uid.clone(),
            namespace: namespace.clone(),
            wrap_ttl_seconds: IDENTITY_WRAP_TTL_SECONDS,
        };
        let credential = vault
            .mint_investigation_identity(&request)
            .await
            .map_err(|e| format!("minting the identity: {e}"))?;
        let accessor = credential.wrapped_accessor.clone();
        if let Err(error) =
            store_secret(shared, key, tracked, &credential.wrapping_token, &accessor).await
        {
            revoke_quietly(vault, &accessor).await;
            return Err(format!("storing the wrapped token: {error}"));
        }
        annotations.insert(labels::VAULT_ACCESSOR.into(), accessor.clone().into());
        minted = Some(accessor);
    }
    let patch = serde_json::json!({
        "metadata": {
            "labels": {labels::ADMISSION: labels::ADMISSION_ADMITTED},
            "annotations": annotations,
        },
        "spec": {"suspend": false},
    });
    let api: Api<Job> = Api::namespaced(shared.client.clone(), namespace);
    match api
        .patch(name, &PatchParams::default(), &Patch::Merge(&patch))
        .await
    {
        Ok(job) => Ok(job),
        Err(error) => {
            if let (Some(vault), Some(accessor)) = (&shared.vault, &minted) {
                revoke_quietly(vault, accessor).await;
            }
            Err(format!("unsuspending the Job: {error}"))
        }
    }
}

/// Creates `<job>-vault` (owned by the Job, so it goes with it) holding
/// the wrapping token. One left by a leader that died mid-admission is
/// replaced, and the token it held revoked.
async fn store_secret(
    shared: &Shared,
    (namespace, name): &JobKey,
    tracked: &Tracked,
    wrapping_token: &str,
    accessor: &str,
) -> Result<(), kube::Error> {
    let secret = Secret {
        metadata: ObjectMeta {
            name: Some(secret_name(name)),
            namespace: Some(namespace.clone()),
            labels: Some(BTreeMap::from([
                (
                    labels::INVESTIGATION.to_string(),
                    tracked.investigation.clone(),
                ),
                (
                    "app.kubernetes.io/managed-by".to_string(),
                    MANAGED_BY.to_string(),
                ),
            ])),
            annotations: Some(BTreeMap::from([(
                labels::VAULT_ACCESSOR.to_string(),
                accessor.to_string(),
            )])),
            owner_references: Some(vec![OwnerReference {
                api_version: "batch/v1".to_string(),
                kind: "Job".to_string(),
                name: name.clone(),
                uid: tracked.uid.clone(),
                controller: Some(false),
                block_owner_deletion: Some(false),
            }]),
            ..Default::default()
        },
        type_: Some("Opaque".to_string()),
        data: Some(BTreeMap::from([(
            WRAPPED_TOKEN_KEY.to_string(),
            ByteString(wrapping_token.as_bytes().to_vec()),
        )])),
        ..Default::default()
    };
    let api: Api<Secret> = Api::namespaced(shared.client.clone(), namespace);
    match api.create(&PostParams::default(), &secret).await {
        Ok(_) => Ok(()),
        Err(kube::Error::Api(status)) if status.code == 409 => {
            let old = api.get(&secret_name(name)).await?;
            if let (Some(vault), Some(previous)) = (
                &shared.vault,
                old.metadata
                    .annotations
                    .as_ref()
                    .and_then(|a| a.get(labels::VAULT_ACCESSOR)),
            ) {
                revoke_quietly(vault, previous).await;
            }
            let mut replacement = secret;
            replacement.metadata.resource_version = old.metadata.resource_version;
            api.replace(&secret_name(name), &PostParams::default(), &replacement)
                .await
                .map(drop)
        }
        Err(error) => Err(error),
    }
}

async fn revoke_quietly(vault: &Vault, accessor: &str) {
    if let Err(error) = vault.revoke_accessor(accessor).await {
        tracing::warn!(%error, "launcher: revoking an unused identity failed (it runs out with its TTL)");
    }
}

/// Revokes the identity `accessor` of the Job `key`, which is over; when
/// the Job still exists, notes `kubevigil.io/vault-revoked-at` on it so no
/// later leader revokes it again. Returns whether the token is revoked.
pub(super) async fn revoke(
    client: &kube::Client,
    vault: &Vault,
    key: &JobKey,
    accessor: &str,
    exists: bool,
) -> bool {
    if let Err(error) = vault.revoke_accessor(accessor).await {
        tracing::warn!(%error, job = %key.1, "launcher: revoking the investigation's identity failed; retrying later");
        return false;
    }
    tracing::info!(namespace = %key.0, job = %key.1, "launcher: revoked the investigation's identity");
    if exists {
        let at = Timestamp::from_second(Timestamp::now().as_second())
            .unwrap_or_else(|_| Timestamp::now())
            .to_string();
        let patch =
            serde_json::json!({"metadata": {"annotations": {labels::VAULT_REVOKED_AT: at}}});
        let api: Api<Job> = Api::namespaced(client.clone(), &key.0);
        if let Err(error) = api
            .patch(&key.1, &PatchParams::default(), &Patch::Merge(&patch))
            .await
        {
            tracing::debug!(%error, job = %key.1, "launcher: noting the revocation on the Job");
        }
    }
    true
}
