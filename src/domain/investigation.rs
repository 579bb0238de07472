//! The view of an investigation: a `batch/v1` Job labelled
//! `kubevigil.io/investigation`.

use super::labels;
use super::queue::QueueMark;
use jiff::Timestamp;
use k8s_openapi::api::batch::v1::Job;
use std::fmt;
use std::sync::Arc;

/// Where an investigation Job stands, derived from its status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum InvestigationState {
    /// Waiting in the launcher's queue (`kubevigil.io/admission=queued`):
    /// created suspended, not admitted yet.
    Queued,
    /// Created, pods not yet running.
    Pending,
    /// The agent is working.
    Running,
    /// Suspended (halted by an operator).
    Suspended,
    /// The agent finished.
    Succeeded,
    /// The agent failed or hit its deadline.
    Failed,
}

impl InvestigationState {
    /// Whether the agent may still act.
    pub fn is_active(self) -> bool {
        matches!(self, Self::Pending | Self::Running)
    }
}

impl fmt::Display for InvestigationState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            // Stands out in the table: it is not running yet, and waits on purpose.
            Self::Queued => f.write_str("QUEUED"),
            other => fmt::Debug::fmt(other, f),
        }
    }
}

/// One investigation, as kubevigil shows it.
#[derive(Debug, Clone, PartialEq)]
pub struct Investigation {
    /// The investigation id (the label's value).
    pub id: String,
    /// Namespace of the Job (shared: a cluster has few namespaces and
    /// many investigations).
    pub namespace: Arc<str>,
    /// Name of the Job.
    pub job_name: Box<str>,
    /// The namespace being investigated (shared, as `namespace`).
    pub target_namespace: Arc<str>,
    /// The alert that started it.
    pub trigger: Box<str>,
    /// Severity of that alert (shared, as `namespace`).
    pub severity: Arc<str>,
    /// Accessor of the investigation's Vault token.
    pub vault_accessor: Option<Box<str>>,
    /// State derived from the Job status.
    pub state: InvestigationState,
    /// When the Job started (or was created).
    pub started: Option<Timestamp>,
    /// When `activeDeadlineSeconds` runs out.
    pub deadline: Option<Timestamp>,
    /// Its place in the launcher's queue and why it waits, while queued
    /// (boxed: few rows are queued, and the console keeps 100,000 rows).
    pub queue: Option<Box<QueueMark>>,
    /// The phase it ran under (`kubevigil.io/phase`, written at admission);
    /// `None` for a Job not admitted yet or made before the annotation.
    pub phase: Option<super::Phase>,
}

impl Investigation {
    /// Reads the contract fields off a Job; `None` when the Job is not an investigation.
    pub fn from_job(job: &Job) -> Option<Investigation> {
        let meta = &job.metadata;
        let id = meta.labels.as_ref()?.get(labels::INVESTIGATION)?.clone();
        let lookup = |key: &str| {
            meta.labels
                .as_ref()
                .and_then(|l| l.get(key))
                .or_else(|| meta.annotations.as_ref().and_then(|a| a.get(key)))
                .cloned()
        };
        let namespace: Arc<str> = meta.namespace.as_deref().unwrap_or_default().into();
        let status = job.status.as_ref();
        let spec = job.spec.as_ref();
        let started = status
            .and_then(|s| s.start_time.as_ref())
            .or(meta.creation_timestamp.as_ref())
            .map(|t| t.0);
        let queue = QueueMark::of(job).map(Box::new);
        // A queued Job's deadline has not started: it counts from admission.
        let deadline = match (started, spec.and_then(|s| s.active_deadline_seconds)) {
            _ if queue.is_some() => None,
            (Some(start), Some(secs)) => start
                .checked_add(jiff::SignedDuration::from_secs(secs))
                .ok(),
            _ => None,
        };
        Some(Investigation {
            id,
            target_namespace: lookup(labels::TARGET_NAMESPACE)
                .map_or_else(|| namespace.clone(), Arc::from),
            namespace,
            job_name: meta.name.as_deref().unwrap_or_default().into(),
            trigger: lookup(labels::TRIGGER).unwrap_or_default().into(),
            severity: lookup(labels::SEVERITY).unwrap_or_default().into(),
            vault_accessor: lookup(labels::VAULT_ACCESSOR).map(String::into_boxed_str),
            state: state_of(job),
            started,
            deadline,
            queue,
            phase: lookup(labels::PHASE).and_then(|p| super::Phase::from_name(&p)),
        })
    }
}

/// Derives the investigation state from a Job's spec and status.
pub fn state_of(job: &Job) -> InvestigationState {
    let status = job.status.as_ref();
    let condition = |kind: &str| {
        status
            .and_then(|s| s.conditions.as_ref())
            .is_some_and(|cs| cs.iter().any(|c| c.type_ == kind && c.status == "True"))
    };
    if condition("Failed") || status.and_then(|s| s.failed).unwrap_or(0) > 0 {
        InvestigationState::Failed
    } else if condition("Complete") || status.and_then(|s| s.succeeded).unwrap_or(0) > 0 {
        InvestigationState::Succeeded
    } else if super::queue::is_queued(job) {
        // Created suspended by the launcher: waiting, not halted.
        InvestigationState::Queued
    } else if job.spec.as_ref().and_then(|s| s.suspend).unwrap_or(false) || condition("Suspended") {
        InvestigationState::Suspended
    } else if status.and_then(|s| s.active).unwrap_or(0) > 0 {
        InvestigationState::Running
    } else {
        InvestigationState::Pending
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use k8s_openapi::api::batch::v1::{JobCondition, JobSpec, JobStatus};
    use k8s_openapi::apimachinery::pkg::apis::meta::v1::{ObjectMeta, Time};
    use std::collections::BTreeMap;

    fn job(labels: &[(&str, &str)], status: JobStatus) -> Job {
        Job {
            metadata: ObjectMeta {
                name: Some("inv-1".into()),
                namespace: Some("agents".into()),
                labels: Some(
                    labels
                        .iter()
                        .map(|(k, v)| (k.to_string(), v.to_string()))
                        .collect::<BTreeMap<_, _>>(),
                ),
                annotations: Some(BTreeMap::from([(
                    labels::TRIGGER.to_string(),
                    "KubePodCrashLooping".to_string(),
                )])),
                ..Default::default()
            },
            spec: Some(JobSpec {
                active_deadline_seconds: Some(900),
                ..Default::default()
            }),
            status: Some(status),
        }
    }

    #[test]
    fn reads_the_phase_it_ran_under() {
        let mut j = job(&[(labels::INVESTIGATION, "abc")], JobStatus::default());
        assert_eq!(Investigation::from_job(&j).and_then(|i| i.phase), None);
        j.metadata
            .annotations
            .get_or_insert_default()
            .insert(labels::PHASE.into(), "LimitedWrite".into());
        assert_eq!(
            Investigation::from_job(&j).and_then(|i| i.phase),
            Some(crate::domain::Phase::LimitedWrite)
        );
        j.metadata
            .annotations
            .get_or_insert_default()
            .insert(labels::PHASE.into(), "Sideways".into());
        assert_eq!(Investigation::from_job(&j).and_then(|i| i.phase), None);
    }

    #[test]
    fn reads_the_contract_fields() {
        let start: Timestamp = "2026-11-27T02:00:00Z".parse().expect("timestamp");
        let j = job(
            &[
                (labels::INVESTIGATION, "abc"),
                (labels::TARGET_NAMESPACE, "payments"),
            ],
            JobStatus {
                active: Some(1),
                start_time: Some(Time(start)),
                ..Default::default()
            },
        );
        let inv = Investigation::from_job(&j).expect("an investigation");
        assert_eq!(inv.id, "abc");
        assert_eq!(&*inv.target_namespace, "payments");
        assert_eq!(&*inv.trigger, "KubePodCrashLooping");
        assert_eq!(inv.state, InvestigationState::Running);
        assert_eq!(
            inv.deadline.map(|d| d.to_string()),
            Some("2026-11-27T02:15:00Z".into())
        );
    }

    #[test]
    fn a_job_without_the_label_is_not_an_investigation() {
        assert!(Investigation::from_job(&job(&[], JobStatus::default())).is_none());
    }

    #[test]
    fn state_follows_conditions() {
        let cond = |t: &str| JobCondition {
            type_: t.into(),
            status: "True".into(),
            ..Default::default()
        };
        let failed = job(
            &[(labels::INVESTIGATION, "a")],
            JobStatus {
                conditions: Some(vec![cond("Failed")]),
                ..Default::default()
            },
        );
        assert_eq!(state_of(&failed), InvestigationState::Failed);
        let done = job(
            &[(labels::INVESTIGATION, "a")],
            JobStatus {
                conditions: Some(vec![cond("Complete")]),
                ..Default::default()
            },
        );
        assert_eq!(state_of(&done), InvestigationState::Succeeded);
        let mut suspended = job(&[(labels::INVESTIGATION, "a")], JobStatus::default());
        if let Some(spec) = suspended.spec.as_mut() {
            spec.suspend = Some(true);
        }
        assert_eq!(state_of(&suspended), InvestigationState::Suspended);
        // A namespace the target label does not name is its own target.
        let inv = Investigation::from_job(&suspended).expect("an investigation");
        assert_eq!(&*inv.target_namespace, "agents");
    }

    #[test]
    fn a_queued_job_is_queued_not_suspended() {
        let mut queued = job(
            &[
                (labels::INVESTIGATION, "a"),
                (labels::ADMISSION, labels::ADMISSION_QUEUED),
            ],
            JobStatus::default(),
        );
        if let Some(spec) = queued.spec.as_mut() {
            spec.suspend = Some(true);
        }
        assert_eq!(state_of(&queued), InvestigationState::Queued);
        let inv = Investigation::from_job(&queued).expect("an investigation");
        assert!(inv.queue.is_some());
        assert!(!inv.state.is_active());
        // Admitted and later suspended by a halt: Suspended again.
        if let Some(l) = queued.metadata.labels.as_mut() {
            l.insert(labels::ADMISSION.into(), labels::ADMISSION_ADMITTED.into());
        }
        assert_eq!(state_of(&queued), InvestigationState::Suspended);
        assert!(Investigation::from_job(&queued).is_some_and(|i| i.queue.is_none()));
    }
}
