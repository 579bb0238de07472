//! The console against the embedded sandbox, for trying it by hand until
//! `kubevigil demo` is wired: `cargo run --example console_sandbox -- [USER] [EXTRA]`
//! (USER defaults to `oncall-1`; EXTRA seeds that many more investigations).

use color_eyre::eyre::{Result, WrapErr};
use kubevigil::app::{ConsoleOptions, run_console};
use kubevigil::sandbox::{Sandbox, SandboxOptions};

#[tokio::main]
async fn main() -> Result<()> {
    color_eyre::install()?;
    let _ = rustls::crypto::ring::default_provider().install_default();
    let mut args = std::env::args().skip(1);
    let user = args.next().unwrap_or_else(|| "oncall-1".into());
    let extra = args.next().and_then(|n| n.parse().ok()).unwrap_or(0);
    let sandbox = Sandbox::start(SandboxOptions {
        extra_investigations: extra,
        ..SandboxOptions::default()
    })
    .await
    .wrap_err("starting the sandbox")?;
    let client = sandbox.api().client(&user).wrap_err("a sandbox client")?;
    let kubeconfig = kube::config::Kubeconfig::from_yaml(&sandbox.api().kubeconfig_yaml(&user))
        .wrap_err("the sandbox kubeconfig")?;
    let result = run_console(ConsoleOptions {
        client,
        context: user.clone(),
        kubeconfig: Some(kubeconfig),
        kubeconfig_user: Some(user),
        namespace: None,
        readonly: false,
        config: kubevigil::config::load(),
    })
    .await;
    sandbox.shutdown().await;
    Ok(result?)
}
