//! The launcher's queue, read off the Jobs: which investigations wait
//! (`kubevigil.io/admission=queued`), in which order they are admitted, and
//! why they wait. The position is never stored: every reader (the launcher,
//! the console) computes it with [`compare`] over the queued Jobs.
//!
//! Order: bumped Jobs first (the earliest bump first), then severity
//! (critical > high/error > warning > info > anything else), then age (the
//! oldest first), then the Job's name (then namespace).

use super::labels;
use jiff::Timestamp;
use k8s_openapi::api::batch::v1::Job;
use serde::{Deserialize, Serialize};
use std::cmp::Ordering;
use std::fmt;

/// What orders one queued Job among the others.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueueKey {
    /// When an operator bumped it (`kubevigil.io/priority-bumped-at`).
    pub bumped_at: Option<Timestamp>,
    /// Its severity's rank: 0 is the most urgent (see [`severity_rank`]).
    pub severity: u8,
    /// When the Job was created.
    pub created: Option<Timestamp>,
    /// The Job's name.
    pub name: String,
    /// The Job's namespace.
    pub namespace: String,
}

/// The rank of a severity label: critical 0, high or error 1, warning 2,
/// info 3, anything else (or none) 4. Case does not matter.
pub fn severity_rank(severity: &str) -> u8 {
    match severity.trim().to_ascii_lowercase().as_str() {
        "critical" => 0,
        "high" | "error" => 1,
        "warning" => 2,
        "info" => 3,
        _ => 4,
    }
}

/// The admission order: `Less` when `a` is admitted before `b`.
pub fn compare(a: &QueueKey, b: &QueueKey) -> Ordering {
    let bumped = match (a.bumped_at, b.bumped_at) {
        (Some(x), Some(y)) => x.cmp(&y),
        (Some(_), None) => Ordering::Less,
        (None, Some(_)) => Ordering::Greater,
        (None, None) => Ordering::Equal,
    };
    bumped
        .then(a.severity.cmp(&b.severity))
        .then_with(|| match (a.created, b.created) {
            (Some(x), Some(y)) => x.cmp(&y),
            (Some(_), None) => Ordering::Less,
            (None, Some(_)) => Ordering::Greater,
            (None, None) => Ordering::Equal,
        })
        .then_with(|| a.name.cmp(&b.name))
        .then_with(|| a.namespace.cmp(&b.namespace))
}

fn annotation<'a>(job: &'a Job, key: &str) -> Option<&'a str> {
    job.metadata
        .annotations
        .as_ref()
        .and_then(|a| a.get(key))
        .map(String::as_str)
}

fn label<'a>(job: &'a Job, key: &str) -> Option<&'a str> {
    job.metadata
        .labels
        .as_ref()
        .and_then(|l| l.get(key))
        .map(String::as_str)
}

/// Whether the Job has finished (a `Complete` or `Failed` condition).
pub fn is_finished(job: &Job) -> bool {
    job.status
        .as_ref()
        .and_then(|s| s.conditions.as_ref())
        .is_some_and(|cs| {
            cs.iter()
                .any(|c| (c.type_ == "Complete" || c.type_ == "Failed") && c.status == "True")
        })
}

/// Whether the Job waits in the launcher's queue: labelled queued, not
/// cancelled, not being deleted, not finished.
pub fn is_queued(job: &Job) -> bool {
    label(job, labels::ADMISSION) == Some(labels::ADMISSION_QUEUED)
        && annotation(job, labels::CANCELLED).is_none()
        && job.metadata.deletion_timestamp.is_none()
        && !is_finished(job)
}

/// The Job's place in the order (whether or not it is queued).
pub fn queue_key(job: &Job) -> QueueKey {
    let severity = label(job, labels::SEVERITY)
        .or_else(|| annotation(job, labels::SEVERITY))
        .unwrap_or_default();
    QueueKey {
        bumped_at: annotation(job, labels::PRIORITY_BUMPED_AT).and_then(|t| t.parse().ok()),
        severity: severity_rank(severity),
        created: job.metadata.creation_timestamp.as_ref().map(|t| t.0),
        name: job.metadata.name.clone().unwrap_or_default(),
        namespace: job.metadata.namespace.clone().unwrap_or_default(),
    }
}

/// The queued Jobs among `jobs`, in admission order.
pub fn in_order<'a>(jobs: impl IntoIterator<Item = &'a Job>) -> Vec<&'a Job> {
    let mut queued: Vec<(QueueKey, &Job)> = jobs
        .into_iter()
        .filter(|j| is_queued(j))
        .map(|j| (queue_key(j), j))
        .collect();
    queued.sort_by(|(a, _), (b, _)| compare(a, b));
    queued.into_iter().map(|(_, j)| j).collect()
}

/// Who asked for something on the queue, when and why: the JSON of the
/// `kubevigil.io/admit-override` and `kubevigil.io/cancelled` annotations.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OperatorMark {
    /// Who (the Kubernetes user).
    pub by: String,
    /// When (RFC 3339).
    pub at: String,
    /// Why.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

impl OperatorMark {
    /// The annotation's JSON read back; `None` when it is not that JSON.
    pub fn parse(text: &str) -> Option<OperatorMark> {
        serde_json::from_str(text).ok()
    }
}

/// What the console shows of a queued Job.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueueMark {
    /// Its place in the order.
    pub key: QueueKey,
    /// Why it waits (`kubevigil.io/queue-reason`), as the launcher wrote it.
    pub reason: Option<String>,
    /// An operator asked to admit it now (`kubevigil.io/admit-override`).
    pub admit_override: Option<OperatorMark>,
}

impl QueueMark {
    /// The mark of a queued Job; `None` when it is not queued.
    pub fn of(job: &Job) -> Option<QueueMark> {
        is_queued(job).then(|| QueueMark {
            key: queue_key(job),
            reason: annotation(job, labels::QUEUE_REASON).map(str::to_string),
            admit_override: annotation(job, labels::ADMIT_OVERRIDE).and_then(OperatorMark::parse),
        })
    }
}

/// Why a Job waits, read from the launcher's `kubevigil.io/queue-reason`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum QueueReason {
    /// Its namespace runs as many as its TrustPolicy allows.
    Namespace {
        /// Running now.
        running: u32,
        /// `maxConcurrentInvestigations`.
        cap: u32,
    },
    /// The cluster runs as many as the governor's `--max-investigations`.
    Cluster {
        /// Running now.
        running: u32,
        /// The global cap.
        cap: u32,
    },
    /// Its namespace is halted.
    Halted,
    /// Something else, in the launcher's words.
    Other(String),
    /// No reason written (yet).
    Unknown,
}

/// `"3/3"` as (3, 3).
fn fraction(text: &str) -> Option<(u32, u32)> {
    let (a, b) = text.split_once('/')?;
    Some((a.trim().parse().ok()?, b.trim().parse().ok()?))
}

impl QueueReason {
    /// Reads the launcher's words: `namespace payments at 3/3`, `cluster at
    /// 20/20`, `namespace payments halted`; anything else is kept as it is.
    pub fn parse(text: Option<&str>) -> QueueReason {
        let Some(text) = text.map(str::trim).filter(|t| !t.is_empty()) else {
            return QueueReason::Unknown;
        };
        let words: Vec<&str> = text.split_whitespace().collect();
        match words.as_slice() {
            ["namespace", _, "halted", ..] | ["halted", ..] => QueueReason::Halted,
            ["namespace", _, "at", counts, ..] => match fraction(counts) {
                Some((running, cap)) => QueueReason::Namespace { running, cap },
                None => QueueReason::Other(text.to_string()),
            },
            ["cluster", "at", counts, ..] => match fraction(counts) {
                Some((running, cap)) => QueueReason::Cluster { running, cap },
                None => QueueReason::Other(text.to_string()),
            },
            _ => QueueReason::Other(text.to_string()),
        }
    }
}

impl fmt::Display for QueueReason {
    /// Short, for a table cell (the namespace is in its own column):
    /// `namespace at 3/3`, `cluster cap 20/20`, `halted`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            QueueReason::Namespace { running, cap } => write!(f, "namespace at {running}/{cap}"),
            QueueReason::Cluster { running, cap } => write!(f, "cluster cap {running}/{cap}"),
            QueueReason::Halted => f.write_str("halted"),
            QueueReason::Other(text) => f.write_str(text),
            QueueReason::Unknown => f.write_str("waiting for the launcher"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use k8s_openapi::apimachinery::pkg::apis::meta::v1::{ObjectMeta, Time};
    use std::collections::BTreeMap;

    fn job(name: &str, severity: &str, created: &str, bumped: Option<&str>) -> Job {
        let mut annotations = BTreeMap::new();
        if let Some(at) = bumped {
            annotations.insert(labels::PRIORITY_BUMPED_AT.to_string(), at.to_string());
        }
        Job {
            metadata: ObjectMeta {
                name: Some(name.into()),
                namespace: Some("payments".into()),
                creation_timestamp: Some(Time(created.parse().expect("time"))),
                labels: Some(BTreeMap::from([
                    (labels::INVESTIGATION.to_string(), name.to_string()),
                    (labels::SEVERITY.to_string(), severity.to_string()),
                    (
                        labels::ADMISSION.to_string(),
                        labels::ADMISSION_QUEUED.to_string(),
                    ),
                ])),
                annotations: Some(annotations),
                ..Default::default()
            },
            ..Default::default()
        }
    }

    fn names(jobs: &[Job]) -> Vec<String> {
        in_order(jobs)
            .into_iter()
            .map(|j| j.metadata.name.clone().unwrap_or_default())
            .collect()
    }

    #[test]
    fn bumped_first_then_severity_then_age_then_name() {
        let jobs = vec![
            job("old-warning", "warning", "2026-12-01T10:00:00Z", None),
            job("new-critical", "critical", "2026-12-01T10:05:00Z", None),
            job("b-info", "info", "2026-12-01T09:00:00Z", None),
            job("a-info", "info", "2026-12-01T09:00:00Z", None),
            job(
                "late-bump",
                "info",
                "2026-12-01T11:00:00Z",
                Some("2026-12-01T12:00:00Z"),
            ),
            job(
                "early-bump",
                "other",
                "2026-12-01T11:30:00Z",
                Some("2026-12-01T11:45:00Z"),
            ),
            job("high", "HIGH", "2026-12-01T10:06:00Z", None),
            job("error", "error", "2026-12-01T10:04:00Z", None),
        ];
        assert_eq!(
            names(&jobs),
            [
                "early-bump",
                "late-bump",
                "new-critical",
                "error",
                "high",
                "old-warning",
                "a-info",
                "b-info"
            ]
        );
    }

    #[test]
    fn only_waiting_jobs_are_queued() {
        let mut cancelled = job("cancelled", "critical", "2026-12-01T10:00:00Z", None);
        if let Some(a) = cancelled.metadata.annotations.as_mut() {
            a.insert(labels::CANCELLED.into(), "{}".into());
        }
        let mut admitted = job("admitted", "critical", "2026-12-01T10:00:00Z", None);
        if let Some(l) = admitted.metadata.labels.as_mut() {
            l.insert(labels::ADMISSION.into(), labels::ADMISSION_ADMITTED.into());
        }
        let waiting = job("waiting", "info", "2026-12-01T10:00:00Z", None);
        assert_eq!(names(&[cancelled, admitted, waiting]), ["waiting"]);
    }

    #[test]
    fn reasons_read_short() {
        let short = |t: &str| QueueReason::parse(Some(t)).to_string();
        assert_eq!(short("namespace payments at 3/3"), "namespace at 3/3");
        assert_eq!(short("cluster at 20/20"), "cluster cap 20/20");
        assert_eq!(short("namespace payments halted"), "halted");
        assert_eq!(short("queue full"), "queue full");
        assert_eq!(QueueReason::parse(None), QueueReason::Unknown);
        assert_eq!(
            QueueReason::parse(Some("namespace web at 2/3")),
            QueueReason::Namespace { running: 2, cap: 3 }
        );
    }

    #[test]
    fn operator_marks_round_trip() {
        let mark = OperatorMark {
            by: "oncall-1".into(),
            at: "2026-12-01T10:00:00Z".into(),
            reason: Some("customer outage".into()),
        };
        let text = serde_json::to_string(&mark).expect("json");
        assert_eq!(OperatorMark::parse(&text), Some(mark));
        assert_eq!(OperatorMark::parse("not json"), None);
    }
}
