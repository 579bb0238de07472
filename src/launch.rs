//! Starting the console or the sandbox from the command line's options.
//!
//! This is the seam between [`crate::cli`] and the rest of the library: it reads
//! the kubeconfig, layers per-context settings from the config file, and starts
//! the pieces. Terminal handling stays in [`crate::app`].

use crate::cli::{
    ClusterArgs, ConsoleArgs, DemoArgs, ExportFormat, GovernorArgs, ScopeArgs, ServeArgs,
    TranscriptFormat,
};
use crate::config::kubeconfig::{context_namespace, context_server, context_user};
use crate::config::{KubeconfigFiles, LoadedConfig, NamespaceScope};
use crate::console::{ConsoleOptions, run_console};
use crate::error::KubeCause;
use crate::sandbox::Sandbox;
use crate::{Error, Result};
use kube::config::{KubeConfigOptions, Kubeconfig};

/// The cluster the command line chose: the kubeconfig as read, the context,
/// its API server and a client.
struct Target {
    files: KubeconfigFiles,
    kubeconfig: Kubeconfig,
    context: String,
    server: String,
    client: kube::Client,
}

impl Target {
    /// Reads the kubeconfig (`--kubeconfig`, else `KUBECONFIG`, else
    /// `~/.kube/config`) and makes a client for the chosen context.
    async fn choose(args: &ClusterArgs) -> Result<Target> {
        let files = KubeconfigFiles::discover(args.kubeconfig.clone());
        let kubeconfig = files.read()?;
        let context = current_context(args, &kubeconfig)?;
        let server = context_server(&kubeconfig, &context).unwrap_or_default();
        let client = client_for(&kubeconfig, &context).await?;
        Ok(Target {
            files,
            kubeconfig,
            context,
            server,
            client,
        })
    }

    /// The namespace to start in: `-n`/`-A` when given, else the context's
    /// namespace, else every namespace (`None`).
    fn namespace(&self, scope: &ScopeArgs) -> Option<String> {
        starting_namespace(scope, &self.kubeconfig, &self.context)
    }

    /// `error` said for the operator: the server, the cause and what to try.
    fn explain(&self, error: &kube::Error, namespace: Option<&str>) -> Error {
        explain(
            &self.server,
            &self.context,
            context_user(&self.kubeconfig, &self.context).as_deref(),
            KubeCause::of(error),
            namespace,
        )
    }

    /// Checks that the server is a Kubernetes API the credentials open
    /// (`GET /api`), so that an empty answer later means "nothing recorded".
    async fn probe(&self) -> Result<()> {
        match self.client.list_core_api_versions().await {
            Ok(_) => Ok(()),
            Err(error) => {
                let cause = match KubeCause::of(&error) {
                    // Every Kubernetes API serves /api: a 404 there, or an
                    // answer that is no API document, is something else.
                    KubeCause::NotKubernetes(_) | KubeCause::Status { code: 404, .. } => {
                        KubeCause::NotKubernetes(match &error {
                            kube::Error::Api(status) => format!(
                                "GET /api answered {}",
                                crate::error::code_text(status.code)
                            ),
                            _ => "GET /api did not answer with a Kubernetes API document".into(),
                        })
                    }
                    cause => cause,
                };
                Err(explain(
                    &self.server,
                    &self.context,
                    context_user(&self.kubeconfig, &self.context).as_deref(),
                    cause,
                    None,
                ))
            }
        }
    }
}

/// The scope to start in: `-n`/`-A` when given, else the context's
/// namespace, else every namespace (`None`).
fn starting_namespace(scope: &ScopeArgs, kubeconfig: &Kubeconfig, context: &str) -> Option<String> {
    match scope.requested() {
        Some(requested) => requested.into_namespace(),
        None => context_namespace(kubeconfig, context),
    }
}

/// A failed call to the cluster at `server` (a URL), in the operator's words.
fn explain(
    server: &str,
    context: &str,
    user: Option<&str>,
    cause: KubeCause,
    namespace: Option<&str>,
) -> Error {
    let at = host_port(server);
    let (message, hint) = match &cause {
        KubeCause::Refused | KubeCause::Timeout | KubeCause::UnknownHost | KubeCause::Tls(_) => (
            format!("cannot reach the Kubernetes API at {at} (context \"{context}\"): {cause}"),
            Some(format!(
                "is the cluster up, and is {server} the right server for context \"{context}\"?"
            )),
        ),
        KubeCause::Unauthorized => (
            format!(
                "{at} (context \"{context}\") rejected the credentials{}: Unauthorized (401)",
                user.map(|u| format!(" of user \"{u}\"")).unwrap_or_default()
            ),
            Some(
                "the token or certificate may have expired or been replaced (a restarted sandbox writes new ones): refresh the kubeconfig"
                    .into(),
            ),
        ),
        KubeCause::Forbidden(_) => (
            cause.to_string(),
            namespace.is_none().then(|| {
                format!(
                    "{} may not read every namespace: pass -n NAMESPACE for one it may read",
                    user.map(|u| format!("user \"{u}\"")).unwrap_or_else(|| "this user".into())
                )
            }),
        ),
        KubeCause::NotKubernetes(what) => (
            format!("{at} is not a Kubernetes API: {what}"),
            Some(format!(
                "context \"{context}\" names {server} as its server: check the kubeconfig"
            )),
        ),
        KubeCause::Status { .. } | KubeCause::Other(_) => (format!("{at}: {cause}"), None),
    };
    Error::Cluster { message, hint }
}

/// `host:port` of a server URL, the port filled in from the scheme.
fn host_port(server: &str) -> String {
    let Ok(uri) = server.parse::<http::Uri>() else {
        return server.to_string();
    };
    let Some(host) = uri.host() else {
        return server.to_string();
    };
    let port = uri.port_u16().unwrap_or(match uri.scheme_str() {
        Some("http") => 80,
        _ => 443,
    });
    format!("{host}:{port}")
}

/// Opens the console on a real cluster, as the kubeconfig and `args` say.
pub async fn console(args: &ConsoleArgs, config: LoadedConfig) -> Result<()> {
    crate::tui::require_terminal()?;
    let target = Target::choose(&args.cluster).await?;
    let namespace = target.namespace(&args.scope);
    crate::audit::set_audit_cluster(Some(&target.context), Some(&target.server));
    let options = ConsoleOptions {
        client: target.client,
        kubeconfig_user: context_user(&target.kubeconfig, &target.context),
        readonly: args.readonly || context_is_readonly(&config, &target.context),
        namespace,
        context: target.context,
        kubeconfig: Some(target.kubeconfig),
        kubeconfig_files: Some(target.files),
        config,
        vault: None,
        vault_starting: false,
        open: args.open.link(),
        sandbox: false,
    };
    run_console(options).await
}

/// Writes the decisions recorded in the cluster since `since` (such as
/// `24h`) to standard output: of the namespace `-n` names, else of the
/// context's namespace, else of every namespace. Says on stderr how many
/// records it wrote, and from where.
pub async fn audit_export(
    cluster: &ClusterArgs,
    scope: &ScopeArgs,
    since: &str,
    format: ExportFormat,
) -> Result<()> {
    let since = crate::audit::since_ago(since, jiff::Timestamp::now())
        .map_err(|e| invalid("--since", e))?;
    let target = Target::choose(cluster).await?;
    let namespace = target.namespace(scope);
    target.probe().await?;
    let stdout = std::io::stdout();
    let written = crate::audit::export_scoped(
        &target.client,
        namespace.as_deref(),
        Some(&target.server),
        since,
        format,
        stdout.lock(),
    )
    .await
    .map_err(|error| match error {
        Error::Kube(kube) => target.explain(&kube, namespace.as_deref()),
        other => other,
    })?;
    let plural = if written == 1 { "" } else { "s" };
    let from = match &namespace {
        Some(ns) => format!("namespace {}", NamespaceScope::Namespace(ns.clone())),
        None => "all namespaces".to_string(),
    };
    eprintln!(
        "kubevigil: exported {written} audit record{plural} from {from} of {}",
        host_port(&target.server)
    );
    Ok(())
}

/// Writes the transcript of investigation `id` (`kubevigil investigation
/// export`) to standard output: looked for in `-n`/`-A`, else the context's
/// namespace, else every namespace.
pub async fn investigation_export(
    cluster: &ClusterArgs,
    scope: &ScopeArgs,
    id: &str,
    format: TranscriptFormat,
) -> Result<()> {
    let target = Target::choose(cluster).await?;
    let namespace = target.namespace(scope);
    target.probe().await?;
    let transcript = crate::transcript::collect(
        &target.client,
        namespace.as_deref(),
        id,
        Some(&target.server),
    )
    .await
    .map_err(|error| match error {
        Error::Kube(kube) => target.explain(&kube, namespace.as_deref()),
        other => other,
    })?;
    let stdout = std::io::stdout();
    match crate::transcript::write(&transcript, format, stdout.lock()) {
        Err(Error::Io { source, .. }) if source.kind() == std::io::ErrorKind::BrokenPipe => {}
        written => written?,
    }
    eprintln!(
        "kubevigil: wrote the transcript of investigation {} ({} reasoning events, {} proposals, {} audit records) from {}",
        crate::sanitize::sanitize(id),
        transcript.reasoning.events.len(),
        transcript.proposals.len(),
        transcript.audit.len(),
        host_port(&target.server)
    );
    Ok(())
}

/// Runs the governor on a real cluster until interrupted (Ctrl-C, SIGTERM
/// or SIGHUP; the process then exits with 128 + the signal).
///
/// The cluster is the one `--kubeconfig`/`--context` select, as for the
/// console; without a kubeconfig (a Pod), the in-cluster service account.
/// Vault is found as the console finds it ([`crate::vault::Vault::from_env`]);
/// without it the governor still decides, and says on stderr that no
/// credentials will be minted. Logs go to stderr (`RUST_LOG`, default `info`).
///
/// It joins the leader election on the governor Lease (`--lease-namespace`,
/// `--identity`, `--lease-duration`) and acts only while it leads; it serves
/// `/metrics`, `/healthz` and `/readyz` on `--metrics-addr` either way. On
/// Ctrl-C or SIGTERM it frees the Lease so another replica takes over at once.
pub async fn governor(governor_args: &GovernorArgs, config: &LoadedConfig) -> Result<()> {
    let args = &governor_args.cluster;
    log_to_stderr();
    let client = governor_client(args).await?;
    let vault = crate::vault::Vault::from_env(&config.config.vault)
        .map_err(|e| invalid("vault", e))?
        .map(std::sync::Arc::new);
    match &vault {
        Some(vault) => eprintln!("kubevigil governor: Vault at {}", vault.addr()),
        None => eprintln!("kubevigil governor: {}", crate::vault::VAULT_OFF),
    }
    let metrics = crate::governor::Metrics::new();
    let launcher = governor_launcher(governor_args, &client, vault.clone(), &metrics).await?;
    let routes = launcher
        .as_ref()
        .map(crate::launcher::Launcher::router)
        .unwrap_or_default();
    let (metrics_addr, listener) =
        crate::governor::metrics::serve_with(governor_args.metrics_addr, metrics.clone(), routes)
            .await
            .map_err(|e| invalid("--metrics-addr", e))?;
    let identity = governor_args
        .identity
        .clone()
        .unwrap_or_else(default_identity);
    let election = crate::governor::leader::Election {
        namespace: governor_args.lease_namespace.clone(),
        lease: crate::governor::leader::GOVERNOR_LEASE.to_string(),
        identity: identity.clone(),
        duration: std::time::Duration::from_secs(governor_args.lease_duration),
    };
    eprintln!(
        "kubevigil governor: {identity}, Lease {}/{} ({} s); metrics on http://{metrics_addr}/metrics",
        election.namespace, election.lease, governor_args.lease_duration
    );
    let leadership = crate::governor::leader::join(client.clone(), election);
    eprintln!("kubevigil governor: running; Ctrl-C to stop");
    let replica = async {
        match launcher {
            Some(launcher) => {
                crate::governor::run_replica_with_launcher(
                    client,
                    vault,
                    metrics,
                    leadership.leading(),
                    launcher,
                )
                .await;
            }
            None => {
                crate::governor::run_replica(client, vault, metrics, leadership.leading()).await;
            }
        }
    };
    tokio::select! {
        () = replica => {}
        _ = crate::tui::wait_for_termination() => eprintln!("kubevigil governor: stopping"),
    }
    leadership.resign().await;
    listener.abort();
    Ok(())
}

/// The alert launcher of `kubevigil governor`, when a webhook token is
/// configured (`--webhook-token-file` or `--webhook-token-secret`); without
/// one it says on stderr that the webhook is off.
async fn governor_launcher(
    args: &GovernorArgs,
    client: &kube::Client,
    vault: Option<std::sync::Arc<crate::vault::Vault>>,
    metrics: &crate::governor::Metrics,
) -> Result<Option<crate::launcher::Launcher>> {
    let Some(source) = args.webhook_token_source() else {
        eprintln!(
            "kubevigil governor: the alert webhook is off (no --webhook-token-file or --webhook-token-secret)"
        );
        return Ok(None);
    };
    let token = crate::launcher::load_token(client, &source)
        .await
        .map_err(|e| invalid("--webhook-token-file/--webhook-token-secret", e))?;
    let mut config = crate::launcher::LauncherConfig::new(token);
    config.max_investigations = args.max_investigations;
    config.queue_bound = args.queue_bound;
    config.alert_rate = args.alert_rate;
    config.event_namespace = args.lease_namespace.clone();
    eprintln!(
        "kubevigil governor: alert webhook on {}{} (cluster cap {}, queue bound {}, {} per alertname)",
        args.metrics_addr,
        crate::launcher::WEBHOOK_PATH,
        config.max_investigations,
        config.queue_bound,
        config.alert_rate
    );
    Ok(Some(crate::launcher::Launcher::new(
        client.clone(),
        vault,
        config,
        metrics,
    )))
}

/// The election identity without `--identity` or `POD_NAME`: the host name
/// and the process id.
fn default_identity() -> String {
    let host = std::fs::read_to_string("/proc/sys/kernel/hostname")
        .ok()
        .map(|h| h.trim().to_string())
        .filter(|h| !h.is_empty())
        .or_else(|| std::env::var("HOSTNAME").ok())
        .unwrap_or_else(|| "kubevigil".to_string());
    format!("{host}-{}", std::process::id())
}

/// The governor's client: the kubeconfig's, or in a Pod without one, the
/// in-cluster service account's.
async fn governor_client(args: &ClusterArgs) -> Result<kube::Client> {
    let explicit = args.kubeconfig.is_some() || args.context.is_some();
    match Target::choose(args).await {
        Ok(target) => {
            crate::audit::set_audit_cluster(Some(&target.context), Some(&target.server));
            Ok(target.client)
        }
        Err(no_kubeconfig @ Error::Kubeconfig(crate::config::KubeconfigError::Missing(_)))
            if !explicit =>
        {
            let config = kube::Config::incluster().map_err(|e| {
                invalid(
                    "governor",
                    format!("{no_kubeconfig}; and not in a Pod either ({e})"),
                )
            })?;
            crate::audit::set_audit_cluster(None, Some(&config.cluster_url.to_string()));
            Ok(kube::Client::try_from(config)?)
        }
        Err(error) => Err(error),
    }
}

/// Sends `tracing` output to stderr, filtered by `RUST_LOG` (default `info`).
fn log_to_stderr() {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .try_init();
}

/// Starts the sandbox in-process and opens the console on it as `args.user`.
/// Its decisions go to the demo's own audit log (`kubevigil paths`), never
/// to the one of real clusters.
pub async fn demo(args: &DemoArgs, config: LoadedConfig) -> Result<()> {
    crate::tui::require_terminal()?;
    let paths = crate::config::ConfigPaths::discover().ok_or_else(|| {
        invalid(
            "demo",
            "there is no home or data directory for its audit log; set XDG_DATA_HOME",
        )
    })?;
    crate::audit::use_audit_file(paths.demo_audit_log);
    let bao = sandbox_bao(args.sandbox.bao.as_deref())?;
    // OpenBao starts beside the console: the first frame does not wait for it.
    let sandbox =
        Sandbox::start_vault_in_background(args.sandbox.options(0), bao.as_deref()).await?;
    let kubeconfig = Kubeconfig::from_yaml(&sandbox.api().kubeconfig_yaml(&args.user))
        .map_err(|e| invalid("sandbox kubeconfig", e))?;
    let server = context_server(&kubeconfig, &args.user).unwrap_or_else(|| sandbox.api().url());
    crate::audit::set_audit_cluster(Some(&args.user), Some(&server));
    let options = ConsoleOptions {
        client: client_for(&kubeconfig, &args.user).await?,
        context: args.user.clone(),
        kubeconfig_user: context_user(&kubeconfig, &args.user),
        namespace: starting_namespace(&args.scope, &kubeconfig, &args.user),
        kubeconfig: Some(kubeconfig),
        kubeconfig_files: None,
        readonly: args.readonly || context_is_readonly(&config, &args.user),
        config,
        vault: sandbox.vault_settings().cloned(),
        vault_starting: !sandbox.is_vault_ready(),
        open: args.open.link(),
        sandbox: true,
    };
    let outcome = run_console(options).await;
    sandbox.shutdown().await;
    outcome
}

/// Runs the sandbox without a console until interrupted (Ctrl-C, SIGTERM or
/// SIGHUP; the process then exits with 128 + the signal).
pub async fn serve(args: &ServeArgs) -> Result<()> {
    let bao = sandbox_bao(args.sandbox.bao.as_deref())?;
    let sandbox =
        Sandbox::start_with_vault(args.sandbox.options(args.port), bao.as_deref()).await?;
    let current = "oncall-1";
    sandbox.write_kubeconfig(&args.kubeconfig_out, current)?;
    println!(
        "kubevigil sandbox: Kubernetes API emulator on {}",
        sandbox.api().url()
    );
    println!("kubeconfig:       {}", args.kubeconfig_out.display());
    println!(
        "contexts:         {}",
        contexts_line(&sandbox.kubeconfig_contexts()?, current)
    );
    println!(
        "try:              KUBECONFIG={} kubectl get jobs,ap -A",
        args.kubeconfig_out.display()
    );
    match sandbox.vault_settings() {
        Some(vault) => {
            println!("vault:            OpenBao dev server at {}", vault.addr);
            println!(
                "                  VAULT_ADDR={} VAULT_TOKEN={}",
                vault.addr, vault.token
            );
        }
        None => println!(
            "vault:            {} (no bao on PATH; pass --bao PATH)",
            crate::vault::VAULT_OFF
        ),
    }
    for replica in sandbox.governors().replicas() {
        let addr = replica.metrics_addr.map_or_else(
            || "no listener".to_string(),
            |a| format!("http://{a}/metrics"),
        );
        println!("governor:         {} ({addr})", replica.identity);
    }
    if let Some(every) = args.sandbox.kill_leader_every {
        println!("                  the leading governor is killed every {every} s");
    }
    println!(
        "alerts:           POST Alertmanager webhooks to the leading governor's {} with Authorization: Bearer {}",
        crate::launcher::WEBHOOK_PATH,
        sandbox.governors().webhook_token()
    );
    println!("Press Ctrl-C to stop.");
    crate::tui::wait_for_termination().await;
    println!("kubevigil sandbox: stopping");
    sandbox.shutdown().await;
    Ok(())
}

/// Every context of the sandbox's kubeconfig, `current` marked, with its
/// namespace where it is not `default`.
fn contexts_line(contexts: &[(String, Option<String>)], current: &str) -> String {
    let described: Vec<String> = contexts
        .iter()
        .map(|(name, namespace)| {
            let mut notes = Vec::new();
            if name == current {
                notes.push("current".to_string());
            }
            if let Some(namespace) = namespace.as_deref().filter(|ns| *ns != "default") {
                notes.push(format!("namespace {namespace}"));
            }
            if notes.is_empty() {
                name.clone()
            } else {
                format!("{name} ({})", notes.join(", "))
            }
        })
        .collect();
    described.join(", ")
}

/// The `bao` binary for the sandbox: `--bao PATH` (which must be executable)
/// or `bao` on PATH; `None` runs the sandbox with Vault off.
fn sandbox_bao(explicit: Option<&std::path::Path>) -> Result<Option<std::path::PathBuf>> {
    match explicit {
        Some(path) => crate::vault::find_bao(Some(path)).map(Some).ok_or_else(|| {
            invalid(
                "--bao",
                format!("{} is not an executable file", path.display()),
            )
        }),
        None => Ok(crate::vault::find_bao(None)),
    }
}

fn current_context(args: &ClusterArgs, kubeconfig: &Kubeconfig) -> Result<String> {
    let context = args
        .context
        .clone()
        .or_else(|| kubeconfig.current_context.clone())
        .filter(|c| !c.is_empty())
        .ok_or_else(|| invalid("kubeconfig", "no current context: pass --context NAME"))?;
    if kubeconfig.contexts.iter().any(|c| c.name == context) {
        Ok(context)
    } else if args.context.is_some() {
        Err(invalid(
            "--context",
            format!("no context named \"{context}\" in the kubeconfig"),
        ))
    } else {
        Err(invalid(
            "kubeconfig",
            format!(
                "its current-context \"{context}\" is not one of its contexts: pass --context NAME"
            ),
        ))
    }
}

async fn client_for(kubeconfig: &Kubeconfig, context: &str) -> Result<kube::Client> {
    let options = KubeConfigOptions {
        context: Some(context.to_string()),
        ..Default::default()
    };
    let config = kube::Config::from_custom_kubeconfig(kubeconfig.clone(), &options)
        .await
        .map_err(|e| invalid("kubeconfig", format!("context \"{context}\": {e}")))?;
    Ok(kube::Client::try_from(config)?)
}

fn context_is_readonly(config: &LoadedConfig, context: &str) -> bool {
    config
        .config
        .contexts
        .get(context)
        .is_some_and(|c| c.readonly)
}

fn invalid(field: &str, reason: impl std::fmt::Display) -> Error {
    Error::Invalid {
        field: field.to_string(),
        reason: reason.to_string(),
    }
}
