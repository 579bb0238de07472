//! The governor loop: watches proposals and policies, gives new proposals
//! their first status and expires those nobody decided in time; with Vault,
//! mints the credentials of its auto-approvals and revokes those of expired
//! and vetoed proposals.

use super::credentials::Credentials;
use super::key::ProposalKey;
use super::metrics::{Metrics, Observer};
use super::{
    AUTONOMOUS_RULE, GOVERNOR_IDENTITY, TIMEOUT_RULE, apply_decision, initial_status, is_expired,
    update_status,
};
use crate::decide::{Decider, Identity};
use crate::domain::policy::POLICY_NAME;
use crate::domain::{
    ActionProposal, ActionProposalStatus, NoCredential, NoCredentialReason, Phase, ProposalState,
    TrustPolicy, TrustPolicySpec, Verdict,
};
use crate::vault::Vault;
use futures::{Stream, StreamExt};
use jiff::Timestamp;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::Time;
use kube::runtime::WatchStreamExt;
use kube::runtime::watcher::{self, Event};
use kube::{Api, Client, ResourceExt};
use std::collections::HashMap;
use std::pin::pin;
use std::sync::Arc;
use std::time::Duration;

/// Runs the governor with Vault off until the task is dropped: decisions only,
/// no credentials, and a `noCredential: VaultOff` note on each rule approval
/// ([`run_with_vault`] with `None`).
pub async fn run(client: Client) {
    run_with_vault(client, None).await;
}

/// Runs the governor until the task is dropped. Errors (a failed write, a
/// broken watch, Vault unreachable) are logged and retried; they never end
/// the loop.
///
/// It watches every TrustPolicy and ActionProposal in all namespaces. A
/// proposal without a status gets [`initial_status`] under its namespace's
/// policy; a Pending one whose `expiresAt` passes is expired by
/// [`TIMEOUT_RULE`]. Every write carries the resourceVersion it was based on.
///
/// With `vault`, an `AutoApproved` proposal gets its write credential
/// ([`Decider::mint`], the rule named as approver) and the
/// credential of an expired or vetoed proposal is revoked
/// ([`Decider::revoke`]). Vault failing never holds back or
/// undoes a decision: the work is retried later, backing off to one attempt
/// per proposal every 30 s. Vault calls run in tasks of their own (one at a
/// time per proposal), so a Vault that hangs never delays an expiry. A mint
/// that fails is noted on the proposal (`status.noCredential`, `MintFailed`
/// or `NoRecipient`) by [`Decider::mint`], so the agent and
/// the console see why no credential came.
///
/// Without `vault`, every `AutoApproved` proposal is noted `noCredential:
/// VaultOff` (in its first status when the governor judges it): no credential
/// will come, and the status says so.
pub async fn run_with_vault(client: Client, vault: Option<Arc<Vault>>) {
    let (_always, leading) = tokio::sync::watch::channel(true);
    run_replica(client, vault, Metrics::new(), leading).await;
}

/// Runs one replica of the governor until the task is dropped: it always
/// watches (keeping `metrics` current and becoming ready once both watches
/// listed), and acts as [`run_with_vault`] describes only while `leading`
/// says so ([`super::leader::join`]).
///
/// When leadership is lost the acting stops at once: the loop is dropped
/// with every Vault task it runs (a mint cut short leaves an unstored token
/// that runs out with its TTL). When it is gained the watches list the
/// cluster afresh, so whatever the previous leader left undone (a proposal
/// without status, an expiry due, a credential owed) is done now; every
/// write is guarded by a resourceVersion precondition, so nothing the
/// previous leader did is done twice.
pub async fn run_replica(
    client: Client,
    vault: Option<Arc<Vault>>,
    metrics: Metrics,
    mut leading: tokio::sync::watch::Receiver<bool>,
) {
    loop {
        let acting = *leading.borrow_and_update();
        metrics.set_leader(acting);
        if acting {
            tracing::info!("governor: leading; acting on proposals");
        }
        let policies = watcher::watcher(
            Api::<TrustPolicy>::all(client.clone()),
            watcher::Config::default(),
        )
        .default_backoff();
        let proposals = watcher::watcher(
            Api::<ActionProposal>::all(client.clone()),
            watcher::Config::default(),
        )
        .default_backoff();
        let mut governor = Governor::new(client.clone(), vault.clone(), acting, metrics.clone());
        // Demotions and changes made outside kubevigil (src/governor/demotion.rs),
        // by the leader only.
        let leader_only = async {
            if acting {
                super::demotion::watch(client.clone()).await;
            }
            std::future::pending::<()>().await;
        };
        tokio::select! {
            () = governor.drive(policies, proposals) => return,
            () = leader_only => {}
            changed = leading.changed() => {
                if changed.is_err() {
                    metrics.set_leader(false);
                    return;
                }
                if acting {
                    tracing::warn!("governor: lost the lease; stopped acting");
                }
            }
        }
    }
}

/// [`run_replica`] with the alert launcher beside it: the launcher acts
/// while `leading` says so too (it stops when leadership is lost, and
/// rebuilds its queue from the cluster's Jobs when it is gained).
pub async fn run_replica_with_launcher(
    client: Client,
    vault: Option<Arc<Vault>>,
    metrics: Metrics,
    leading: tokio::sync::watch::Receiver<bool>,
    launcher: crate::launcher::Launcher,
) {
    let for_launcher = leading.clone();
    tokio::join!(
        run_replica(client, vault, metrics, leading),
        launcher.run(for_launcher)
    );
}

/// What the loop remembers between events.
struct Governor {
    client: Client,
    /// Each namespace's policy, from the policy watch.
    policies: HashMap<String, TrustPolicySpec>,
    /// Policies seen since the policy watch (re)started listing.
    relisting: HashMap<String, TrustPolicySpec>,
    /// Pending proposals and when they expire.
    deadlines: HashMap<ProposalKey, Timestamp>,
    /// Vault work (none when Vault is off or this replica does not lead).
    credentials: Option<Credentials>,
    /// Whether Vault is off for this governor.
    vault_off: bool,
    /// Whether this replica leads and so writes; otherwise it only watches.
    acting: bool,
    metrics: Metrics,
    observer: Observer,
}

impl Governor {
    fn new(client: Client, vault: Option<Arc<Vault>>, acting: bool, metrics: Metrics) -> Self {
        Governor {
            vault_off: vault.is_none(),
            credentials: vault
                .filter(|_| acting)
                .map(|vault| Credentials::new(client.clone(), vault, metrics.clone())),
            client,
            policies: HashMap::new(),
            relisting: HashMap::new(),
            deadlines: HashMap::new(),
            acting,
            metrics,
            observer: Observer::default(),
        }
    }

    async fn drive(
        &mut self,
        policies: impl Stream<Item = Result<Event<TrustPolicy>, watcher::Error>>,
        proposals: impl Stream<Item = Result<Event<ActionProposal>, watcher::Error>>,
    ) {
        let mut policies = pin!(policies);
        let mut proposals = pin!(proposals);
        // Judging a proposal before the policies are known would judge it as Shadow.
        let mut policies_listed = false;
        loop {
            let wait = self.time_to_next_deadline();
            let credential_wait = self
                .credentials
                .as_ref()
                .and_then(Credentials::time_to_next);
            tokio::select! {
                event = policies.next() => match event {
                    Some(Ok(event)) => {
                        policies_listed |= matches!(event, Event::InitDone);
                        self.on_policy(event);
                    }
                    Some(Err(error)) => {
                        self.metrics.watch_restarted("trustpolicies");
                        tracing::warn!(%error, "governor: trust policy watch");
                    }
                    None => return,
                },
                event = proposals.next(), if policies_listed => match event {
                    Some(Ok(event)) => self.on_proposal(event).await,
                    Some(Err(error)) => {
                        self.metrics.watch_restarted("actionproposals");
                        tracing::warn!(%error, "governor: proposal watch");
                    }
                    None => return,
                },
                () = sleep_or_never(wait), if policies_listed => self.expire_due().await,
                () = sleep_or_never(credential_wait), if policies_listed => {
                    if let Some(credentials) = self.credentials.as_mut() {
                        credentials.run_due();
                    }
                }
                () = credential_task_ended(self.credentials.as_mut()) => {}
            }
        }
    }

    fn on_policy(&mut self, event: Event<TrustPolicy>) {
        match &event {
            Event::Apply(policy) => {
                self.observer
                    .observe_policy(&self.metrics, policy, self.acting);
            }
            Event::InitApply(policy) => self.observer.observe_policy(&self.metrics, policy, false),
            _ => {}
        }
        let entry = |policy: TrustPolicy| {
            (policy.name_any() == POLICY_NAME)
                .then(|| (policy.namespace().unwrap_or_default(), policy.spec))
        };
        match event {
            Event::Apply(policy) => {
                if let Some((namespace, spec)) = entry(policy) {
                    self.policies.insert(namespace, spec);
                }
            }
            Event::Delete(policy) => {
                if let Some((namespace, _)) = entry(policy) {
                    self.policies.remove(&namespace);
                }
            }
            Event::Init => self.relisting.clear(),
            Event::InitApply(policy) => {
                if let Some((namespace, spec)) = entry(policy) {
                    self.relisting.insert(namespace, spec);
                }
            }
            Event::InitDone => self.policies = std::mem::take(&mut self.relisting),
        }
    }

    async fn on_proposal(&mut self, event: Event<ActionProposal>) {
        match &event {
            Event::Apply(proposal) | Event::InitApply(proposal) => {
                self.observer.observe(&self.metrics, proposal, self.acting);
            }
            Event::Delete(proposal) => self.observer.forget(&self.metrics, proposal),
            Event::Init => self.observer.relist(),
            Event::InitDone => {
                self.observer.relisted(&self.metrics);
                self.metrics.set_ready();
            }
        }
        if !self.acting {
            return;
        }
        match event {
            Event::Apply(proposal) | Event::InitApply(proposal) => self.judge(proposal).await,
            Event::Delete(proposal) => {
                let key = key_of(&proposal);
                if let Some(credentials) = self.credentials.as_mut() {
                    credentials.forget(&key);
                }
                self.deadlines.remove(&key);
            }
            Event::Init => self.deadlines.clear(),
            Event::InitDone => {}
        }
    }

    /// Gives a new proposal its first status, and tracks pending ones for expiry.
    async fn judge(&mut self, proposal: ActionProposal) {
        let key = key_of(&proposal);
        let waiting = proposal
            .status
            .as_ref()
            .is_none_or(|s| s.state.is_pending());
        match (&proposal.spec.expires_at, waiting) {
            (Some(at), true) => self.deadlines.insert(key.clone(), at.0),
            _ => self.deadlines.remove(&key),
        };
        if let Some(credentials) = self.credentials.as_mut() {
            credentials.observe(&key, &proposal);
        }
        let vault_off = self.vault_off;
        if let Some(status) = &proposal.status {
            if vault_off && owes_vault_off_note(status) {
                self.note_vault_off(&proposal).await;
            }
            return;
        }
        let policy = self.policies.get(&key.0).cloned();
        let api = Api::<ActionProposal>::namespaced(self.client.clone(), &key.0);
        let written = update_status(&api, &key.1, |fresh| {
            fresh.status.is_none().then(|| {
                let now = Timestamp::now();
                let mut status = initial_status(&fresh.spec, policy.as_ref(), now);
                if vault_off && owes_vault_off_note(&status) {
                    status.no_credential = Some(vault_off_note(now));
                }
                status
            })
        })
        .await;
        match written {
            Ok(Some(written)) => {
                tracing::info!(
                    namespace = %key.0,
                    proposal = %key.1,
                    state = %written.state(),
                    "governor: judged a new proposal"
                );
                if let Some(credentials) = self.credentials.as_mut() {
                    credentials.settle(key, written);
                }
            }
            Ok(None) => {}
            Err(error) => tracing::warn!(%error, proposal = %key.1, "governor: initial status"),
        }
    }

    /// Notes on a rule-approved proposal that no credential exists because
    /// this governor has Vault off; a failure is logged (the next event on
    /// the proposal tries again).
    async fn note_vault_off(&self, proposal: &ActionProposal) {
        let note = vault_off_note(Timestamp::now());
        let decider = Decider::new(self.client.clone(), Identity::unverified(GOVERNOR_IDENTITY));
        if let Err(error) = decider.note_no_credential(proposal, note).await {
            tracing::warn!(%error, proposal = %proposal.name_any(), "governor: noting \"no credential (Vault off)\"");
        }
    }

    fn time_to_next_deadline(&self) -> Option<Duration> {
        let next = self.deadlines.values().min()?;
        let left = next.duration_since(Timestamp::now());
        Some(Duration::try_from(left).unwrap_or(Duration::ZERO))
    }

    /// Expires every tracked proposal whose deadline has passed.
    async fn expire_due(&mut self) {
        let now = Timestamp::now();
        let due: Vec<ProposalKey> = self
            .deadlines
            .iter()
            .filter(|(_, at)| **at <= now)
            .map(|(key, _)| key.clone())
            .collect();
        for key in due {
            self.deadlines.remove(&key);
            let api = Api::<ActionProposal>::namespaced(self.client.clone(), &key.0);
            let written = update_status(&api, &key.1, |fresh| {
                let now = Timestamp::now();
                if !is_expired(&fresh.spec, fresh.status.as_ref(), now) {
                    return None;
                }
                let status = fresh.status.clone().unwrap_or_default();
                let decision = super::rules::rule_decision(
                    TIMEOUT_RULE,
                    Verdict::Expire,
                    "no decision before the proposal timeout; timeout means deny".to_string(),
                    now,
                );
                apply_decision(&fresh.spec.action, &status, decision, 1).ok()
            })
            .await;
            match written {
                Ok(Some(written)) => {
                    tracing::info!(proposal = %key.1, "governor: expired");
                    let phase = written.status.as_ref().and_then(|s| s.phase);
                    self.metrics.expired(&key.0, phase);
                    if let Some(credentials) = self.credentials.as_mut() {
                        credentials.settle(key, written);
                    }
                }
                Ok(None) => {}
                Err(error) => {
                    tracing::warn!(%error, proposal = %key.1, "governor: expiry, retrying");
                    let retry = now + jiff::SignedDuration::from_secs(5);
                    self.deadlines.insert(key, retry);
                }
            }
        }
    }
}

/// Whether a governor with Vault off owes the proposal a note that it has no
/// credential: approved by rule in Autonomous (the governor's to mint), with
/// neither a credential nor a note yet.
fn owes_vault_off_note(status: &ActionProposalStatus) -> bool {
    status.state == ProposalState::AutoApproved
        && status.phase == Some(Phase::Autonomous)
        && status.credential.is_none()
        && status.no_credential.is_none()
}

/// `noCredential: VaultOff` as a governor with Vault off notes it.
fn vault_off_note(now: Timestamp) -> NoCredential {
    NoCredential {
        reason: NoCredentialReason::VaultOff,
        message: format!(
            "approved by rule ({AUTONOMOUS_RULE}) while the governor has Vault off: no write credential exists"
        ),
        at: Some(Time(Timestamp::from_second(now.as_second()).unwrap_or(now))),
    }
}

fn key_of(proposal: &ActionProposal) -> ProposalKey {
    (
        proposal.namespace().unwrap_or_default(),
        proposal.name_any(),
    )
}

/// Waits for a credential task to end and takes in its result; never
/// returns with Vault off or nothing running.
async fn credential_task_ended(credentials: Option<&mut Credentials>) {
    match credentials {
        Some(credentials) => credentials.collect_next().await,
        None => std::future::pending().await,
    }
}

async fn sleep_or_never(wait: Option<Duration>) {
    match wait {
        Some(wait) => tokio::time::sleep(wait).await,
        None => std::future::pending().await,
    }
}
