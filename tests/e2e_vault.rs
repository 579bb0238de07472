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
    // Wide enough that the header never shortens the Vault part (at start
    // it also says `(unverified)` and `connecting`).
    let mut term = Terminal::spawn(
        &["demo", "--speed", "3", "--reliable", "--bao", &bao],
        240,
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

/// The screen of the first complete frame the console wrote on a terminal
/// `columns` wide.
fn first_frame(raw: &[u8], columns: u16) -> Option<String> {
    const END: &[u8] = b"\x1b[?2026l";
    let end = raw.windows(END.len()).position(|w| w == END)? + END.len();
    let mut screen = vt100::Parser::new(48, columns, 0);
    screen.process(&raw[..end]);
    Some(screen.screen().contents())
}

#[test]
fn the_demo_draws_before_openbao_answers_and_then_shows_its_identity() {
    let bao = bao_binary();
    let bao = bao.to_string_lossy();
    // Wide enough that the header never shortens the Vault part (at start
    // it also says `(unverified)` and `connecting`).
    let mut term = Terminal::spawn(
        &["demo", "--speed", "3", "--reliable", "--bao", &bao],
        240,
        48,
        &[],
    );
    let deadline = std::time::Instant::now() + PATIENCE;
    let first = loop {
        if let Some(first) = first_frame(&term.raw(), 240) {
            break first;
        }
        assert!(std::time::Instant::now() < deadline, "no first frame");
        std::thread::sleep(Duration::from_millis(5));
    };
    let header = first.lines().next().unwrap_or_default().to_string();
    // OpenBao takes a few hundred milliseconds to answer; the console does
    // not wait for it. On a fast machine it may have answered already, and
    // the console's own lookup of its identity may still be under way
    // (`vault …`); never `vault off` nor a failure.
    assert!(
        header.contains("vault starting")
            || header.contains("vault root token")
            || header.contains("vault …"),
        "the first frame's header says Vault is starting:\n{first}"
    );
    assert!(
        !header.contains('⚠'),
        "a starting Vault is no failure:\n{first}"
    );
    term.wait_for("the Vault identity in the header", PATIENCE, |s| {
        s.lines()
            .next()
            .is_some_and(|l| l.contains("vault root token"))
    });
    term.quit();
}
