//! The `kubevigil` binary: parses the command line and hands over to the library.
//!
//! Errors are reported as kubectl reports them: one `error: ...` line on
//! stderr, sometimes a `hint: ...` line after it, coloured only when stderr
//! is a terminal and `NO_COLOR` is unset. Exit codes: 0 done, 1 failed,
//! 2 the command line was wrong, 128 + the signal's number after SIGHUP,
//! SIGINT, SIGQUIT or SIGTERM.

use clap::FromArgMatches;
use clap::error::ErrorKind;
use kubevigil::cli::{AuditCommand, Cli, Command, InvestigationCommand, SandboxCommand};
use kubevigil::{config, launch};
use std::io::{IsTerminal, Write};
use std::process::ExitCode;
use std::time::Duration;

/// Exit code of a failure.
const FAILED: u8 = 1;
/// Exit code of a command line that does not parse.
const USAGE: u8 = 2;

fn main() -> ExitCode {
    let colour = stderr_colour();
    // Panics are bugs: color-eyre prints them readably (in colour only where
    // errors are); no backtrace section unless asked for with KUBEVIGIL_BACKTRACE=1.
    let theme = if colour {
        color_eyre::config::Theme::dark()
    } else {
        color_eyre::config::Theme::new()
    };
    let _ = color_eyre::config::HookBuilder::default()
        .theme(theme)
        .display_env_section(false)
        .display_location_section(false)
        .install();
    if std::env::var_os("KUBEVIGIL_BACKTRACE").is_none() {
        // SAFETY of intent: set before any thread exists, so nothing reads the environment concurrently.
        unsafe { std::env::remove_var("RUST_BACKTRACE") };
    }
    // kube and vaultrs share rustls; pick its crypto provider once, before any client exists.
    let _ = rustls::crypto::ring::default_provider().install_default();
    let argv0 = std::env::args_os().next();
    let name = kubevigil::cli::invoked_name(argv0.as_deref());
    let cli = match kubevigil::cli::command_named(name)
        .try_get_matches()
        .and_then(|matches| Cli::from_arg_matches(&matches))
    {
        Ok(cli) => cli,
        Err(error) => return usage(&error, name, colour),
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(error) => {
            report(
                &format!("starting the async runtime: {error}"),
                None,
                colour,
            );
            return ExitCode::from(FAILED);
        }
    };
    let result = runtime.block_on(run(cli));
    // Nothing left to wait for: a task blocked on a terminal that went away
    // must not hold the exit up.
    runtime.shutdown_timeout(Duration::from_secs(1));
    if let Some(signal) = kubevigil::tui::signal_received() {
        // Asked to stop: what failed after that (the terminal gone) is not news.
        return ExitCode::from(128u8.saturating_add(u8::try_from(signal).unwrap_or(0)));
    }
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            report(&error.to_string(), error.hint().as_deref(), colour);
            ExitCode::from(FAILED)
        }
    }
}

async fn run(cli: Cli) -> kubevigil::Result<()> {
    match cli.command {
        None => launch::console(&cli.console, config::load()).await,
        Some(Command::Demo(args)) => launch::demo(&args, config::load()).await,
        Some(Command::Sandbox {
            command: SandboxCommand::Serve(args),
        }) => launch::serve(&args).await,
        Some(Command::Governor(args)) => launch::governor(&args, &config::load()).await,
        Some(Command::Crds) => print_out(&kubevigil::crds::crds_yaml()?),
        Some(Command::Paths) => {
            let paths =
                config::ConfigPaths::discover().ok_or_else(|| kubevigil::Error::Invalid {
                    field: "paths".into(),
                    reason: "no home directory: cannot place config files".into(),
                })?;
            let text: String = paths
                .labelled()
                .iter()
                .map(|(label, path)| format!("{label:<15} {}\n", path.display()))
                .collect();
            print_out(&text)
        }
        Some(Command::Audit {
            command:
                AuditCommand::Export {
                    cluster,
                    scope,
                    since,
                    format,
                },
        }) => launch::audit_export(&cluster, &scope, &since, format).await,
        Some(Command::Investigation {
            command:
                InvestigationCommand::Export {
                    id,
                    cluster,
                    scope,
                    format,
                },
        }) => launch::investigation_export(&cluster, &scope, &id, format).await,
        Some(Command::Completions { shell }) => {
            let mut script = Vec::new();
            kubevigil::cli::write_completions(shell, &mut script);
            print_out(&String::from_utf8_lossy(&script))
        }
        Some(Command::Man { dir: None }) => {
            let page = kubevigil::cli::man_page()
                .map_err(|e| kubevigil::Error::io("rendering the manual page", e))?;
            print_out(&String::from_utf8_lossy(&page))
        }
        Some(Command::Man { dir: Some(dir) }) => {
            kubevigil::cli::write_man_pages(&dir).map_err(|e| {
                kubevigil::Error::io(format!("writing manual pages into {}", dir.display()), e)
            })?;
            eprintln!("kubevigil: wrote the manual pages into {}", dir.display());
            Ok(())
        }
    }
}

/// Writes `text` to stdout; a reader that went away (`| head`) is not an error.
fn print_out(text: &str) -> kubevigil::Result<()> {
    let mut stdout = std::io::stdout().lock();
    match stdout
        .write_all(text.as_bytes())
        .and_then(|()| stdout.flush())
    {
        Err(error) if error.kind() != std::io::ErrorKind::BrokenPipe => {
            Err(kubevigil::Error::io("writing to standard output", error))
        }
        _ => Ok(()),
    }
}

/// Reports a command line clap refused (exit 2), or prints the help or
/// version it was asked for (exit 0).
fn usage(error: &clap::Error, name: &'static str, colour: bool) -> ExitCode {
    if matches!(
        error.kind(),
        ErrorKind::DisplayHelp
            | ErrorKind::DisplayVersion
            | ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand
    ) {
        let _ = error.print();
        return ExitCode::from(u8::try_from(error.exit_code()).unwrap_or(USAGE));
    }
    let rendered = error.render().to_string();
    let first = rendered
        .lines()
        .find(|line| !line.trim().is_empty())
        .unwrap_or("the command line is not valid");
    let message = first.strip_prefix("error: ").unwrap_or(first);
    let command = command_path(name, std::env::args().skip(1));
    report(message, Some(&format!("see '{command} --help'")), colour);
    ExitCode::from(USAGE)
}

/// The subcommand the arguments name, such as `kubevigil sandbox serve`.
fn command_path(name: &'static str, args: impl Iterator<Item = String>) -> String {
    let mut command = kubevigil::cli::command_named(name);
    let mut path = vec![name.to_string()];
    for arg in args {
        let Some(sub) = command.find_subcommand(&arg).cloned() else {
            if arg.starts_with('-') {
                continue;
            }
            break;
        };
        path.push(sub.get_name().to_string());
        command = sub;
    }
    path.join(" ")
}

/// `error: message` and, when given, `hint: hint`, on stderr.
fn report(message: &str, hint: Option<&str>, colour: bool) {
    let (error_label, hint_label) = if colour {
        ("\x1b[1;31merror:\x1b[0m", "\x1b[1mhint:\x1b[0m")
    } else {
        ("error:", "hint:")
    };
    let mut text = format!("{error_label} {}\n", one_line(message));
    if let Some(hint) = hint {
        text.push_str(&format!("{hint_label} {}\n", one_line(hint)));
    }
    let _ = std::io::stderr().lock().write_all(text.as_bytes());
}

/// `text` on one line: line breaks become `; `.
fn one_line(text: &str) -> String {
    text.lines()
        .map(str::trim)
        .filter(|line| !line.is_empty())
        .collect::<Vec<_>>()
        .join("; ")
}

/// Whether to colour what goes to stderr: only on a terminal, and never
/// with `NO_COLOR` set (to anything but the empty string) or `TERM=dumb`.
fn stderr_colour() -> bool {
    std::io::stderr().is_terminal()
        && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
        && std::env::var_os("TERM").is_none_or(|t| t != "dumb")
}
