//! Halting a namespace: stop its agents and take away their trust.

use super::failure::{Request, is_already_exists, is_conflict, is_not_found, list_all, timed};
use super::kill::{expire_proposals, list_proposals};
use super::record::{Note, record_elsewhere};
use super::write::whole_second;
use super::{DecideError, Decider, HaltOutcome, Identity};
use crate::audit::{AuditAction, ChangeRecord, LastChange};
use crate::cluster::guarded::{Guarded, GuardedError, Retry, write_guarded_as};
use crate::domain::investigation::state_of;
use crate::domain::labels::{INVESTIGATION_SELECTOR, LAST_CHANGE};
use crate::domain::policy::POLICY_NAME;
use crate::domain::{Phase, TrustPolicy, TrustPolicySpec};
use jiff::Timestamp;
use k8s_openapi::api::batch::v1::Job;
use kube::api::{Patch, PatchParams, PostParams};
use kube::{Api, Client, Resource, ResourceExt};
use serde_json::json;
use std::collections::BTreeMap;
use std::sync::Mutex;

/// How many times the policy write is retried after a conflict.
pub(super) const POLICY_ATTEMPTS: usize = 5;
/// Annotation on a Job the halt suspended (value: when), so a resume
/// un-suspends only those, never a Job suspended for another reason.
pub const SUSPENDED_BY_HALT: &str = "kubevigil.io/suspended-by-halt";
/// Annotation on a halted namespace's TrustPolicy: the phase before the halt,
/// which a resume may restore.
pub const HALTED_FROM: &str = "kubevigil.io/halted-from";

/// Halts `namespace`: its TrustPolicy is set to Shadow (created when missing)
/// with a `kubevigil.io/last-change` annotation saying who, what and why;
/// every running investigation Job there (label `kubevigil.io/investigation`)
/// is suspended (`spec.suspend: true`, a merge patch, annotated
/// [`SUSPENDED_BY_HALT`]); the phase before is kept in the policy's
/// [`HALTED_FROM`] annotation for [`super::resume_namespace`]; every Pending proposal,
/// and every approved one not executed yet, is expired by a `Kill` decision
/// (credentials revoked), so nothing approved runs when a Job is resumed. The halt is recorded
/// as an Event on the TrustPolicy and an audit line.
///
/// The policy goes first, so nothing more is approved while Jobs are stopped.
pub(super) async fn halt_namespace(
    decider: &Decider,
    namespace: &str,
    reason: Option<String>,
) -> Result<HaltOutcome, DecideError> {
    let (client, identity) = (decider.client(), decider.identity());
    let doing = format!("halt {namespace}");
    let reason = reason.filter(|r| !r.trim().is_empty());
    let at = whole_second(Timestamp::now());
    let (policy, previous_phase, policy_created) =
        set_shadow(client, identity, namespace, at, reason.as_deref(), &doing).await?;
    let suspended = suspend_jobs(client, identity, namespace, at, &doing).await?;
    let why = format!(
        "namespace {namespace} halted{}",
        reason
            .as_deref()
            .map(|r| format!(": {r}"))
            .unwrap_or_default()
    );
    let proposals = list_proposals(client, identity, namespace, &doing).await?;
    let ended = expire_proposals(decider, namespace, proposals, &why, &doing).await?;

    let mut warnings = ended.warnings;
    let policies: Api<TrustPolicy> = Api::namespaced(client.clone(), namespace);
    let status = json!({ "status": { "lastChangedBy": identity.user } });
    if let Err(error) =
        timed(policies.patch_status(POLICY_NAME, &PatchParams::default(), &Patch::Merge(&status)))
            .await
    {
        warnings.push(format!("the TrustPolicy status was not updated: {error}"));
    }
    let mut detail = format!("phase {previous_phase} -> Shadow");
    if !suspended.is_empty() {
        detail.push_str(&format!("; suspended Jobs: {}", suspended.join(", ")));
    }
    if !ended.expired.is_empty() {
        detail.push_str(&format!(
            "; expired proposals: {}",
            ended.expired.join(", ")
        ));
    }
    let change = last_change(identity, at, previous_phase, reason.as_deref());
    let mut record = change.to_record(namespace, None);
    record.detail = Some(detail.clone());
    let note = Note {
        involved: policy.object_ref(&()),
        reason: "Halted",
        message: format!(
            "{identity} halted {namespace} ({detail}){}",
            reason
                .as_deref()
                .map(|r| format!(": {r}"))
                .unwrap_or_default()
        ),
        action: "Halt",
    };
    warnings.extend(record_elsewhere(client, decider.audit(), identity, note, &record).await);
    Ok(HaltOutcome {
        namespace: namespace.to_string(),
        previous_phase,
        policy_created,
        suspended,
        expired: ended.expired,
        warnings,
    })
}

fn last_change(
    identity: &Identity,
    at: Timestamp,
    previous: Phase,
    why: Option<&str>,
) -> LastChange {
    LastChange {
        by: identity.user.clone(),
        verified: identity.verified,
        at,
        action: AuditAction::Halt,
        what: format!("halt: phase {previous} -> Shadow, investigations suspended"),
        why: why.map(str::to_string),
    }
}

/// Sets the policy's phase to Shadow with the last-change annotation, guarded
/// by its resourceVersion; creates a Shadow policy when there is none. Returns
/// the policy written, the phase before, and whether it was created.
async fn set_shadow(
    client: &Client,
    identity: &Identity,
    namespace: &str,
    at: Timestamp,
    why: Option<&str>,
    doing: &str,
) -> Result<(TrustPolicy, Phase, bool), DecideError> {
    let policies: Api<TrustPolicy> = Api::namespaced(client.clone(), namespace);
    let request = Request {
        user: &identity.user,
        verb: "patch",
        resource: "trustpolicies",
        namespace,
        name: POLICY_NAME,
        doing,
    };
    let get_failed = |e| {
        Request {
            verb: "get",
            ..request
        }
        .failed(e, None)
    };
    let read = || async {
        timed(policies.get_opt(POLICY_NAME))
            .await
            .map_err(get_failed)
    };
    // What the last change planned: the phase before, and whether it creates.
    let planned = Mutex::new((Phase::Shadow, false));
    let plan = |what: (Phase, bool)| {
        if let Ok(mut planned) = planned.lock() {
            *planned = what;
        }
    };
    let planned_now = || planned.lock().map(|p| *p).unwrap_or((Phase::Shadow, false));
    let change = |current: &Option<TrustPolicy>| {
        let Some(policy) = current else {
            plan((Phase::Shadow, true));
            let change = last_change(identity, at, Phase::Shadow, why);
            let mut policy = TrustPolicy::new(POLICY_NAME, TrustPolicySpec::default());
            policy.metadata.namespace = Some(namespace.to_string());
            policy.metadata.annotations = Some(BTreeMap::from([(
                LAST_CHANGE.to_string(),
                change.to_annotation(),
            )]));
            return Ok(Some(ShadowWrite::Create(Box::new(policy))));
        };
        let previous = policy.spec.phase;
        plan((previous, false));
        let change = last_change(identity, at, previous, why);
        // A second halt keeps the phase the first one left.
        let halted_from = policy
            .annotations()
            .get(HALTED_FROM)
            .filter(|_| previous == Phase::Shadow)
            .cloned()
            .unwrap_or_else(|| previous.to_string());
        Ok(Some(ShadowWrite::Patch(json!({
            "metadata": {
                "resourceVersion": policy.resource_version(),
                "annotations": {
                    LAST_CHANGE: change.to_annotation(),
                    HALTED_FROM: halted_from,
                },
            },
            "spec": { "phase": Phase::Shadow },
        }))))
    };
    let write = |plan: ShadowWrite| async {
        match plan {
            ShadowWrite::Create(policy) => timed(policies.create(&PostParams::default(), &policy))
                .await
                .map(Some),
            ShadowWrite::Patch(patch) => {
                timed(policies.patch(POLICY_NAME, &PatchParams::default(), &Patch::Merge(&patch)))
                    .await
                    .map(Some)
            }
        }
    };
    let failed = |error| {
        let verb = if planned_now().1 { "create" } else { "patch" };
        Request { verb, ..request }.failed(error, None)
    };
    // Someone else's write (409; AlreadyExists for a create) or the policy
    // deleted meanwhile (404): read again and decide again.
    let retry = Retry {
        attempts: POLICY_ATTEMPTS,
        when: |error: &kube::Error| {
            if planned_now().1 {
                is_already_exists(error)
            } else {
                is_conflict(error) || is_not_found(error)
            }
        },
    };
    let current = read().await?;
    match write_guarded_as(retry, current, change, write, read, failed).await {
        Ok(Guarded::Written {
            object: Some(written),
            ..
        }) => {
            let (previous, created) = planned_now();
            Ok((written, previous, created))
        }
        Ok(_) | Err(GuardedError::Contended { .. }) => Err(DecideError::Contended {
            name: format!("trustpolicy {namespace}/{POLICY_NAME}"),
        }),
        Err(GuardedError::Failed(error)) => Err(error),
    }
}

/// What halting writes to the policy: a new Shadow policy, or a merge patch
/// of the one read (guarded by its resourceVersion).
enum ShadowWrite {
    Create(Box<TrustPolicy>),
    Patch(serde_json::Value),
}

/// Suspends every investigation Job in `namespace` that is still pending or
/// running; returns their names.
async fn suspend_jobs(
    client: &Client,
    identity: &Identity,
    namespace: &str,
    at: Timestamp,
    doing: &str,
) -> Result<Vec<String>, DecideError> {
    let suspend = json!({
        "metadata": { "annotations": { SUSPENDED_BY_HALT: at.to_string() } },
        "spec": { "suspend": true },
    });
    let already_suspended = |j: &Job| j.spec.as_ref().and_then(|s| s.suspend) == Some(true);
    patch_investigation_jobs(client, identity, namespace, doing, &suspend, |j| {
        state_of(j).is_active() && !already_suspended(j)
    })
    .await
}

/// Merge-patches with `patch` every investigation Job in `namespace` that
/// `wanted` picks (a Job gone meanwhile is skipped); returns their names.
/// Halt suspends with it, resume un-suspends.
pub(super) async fn patch_investigation_jobs(
    client: &Client,
    identity: &Identity,
    namespace: &str,
    doing: &str,
    patch: &serde_json::Value,
    wanted: impl Fn(&Job) -> bool,
) -> Result<Vec<String>, DecideError> {
    let jobs: Api<Job> = Api::namespaced(client.clone(), namespace);
    let request = Request {
        user: &identity.user,
        verb: "list",
        resource: "jobs",
        namespace,
        name: "",
        doing,
    };
    let listed = list_all(&jobs, Some(INVESTIGATION_SELECTOR))
        .await
        .map_err(|e| request.failed(e, None))?;
    let mut patched = Vec::new();
    for job in listed.into_iter().filter(|j| wanted(j)) {
        let name = job.name_any();
        match timed(jobs.patch(&name, &PatchParams::default(), &Patch::Merge(patch))).await {
            Ok(_) => patched.push(name),
            Err(error) if is_not_found(&error) => {}
            Err(error) => {
                let failed = Request {
                    verb: "patch",
                    name: &name,
                    ..request
                };
                return Err(failed.failed(error, None));
            }
        }
    }
    Ok(patched)
}
