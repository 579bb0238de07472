//! An operator's hand on the launcher's queue: bump a queued investigation
//! to the front, admit one now past every cap (an override, with a reason),
//! or cancel one (its Job deleted, never run). Each is written on the Job
//! (the annotations the launcher reads, guarded by the Job's
//! resourceVersion so a Job admitted meanwhile is not touched) and recorded
//! as an Event on the Job and a line in the audit log, as kill and halt are.

use super::failure::{Request, is_conflict, is_not_found, timed};
use super::record::{Note, record_elsewhere};
use super::write::whole_second;
use super::{DecideError, Identity};
use crate::audit::{AuditAction, AuditLog, AuditRecord};
use crate::cluster::guarded::{Guarded, GuardedError, Retry, write_guarded_as};
use crate::domain::labels;
use crate::domain::queue::{OperatorMark, is_queued};
use jiff::Timestamp;
use k8s_openapi::api::batch::v1::Job;
use kube::api::{DeleteParams, Patch, PatchParams, PropagationPolicy};
use kube::{Api, Client, Resource, ResourceExt};
use serde_json::json;
use std::fmt;

/// What to do to a queued investigation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum QueueChange {
    /// Move it to the front (`kubevigil.io/priority-bumped-at` = now).
    Bump,
    /// Admit it now, past every cap (`kubevigil.io/admit-override`).
    AdmitNow {
        /// Why (required: an override is explained).
        reason: String,
    },
    /// Cancel it: `kubevigil.io/cancelled`, then the Job is deleted.
    Cancel {
        /// Why, if given.
        reason: Option<String>,
    },
}

impl QueueChange {
    /// The verb, for messages ("bump", "admit now", "cancel").
    pub fn verb(&self) -> &'static str {
        match self {
            QueueChange::Bump => "bump",
            QueueChange::AdmitNow { .. } => "admit now",
            QueueChange::Cancel { .. } => "cancel",
        }
    }

    fn reason(&self) -> Option<&str> {
        match self {
            QueueChange::Bump => None,
            QueueChange::AdmitNow { reason } => Some(reason),
            QueueChange::Cancel { reason } => reason.as_deref(),
        }
    }
}

impl fmt::Display for QueueChange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.verb())
    }
}

/// What a queue change did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueueOutcome {
    /// The Job's namespace.
    pub namespace: String,
    /// The Job.
    pub job: String,
    /// The investigation id.
    pub investigation: String,
    /// What was done.
    pub change: QueueChange,
    /// What could not be recorded (the Event, the audit line); the change stands.
    pub warnings: Vec<String>,
}

impl super::Decider {
    /// Applies `change` (bump, admit now, cancel) to the queued investigation
    /// Job `namespace/job_name`, recorded as an Event on the Job and in the
    /// decider's audit log.
    ///
    /// Refused (nothing written) when the Job is no longer queued: admitted,
    /// finished, cancelled or being deleted. A Job that changes between the
    /// read and the write (the launcher admitted it) is read again, up to 3
    /// times.
    pub async fn change_queued(
        &self,
        namespace: &str,
        job_name: &str,
        change: QueueChange,
    ) -> Result<QueueOutcome, DecideError> {
        change_queued(
            self.client(),
            self.identity(),
            namespace,
            job_name,
            change,
            self.audit(),
        )
        .await
    }
}

async fn change_queued(
    client: &Client,
    identity: &Identity,
    namespace: &str,
    job_name: &str,
    change: QueueChange,
    audit: Option<&AuditLog>,
) -> Result<QueueOutcome, DecideError> {
    let doing = format!("{} {namespace}/{job_name}", change.verb());
    if let QueueChange::AdmitNow { reason } = &change
        && reason.trim().is_empty()
    {
        return Err(DecideError::Rejected {
            doing,
            message: "an admit-now override needs a reason".into(),
        });
    }
    let jobs: Api<Job> = Api::namespaced(client.clone(), namespace);
    let request = Request {
        user: &identity.user,
        verb: "get",
        resource: "jobs",
        namespace,
        name: job_name,
        doing: &doing,
    };
    let at = whole_second(Timestamp::now());
    let patch_request = Request {
        verb: "patch",
        ..request
    };
    let read = || async {
        timed(jobs.get(job_name))
            .await
            .map_err(|e| request.failed(e, None))
    };
    let refuse = |job: &Job| {
        if !is_queued(job) {
            return Err(DecideError::Rejected {
                doing: doing.clone(),
                message: format!(
                    "{job_name} is no longer queued (admitted, finished or cancelled meanwhile); nothing was written"
                ),
            });
        }
        Ok(Some(annotation_patch(job, &change, identity, at)))
    };
    let api = &jobs;
    let write = |patch: serde_json::Value| async move {
        timed(api.patch(job_name, &PatchParams::default(), &Patch::Merge(&patch))).await
    };
    let failed = |error| patch_request.failed(error, None);
    let current = read().await?;
    // The launcher may admit the Job between the read and the write: read
    // again, up to 3 writes in all.
    let retry = Retry {
        attempts: 3,
        when: is_conflict,
    };
    let job = match write_guarded_as(retry, current, refuse, write, read, failed).await {
        Ok(Guarded::Written { object, .. } | Guarded::Unchanged(object)) => object,
        Err(GuardedError::Failed(error)) => return Err(error),
        Err(GuardedError::Contended { error, .. }) => return Err(patch_request.failed(error, None)),
    };
    if matches!(change, QueueChange::Cancel { .. }) {
        let delete = Request {
            verb: "delete",
            ..request
        };
        let params = DeleteParams {
            propagation_policy: Some(PropagationPolicy::Background),
            ..DeleteParams::default()
        };
        match timed(jobs.delete(job_name, &params)).await {
            Ok(_) => {}
            Err(error) if is_not_found(&error) => {}
            Err(error) => return Err(delete.failed(error, None)),
        }
    }
    let investigation = job
        .labels()
        .get(labels::INVESTIGATION)
        .cloned()
        .unwrap_or_else(|| job_name.to_string());
    let reason = change.reason().map(str::to_string);
    let (action, event_reason, detail) = match &change {
        QueueChange::Bump => (
            AuditAction::Bump,
            "QueueBumped",
            format!("moved Job {job_name} to the front of the launcher's queue"),
        ),
        QueueChange::AdmitNow { .. } => (
            AuditAction::AdmitNow,
            "AdmitOverride",
            format!("asked the launcher to admit Job {job_name} now, past every cap"),
        ),
        QueueChange::Cancel { .. } => (
            AuditAction::Cancel,
            "QueueCancelled",
            format!("cancelled queued Job {job_name} (deleted, never run)"),
        ),
    };
    let record = AuditRecord {
        at,
        actor: identity.user.clone(),
        verified: identity.verified,
        action,
        namespace: namespace.to_string(),
        object: format!("job/{job_name}"),
        investigation: Some(investigation.clone()),
        reason: reason.clone(),
        edited: false,
        context: None,
        server: None,
        detail: Some(detail.clone()),
    };
    let note = Note {
        involved: job.object_ref(&()),
        reason: event_reason,
        message: format!(
            "{identity} {}: {}",
            detail,
            reason.as_deref().unwrap_or("no reason given")
        ),
        action: match change {
            QueueChange::Bump => "Bump",
            QueueChange::AdmitNow { .. } => "AdmitNow",
            QueueChange::Cancel { .. } => "Cancel",
        },
    };
    let warnings = record_elsewhere(client, audit, identity, note, &record).await;
    Ok(QueueOutcome {
        namespace: namespace.to_string(),
        job: job_name.to_string(),
        investigation,
        change,
        warnings,
    })
}

/// The merge patch that writes `change` on `job`, guarded by its
/// resourceVersion (a Job admitted meanwhile answers 409).
fn annotation_patch(
    job: &Job,
    change: &QueueChange,
    identity: &Identity,
    at: Timestamp,
) -> serde_json::Value {
    let mark = |reason: Option<&str>| {
        serde_json::to_string(&OperatorMark {
            by: identity.user.clone(),
            at: at.to_string(),
            reason: reason.map(str::to_string),
        })
        .unwrap_or_default()
    };
    let (key, value) = match change {
        QueueChange::Bump => (labels::PRIORITY_BUMPED_AT, at.to_string()),
        QueueChange::AdmitNow { reason } => (labels::ADMIT_OVERRIDE, mark(Some(reason))),
        QueueChange::Cancel { reason } => (labels::CANCELLED, mark(reason.as_deref())),
    };
    json!({
        "metadata": {
            "resourceVersion": job.resource_version(),
            "annotations": { key: value },
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;

    #[test]
    fn the_patch_names_the_operator_and_guards_the_version() {
        let job = Job {
            metadata: ObjectMeta {
                name: Some("inv-a".into()),
                resource_version: Some("42".into()),
                ..Default::default()
            },
            ..Default::default()
        };
        let at: Timestamp = "2026-12-01T10:00:00Z".parse().expect("time");
        let who = Identity::unverified("oncall-1");
        let patch = annotation_patch(
            &job,
            &QueueChange::AdmitNow {
                reason: "customer outage".into(),
            },
            &who,
            at,
        );
        assert_eq!(patch["metadata"]["resourceVersion"], "42");
        let text = patch["metadata"]["annotations"][labels::ADMIT_OVERRIDE]
            .as_str()
            .unwrap_or_default();
        let mark = OperatorMark::parse(text).expect("a mark");
        assert_eq!(mark.by, "oncall-1");
        assert_eq!(mark.reason.as_deref(), Some("customer outage"));
        let bump = annotation_patch(&job, &QueueChange::Bump, &who, at);
        assert_eq!(
            bump["metadata"]["annotations"][labels::PRIORITY_BUMPED_AT],
            "2026-12-01T10:00:00Z"
        );
    }
}
