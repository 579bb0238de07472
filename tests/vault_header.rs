//! Where Vault is and why it fails, in the header: the address (host:port)
//! with the operator's identity, the cause of a failure in words with the
//! time the failures began (kept until Vault answers again), and a warning
//! while TLS verification is off. Driven through `update` and drawn to a
//! `TestBackend` at several sizes, the tiny one included.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test, bench or example may panic on what it sets up

mod common;

use common::scene::oom_investigation;
use common::screen::screen;
use kubevigil::app::action::Action;
use kubevigil::app::fixtures::{StateBuilder, at};
use kubevigil::app::state::{State, VaultStatus};
use kubevigil::app::update;
use kubevigil::cluster::vault_watch::{VaultEvent, VaultFailure};
use kubevigil::domain::Phase;
use kubevigil::vault::VaultIdentity;

const SIZES: [(u16, u16); 5] = [(200, 50), (160, 48), (100, 30), (80, 24), (40, 12)];
const ADDR: &str = "https://vault.example:8200";

fn alice() -> VaultEvent {
    VaultEvent::Identity {
        addr: ADDR.into(),
        result: Ok(VaultIdentity {
            display_name: "oidc-alice".into(),
            entity_id: "7d2f0a4e-51c9-4b1e-9a55-0c4d1e2f3a4b".into(),
            policies: vec!["default".into(), "oncall".into()],
        }),
    }
}

fn failing(cause: &str) -> VaultEvent {
    VaultEvent::Identity {
        addr: ADDR.into(),
        result: Err(VaultFailure {
            cause: cause.into(),
            detail: format!(
                "Vault at {ADDR} is unreachable while trying to look up the operator's token: {cause}"
            ),
        }),
    }
}

fn world(columns: u16, rows: u16, vault: VaultEvent) -> State {
    StateBuilder::new()
        .size(columns, rows)
        .policy("payments", Phase::LimitedWrite)
        .investigation(oom_investigation())
        .vault(vault)
        .build()
}

/// The header's rows (one when wide, two when narrow).
fn header(state: &State) -> String {
    let rows = if state.size.0 >= 120 { 1 } else { 2 };
    screen(state)
        .lines()
        .take(rows)
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn the_header_names_the_vault_address_with_the_identity() {
    for (columns, rows) in SIZES {
        let state = world(columns, rows, alice());
        insta::assert_snapshot!(format!("vault_address_{columns}x{rows}"), screen(&state));
    }
    let wide = header(&world(200, 50, alice()));
    assert!(
        wide.contains(
            "│ vault oidc-alice at vault.example:8200 (entity 7d2f0a4e, policies default,oncall) │"
        ),
        "{wide}"
    );
    // Narrower: the entity and policies go first, then the address.
    let medium = header(&world(160, 48, alice()));
    assert!(
        medium.contains("│ vault oidc-alice at vault.example:8200 │ ● live"),
        "{medium}"
    );
    let narrow = header(&world(80, 24, alice()));
    assert!(narrow.contains("│ vault oidc-alice\n"), "{narrow}");
}

#[test]
fn a_failure_shows_the_address_the_cause_and_when_it_began() {
    for (columns, rows) in SIZES {
        let state = world(columns, rows, failing("connection refused"));
        insta::assert_snapshot!(format!("vault_failing_{columns}x{rows}"), screen(&state));
    }
    let wide = header(&world(200, 50, failing("connection refused")));
    assert!(
        wide.contains("│ vault at vault.example:8200 ⚠ connection refused since 02:14:07 │"),
        "{wide}"
    );
    // Narrower, the header keeps the cause (and its start while it fits);
    // the notice names the address.
    for (columns, rows) in [(160, 48), (100, 30), (80, 24)] {
        let text = screen(&world(columns, rows, failing("connection refused")));
        assert!(
            header(&world(columns, rows, failing("connection refused")))
                .contains("vault ⚠ connection refused"),
            "{text}"
        );
        assert!(
            text.contains("✖ Vault at vault.example:8200 is failing: conn"),
            "{text}"
        );
    }
    // Tiny: the cause moves next to the cluster's state, where it stays visible.
    let tiny = header(&world(40, 12, failing("connection refused")));
    assert!(tiny.contains("│ vault ⚠ connection refused"), "{tiny}");
}

#[test]
fn the_outage_keeps_its_start_time_until_vault_answers_again() {
    let mut state = world(200, 50, failing("connection refused"));
    state.now = at(45);
    update(&mut state, Action::Vault(failing("timed out")));
    let text = header(&state);
    assert!(
        text.contains("vault at vault.example:8200 ⚠ timed out since 02:14:07"),
        "the cause changes, the start stays: {text}"
    );
    let said = state
        .notices
        .iter()
        .filter(|n| n.text.starts_with("Vault at vault.example:8200 is failing"))
        .count();
    assert_eq!(said, 1, "one notice per outage: {:?}", state.notices);
    update(&mut state, Action::Vault(alice()));
    assert!(matches!(state.vault.status, VaultStatus::On { .. }));
    state.now = at(120);
    update(&mut state, Action::Vault(failing("403 permission denied")));
    assert!(
        header(&state).contains("⚠ 403 permission denied since 02:16:07"),
        "a new outage starts anew: {}",
        header(&state)
    );
}

#[test]
fn tls_verification_off_is_warned_about_in_the_header_and_a_notice() {
    let mut state = world(200, 50, alice());
    update(
        &mut state,
        Action::Vault(VaultEvent::TlsUnverified { addr: ADDR.into() }),
    );
    let text = header(&state);
    assert!(
        text.contains("│ vault oidc-alice at vault.example:8200 ⚠ TLS unverified │"),
        "{text}"
    );
    let notice = state
        .notices
        .last()
        .map(|n| n.text.clone())
        .unwrap_or_default();
    assert!(
        notice.starts_with("Vault at vault.example:8200: TLS certificate verification is off (BAO_SKIP_VERIFY/VAULT_SKIP_VERIFY)"),
        "{notice}"
    );
    for (columns, rows) in [(80, 24), (40, 12)] {
        let mut small = world(columns, rows, alice());
        update(
            &mut small,
            Action::Vault(VaultEvent::TlsUnverified { addr: ADDR.into() }),
        );
        insta::assert_snapshot!(
            format!("vault_tls_unverified_{columns}x{rows}"),
            screen(&small)
        );
        assert!(
            header(&small).contains("⚠ TLS unverified"),
            "{}",
            header(&small)
        );
    }
}
