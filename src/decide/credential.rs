//! Approval mints the write credential: after a proposal becomes Approved (by
//! people, in LimitedWrite or above the Autonomous ceiling) or AutoApproved (by
//! rule, in Autonomous), a response-wrapped child token is minted and stored in
//! its status with a resourceVersion-guarded write; veto and expiry revoke it.

use super::failure::timed;
use super::write::read_policy;
use super::{DecideError, Identity};
use crate::cluster::guarded::{Guarded, GuardedError, write_guarded};
use crate::domain::{
    ActionProposal, ActionProposalStatus, DecisionSource, MintedCredential, NoCredential,
    NoCredentialReason, Phase, ProposalState, Verdict,
};
use crate::vault::{
    DEFAULT_WRAP_TTL_SECONDS, MintRequest, Vault, VaultError, WRITE_CREDENTIAL_USES,
    encrypt_to_recipient,
};
use jiff::Timestamp;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::Time;
use kube::api::PostParams;
use kube::{Api, Client, ResourceExt};

/// How many guarded status writes are tried before giving up on a conflict.
const STATUS_ATTEMPTS: usize = 4;

/// Why a credential could not be minted or stored. The decision itself stands.
#[derive(Debug, thiserror::Error)]
pub enum CredentialError {
    /// Vault failed or could not be reached.
    #[error("approval recorded, but no write credential was minted: {0}")]
    Vault(#[from] VaultError),
    /// Reading or writing the proposal failed.
    #[error("approval recorded, but the credential could not be stored: {0}")]
    Cluster(#[from] DecideError),
    /// The proposal names no `credentialRecipient`, and its TrustPolicy does
    /// not allow unsealed credentials.
    #[error(
        "approval recorded, but no write credential was minted: the proposal names no credentialRecipient and its TrustPolicy does not allow unsealed credentials"
    )]
    NoRecipient,
    /// The decider has no Vault to mint or revoke with.
    #[error("no write credential was minted or revoked: Vault is off")]
    VaultOff,
    /// The proposal is neither approved in a write phase nor auto-approved in Autonomous.
    #[error(
        "{name} is {state} in phase {phase}: only a proposal approved in LimitedWrite or Autonomous, or auto-approved in Autonomous, gets a credential"
    )]
    NotMintable {
        /// The proposal.
        name: String,
        /// Its state.
        state: ProposalState,
        /// Its phase.
        phase: Phase,
    },
}

/// The credential work after a decision on `proposal` (as written); returns
/// the proposal as it then is and warnings for the operator:
///
/// - a proposal now `Approved` in LimitedWrite or Autonomous gets its write
///   credential minted ([`mint_credential`]) when `vault` is given; when
///   minting fails, or the proposal names no recipient its policy requires,
///   the status says so ([`NoCredential`]) and a warning says why;
///   without `vault` the status says `none (Vault off)`;
/// - a veto or expiry of a proposal that holds a credential revokes it.
///
/// Nothing here undoes the decision.
pub(super) async fn settle_credential(
    client: &Client,
    identity: &Identity,
    vault: Option<&Vault>,
    proposal: ActionProposal,
) -> (ActionProposal, Vec<String>) {
    let mut warnings = Vec::new();
    let state = proposal.state();
    let proposal = match (state, vault) {
        (ProposalState::Approved, _) if !is_mintable(state, phase_of(&proposal)) => proposal,
        (ProposalState::Approved, Some(vault)) => {
            match mint_credential(client, vault, identity, proposal.clone()).await {
                Ok(minted) => minted,
                Err(error) => {
                    warnings.push(error.to_string());
                    reread(client, proposal).await
                }
            }
        }
        (ProposalState::Approved, None) => {
            let note = NoCredential {
                reason: NoCredentialReason::VaultOff,
                message: format!(
                    "approved by a console with Vault off ({}): no write credential exists; an agent whose deployment uses Vault will not write",
                    identity.user
                ),
                at: Some(Time(super::write::whole_second(Timestamp::now()))),
            };
            match record_no_credential(client, &proposal, note).await {
                Ok(noted) => noted,
                Err(error) => {
                    warnings.push(format!(
                        "approval recorded, but \"no credential (Vault off)\" could not be noted on it: {error}"
                    ));
                    proposal
                }
            }
        }
        (ProposalState::Vetoed | ProposalState::Expired, Some(vault)) => {
            match revoke_credential(client, vault, identity, &proposal).await {
                Ok(Some(revoked)) => revoked,
                Ok(None) => proposal,
                Err(error) => {
                    warnings.push(error.to_string());
                    proposal
                }
            }
        }
        _ => proposal,
    };
    (proposal, warnings)
}

/// The proposal as it is now (after a failure noted something on it), or as
/// given when it cannot be read.
async fn reread(client: &Client, proposal: ActionProposal) -> ActionProposal {
    let api: Api<ActionProposal> =
        Api::namespaced(client.clone(), &proposal.namespace().unwrap_or_default());
    match timed(api.get(&proposal.name_any())).await {
        Ok(fresh) => fresh,
        Err(_) => proposal,
    }
}

/// Writes `note` into the proposal's status (`noCredential`), unless it holds
/// a credential meanwhile; returns the proposal as written.
pub(super) async fn record_no_credential(
    client: &Client,
    proposal: &ActionProposal,
    note: NoCredential,
) -> Result<ActionProposal, kube::Error> {
    let namespace = proposal.namespace().unwrap_or_default();
    let api: Api<ActionProposal> = Api::namespaced(client.clone(), &namespace);
    update_guarded(&api, proposal.clone(), |status| {
        let same = status
            .no_credential
            .as_ref()
            .is_some_and(|n| n.reason == note.reason && n.message == note.message);
        if status.credential.is_some() || same {
            return false;
        }
        status.no_credential = Some(note.clone());
        true
    })
    .await
}

/// Mints the write credential of a `proposal` that is Approved
/// in LimitedWrite or Autonomous, or AutoApproved in Autonomous, and stores it
/// in the status; returns the proposal as written. Idempotent: a proposal that
/// already holds a credential is returned as it is. `identity` is who does the
/// work (the operator, or the governor for rule approvals); it appears only in
/// error messages, while the token names the approvers.
///
/// The token gets the TrustPolicy's Vault policy (`kubevigil-write-<ns>` by
/// default), its credential TTL, [`WRITE_CREDENTIAL_USES`] uses and the
/// investigation, proposal and approvers in its metadata (the people who
/// approved, or the rule's name such as `rule:autonomous-risk-ceiling` for an
/// auto-approval); it is wrapped for
/// [`DEFAULT_WRAP_TTL_SECONDS`] and the wrapping token is age-encrypted to
/// `spec.credentialRecipient` when given. The status write carries the
/// resourceVersion; when another console stored a credential first, ours is
/// revoked and theirs kept. When the write fails, ours is revoked.
pub(super) async fn mint_credential(
    client: &Client,
    vault: &Vault,
    identity: &Identity,
    proposal: ActionProposal,
) -> Result<ActionProposal, CredentialError> {
    let namespace = proposal.namespace().unwrap_or_default();
    let name = proposal.name_any();
    let phase = phase_of(&proposal);
    let state = proposal.state();
    if !is_mintable(state, phase) {
        return Err(CredentialError::NotMintable {
            name: format!("{namespace}/{name}"),
            state,
            phase,
        });
    }
    if proposal
        .status
        .as_ref()
        .is_some_and(|s| s.credential.is_some())
    {
        return Ok(proposal);
    }
    let doing = format!("mint a credential for {namespace}/{name}");
    let policy = read_policy(client, &identity.user, &namespace, &doing, None)
        .await?
        .unwrap_or_default();
    let recipient = proposal.spec.credential_recipient.clone();
    if recipient.is_none() && !policy.allow_unsealed_credentials {
        let message = "nothing was minted: the proposal names no credentialRecipient (an age recipient of the agent), and its TrustPolicy does not allow a wrapping token in plain text".to_string();
        note_failure(client, &proposal, NoCredentialReason::NoRecipient, &message).await;
        return Err(CredentialError::NoRecipient);
    }
    let approvers = approvers_of(&proposal, state);
    let action_digest = proposal.effective_action().digest();
    let request = MintRequest {
        action_digest,
        policy: policy.vault_policy_for(&namespace),
        ttl_seconds: u64::from(policy.credential_ttl_seconds.max(1)),
        num_uses: WRITE_CREDENTIAL_USES,
        investigation: proposal.spec.investigation.clone(),
        proposal: format!("{namespace}/{name}"),
        approvers,
        wrap_ttl_seconds: DEFAULT_WRAP_TTL_SECONDS,
    };
    let minted = match vault.mint_write_credential(&request).await {
        Ok(minted) => minted,
        Err(error) => {
            let message = format!("minting failed: {error}");
            note_failure(client, &proposal, NoCredentialReason::MintFailed, &message).await;
            return Err(error.into());
        }
    };
    let mut credential = MintedCredential {
        wrapping_token: Some(minted.wrapping_token.clone()),
        encrypted_wrapping_token: None,
        wrapped_accessor: minted.wrapped_accessor.clone(),
        ttl_seconds: minted.ttl_seconds,
        minted_at: Some(Time(super::write::whole_second(Timestamp::now()))),
        revoked: false,
    };
    if let Some(recipient) = recipient.as_deref() {
        match encrypt_to_recipient(recipient, &minted.wrapping_token) {
            Ok(sealed) => {
                credential.wrapping_token = None;
                credential.encrypted_wrapping_token = Some(sealed);
            }
            Err(error) => {
                let _ = vault.revoke_accessor(&minted.wrapped_accessor).await;
                let message = format!("sealing to the agent's recipient failed: {error}");
                note_failure(client, &proposal, NoCredentialReason::MintFailed, &message).await;
                return Err(error.into());
            }
        }
    }
    let api: Api<ActionProposal> = Api::namespaced(client.clone(), &namespace);
    let stored = update_guarded(&api, proposal, |status| {
        if status.credential.is_some() || status.state != state {
            return false;
        }
        status.credential = Some(credential.clone());
        status.no_credential = None;
        true
    })
    .await;
    match stored {
        Ok(written) => {
            let ours = written
                .status
                .as_ref()
                .and_then(|s| s.credential.as_ref())
                .is_some_and(|c| c.wrapped_accessor == minted.wrapped_accessor);
            if !ours {
                vault.revoke_accessor(&minted.wrapped_accessor).await?;
            }
            Ok(written)
        }
        Err(error) => {
            let _ = vault.revoke_accessor(&minted.wrapped_accessor).await;
            Err(failed_write(error, &identity.user, &namespace, &name, &doing).into())
        }
    }
}

/// Notes on the proposal why it has no credential, best effort (the caller
/// reports the failure itself either way).
async fn note_failure(
    client: &Client,
    proposal: &ActionProposal,
    reason: NoCredentialReason,
    message: &str,
) {
    let note = NoCredential {
        reason,
        message: message.to_string(),
        at: Some(Time(super::write::whole_second(Timestamp::now()))),
    };
    if let Err(error) = record_no_credential(client, proposal, note).await {
        tracing::warn!(%error, "could not note the missing credential on the proposal");
    }
}

/// Revokes the credential a proposal holds (veto, expiry, kill) and marks it
/// `revoked` in the status with a guarded write. Nothing to do without one.
/// The token is revoked in Vault first, so a failed status write leaves it
/// revoked anyway.
pub(super) async fn revoke_credential(
    client: &Client,
    vault: &Vault,
    identity: &Identity,
    proposal: &ActionProposal,
) -> Result<Option<ActionProposal>, CredentialError> {
    let Some(credential) = proposal.status.as_ref().and_then(|s| s.credential.clone()) else {
        return Ok(None);
    };
    vault.revoke_accessor(&credential.wrapped_accessor).await?;
    if credential.revoked {
        return Ok(Some(proposal.clone()));
    }
    let namespace = proposal.namespace().unwrap_or_default();
    let name = proposal.name_any();
    let api: Api<ActionProposal> = Api::namespaced(client.clone(), &namespace);
    let written = update_guarded(&api, proposal.clone(), |status| {
        match status.credential.as_mut() {
            Some(c) if !c.revoked => {
                c.revoked = true;
                true
            }
            _ => false,
        }
    })
    .await
    .map_err(|e| {
        let doing = format!("mark the credential of {namespace}/{name} revoked");
        failed_write(e, &identity.user, &namespace, &name, &doing)
    })?;
    Ok(Some(written))
}

/// Whether a proposal in `state`, judged under `phase`, gets a write
/// credential: approved by people in a write phase, or approved by rule in
/// Autonomous. Everything else (waiting, refused, recorded, done) does not.
fn is_mintable(state: ProposalState, phase: Phase) -> bool {
    match state {
        ProposalState::Approved => matches!(phase, Phase::LimitedWrite | Phase::Autonomous),
        ProposalState::AutoApproved => phase == Phase::Autonomous,
        _ => false,
    }
}

/// Who approved, for the token's metadata: the people for an `Approved`
/// proposal, the rule (`rule:<name>`) for an `AutoApproved` one.
fn approvers_of(proposal: &ActionProposal, state: ProposalState) -> Vec<String> {
    let source = match state {
        ProposalState::AutoApproved => DecisionSource::Rule,
        _ => DecisionSource::Manual,
    };
    proposal
        .decisions()
        .iter()
        .filter(|d| d.verdict == Verdict::Approve && d.source == source)
        .map(|d| d.by.clone())
        .collect()
}

/// The phase a proposal was judged under (Shadow when unknown).
fn phase_of(proposal: &ActionProposal) -> Phase {
    proposal
        .status
        .as_ref()
        .and_then(|s| s.phase)
        .unwrap_or_default()
}

/// Applies `change` to the status and replaces it with the resourceVersion
/// read as precondition; on a 409 reads again and retries. `change` returns
/// false when there is nothing to write (the proposal is returned as read).
async fn update_guarded(
    api: &Api<ActionProposal>,
    current: ActionProposal,
    change: impl Fn(&mut ActionProposalStatus) -> bool,
) -> Result<ActionProposal, kube::Error> {
    let name = current.name_any();
    let written = write_guarded(
        STATUS_ATTEMPTS,
        current,
        |current| {
            let mut status = current.status.clone().unwrap_or_default();
            if !change(&mut status) {
                return Ok(None);
            }
            let mut updated = current.clone();
            updated.status = Some(status);
            Ok(Some(updated))
        },
        |updated| {
            let name = &name;
            async move { timed(api.replace_status(name, &PostParams::default(), &updated)).await }
        },
        || timed(api.get(&name)),
        |error| error,
    )
    .await;
    match written {
        Ok(Guarded::Written { object, .. } | Guarded::Unchanged(object)) => Ok(object),
        Err(GuardedError::Failed(error)) => Err(error),
        // The last conflict, as before: the operator sees what the API said.
        Err(GuardedError::Contended { error, .. }) => Err(error),
    }
}

/// A failed status write as the operator-facing [`DecideError`].
fn failed_write(
    error: kube::Error,
    user: &str,
    namespace: &str,
    name: &str,
    doing: &str,
) -> DecideError {
    super::failure::Request {
        user,
        verb: "update",
        resource: "actionproposals/status",
        namespace,
        name,
        doing,
    }
    .failed(error, None)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{ActionProposalSpec, Decision};

    fn decision(by: &str, source: DecisionSource) -> Decision {
        Decision {
            by: by.into(),
            verified: false,
            at: Time(Timestamp::UNIX_EPOCH),
            verdict: Verdict::Approve,
            reason: None,
            source,
            edited: false,
            edited_action: None,
            action_digest: None,
        }
    }

    fn proposal(state: ProposalState, decisions: Vec<Decision>) -> ActionProposal {
        let spec: ActionProposalSpec = serde_json::from_value(serde_json::json!({
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
        .expect("a minimal spec");
        let mut proposal = ActionProposal::new("scale-api", spec);
        proposal.status = Some(ActionProposalStatus {
            state,
            decisions,
            ..Default::default()
        });
        proposal
    }

    #[test]
    fn approvals_in_write_phases_and_rule_approvals_in_autonomous_are_mintable() {
        use Phase::*;
        use ProposalState::*;
        assert!(is_mintable(Approved, LimitedWrite));
        assert!(
            is_mintable(Approved, Autonomous),
            "above the ceiling, by people"
        );
        assert!(is_mintable(AutoApproved, Autonomous));
        assert!(!is_mintable(AutoApproved, LimitedWrite));
        for phase in [Shadow, ReadOnlyAssist] {
            assert!(!is_mintable(Approved, phase), "{phase}");
        }
        for state in [Pending, Vetoed, Expired, Recorded, Executed, Failed] {
            assert!(!is_mintable(state, Autonomous), "{state}");
        }
    }

    #[test]
    fn the_token_names_the_people_or_the_rule_that_approved() {
        let by_people = proposal(
            ProposalState::Approved,
            vec![
                decision("oncall-1", DecisionSource::Manual),
                decision("oncall-2", DecisionSource::Manual),
            ],
        );
        assert_eq!(
            approvers_of(&by_people, ProposalState::Approved),
            ["oncall-1", "oncall-2"]
        );
        let by_rule = proposal(
            ProposalState::AutoApproved,
            vec![decision(
                crate::governor::AUTONOMOUS_RULE,
                DecisionSource::Rule,
            )],
        );
        assert_eq!(
            approvers_of(&by_rule, ProposalState::AutoApproved),
            [crate::governor::AUTONOMOUS_RULE]
        );
    }
}
