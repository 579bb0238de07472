//! How a simulated agent gets and uses its Vault credentials, as
//! docs/protocol.md section 5 says a real agent should (its own
//! per-investigation identity comes from the launcher: [`super::identity`]): for each approved write,
//! the wrapping token sealed to the investigation's age identity, decrypted,
//! verified by lookup (creation path), unwrapped once, checked against the
//! action it will execute (the token's `action_digest` metadata) and used
//! once. No credential, no write: with Vault on, the agent waits for the
//! credential until the proposal expires, and never falls back to another
//! identity.

use super::agent::{Agent, Interrupt};
use crate::domain::canonical::short_digest;
use crate::domain::{ActionProposal, MintedCredential, NoCredential, ProposedAction};
use crate::vault::{
    DEFAULT_WRAP_TTL_SECONDS, UnwrappedToken, Vault, VaultError, VaultSettings,
    decrypt_with_identity,
};
use jiff::{SignedDuration, Timestamp};
use kube::{Api, ResourceExt};
use serde_json::json;
use std::collections::BTreeMap;

/// How often the agent reads the proposal again while it waits for its credential.
const CREDENTIAL_POLL: std::time::Duration = std::time::Duration::from_millis(200);

/// How long after `expiresAt` the agent still waits for a credential (one
/// minted just before the deadline is stored a moment later).
const CREDENTIAL_GRACE: SignedDuration = SignedDuration::from_secs(5);

/// What the agent got for an approved proposal.
pub(super) enum Credential {
    /// A usable way to write `action`, the proposal's effective action as
    /// read just now (`proposal`).
    Granted(Box<Grant>),
    /// The proposal is no longer approved (vetoed or killed meanwhile).
    Withdrawn,
    /// No credential came before the proposal expired: nothing is written.
    Expired(String),
    /// The credential cannot be used (revoked, not decryptable, forged, or
    /// minted for another action): the agent reports `Failed` with this.
    Refused(String),
    /// The wrapping token was already unwrapped by someone else: a security
    /// alarm. The agent does not write.
    Intercepted(String),
}

/// What the agent may write with.
pub(super) struct Grant {
    /// The proposal as read when the credential was checked.
    pub proposal: ActionProposal,
    /// The action to execute: the proposal's effective action, whose digest
    /// the credential names when there is one.
    pub action: ProposedAction,
    /// The unwrapped write token, acting as a Vault client; `None` when Vault
    /// is off in the sandbox (the agent writes with its own identity).
    pub writer: Option<Vault>,
    /// What was verified, for the tool result.
    pub summary: String,
}

/// Gets the write credential of an approved proposal as docs/protocol.md
/// section 5 says. Without a Vault (the sandbox has Vault off) there is none
/// to get: the grant says so and the agent writes with its own identity.
/// With one, it waits (re-reading the proposal) until a credential is stored,
/// saying why none is there yet (`status.noCredential`), until the proposal
/// is withdrawn or expires; then decrypts, verifies, unwraps and checks it.
pub(super) async fn obtain(
    agent: &mut Agent,
    proposal: &ActionProposal,
) -> Result<Credential, Interrupt> {
    let Some(vault) = agent.vault.clone() else {
        let fresh = read(agent, proposal).await?;
        if !fresh.state().is_approved() {
            return Ok(Credential::Withdrawn);
        }
        return Ok(Credential::Granted(Box::new(Grant {
            action: fresh.effective_action().action,
            proposal: fresh,
            writer: None,
            summary: "Vault is off in this sandbox: no credential exists".to_string(),
        })));
    };
    let (fresh, credential) = match wait_for_credential(agent, proposal).await? {
        Waited::Credential(fresh, credential) => (*fresh, credential),
        Waited::Withdrawn => return Ok(Credential::Withdrawn),
        Waited::Expired(message) => return Ok(Credential::Expired(message)),
    };
    if credential.revoked {
        return Ok(Credential::Refused(
            "the write credential was revoked: not writing".to_string(),
        ));
    }
    let wrapping = match (
        &credential.encrypted_wrapping_token,
        &credential.wrapping_token,
    ) {
        (Some(sealed), _) => match decrypt_with_identity(&agent.age_identity, sealed) {
            Ok(wrapping) => wrapping,
            Err(error) => {
                return Ok(Credential::Refused(format!(
                    "the wrapping token is not sealed to this investigation's age recipient ({error}): not writing"
                )));
            }
        },
        (None, Some(clear)) => clear.clone(),
        (None, None) => {
            return Ok(Credential::Refused(
                "the credential holds no wrapping token: not writing".to_string(),
            ));
        }
    };
    let token = match vault.verify_and_unwrap(&wrapping).await {
        Ok(token) => token,
        Err(error) if error.is_invalid_wrapping_token() || error.is_unknown_token() => {
            return already_unwrapped(agent, &fresh, &credential, &error).await;
        }
        Err(error) => {
            return Ok(Credential::Refused(format!(
                "not unwrapping the write credential: {error}"
            )));
        }
    };
    let writer = match Vault::connect(VaultSettings {
        token: token.client_token.clone(),
        ..vault.settings().clone()
    }) {
        Ok(writer) => writer,
        Err(error) => return Ok(Credential::Refused(error.to_string())),
    };
    let runs = fresh.effective_action();
    let digest = runs.digest();
    if let Some(why) = mismatch(&fresh, &digest, &token.metadata) {
        // Nobody will use it: end it now rather than at its TTL.
        if let Err(error) = vaultrs::token::revoke_self(writer.client()).await {
            tracing::debug!(%error, "agent: revoking a refused write token");
        }
        return Ok(Credential::Refused(why));
    }
    Ok(Credential::Granted(Box::new(Grant {
        summary: unwrapped_summary(&token, &digest),
        action: runs.action,
        proposal: fresh,
        writer: Some(writer),
    })))
}

/// Where the sandbox keeps the Kubernetes credential of namespace
/// `namespace`'s writer, under the KV v2 mount `secret` (what a real
/// deployment gets from Vault's Kubernetes secrets engine instead).
pub fn kubernetes_credential_path(namespace: &str) -> String {
    format!("kubevigil-sandbox/kubernetes/{namespace}")
}

/// What [`kubernetes_credential_path`] holds.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct KubernetesCredential {
    /// The API server's URL.
    pub server: String,
    /// A bearer token of the namespace's writer.
    pub token: String,
}

/// The write itself, with the unwrapped token (its two uses): it reads the
/// Kubernetes credential of the proposal's namespace, which only a token
/// with the namespace's write policy may read (the sandbox's stand-in for
/// Vault's Kubernetes secrets engine), and records the action under
/// `kubevigil/<namespace>/<proposal>`. Returns a client that writes as the
/// namespace's writer: the approved action is sent with it.
pub(super) async fn write_with(
    writer: &Vault,
    proposal: &ActionProposal,
    action: &ProposedAction,
) -> Result<kube::Client, String> {
    let namespace = proposal.namespace().unwrap_or_default();
    let refused = |e: vaultrs::error::ClientError| {
        format!("the write credential was refused (revoked or out of its policy): {e}")
    };
    let credential: KubernetesCredential = vaultrs::kv2::read(
        writer.client(),
        "secret",
        &kubernetes_credential_path(&namespace),
    )
    .await
    .map_err(refused)?;
    let record = json!({
        "proposal": proposal.name_any(),
        "action": action.kind.to_string(),
        "action_digest": crate::domain::action_digest(action),
    });
    vaultrs::kv2::set(
        writer.client(),
        "secret",
        &format!("kubevigil/{namespace}/{}", proposal.name_any()),
        &record,
    )
    .await
    .map_err(refused)?;
    let url = credential
        .server
        .parse()
        .map_err(|e| format!("the Kubernetes credential names no usable server: {e}"))?;
    let mut config = kube::Config::new(url);
    config.auth_info.token = Some(credential.token.into());
    kube::Client::try_from(config)
        .map_err(|e| format!("no Kubernetes client for the credential: {e}"))
}

/// Why the unwrapped token may not be used for `proposal`, whose effective
/// action has `digest`: minted for another proposal, or for another action
/// (or naming none). `None` when it matches.
fn mismatch(
    proposal: &ActionProposal,
    digest: &str,
    metadata: &BTreeMap<String, String>,
) -> Option<String> {
    let name = format!(
        "{}/{}",
        proposal.namespace().unwrap_or_default(),
        proposal.name_any()
    );
    match metadata.get("proposal") {
        Some(named) if *named == name => {}
        named => {
            return Some(format!(
                "the write credential was minted for proposal {}, not {name}: refusing to write",
                named.map_or("(none named)", String::as_str)
            ));
        }
    }
    match metadata.get("action_digest") {
        Some(named) if named == digest => None,
        Some(named) => Some(format!(
            "the write credential names action sha256:{}, but the approved action I would execute is sha256:{}: refusing to write",
            short_digest(named),
            short_digest(digest)
        )),
        None => Some(format!(
            "the write credential names no action digest, so it cannot be bound to the approved action sha256:{}: refusing to write",
            short_digest(digest)
        )),
    }
}

fn unwrapped_summary(token: &UnwrappedToken, digest: &str) -> String {
    format!(
        "verified the wrapping token (created by auth/token/create), unwrapped a single-use write token (accessor {}, ttl {}s, policies {}) for action sha256:{}, the approved one",
        token.accessor,
        token.ttl_seconds,
        token.policies.join(","),
        short_digest(digest)
    )
}

/// The wrapping token was unknown to Vault: already unwrapped (intercepted)
/// unless the proposal was withdrawn, the credential revoked or replaced, or
/// the wrapping token simply expired.
async fn already_unwrapped(
    agent: &mut Agent,
    proposal: &ActionProposal,
    credential: &MintedCredential,
    error: &VaultError,
) -> Result<Credential, Interrupt> {
    let now = read(agent, proposal).await?;
    if !now.state().is_approved() {
        return Ok(Credential::Withdrawn);
    }
    let current = now.status.as_ref().and_then(|s| s.credential.as_ref());
    if current.is_none_or(|c| c.revoked || c.wrapped_accessor != credential.wrapped_accessor) {
        return Ok(Credential::Refused(format!(
            "the write credential was revoked or replaced while I unwrapped it ({error}): not writing"
        )));
    }
    let wrap_ttl =
        SignedDuration::from_secs(i64::try_from(DEFAULT_WRAP_TTL_SECONDS).unwrap_or(i64::MAX));
    if let Some(minted) = &credential.minted_at
        && minted.0 + wrap_ttl <= Timestamp::now()
    {
        return Ok(Credential::Refused(format!(
            "the wrapping token expired before I unwrapped it (minted at {}, wrapped for {DEFAULT_WRAP_TTL_SECONDS} s): not writing",
            minted.0
        )));
    }
    Ok(Credential::Intercepted(format!(
        "SECURITY: the wrapping token of {}/{} was already unwrapped by someone else ({error}); whoever did holds its write credential (accessor {}). Not writing. Veto or kill the proposal to revoke it.",
        now.namespace().unwrap_or_default(),
        now.name_any(),
        credential.wrapped_accessor
    )))
}

/// How waiting for a credential ended.
enum Waited {
    /// The proposal, read once its status held a credential, and the credential.
    Credential(Box<ActionProposal>, MintedCredential),
    /// The proposal is no longer approved.
    Withdrawn,
    /// No credential before the proposal expired: why, for the agent to say.
    Expired(String),
}

/// Re-reads the proposal until its status holds a credential, it is no
/// longer approved, or it expires (`expiresAt` plus [`CREDENTIAL_GRACE`]; a
/// proposal without `expiresAt` is waited on until its Job ends). Says in a
/// thought what it waits for, and each reason `status.noCredential` gives.
async fn wait_for_credential(
    agent: &mut Agent,
    proposal: &ActionProposal,
) -> Result<Waited, Interrupt> {
    let deadline = proposal.spec.expires_at.as_ref().map(|t| t.0);
    let mut said: Option<NoCredential> = None;
    let mut announced = false;
    loop {
        agent.checkpoint().await?;
        let fresh = read(agent, proposal).await?;
        if !fresh.state().is_approved() {
            return Ok(Waited::Withdrawn);
        }
        let status = fresh.status.clone().unwrap_or_default();
        if let Some(credential) = status.credential {
            return Ok(Waited::Credential(Box::new(fresh), credential));
        }
        let until = deadline.map_or_else(
            || "until my Job ends".to_string(),
            |at| format!("until the proposal expires at {at}"),
        );
        match status.no_credential {
            Some(note) if said.as_ref().is_none_or(|s| !same_note(s, &note)) => {
                agent
                    .think(format!(
                        "Waiting for a credential: {}: {}. No credential, no write: I keep waiting {until}.",
                        note.reason,
                        one_line(&note.message)
                    ))
                    .await;
                said = Some(note);
                announced = true;
            }
            None if !announced => {
                agent
                    .think(format!(
                        "Waiting for the write credential the approval mints; I will not write without it (waiting {until})."
                    ))
                    .await;
                announced = true;
            }
            _ => {}
        }
        if let Some(at) = deadline
            && Timestamp::now() >= at + CREDENTIAL_GRACE
        {
            let why = said.as_ref().map_or_else(
                || "none was ever stored".to_string(),
                |n| format!("{}: {}", n.reason, one_line(&n.message)),
            );
            return Ok(Waited::Expired(format!(
                "The proposal expired at {at} before a write credential arrived ({why}). No credential, no write: nothing was executed."
            )));
        }
        tokio::time::sleep(CREDENTIAL_POLL).await;
    }
}

/// `text` on one line, runs of whitespace (Vault's multi-line errors) made one space.
pub(super) fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Whether two notes say the same (whenever they were written).
fn same_note(a: &NoCredential, b: &NoCredential) -> bool {
    a.reason == b.reason && a.message == b.message
}

/// The proposal as it is now; [`Interrupt::Stopped`] once it is deleted. A
/// failed read is tried again (the agent is waiting anyway).
async fn read(agent: &Agent, proposal: &ActionProposal) -> Result<ActionProposal, Interrupt> {
    let api: Api<ActionProposal> = Api::namespaced(agent.client.clone(), &agent.inv.namespace);
    let name = proposal.name_any();
    let mut failures = 0;
    loop {
        match api.get_opt(&name).await {
            Ok(Some(fresh)) => return Ok(fresh),
            Ok(None) => return Err(Interrupt::Stopped),
            Err(error) if failures < 10 => {
                failures += 1;
                tracing::debug!(%error, proposal = %name, "agent: reading the proposal");
                tokio::time::sleep(CREDENTIAL_POLL).await;
            }
            Err(error) => return Err(error.into()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn proposal() -> ActionProposal {
        let spec = serde_json::from_value(json!({
            "investigation": "inv-1",
            "summary": "scale api",
            "risk": "low",
            "reversible": true,
            "action": {
                "kind": "scale",
                "target": {"apiVersion": "apps/v1", "kind": "Deployment", "namespace": "web", "name": "api"},
                "replicas": 4
            }
        }))
        .expect("a spec");
        let mut proposal = ActionProposal::new("scale-api", spec);
        proposal.metadata.namespace = Some("web".into());
        proposal
    }

    fn metadata(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn a_credential_is_used_only_for_the_action_and_proposal_it_names() {
        let proposal = proposal();
        let digest = proposal.effective_action().digest();
        let named =
            |digest: &str| metadata(&[("proposal", "web/scale-api"), ("action_digest", digest)]);
        assert_eq!(mismatch(&proposal, &digest, &named(&digest)), None);

        let other = format!("sha256:{}", "ab".repeat(32));
        let why = mismatch(&proposal, &digest, &named(&other)).expect("refused");
        assert!(
            why.contains("names action sha256:abababababab")
                && why.contains(&format!("is sha256:{}", short_digest(&digest)))
                && why.ends_with("refusing to write"),
            "{why}"
        );
        let none = metadata(&[("proposal", "web/scale-api")]);
        let why = mismatch(&proposal, &digest, &none).expect("refused");
        assert!(why.contains("names no action digest"), "{why}");
        let elsewhere = metadata(&[("proposal", "web/other"), ("action_digest", &digest)]);
        let why = mismatch(&proposal, &digest, &elsewhere).expect("refused");
        assert!(why.contains("minted for proposal web/other"), "{why}");
    }

    #[test]
    fn vault_errors_are_said_on_one_line() {
        assert_eq!(
            one_line("1 error occurred:\n\t* permission denied\n\n"),
            "1 error occurred: * permission denied"
        );
    }
}
