//! Demotion: observability governs the phases. When a namespace's executed
//! actions fail, or its proposals are refused, above the rates its
//! TrustPolicy's `demotion` criteria allow, the governor moves it back ONE
//! phase (never forward: promotion stays a person's decision).
//!
//! [`judge`] is the pure rule; [`demote`] writes a demotion (the policy's
//! phase and last-change annotation under a resourceVersion precondition,
//! then `status.lastDemotion`, then an audit Event); [`check_demotions`] is
//! one pass over the cluster and [`watch`] the leader's loop, which judges a
//! namespace again whenever one of its proposals or its policy changes (and
//! once a minute, as the window moves), and also records policy changes made
//! outside kubevigil ([`super::external`]).
//!
//! What counts, per namespace, over `demotion.observationWindowHours` (and
//! only since the last demotion, and only proposals judged under the phase in
//! force, so one breach demotes one phase and never cascades):
//! - executions: proposals Executed or Failed, at the time the agent reported;
//! - decisions: approved (incl. executed and failed), vetoed, and expired by
//!   timeout (a kill or halt is not held against the agent), at the time of
//!   the last decision.
//!
//! A rate is judged only over at least `minSamples` executions (or
//! decisions), and breached when strictly above its ceiling. A demotion never
//! revokes what was already approved; proposals judged afterwards get the new
//! phase's first status ([`super::initial_status`]), so nothing more is
//! approved by rule above it.

use super::external::ExternalChanges;
use crate::audit::{
    AUDIT_LABEL, AUDIT_RECORD_ANNOTATION, AuditAction, AuditRecord, ChangeRecord, LastChange,
};
use crate::decide::REPORTING_COMPONENT;
use crate::domain::labels::LAST_CHANGE;
use crate::domain::policy::{DemotionEvidence, DemotionRecord, POLICY_NAME};
use crate::domain::{ActionProposal, Phase, ProposalState, TrustPolicy, Verdict};
use futures::StreamExt;
use jiff::{SignedDuration, Timestamp};
use k8s_openapi::api::core::v1::{Event as KubeEvent, EventSource, ObjectReference};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{ObjectMeta, Time};
use kube::api::{ListParams, Patch, PatchParams, PostParams};
use kube::runtime::WatchStreamExt;
use kube::runtime::watcher::{self, Event};
use kube::{Api, Client, Resource, ResourceExt};
use serde_json::json;
use std::collections::{BTreeMap, HashMap};
use std::time::Duration;

/// The actor named on a demotion: the rule, as rule decisions are named.
pub const DEMOTION_RULE: &str = "rule:demotion";

/// How often the loop judges every namespace again with no event (the
/// window moves: successes can age out of it).
const REJUDGE_EVERY: Duration = Duration::from_secs(60);

/// What one proposal counts as.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Executed, and it succeeded.
    Succeeded,
    /// Executed, and it failed.
    Failed,
    /// Approved (by a person or a rule), not executed yet.
    Approved,
    /// Vetoed, or expired because nobody decided in time.
    Refused,
    /// Pending, recorded only, or ended by a kill or halt: not counted.
    Uncounted,
}

/// One proposal as the demotion rule sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Sample {
    /// When it counts: the execution report, else the last decision, else creation.
    pub at: Option<Timestamp>,
    /// The phase it was judged under (`None`: not known, counted).
    pub phase: Option<Phase>,
    /// What it counts as.
    pub outcome: Outcome,
}

impl Sample {
    /// The sample of a proposal read from the cluster.
    pub fn of(proposal: &ActionProposal) -> Sample {
        let status = proposal.status.as_ref();
        let last_decision = proposal.decisions().last();
        let killed = proposal
            .decisions()
            .iter()
            .any(|d| d.verdict == Verdict::Kill);
        let outcome = match proposal.state() {
            ProposalState::Executed => Outcome::Succeeded,
            ProposalState::Failed => Outcome::Failed,
            ProposalState::Approved | ProposalState::AutoApproved => Outcome::Approved,
            ProposalState::Vetoed => Outcome::Refused,
            ProposalState::Expired if !killed => Outcome::Refused,
            _ => Outcome::Uncounted,
        };
        let executed_at = status
            .and_then(|s| s.execution.as_ref())
            .and_then(|e| e.at.as_ref())
            .map(|t| t.0);
        let at = executed_at
            .filter(|_| matches!(outcome, Outcome::Succeeded | Outcome::Failed))
            .or_else(|| last_decision.map(|d| d.at.0))
            .or_else(|| proposal.metadata.creation_timestamp.as_ref().map(|t| t.0));
        Sample {
            at,
            phase: status.and_then(|s| s.phase),
            outcome,
        }
    }
}

/// A breach of the demotion criteria: demote from `from` to `to`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Breach {
    /// The phase in force.
    pub from: Phase,
    /// One phase below.
    pub to: Phase,
    /// Each breached criterion, in a line.
    pub reasons: Vec<String>,
    /// The counts judged.
    pub evidence: DemotionEvidence,
}

impl Breach {
    /// The reasons in one line.
    pub fn reason(&self) -> String {
        self.reasons.join("; ")
    }

    /// The status record of this demotion made at `at`.
    pub fn record(&self, at: Timestamp) -> DemotionRecord {
        DemotionRecord {
            at: Time(at),
            from: self.from,
            to: self.to,
            reason: self.reason(),
            evidence: self.evidence,
        }
    }
}

/// Counts `samples` judged under `phase` at or after `since`.
pub fn tally<'a>(
    samples: impl IntoIterator<Item = &'a Sample>,
    phase: Phase,
    since: Timestamp,
    window_hours: u32,
) -> DemotionEvidence {
    let mut evidence = DemotionEvidence {
        window_hours,
        ..DemotionEvidence::default()
    };
    for sample in samples {
        let in_window = sample.at.is_some_and(|at| at >= since);
        let same_phase = sample.phase.is_none_or(|p| p == phase);
        if !in_window || !same_phase {
            continue;
        }
        match sample.outcome {
            Outcome::Succeeded => {
                evidence.executions += 1;
                evidence.decisions += 1;
            }
            Outcome::Failed => {
                evidence.executions += 1;
                evidence.failed += 1;
                evidence.decisions += 1;
            }
            Outcome::Approved => evidence.decisions += 1,
            Outcome::Refused => {
                evidence.decisions += 1;
                evidence.refused += 1;
            }
            Outcome::Uncounted => {}
        }
    }
    evidence
}

/// Whether `policy`'s namespace must be demoted now, and why: `None` when it
/// has no demotion criteria, is already in Shadow, has too few samples, or
/// stays within every ceiling. Only samples since `last_demotion` count.
pub fn judge<'a>(
    policy: &crate::domain::TrustPolicySpec,
    last_demotion: Option<Timestamp>,
    samples: impl IntoIterator<Item = &'a Sample>,
    now: Timestamp,
) -> Option<Breach> {
    let criteria = policy.demotion.as_ref()?;
    let to = policy.phase.previous()?;
    let window_start =
        now - SignedDuration::from_hours(i64::from(criteria.observation_window_hours));
    let since = last_demotion.map_or(window_start, |d| d.max(window_start));
    let evidence = tally(
        samples,
        policy.phase,
        since,
        criteria.observation_window_hours,
    );
    let min = criteria.min_samples.max(1);
    let mut reasons = Vec::new();
    if let Some(max) = criteria.max_failed_execution_rate_percent
        && evidence.executions >= min
        && u64::from(evidence.failed) * 100 > u64::from(max) * u64::from(evidence.executions)
    {
        reasons.push(format!(
            "{} of {} executed actions failed ({}% > {max}%) in {}h",
            evidence.failed,
            evidence.executions,
            percent(evidence.failed, evidence.executions),
            criteria.observation_window_hours
        ));
    }
    if let Some(max) = criteria.max_veto_rate_percent
        && evidence.decisions >= min
        && u64::from(evidence.refused) * 100 > u64::from(max) * u64::from(evidence.decisions)
    {
        reasons.push(format!(
            "{} of {} decisions were vetoes or expiries ({}% > {max}%) in {}h",
            evidence.refused,
            evidence.decisions,
            percent(evidence.refused, evidence.decisions),
            criteria.observation_window_hours
        ));
    }
    (!reasons.is_empty()).then_some(Breach {
        from: policy.phase,
        to,
        reasons,
        evidence,
    })
}

fn percent(part: u32, whole: u32) -> u32 {
    if whole == 0 {
        return 0;
    }
    (part * 100 + whole / 2) / whole
}

/// When the policy was last demoted, from its status.
pub fn last_demotion_at(policy: &TrustPolicy) -> Option<Timestamp> {
    policy
        .status
        .as_ref()
        .and_then(|s| s.last_demotion.as_ref())
        .map(|d| d.at.0)
}

/// A demotion the governor wrote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Demoted {
    /// The namespace.
    pub namespace: String,
    /// What was recorded in the status.
    pub record: DemotionRecord,
}

/// One pass: every TrustPolicy with demotion criteria is judged against its
/// namespace's proposals (listed), and demoted one phase when breached.
/// Returns the demotions written. A policy changed meanwhile (409) is left
/// for the next pass.
pub async fn check_demotions(client: &Client, now: Timestamp) -> Result<Vec<Demoted>, kube::Error> {
    let policies: Api<TrustPolicy> = Api::all(client.clone());
    let mut demoted = Vec::new();
    for policy in policies.list(&ListParams::default()).await?.items {
        if policy.name_any() != POLICY_NAME || policy.spec.demotion.is_none() {
            continue;
        }
        let namespace = policy.namespace().unwrap_or_default();
        let proposals: Api<ActionProposal> = Api::namespaced(client.clone(), &namespace);
        let samples: Vec<Sample> = proposals
            .list(&ListParams::default())
            .await?
            .items
            .iter()
            .map(Sample::of)
            .collect();
        if let Some(breach) = judge(&policy.spec, last_demotion_at(&policy), &samples, now)
            && let Some(record) = demote(client, &policy, &breach, now).await?
        {
            demoted.push(Demoted { namespace, record });
        }
    }
    Ok(demoted)
}

/// Writes `breach` on `policy`: the phase one below, with the
/// `kubevigil.io/last-change` annotation (by [`DEMOTION_RULE`]), guarded by
/// the policy's resourceVersion; then `status.lastDemotion` and an audit
/// Event on the policy. `None` when the policy changed meanwhile (nothing
/// written). The status and the Event failing are logged: the demotion stands.
pub async fn demote(
    client: &Client,
    policy: &TrustPolicy,
    breach: &Breach,
    now: Timestamp,
) -> Result<Option<DemotionRecord>, kube::Error> {
    let namespace = policy.namespace().unwrap_or_default();
    let at = Timestamp::from_second(now.as_second()).unwrap_or(now);
    let record = breach.record(at);
    let change = LastChange {
        by: DEMOTION_RULE.to_string(),
        verified: true,
        at,
        action: AuditAction::Demote,
        what: format!("demotion: phase {} -> {}", breach.from, breach.to),
        why: Some(record.reason.clone()),
    };
    let api: Api<TrustPolicy> = Api::namespaced(client.clone(), &namespace);
    let patch = json!({
        "metadata": {
            "resourceVersion": policy.resource_version(),
            "annotations": { LAST_CHANGE: change.to_annotation() },
        },
        "spec": { "phase": breach.to },
    });
    let written = match api
        .patch(POLICY_NAME, &PatchParams::default(), &Patch::Merge(&patch))
        .await
    {
        Ok(written) => written,
        Err(kube::Error::Api(response)) if response.code == 409 || response.code == 404 => {
            return Ok(None);
        }
        Err(error) => return Err(error),
    };
    let status = json!({ "status": {
        "lastDemotion": record,
        "lastChangedBy": DEMOTION_RULE,
        "observedGeneration": written.metadata.generation,
    }});
    if let Err(error) = api
        .patch_status(POLICY_NAME, &PatchParams::default(), &Patch::Merge(&status))
        .await
    {
        tracing::warn!(%error, %namespace, "governor: recording the demotion in the policy status");
    }
    let evidence = &record.evidence;
    let message = format!(
        "{DEMOTION_RULE} demoted {namespace} from {} to {}: {} (evidence over {}h: {} executions, {} failed; {} decisions, {} vetoed or expired)",
        record.from,
        record.to,
        record.reason,
        evidence.window_hours,
        evidence.executions,
        evidence.failed,
        evidence.decisions,
        evidence.refused
    );
    let mut audit = change.to_record(&namespace, None);
    audit.detail = Some(format!(
        "phase {} -> {}; {} executions, {} failed; {} decisions, {} vetoed or expired (window {}h)",
        record.from,
        record.to,
        evidence.executions,
        evidence.failed,
        evidence.decisions,
        evidence.refused,
        evidence.window_hours
    ));
    let involved = written.object_ref(&());
    if let Err(error) =
        post_audit_event(client, involved, "Demoted", "Demote", message, &audit).await
    {
        tracing::warn!(%error, %namespace, "governor: recording the demotion as an Event");
    }
    tracing::warn!(%namespace, from = %record.from, to = %record.to, reason = %record.reason, "governor: demoted");
    Ok(Some(record))
}

/// Posts an audit Event (label `kubevigil.io/audit=true`, the record in the
/// `kubevigil.io/audit-record` annotation) about `involved`, reported by the governor.
pub(crate) async fn post_audit_event(
    client: &Client,
    involved: ObjectReference,
    reason: &str,
    action: &str,
    message: String,
    record: &AuditRecord,
) -> Result<(), kube::Error> {
    let namespace = involved.namespace.clone().unwrap_or_default();
    let now = Time(Timestamp::now());
    let salt: u32 = rand::random();
    let name = format!(
        "{}.{:x}{salt:08x}",
        involved.name.as_deref().unwrap_or("kubevigil"),
        Timestamp::now().as_nanosecond()
    );
    let mut message = message;
    if message.len() > 1024 {
        let mut end = 1021;
        while !message.is_char_boundary(end) {
            end -= 1;
        }
        message.truncate(end);
        message.push('…');
    }
    let event = KubeEvent {
        metadata: ObjectMeta {
            name: Some(name),
            namespace: Some(namespace.clone()),
            labels: Some(BTreeMap::from([(
                AUDIT_LABEL.to_string(),
                "true".to_string(),
            )])),
            annotations: Some(BTreeMap::from([(
                AUDIT_RECORD_ANNOTATION.to_string(),
                serde_json::to_string(record).unwrap_or_default(),
            )])),
            ..Default::default()
        },
        involved_object: involved,
        reason: Some(reason.to_string()),
        message: Some(message),
        type_: Some("Warning".to_string()),
        action: Some(action.to_string()),
        count: Some(1),
        first_timestamp: Some(now.clone()),
        last_timestamp: Some(now),
        reporting_component: Some(REPORTING_COMPONENT.to_string()),
        reporting_instance: Some(format!(
            "{REPORTING_COMPONENT}/{}",
            super::GOVERNOR_IDENTITY
        )),
        source: Some(EventSource {
            component: Some(REPORTING_COMPONENT.to_string()),
            host: None,
        }),
        ..Default::default()
    };
    let events: Api<KubeEvent> = Api::namespaced(client.clone(), &namespace);
    events.create(&PostParams::default(), &event).await?;
    Ok(())
}

/// The leader's loop for demotions and changes made outside kubevigil:
/// watches every TrustPolicy and ActionProposal, keeps one [`Sample`] a
/// proposal, and judges a namespace again whenever its policy or one of its
/// proposals changes, and every minute. Runs until dropped; watch errors are
/// logged and retried with backoff.
pub async fn watch(client: Client) {
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
    let mut policies = std::pin::pin!(policies);
    let mut proposals = std::pin::pin!(proposals);
    let mut loop_state = Loop {
        client,
        policies: HashMap::new(),
        samples: HashMap::new(),
        external: ExternalChanges::default(),
        policies_listed: false,
        proposals_listed: false,
    };
    let mut tick = tokio::time::interval(REJUDGE_EVERY);
    loop {
        let was_ready = loop_state.ready();
        let dirty = tokio::select! {
            event = policies.next() => match event {
                Some(Ok(event)) => loop_state.on_policy(event).await,
                Some(Err(error)) => { tracing::warn!(%error, "governor: demotion policy watch"); None }
                None => return,
            },
            event = proposals.next() => match event {
                Some(Ok(event)) => loop_state.on_proposal(event),
                Some(Err(error)) => { tracing::warn!(%error, "governor: demotion proposal watch"); None }
                None => return,
            },
            _ = tick.tick() => {
                loop_state.judge_all().await;
                None
            }
        };
        if !was_ready && loop_state.ready() {
            // Both watches listed (at the start, or after a relist): judge
            // every namespace now rather than at the next tick.
            loop_state.judge_all().await;
        } else if let Some(namespace) = dirty {
            loop_state.judge(&namespace).await;
        }
    }
}

/// What the demotion loop remembers.
struct Loop {
    client: Client,
    policies: HashMap<String, TrustPolicy>,
    samples: HashMap<String, HashMap<String, Sample>>,
    external: ExternalChanges,
    policies_listed: bool,
    proposals_listed: bool,
}

impl Loop {
    /// Takes in a policy event; returns the namespace to judge again.
    async fn on_policy(&mut self, event: Event<TrustPolicy>) -> Option<String> {
        match event {
            Event::Init => {
                self.policies_listed = false;
                None
            }
            Event::InitDone => {
                self.policies_listed = true;
                None
            }
            Event::InitApply(policy) | Event::Apply(policy) => {
                if policy.name_any() != POLICY_NAME {
                    return None;
                }
                let namespace = policy.namespace().unwrap_or_default();
                if let Some(change) = self.external.observe(&policy) {
                    super::external::record(&self.client, &mut self.external, &policy, &change)
                        .await;
                }
                self.policies.insert(namespace.clone(), policy);
                Some(namespace)
            }
            Event::Delete(policy) => {
                let namespace = policy.namespace().unwrap_or_default();
                self.external.forget(&namespace);
                self.policies.remove(&namespace);
                None
            }
        }
    }

    /// Takes in a proposal event; returns the namespace to judge again.
    fn on_proposal(&mut self, event: Event<ActionProposal>) -> Option<String> {
        match event {
            Event::Init => {
                self.proposals_listed = false;
                self.samples.clear();
                None
            }
            Event::InitDone => {
                self.proposals_listed = true;
                None
            }
            Event::InitApply(proposal) | Event::Apply(proposal) => {
                let namespace = proposal.namespace().unwrap_or_default();
                let sample = Sample::of(&proposal);
                self.samples
                    .entry(namespace.clone())
                    .or_default()
                    .insert(proposal.name_any(), sample);
                Some(namespace)
            }
            Event::Delete(proposal) => {
                let namespace = proposal.namespace().unwrap_or_default();
                if let Some(samples) = self.samples.get_mut(&namespace) {
                    samples.remove(&proposal.name_any());
                }
                Some(namespace)
            }
        }
    }

    /// Whether both watches have listed the cluster.
    fn ready(&self) -> bool {
        self.policies_listed && self.proposals_listed
    }

    /// Judges every namespace with a policy.
    async fn judge_all(&mut self) {
        let all: Vec<String> = self.policies.keys().cloned().collect();
        for namespace in all {
            self.judge(&namespace).await;
        }
    }

    /// Judges `namespace` and demotes it when breached (once both watches listed).
    async fn judge(&mut self, namespace: &str) {
        if !self.ready() {
            return;
        }
        let Some(policy) = self.policies.get(namespace) else {
            return;
        };
        let empty = HashMap::new();
        let samples = self.samples.get(namespace).unwrap_or(&empty);
        let now = Timestamp::now();
        let Some(breach) = judge(
            &policy.spec,
            last_demotion_at(policy),
            samples.values(),
            now,
        ) else {
            return;
        };
        match demote(&self.client, policy, &breach, now).await {
            Ok(Some(record)) => {
                // Until the watch brings the written policy, judge it as written.
                if let Some(policy) = self.policies.get_mut(namespace) {
                    policy.spec.phase = record.to;
                    policy.status.get_or_insert_default().last_demotion = Some(record);
                }
            }
            Ok(None) => {}
            Err(error) => tracing::warn!(%error, %namespace, "governor: demotion"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::TrustPolicySpec;
    use crate::domain::policy::DemotionCriteria;

    fn at(hours_ago: i64) -> Option<Timestamp> {
        Some(now() - SignedDuration::from_hours(hours_ago))
    }

    fn now() -> Timestamp {
        Timestamp::from_second(1_800_000_000).unwrap_or(Timestamp::UNIX_EPOCH)
    }

    fn sample(outcome: Outcome, hours_ago: i64) -> Sample {
        Sample {
            at: at(hours_ago),
            phase: Some(Phase::Autonomous),
            outcome,
        }
    }

    fn policy(phase: Phase) -> TrustPolicySpec {
        TrustPolicySpec {
            phase,
            demotion: Some(DemotionCriteria {
                max_failed_execution_rate_percent: Some(20),
                max_veto_rate_percent: Some(50),
                observation_window_hours: 24,
                min_samples: 5,
            }),
            ..TrustPolicySpec::default()
        }
    }

    fn runs(failed: usize, succeeded: usize, hours_ago: i64) -> Vec<Sample> {
        let mut samples = vec![sample(Outcome::Failed, hours_ago); failed];
        samples.extend(vec![sample(Outcome::Succeeded, hours_ago); succeeded]);
        samples
    }

    #[test]
    fn failures_above_the_ceiling_demote_one_phase_with_the_evidence() {
        let breach = judge(&policy(Phase::Autonomous), None, &runs(2, 3, 1), now())
            .expect("40% failed > 20%");
        assert_eq!(
            (breach.from, breach.to),
            (Phase::Autonomous, Phase::LimitedWrite)
        );
        assert_eq!(
            breach.reason(),
            "2 of 5 executed actions failed (40% > 20%) in 24h"
        );
        assert_eq!((breach.evidence.executions, breach.evidence.failed), (5, 2));
        assert_eq!(breach.evidence.window_hours, 24);
    }

    #[test]
    fn at_the_ceiling_exactly_is_not_a_breach() {
        // 1 of 5 = 20%, not above 20%.
        assert_eq!(
            judge(&policy(Phase::Autonomous), None, &runs(1, 4, 1), now()),
            None
        );
    }

    #[test]
    fn fewer_samples_than_the_minimum_are_not_judged() {
        assert_eq!(
            judge(&policy(Phase::Autonomous), None, &runs(4, 0, 1), now()),
            None
        );
        assert!(judge(&policy(Phase::Autonomous), None, &runs(5, 0, 1), now()).is_some());
    }

    #[test]
    fn only_the_window_counts() {
        // Failures 30 hours ago are outside a 24-hour window.
        let mut samples = runs(5, 0, 30);
        samples.extend(runs(0, 5, 1));
        assert_eq!(
            judge(&policy(Phase::Autonomous), None, &samples, now()),
            None
        );
        // ...and successes that age out can make the recent failures a breach.
        let mut samples = runs(0, 20, 30);
        samples.extend(runs(2, 3, 1));
        assert!(judge(&policy(Phase::Autonomous), None, &samples, now()).is_some());
    }

    #[test]
    fn refusals_above_the_veto_ceiling_demote() {
        let mut samples = vec![sample(Outcome::Refused, 1); 3];
        samples.extend(vec![sample(Outcome::Approved, 1); 2]);
        let breach = judge(&policy(Phase::Autonomous), None, &samples, now()).expect("60% > 50%");
        assert_eq!(
            breach.reason(),
            "3 of 5 decisions were vetoes or expiries (60% > 50%) in 24h"
        );
        assert_eq!((breach.evidence.decisions, breach.evidence.refused), (5, 3));
    }

    #[test]
    fn never_promotes_and_shadow_stays() {
        // The best evidence never moves a namespace up.
        for phase in Phase::ALL {
            let judged = judge(&policy(phase), None, &runs(0, 100, 1), now());
            assert_eq!(judged, None, "{phase}");
        }
        // Nothing is below Shadow.
        let mut samples = runs(5, 0, 1);
        for s in &mut samples {
            s.phase = Some(Phase::Shadow);
        }
        assert_eq!(judge(&policy(Phase::Shadow), None, &samples, now()), None);
    }

    #[test]
    fn one_phase_at_a_time_no_cascade() {
        // After a demotion from Autonomous, the same evidence does not demote
        // LimitedWrite: it was judged under Autonomous, and it is older than
        // the demotion.
        let samples = runs(5, 0, 2);
        let breach = judge(&policy(Phase::Autonomous), None, &samples, now()).expect("breach");
        assert_eq!(breach.to, Phase::LimitedWrite);
        assert_eq!(
            judge(&policy(Phase::LimitedWrite), at(1), &samples, now()),
            None
        );
        // Even were the samples' phase unknown, the demotion cuts them off.
        let unknown: Vec<Sample> = samples
            .iter()
            .map(|s| Sample { phase: None, ..*s })
            .collect();
        assert_eq!(
            judge(&policy(Phase::LimitedWrite), at(1), &unknown, now()),
            None
        );
        // New failures after the demotion, under the new phase, demote again.
        let mut later = runs(5, 0, 0);
        for s in &mut later {
            s.phase = Some(Phase::LimitedWrite);
        }
        let again = judge(&policy(Phase::LimitedWrite), at(1), &later, now()).expect("breach");
        assert_eq!(
            (again.from, again.to),
            (Phase::LimitedWrite, Phase::ReadOnlyAssist)
        );
    }

    #[test]
    fn without_criteria_or_with_a_criterion_left_out_nothing_is_judged() {
        let mut spec = policy(Phase::Autonomous);
        spec.demotion = None;
        assert_eq!(judge(&spec, None, &runs(5, 0, 1), now()), None);
        let mut spec = policy(Phase::Autonomous);
        if let Some(d) = spec.demotion.as_mut() {
            d.max_failed_execution_rate_percent = None;
        }
        assert_eq!(judge(&spec, None, &runs(5, 0, 1), now()), None);
    }

    fn proposal(status: serde_json::Value) -> ActionProposal {
        serde_json::from_value(serde_json::json!({
            "apiVersion": "kubevigil.io/v1alpha1",
            "kind": "ActionProposal",
            "metadata": {"name": "p", "namespace": "shop", "creationTimestamp": "2026-11-27T01:00:00Z"},
            "spec": {
                "investigation": "inv-1", "summary": "s", "rationale": "r",
                "risk": "low", "reversible": true,
                "action": {"kind": "scale", "target": {"apiVersion": "apps/v1", "kind": "Deployment", "namespace": "shop", "name": "api"}, "replicas": 2}
            },
            "status": status,
        }))
        .expect("a proposal")
    }

    fn decision(verdict: &str, at: &str) -> serde_json::Value {
        serde_json::json!({"by": "rule:autonomous", "at": at, "verdict": verdict, "source": "Rule"})
    }

    #[test]
    fn a_sample_counts_at_the_execution_report_and_a_kill_is_not_held_against_the_agent() {
        let executed = Sample::of(&proposal(serde_json::json!({
            "state": "Failed", "phase": "Autonomous",
            "decisions": [decision("Approve", "2026-11-27T01:01:00Z")],
            "execution": {"succeeded": false, "message": "denied", "at": "2026-11-27T01:05:00Z"},
        })));
        assert_eq!(executed.outcome, Outcome::Failed);
        assert_eq!(executed.phase, Some(Phase::Autonomous));
        assert_eq!(executed.at, "2026-11-27T01:05:00Z".parse().ok());
        let vetoed = Sample::of(&proposal(serde_json::json!({
            "state": "Vetoed", "decisions": [decision("Veto", "2026-11-27T01:02:00Z")],
        })));
        assert_eq!(vetoed.outcome, Outcome::Refused);
        assert_eq!(vetoed.at, "2026-11-27T01:02:00Z".parse().ok());
        let killed = Sample::of(&proposal(serde_json::json!({
            "state": "Expired", "decisions": [decision("Kill", "2026-11-27T01:03:00Z")],
        })));
        assert_eq!(killed.outcome, Outcome::Uncounted);
        let timed_out = Sample::of(&proposal(serde_json::json!({
            "state": "Expired", "decisions": [decision("Expire", "2026-11-27T01:03:00Z")],
        })));
        assert_eq!(timed_out.outcome, Outcome::Refused);
        let pending = Sample::of(&proposal(serde_json::json!({"state": "Pending"})));
        assert_eq!(pending.outcome, Outcome::Uncounted);
        assert_eq!(pending.at, "2026-11-27T01:00:00Z".parse().ok());
    }

    #[test]
    fn uncounted_outcomes_and_untimed_samples_do_not_count() {
        let mut samples = vec![sample(Outcome::Uncounted, 1); 10];
        samples.push(Sample {
            at: None,
            phase: None,
            outcome: Outcome::Failed,
        });
        let counted = tally(
            &samples,
            Phase::Autonomous,
            now() - SignedDuration::from_hours(24),
            24,
        );
        assert_eq!(counted.executions + counted.decisions, 0);
    }
}
