//! End-to-end: the real binary in a pseudo-terminal runs the demo sandbox
//! with a real OpenBao dev server; the header shows the operator's Vault
//! identity and an investigation's detail shows its token counting down.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test, bench or example may panic on what it sets up

mod common;

use common::bao::bao_binary;
use common::pty::Terminal;
use std::time::Duration;

const PATIENCE: Duration = Duration::from_secs(90);

#[test]
fn the_demo_with_openbao_shows_the_vault_identity_and_the_investigation_token() {
    let bao = bao_binary();
    let bao = bao.to_string_lossy();
    let mut term = Terminal::spawn(
        &["demo", "--speed", "3", "--reliable", "--bao", &bao],
        160,
        48,
        &[],
    );
    let header = term.wait_for("the Vault identity in the header", PATIENCE, |s| {
        s.lines()
            .next()
            .is_some_and(|l| l.contains("vault root token"))
    });
    assert!(!header.contains("vault off"), "{header}");
    term.open_investigation("rollout", PATIENCE);
    let detail = term.wait_for("the investigation token in the detail", PATIENCE, |s| {
        s.contains("vault token") && s.contains(" left of ")
    });
    assert!(
        detail.contains("kubevigil-investigation"),
        "the token's policies are listed:\n{detail}"
    );
    assert!(
        detail.contains("investigation=rollout-"),
        "the token's metadata names the investigation:\n{detail}"
    );
    term.quit();
}
