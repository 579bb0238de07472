//! The console's runner, at the process edge: the loop that drains the one
//! event funnel, calls [`crate::app::update`] for each action (the only place
//! the [`crate::app::State`] changes), executes the [`crate::app::Effect`]s
//! and draws one frame with [`crate::ui::view`] when something changed
//! (frame rate capped, synchronized output, through [`crate::tui`]).

mod effects;
mod export;
mod external;
mod runtime;
mod setup;

use crate::config::LoadedConfig;

/// What the console needs to run.
pub struct ConsoleOptions {
    /// A client for the current kube context.
    pub client: kube::Client,
    /// The current kube context's name.
    pub context: String,
    /// The kubeconfig, for `:ctx NAME` switching.
    pub kubeconfig: Option<kube::config::Kubeconfig>,
    /// Where the kubeconfig was read from: `:ctx` reads these files again
    /// (`None`: switch within [`ConsoleOptions::kubeconfig`] as it is).
    pub kubeconfig_files: Option<crate::config::KubeconfigFiles>,
    /// The kubeconfig's user, shown (as unverified) when SelfSubjectReview is unavailable.
    pub kubeconfig_user: Option<String>,
    /// Watch only this namespace (`None`: all namespaces).
    pub namespace: Option<String>,
    /// Read-only mode.
    pub readonly: bool,
    /// The configuration, with its warnings.
    pub config: LoadedConfig,
    /// Vault settings already known (the sandbox's OpenBao); `None` finds Vault
    /// as the Vault CLI does, from the environment and the config file.
    pub vault: Option<crate::vault::VaultSettings>,
    /// The Vault of [`ConsoleOptions::vault`] is still starting (the
    /// sandbox's OpenBao): the header says "vault starting" until it answers.
    pub vault_starting: bool,
    /// What to open as soon as the data shows it (`--investigation`, `--proposal`).
    pub open: Option<crate::app::state::DeepLink>,
    /// The cluster is the embedded, simulated sandbox (`demo`).
    pub sandbox: bool,
}

impl std::fmt::Debug for ConsoleOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ConsoleOptions")
            .field("context", &self.context)
            .field("namespace", &self.namespace)
            .field("readonly", &self.readonly)
            .finish_non_exhaustive()
    }
}

/// Runs the console until the operator quits, a signal arrives or the
/// terminal goes away. The terminal is restored in every case.
pub async fn run_console(options: ConsoleOptions) -> crate::Result<()> {
    runtime::run(options).await
}
