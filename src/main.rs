//! The `kubevigil` binary: parses the command line and hands over to the library.

use clap::Parser;
use color_eyre::eyre::{Result, WrapErr, eyre};
use kubevigil::cli::{Cli, Command, SandboxCommand};

fn main() -> Result<()> {
    color_eyre::install()?;
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
        Some(Command::Crds) => {
            print!("{}", kubevigil::crds::crds_yaml()?);
            Ok(())
        }
        Some(Command::Paths) => Err(eyre!("not available yet")),
        Some(Command::Demo(_))
        | Some(Command::Sandbox {
            command: SandboxCommand::Serve(_),
        })
        | None => Err(eyre!(
            "not available yet: the console and sandbox are being wired in"
        )),
        Some(Command::Audit { .. }) => Err(eyre!(
            "not available yet: audit export arrives with the decisions work (issue 5)"
        )),
    }
}
