//! The governor's Vault work: minting the write credential of proposals the
//! Autonomous rule approves, and revoking what expired or vetoed proposals
//! hold (a veto or expiry marks the credential `revoked` in the same status
//! write; the Vault revocation follows, so the governor also revokes what a
//! console with Vault off, or one that crashed in between, left live).
//!
//! The work runs in tasks of its own, never in the governor's loop, so a Vault
//! that hangs delays only the credential, not the expiry of other proposals.
//! At most one task runs per proposal (so nothing is minted twice) and at most
//! [`MAX_IN_FLIGHT`] in all; each task reports back how it ended.
//!
//! Vault failing never touches a decision: the decision is written first, the
//! failure is logged, and the work is tried again later with a per-proposal
//! backoff (so a Vault outage costs one attempt per proposal every
//! [`MAX_RETRY_DELAY`] at most, never a hot loop).

use super::key::ProposalKey;
use super::metrics::{CredentialOutcome, Metrics};
use crate::decide::{CredentialError, Decider, Identity};
use crate::domain::{ActionProposal, NoCredentialReason, Phase, ProposalState};
use crate::vault::Vault;
use kube::{Api, Client};
use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;
use tokio::task::{Id as TaskId, JoinSet};
use tokio::time::Instant;

/// The name the governor works under: it appears in error messages and logs;
/// the decisions themselves name the rule (`rule:<name>`) that made them.
pub const GOVERNOR_IDENTITY: &str = "kubevigil-governor";

/// The wait before the first retry after a failure.
const FIRST_RETRY_DELAY: Duration = Duration::from_secs(1);
/// The longest wait between two retries of one proposal's work.
const MAX_RETRY_DELAY: Duration = Duration::from_secs(30);
/// The most Vault tasks running at once; further work waits its turn.
const MAX_IN_FLIGHT: usize = 16;

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

/// A task doing one proposal's work.
#[derive(Debug)]
struct Job {
    key: ProposalKey,
    /// The work expected when the task started (it re-checks what is needed).
    work: Work,
    /// The wait before retrying if it fails.
    backoff: Duration,
    /// The proposal was deleted while the task ran: nothing is kept of it.
    forgotten: bool,
}

/// How a task ended.
#[derive(Debug)]
enum Ended {
    /// The work was done; for a revocation, the accessor revoked.
    Done { revoked: Option<String> },
    /// Nothing was owed (decided otherwise meanwhile, or deleted).
    NothingOwed,
    /// Reading the proposal or calling Vault failed: retry this work later.
    Failed(Work),
}

/// The governor's Vault client, the work it still owes and the work running.
pub(super) struct Credentials {
    /// What a task talks to the cluster and Vault through.
    worker: Decider,
    retries: HashMap<ProposalKey, Retry>,
    /// The accessor this process has revoked for each proposal, so a
    /// proposal is revoked once, not again on each event.
    revoked: HashMap<ProposalKey, String>,
    /// The tasks running, each reporting how it [`Ended`].
    running: JoinSet<Ended>,
    /// What each running task is doing.
    jobs: HashMap<TaskId, Job>,
    metrics: Metrics,
}

impl Credentials {
    /// Credential work for the governor acting with `client` and `vault`.
    pub(super) fn new(client: Client, vault: Arc<Vault>, metrics: Metrics) -> Self {
        Credentials {
            // The governor does not ask the cluster who it is: this name
            // only explains failures, and no decision is recorded under it.
            worker: Decider::new(client, Identity::unverified(GOVERNOR_IDENTITY))
                .with_vault(Some(vault)),
            retries: HashMap::new(),
            revoked: HashMap::new(),
            running: JoinSet::new(),
            jobs: HashMap::new(),
            metrics,
        }
    }

    /// Starts what a proposal the governor has just written needs: a mint for
    /// an auto-approval, a revocation for an expiry. When that proposal's
    /// work is already running (or too much is), it is scheduled instead, to
    /// start on a fresh read once there is room. A failure is retried later.
    pub(super) fn settle(&mut self, key: ProposalKey, written: ActionProposal) {
        self.retries.remove(&key);
        let Some(work) = self.work_for(&key, &written) else {
            return;
        };
        if self.is_running(&key) || self.is_full() {
            self.retries.insert(key, due_now(work));
        } else {
            self.start(key, work, Some(written), FIRST_RETRY_DELAY);
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
                let scheduled = self.retries.get(key).is_some_and(|r| r.work == work)
                    || self.running_work(key) == Some(work);
                if !scheduled {
                    self.retries.insert(key.clone(), due_now(work));
                }
            }
        }
    }

    /// Forgets a deleted proposal (a task still running for it ends on its own).
    pub(super) fn forget(&mut self, key: &ProposalKey) {
        self.retries.remove(key);
        self.revoked.remove(key);
        for job in self.jobs.values_mut().filter(|job| job.key == *key) {
            job.forgotten = true;
        }
    }

    /// How long until scheduled work can start (`None`: nothing can start
    /// before a running task ends, or nothing is scheduled).
    pub(super) fn time_to_next(&self) -> Option<Duration> {
        if self.is_full() {
            return None;
        }
        let next = self
            .retries
            .iter()
            .filter(|(key, _)| !self.is_running(key))
            .map(|(_, retry)| retry.due)
            .min()?;
        Some(next.saturating_duration_since(Instant::now()))
    }

    /// Starts every piece of work that is due and has room, each on a fresh
    /// copy of its proposal.
    pub(super) fn run_due(&mut self) {
        let now = Instant::now();
        let due: Vec<(ProposalKey, Retry)> = self
            .retries
            .iter()
            .filter(|(key, retry)| retry.due <= now && !self.is_running(key))
            .map(|(key, retry)| (key.clone(), *retry))
            .collect();
        for (key, retry) in due {
            if self.is_full() {
                break;
            }
            self.retries.remove(&key);
            self.start(key, retry.work, None, retry.backoff);
        }
    }

    /// Waits for the next task to end and takes in how it ended: a failure is
    /// scheduled again after its backoff. Never returns while nothing runs.
    /// Safe to cancel: nothing is lost when the wait is dropped.
    pub(super) async fn collect_next(&mut self) {
        let Some(joined) = self.running.join_next_with_id().await else {
            return std::future::pending().await;
        };
        let (id, ended) = match joined {
            Ok((id, ended)) => (id, Ok(ended)),
            Err(error) => (error.id(), Err(error)),
        };
        let Some(job) = self.jobs.remove(&id) else {
            return;
        };
        let outcome = match &ended {
            Ok(Ended::Done { .. }) if job.work == Work::Mint => Some(CredentialOutcome::Minted),
            Ok(Ended::Done { .. }) => Some(CredentialOutcome::Revoked),
            Ok(Ended::Failed(_)) | Err(_) => Some(CredentialOutcome::Failed),
            Ok(Ended::NothingOwed) => None,
        };
        if let Some(outcome) = outcome {
            self.metrics.credential(&job.key.0, outcome);
        }
        if job.forgotten {
            return;
        }
        match ended {
            Ok(Ended::Done { revoked }) => {
                if let Some(accessor) = revoked {
                    self.revoked.insert(job.key, accessor);
                }
            }
            Ok(Ended::NothingOwed) => {}
            Ok(Ended::Failed(work)) => self.schedule(job.key, work, job.backoff),
            Err(error) => {
                tracing::warn!(%error, proposal = %job.key.1, "governor: credential task ended abnormally");
                self.schedule(job.key, job.work, job.backoff);
            }
        }
    }

    /// Spawns the task for one proposal's work, on `known` when the governor
    /// has just written it, else on a fresh read.
    fn start(
        &mut self,
        key: ProposalKey,
        work: Work,
        known: Option<ActionProposal>,
        backoff: Duration,
    ) {
        let revoked = self.revoked.get(&key).cloned();
        let task = perform(
            self.worker.clone(),
            key.clone(),
            work,
            known,
            revoked,
            backoff,
        );
        let id = self.running.spawn(task).id();
        let job = Job {
            key,
            work,
            backoff,
            forgotten: false,
        };
        self.jobs.insert(id, job);
    }

    fn running_work(&self, key: &ProposalKey) -> Option<Work> {
        self.jobs
            .values()
            .find(|job| job.key == *key && !job.forgotten)
            .map(|job| job.work)
    }

    fn is_running(&self, key: &ProposalKey) -> bool {
        self.jobs.values().any(|job| job.key == *key)
    }

    fn is_full(&self) -> bool {
        self.jobs.len() >= MAX_IN_FLIGHT
    }

    /// What the proposal needs, less a revocation already done.
    fn work_for(&self, key: &ProposalKey, proposal: &ActionProposal) -> Option<Work> {
        work_left(proposal, self.revoked.get(key).map(String::as_str))
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

/// Work scheduled to start as soon as there is room.
fn due_now(work: Work) -> Retry {
    Retry {
        work,
        due: Instant::now(),
        backoff: FIRST_RETRY_DELAY,
    }
}

/// One proposal's work, in its own task: reads the proposal unless `known`,
/// checks what it still needs (`revoked`: the accessor already revoked for
/// it) and does that against Vault. `expected` is the work retried should
/// the read fail; `backoff` is only logged.
async fn perform(
    worker: Decider,
    key: ProposalKey,
    expected: Work,
    known: Option<ActionProposal>,
    revoked: Option<String>,
    backoff: Duration,
) -> Ended {
    let (namespace, name) = (key.0.as_str(), key.1.as_str());
    let proposal = match known {
        Some(proposal) => proposal,
        None => {
            let api = Api::<ActionProposal>::namespaced(worker.client().clone(), namespace);
            match api.get_opt(name).await {
                Ok(Some(fresh)) => fresh,
                Ok(None) => return Ended::NothingOwed,
                Err(error) => {
                    tracing::warn!(%error, proposal = %name, "governor: reading a proposal for its credential");
                    return Ended::Failed(expected);
                }
            }
        }
    };
    let Some(work) = work_left(&proposal, revoked.as_deref()) else {
        return Ended::NothingOwed;
    };
    let accessor = proposal
        .status
        .as_ref()
        .and_then(|s| s.credential.as_ref())
        .map(|c| c.wrapped_accessor.clone());
    let done = match work {
        Work::Mint => worker
            .mint(proposal)
            .await
            .map(|written| holds_credential(&written)),
        Work::Revoke => worker.revoke(&proposal).await.map(|_| true),
    };
    match done {
        Ok(true) => {
            tracing::info!(%namespace, proposal = %name, ?work, "governor: credential");
            let revoked = match work {
                Work::Revoke => accessor,
                Work::Mint => None,
            };
            Ended::Done { revoked }
        }
        // Decided otherwise meanwhile (a veto, say): nothing is owed.
        Ok(false) | Err(CredentialError::NotMintable { .. }) => Ended::NothingOwed,
        // Noted on the proposal (`noCredential: NoRecipient`); its spec cannot
        // gain a recipient, so trying again would fail again.
        Err(error @ CredentialError::NoRecipient) => {
            tracing::info!(%error, %namespace, proposal = %name, "governor: no credential minted");
            Ended::NothingOwed
        }
        Err(error) => {
            tracing::warn!(
                %error,
                %namespace,
                proposal = %name,
                ?work,
                retry_in = ?backoff,
                "governor: credential work failed; the decision stands, retrying later"
            );
            Ended::Failed(work)
        }
    }
}

/// What the proposal needs ([`needs`]), less a revocation of the accessor
/// `revoked` already done.
fn work_left(proposal: &ActionProposal, revoked: Option<&str>) -> Option<Work> {
    let work = needs(proposal)?;
    let accessor = proposal
        .status
        .as_ref()
        .and_then(|s| s.credential.as_ref())
        .map(|c| c.wrapped_accessor.as_str());
    let done = work == Work::Revoke && revoked.is_some_and(|r| Some(r) == accessor);
    (!done).then_some(work)
}

/// What Vault work a proposal needs, if any: a credential for an
/// auto-approval in Autonomous (unless it was already refused for want of a
/// `credentialRecipient`, which an immutable spec cannot gain); revocation of
/// the credential an expired or vetoed proposal holds (its `revoked` flag is
/// set by the decision itself, so it does not say whether Vault has done it;
/// revoking twice is harmless). Approvals by people are minted by the
/// approving console.
fn needs(proposal: &ActionProposal) -> Option<Work> {
    let status = proposal.status.as_ref()?;
    let refused = status
        .no_credential
        .as_ref()
        .is_some_and(|n| n.reason == NoCredentialReason::NoRecipient);
    match (&status.credential, status.state) {
        (None, ProposalState::AutoApproved)
            if status.phase == Some(Phase::Autonomous) && !refused =>
        {
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
    use crate::governor::rules::initial::tests::spec;

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
    fn an_auto_approval_refused_for_want_of_a_recipient_is_not_minted_again() {
        let mut refused = proposal(ProposalState::AutoApproved, Phase::Autonomous, None);
        let note = |reason| crate::domain::NoCredential {
            reason,
            message: String::new(),
            at: None,
        };
        if let Some(status) = refused.status.as_mut() {
            status.no_credential = Some(note(NoCredentialReason::NoRecipient));
        }
        assert_eq!(needs(&refused), None);
        if let Some(status) = refused.status.as_mut() {
            status.no_credential = Some(note(NoCredentialReason::MintFailed));
        }
        assert_eq!(
            needs(&refused),
            Some(Work::Mint),
            "a failed mint is retried"
        );
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
