//! The `kubevigil` binary: parses the command line and hands over to the library.

use clap::Parser;
use color_eyre::eyre::{Result, WrapErr, eyre};
use kubevigil::cli::{AuditCommand, Cli, Command, SandboxCommand};
use kubevigil::{config, launch};

fn main() -> Result<()> {
    // Errors here are for people, not developers: no backtrace section unless asked for with
    // KUBEVIGIL_BACKTRACE=1.
    color_eyre::config::HookBuilder::default()
        .display_env_section(false)
        .display_location_section(false)
        .install()?;
    if std::env::var_os("KUBEVIGIL_BACKTRACE").is_none() {
        // SAFETY of intent: set before any thread exists, so nothing reads the environment concurrently.
        unsafe { std::env::remove_var("RUST_BACKTRACE") };
    }
    // kube and vaultrs share rustls; pick its crypto provider once, before any client exists.
    let _ = rustls::crypto::ring::default_provider().install_default();
    let cli = Cli::parse();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .wrap_err("starting the async runtime")?;
    runtime.block_on(run(cli))
}

async fn run(cli: Cli) -> Result<()> {
    match cli.command {
        None => Ok(launch::console(&cli.console, config::load()).await?),
        Some(Command::Demo(args)) => Ok(launch::demo(&args, &cli.console, config::load()).await?),
        Some(Command::Sandbox {
            command: SandboxCommand::Serve(args),
        }) => Ok(launch::serve(&args).await?),
        Some(Command::Governor(args)) => {
            Ok(launch::governor(&cli.console, &args, &config::load()).await?)
        }
        Some(Command::Crds) => {
            print!("{}", kubevigil::crds::crds_yaml()?);
            Ok(())
        }
        Some(Command::Paths) => {
            let paths = config::ConfigPaths::discover()
                .ok_or_else(|| eyre!("no home directory: cannot place config files"))?;
            println!("config file   {}", paths.config_file.display());
            println!("themes        {}", paths.themes_dir.display());
            println!("data          {}", paths.data_dir.display());
            println!("audit log     {}", paths.audit_log.display());
            Ok(())
        }
        Some(Command::Audit {
            command: AuditCommand::Export { since, format },
        }) => {
            let written = launch::audit_export(&cli.console, &since, format).await?;
            eprintln!("kubevigil: exported {written} audit records");
            Ok(())
        }
    }
}
