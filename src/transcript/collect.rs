//! Gathering a transcript from the cluster: the investigation's Job, its
//! pod's log, its proposals, the audit trail and the Events about it.

use super::model::{ClusterEvent, JobOutcome, ReasoningLog, Transcript};
use crate::decide::failure::list_all;
use crate::domain::labels::INVESTIGATION;
use crate::domain::protocol::parse_line;
use crate::domain::{ActionProposal, Investigation};
use crate::{Error, Result};
use jiff::Timestamp;
use k8s_openapi::api::batch::v1::Job;
use k8s_openapi::api::core::v1::{Event, Pod};
use kube::api::{ListParams, LogParams};
use kube::{Api, Client, ResourceExt};
use std::collections::BTreeSet;

/// Gathers the transcript of investigation `id`, looked for in `namespace`
/// (every namespace when `None`). `server` names the cluster in the result.
///
/// Fails when no Job carries the id, or when Jobs in several namespaces do
/// (then `-n` must say which). A log that cannot be read (the pod was
/// removed, or reading logs is not allowed) is reported in the transcript,
/// not as a failure: the decisions are the part a review cannot do without.
pub async fn collect(
    client: &Client,
    namespace: Option<&str>,
    id: &str,
    server: Option<&str>,
) -> Result<Transcript> {
    check_id(id)?;
    let job = find_job(client, namespace, id).await?;
    let investigation = Investigation::from_job(&job).ok_or_else(|| not_found(id, namespace))?;
    let ns = investigation.namespace.clone();
    let proposals = proposals_of(client, &ns, id).await?;
    let reasoning = reasoning_of(client, &ns, id, &investigation.job_name).await;
    let mut objects: BTreeSet<String> = proposals.iter().map(ResourceExt::name_any).collect();
    objects.insert(investigation.job_name.to_string());
    if let Some(pod) = &reasoning.pod {
        objects.insert(pod.clone());
    }
    let events = events_about(client, &ns, &objects).await;
    let audit = crate::audit::collect_from_cluster(client, Some(&ns), Timestamp::UNIX_EPOCH)
        .await?
        .into_iter()
        .filter(|record| {
            record.investigation.as_deref() == Some(id)
                || record
                    .object
                    .split_once('/')
                    .is_some_and(|(_, name)| objects.contains(name))
        })
        .collect();
    Ok(Transcript {
        marks: marks_of(&job),
        outcome: outcome_of(&job),
        investigation,
        reasoning,
        proposals,
        audit,
        events,
        gathered_at: Timestamp::now(),
        server: server.map(str::to_string),
    })
}

/// An id must be a label value, or no Job can carry it.
fn check_id(id: &str) -> Result<()> {
    let valid = !id.is_empty()
        && id.len() <= 63
        && id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c))
        && id.starts_with(|c: char| c.is_ascii_alphanumeric())
        && id.ends_with(|c: char| c.is_ascii_alphanumeric());
    if valid {
        Ok(())
    } else {
        Err(Error::Invalid {
            field: "investigation".into(),
            reason: format!(
                "`{}` is not an investigation id (ids are label values: up to 63 letters, digits, `-`, `_` or `.`)",
                crate::sanitize::sanitize(id)
            ),
        })
    }
}

fn not_found(id: &str, namespace: Option<&str>) -> Error {
    let place = namespace.map_or("any namespace".to_string(), |ns| format!("namespace {ns}"));
    Error::Cluster {
        message: format!("investigation {id} not found in {place}"),
        hint: namespace
            .is_some()
            .then(|| "-A looks in every namespace".to_string()),
    }
}

async fn find_job(client: &Client, namespace: Option<&str>, id: &str) -> Result<Job> {
    let api: Api<Job> = match namespace {
        Some(ns) => Api::namespaced(client.clone(), ns),
        None => Api::all(client.clone()),
    };
    let selector = format!("{INVESTIGATION}={id}");
    let mut jobs = api
        .list(&ListParams::default().labels(&selector))
        .await?
        .items;
    jobs.sort_by_key(|job| std::cmp::Reverse(job.creation_timestamp().map(|t| t.0)));
    let namespaces: BTreeSet<String> = jobs
        .iter()
        .filter_map(kube::ResourceExt::namespace)
        .collect();
    if namespaces.len() > 1 {
        return Err(Error::Cluster {
            message: format!(
                "investigation {id} names Jobs in several namespaces: {}",
                namespaces.into_iter().collect::<Vec<_>>().join(", ")
            ),
            hint: Some("say which with -n NAMESPACE".into()),
        });
    }
    jobs.into_iter()
        .next()
        .ok_or_else(|| not_found(id, namespace))
}

async fn proposals_of(client: &Client, namespace: &str, id: &str) -> Result<Vec<ActionProposal>> {
    let api: Api<ActionProposal> = Api::namespaced(client.clone(), namespace);
    let mut proposals: Vec<ActionProposal> = match list_all(&api, None).await {
        Ok(list) => list,
        Err(kube::Error::Api(status)) if status.code == 404 => Vec::new(),
        Err(error) => return Err(error.into()),
    };
    proposals.retain(|p| p.spec.investigation == id);
    proposals.sort_by_key(|p| (p.creation_timestamp().map(|t| t.0), p.name_any()));
    Ok(proposals)
}

/// The newest pod of the investigation and its whole log.
async fn reasoning_of(client: &Client, namespace: &str, id: &str, job: &str) -> ReasoningLog {
    let pods: Api<Pod> = Api::namespaced(client.clone(), namespace);
    let mut found = Vec::new();
    for selector in [format!("{INVESTIGATION}={id}"), format!("job-name={job}")] {
        match pods.list(&ListParams::default().labels(&selector)).await {
            Ok(list) if !list.items.is_empty() => {
                found = list.items;
                break;
            }
            Ok(_) => {}
            Err(error) => {
                return ReasoningLog {
                    unavailable: Some(format!("listing its pods failed: {}", Error::from(error))),
                    ..ReasoningLog::default()
                };
            }
        }
    }
    let Some(pod) = found
        .iter()
        .max_by_key(|p| p.creation_timestamp().map(|t| t.0))
        .map(ResourceExt::name_any)
    else {
        return ReasoningLog {
            unavailable: Some("its pod is gone (or never started)".into()),
            ..ReasoningLog::default()
        };
    };
    match pods.logs(&pod, &LogParams::default()).await {
        Ok(text) => ReasoningLog {
            events: text
                .lines()
                .filter(|line| !line.trim().is_empty())
                .map(|line| parse_line(line.as_bytes()))
                .collect(),
            pod: Some(pod),
            unavailable: None,
        },
        Err(error) => ReasoningLog {
            unavailable: Some(format!(
                "reading the log of {pod} failed: {}",
                Error::from(error)
            )),
            pod: Some(pod),
            events: Vec::new(),
        },
    }
}

/// The Events about `objects` (by name) in `namespace`, oldest first. Events
/// are a record of courtesy: not being allowed to list them leaves them out.
async fn events_about(
    client: &Client,
    namespace: &str,
    objects: &BTreeSet<String>,
) -> Vec<ClusterEvent> {
    let api: Api<Event> = Api::namespaced(client.clone(), namespace);
    let Ok(list) = list_all(&api, None).await else {
        return Vec::new();
    };
    let mut events: Vec<ClusterEvent> = list
        .into_iter()
        .filter(|e| {
            e.involved_object
                .name
                .as_ref()
                .is_some_and(|n| objects.contains(n))
        })
        .map(|e| ClusterEvent {
            at: e
                .last_timestamp
                .as_ref()
                .or(e.first_timestamp.as_ref())
                .map(|t| t.0)
                .or_else(|| e.event_time.as_ref().map(|t| t.0))
                .or_else(|| e.metadata.creation_timestamp.as_ref().map(|t| t.0)),
            type_: e.type_.clone().unwrap_or_default(),
            reason: e.reason.clone().unwrap_or_default(),
            object: format!(
                "{}/{}",
                e.involved_object
                    .kind
                    .as_deref()
                    .unwrap_or("object")
                    .to_ascii_lowercase(),
                e.involved_object.name.as_deref().unwrap_or_default()
            ),
            message: e.message.clone().unwrap_or_default(),
            source: e
                .reporting_component
                .clone()
                .filter(|c| !c.is_empty())
                .or_else(|| e.source.as_ref().and_then(|s| s.component.clone()))
                .unwrap_or_default(),
        })
        .collect();
    events.sort_by(|a, b| (a.at, &a.object, &a.reason).cmp(&(b.at, &b.object, &b.reason)));
    events
}

/// The Job's `kubevigil.io/*` labels and annotations, sorted by key.
fn marks_of(job: &Job) -> Vec<(String, String)> {
    let mut marks: Vec<(String, String)> = job
        .labels()
        .iter()
        .chain(job.annotations().iter())
        .filter(|(key, _)| key.starts_with("kubevigil.io/"))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    marks.sort();
    marks.dedup();
    marks
}

fn outcome_of(job: &Job) -> JobOutcome {
    let status = job.status.as_ref();
    let conditions: Vec<(String, String, String)> = status
        .and_then(|s| s.conditions.as_ref())
        .map(|cs| {
            cs.iter()
                .filter(|c| c.status == "True")
                .map(|c| {
                    (
                        c.type_.clone(),
                        c.reason.clone().unwrap_or_default(),
                        c.message.clone().unwrap_or_default(),
                    )
                })
                .collect()
        })
        .unwrap_or_default();
    let failed_at = status
        .and_then(|s| s.conditions.as_ref())
        .and_then(|cs| {
            cs.iter()
                .find(|c| c.type_ == "Failed" && c.status == "True")
        })
        .and_then(|c| c.last_transition_time.as_ref())
        .map(|t| t.0);
    JobOutcome {
        finished: status
            .and_then(|s| s.completion_time.as_ref())
            .map(|t| t.0)
            .or(failed_at),
        conditions,
    }
}
