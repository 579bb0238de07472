//! Executes effects: every piece of IO the state machine asks for, each as
//! a task that reports back with actions.

use crate::app::action::Action;
use crate::app::effect::Effect;
use crate::cluster::logs;
use crate::cluster::{identity, watch};
use crate::model::records::StreamId;
use crate::sanitize::Redactor;
use crate::ui::highlight::Highlighter;
use jiff::Timestamp;
use kube::Client;
use kube::config::{KubeConfigOptions, Kubeconfig};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::mpsc::Sender;
use tokio::task::JoinHandle;

/// A context switch finished: the context, and its client with the
/// kubeconfig it was made from (read again), or why not.
pub type Switched = (String, Result<(Client, Kubeconfig), String>);

/// The tasks and handles effects need.
pub struct Executor {
    /// The client of the current context.
    pub client: Client,
    /// The kubeconfig, for switching contexts.
    pub kubeconfig: Option<Kubeconfig>,
    /// Where the kubeconfig is read again from on a context switch.
    pub kubeconfig_files: Option<crate::config::KubeconfigFiles>,
    /// The user of the current context in the kubeconfig.
    pub kubeconfig_user: Option<String>,
    /// Where actions go.
    pub tx: Sender<Action>,
    /// Where finished context switches go.
    pub switched: Sender<Switched>,
    /// The redactor for agent text.
    pub redactor: Arc<Redactor>,
    /// The highlighter thread.
    pub highlighter: Highlighter,
    watchers: Option<watch::Watchers>,
    stream: Option<(StreamId, JoinHandle<()>)>,
    older: Option<JoinHandle<()>>,
    ticker: Option<JoinHandle<()>>,
    identity: Option<JoinHandle<()>>,
    decisions: crate::cluster::decision_tasks::DecisionTasks,
    vault: crate::cluster::vault_watch::VaultTasks,
    /// A kubeconfig re-read after a 401 under way: its context, and the
    /// watchers' namespace and generation to restart them with.
    renewing: Option<(String, Option<String>, u64)>,
}

impl Drop for Executor {
    fn drop(&mut self) {
        self.stop_cluster_tasks();
        if let Some(ticker) = self.ticker.take() {
            ticker.abort();
        }
    }
}

impl Executor {
    /// An executor with nothing running yet.
    pub fn new(
        client: Client,
        kubeconfig: Option<Kubeconfig>,
        kubeconfig_user: Option<String>,
        tx: Sender<Action>,
        switched: Sender<Switched>,
        redactor: Arc<Redactor>,
        highlighter: Highlighter,
    ) -> Executor {
        Executor {
            client,
            kubeconfig,
            kubeconfig_files: None,
            kubeconfig_user,
            tx,
            switched,
            redactor,
            highlighter,
            watchers: None,
            stream: None,
            older: None,
            ticker: None,
            identity: None,
            decisions: crate::cluster::decision_tasks::DecisionTasks::default(),
            vault: crate::cluster::vault_watch::VaultTasks::new(
                crate::cluster::vault_watch::ConsoleVault::Off,
            ),
            renewing: None,
        }
    }

    /// Uses `vault` for decisions, the header and the token display.
    pub fn set_vault(&mut self, vault: crate::cluster::vault_watch::ConsoleVault, starting: bool) {
        self.decisions.set_vault(vault.client());
        let tasks = crate::cluster::vault_watch::VaultTasks::new(vault);
        self.vault = if starting {
            tasks.still_starting()
        } else {
            tasks
        };
        self.decisions
            .set_vault_starting(self.vault.starting_flag());
    }

    /// Stops watchers, the log stream and pending fetches.
    pub fn stop_cluster_tasks(&mut self) {
        self.watchers = None;
        if let Some((_, task)) = self.stream.take() {
            task.abort();
        }
        if let Some(task) = self.older.take() {
            task.abort();
        }
        if let Some(task) = self.identity.take() {
            task.abort();
        }
    }

    /// Runs one effect ([`Effect::Redraw`] and [`Effect::Quit`] are the loop's).
    pub fn run(&mut self, effect: Effect) {
        match effect {
            // The loop suspends the console for these itself.
            Effect::Redraw | Effect::Quit | Effect::External(_) => {}
            Effect::FetchDocument(request) => {
                let (client, redactor, tx) = (
                    self.client.clone(),
                    Arc::clone(&self.redactor),
                    self.tx.clone(),
                );
                tokio::spawn(async move {
                    let answer = crate::cluster::objects::fetch(client, request, &redactor).await;
                    let _ = tx.send(Action::DocumentFetched(answer)).await;
                });
            }
            Effect::ExportTranscript(request) => {
                let (client, tx) = (self.client.clone(), self.tx.clone());
                tokio::spawn(async move {
                    let result = super::export::write(&client, request).await;
                    let _ = tx.send(Action::TranscriptExported(result)).await;
                });
            }
            Effect::Attention(signal) => {
                // A lost bell or title is not worth stopping for.
                let _ = crate::tui::attention::call(&signal, &mut std::io::stdout());
            }
            Effect::StartWatchers { namespace, epoch } => {
                self.watchers = None;
                self.watchers = Some(watch::spawn(
                    self.client.clone(),
                    namespace,
                    epoch,
                    self.tx.clone(),
                    Arc::clone(&self.redactor),
                ));
            }
            Effect::ResolveIdentity => {
                let (client, user, tx) = (
                    self.client.clone(),
                    self.kubeconfig_user.clone(),
                    self.tx.clone(),
                );
                if let Some(task) = self.identity.take() {
                    task.abort();
                }
                self.identity = Some(tokio::spawn(async move {
                    let identity = identity::resolve(client, user).await;
                    let action = Action::Identity {
                        user: identity.user,
                        verified: identity.verified,
                    };
                    let _ = tx.send(action).await;
                }));
            }
            Effect::SwitchContext { context } => {
                self.renewing = None;
                self.switch_context(context);
            }
            Effect::ReloadCredentials {
                context,
                namespace,
                epoch,
            } => {
                self.renewing = Some((context.clone(), namespace, epoch));
                self.switch_context(context);
            }
            Effect::CheckRights { epoch, namespaces } => {
                let (client, tx) = (self.client.clone(), self.tx.clone());
                tokio::spawn(async move {
                    for namespace in namespaces {
                        let rights = crate::decide::rights(&client, &namespace).await;
                        let action = Action::Rights {
                            epoch,
                            namespace,
                            rights,
                        };
                        if tx.send(action).await.is_err() {
                            return;
                        }
                    }
                });
            }
            Effect::StartLogStream(target) => {
                if let Some((_, task)) = self.stream.take() {
                    task.abort();
                }
                let stream = target.stream;
                let task = tokio::spawn(logs::follow(
                    self.client.clone(),
                    target,
                    self.tx.clone(),
                    Arc::clone(&self.redactor),
                ));
                self.stream = Some((stream, task));
            }
            Effect::StopLogStream { stream } => {
                if self.stream.as_ref().is_some_and(|(id, _)| *id == stream)
                    && let Some((_, task)) = self.stream.take()
                {
                    task.abort();
                }
                if let Some(task) = self.older.take() {
                    task.abort();
                }
            }
            Effect::FetchOlder { stream, request } => {
                let (client, tx, redactor) = (
                    self.client.clone(),
                    self.tx.clone(),
                    Arc::clone(&self.redactor),
                );
                if let Some(task) = self.older.take() {
                    task.abort();
                }
                self.older = Some(tokio::spawn(async move {
                    let result = logs::fetch_older(client, request, redactor).await;
                    let _ = tx.send(Action::OlderLines { stream, result }).await;
                }));
            }
            Effect::Highlight { key, text, .. } => self.highlighter.request(key, text),
            Effect::ApplyPolicy(request) => {
                let (client, tx) = (self.client.clone(), self.tx.clone());
                tokio::spawn(async move {
                    let result = match crate::audit::AuditLog::open_default() {
                        Ok(audit) => crate::policy::apply_policy(&client, &request, &audit).await,
                        Err(error) => Err(crate::policy::PolicyApplyError::Failed(format!(
                            "the change was not sent: the local audit log cannot be opened ({error})"
                        ))),
                    };
                    let _ = tx.send(Action::PolicyApplied(Box::new(result))).await;
                });
            }
            Effect::SetTicking(on) => {
                if let Some(ticker) = self.ticker.take() {
                    ticker.abort();
                }
                if on {
                    self.ticker = Some(spawn_ticker(self.tx.clone()));
                }
            }
            Effect::Decisions(effect) => self.decisions.run(effect, &self.client, &self.tx),
            Effect::Vault(effect) => self.vault.run(effect, &self.tx),
            Effect::PeekLastLines(targets) => {
                let (client, redactor, tx) = (
                    self.client.clone(),
                    Arc::clone(&self.redactor),
                    self.tx.clone(),
                );
                tokio::spawn(async move {
                    let peeks = crate::cluster::peek::peek(client, targets, redactor).await;
                    let _ = tx.send(Action::Peeked(peeks)).await;
                });
            }
        }
    }

    /// Takes the kubeconfig re-read under way for `context`, if one is:
    /// (namespace, generation) of the watchers to restart.
    pub fn take_renewal(&mut self, context: &str) -> Option<(Option<String>, u64)> {
        match self.renewing.take() {
            Some((renewed, namespace, epoch)) if renewed == context => Some((namespace, epoch)),
            other => {
                self.renewing = other;
                None
            }
        }
    }

    /// Connects to `context`, with the kubeconfig files read again (changed
    /// credentials, new contexts) when the console knows them.
    fn switch_context(&mut self, context: String) {
        let (files, known) = (self.kubeconfig_files.clone(), self.kubeconfig.clone());
        if files.is_none() && known.is_none() {
            let _ = self
                .switched
                .try_send((context, Err("no kubeconfig to switch contexts with".into())));
            return;
        }
        let switched = self.switched.clone();
        tokio::spawn(async move {
            let kubeconfig = match (files, known) {
                (Some(files), _) => files.read().map_err(|e| e.to_string()),
                (None, Some(known)) => Ok(known),
                (None, None) => Err("no kubeconfig to switch contexts with".into()),
            };
            let result = match kubeconfig {
                Ok(kubeconfig) => connect(kubeconfig, &context).await,
                Err(error) => Err(error),
            };
            let _ = switched.send((context, result)).await;
        });
    }
}

/// A client for `context` of `kubeconfig`, with the kubeconfig.
async fn connect(kubeconfig: Kubeconfig, context: &str) -> Result<(Client, Kubeconfig), String> {
    if !kubeconfig.contexts.iter().any(|c| c.name == context) {
        return Err(format!("no context named {context} in the kubeconfig"));
    }
    let options = KubeConfigOptions {
        context: Some(context.to_string()),
        ..KubeConfigOptions::default()
    };
    let config = kube::Config::from_custom_kubeconfig(kubeconfig.clone(), &options)
        .await
        .map_err(|e| e.to_string())?;
    let client = Client::try_from(config).map_err(|e| crate::Error::from(e).to_string())?;
    Ok((client, kubeconfig))
}

/// Sends a tick at every whole second.
fn spawn_ticker(tx: Sender<Action>) -> JoinHandle<()> {
    tokio::spawn(async move {
        loop {
            let now = Timestamp::now();
            let into_second = u64::try_from(now.subsec_nanosecond()).unwrap_or(0);
            let wait =
                Duration::from_nanos(1_000_000_000u64.saturating_sub(into_second).max(1_000_000));
            tokio::time::sleep(wait).await;
            if tx.send(Action::Tick(Timestamp::now())).await.is_err() {
                return;
            }
        }
    })
}
