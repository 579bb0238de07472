//! The one way in to deciding: a [`Decider`] holds who decides, the cluster,
//! the local audit log and Vault, and offers every act on them (decide,
//! retry, kill, halt, resume, and the credential work) as a method. The
//! console's decision tasks and the governor's credential tasks both use it,
//! so there is one path for each act, with or without Vault.

use super::credential::{self, CredentialError};
use super::outcome::{HaltOutcome, KillOutcome};
use super::resume::ResumeOutcome;
use super::revoke::Revocation;
use super::{DecideError, DecisionOutcome, Identity, PendingDecision};
use crate::audit::AuditLog;
use crate::domain::{ActionProposal, NoCredential};
use crate::vault::Vault;
use kube::Client;
use std::sync::Arc;

/// What a decision does about write credentials.
#[derive(Clone)]
enum CredentialWork {
    /// Leave credentials alone: neither mint, nor note, nor revoke (a decider
    /// never told about Vault).
    Leave,
    /// Mint on approval, revoke on veto; `None`: Vault is off, which an
    /// approval notes on the proposal (`noCredential: VaultOff`).
    Settle(Option<Arc<Vault>>),
}

/// Who decides, against which cluster, recorded where, with which Vault.
///
/// Built with [`Decider::new`], then [`with_audit`](Decider::with_audit) (the
/// console always: each act gets a line in the local audit log) and
/// [`with_vault`](Decider::with_vault) (the console and the governor:
/// approvals mint, vetoes, kills and halts revoke; `None` means Vault is off
/// and approvals say so). A decider told nothing about Vault leaves
/// credentials alone. Cheap to clone: every part is shared.
#[derive(Clone)]
pub struct Decider {
    client: Client,
    identity: Identity,
    audit: Option<Arc<AuditLog>>,
    credentials: CredentialWork,
}

impl Decider {
    /// A decider acting as `identity` through `client`, without an audit log
    /// (the governor records in the cluster only) and leaving credentials alone.
    pub fn new(client: Client, identity: Identity) -> Self {
        Decider {
            client,
            identity,
            audit: None,
            credentials: CredentialWork::Leave,
        }
    }

    /// Records every act in `audit` as well (besides the status and an Event).
    #[must_use]
    pub fn with_audit(mut self, audit: Arc<AuditLog>) -> Self {
        self.audit = Some(audit);
        self
    }

    /// Does the credential work with `vault`: `Some` mints and revokes,
    /// `None` (Vault off) notes on each approval that no credential exists.
    #[must_use]
    pub fn with_vault(mut self, vault: Option<Arc<Vault>>) -> Self {
        self.credentials = CredentialWork::Settle(vault);
        self
    }

    /// The cluster it acts on.
    pub fn client(&self) -> &Client {
        &self.client
    }

    /// Who acts.
    pub fn identity(&self) -> &Identity {
        &self.identity
    }

    /// The local audit log, when it records there.
    pub(super) fn audit(&self) -> Option<&AuditLog> {
        self.audit.as_deref()
    }

    /// Vault, when it is on.
    pub fn vault(&self) -> Option<&Vault> {
        match &self.credentials {
            CredentialWork::Settle(vault) => vault.as_deref(),
            CredentialWork::Leave => None,
        }
    }

    /// Whether a decision settles its credential (mint, note, revoke).
    pub(super) fn settles_credentials(&self) -> bool {
        matches!(self.credentials, CredentialWork::Settle(_))
    }

    /// Makes the decision `request` holds for the first time (the request
    /// names who decides: [`PendingDecision::identity`]): the proposal is
    /// read, the decision checked against what the operator was shown and
    /// the governor's rules, and written with the read resourceVersion as a
    /// precondition; recorded as an Event and an audit line. With Vault, an approval that completes the approvals mints the
    /// write credential and a veto revokes it. A failure to reach the cluster
    /// returns [`DecideError::Unreachable`] holding the request to
    /// [`retry`](Decider::retry).
    pub async fn decide(&self, request: &PendingDecision) -> Result<DecisionOutcome, DecideError> {
        super::decision::decide_pending(self, request, false).await
    }

    /// Makes the decision again. If an earlier attempt did reach the cluster
    /// (the answer was lost), the decision found there is reported as made
    /// rather than refused as a conflict with oneself.
    pub async fn retry(&self, request: &PendingDecision) -> Result<DecisionOutcome, DecideError> {
        super::decision::decide_pending(self, request, true).await
    }

    /// The kill switch for investigation Job `namespace/job`: its pending
    /// and approved-but-unexecuted proposals expire, the Job is deleted
    /// (foreground); with Vault, the investigation's token and its
    /// proposals' credentials are revoked first ([`Revocation`]; Vault
    /// failing does not stop the kill, and the failures are also warnings).
    pub async fn kill(
        &self,
        namespace: &str,
        job: &str,
        reason: Option<String>,
    ) -> Result<(KillOutcome, Revocation), DecideError> {
        super::revoke::kill_revoking(self, namespace, job, reason).await
    }

    /// Halts `namespace` (its policy set to Shadow, its investigation Jobs
    /// suspended, its open proposals expired); with Vault, the token of every
    /// investigation Job there and every credential its proposals hold are
    /// revoked first.
    pub async fn halt(
        &self,
        namespace: &str,
        reason: Option<String>,
    ) -> Result<(HaltOutcome, Revocation), DecideError> {
        super::revoke::halt_revoking(self, namespace, reason).await
    }

    /// Resumes a halted `namespace` (the Jobs the halt suspended run again);
    /// `restore_phase` (the
    /// operator's second confirmation) restores the phase before the halt.
    pub async fn resume(
        &self,
        namespace: &str,
        restore_phase: bool,
    ) -> Result<ResumeOutcome, DecideError> {
        super::resume::resume_namespace(self, namespace, restore_phase).await
    }

    /// Mints and stores the write credential of an approved `proposal`
    /// (idempotent: one already stored is kept, a second mint revoked);
    /// [`CredentialError::VaultOff`] without Vault.
    pub async fn mint(&self, proposal: ActionProposal) -> Result<ActionProposal, CredentialError> {
        let vault = self.vault().ok_or(CredentialError::VaultOff)?;
        credential::mint_credential(&self.client, vault, &self.identity, proposal).await
    }

    /// Revokes the credential `proposal` holds in Vault, then marks it
    /// revoked in the status; `Ok(None)` when it holds none;
    /// [`CredentialError::VaultOff`] without Vault.
    pub async fn revoke(
        &self,
        proposal: &ActionProposal,
    ) -> Result<Option<ActionProposal>, CredentialError> {
        let vault = self.vault().ok_or(CredentialError::VaultOff)?;
        credential::revoke_credential(&self.client, vault, &self.identity, proposal).await
    }

    /// Notes on `proposal` why it has no credential, unless it holds one
    /// meanwhile; returns the proposal as written.
    pub async fn note_no_credential(
        &self,
        proposal: &ActionProposal,
        note: NoCredential,
    ) -> Result<ActionProposal, kube::Error> {
        credential::record_no_credential(&self.client, proposal, note).await
    }
}
