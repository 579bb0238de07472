//! End-to-end: the real console in a pseudo-terminal finds Vault through
//! the environment as the bao CLI would (OpenBao's `BAO_ADDR`/`BAO_TOKEN`
//! winning over a `VAULT_ADDR` that points elsewhere) and names the server
//! in its header; pointed at a closed port, it names the server, the cause
//! and when the failures began.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test, bench or example may panic on what it sets up

mod common;

use common::pty::{Terminal, runtime};
use common::world::sandbox_with_bao;
use std::time::Duration;

const PATIENCE: Duration = Duration::from_secs(60);

/// An address where nothing listens.
fn closed_port() -> String {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port();
    format!("http://127.0.0.1:{port}")
}

fn header(screen: &str) -> &str {
    screen.lines().next().unwrap_or_default()
}

#[test]
fn the_console_finds_openbao_by_its_own_variable_names_and_names_the_server() {
    let runtime = runtime();
    let sandbox = runtime.block_on(sandbox_with_bao());
    let vault = sandbox.vault_settings().expect("Vault is on").clone();
    let dir = tempfile::tempdir().expect("tempdir");
    let kubeconfig = dir.path().join("kubeconfig");
    sandbox
        .write_kubeconfig(&kubeconfig, "oncall-1")
        .expect("kubeconfig written");
    let kubeconfig = kubeconfig.to_string_lossy().to_string();
    let args = ["--kubeconfig", &kubeconfig, "--context", "oncall-1"];
    let closed = closed_port();

    let served_at = vault.addr.trim_start_matches("http://").to_string();
    let mut term = Terminal::spawn(
        &args,
        200,
        40,
        &[
            ("BAO_ADDR", &vault.addr),
            ("BAO_TOKEN", &vault.token),
            ("VAULT_ADDR", &closed),
            ("VAULT_TOKEN", "s.someone-elses"),
        ],
    );
    let wanted = format!("│ vault root token at {served_at} │");
    let screen = term.wait_for("the OpenBao address in the header", PATIENCE, |s| {
        header(s).contains(&wanted)
    });
    assert!(!screen.contains("misconfigured"), "{screen}");
    term.quit();

    let refused_at = closed.trim_start_matches("http://").to_string();
    let mut term = Terminal::spawn(
        &args,
        200,
        40,
        &[("VAULT_ADDR", &closed), ("VAULT_TOKEN", "s.anything")],
    );
    let wanted = format!("│ vault at {refused_at} ⚠ connection refused since ");
    let screen = term.wait_for("the failure's cause in the header", PATIENCE, |s| {
        header(s).contains(&wanted)
    });
    assert!(
        screen.contains(&format!(
            "Vault at {refused_at} is failing: connection refused"
        )),
        "the notice says it too:\n{screen}"
    );
    term.quit();
    runtime.block_on(sandbox.shutdown());
}
