//! The real console in a pseudo-terminal against the sandbox, as its RBAC
//! users: `viewer` is told it is read-only by RBAC and not offered kill;
//! `payments-dev`, in its own namespace, is offered kill and not told it is
//! read-only; `oncall-1` is offered everything.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test, bench or example may panic on what it sets up

mod common;

use common::pty::{Terminal, runtime};
use kubevigil::sandbox::{Sandbox, SandboxOptions};
use std::time::Duration;

const PATIENCE: Duration = Duration::from_secs(30);

fn seeded() -> (tokio::runtime::Runtime, Sandbox) {
    let runtime = runtime();
    let sandbox = runtime
        .block_on(Sandbox::start(SandboxOptions {
            scenarios: false,
            extra_investigations: 30,
            ..SandboxOptions::default()
        }))
        .expect("sandbox starts");
    (runtime, sandbox)
}

fn footer(term: &Terminal) -> String {
    term.contents()
        .lines()
        .last()
        .unwrap_or_default()
        .to_string()
}

#[test]
fn a_viewer_is_told_and_not_offered_kill() {
    let (runtime, sandbox) = seeded();
    let (mut term, _dir) = Terminal::spawn_against(&sandbox, "viewer", 160, 48);
    // The one-row header may cut the note short at 160 columns.
    term.wait_for_text("viewer: read-only", PATIENCE);
    let footer_now = term.wait_for("the footer's note", PATIENCE, |screen| {
        screen
            .lines()
            .last()
            .is_some_and(|l| l.contains("✗ K: no delete jobs in"))
    });
    let last = footer_now.lines().last().unwrap_or_default();
    assert!(!last.contains("<K> kill"), "{last}");
    term.type_keys("K");
    let screen = term.wait_for_text("viewer may not delete jobs in", PATIENCE);
    assert!(!screen.contains("kill investigation"), "{screen}");
    term.quit();
    runtime.block_on(sandbox.shutdown());
}

#[test]
fn payments_dev_may_kill_in_payments_and_is_not_called_read_only() {
    let (runtime, sandbox) = seeded();
    let (mut term, _dir) = Terminal::spawn_against(&sandbox, "payments-dev", 160, 48);
    term.wait_for_text("ns payments", PATIENCE);
    term.wait_for_text("● live", PATIENCE);
    // The answers for payments have come back once the footer settles.
    std::thread::sleep(Duration::from_secs(2));
    let screen = term.contents();
    assert!(!screen.contains("read-only by RBAC"), "{screen}");
    let last = footer(&term);
    assert!(last.contains("<K> kill"), "{last}");
    assert!(!last.contains('✗'), "{last}");
    term.quit();
    runtime.block_on(sandbox.shutdown());
}

#[test]
fn an_operator_is_offered_everything() {
    let (runtime, sandbox) = seeded();
    let (mut term, _dir) = Terminal::spawn_against(&sandbox, "oncall-1", 160, 48);
    term.wait_for_text("● live", PATIENCE);
    std::thread::sleep(Duration::from_secs(2));
    let screen = term.contents();
    assert!(!screen.contains("read-only by RBAC"), "{screen}");
    let last = footer(&term);
    assert!(
        last.contains("<K> kill") && last.contains("<H> halt"),
        "{last}"
    );
    term.quit();
    runtime.block_on(sandbox.shutdown());
}
