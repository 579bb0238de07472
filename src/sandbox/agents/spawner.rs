//! Keeps investigations coming while the sandbox runs: a new one every 20-60 s
//! (divided by the speed), never more at once per namespace than its
//! TrustPolicy's `maxConcurrentInvestigations`.

use super::job::InvestigationRef;
use super::outcome::Outcome;
use super::proposal::read_policy;
use super::runner::{AgentSettings, run_scenario};
use super::scenarios;
use super::script::Scenario;
use super::stdout::Stdout;
use super::{AgentError, world};
use kube::Client;
use rand::{random_bool, random_range};
use std::collections::HashMap;
use std::sync::Arc;
use tokio::task::{Id, JoinError, JoinSet};

/// Limit for a namespace without a TrustPolicy (the policy's own default).
const DEFAULT_MAX_CONCURRENT: u32 = 5;

/// Starts simulated agents and keeps count of those still running.
pub struct Spawner {
    client: Client,
    stdout: Arc<dyn Stdout>,
    settings: AgentSettings,
    running: HashMap<String, u32>,
    agents: JoinSet<Result<Outcome, AgentError>>,
    namespaces: HashMap<Id, String>,
}

impl Spawner {
    /// A spawner whose agents write through `client` and print to `stdout`.
    pub fn new(client: Client, stdout: Arc<dyn Stdout>, settings: AgentSettings) -> Spawner {
        Spawner {
            client,
            stdout,
            settings,
            running: HashMap::new(),
            agents: JoinSet::new(),
            namespaces: HashMap::new(),
        }
    }

    /// Starts `scenario` in `namespace` unless the namespace is at its limit.
    pub async fn start(
        &mut self,
        scenario: &'static Scenario,
        namespace: &str,
    ) -> Option<InvestigationRef> {
        let limit = match read_policy(&self.client, namespace).await {
            Ok(policy) => {
                policy.map_or(DEFAULT_MAX_CONCURRENT, |p| p.max_concurrent_investigations)
            }
            Err(error) => {
                tracing::warn!(%error, namespace, "spawner: reading the TrustPolicy");
                return None;
            }
        };
        let running = self.running.entry(namespace.to_string()).or_default();
        if *running >= limit {
            tracing::debug!(
                namespace,
                limit,
                "spawner: namespace at its concurrency limit"
            );
            return None;
        }
        *running += 1;
        let inv = InvestigationRef::new(scenario.key, namespace);
        let (client, stdout, settings) = (
            self.client.clone(),
            self.stdout.clone(),
            self.settings.clone(),
        );
        let task = self.agents.spawn(run_scenario(
            client,
            stdout,
            scenario,
            inv.clone(),
            settings,
        ));
        self.namespaces.insert(task.id(), namespace.to_string());
        Some(inv)
    }

    /// Starts every scenario once in its home namespace, then a random one
    /// every 20-60 s divided by the speed, until dropped (dropping it stops
    /// its agents).
    pub async fn run(mut self) {
        for scenario in scenarios::ALL {
            self.start(scenario, scenario.home_namespace).await;
        }
        loop {
            let wait = random_range(20.0..60.0) / self.settings.speed.max(0.01);
            let pause = tokio::time::sleep(std::time::Duration::from_secs_f64(wait));
            tokio::pin!(pause);
            loop {
                tokio::select! {
                    () = &mut pause => break,
                    Some(done) = self.agents.join_next_with_id() => self.finished(done),
                }
            }
            let scenario = scenarios::ALL[random_range(0..scenarios::ALL.len())];
            let namespace = if random_bool(0.7) {
                scenario.home_namespace.to_string()
            } else {
                let all = world::namespaces();
                all[random_range(0..all.len())].0.to_string()
            };
            self.start(scenario, &namespace).await;
        }
    }

    fn finished(&mut self, done: Result<(Id, Result<Outcome, AgentError>), JoinError>) {
        let id = match &done {
            Ok((id, _)) => *id,
            Err(error) => error.id(),
        };
        let namespace = self.namespaces.remove(&id).unwrap_or_default();
        if let Some(count) = self.running.get_mut(&namespace) {
            *count = count.saturating_sub(1);
        }
        match done {
            Ok((_, Ok(outcome))) => tracing::info!(namespace, %outcome, "sandbox agent finished"),
            Ok((_, Err(error))) => tracing::warn!(namespace, %error, "sandbox agent failed"),
            Err(error) => tracing::warn!(namespace, %error, "sandbox agent task ended abnormally"),
        }
    }
}
