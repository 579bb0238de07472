//! Vault in the console: the operator's Vault identity (or "Vault is off")
//! in the header, and the open investigation's token in the detail view with
//! its TTL counting down, its policies and metadata, and a warning when it
//! outlives the Job's deadline. Driven through `update` and drawn to a
//! `TestBackend` at several sizes.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test, bench or example may panic on what it sets up

mod common;

use common::scene::oom_investigation;
use common::screen::screen;
use crossterm::event::KeyCode;
use kubevigil::app::action::Action;
use kubevigil::app::effect::Effect;
use kubevigil::app::fixtures::{StateBuilder, at, investigation, key, proposal};
use kubevigil::app::state::{Screen, State};
use kubevigil::app::update;
use kubevigil::cluster::vault_watch::{TokenLookup, VaultEffect, VaultEvent, VaultFailure};
use kubevigil::domain::{InvestigationState, Phase, ProposalState, Risk};
use kubevigil::model::records::CredentialRecord;
use kubevigil::vault::{TokenInfo, VaultIdentity};
use std::collections::BTreeMap;

const SIZES: [(u16, u16); 3] = [(160, 48), (80, 24), (40, 12)];
const ACCESSOR: &str = "Zk3vQ1b9mTx2";

fn operator() -> VaultEvent {
    VaultEvent::Identity {
        addr: "https://vault.example:8200".into(),
        result: Ok(VaultIdentity {
            display_name: "oidc-alice".into(),
            entity_id: "7d2f0a4e-51c9-4b1e-9a55-0c4d1e2f3a4b".into(),
            policies: vec![
                "default".into(),
                "kubevigil-operator".into(),
                "oncall".into(),
                "payments-read".into(),
            ],
        }),
    }
}

/// One running payments investigation (started 185 s ago, deadline 900 s
/// after its start) whose Job names a Vault token.
fn world(columns: u16, rows: u16, vault: VaultEvent) -> State {
    let mut record = oom_investigation();
    record.investigation.vault_accessor = Some(ACCESSOR.into());
    StateBuilder::new()
        .size(columns, rows)
        .policy("payments", Phase::LimitedWrite)
        .investigation(record)
        .vault(vault)
        .build()
}

/// The token as Vault describes it: 30 minutes, looked up at the fixture's now.
fn token(ttl_seconds: u64) -> Action {
    let metadata = BTreeMap::from([
        ("investigation".to_string(), "oom-7f3a9c".to_string()),
        ("created_by".to_string(), "kubevigil-launcher".to_string()),
    ]);
    Action::Vault(VaultEvent::Token {
        accessor: ACCESSOR.into(),
        at: at(0),
        lookup: TokenLookup::Found(TokenInfo {
            ttl_seconds,
            creation_ttl_seconds: 1800,
            policies: vec!["kubevigil-investigation".into(), "default".into()],
            metadata,
            num_uses: 0,
            display_name: "token-inv-oom-7f3a9c".into(),
        }),
    })
}

fn open(state: &mut State) -> Vec<Effect> {
    update(state, key(KeyCode::Enter))
}

fn watches(effects: &[Effect]) -> Vec<Option<String>> {
    effects
        .iter()
        .filter_map(|e| match e {
            Effect::Vault(VaultEffect::WatchToken { accessor }) => Some(accessor.clone()),
            _ => None,
        })
        .collect()
}

#[test]
fn the_header_shows_the_operators_vault_identity() {
    for (columns, rows) in SIZES {
        let state = world(columns, rows, operator());
        insta::assert_snapshot!(format!("vault_header_{columns}x{rows}"), screen(&state));
    }
    let wide = screen(&world(220, 48, operator()));
    let header = wide.lines().next().unwrap_or_default();
    assert!(
        header.contains(
            "│ vault oidc-alice at vault.example:8200 (entity 7d2f0a4e, policies default,kubevigil-operator,oncall +1) │ ● live"
        ),
        "{header}"
    );
}

#[test]
fn without_vault_the_console_says_vault_is_off_and_looks_nothing_up() {
    let mut state = world(160, 48, VaultEvent::Off);
    let effects = open(&mut state);
    assert!(watches(&effects).is_empty(), "{effects:?}");
    let text = screen(&state);
    assert!(
        text.lines()
            .next()
            .unwrap_or_default()
            .contains("vault off"),
        "{text}"
    );
    assert!(
        text.contains("vault off: approvals are recorded but mint no credentials"),
        "{text}"
    );
}

#[test]
fn the_detail_shows_the_investigations_token_and_its_ttl_counts_down() {
    for (columns, rows) in SIZES {
        let mut state = world(columns, rows, operator());
        open(&mut state);
        update(&mut state, token(1800));
        update(&mut state, Action::Tick(at(75)));
        insta::assert_snapshot!(format!("vault_token_{columns}x{rows}"), screen(&state));
    }

    let mut state = world(160, 48, operator());
    let effects = open(&mut state);
    assert_eq!(watches(&effects), vec![Some(ACCESSOR.to_string())]);
    assert!(screen(&state).contains("vault token Zk3vQ1b9 looking up…"));
    let effects = update(&mut state, token(1800));
    assert!(effects.contains(&Effect::SetTicking(true)) || state.ticking);
    let first = screen(&state);
    assert!(
        first.contains(
            "vault token 30m left of 30m ⚠ outlives the Job's deadline by 18m · uses unlimited"
        ),
        "{first}"
    );
    assert!(
        first.contains(
            "policies kubevigil-investigation,default · meta created_by=kubevigil-launcher investigation=oom-7f3a9c"
        ),
        "{first}"
    );
    let effects = update(&mut state, Action::Tick(at(75)));
    assert!(
        effects.contains(&Effect::Redraw),
        "the countdown moved: {effects:?}"
    );
    assert!(screen(&state).contains("vault token 28m left of 30m"));
    update(&mut state, Action::Tick(at(1801)));
    assert!(screen(&state).contains("vault token expired"));
}

#[test]
fn a_token_that_outlives_the_jobs_deadline_is_flagged() {
    // The Job started 185 s ago with a 900 s deadline: 715 s are left.
    let mut state = world(160, 48, operator());
    open(&mut state);
    update(&mut state, token(1800));
    assert!(
        screen(&state).contains("⚠ outlives the Job's deadline by 18m"),
        "{}",
        screen(&state)
    );
    update(&mut state, token(600));
    assert!(!screen(&state).contains("outlives"), "{}", screen(&state));
    // Within a minute of the deadline is the same lifetime, counted in whole seconds.
    update(&mut state, token(770));
    assert!(!screen(&state).contains("outlives"), "{}", screen(&state));
    update(&mut state, token(780));
    assert!(screen(&state).contains("outlives the Job's deadline by 1m05s"));
    update(&mut state, token(0));
    assert!(screen(&state).contains("never expires"));
    assert!(screen(&state).contains("outlives the Job's deadline (it never expires)"));
}

#[test]
fn a_token_still_valid_after_the_job_ended_is_flagged() {
    let mut record = investigation("oom-7f3a9c", "payments", InvestigationState::Succeeded, 185);
    record.investigation.vault_accessor = Some(ACCESSOR.into());
    let mut state = StateBuilder::new()
        .policy("payments", Phase::LimitedWrite)
        .investigation(record)
        .vault(operator())
        .build();
    open(&mut state);
    update(&mut state, token(1800));
    assert!(
        screen(&state)
            .contains("⚠ the Job has ended but its token is still valid (a kill revokes it)"),
        "{}",
        screen(&state)
    );
    update(&mut state, Action::Tick(at(1801)));
    assert!(!screen(&state).contains("still valid"));
}

#[test]
fn a_revoked_token_and_a_failed_lookup_are_told_apart() {
    let mut state = world(160, 48, operator());
    open(&mut state);
    update(&mut state, token(1800));
    update(
        &mut state,
        Action::Vault(VaultEvent::Token {
            accessor: ACCESSOR.into(),
            at: at(30),
            lookup: TokenLookup::Failed(
                "Vault at https://vault.example:8200 is unreachable while trying to look up a token"
                    .into(),
            ),
        }),
    );
    let failing = screen(&state);
    assert!(
        failing.contains("vault token 30m left of 30m"),
        "the last answer stays: {failing}"
    );
    assert!(failing.contains("lookup failed: Vault at https://vault.example:8200 is unreachable"));
    update(
        &mut state,
        Action::Vault(VaultEvent::Token {
            accessor: ACCESSOR.into(),
            at: at(60),
            lookup: TokenLookup::Gone,
        }),
    );
    let gone = screen(&state);
    assert!(
        gone.contains("vault token Zk3vQ1b9 revoked or expired"),
        "{gone}"
    );
    assert!(!gone.contains("lookup failed"), "{gone}");
}

#[test]
fn closing_the_detail_stops_watching_the_token() {
    let mut state = world(160, 48, operator());
    open(&mut state);
    let effects = update(&mut state, key(KeyCode::Esc));
    assert_eq!(watches(&effects), vec![None]);
    assert!(state.vault.token.is_none());
}

#[test]
fn the_token_is_looked_up_again_when_its_job_ends_keeping_the_last_answer() {
    let mut state = world(160, 48, operator());
    open(&mut state);
    update(&mut state, token(1800));
    let mut ended = investigation("oom-7f3a9c", "payments", InvestigationState::Succeeded, 185);
    ended.investigation.vault_accessor = Some(ACCESSOR.into());
    let epoch = state.epoch;
    let effects = update(
        &mut state,
        Action::InvestigationsChanged {
            epoch,
            applied: vec![ended],
            deleted: Vec::new(),
        },
    );
    assert_eq!(watches(&effects), vec![Some(ACCESSOR.to_string())]);
    assert!(
        screen(&state).contains("vault token 30m left of 30m"),
        "the last answer stays until the new one: {}",
        screen(&state)
    );
    let again = update(&mut state, Action::Tick(at(5)));
    assert!(watches(&again).is_empty(), "once, not on every update");
}

#[test]
fn an_answer_for_another_token_is_ignored() {
    let mut state = world(160, 48, operator());
    open(&mut state);
    let effects = update(
        &mut state,
        Action::Vault(VaultEvent::Token {
            accessor: "someone-else".into(),
            at: at(0),
            lookup: TokenLookup::Gone,
        }),
    );
    assert!(!effects.contains(&Effect::Redraw));
    assert!(screen(&state).contains("looking up…"));
}

#[test]
fn vault_text_is_sanitized_before_it_reaches_the_terminal() {
    let mut state = world(160, 48, operator());
    open(&mut state);
    let mut event = token(1800);
    if let Action::Vault(VaultEvent::Token {
        lookup: TokenLookup::Found(info),
        ..
    }) = &mut event
    {
        info.metadata
            .insert("note".into(), "\u{1b}]52;c;ZXZpbA==\u{7}ok\u{1b}[2J".into());
        info.policies.push("evil\u{1b}[31m".into());
    }
    update(&mut state, event);
    let found = state
        .vault
        .token
        .as_ref()
        .and_then(|t| t.last.as_ref())
        .map(|(_, lookup)| format!("{lookup:?}"))
        .unwrap_or_default();
    assert!(!found.contains('\u{1b}'), "{found}");
    assert!(screen(&state).contains("note=ok"), "{}", screen(&state));
}

#[test]
fn vault_going_away_is_said_once_and_shown_in_the_header() {
    let mut state = world(160, 48, operator());
    let failing = VaultEvent::Identity {
        addr: "https://vault.example:8200".into(),
        result: Err(VaultFailure {
            cause: "connection refused".into(),
            detail: "Vault at https://vault.example:8200 is unreachable while trying to look up the operator's token: connection refused"
                .into(),
        }),
    };
    update(&mut state, Action::Vault(failing.clone()));
    update(&mut state, Action::Vault(failing));
    let text = screen(&state);
    assert!(
        text.lines()
            .next()
            .unwrap_or_default()
            .contains("vault ⚠ connection refused since 02:14:07"),
        "{text}"
    );
    let said = state
        .notices
        .iter()
        .filter(|n| n.text.contains("is unreachable"))
        .count();
    assert_eq!(said, 1, "{:?}", state.notices);
    assert!(text.contains("approvals are still recorded"), "{text}");
    update(&mut state, Action::Vault(operator()));
    assert!(
        screen(&state)
            .lines()
            .next()
            .unwrap_or_default()
            .contains("vault oidc-alice")
    );
}

#[test]
fn a_misconfigured_vault_says_what_is_wrong() {
    let mut state = world(
        160,
        48,
        VaultEvent::Misconfigured(
            "Vault is configured at https://vault.example:8200 but no token was found: set VAULT_TOKEN"
                .into(),
        ),
    );
    open(&mut state);
    let text = screen(&state);
    assert!(
        text.lines()
            .next()
            .unwrap_or_default()
            .contains("vault ⚠ misconfigured")
    );
    assert!(text.contains("no token was found"), "{text}");
}

fn proposal_screen(vault: VaultEvent, credential: Option<CredentialRecord>) -> String {
    let mut record = proposal(
        "raise-mem-7f3a",
        "oom-7f3a9c",
        Risk::Low,
        ProposalState::Approved,
    );
    record.credential = credential;
    let key = record.key.clone();
    let mut state = StateBuilder::new()
        .policy("payments", Phase::LimitedWrite)
        .investigation(oom_investigation())
        .proposal(record)
        .vault(vault)
        .build();
    state.screens.push(Screen::Proposal { key, scroll: 0 });
    screen(&state)
}

#[test]
fn the_proposal_shows_its_minted_credential_and_whether_it_is_live() {
    let minted = CredentialRecord {
        accessor: "hmT0q8Zt1vXbW2".into(),
        ttl_seconds: 120,
        minted_at: Some(at(-30)),
        revoked: false,
        encrypted: true,
    };
    let live = proposal_screen(operator(), Some(minted.clone()));
    assert!(
        live.contains(
            "credential    minted 02:13:37 · accessor hmT0q8Zt1vXb · ttl 2m00s · wrapped, age-encrypted to the agent · live until 02:15:37"
        ),
        "{live}"
    );
    let revoked = proposal_screen(
        operator(),
        Some(CredentialRecord {
            revoked: true,
            ..minted.clone()
        }),
    );
    assert!(
        revoked.contains("wrapped, age-encrypted to the agent · revoked"),
        "{revoked}"
    );
    let mut executed = proposal(
        "raise-mem-7f3a",
        "oom-7f3a9c",
        Risk::Low,
        ProposalState::Executed,
    );
    executed.execution = Some("succeeded: deployment.apps/api patched".into());
    executed.credential = Some(minted.clone());
    let key = executed.key.clone();
    let mut state = StateBuilder::new()
        .proposal(executed)
        .vault(operator())
        .build();
    state.screens.push(Screen::Proposal { key, scroll: 0 });
    assert!(
        screen(&state).contains("wrapped, age-encrypted to the agent · spent by the agent's write"),
        "{}",
        screen(&state)
    );
    let off = proposal_screen(VaultEvent::Off, None);
    assert!(
        off.contains(
            "credential    none (Vault is off: the agent gets no write credential from kubevigil)"
        ),
        "{off}"
    );
}
