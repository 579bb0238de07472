//! End-to-end: the real console in a pseudo-terminal against the sandbox,
//! started as kubectl would be: the context's namespace is where it starts,
//! `:ns all` and `:ns namespace/all` read differently, `:ctx` reads the
//! kubeconfig again, a signal ends it with 128 + the signal's number, and
//! the demo keeps its audit log apart.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test, bench or example may panic on what it sets up

mod common;

use common::pty::{Terminal, runtime};
use kubevigil::audit::{AuditAction, read_local};
use kubevigil::sandbox::{Sandbox, SandboxOptions};
use std::time::Duration;

const PATIENCE: Duration = Duration::from_secs(60);

fn quiet_sandbox(runtime: &tokio::runtime::Runtime) -> Sandbox {
    runtime
        .block_on(Sandbox::start(SandboxOptions {
            scenarios: false,
            ..SandboxOptions::default()
        }))
        .expect("sandbox starts")
}

/// The header's first row.
fn header(screen: &str) -> &str {
    screen.lines().next().unwrap_or("")
}

fn signal(pid: u32, name: &str) {
    let status = std::process::Command::new("kill")
        .args([&format!("-{name}"), &pid.to_string()])
        .status()
        .expect("run kill");
    assert!(status.success(), "kill -{name} {pid}");
}

#[test]
fn a_signal_ends_the_console_with_128_plus_its_number() {
    let runtime = runtime();
    let sandbox = quiet_sandbox(&runtime);
    for (name, code) in [("TERM", 143), ("HUP", 129)] {
        let (mut term, _dir) = Terminal::spawn_against(&sandbox, "oncall-1", 120, 30);
        term.wait_for_text("● live", PATIENCE);
        signal(term.pid(), name);
        assert!(term.wait_exit(Duration::from_secs(20)), "SIG{name} ends it");
        assert_eq!(term.exit_code(), Some(code), "SIG{name}");
    }
    let (mut term, _dir) = Terminal::spawn_against(&sandbox, "oncall-1", 120, 30);
    term.wait_for_text("● live", PATIENCE);
    term.quit();
    assert_eq!(term.exit_code(), Some(0), ":q is a success");
}

#[test]
fn errors_are_coloured_only_on_a_terminal_without_no_color() {
    for (env, coloured) in [(&[][..], true), (&[("NO_COLOR", "1")][..], false)] {
        let mut term = Terminal::spawn(&["crds", "--context", "x"], 100, 10, env);
        assert!(
            term.wait_exit(Duration::from_secs(20)),
            "a usage error ends it"
        );
        assert_eq!(term.exit_code(), Some(2));
        let screen = term.wait_for_text("hint: see 'kubevigil crds --help'", PATIENCE);
        assert!(
            screen.starts_with("error: unexpected argument '--context' found\n"),
            "{screen}"
        );
        let formatted = String::from_utf8_lossy(&term.contents_formatted()).into_owned();
        let before_error = &formatted[..formatted.find("error:").unwrap_or(0)];
        assert_eq!(
            before_error.contains("\u{1b}[31"),
            coloured,
            "{env:?}: {formatted:?}"
        );
    }
}

#[test]
fn a_namespace_scoped_user_starts_in_its_contexts_namespace() {
    let runtime = runtime();
    let sandbox = quiet_sandbox(&runtime);
    let (mut term, _dir) = Terminal::spawn_against(&sandbox, "payments-dev", 160, 30);
    let screen = term.wait_for("the payments scope, live", PATIENCE, |s| {
        header(s).contains("ns payments") && s.contains("● live")
    });
    assert!(!screen.contains("no access"), "{screen}");

    term.type_keys(":ns all\r");
    let all = term.wait_for_text("all namespaces", PATIENCE);
    assert!(!header(&all).contains("ns all"), "{all}");
    term.wait_for_text("no access", PATIENCE);

    // A namespace really named `all` has its own spelling, and reads apart.
    term.type_keys(":ns namespace/all\r");
    let named = term.wait_for("the namespace named all", PATIENCE, |s| {
        header(s).contains("│ ns all │")
    });
    assert!(!header(&named).contains("all namespaces"), "{named}");

    term.type_keys(":ns payments\r");
    term.wait_for("payments again, live", PATIENCE, |s| {
        header(s).contains("ns payments") && s.contains("● live")
    });
    term.quit();

    // -n overrides the context's namespace.
    let dir = tempfile::tempdir().expect("tempdir");
    let kubeconfig = dir.path().join("kubeconfig");
    sandbox
        .write_kubeconfig(&kubeconfig, "payments-dev")
        .expect("kubeconfig");
    let path = kubeconfig.to_string_lossy().into_owned();
    let mut term = Terminal::spawn(&["--kubeconfig", &path, "-n", "all"], 160, 30, &[]);
    term.wait_for("every namespace", PATIENCE, |s| {
        header(s).contains("ctx payments-dev") && header(s).contains("all namespaces")
    });
    term.quit();
}

#[test]
fn ctx_reads_the_kubeconfig_files_again() {
    let runtime = runtime();
    let sandbox = quiet_sandbox(&runtime);
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("kubeconfig");
    let good = sandbox.api().kubeconfig_yaml("oncall-1");
    let viewer_token = sandbox.api().token_for("viewer").expect("viewer's token");
    // viewer's token is stale when the console starts (as after a rotation).
    assert!(good.contains(&viewer_token));
    std::fs::write(&path, good.replace(&viewer_token, "stale-token")).expect("write");
    let path_text = path.to_string_lossy().into_owned();
    let mut term = Terminal::spawn(&["--kubeconfig", &path_text], 160, 30, &[]);
    term.wait_for("oncall-1, live", PATIENCE, |s| {
        header(s).contains("ctx oncall-1") && s.contains("● live")
    });

    // The file is fixed while the console runs; :ctx picks the fix up.
    std::fs::write(&path, &good).expect("rewrite");
    term.type_keys(":ctx viewer\r");
    let screen = term.wait_for("viewer, verified and live", PATIENCE, |s| {
        header(s).contains("ctx viewer")
            && header(s).contains("user viewer")
            && s.contains("● live")
    });
    assert!(!header(&screen).contains("unverified"), "{screen}");
    assert!(header(&screen).contains("all namespaces"), "{screen}");

    // Switching to a context with a namespace takes its namespace.
    term.type_keys(":ctx payments-dev\r");
    term.wait_for("payments-dev in payments", PATIENCE, |s| {
        header(s).contains("ctx payments-dev") && header(s).contains("ns payments")
    });
    term.quit();
}

#[test]
fn the_demo_keeps_its_own_audit_log_naming_its_cluster() {
    let data = tempfile::tempdir().expect("tempdir");
    let data_home = data.path().to_string_lossy().into_owned();
    let mut term = Terminal::spawn(
        &["demo", "--speed", "3", "--reliable"],
        160,
        48,
        &[("XDG_DATA_HOME", &data_home)],
    );
    term.open_investigation("rollout", Duration::from_secs(90));
    term.wait_for(
        "the rollout proposal in the detail",
        Duration::from_secs(90),
        |s| s.contains("proposals 1 (1 pending)"),
    );
    term.type_keys("\t");
    term.type_keys("\r");
    term.wait_for_text("Roll storefront back", PATIENCE);
    term.type_keys("a");
    term.wait_for_text("press y to approve", PATIENCE);
    term.type_keys("y");
    term.wait_for_text("✔ approved oncall-1", Duration::from_secs(90));
    term.quit();

    let dir = data.path().join("kubevigil");
    assert!(
        !dir.join("audit.jsonl").exists(),
        "the real audit log is untouched"
    );
    let (records, malformed) = read_local(&dir.join("demo-audit.jsonl")).expect("the demo's log");
    assert_eq!(malformed, 0);
    let approval = records
        .iter()
        .find(|r| r.action == AuditAction::Approve && r.namespace == "web")
        .unwrap_or_else(|| panic!("the approval is in the demo's log: {records:?}"));
    assert_eq!(approval.actor, "oncall-1");
    assert_eq!(approval.context.as_deref(), Some("oncall-1"));
    let server = approval.server.as_deref().unwrap_or_default();
    assert!(
        server.starts_with("https://127.0.0.1:"),
        "the record names the sandbox's API server: {server:?}"
    );
}
