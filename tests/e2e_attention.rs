//! End-to-end, issue 16 item 2: never miss an approval. The real console in
//! a pseudo-terminal against the sandbox: when a proposal starts waiting for
//! the operator, the terminal's bell rings, its title says how many wait and
//! (configured) a desktop notification names it; what waited before is not
//! rung for, and the operator's own title comes back on exit.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test, bench or example may panic on what it sets up

mod common;

use common::pty::{Terminal, runtime};
use kubevigil::sandbox::{Sandbox, SandboxOptions};
use std::time::{Duration, Instant};

const PATIENCE: Duration = Duration::from_secs(90);

fn until(what: &str, mut check: impl FnMut() -> bool) {
    let start = Instant::now();
    while !check() {
        assert!(start.elapsed() < PATIENCE, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(200));
    }
}

fn position(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

#[test]
fn a_proposal_that_starts_waiting_rings_retitles_and_notifies() {
    let runtime = runtime();
    let _entered = runtime.enter();
    let sandbox = runtime
        .block_on(Sandbox::start(SandboxOptions {
            speed: 2.0,
            flaky: false,
            scenarios: false,
            ..SandboxOptions::default()
        }))
        .expect("sandbox starts");
    let home = std::env::temp_dir().join(format!("kubevigil-pty-{}", std::process::id()));
    let config = home.join("config/kubevigil/config.toml");
    std::fs::create_dir_all(config.parent().expect("dir")).expect("config dir");
    std::fs::write(&config, "[notify]\ndesktop = \"osc9\"\n").expect("config");

    let (mut term, _kubeconfig) = Terminal::spawn_against(&sandbox, "oncall-1", 160, 40);
    term.wait_for_text("investigations", PATIENCE);
    until("the title names the console", || {
        term.titles().iter().any(|t| t == b"kubevigil")
    });
    assert_eq!(term.bells(), 0, "nothing waits yet");

    let _firewall = sandbox
        .start_investigation("firewall", "payments")
        .expect("fired");
    until("the title counts the waiting proposal", || {
        term.titles().iter().any(|t| t == b"kubevigil (1 awaiting)")
    });
    until("the bell", || term.bells() >= 1);
    let notifications = term.other_osc();
    let notification = notifications
        .iter()
        .find(|osc| osc.starts_with(b"9;payments/"))
        .unwrap_or_else(|| panic!("an OSC 9 notification: {notifications:?}"));
    assert!(
        String::from_utf8_lossy(notification).contains("NetworkPolicy"),
        "it names the proposal: {}",
        String::from_utf8_lossy(notification)
    );

    term.quit();
    let raw = term.raw();
    let saved = position(&raw, b"\x1b[22;0t").expect("the old title is saved");
    let first_title = position(&raw, b"\x1b]0;kubevigil").expect("a title");
    assert!(saved < first_title, "saved before the first title");
    let restored = raw
        .windows(7)
        .rposition(|w| w == b"\x1b[23;0t")
        .expect("the old title is given back on exit");
    let last_title = raw
        .windows(4)
        .rposition(|w| w == b"\x1b]0;")
        .expect("a title");
    assert!(restored > last_title, "given back after the last title");
    runtime.block_on(sandbox.shutdown());
}
