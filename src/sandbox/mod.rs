//! The embedded sandbox: a Kubernetes API emulator on loopback, the governor,
//! and simulated agents that keep the contract through that API.
//!
//! [`Sandbox::start`] starts the emulator, creates the namespaces and their
//! TrustPolicies (one per trust phase) and the InvestigationTemplate
//! `sim-agent` ([`template`]), seeds extra history when asked, starts the
//! governor replicas with their launchers (two by default, electing a leader
//! through a Lease: [`governors`]) and the simulated agent runtime, which
//! runs the pods of the Jobs the launcher admits ([`agents::runtime`]).
//! Unless `scenarios` is false it fires every scenario once as an
//! Alertmanager webhook and keeps new alerts coming ([`firer`]).

pub mod agents;
pub mod alerts;
pub mod api;
pub mod firer;
pub mod governors;
pub mod template;

use crate::{Error, Result};
use agents::{
    AgentError, AgentRuntime, AgentSettings, Expectations, Expected, InvestigationRef, Outcome,
    Stdout,
};
use api::{AGENT_USER, ApiConfig, ApiServer};
use std::path::Path;
use std::sync::{Arc, Mutex};
use tokio::task::{AbortHandle, JoinHandle};

/// The identity the governor uses when the emulator knows it; otherwise it
/// runs as [`AGENT_USER`].
pub const GOVERNOR_USER: &str = "kubevigil-governor";

/// How to start the sandbox.
#[derive(Debug, Clone, PartialEq)]
pub struct SandboxOptions {
    /// Loopback port of the API emulator (0 picks a free one).
    pub port: u16,
    /// Extra seeded investigations, mostly finished (at most 100,000).
    pub extra_investigations: usize,
    /// How fast the simulated agents think: 2 is twice as fast.
    pub speed: f64,
    /// Whether simulated agents run; false gives a quiet cluster (the API,
    /// the namespaces and policies, and the governor) for tests.
    pub scenarios: bool,
    /// Whether the scenario agents fail now and then (a crash, a write
    /// denied by an admission webhook), as real agents do.
    pub flaky: bool,
    /// How many governor replicas run (each with its own Lease identity).
    pub governor_replicas: usize,
    /// The governors' lease duration: a killed leader is replaced within it.
    pub lease_duration: std::time::Duration,
    /// Kill the leading governor this often (and start a replacement), to
    /// show hand-overs.
    pub kill_leader_every: Option<std::time::Duration>,
}

impl Default for SandboxOptions {
    fn default() -> Self {
        SandboxOptions {
            port: 0,
            extra_investigations: 0,
            speed: 1.0,
            scenarios: true,
            flaky: true,
            governor_replicas: 2,
            lease_duration: crate::governor::leader::DEFAULT_LEASE_DURATION,
            kill_leader_every: None,
        }
    }
}

/// A running sandbox. Drop it with [`Sandbox::shutdown`].
pub struct Sandbox {
    api: ApiServer,
    vault: Option<Arc<crate::vault::Vault>>,
    vault_server: Option<Arc<crate::vault::DevServer>>,
    /// How OpenBao's setup ended, once it did (`Err`: why it failed); `None`
    /// without Vault.
    vault_ready: Option<VaultReady>,
    speed: f64,
    governors: Arc<governors::Governors>,
    alerts: firer::AlertSender,
    expected: Expectations,
    background: Vec<JoinHandle<()>>,
    started_agents: Mutex<Vec<AbortHandle>>,
}

/// The end of the sandbox's OpenBao setup, once it ended.
type VaultReady = tokio::sync::watch::Receiver<Option<std::result::Result<(), String>>>;

/// An investigation started with [`Sandbox::start_investigation`].
#[derive(Debug)]
pub struct InvestigationHandle {
    /// The investigation's id and the names of its Job and Pod.
    pub investigation: InvestigationRef,
    /// The agent; it ends with the investigation's outcome.
    pub task: JoinHandle<std::result::Result<Outcome, AgentError>>,
}

impl Stdout for ApiServer {
    fn write_line(&self, namespace: &str, pod: &str, line: &str) {
        self.append_log(namespace, pod, line);
    }
}

impl Sandbox {
    /// Starts the emulator, creates namespaces and TrustPolicies, seeds extra
    /// investigations, and starts the governor and (if asked) the agents.
    pub async fn start(options: SandboxOptions) -> Result<Sandbox> {
        Sandbox::start_with_vault(options, None).await
    }

    /// [`Sandbox::start`], with a real OpenBao dev server when `bao` (the
    /// binary) is given: a `kubevigil-write-<ns>` policy per namespace, a
    /// token per investigation (its accessor on the Job), and agents that
    /// verify, unwrap and use the credentials approvals mint. Without `bao`,
    /// Vault is off.
    pub async fn start_with_vault(options: SandboxOptions, bao: Option<&Path>) -> Result<Sandbox> {
        Sandbox::start_inner(options, bao, true).await
    }

    /// [`Sandbox::start_with_vault`], returning as soon as the emulator
    /// serves its world, while OpenBao is still starting: the dev server is
    /// spawned first, its address and root token are known at once, and its
    /// policies and the writers' credentials are set up in the background
    /// ([`Sandbox::vault_ready`] says when). Meanwhile Vault calls fail and
    /// are retried as during any outage (the launchers' admissions, the
    /// governors' credential work); the scenarios' alerts wait for it.
    pub async fn start_vault_in_background(
        options: SandboxOptions,
        bao: Option<&Path>,
    ) -> Result<Sandbox> {
        Sandbox::start_inner(options, bao, false).await
    }

    async fn start_inner(
        options: SandboxOptions,
        bao: Option<&Path>,
        wait_for_vault: bool,
    ) -> Result<Sandbox> {
        let vault_server = match bao {
            Some(bao) => Some(Arc::new(spawn_bao(bao)?)),
            None => None,
        };
        let vault = match &vault_server {
            Some(server) => Some(Arc::new(server.vault().map_err(vault_error)?)),
            None => None,
        };
        // kube's rustls needs a crypto provider; installing twice is harmless.
        let _ = rustls::crypto::ring::default_provider().install_default();
        let config = ApiConfig {
            port: options.port,
            ..ApiConfig::default()
        };
        let api = ApiServer::start(config).await.map_err(api_error)?;
        let mut background = Vec::new();
        let vault_ready = match (&vault_server, &vault) {
            (Some(server), Some(vault)) => {
                let (tx, rx) = tokio::sync::watch::channel(None);
                let (server, vault, api) = (Arc::clone(server), Arc::clone(vault), api.clone());
                background.push(tokio::spawn(async move {
                    let result = set_up_vault(&server, &vault, &api)
                        .await
                        .map_err(|e| e.to_string());
                    if let Err(error) = &result {
                        tracing::warn!(%error, "sandbox: OpenBao is not usable");
                    }
                    let _ = tx.send(Some(result));
                }));
                Some(rx)
            }
            _ => None,
        };
        let agent_client = api.client(AGENT_USER).map_err(api_error)?;
        agents::world::create(&agent_client).await?;
        template::apply(&agent_client).await?;
        stage_world(&api, &agent_client).await?;
        if wait_for_vault {
            wait_ready(vault_ready.as_ref()).await?;
        }
        if options.extra_investigations > 0 {
            agents::seed::seed(
                options.extra_investigations,
                |objects| api.seed(objects),
                &api,
            );
        }
        let governor_client = match api.token_for(GOVERNOR_USER) {
            Some(_) => api.client(GOVERNOR_USER).map_err(api_error)?,
            None => agent_client.clone(),
        };
        let governors = governors::Governors::start_with_launcher(
            governor_client,
            vault.clone(),
            launcher_config(),
            options.governor_replicas.max(1),
            options.lease_duration,
        )
        .await;
        if let Some(every) = options.kill_leader_every {
            background.push(tokio::spawn(governors.clone().kill_leader_every(every)));
        }
        let alerts = firer::AlertSender::new(governors.clone());
        let expected = Expectations::default();
        let (resolved, fixed) = tokio::sync::mpsc::unbounded_channel::<String>();
        background.push(tokio::spawn(firer::resolve_fixed(alerts.clone(), fixed)));
        let settings = AgentSettings {
            speed: options.speed,
            flaky: options.flaky,
            vault: vault.clone(),
        };
        let stdout: Arc<dyn Stdout> = Arc::new(api.clone());
        let runtime = AgentRuntime::new(
            agent_client,
            stdout,
            settings,
            expected.clone(),
            Some(resolved),
        );
        background.push(tokio::spawn(runtime.run()));
        if options.scenarios {
            let (alerts, ready, speed) = (alerts.clone(), vault_ready.clone(), options.speed);
            background.push(tokio::spawn(async move {
                // An alert fired before Vault answers would only queue its
                // investigation behind failed admissions.
                let _ = wait_ready(ready.as_ref()).await;
                firer::run(alerts, speed).await;
            }));
        }
        Ok(Sandbox {
            api,
            vault,
            vault_server,
            vault_ready,
            speed: options.speed,
            governors,
            alerts,
            expected,
            background,
            started_agents: Mutex::new(Vec::new()),
        })
    }

    /// The OpenBao dev server's address and root token, when Vault is on
    /// (give them to consoles as `VAULT_ADDR` and `VAULT_TOKEN`).
    pub fn vault_settings(&self) -> Option<&crate::vault::VaultSettings> {
        self.vault_server.as_ref().map(|server| server.settings())
    }

    /// Waits until OpenBao answers with its policies and the writers'
    /// credentials in place (at once without Vault); fails when it could not
    /// be started.
    pub async fn vault_ready(&self) -> Result<()> {
        wait_ready(self.vault_ready.as_ref()).await
    }

    /// Whether OpenBao is set up (also true without Vault).
    pub fn is_vault_ready(&self) -> bool {
        self.vault_ready
            .as_ref()
            .is_none_or(|ready| matches!(*ready.borrow(), Some(Ok(()))))
    }

    /// The governor replicas.
    pub fn governors(&self) -> &governors::Governors {
        &self.governors
    }

    /// The API emulator.
    pub fn api(&self) -> &ApiServer {
        &self.api
    }

    /// Writes a kubeconfig for the emulator with `context` current, readable
    /// only by its owner (mode 0600).
    pub fn write_kubeconfig(&self, path: &Path, context: &str) -> Result<()> {
        write_private(path, self.api.kubeconfig_yaml(context).as_bytes())
    }

    /// The contexts of the kubeconfig [`Sandbox::write_kubeconfig`] writes,
    /// read back from it, in order: each context's name and default
    /// namespace.
    pub fn kubeconfig_contexts(&self) -> Result<Vec<(String, Option<String>)>> {
        let yaml = self.api.kubeconfig_yaml("oncall-1");
        let config = kube::config::Kubeconfig::from_yaml(&yaml).map_err(|e| Error::Invalid {
            field: "sandbox kubeconfig".to_string(),
            reason: e.to_string(),
        })?;
        Ok(config
            .contexts
            .into_iter()
            .map(|c| {
                let namespace = c.context.and_then(|c| c.namespace);
                (c.name, namespace)
            })
            .collect())
    }

    /// Fires scenario `key` (see [`agents::scenarios::ALL`]) in `namespace`
    /// now, as an alert to the launcher; the agent runtime runs it once the
    /// launcher admits it (the namespace's and the cluster's caps apply). Its
    /// agent never crashes at random. The handle names the Job the launcher
    /// makes of the alert and the pod the runtime will start.
    pub fn start_investigation(&self, key: &str, namespace: &str) -> Result<InvestigationHandle> {
        let scenario = agents::scenarios::by_key(key).ok_or_else(|| Error::Invalid {
            field: "scenario".to_string(),
            reason: format!("no scenario named {key:?}"),
        })?;
        let alert = firer::scenario_alert(scenario, namespace);
        let body = alerts::payload(std::slice::from_ref(&alert));
        let parsed = serde_json::to_vec(&body)
            .map_err(|e| e.to_string())
            .and_then(|bytes| crate::launcher::payload::parse(&bytes))
            .ok()
            .and_then(|alerts| alerts.into_iter().next())
            .ok_or_else(|| Error::Invalid {
                field: "scenario alert".to_string(),
                reason: "the launcher would not read it".to_string(),
            })?;
        let job = crate::launcher::manifest::job_name(&parsed);
        let investigation = InvestigationRef {
            id: crate::launcher::manifest::investigation_id(&parsed),
            namespace: namespace.to_string(),
            pod: format!("{job}-{}", agents::job::random_suffix(5)),
            job,
        };
        let (done, outcome) = tokio::sync::oneshot::channel();
        let expected = Expected {
            scenario,
            inv: investigation.clone(),
            settings: AgentSettings {
                speed: self.speed,
                flaky: false,
                vault: self.vault.clone(),
            },
            done,
        };
        if let Ok(mut waiting) = self.expected.lock() {
            waiting.insert(format!("{namespace}/{}", investigation.job), expected);
        }
        let sender = self.alerts.clone();
        let task = tokio::spawn(async move {
            sender.send(&alert).await.map_err(AgentError::Launch)?;
            outcome
                .await
                .unwrap_or_else(|_| Err(AgentError::Launch("the agent runtime stopped".into())))
        });
        if let Ok(mut started) = self.started_agents.lock() {
            started.push(task.abort_handle());
        }
        Ok(InvestigationHandle {
            investigation,
            task,
        })
    }

    /// Sends the resolved notification of the alert with `fingerprint` (one
    /// this sandbox fired), as Alertmanager does once it stops firing.
    pub async fn resolve_alert(&self, fingerprint: &str) {
        self.alerts.resolve(fingerprint).await;
    }

    /// Stops the agents and the governor, then the emulator.
    pub async fn shutdown(self) {
        for task in &self.background {
            task.abort();
        }
        for task in self.background {
            let _ = task.await;
        }
        self.governors.shutdown().await;
        if let Ok(started) = self.started_agents.lock() {
            for task in started.iter() {
                task.abort();
            }
        }
        self.api.shutdown().await;
    }
}

/// How many controller passes the sandbox runs at once after staging, so
/// that its Deployments have settled before anyone looks.
const SETTLE_PASSES: usize = 12;

/// Stages the world: the Nodes, every scenario's objects in its home
/// namespace as they were while all was well (the controllers settle them:
/// ReplicaSets, ready Pods), then the incidents' breaks (settled again: a
/// rollout stalls, pods crash-loop).
async fn stage_world(api: &ApiServer, client: &kube::Client) -> Result<()> {
    agents::stage::create_nodes(client).await?;
    for scenario in agents::scenarios::ALL {
        agents::stage::create(client, scenario, scenario.home_namespace).await?;
    }
    api.settle(SETTLE_PASSES);
    for scenario in agents::scenarios::ALL {
        agents::stage::break_it(client, scenario, scenario.home_namespace).await?;
    }
    api.settle(SETTLE_PASSES);
    Ok(())
}

/// What a namespace's writer may do there: change the scenarios' kinds.
fn writer_rules() -> Vec<k8s_openapi::api::rbac::v1::PolicyRule> {
    let list = |items: &[&str]| Some(items.iter().map(|i| (*i).to_string()).collect());
    vec![k8s_openapi::api::rbac::v1::PolicyRule {
        api_groups: list(&["", "apps", "networking.k8s.io", "cert-manager.io"]),
        resources: list(&[
            "configmaps",
            "secrets",
            "services",
            "pods",
            "deployments",
            "replicasets",
            "networkpolicies",
            "certificates",
        ]),
        verbs: vec![
            "get".into(),
            "list".into(),
            "watch".into(),
            "create".into(),
            "update".into(),
            "patch".into(),
            "delete".into(),
        ],
        ..Default::default()
    }]
}

/// Registers each namespace's writer (the ServiceAccount
/// `kubevigil-writer` there, allowed [`writer_rules`] in that namespace
/// only) and keeps its Kubernetes credential in Vault, where only the
/// namespace's write policy can read it: the approved write goes out with it.
async fn register_writers(api: &ApiServer, vault: &crate::vault::Vault) -> Result<()> {
    for (namespace, _) in agents::world::namespaces() {
        let (user, groups) = api::rbac::service_account_user(namespace, "kubevigil-writer");
        let groups: Vec<&str> = groups.iter().map(String::as_str).collect();
        let grants = api::rbac::Grants::default().with_namespaced(namespace, writer_rules());
        let token = api
            .add_user(&user, &groups, grants)
            .map_err(|e| Error::io("sandbox writer", std::io::Error::other(e.to_string())))?;
        let credential = agents::KubernetesCredential {
            server: api.url(),
            token,
        };
        vaultrs::kv2::set(
            vault.client(),
            "secret",
            &agents::kubernetes_credential_path(namespace),
            &credential,
        )
        .await
        .map_err(|e| vault_error(crate::vault::VaultError::Client(e.to_string())))?;
    }
    Ok(())
}

/// The sandbox launchers' settings: a fresh webhook token, the default caps,
/// and a 1 s `Retry-After` (the sandbox's Alertmanager retries soon).
fn launcher_config() -> crate::launcher::LauncherConfig {
    let token = format!("sandbox-webhook-{}", agents::job::random_suffix(24));
    let mut config = crate::launcher::LauncherConfig::new(token);
    config.retry_after_seconds = 1;
    config
}

/// Spawns `bao server -dev` (its log in the temporary directory); it answers
/// a few hundred milliseconds later ([`set_up_vault`] waits for it).
fn spawn_bao(bao: &Path) -> Result<crate::vault::DevServer> {
    let log = std::env::temp_dir().join(format!("kubevigil-bao-{}.log", std::process::id()));
    crate::vault::DevServer::spawn(bao, &log).map_err(vault_error)
}

/// Waits for OpenBao to answer, then writes the write policy of every
/// sandbox namespace and stores each namespace writer's credential in it.
async fn set_up_vault(
    server: &crate::vault::DevServer,
    vault: &crate::vault::Vault,
    api: &ApiServer,
) -> Result<()> {
    server.wait_healthy().await.map_err(vault_error)?;
    vault
        .write_investigation_policy()
        .await
        .map_err(vault_error)?;
    for (namespace, _) in agents::world::namespaces() {
        vault
            .write_namespace_policy(namespace)
            .await
            .map_err(vault_error)?;
    }
    register_writers(api, vault).await
}

/// Waits for the end of OpenBao's setup (at once without Vault).
async fn wait_ready(ready: Option<&VaultReady>) -> Result<()> {
    let Some(ready) = ready else {
        return Ok(());
    };
    let mut ready = ready.clone();
    let ended = ready
        .wait_for(Option::is_some)
        .await
        .map(|ended| ended.clone())
        .map_err(|_| {
            Error::io(
                "sandbox OpenBao",
                std::io::Error::other("its setup was stopped"),
            )
        })?;
    match ended {
        Some(Err(error)) => Err(Error::io("sandbox OpenBao", std::io::Error::other(error))),
        _ => Ok(()),
    }
}

fn vault_error(error: crate::vault::VaultError) -> Error {
    Error::io("sandbox OpenBao", std::io::Error::other(error.to_string()))
}

fn api_error(error: api::ApiError) -> Error {
    Error::io(
        "sandbox API emulator",
        std::io::Error::other(error.to_string()),
    )
}

/// Writes `bytes` to `path`, creating it with mode 0600 (and tightening an existing file).
fn write_private(path: &Path, bytes: &[u8]) -> Result<()> {
    use std::io::Write;
    let context = || format!("writing {}", path.display());
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
        options.mode(0o600);
        let mut file = options.open(path).map_err(|e| Error::io(context(), e))?;
        file.set_permissions(std::fs::Permissions::from_mode(0o600))
            .map_err(|e| Error::io(context(), e))?;
        file.write_all(bytes).map_err(|e| Error::io(context(), e))
    }
    #[cfg(not(unix))]
    {
        let mut file = options.open(path).map_err(|e| Error::io(context(), e))?;
        file.write_all(bytes).map_err(|e| Error::io(context(), e))
    }
}
