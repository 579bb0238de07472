//! The investigation's own Vault identity, as an agent receives it from the
//! launcher (docs/protocol.md): a response-wrapped token in the Secret
//! `<job>-vault` (key `wrapped-token`, mounted at
//! `/var/run/kubevigil/vault/wrapped-token`), unwrapped once at start. A
//! wrapping token that will not unwrap was possibly intercepted: the agent
//! says so and marks its Job (`kubevigil.io/identity-unwrap-failed`).

use super::job::InvestigationRef;
use crate::domain::labels;
use crate::launcher::manifest::{WRAPPED_TOKEN_KEY, secret_name};
use crate::vault::{UnwrappedToken, Vault};
use k8s_openapi::api::batch::v1::Job;
use k8s_openapi::api::core::v1::Secret;
use kube::api::{Patch, PatchParams};
use kube::{Api, Client};
use serde_json::json;
use std::time::Duration;

/// What came of the identity.
pub(super) enum Identity {
    /// Unwrapped: the investigation's own token.
    Unwrapped(Box<UnwrappedToken>),
    /// It would not unwrap (or was not there): why.
    Failed(String),
}

/// Reads the wrapping token from the Secret and unwraps it with `vault`
/// (the lookup first refuses a token not made by `auth/token/create`). The
/// Secret is read a few times: the launcher writes it before it unsuspends
/// the Job, but the agent may start before it reads back.
pub(super) async fn unwrap(client: &Client, vault: &Vault, inv: &InvestigationRef) -> Identity {
    let secrets: Api<Secret> = Api::namespaced(client.clone(), &inv.namespace);
    let name = secret_name(&inv.job);
    let mut wrapping = None;
    for _ in 0..20 {
        if let Ok(Some(secret)) = secrets.get_opt(&name).await {
            wrapping = secret
                .data
                .as_ref()
                .and_then(|d| d.get(WRAPPED_TOKEN_KEY))
                .map(|b| String::from_utf8_lossy(&b.0).trim().to_string());
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let Some(wrapping) = wrapping.filter(|w| !w.is_empty()) else {
        return Identity::Failed(format!(
            "no wrapped identity in Secret {}/{name} (key {WRAPPED_TOKEN_KEY})",
            inv.namespace
        ));
    };
    match vault.verify_and_unwrap(&wrapping).await {
        Ok(token) => match token.metadata.get("investigation") {
            Some(named) if *named == inv.id => Identity::Unwrapped(Box::new(token)),
            named => Identity::Failed(format!(
                "the unwrapped identity names investigation {}, not {}",
                named.map_or("(none)", String::as_str),
                inv.id
            )),
        },
        Err(error) => Identity::Failed(super::credential::one_line(&error.to_string())),
    }
}

/// Marks the Job: `kubevigil.io/identity-unwrap-failed` = `reason`.
pub(super) async fn mark_failed(client: &Client, inv: &InvestigationRef, reason: &str) {
    let jobs: Api<Job> = Api::namespaced(client.clone(), &inv.namespace);
    let patch =
        json!({ "metadata": { "annotations": { labels::IDENTITY_UNWRAP_FAILED: reason } } });
    if let Err(error) = jobs
        .patch(&inv.job, &PatchParams::default(), &Patch::Merge(&patch))
        .await
    {
        tracing::warn!(%error, job = %inv.job, "agent: marking a failed unwrap");
    }
}
