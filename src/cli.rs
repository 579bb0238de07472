//! The command line: what the `kubevigil` binary accepts.

pub use crate::audit::ExportFormat;
use crate::config::NamespaceScope;
pub use crate::transcript::TranscriptFormat;
use clap::{Args, Parser, Subcommand};
use std::ops::RangeInclusive;
use std::path::PathBuf;

/// The speeds `--speed` accepts: from a tenth of real time to a hundred times it.
pub const SPEED_RANGE: RangeInclusive<f64> = 0.1..=100.0;

/// A floating-point flag: a finite number in `range`.
fn finite_in(text: &str, range: &RangeInclusive<f64>) -> Result<f64, String> {
    let value: f64 = text
        .trim()
        .parse()
        .map_err(|_| "not a number".to_string())?;
    if value.is_nan() {
        return Err("NaN is not a number".into());
    }
    if value.is_infinite() {
        return Err("must be finite".into());
    }
    if !range.contains(&value) {
        return Err(format!(
            "must be between {} and {}",
            range.start(),
            range.end()
        ));
    }
    Ok(value)
}

fn parse_speed(text: &str) -> Result<f64, String> {
    finite_in(text, &SPEED_RANGE)
}

fn parse_scope(text: &str) -> Result<NamespaceScope, String> {
    text.parse()
}

/// The name usage lines give the program: `kubectl vigil` when it runs as
/// the kubectl plugin (`kubectl vigil ...` executes `kubectl-vigil`, a
/// symlink or copy of this binary), else `kubevigil`.
pub fn invoked_name(argv0: Option<&std::ffi::OsStr>) -> &'static str {
    let file = argv0
        .map(std::path::Path::new)
        .and_then(|path| path.file_stem())
        .and_then(|stem| stem.to_str());
    match file {
        Some(name) if name.starts_with("kubectl-") => "kubectl vigil",
        _ => "kubevigil",
    }
}

/// The command line as clap builds it, its usage lines naming the program
/// as it was invoked ([`invoked_name`]).
pub fn command_named(name: &'static str) -> clap::Command {
    use clap::CommandFactory;
    Cli::command().bin_name(name).display_name(name)
}

/// Writes the completion script for `shell` to `out`.
pub fn write_completions(shell: clap_complete::Shell, out: &mut dyn std::io::Write) {
    let mut command = command_named("kubevigil");
    clap_complete::generate(shell, &mut command, "kubevigil", out);
}

/// The manual page of `kubevigil` (roff).
pub fn man_page() -> std::io::Result<Vec<u8>> {
    let mut page = Vec::new();
    clap_mangen::Man::new(command_named("kubevigil")).render(&mut page)?;
    Ok(page)
}

/// Writes `kubevigil.1` and one page per subcommand into `dir`.
pub fn write_man_pages(dir: &std::path::Path) -> std::io::Result<()> {
    std::fs::create_dir_all(dir)?;
    clap_mangen::generate_to(command_named("kubevigil"), dir)
}

/// Supervise autonomous AI troubleshooting agents running as Kubernetes Jobs.
#[derive(Debug, Parser)]
#[command(
    name = "kubevigil",
    version,
    about,
    long_about = None,
    args_conflicts_with_subcommands = true
)]
pub struct Cli {
    /// Options for the console on a real cluster (used when no subcommand is given).
    #[command(flatten)]
    pub console: ConsoleArgs,
    /// What to do; without one, open the console on the current kube context.
    #[command(subcommand)]
    pub command: Option<Command>,
}

/// Which cluster: the kubeconfig and the context in it.
#[derive(Debug, Args, Clone, Default)]
pub struct ClusterArgs {
    /// The kubeconfig file, instead of $KUBECONFIG (a list of files, merged
    /// as kubectl merges them) or ~/.kube/config.
    #[arg(long, value_name = "FILE")]
    pub kubeconfig: Option<PathBuf>,
    /// The kube context to use (default: the kubeconfig's current context).
    #[arg(long, value_name = "NAME")]
    pub context: Option<String>,
}

/// Which namespaces: `-n NAME`, `-n all` or `-A`.
#[derive(Debug, Args, Clone, Default)]
pub struct ScopeArgs {
    /// Only this namespace; `all` for every namespace (a namespace really
    /// named all: namespace/all). Default: the context's namespace, else all.
    #[arg(short, long, value_name = "NAME", value_parser = parse_scope)]
    pub namespace: Option<NamespaceScope>,
    /// Every namespace (the same as -n all).
    #[arg(short = 'A', long, conflicts_with = "namespace")]
    pub all_namespaces: bool,
}

impl ScopeArgs {
    /// The scope asked for on the command line, if any.
    pub fn requested(&self) -> Option<NamespaceScope> {
        if self.all_namespaces {
            Some(NamespaceScope::All)
        } else {
            self.namespace.clone()
        }
    }
}

/// What the console opens first: a deep link, as an alert's runbook can carry it.
#[derive(Debug, Args, Clone, Default)]
pub struct OpenArgs {
    /// Open this investigation as soon as it is listed.
    #[arg(long, value_name = "ID", value_parser = crate::app::state::DeepLink::investigation, conflicts_with = "proposal")]
    pub investigation: Option<crate::app::state::DeepLink>,
    /// Open this proposal (NAMESPACE/NAME) as soon as it is listed, over its investigation.
    #[arg(long, value_name = "NS/NAME", value_parser = crate::app::state::DeepLink::proposal)]
    pub proposal: Option<crate::app::state::DeepLink>,
}

impl OpenArgs {
    /// The deep link asked for, if any.
    pub fn link(&self) -> Option<crate::app::state::DeepLink> {
        self.investigation.clone().or_else(|| self.proposal.clone())
    }
}

/// Options of the console on a real cluster.
#[derive(Debug, Args, Clone, Default)]
pub struct ConsoleArgs {
    /// The kubeconfig and context.
    #[command(flatten)]
    pub cluster: ClusterArgs,
    /// The namespaces watched at start (`:ns` changes them).
    #[command(flatten)]
    pub scope: ScopeArgs,
    /// Remove every write key; the header says READ-ONLY.
    #[arg(long)]
    pub readonly: bool,
    /// A deep link to open first.
    #[command(flatten)]
    pub open: OpenArgs,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Open the console on the embedded sandbox: no cluster needed.
    Demo(DemoArgs),
    /// Run the embedded sandbox without a console.
    Sandbox {
        /// What to do with the sandbox.
        #[command(subcommand)]
        command: SandboxCommand,
    },
    /// Run the governor on a real cluster until interrupted: judge new
    /// proposals by their namespace's TrustPolicy, expire undecided ones, and
    /// with Vault (VAULT_ADDR, ...) mint rule approvals' credentials and revoke
    /// expiries'. Uses --kubeconfig and --context, else the in-cluster service account.
    /// Run several replicas: they elect a leader through a Lease and only it acts.
    Governor(GovernorArgs),
    /// Print both CustomResourceDefinitions as YAML, ready for `kubectl apply -f -`.
    Crds,
    /// Print where kubevigil reads its configuration and themes and writes its audit log.
    Paths,
    /// Work with the audit trail.
    Audit {
        /// What to do with the audit trail.
        #[command(subcommand)]
        command: AuditCommand,
    },
    /// Work with one investigation.
    Investigation {
        /// What to do with the investigation.
        #[command(subcommand)]
        command: InvestigationCommand,
    },
    /// Print a shell completion script: `source <(kubevigil completions bash)`.
    Completions {
        /// The shell.
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Print the manual page (roff), or write one page per command into a directory.
    Man {
        /// Write kubevigil.1, kubevigil-demo.1, ... into this directory instead.
        #[arg(long, value_name = "DIR")]
        dir: Option<PathBuf>,
    },
}

/// `kubevigil investigation ...`.
#[derive(Debug, Subcommand)]
pub enum InvestigationCommand {
    /// Write the whole investigation for a post-mortem to standard output:
    /// trigger, reasoning, proposals with the actions that run, every
    /// decision with who and why, credentials and the outcome, sanitized.
    Export {
        /// The investigation id (its Job's kubevigil.io/investigation label).
        id: String,
        /// The kubeconfig and context.
        #[command(flatten)]
        cluster: ClusterArgs,
        /// Where to look for it (default: the context's namespace, else every namespace).
        #[command(flatten)]
        scope: ScopeArgs,
        /// Output format.
        #[arg(long, value_enum, default_value_t = TranscriptFormat::Md)]
        format: TranscriptFormat,
    },
}

/// Options of `kubevigil governor`.
#[derive(Debug, Args, Clone)]
pub struct GovernorArgs {
    /// The cluster (without a kubeconfig: the in-cluster service account).
    #[command(flatten)]
    pub cluster: ClusterArgs,
    /// Where to serve /metrics (Prometheus), /healthz and /readyz.
    #[arg(long, default_value = crate::governor::metrics::DEFAULT_METRICS_ADDR)]
    pub metrics_addr: std::net::SocketAddr,
    /// How long the leader's Lease holds without renewal, in seconds: a dead
    /// leader is replaced within about this.
    #[arg(long, default_value_t = 15, value_parser = clap::value_parser!(u64).range(2..=3600))]
    pub lease_duration: u64,
    /// The namespace of the governor's Lease (in a Pod: its own namespace).
    #[arg(long, env = "POD_NAMESPACE", default_value = crate::governor::leader::DEFAULT_LEASE_NAMESPACE)]
    pub lease_namespace: String,
    /// This replica's name in the election (in a Pod: the Pod's name;
    /// default: the host name and process id).
    #[arg(long, env = "POD_NAME")]
    pub identity: Option<String>,
    /// A file holding the bearer token Alertmanager must send to the
    /// launcher's webhook (POST /api/v1/alerts on --metrics-addr). Without
    /// it (or --webhook-token-secret) the webhook is off.
    #[arg(long, value_name = "PATH", conflicts_with = "webhook_token_secret")]
    pub webhook_token_file: Option<std::path::PathBuf>,
    /// The Secret holding that token, as NAMESPACE/NAME[:KEY] (key default `token`).
    #[arg(long, value_name = "NS/NAME[:KEY]", value_parser = crate::launcher::TokenSource::parse_secret)]
    pub webhook_token_secret: Option<crate::launcher::TokenSource>,
    /// The most investigations the launcher runs at once in the cluster.
    #[arg(long, default_value_t = crate::launcher::DEFAULT_MAX_INVESTIGATIONS)]
    pub max_investigations: u32,
    /// How many queued investigations the launcher holds; past it the
    /// webhook answers 503 with Retry-After and Alertmanager retries.
    #[arg(long, default_value_t = crate::launcher::DEFAULT_QUEUE_BOUND, value_parser = clap::builder::RangedU64ValueParser::<usize>::new().range(1..))]
    pub queue_bound: usize,
    /// New investigations per alertname, as N/PERIOD (30/1m, 5/10s, 100/h);
    /// the excess is counted, logged and recorded as an Event.
    #[arg(long, default_value = crate::launcher::DEFAULT_ALERT_RATE)]
    pub alert_rate: crate::launcher::AlertRate,
}

impl GovernorArgs {
    /// Where the webhook's token comes from, if the webhook is on.
    pub fn webhook_token_source(&self) -> Option<crate::launcher::TokenSource> {
        self.webhook_token_file
            .clone()
            .map(crate::launcher::TokenSource::File)
            .or_else(|| self.webhook_token_secret.clone())
    }
}

/// Options of `kubevigil demo`.
#[derive(Debug, Args, Clone)]
pub struct DemoArgs {
    /// The sandbox to run.
    #[command(flatten)]
    pub sandbox: SandboxArgs,
    /// Which sandbox user the console acts as.
    #[arg(long, default_value = "oncall-1")]
    pub user: String,
    /// The namespaces watched at start (`:ns` changes them).
    #[command(flatten)]
    pub scope: ScopeArgs,
    /// Remove every write key; the header says READ-ONLY.
    #[arg(long)]
    pub readonly: bool,
    /// A deep link to open first.
    #[command(flatten)]
    pub open: OpenArgs,
}

/// What `demo` and `sandbox serve` share: the simulated world and its Vault.
#[derive(Debug, Args, Clone)]
pub struct SandboxArgs {
    /// Extra seeded investigations, running and finished, for scale (up to 100000).
    #[arg(long, default_value_t = 0, value_parser = clap::value_parser!(u32).range(0..=100_000))]
    pub investigations: u32,
    /// How fast the simulated agents think: 2 is twice as fast (0.1 to 100).
    #[arg(long, default_value_t = 1.0, value_name = "X", value_parser = parse_speed, allow_hyphen_values = true)]
    pub speed: f64,
    /// Simulated agents never crash and their writes are never denied (by
    /// default about one run in twenty fails somewhere, as real agents do).
    #[arg(long)]
    pub reliable: bool,
    /// No scenario agents and no new alerts: only the seeded history (and
    /// the governors, the launcher and Vault), for a cluster at rest.
    #[arg(long)]
    pub quiet: bool,
    /// The OpenBao binary for the sandbox's Vault (default: `bao` on PATH;
    /// without one, Vault is off).
    #[arg(long, value_name = "PATH")]
    pub bao: Option<PathBuf>,
    /// How many governor replicas run (they elect a leader through a Lease).
    #[arg(long, default_value_t = 2, value_parser = clap::value_parser!(u32).range(1..=5))]
    pub governors: u32,
    /// The governors' lease duration in seconds: a killed leader is replaced within about this.
    #[arg(long, default_value_t = 15, value_parser = clap::value_parser!(u64).range(2..=3600))]
    pub lease_duration: u64,
    /// Kill the leading governor every N seconds (a replacement starts), to
    /// watch hand-overs in the console.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..))]
    pub kill_leader_every: Option<u64>,
}

impl SandboxArgs {
    /// The sandbox with its scenarios running (unless `--quiet`), its API on
    /// `port` (0: any).
    pub fn options(&self, port: u16) -> crate::sandbox::SandboxOptions {
        crate::sandbox::SandboxOptions {
            port,
            extra_investigations: self.investigations as usize,
            speed: self.speed,
            scenarios: !self.quiet,
            flaky: !self.reliable,
            governor_replicas: self.governors as usize,
            lease_duration: std::time::Duration::from_secs(self.lease_duration),
            kill_leader_every: self.kill_leader_every.map(std::time::Duration::from_secs),
        }
    }
}

/// `kubevigil sandbox ...`.
#[derive(Debug, Subcommand)]
pub enum SandboxCommand {
    /// Serve the API emulator and simulated agents until interrupted.
    Serve(ServeArgs),
}

/// Options of `kubevigil sandbox serve`.
#[derive(Debug, Args, Clone)]
pub struct ServeArgs {
    /// Where to write the kubeconfig (contexts oncall-1, oncall-2, viewer, payments-dev).
    #[arg(long)]
    pub kubeconfig_out: PathBuf,
    /// Loopback port to listen on (0 picks a free one).
    #[arg(long, default_value_t = 0)]
    pub port: u16,
    /// The sandbox to run.
    #[command(flatten)]
    pub sandbox: SandboxArgs,
}

/// `kubevigil audit ...`.
#[derive(Debug, Subcommand)]
pub enum AuditCommand {
    /// Write the decisions and policy changes recorded in the cluster, for a
    /// post-incident review, to standard output.
    Export {
        /// The kubeconfig and context.
        #[command(flatten)]
        cluster: ClusterArgs,
        /// The namespaces whose trail is exported.
        #[command(flatten)]
        scope: ScopeArgs,
        /// How far back, such as 24h or 7d.
        #[arg(long, default_value = "24h")]
        since: String,
        /// Output format.
        #[arg(long, value_enum, default_value_t = ExportFormat::Jsonl)]
        format: ExportFormat,
    },
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn the_command_line_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn serve_needs_a_kubeconfig_path() {
        assert!(Cli::try_parse_from(["kubevigil", "sandbox", "serve"]).is_err());
        let cli = Cli::try_parse_from([
            "kubevigil",
            "sandbox",
            "serve",
            "--kubeconfig-out",
            "/tmp/k",
        ])
        .expect("parses");
        assert!(matches!(cli.command, Some(Command::Sandbox { .. })));
    }

    #[test]
    fn governor_takes_the_cluster_flags() {
        let cli = Cli::try_parse_from([
            "kubevigil",
            "governor",
            "--kubeconfig",
            "/etc/kubevigil/kubeconfig",
            "--context",
            "prod-eu",
        ])
        .expect("parses");
        let Some(Command::Governor(args)) = cli.command else {
            panic!("the governor: {:?}", cli.command);
        };
        assert_eq!(args.metrics_addr.port(), 9090);
        assert_eq!(args.lease_duration, 15);
        let cluster = args.cluster;
        assert_eq!(
            cluster.kubeconfig.as_deref(),
            Some(std::path::Path::new("/etc/kubevigil/kubeconfig"))
        );
        assert_eq!(cluster.context.as_deref(), Some("prod-eu"));
        assert!(Cli::try_parse_from(["kubevigil", "governor", "extra"]).is_err());
        assert!(Cli::try_parse_from(["kubevigil", "governor", "-n", "payments"]).is_err());
    }

    #[test]
    fn flags_are_accepted_only_by_the_commands_that_use_them() {
        for args in [
            &["kubevigil", "crds", "--context", "x"][..],
            &["kubevigil", "--context", "x", "crds"],
            &["kubevigil", "paths", "-n", "payments"],
            &["kubevigil", "-n", "payments", "paths"],
            &["kubevigil", "demo", "--kubeconfig", "/k"],
            &["kubevigil", "demo", "--context", "x"],
            &[
                "kubevigil",
                "sandbox",
                "serve",
                "--kubeconfig-out",
                "/k",
                "--readonly",
            ],
            &[
                "kubevigil",
                "sandbox",
                "serve",
                "--kubeconfig-out",
                "/k",
                "-n",
                "x",
            ],
            &["kubevigil", "audit", "export", "--readonly"],
        ] {
            assert!(
                Cli::try_parse_from(args).is_err(),
                "{args:?} must be refused"
            );
        }
        for args in [
            &[
                "kubevigil",
                "--kubeconfig",
                "/k",
                "--context",
                "x",
                "-n",
                "payments",
                "--readonly",
            ][..],
            &["kubevigil", "-A"],
            &["kubevigil", "demo", "-n", "payments", "--readonly"],
            &[
                "kubevigil",
                "audit",
                "export",
                "--kubeconfig",
                "/k",
                "--context",
                "x",
                "-n",
                "payments",
            ],
            &["kubevigil", "audit", "export", "-A"],
        ] {
            assert!(Cli::try_parse_from(args).is_ok(), "{args:?} must parse");
        }
        assert!(Cli::try_parse_from(["kubevigil", "-A", "-n", "payments"]).is_err());
    }

    #[test]
    fn namespaces_are_spelled_as_in_the_console() {
        let scope = |args: &[&str]| {
            Cli::try_parse_from(args)
                .map(|cli| cli.console.scope.requested())
                .map_err(|e| e.kind())
        };
        assert_eq!(scope(&["kubevigil"]), Ok(None));
        assert_eq!(
            scope(&["kubevigil", "-n", "all"]),
            Ok(Some(NamespaceScope::All))
        );
        assert_eq!(scope(&["kubevigil", "-A"]), Ok(Some(NamespaceScope::All)));
        assert_eq!(
            scope(&["kubevigil", "-n", "namespace/all"]),
            Ok(Some(NamespaceScope::Namespace("all".into())))
        );
        assert_eq!(
            scope(&["kubevigil", "--namespace", "payments"]),
            Ok(Some(NamespaceScope::Namespace("payments".into())))
        );
        assert!(scope(&["kubevigil", "-n", "Not_A_Namespace"]).is_err());
    }

    #[test]
    fn speed_is_a_finite_number_in_range() {
        let speed = |value: &str| {
            Cli::try_parse_from(["kubevigil", "demo", "--speed", value]).map(|cli| {
                match cli.command {
                    Some(Command::Demo(demo)) => demo.sandbox.speed,
                    _ => f64::NAN,
                }
            })
        };
        assert_eq!(speed("2").ok(), Some(2.0));
        assert_eq!(speed("0.1").ok(), Some(0.1));
        assert_eq!(speed("100").ok(), Some(100.0));
        for bad in [
            "0", "-1", "NaN", "nan", "inf", "-inf", "infinity", "1e308", "0.05", "100.5", "fast",
            "",
        ] {
            let error = speed(bad).expect_err(bad);
            assert_eq!(
                error.kind(),
                clap::error::ErrorKind::ValueValidation,
                "{bad}"
            );
        }
        let serve = Cli::try_parse_from([
            "kubevigil",
            "sandbox",
            "serve",
            "--kubeconfig-out",
            "/k",
            "--speed",
            "inf",
        ]);
        assert!(serve.is_err());
    }

    #[test]
    fn the_governor_takes_its_listener_and_lease_flags() {
        let cli = Cli::try_parse_from([
            "kubevigil",
            "governor",
            "--metrics-addr",
            "127.0.0.1:9100",
            "--lease-duration",
            "5",
            "--lease-namespace",
            "ops",
            "--identity",
            "governor-x",
        ])
        .expect("parses");
        let Some(Command::Governor(args)) = cli.command else {
            panic!("not the governor");
        };
        assert_eq!(args.metrics_addr.to_string(), "127.0.0.1:9100");
        assert_eq!(
            (args.lease_duration, args.lease_namespace.as_str()),
            (5, "ops")
        );
        assert_eq!(args.identity.as_deref(), Some("governor-x"));
        assert!(Cli::try_parse_from(["kubevigil", "governor", "--lease-duration", "1"]).is_err());
    }

    #[test]
    fn the_governor_takes_the_launcher_flags() {
        let cli = Cli::try_parse_from([
            "kubevigil",
            "governor",
            "--webhook-token-secret",
            "kubevigil-system/alertmanager-webhook",
            "--max-investigations",
            "7",
            "--queue-bound",
            "50",
            "--alert-rate",
            "5/10s",
        ])
        .expect("parses");
        let Some(Command::Governor(args)) = cli.command else {
            panic!("not the governor");
        };
        assert_eq!((args.max_investigations, args.queue_bound), (7, 50));
        assert_eq!(args.alert_rate.to_string(), "5/10s");
        assert!(matches!(
            args.webhook_token_source(),
            Some(crate::launcher::TokenSource::Secret { key, .. }) if key == "token"
        ));
        let defaults = Cli::try_parse_from(["kubevigil", "governor"]).expect("parses");
        let Some(Command::Governor(args)) = defaults.command else {
            panic!("not the governor");
        };
        assert_eq!((args.max_investigations, args.queue_bound), (20, 1000));
        assert_eq!(args.alert_rate.to_string(), "30/60s");
        assert!(args.webhook_token_source().is_none());
        for bad in [
            ["--alert-rate", "lots"],
            ["--queue-bound", "0"],
            ["--webhook-token-secret", "no-namespace"],
        ] {
            let mut argv = vec!["kubevigil", "governor"];
            argv.extend(bad);
            assert!(Cli::try_parse_from(argv).is_err(), "{bad:?}");
        }
        assert!(
            Cli::try_parse_from([
                "kubevigil",
                "governor",
                "--webhook-token-file",
                "/t",
                "--webhook-token-secret",
                "a/b"
            ])
            .is_err()
        );
    }

    #[test]
    fn serve_can_kill_the_leading_governor_now_and_then() {
        let cli = Cli::try_parse_from([
            "kubevigil",
            "sandbox",
            "serve",
            "--kubeconfig-out",
            "/tmp/k",
            "--kill-leader-every",
            "30",
        ])
        .expect("parses");
        let Some(Command::Sandbox {
            command: SandboxCommand::Serve(args),
        }) = cli.command
        else {
            panic!("not serve");
        };
        let options = args.sandbox.options(0);
        assert_eq!(
            options.kill_leader_every,
            Some(std::time::Duration::from_secs(30))
        );
        assert_eq!(options.governor_replicas, 2);
    }

    #[test]
    fn deep_links_open_an_investigation_or_a_proposal() {
        let cli =
            Cli::try_parse_from(["kubevigil", "--investigation", "oom-7f3a9c"]).expect("parses");
        assert_eq!(
            cli.console.open.link(),
            Some(crate::app::state::DeepLink::Investigation(
                "oom-7f3a9c".into()
            ))
        );
        let cli = Cli::try_parse_from(["kubevigil", "demo", "--proposal", "payments/raise-mem"])
            .expect("parses");
        let Some(Command::Demo(demo)) = cli.command else {
            panic!("demo");
        };
        assert!(demo.open.link().is_some());
        for bad in [
            &["kubevigil", "--investigation", "a b"][..],
            &["kubevigil", "--proposal", "no-namespace"],
            &["kubevigil", "--investigation", "x", "--proposal", "a/b"],
            &["kubevigil", "crds", "--investigation", "x"],
        ] {
            assert!(Cli::try_parse_from(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn demo_refuses_more_than_the_scale_limit() {
        assert!(Cli::try_parse_from(["kubevigil", "demo", "--investigations", "100001"]).is_err());
    }
}
