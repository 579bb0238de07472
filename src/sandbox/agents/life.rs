//! Whether the agent's Job still runs, is suspended, or is gone, from a watch
//! on the Job (an agent must pause when suspended and stop when deleted).

use super::job::InvestigationRef;
use futures::StreamExt;
use k8s_openapi::api::batch::v1::Job;
use kube::runtime::WatchStreamExt;
use kube::runtime::watcher::{self, Event};
use kube::{Api, Client};
use tokio::sync::watch;
use tokio::task::JoinHandle;

/// Where the Job stands, as far as the agent is concerned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JobLife {
    /// The Job exists and is not suspended.
    Active,
    /// `spec.suspend` is true: the agent pauses.
    Suspended,
    /// The Job was deleted, or failed (past its deadline, its pod is
    /// killed): the agent stops.
    Gone,
}

/// A watch on one Job; the watch task ends when this is dropped.
pub struct LifeWatch {
    receiver: watch::Receiver<JobLife>,
    task: JoinHandle<()>,
}

impl Drop for LifeWatch {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl LifeWatch {
    /// Starts watching the investigation's Job (by its label, in its namespace).
    pub fn start(client: Client, inv: &InvestigationRef) -> LifeWatch {
        let (sender, receiver) = watch::channel(JobLife::Active);
        let jobs: Api<Job> = Api::namespaced(client, &inv.namespace);
        let config = watcher::Config::default().labels(&inv.selector());
        let name = inv.job.clone();
        let task = tokio::spawn(async move {
            let mut events = std::pin::pin!(watcher::watcher(jobs, config).default_backoff());
            let mut seen_in_listing = false;
            while let Some(event) = events.next().await {
                let life = match event {
                    Ok(Event::Apply(job) | Event::InitApply(job))
                        if job.metadata.name.as_deref() == Some(name.as_str()) =>
                    {
                        seen_in_listing = true;
                        life_of(&job)
                    }
                    Ok(Event::Delete(job))
                        if job.metadata.name.as_deref() == Some(name.as_str()) =>
                    {
                        JobLife::Gone
                    }
                    Ok(Event::Init) => {
                        seen_in_listing = false;
                        continue;
                    }
                    Ok(Event::InitDone) if !seen_in_listing => JobLife::Gone,
                    Ok(_) => continue,
                    Err(error) => {
                        tracing::debug!(%error, job = %name, "agent: job watch");
                        continue;
                    }
                };
                if sender.send(life).is_err() {
                    return;
                }
            }
        });
        LifeWatch { receiver, task }
    }

    /// The latest known state.
    pub fn current(&self) -> JobLife {
        *self.receiver.borrow()
    }

    /// Waits for the state to change; `Gone` when the watch ended.
    pub async fn changed(&mut self) -> JobLife {
        match self.receiver.changed().await {
            Ok(()) => *self.receiver.borrow_and_update(),
            Err(_) => JobLife::Gone,
        }
    }
}

fn life_of(job: &Job) -> JobLife {
    let failed = job
        .status
        .as_ref()
        .and_then(|s| s.conditions.as_ref())
        .is_some_and(|c| {
            c.iter().any(|c| {
                c.type_ == "Failed"
                    && c.status == "True"
                    && c.reason.as_deref() == Some("DeadlineExceeded")
            })
        });
    if job.metadata.deletion_timestamp.is_some() || failed {
        JobLife::Gone
    } else if job.spec.as_ref().and_then(|s| s.suspend).unwrap_or(false) {
        JobLife::Suspended
    } else {
        JobLife::Active
    }
}
