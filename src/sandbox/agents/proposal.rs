//! An agent's proposals: building one from a plan, and waiting for its decision.

use super::job::InvestigationRef;
use super::life::{JobLife, LifeWatch};
use super::script::{Plan, fill};
use crate::domain::policy::POLICY_NAME;
use crate::domain::{
    ActionProposal, ActionProposalSpec, Preview, TrustPolicy, TrustPolicySpec, labels,
};
use futures::StreamExt;
use jiff::{SignedDuration, Timestamp};
use k8s_openapi::api::batch::v1::Job;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{OwnerReference, Time};
use kube::runtime::WatchStreamExt;
use kube::runtime::watcher::{self, Event};
use kube::{Api, Client, ResourceExt};
use std::collections::BTreeMap;
use std::time::Duration;

/// How long after `expiresAt` an agent waits for the governor before it treats
/// the proposal as expired itself.
const EXPIRY_GRACE: SignedDuration = SignedDuration::from_secs(30);

/// The namespace's TrustPolicy spec, read fresh (phase changes reach running agents).
pub async fn read_policy(
    client: &Client,
    namespace: &str,
) -> Result<Option<TrustPolicySpec>, kube::Error> {
    let policies: Api<TrustPolicy> = Api::namespaced(client.clone(), namespace);
    Ok(policies.get_opt(POLICY_NAME).await?.map(|p| p.spec))
}

/// The proposal for `plan`, owned by the investigation's Job, expiring at
/// `expires_at`, its credential to be sealed to the age `recipient`, with
/// `preview` (see the runner: a server-side dry run).
pub fn proposal_manifest(
    inv: &InvestigationRef,
    job: &Job,
    name: &str,
    plan: &Plan,
    expires_at: Timestamp,
    recipient: &str,
    preview: Preview,
) -> ActionProposal {
    let ns = inv.namespace.as_str();
    let spec = ActionProposalSpec {
        investigation: inv.id.clone(),
        summary: fill(plan.summary, ns),
        rationale: fill(plan.rationale, ns),
        risk: plan.risk,
        reversible: plan.reversible,
        action: plan.action.to_action(ns),
        preview: Some(preview),
        expires_at: Some(Time(expires_at)),
        rollback: plan.rollback.map(|r| r.to_action(ns)),
        credential_recipient: Some(recipient.to_string()),
    };
    let mut proposal = ActionProposal::new(name, spec);
    proposal.metadata.namespace = Some(inv.namespace.clone());
    proposal.metadata.labels = Some(BTreeMap::from([
        (labels::INVESTIGATION.to_string(), inv.id.clone()),
        (labels::TARGET_NAMESPACE.to_string(), inv.namespace.clone()),
    ]));
    proposal.metadata.owner_references = Some(vec![OwnerReference {
        api_version: "batch/v1".to_string(),
        kind: "Job".to_string(),
        name: inv.job.clone(),
        uid: job.metadata.uid.clone().unwrap_or_default(),
        controller: Some(false),
        block_owner_deletion: Some(true),
    }]);
    proposal
}

/// When a proposal made now expires under `policy` (900 s without one).
pub fn expiry_from_now(policy: Option<&TrustPolicySpec>) -> Timestamp {
    let seconds = policy.map(|p| p.proposal_timeout_seconds).unwrap_or(900);
    Timestamp::now() + SignedDuration::from_secs(i64::from(seconds))
}

/// How a wait for a decision ended.
#[derive(Debug)]
pub enum Waited {
    /// The proposal left Pending; here it is as decided.
    Decided(Box<ActionProposal>),
    /// Nobody (not even the governor) decided well after `expiresAt`.
    NoDecision,
    /// The proposal was deleted.
    ProposalGone,
    /// The investigation's Job was deleted.
    JobGone,
}

/// Watches proposal `name` until it is decided, it or the Job goes away, or
/// `expires_at` plus a grace period passes.
pub async fn wait_for_decision(
    client: &Client,
    inv: &InvestigationRef,
    name: &str,
    expires_at: Timestamp,
    life: &mut LifeWatch,
) -> Waited {
    let proposals: Api<ActionProposal> = Api::namespaced(client.clone(), &inv.namespace);
    let config = watcher::Config::default().labels(&inv.selector());
    let mut events = std::pin::pin!(watcher::watcher(proposals, config).default_backoff());
    let give_up = expires_at + EXPIRY_GRACE;
    let left = Duration::try_from(give_up.duration_since(Timestamp::now())).unwrap_or_default();
    let mut deadline = std::pin::pin!(tokio::time::sleep(left));
    loop {
        tokio::select! {
            event = events.next() => match event {
                Some(Ok(Event::Apply(p) | Event::InitApply(p))) if p.name_any() == name => {
                    if p.status.as_ref().is_some_and(|s| !s.state.is_pending()) {
                        return Waited::Decided(Box::new(p));
                    }
                }
                Some(Ok(Event::Delete(p))) if p.name_any() == name => return Waited::ProposalGone,
                Some(Ok(_)) => {}
                Some(Err(error)) => tracing::debug!(%error, proposal = name, "agent: proposal watch"),
                None => return Waited::NoDecision,
            },
            life_now = life.changed() => if life_now == JobLife::Gone {
                return Waited::JobGone;
            },
            () = &mut deadline => return Waited::NoDecision,
        }
    }
}
