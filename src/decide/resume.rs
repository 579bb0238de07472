//! Resuming a halted namespace: un-suspend the Jobs the halt suspended and,
//! when the operator confirmed it a second time, restore the phase the
//! namespace had before the halt.

use super::failure::{Request, timed};
use super::halt::{HALTED_FROM, POLICY_ATTEMPTS, SUSPENDED_BY_HALT, patch_investigation_jobs};
use super::record::{Note, record_elsewhere};
use super::write::whole_second;
use super::{DecideError, Decider, Identity};
use crate::audit::{AuditAction, ChangeRecord, LastChange};
use crate::cluster::guarded::{Guarded, GuardedError, Retry, write_guarded_as};
use crate::domain::labels::LAST_CHANGE;
use crate::domain::policy::POLICY_NAME;
use crate::domain::{Phase, TrustPolicy};
use jiff::Timestamp;
use kube::api::{Patch, PatchParams};
use kube::{Api, Client, Resource, ResourceExt};
use serde_json::json;

/// What a resume did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResumeOutcome {
    /// The namespace resumed.
    pub namespace: String,
    /// Investigation Jobs un-suspended (only those the halt suspended).
    pub resumed: Vec<String>,
    /// The phase restored, when the operator asked for it and there was one to restore.
    pub restored: Option<Phase>,
    /// Why the phase was not restored although asked (changed since the halt,
    /// or no halt recorded).
    pub not_restored: Option<String>,
    /// What could not be recorded (Events, audit lines); the resume stands.
    pub warnings: Vec<String>,
}

/// The phase `namespace` had before its halt, from its policy's
/// [`HALTED_FROM`] annotation, while the policy is still in Shadow.
pub fn phase_before_halt(policy: &TrustPolicy) -> Option<Phase> {
    (policy.spec.phase == Phase::Shadow)
        .then(|| policy.annotations().get(HALTED_FROM))
        .flatten()
        .and_then(|p| Phase::parse(p))
        .filter(|p| *p != Phase::Shadow)
}

/// Resumes `namespace`: every investigation Job there annotated
/// [`SUSPENDED_BY_HALT`] is un-suspended (`spec.suspend: false`, the
/// annotation removed); Jobs suspended otherwise are left alone. With
/// `restore_phase` (the operator's second confirmation) the policy goes back
/// to the phase before the halt, guarded by its resourceVersion, unless
/// someone changed it since (then it is left, and the outcome says why).
/// Recorded like every decision: an Event on the TrustPolicy, the
/// `kubevigil.io/last-change` annotation when the phase changes, an audit line.
pub(super) async fn resume_namespace(
    decider: &Decider,
    namespace: &str,
    restore_phase: bool,
) -> Result<ResumeOutcome, DecideError> {
    let (client, identity) = (decider.client(), decider.identity());
    let doing = format!("resume {namespace}");
    let at = whole_second(Timestamp::now());
    let resumed = unsuspend_jobs(client, identity, namespace, &doing).await?;
    let policies: Api<TrustPolicy> = Api::namespaced(client.clone(), namespace);
    let request = Request {
        user: &identity.user,
        verb: "patch",
        resource: "trustpolicies",
        namespace,
        name: POLICY_NAME,
        doing: &doing,
    };
    let read = || async {
        timed(policies.get_opt(POLICY_NAME)).await.map_err(|e| {
            Request {
                verb: "get",
                ..request
            }
            .failed(e, None)
        })
    };
    let change = |current: &Option<TrustPolicy>| {
        let before = current.as_ref().and_then(phase_before_halt);
        let Some(before) = before.filter(|_| restore_phase) else {
            return Ok(None);
        };
        let change = last_change(identity, at, Some(before), resumed.len());
        Ok(Some(json!({
            "metadata": {
                "resourceVersion": current.as_ref().and_then(|c| c.resource_version()),
                "annotations": { LAST_CHANGE: change.to_annotation(), HALTED_FROM: null },
            },
            "spec": { "phase": before },
        })))
    };
    let api = &policies;
    let write = |patch: serde_json::Value| async move {
        timed(api.patch(POLICY_NAME, &PatchParams::default(), &Patch::Merge(&patch)))
            .await
            .map(Some)
    };
    let failed = |error| request.failed(error, None);
    let current = read().await?;
    let retry = Retry::on_conflict_or_gone(POLICY_ATTEMPTS);
    let (restored, not_restored, policy) =
        match write_guarded_as(retry, current, change, write, read, failed).await {
            // The patch set the phase from before the halt.
            Ok(Guarded::Written { object, .. }) => {
                (object.as_ref().map(|p| p.spec.phase), None, object)
            }
            Ok(Guarded::Unchanged(Some(current))) => {
                let not_restored = restore_phase.then(|| {
                format!(
                    "the phase was not restored: the policy is in {} and no halt is recorded on it",
                    current.spec.phase
                )
            });
                (None, not_restored, Some(current))
            }
            Ok(Guarded::Unchanged(None)) | Err(GuardedError::Contended { .. }) => {
                (None, None, None)
            }
            Err(GuardedError::Failed(error)) => return Err(error),
        };
    let mut warnings = Vec::new();
    if restored.is_some() {
        let status = json!({ "status": { "lastChangedBy": identity.user } });
        if let Err(error) = timed(policies.patch_status(
            POLICY_NAME,
            &PatchParams::default(),
            &Patch::Merge(&status),
        ))
        .await
        {
            warnings.push(format!("the TrustPolicy status was not updated: {error}"));
        }
    }
    let change = last_change(identity, at, restored, resumed.len());
    let mut detail = match restored {
        Some(phase) => format!("phase Shadow -> {phase}"),
        None => "phase left as it is".to_string(),
    };
    if !resumed.is_empty() {
        detail.push_str(&format!("; resumed Jobs: {}", resumed.join(", ")));
    }
    let mut record = change.to_record(namespace, None);
    record.detail = Some(detail.clone());
    let involved = match &policy {
        Some(policy) => policy.object_ref(&()),
        None => {
            let mut stub = TrustPolicy::new(POLICY_NAME, Default::default());
            stub.metadata.namespace = Some(namespace.to_string());
            stub.object_ref(&())
        }
    };
    let note = Note {
        involved,
        reason: "Resumed",
        message: format!("{identity} resumed {namespace} ({detail})"),
        action: "Resume",
    };
    warnings.extend(record_elsewhere(client, decider.audit(), identity, note, &record).await);
    Ok(ResumeOutcome {
        namespace: namespace.to_string(),
        resumed,
        restored,
        not_restored,
        warnings,
    })
}

fn last_change(
    identity: &Identity,
    at: Timestamp,
    restored: Option<Phase>,
    resumed: usize,
) -> LastChange {
    let what = match restored {
        Some(phase) => {
            format!("resume: phase Shadow -> {phase}, {resumed} investigations resumed")
        }
        None => format!("resume: {resumed} investigations resumed, phase unchanged"),
    };
    LastChange {
        by: identity.user.clone(),
        verified: identity.verified,
        at,
        action: AuditAction::Resume,
        what,
        why: None,
    }
}

/// Un-suspends every investigation Job in `namespace` the halt suspended;
/// returns their names.
async fn unsuspend_jobs(
    client: &Client,
    identity: &Identity,
    namespace: &str,
    doing: &str,
) -> Result<Vec<String>, DecideError> {
    let resume = json!({
        "metadata": { "annotations": { SUSPENDED_BY_HALT: null } },
        "spec": { "suspend": false },
    });
    let mut resumed = patch_investigation_jobs(client, identity, namespace, doing, &resume, |j| {
        j.annotations().contains_key(SUSPENDED_BY_HALT)
    })
    .await?;
    resumed.sort();
    Ok(resumed)
}
