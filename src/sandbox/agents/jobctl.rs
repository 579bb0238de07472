//! The writes a job controller and kubelet would make for an investigation
//! the launcher admitted: its running pod, the finished state, and a new pod
//! after a resume.

use super::job::{self, InvestigationRef};
use jiff::Timestamp;
use k8s_openapi::api::batch::v1::Job;
use k8s_openapi::api::core::v1::Pod;
use kube::api::{Patch, PatchParams, PostParams};
use kube::{Api, Client};
use serde_json::json;

/// A Job the launcher created and admitted: marked running (as a job
/// controller would once unsuspended) and its pod created and running.
/// Returns the Job as patched.
pub async fn run_admitted(
    client: &Client,
    inv: &InvestigationRef,
    started: Timestamp,
) -> Result<Job, kube::Error> {
    let jobs: Api<Job> = Api::namespaced(client.clone(), &inv.namespace);
    let status = json!({ "status": job::job_running(started) });
    let job = jobs
        .patch_status(&inv.job, &PatchParams::default(), &Patch::Merge(&status))
        .await?;
    start_pod(client, inv, &inv.pod, &job, started).await?;
    Ok(job)
}

/// Creates pod `pod_name` for the Job and marks it running.
pub async fn start_pod(
    client: &Client,
    inv: &InvestigationRef,
    pod_name: &str,
    job: &Job,
    started: Timestamp,
) -> Result<(), kube::Error> {
    let pods: Api<Pod> = Api::namespaced(client.clone(), &inv.namespace);
    pods.create(
        &PostParams::default(),
        &job::pod_manifest(inv, pod_name, job),
    )
    .await?;
    let status = json!({ "status": job::pod_running(started) });
    pods.patch_status(pod_name, &PatchParams::default(), &Patch::Merge(&status))
        .await?;
    Ok(())
}

/// Marks the pod and the Job finished (succeeded or failed).
pub async fn finish(
    client: &Client,
    inv: &InvestigationRef,
    pod_name: &str,
    started: Timestamp,
    succeeded: bool,
) -> Result<(), kube::Error> {
    let now = Timestamp::now();
    let pods: Api<Pod> = Api::namespaced(client.clone(), &inv.namespace);
    let pod_status = json!({ "status": job::pod_finished(started, now, succeeded) });
    pods.patch_status(
        pod_name,
        &PatchParams::default(),
        &Patch::Merge(&pod_status),
    )
    .await?;
    let jobs: Api<Job> = Api::namespaced(client.clone(), &inv.namespace);
    let mut finished = job::job_finished(started, now, succeeded);
    // Keep earlier conditions (a Suspended=False after a resume) as a job controller would.
    let earlier = jobs
        .get(&inv.job)
        .await?
        .status
        .and_then(|s| s.conditions)
        .unwrap_or_default();
    let mut conditions: Vec<_> = earlier
        .into_iter()
        .filter(|c| {
            finished
                .conditions
                .iter()
                .flatten()
                .all(|new| new.type_ != c.type_)
        })
        .collect();
    conditions.extend(finished.conditions.take().unwrap_or_default());
    finished.conditions = Some(conditions);
    let job_status = json!({ "status": finished });
    jobs.patch_status(
        &inv.job,
        &PatchParams::default(),
        &Patch::Merge(&job_status),
    )
    .await?;
    Ok(())
}

/// After a resume: the Job counts its pod as active again (the emulator's job
/// controller has already turned the Suspended condition False); a pod removed
/// during the suspension is replaced. Returns the pod the agent now writes to.
pub async fn resume(
    client: &Client,
    inv: &InvestigationRef,
    pod_name: &str,
) -> Result<String, kube::Error> {
    let jobs: Api<Job> = Api::namespaced(client.clone(), &inv.namespace);
    let status = json!({ "status": { "active": 1, "ready": 1 } });
    let job = jobs
        .patch_status(&inv.job, &PatchParams::default(), &Patch::Merge(&status))
        .await?;
    let pods: Api<Pod> = Api::namespaced(client.clone(), &inv.namespace);
    if pods.get_opt(pod_name).await?.is_some() {
        return Ok(pod_name.to_string());
    }
    let replacement = inv.next_pod();
    start_pod(client, inv, &replacement, &job, Timestamp::now()).await?;
    Ok(replacement)
}
