//! The simulated agent runtime: what the kubelet and the agent image do in
//! a real cluster. It watches the Jobs the launcher admitted
//! (`kubevigil.io/admission=admitted`) whose container runs the simulated
//! agent's image ([`AGENT_IMAGE`]), and runs the pod of each one not yet
//! running: the scenario the alert's `alertname` names. It admits nothing
//! itself; the launcher decides what runs and when.

use super::job::{AGENT_IMAGE, InvestigationRef, random_suffix};
use super::outcome::Outcome;
use super::runner::{AgentSettings, run_admitted};
use super::script::Scenario;
use super::stdout::Stdout;
use super::{AgentError, jobctl, scenarios};
use crate::domain::labels;
use crate::domain::queue::is_finished;
use futures::StreamExt;
use jiff::Timestamp;
use k8s_openapi::api::batch::v1::Job;
use kube::runtime::WatchStreamExt;
use kube::runtime::watcher;
use kube::{Api, Client, ResourceExt};
use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};
use tokio::sync::{mpsc, oneshot};

/// An investigation someone waits for (the sandbox's `start_investigation`):
/// the names it gets, how its agent behaves, where its outcome goes.
pub struct Expected {
    /// The scenario to play.
    pub scenario: &'static Scenario,
    /// Its names (the launcher's Job name, the pod chosen beforehand).
    pub inv: InvestigationRef,
    /// How its agent behaves.
    pub settings: AgentSettings,
    /// Where its outcome goes.
    pub done: oneshot::Sender<Result<Outcome, AgentError>>,
}

/// Expected investigations by `namespace/job`.
pub type Expectations = Arc<Mutex<HashMap<String, Expected>>>;

/// Runs the agents of admitted Jobs.
pub struct AgentRuntime {
    client: Client,
    stdout: Arc<dyn Stdout>,
    settings: AgentSettings,
    expected: Expectations,
    resolved: Option<mpsc::UnboundedSender<String>>,
}

impl AgentRuntime {
    /// A runtime whose agents write through `client` and print to `stdout`,
    /// behaving as `settings` say unless an [`Expected`] says otherwise. The
    /// fingerprint of each alert an agent fixed goes to `resolved`.
    pub fn new(
        client: Client,
        stdout: Arc<dyn Stdout>,
        settings: AgentSettings,
        expected: Expectations,
        resolved: Option<mpsc::UnboundedSender<String>>,
    ) -> AgentRuntime {
        AgentRuntime {
            client,
            stdout,
            settings,
            expected,
            resolved,
        }
    }

    /// Watches the admitted Jobs until dropped, starting the pod of each new
    /// one that runs [`AGENT_IMAGE`] (its agents stop when it is dropped).
    pub async fn run(self) {
        let jobs: Api<Job> = Api::all(self.client.clone());
        let selector = format!("{}={}", labels::ADMISSION, labels::ADMISSION_ADMITTED);
        let config = watcher::Config::default().labels(&selector);
        let mut events = std::pin::pin!(
            watcher::watcher(jobs, config)
                .default_backoff()
                .applied_objects()
        );
        let mut started: HashSet<String> = HashSet::new();
        let mut agents = tokio::task::JoinSet::new();
        loop {
            tokio::select! {
                event = events.next() => match event {
                    Some(Ok(job)) => {
                        if runs_here(&job) && started.insert(job.uid().unwrap_or_default()) {
                            agents.spawn(self.start(job));
                        }
                    }
                    Some(Err(error)) => tracing::debug!(%error, "sandbox runtime: job watch"),
                    None => return,
                },
                Some(_) = agents.join_next(), if !agents.is_empty() => {}
            }
        }
    }

    /// The agent of `job`, as a future that ends with it.
    fn start(&self, job: Job) -> impl Future<Output = ()> + Send + 'static {
        let namespace = job.namespace().unwrap_or_default();
        let name = job.name_any();
        let expected = self
            .expected
            .lock()
            .ok()
            .and_then(|mut e| e.remove(&format!("{namespace}/{name}")));
        let label = |key: &str| job.labels().get(key).cloned().unwrap_or_default();
        let alertname = label(labels::ALERTNAME);
        let fingerprint = label(labels::ALERT_FINGERPRINT);
        let inv = InvestigationRef {
            id: label(labels::INVESTIGATION),
            pod: format!("{name}-{}", random_suffix(5)),
            namespace,
            job: name,
        };
        let (client, stdout, resolved) = (
            self.client.clone(),
            self.stdout.clone(),
            self.resolved.clone(),
        );
        let settings = self.settings.clone();
        async move {
            let (scenario, inv, settings, done) = match expected {
                Some(e) => (Some(e.scenario), e.inv, e.settings, Some(e.done)),
                None => (scenarios::by_key(&alertname), inv, settings, None),
            };
            let result = match scenario {
                Some(scenario) => {
                    run_admitted(client, stdout, scenario, inv.clone(), settings).await
                }
                None => no_scenario(&client, &*stdout, &inv, &alertname).await,
            };
            match &result {
                Ok(outcome) => {
                    tracing::info!(investigation = %inv.id, %outcome, "sandbox agent finished");
                    if outcome.resolved()
                        && let Some(resolved) = &resolved
                    {
                        let _ = resolved.send(fingerprint);
                    }
                }
                Err(error) => {
                    tracing::warn!(investigation = %inv.id, %error, "sandbox agent failed");
                }
            }
            if let Some(done) = done {
                let _ = done.send(result);
            }
        }
    }
}

/// Whether the runtime runs `job`: the simulated agent's image, admitted
/// and not suspended, not finished, not being deleted.
fn runs_here(job: &Job) -> bool {
    let spec = job.spec.as_ref();
    let image = spec
        .and_then(|s| s.template.spec.as_ref())
        .and_then(|p| p.containers.first())
        .and_then(|c| c.image.as_deref());
    image == Some(AGENT_IMAGE)
        && !spec.and_then(|s| s.suspend).unwrap_or(false)
        && job.metadata.deletion_timestamp.is_none()
        && !is_finished(job)
}

/// An alert no scenario knows: the pod starts, says so and fails.
async fn no_scenario(
    client: &Client,
    stdout: &dyn Stdout,
    inv: &InvestigationRef,
    alertname: &str,
) -> Result<Outcome, AgentError> {
    let started = Timestamp::now();
    jobctl::run_admitted(client, inv, started).await?;
    let line = crate::domain::protocol::to_line(&crate::domain::protocol::ReasoningEvent {
        ts: Some(started),
        kind: crate::domain::protocol::EventKind::Error {
            message: format!("sim-agent has no playbook for alert {alertname:?}; giving up"),
        },
    });
    stdout.write_line(&inv.namespace, &inv.pod, &line);
    jobctl::finish(client, inv, &inv.pod, started, false).await?;
    Ok(Outcome::Crashed)
}
