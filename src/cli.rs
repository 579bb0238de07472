//! The command line: what the `kubevigil` binary accepts.

pub use crate::audit::ExportFormat;
use clap::{Args, Parser, Subcommand};
use std::path::PathBuf;

/// Supervise autonomous AI troubleshooting agents running as Kubernetes Jobs.
#[derive(Debug, Parser)]
#[command(name = "kubevigil", version, about, long_about = None)]
pub struct Cli {
    /// Options for the console on a real cluster (used when no subcommand is given).
    #[command(flatten)]
    pub console: ConsoleArgs,
    /// What to do; without one, open the console on the current kube context.
    #[command(subcommand)]
    pub command: Option<Command>,
}

/// Options of the console on a real cluster.
#[derive(Debug, Args, Clone, Default)]
pub struct ConsoleArgs {
    /// Path of the kubeconfig file (default: $KUBECONFIG, then ~/.kube/config).
    #[arg(long, global = true, env = "KUBECONFIG")]
    pub kubeconfig: Option<PathBuf>,
    /// The kube context to use (default: the current context).
    #[arg(long, global = true)]
    pub context: Option<String>,
    /// Watch only this namespace (default: all namespaces).
    #[arg(short, long, global = true)]
    pub namespace: Option<String>,
    /// Remove every write key; the header says READ-ONLY.
    #[arg(long, global = true)]
    pub readonly: bool,
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
    Governor,
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
}

/// What `demo` and `sandbox serve` share: the simulated world and its Vault.
#[derive(Debug, Args, Clone)]
pub struct SandboxArgs {
    /// Extra seeded investigations, running and finished, for scale (up to 100000).
    #[arg(long, default_value_t = 0, value_parser = clap::value_parser!(u32).range(0..=100_000))]
    pub investigations: u32,
    /// How fast the simulated agents think: 2 is twice as fast.
    #[arg(long, default_value_t = 1.0)]
    pub speed: f64,
    /// Simulated agents never crash and their writes are never denied (by
    /// default about one run in twenty fails somewhere, as real agents do).
    #[arg(long)]
    pub reliable: bool,
    /// The OpenBao binary for the sandbox's Vault (default: `bao` on PATH;
    /// without one, Vault is off).
    #[arg(long, value_name = "PATH")]
    pub bao: Option<PathBuf>,
}

impl SandboxArgs {
    /// The sandbox with its scenarios running, its API on `port` (0: any).
    pub fn options(&self, port: u16) -> crate::sandbox::SandboxOptions {
        crate::sandbox::SandboxOptions {
            port,
            extra_investigations: self.investigations as usize,
            speed: self.speed,
            scenarios: true,
            flaky: !self.reliable,
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
        assert!(matches!(cli.command, Some(Command::Governor)));
        assert_eq!(
            cli.console.kubeconfig.as_deref(),
            Some(std::path::Path::new("/etc/kubevigil/kubeconfig"))
        );
        assert_eq!(cli.console.context.as_deref(), Some("prod-eu"));
        assert!(Cli::try_parse_from(["kubevigil", "governor", "extra"]).is_err());
    }

    #[test]
    fn demo_refuses_more_than_the_scale_limit() {
        assert!(Cli::try_parse_from(["kubevigil", "demo", "--investigations", "100001"]).is_err());
    }
}
