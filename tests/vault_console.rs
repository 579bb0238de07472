//! The console's Vault tasks against a real OpenBao dev server: the header's
//! identity lookup, the detail view's token watch (found, then gone once
//! revoked), a misconfigured Vault, and Vault going away.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test, bench or example may panic on what it sets up

mod common;

use common::bao::Bao;
use kubevigil::app::action::Action;
use kubevigil::cluster::vault_watch::{ConsoleVault, VaultTasks};
use kubevigil::cluster::vault_watch::{TokenLookup, VaultEffect, VaultEvent};
use kubevigil::config::VaultConfig;
use std::time::Duration;
use tokio::sync::mpsc;

async fn next_event(rx: &mut mpsc::Receiver<Action>) -> VaultEvent {
    match tokio::time::timeout(Duration::from_secs(20), rx.recv()).await {
        Ok(Some(Action::Vault(event))) => event,
        other => panic!("expected a Vault event, got {other:?}"),
    }
}

fn console_vault(bao: &Bao, token: &str) -> ConsoleVault {
    ConsoleVault::find(Some(bao.settings_with(token)), &VaultConfig::default())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_header_learns_who_the_operator_is_in_vault() {
    let bao = Bao::start().await;
    let vault = bao.vault();
    vault
        .put_policy(
            "oncall",
            r#"path "auth/token/lookup-self" { capabilities = ["read"] }"#,
        )
        .await
        .expect("policy");
    let (operator_token, _) = vault
        .create_investigation_token("operator", &["oncall".into()], 600)
        .await
        .expect("an operator token");
    let (tx, mut rx) = mpsc::channel(8);
    let mut tasks = VaultTasks::new(console_vault(&bao, &operator_token));
    tasks.run(VaultEffect::LookupIdentity, &tx);
    let VaultEvent::Identity { addr, result } = next_event(&mut rx).await else {
        panic!("expected the identity");
    };
    assert_eq!(addr, bao.addr);
    let identity = result.expect("the identity");
    assert_eq!(
        identity.display_name,
        "token-kubevigil-investigation-operator"
    );
    assert!(
        identity.policies.contains(&"oncall".to_string()),
        "{identity:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_token_watch_finds_the_investigation_token_then_sees_it_revoked() {
    let bao = Bao::start().await;
    let vault = bao.vault();
    let (_, accessor) = vault
        .create_investigation_token("inv-9", &["default".into()], 900)
        .await
        .expect("an investigation token");
    let (tx, mut rx) = mpsc::channel(8);
    let mut tasks = VaultTasks::new(console_vault(&bao, &bao.root_token));
    tasks.run(
        VaultEffect::WatchToken {
            accessor: Some(accessor.clone()),
        },
        &tx,
    );
    let VaultEvent::Token {
        accessor: looked_up,
        lookup: TokenLookup::Found(info),
        ..
    } = next_event(&mut rx).await
    else {
        panic!("expected the token");
    };
    assert_eq!(looked_up, accessor);
    assert!((890..=900).contains(&info.ttl_seconds), "{info:?}");
    assert_eq!(info.creation_ttl_seconds, 900);
    assert_eq!(
        info.metadata.get("investigation").map(String::as_str),
        Some("inv-9")
    );
    assert!(info.policies.contains(&"default".to_string()), "{info:?}");

    vault.revoke_accessor(&accessor).await.expect("revoke");
    tasks.run(
        VaultEffect::WatchToken {
            accessor: Some(accessor.clone()),
        },
        &tx,
    );
    let event = next_event(&mut rx).await;
    assert!(
        matches!(
            &event,
            VaultEvent::Token {
                lookup: TokenLookup::Gone,
                ..
            }
        ),
        "a revoked token reads as gone, not as a failure: {event:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn vault_going_away_is_reported_as_unreachable() {
    let mut bao = Bao::start().await;
    let (tx, mut rx) = mpsc::channel(8);
    let mut tasks = VaultTasks::new(console_vault(&bao, &bao.root_token.clone()));
    bao.kill();
    tasks.run(VaultEffect::LookupIdentity, &tx);
    let VaultEvent::Identity { result, .. } = next_event(&mut rx).await else {
        panic!("expected the identity");
    };
    let error = result.expect_err("Vault is gone");
    assert!(error.detail.contains("unreachable"), "{error}");
    assert_eq!(error.cause, "connection refused", "{error}");
    tasks.run(
        VaultEffect::WatchToken {
            accessor: Some("some-accessor".into()),
        },
        &tx,
    );
    let event = next_event(&mut rx).await;
    assert!(
        matches!(&event, VaultEvent::Token { lookup: TokenLookup::Failed(e), .. } if e.contains("unreachable")),
        "{event:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_vault_or_with_a_broken_config_the_header_is_told_so() {
    let (tx, mut rx) = mpsc::channel(8);
    let mut off = VaultTasks::new(ConsoleVault::Off);
    off.run(VaultEffect::LookupIdentity, &tx);
    assert_eq!(next_event(&mut rx).await, VaultEvent::Off);
    off.run(
        VaultEffect::WatchToken {
            accessor: Some("acc".into()),
        },
        &tx,
    );
    let settings = kubevigil::vault::VaultSettings {
        addr: "not a url".into(),
        token: "t".into(),
        namespace: None,
        ..Default::default()
    };
    let mut broken = VaultTasks::new(ConsoleVault::find(Some(settings), &VaultConfig::default()));
    broken.run(VaultEffect::LookupIdentity, &tx);
    let VaultEvent::Misconfigured(why) = next_event(&mut rx).await else {
        panic!("expected misconfigured");
    };
    assert!(why.contains("not a valid http(s) URL"), "{why}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dev_server_leaves_the_operators_vault_token_alone() {
    let token_file = std::env::var_os("HOME")
        .map(std::path::PathBuf::from)
        .expect("HOME")
        .join(".vault-token");
    let before = std::fs::read(&token_file).ok();
    let bao = Bao::start().await;
    assert!(bao.vault().is_healthy().await);
    assert_eq!(
        std::fs::read(&token_file).ok(),
        before,
        "`bao server -dev` wrote the operator's ~/.vault-token"
    );
}
