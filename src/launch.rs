//! Starting the console or the sandbox from the command line's options.
//!
//! This is the seam between [`crate::cli`] and the rest of the library: it reads
//! the kubeconfig, layers per-context settings from the config file, and starts
//! the pieces. Terminal handling stays in [`crate::app`].

use crate::app::{ConsoleOptions, run_console};
use crate::cli::{ConsoleArgs, DemoArgs, ExportFormat, GovernorArgs, ServeArgs};
use crate::config::LoadedConfig;
use crate::sandbox::Sandbox;
use crate::{Error, Result};
use kube::config::{KubeConfigOptions, Kubeconfig};

/// The sandbox users a kubeconfig written by the sandbox offers as contexts.
pub const SANDBOX_CONTEXTS: [&str; 4] = ["oncall-1", "oncall-2", "viewer", "payments-dev"];

/// Opens the console on a real cluster, as the kubeconfig and `args` say.
pub async fn console(args: &ConsoleArgs, config: LoadedConfig) -> Result<()> {
    let kubeconfig = read_kubeconfig(args)?;
    let context = current_context(args, &kubeconfig)?;
    let options = ConsoleOptions {
        client: client_for(&kubeconfig, &context).await?,
        kubeconfig_user: user_of(&kubeconfig, &context),
        readonly: args.readonly || context_is_readonly(&config, &context),
        namespace: args.namespace.clone(),
        context,
        kubeconfig: Some(kubeconfig),
        config,
        vault: None,
    };
    run_console(options).await
}

/// Writes the decisions recorded in the cluster since `since` (such as `24h`)
/// to standard output, as the kubeconfig and `args` select the cluster.
pub async fn audit_export(args: &ConsoleArgs, since: &str, format: ExportFormat) -> Result<usize> {
    let since = crate::audit::since_ago(since, jiff::Timestamp::now())
        .map_err(|e| invalid("--since", e))?;
    let kubeconfig = read_kubeconfig(args)?;
    let context = current_context(args, &kubeconfig)?;
    let client = client_for(&kubeconfig, &context).await?;
    let stdout = std::io::stdout();
    crate::audit::export_from_cluster(&client, since, format, stdout.lock()).await
}

/// Runs the governor on a real cluster until interrupted (Ctrl-C or SIGTERM).
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
pub async fn governor(
    args: &ConsoleArgs,
    governor_args: &GovernorArgs,
    config: &LoadedConfig,
) -> Result<()> {
    if args.readonly || args.namespace.is_some() {
        return Err(invalid(
            "governor",
            "--readonly and --namespace are console options; the governor watches every namespace and writes decisions",
        ));
    }
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
    let (metrics_addr, listener) =
        crate::governor::metrics::serve(governor_args.metrics_addr, metrics.clone())
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
    tokio::select! {
        () = crate::governor::run_replica(client, vault, metrics, leadership.leading()) => {}
        () = wait_for_interrupt() => eprintln!("kubevigil governor: stopping"),
    }
    leadership.resign().await;
    listener.abort();
    Ok(())
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
async fn governor_client(args: &ConsoleArgs) -> Result<kube::Client> {
    let explicit = args.kubeconfig.is_some() || args.context.is_some();
    match read_kubeconfig(args) {
        Ok(kubeconfig) => {
            let context = current_context(args, &kubeconfig)?;
            client_for(&kubeconfig, &context).await
        }
        Err(no_kubeconfig) if !explicit => {
            let config = kube::Config::incluster().map_err(|e| {
                invalid(
                    "governor",
                    format!("{no_kubeconfig}; and not in a Pod either ({e})"),
                )
            })?;
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
pub async fn demo(args: &DemoArgs, console_args: &ConsoleArgs, config: LoadedConfig) -> Result<()> {
    let bao = sandbox_bao(args.sandbox.bao.as_deref())?;
    let sandbox = Sandbox::start_with_vault(args.sandbox.options(0), bao.as_deref()).await?;
    let kubeconfig = Kubeconfig::from_yaml(&sandbox.api().kubeconfig_yaml(&args.user))
        .map_err(|e| invalid("sandbox kubeconfig", e))?;
    let options = ConsoleOptions {
        client: client_for(&kubeconfig, &args.user).await?,
        context: args.user.clone(),
        kubeconfig_user: user_of(&kubeconfig, &args.user),
        kubeconfig: Some(kubeconfig),
        namespace: console_args.namespace.clone(),
        readonly: console_args.readonly || context_is_readonly(&config, &args.user),
        config,
        vault: sandbox.vault_settings().cloned(),
    };
    let outcome = run_console(options).await;
    sandbox.shutdown().await;
    outcome
}

/// Runs the sandbox without a console until interrupted (Ctrl-C or SIGTERM).
pub async fn serve(args: &ServeArgs) -> Result<()> {
    let bao = sandbox_bao(args.sandbox.bao.as_deref())?;
    let sandbox =
        Sandbox::start_with_vault(args.sandbox.options(args.port), bao.as_deref()).await?;
    sandbox.write_kubeconfig(&args.kubeconfig_out, "oncall-1")?;
    println!(
        "kubevigil sandbox: Kubernetes API emulator on {}",
        sandbox.api().url()
    );
    println!("kubeconfig:       {}", args.kubeconfig_out.display());
    println!("contexts:         {}", SANDBOX_CONTEXTS.join(", "));
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
    println!("Press Ctrl-C to stop.");
    wait_for_interrupt().await;
    println!("kubevigil sandbox: stopping");
    sandbox.shutdown().await;
    Ok(())
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

fn read_kubeconfig(args: &ConsoleArgs) -> Result<Kubeconfig> {
    match &args.kubeconfig {
        Some(path) => Kubeconfig::read_from(path),
        None => Kubeconfig::read(),
    }
    .map_err(|e| invalid("kubeconfig", e))
}

fn current_context(args: &ConsoleArgs, kubeconfig: &Kubeconfig) -> Result<String> {
    args.context
        .clone()
        .or_else(|| kubeconfig.current_context.clone())
        .ok_or_else(|| invalid("kubeconfig", "no current context: pass --context NAME"))
}

async fn client_for(kubeconfig: &Kubeconfig, context: &str) -> Result<kube::Client> {
    let options = KubeConfigOptions {
        context: Some(context.to_string()),
        ..Default::default()
    };
    let config = kube::Config::from_custom_kubeconfig(kubeconfig.clone(), &options)
        .await
        .map_err(|e| invalid("kubeconfig", e))?;
    Ok(kube::Client::try_from(config)?)
}

fn context_is_readonly(config: &LoadedConfig, context: &str) -> bool {
    config
        .config
        .contexts
        .get(context)
        .is_some_and(|c| c.readonly)
}

fn user_of(kubeconfig: &Kubeconfig, context: &str) -> Option<String> {
    kubeconfig
        .contexts
        .iter()
        .find(|c| c.name == context)
        .and_then(|c| c.context.as_ref())
        .and_then(|c| c.user.clone())
}

async fn wait_for_interrupt() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = tokio::signal::ctrl_c() => {}
                    _ = term.recv() => {}
                }
            }
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}

fn invalid(field: &str, reason: impl std::fmt::Display) -> Error {
    Error::Invalid {
        field: field.to_string(),
        reason: reason.to_string(),
    }
}
