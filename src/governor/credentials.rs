//! The governor's Vault work: minting the write credential of proposals the
//! Autonomous rule approves, and revoking what expired or vetoed proposals
//! hold (a veto or expiry marks the credential `revoked` in the same status
//! write; the Vault revocation follows, so the governor also revokes what a
//! console with Vault off, or one that crashed in between, left live).
//!
//! Vault failing never touches a decision: the decision is written first, the
//! failure is logged, and the work is tried again later with a per-proposal
//! backoff (so a Vault outage costs one attempt per proposal every
//! [`MAX_RETRY_DELAY`] at most, never a hot loop).

use super::runner::ProposalKey;
use crate::decide::{CredentialError, Identity, mint_credential, revoke_credential};
use crate::domain::{ActionProposal, Phase, ProposalState};
use crate::vault::Vault;
use kube::{Api, Client};
use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;
use tokio::time::Instant;

/// The name the governor works under: it appears in error messages and logs;
/// the decisions themselves name the rule (`rule:<name>`) that made them.
pub const GOVERNOR_IDENTITY: &str = "kubevigil-governor";

/// The wait before the first retry after a failure.
const FIRST_RETRY_DELAY: Duration = Duration::from_secs(1);
/// The longest wait between two retries of one proposal's work.
const MAX_RETRY_DELAY: Duration = Duration::from_secs(30);

/// What a proposal needs from Vault.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Work {
    /// Auto-approved by rule without a credential yet: mint one.
    Mint,
    /// Expired or vetoed while holding a credential not known to be revoked
    /// in Vault: revoke it.
    Revoke,
}

/// A piece of work that failed or is waiting to be checked again.
#[derive(Debug, Clone, Copy)]
struct Retry {
    work: Work,
    due: Instant,
    /// The wait after the next failure.
    backoff: Duration,
}

/// The governor's Vault client and the work it still owes.
pub(super) struct Credentials {
    client: Client,
    vault: Arc<Vault>,
    identity: Identity,
    retries: HashMap<ProposalKey, Retry>,
    /// The accessor this process has revoked for each proposal, so a
    /// proposal is revoked once, not again on each event.
    revoked: HashMap<ProposalKey, String>,
}

impl Credentials {
    /// Credential work for the governor acting with `client` and `vault`.
    pub(super) fn new(client: Client, vault: Arc<Vault>) -> Self {
        Credentials {
            client,
            vault,
            // The governor does not ask the cluster who it is: this name only
            // explains failures, and no decision is recorded under it.
            identity: Identity::unverified(GOVERNOR_IDENTITY),
            retries: HashMap::new(),
            revoked: HashMap::new(),
        }
    }

    /// Does what a proposal the governor has just written needs, now: mints
    /// for an auto-approval, revokes for an expiry. A failure is retried later.
    pub(super) async fn settle(&mut self, key: ProposalKey, written: ActionProposal) {
        self.retries.remove(&key);
        if let Some(work) = self.work_for(&key, &written) {
            self.attempt(key, work, written, FIRST_RETRY_DELAY).await;
        }
    }

    /// Notes a proposal seen on the watch: work it needs is scheduled (it is
    /// read again before anything is done, since the watch may be behind the
    /// governor's own writes); work it no longer needs is dropped.
    pub(super) fn observe(&mut self, key: &ProposalKey, proposal: &ActionProposal) {
        match self.work_for(key, proposal) {
            None => {
                self.retries.remove(key);
            }
            Some(work) => {
                let scheduled = self.retries.get(key).is_some_and(|r| r.work == work);
                if !scheduled {
                    let now = Retry {
                        work,
                        due: Instant::now(),
                        backoff: FIRST_RETRY_DELAY,
                    };
                    self.retries.insert(key.clone(), now);
                }
            }
        }
    }

    /// Forgets a deleted proposal.
    pub(super) fn forget(&mut self, key: &ProposalKey) {
        self.retries.remove(key);
        self.revoked.remove(key);
    }

    /// How long until the next scheduled work is due (`None`: nothing to do).
    pub(super) fn time_to_next(&self) -> Option<Duration> {
        let next = self.retries.values().map(|r| r.due).min()?;
        Some(next.saturating_duration_since(Instant::now()))
    }

    /// Does every piece of work that is due, on a fresh copy of its proposal.
    pub(super) async fn run_due(&mut self) {
        let now = Instant::now();
        let due: Vec<(ProposalKey, Retry)> = self
            .retries
            .iter()
            .filter(|(_, retry)| retry.due <= now)
            .map(|(key, retry)| (key.clone(), *retry))
            .collect();
        for (key, retry) in due {
            self.retries.remove(&key);
            let api = Api::<ActionProposal>::namespaced(self.client.clone(), &key.0);
            match api.get_opt(&key.1).await {
                Ok(Some(fresh)) => {
                    if let Some(work) = self.work_for(&key, &fresh) {
                        self.attempt(key, work, fresh, retry.backoff).await;
                    }
                }
                Ok(None) => {}
                Err(error) => {
                    tracing::warn!(%error, proposal = %key.1, "governor: reading a proposal for its credential");
                    self.schedule(key, retry.work, retry.backoff);
                }
            }
        }
    }

    async fn attempt(
        &mut self,
        key: ProposalKey,
        work: Work,
        proposal: ActionProposal,
        backoff: Duration,
    ) {
        let (namespace, name) = (key.0.clone(), key.1.clone());
        let accessor = proposal
            .status
            .as_ref()
            .and_then(|s| s.credential.as_ref())
            .map(|c| c.wrapped_accessor.clone());
        let done = match work {
            Work::Mint => mint_credential(&self.client, &self.vault, &self.identity, proposal)
                .await
                .map(|written| holds_credential(&written)),
            Work::Revoke => revoke_credential(&self.client, &self.vault, &self.identity, &proposal)
                .await
                .map(|_| true),
        };
        match done {
            Ok(true) => {
                if let (Work::Revoke, Some(accessor)) = (work, accessor) {
                    self.revoked.insert(key, accessor);
                }
                tracing::info!(%namespace, proposal = %name, ?work, "governor: credential");
            }
            // Decided otherwise meanwhile (a veto, say): nothing is owed.
            Ok(false) | Err(CredentialError::NotMintable { .. }) => {}
            Err(error) => {
                tracing::warn!(
                    %error,
                    %namespace,
                    proposal = %name,
                    ?work,
                    retry_in = ?backoff,
                    "governor: credential work failed; the decision stands, retrying later"
                );
                self.schedule(key, work, backoff);
            }
        }
    }

    /// What the proposal needs ([`needs`]), less a revocation already done.
    fn work_for(&self, key: &ProposalKey, proposal: &ActionProposal) -> Option<Work> {
        let work = needs(proposal)?;
        let accessor = proposal
            .status
            .as_ref()
            .and_then(|s| s.credential.as_ref())
            .map(|c| c.wrapped_accessor.as_str());
        let done = work == Work::Revoke && self.revoked.get(key).map(String::as_str) == accessor;
        (!done).then_some(work)
    }

    fn schedule(&mut self, key: ProposalKey, work: Work, backoff: Duration) {
        let retry = Retry {
            work,
            due: Instant::now() + backoff,
            backoff: next_backoff(backoff),
        };
        self.retries.insert(key, retry);
    }
}

/// What Vault work a proposal needs, if any: a credential for an
/// auto-approval in Autonomous; revocation of the credential an expired or
/// vetoed proposal holds (its `revoked` flag is set by the decision itself,
/// so it does not say whether Vault has done it; revoking twice is harmless).
/// Approvals by people are minted by the approving console.
fn needs(proposal: &ActionProposal) -> Option<Work> {
    let status = proposal.status.as_ref()?;
    match (&status.credential, status.state) {
        (None, ProposalState::AutoApproved) if status.phase == Some(Phase::Autonomous) => {
            Some(Work::Mint)
        }
        (Some(_), ProposalState::Expired | ProposalState::Vetoed) => Some(Work::Revoke),
        _ => None,
    }
}

/// The wait after the failure that follows one after `backoff`: doubled, up
/// to [`MAX_RETRY_DELAY`].
fn next_backoff(backoff: Duration) -> Duration {
    (backoff * 2).min(MAX_RETRY_DELAY)
}

fn holds_credential(proposal: &ActionProposal) -> bool {
    proposal
        .status
        .as_ref()
        .is_some_and(|s| s.credential.is_some())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{ActionProposalStatus, MintedCredential};
    use crate::governor::initial::tests::spec;

    fn proposal(state: ProposalState, phase: Phase, credential: Option<bool>) -> ActionProposal {
        let mut proposal = ActionProposal::new(
            "scale-api",
            spec(crate::domain::ActionKind::Scale, crate::domain::Risk::Low),
        );
        proposal.status = Some(ActionProposalStatus {
            state,
            phase: Some(phase),
            credential: credential.map(|revoked| MintedCredential {
                wrapped_accessor: "accessor".into(),
                revoked,
                ..Default::default()
            }),
            ..Default::default()
        });
        proposal
    }

    #[test]
    fn an_auto_approval_without_a_credential_needs_one() {
        let auto = proposal(ProposalState::AutoApproved, Phase::Autonomous, None);
        assert_eq!(needs(&auto), Some(Work::Mint));
        let minted = proposal(ProposalState::AutoApproved, Phase::Autonomous, Some(false));
        assert_eq!(needs(&minted), None);
    }

    #[test]
    fn people_approvals_are_the_consoles_to_mint() {
        for phase in [Phase::LimitedWrite, Phase::Autonomous] {
            let approved = proposal(ProposalState::Approved, phase, None);
            assert_eq!(needs(&approved), None, "{phase}");
        }
    }

    #[test]
    fn expired_or_vetoed_credentials_need_revoking_in_vault_whatever_the_flag_says() {
        for state in [ProposalState::Expired, ProposalState::Vetoed] {
            for flag in [false, true] {
                let held = proposal(state, Phase::LimitedWrite, Some(flag));
                assert_eq!(needs(&held), Some(Work::Revoke), "{state} revoked={flag}");
            }
            let without = proposal(state, Phase::LimitedWrite, None);
            assert_eq!(needs(&without), None, "{state}");
        }
        let running = proposal(ProposalState::Executed, Phase::Autonomous, Some(false));
        assert_eq!(needs(&running), None);
    }

    #[test]
    fn retries_back_off_up_to_a_ceiling() {
        let mut delay = FIRST_RETRY_DELAY;
        let mut waits = Vec::new();
        for _ in 0..8 {
            waits.push(delay);
            delay = next_backoff(delay);
        }
        assert_eq!(waits[..4], [1, 2, 4, 8].map(Duration::from_secs));
        assert_eq!(waits.last(), Some(&MAX_RETRY_DELAY));
    }
}
