//! Policy changes made outside kubevigil (`kubectl edit`, `kubectl apply`, a
//! GitOps controller): noticed, attributed and recorded, so `:policies` and
//! the audit trail never show a stale "last change".
//!
//! Every change kubevigil makes to a policy's spec (the policy editor, a halt,
//! a resume, a demotion) writes a fresh `kubevigil.io/last-change` annotation
//! in the same write. So a new spec generation whose annotation is missing,
//! unreadable, or the same as before was made by someone else. The governor
//! then records an audit Event (label `kubevigil.io/audit=true`, the record
//! in its annotation) naming the writer as the API tells it (the
//! `managedFields` manager that last wrote the spec, else `unknown`), and
//! writes that as the policy's last change (annotation and
//! `status.lastChangedBy`), guarded by the resourceVersion it saw.
//!
//! The first sight of a policy (the governor starting, a new leader) is
//! remembered, not judged: changes made while no governor watched are not
//! attributed.

use super::demotion::post_audit_event;
use crate::audit::{AuditAction, ChangeRecord, LastChange};
use crate::domain::labels::LAST_CHANGE;
use crate::domain::policy::POLICY_NAME;
use crate::domain::{TrustPolicy, TrustPolicySpec};
use jiff::Timestamp;
use kube::api::{Patch, PatchParams};
use kube::{Api, Client, Resource, ResourceExt};
use serde_json::json;
use std::collections::HashMap;

/// The name used when the API does not say who wrote.
pub const UNKNOWN_WRITER: &str = "unknown";

/// A change to a policy's spec that kubevigil did not make.
#[derive(Debug, Clone, PartialEq)]
pub struct ExternalChange {
    /// Who wrote it, as the API tells (`kubectl-edit`), or [`UNKNOWN_WRITER`].
    pub by: String,
    /// What changed: "phase LimitedWrite -> Autonomous".
    pub what: String,
    /// The generation written.
    pub generation: i64,
}

/// What was last seen of one policy.
#[derive(Debug, Clone)]
struct Seen {
    generation: i64,
    annotation: Option<String>,
    spec: TrustPolicySpec,
}

/// Remembers each namespace's policy between events, to tell kubevigil's
/// changes from everyone else's.
#[derive(Debug, Default)]
pub struct ExternalChanges {
    seen: HashMap<String, Seen>,
}

impl ExternalChanges {
    /// Takes in the policy as the watch brings it; returns the change when
    /// its spec changed (a new generation) without a new kubevigil
    /// last-change annotation.
    pub fn observe(&mut self, policy: &TrustPolicy) -> Option<ExternalChange> {
        if policy.name_any() != POLICY_NAME {
            return None;
        }
        let namespace = policy.namespace().unwrap_or_default();
        let generation = policy.metadata.generation.unwrap_or(0);
        let annotation = policy.annotations().get(LAST_CHANGE).cloned();
        let now = Seen {
            generation,
            annotation: annotation.clone(),
            spec: policy.spec.clone(),
        };
        let before = self.seen.insert(namespace, now)?;
        if generation <= before.generation || before.spec == policy.spec {
            return None;
        }
        let by_kubevigil = annotation.as_deref().and_then(LastChange::parse).is_some()
            && annotation != before.annotation;
        if by_kubevigil {
            return None;
        }
        Some(ExternalChange {
            by: writer(policy),
            what: crate::policy::describe_change(Some(&before.spec), &policy.spec),
            generation,
        })
    }

    /// Forgets a deleted policy.
    pub fn forget(&mut self, namespace: &str) {
        self.seen.remove(namespace);
    }

    /// Notes the annotation the governor itself wrote, so it is the one compared next.
    fn wrote(&mut self, namespace: &str, annotation: String) {
        if let Some(seen) = self.seen.get_mut(namespace) {
            seen.annotation = Some(annotation);
        }
    }
}

/// Who last wrote the policy's spec, from `metadata.managedFields`: the
/// manager of the newest entry that owns spec fields (not the status
/// subresource), else of the newest entry, else [`UNKNOWN_WRITER`].
pub fn writer(policy: &TrustPolicy) -> String {
    let Some(fields) = policy.metadata.managed_fields.as_ref() else {
        return UNKNOWN_WRITER.to_string();
    };
    let main: Vec<_> = fields
        .iter()
        .filter(|f| f.subresource.as_deref().unwrap_or("").is_empty())
        .collect();
    let owns_spec = |f: &&k8s_openapi::apimachinery::pkg::apis::meta::v1::ManagedFieldsEntry| {
        f.fields_v1
            .as_ref()
            .is_some_and(|v| v.0.get("f:spec").is_some())
    };
    let newest = |entries: Vec<_>| {
        entries
            .into_iter()
            .max_by_key(
                |f: &&k8s_openapi::apimachinery::pkg::apis::meta::v1::ManagedFieldsEntry| {
                    f.time.as_ref().map(|t| t.0)
                },
            )
            .and_then(|f| f.manager.clone())
            .filter(|m| !m.trim().is_empty())
    };
    let spec_writers: Vec<_> = main.iter().copied().filter(owns_spec).collect();
    newest(spec_writers)
        .or_else(|| newest(main))
        .unwrap_or_else(|| UNKNOWN_WRITER.to_string())
}

/// Records `change` to `policy`: an audit Event on the policy, then the
/// last-change annotation and `status.lastChangedBy` (under the
/// resourceVersion seen; a newer write wins and is judged on its own).
/// Failures are logged.
pub async fn record(
    client: &Client,
    tracker: &mut ExternalChanges,
    policy: &TrustPolicy,
    change: &ExternalChange,
) {
    let namespace = policy.namespace().unwrap_or_default();
    let now = Timestamp::now();
    let at = Timestamp::from_second(now.as_second()).unwrap_or(now);
    let last = LastChange {
        by: change.by.clone(),
        verified: false,
        at,
        action: AuditAction::ExternalChange,
        what: format!("outside kubevigil: {}", change.what),
        why: None,
    };
    let mut audit = last.to_record(&namespace, None);
    audit.detail = Some(format!(
        "{} (generation {}, written by {} outside kubevigil)",
        change.what, change.generation, change.by
    ));
    let message = format!(
        "{} changed the trust policy of {namespace} outside kubevigil: {}",
        change.by, change.what
    );
    if let Err(error) = post_audit_event(
        client,
        policy.object_ref(&()),
        "ChangedOutsideKubevigil",
        "PolicyChange",
        message,
        &audit,
    )
    .await
    {
        tracing::warn!(%error, %namespace, "governor: recording an outside change as an Event");
    }
    let api: Api<TrustPolicy> = Api::namespaced(client.clone(), &namespace);
    let annotation = last.to_annotation();
    let patch = json!({
        "metadata": {
            "resourceVersion": policy.resource_version(),
            "annotations": { LAST_CHANGE: annotation },
        },
    });
    match api
        .patch(POLICY_NAME, &PatchParams::default(), &Patch::Merge(&patch))
        .await
    {
        Ok(_) => tracker.wrote(&namespace, annotation),
        Err(error) => {
            tracing::warn!(%error, %namespace, "governor: writing an outside change as the last change");
            return;
        }
    }
    let status = json!({ "status": { "lastChangedBy": change.by } });
    if let Err(error) = api
        .patch_status(POLICY_NAME, &PatchParams::default(), &Patch::Merge(&status))
        .await
    {
        tracing::warn!(%error, %namespace, "governor: writing an outside change in the status");
    }
    tracing::info!(%namespace, by = %change.by, what = %change.what, "governor: recorded a change made outside kubevigil");
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Phase;
    use k8s_openapi::apimachinery::pkg::apis::meta::v1::{FieldsV1, ManagedFieldsEntry, Time};

    fn policy(generation: i64, phase: Phase, annotation: Option<&str>) -> TrustPolicy {
        let mut policy = TrustPolicy::new(
            POLICY_NAME,
            TrustPolicySpec {
                phase,
                ..TrustPolicySpec::default()
            },
        );
        policy.metadata.namespace = Some("payments".into());
        policy.metadata.generation = Some(generation);
        if let Some(a) = annotation {
            policy
                .annotations_mut()
                .insert(LAST_CHANGE.into(), a.to_string());
        }
        policy
    }

    const OURS_1: &str = r#"{"by":"alice","at":"2026-11-27T02:00:00Z"}"#;
    const OURS_2: &str = r#"{"by":"bob","at":"2026-11-27T03:00:00Z"}"#;

    #[test]
    fn a_new_generation_with_the_same_annotation_is_outside_kubevigil() {
        let mut tracker = ExternalChanges::default();
        assert_eq!(
            tracker.observe(&policy(1, Phase::LimitedWrite, Some(OURS_1))),
            None
        );
        let mut edited = policy(2, Phase::Autonomous, Some(OURS_1));
        edited.metadata.managed_fields = Some(vec![
            ManagedFieldsEntry {
                manager: Some("kubevigil".into()),
                time: Some(Time("2026-11-27T02:00:00Z".parse().expect("time"))),
                fields_v1: Some(FieldsV1(json!({"f:spec": {}}))),
                ..Default::default()
            },
            ManagedFieldsEntry {
                manager: Some("kubectl-edit".into()),
                time: Some(Time("2026-11-27T04:00:00Z".parse().expect("time"))),
                fields_v1: Some(FieldsV1(json!({"f:spec": {"f:phase": {}}}))),
                ..Default::default()
            },
            ManagedFieldsEntry {
                manager: Some("status-writer".into()),
                time: Some(Time("2026-11-27T05:00:00Z".parse().expect("time"))),
                subresource: Some("status".into()),
                ..Default::default()
            },
        ]);
        let change = tracker.observe(&edited).expect("outside change");
        assert_eq!(change.by, "kubectl-edit");
        assert_eq!(change.what, "phase LimitedWrite -> Autonomous");
        assert_eq!(change.generation, 2);
    }

    #[test]
    fn kubevigils_own_changes_and_metadata_only_writes_are_not() {
        let mut tracker = ExternalChanges::default();
        tracker.observe(&policy(1, Phase::LimitedWrite, Some(OURS_1)));
        assert_eq!(
            tracker.observe(&policy(2, Phase::Autonomous, Some(OURS_2))),
            None
        );
        // An annotation-only write (same generation).
        assert_eq!(
            tracker.observe(&policy(2, Phase::Autonomous, Some(OURS_1))),
            None
        );
    }

    #[test]
    fn a_removed_or_unreadable_annotation_is_outside_and_unknown_without_managed_fields() {
        let mut tracker = ExternalChanges::default();
        tracker.observe(&policy(1, Phase::LimitedWrite, Some(OURS_1)));
        let change = tracker
            .observe(&policy(2, Phase::Shadow, None))
            .expect("outside");
        assert_eq!(change.by, UNKNOWN_WRITER);
        let change = tracker
            .observe(&policy(3, Phase::LimitedWrite, Some("edited by hand")))
            .expect("outside");
        assert_eq!(change.what, "phase Shadow -> LimitedWrite");
    }
}
