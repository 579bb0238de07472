//! Vault found as the bao CLI finds it, against real servers: OpenBao's own
//! `BAO_ADDR`/`BAO_TOKEN` reach a real OpenBao dev server (and win over
//! `VAULT_*` naming another), the console's tasks warn when TLS goes
//! unverified, and every failure is named in words: a wrong token, a
//! closed port, a server that is not Vault (the sandbox's Kubernetes API
//! emulator, over HTTP and over TLS), a CA not trusted, TLS to a plain-HTTP
//! server.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test, bench or example may panic on what it sets up

mod common;

use common::bao::Bao;
use common::world::emulator;
use kubevigil::app::action::Action;
use kubevigil::cluster::vault_watch::{ConsoleVault, VaultTasks};
use kubevigil::cluster::vault_watch::{VaultEffect, VaultEvent};
use kubevigil::config::VaultConfig;
use kubevigil::vault::{Vault, VaultError, VaultSettings, resolve_settings};
use std::collections::HashMap;
use std::time::Duration;
use tokio::sync::mpsc;

fn env_of(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> + use<> {
    let map: HashMap<String, String> = pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    move |name| map.get(name).cloned()
}

/// An address where nothing listens.
fn closed_port() -> String {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port();
    format!("http://127.0.0.1:{port}")
}

async fn next_event(rx: &mut mpsc::Receiver<Action>) -> VaultEvent {
    match tokio::time::timeout(Duration::from_secs(20), rx.recv()).await {
        Ok(Some(Action::Vault(event))) => event,
        other => panic!("expected a Vault event, got {other:?}"),
    }
}

/// Why looking up the operator's identity with `settings` fails.
async fn failure(settings: VaultSettings) -> VaultError {
    Vault::connect(settings)
        .expect("a client")
        .identity()
        .await
        .expect_err("the lookup fails")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bao_addr_and_bao_token_reach_a_real_openbao() {
    let bao = Bao::start().await;
    let closed = closed_port();
    let env = env_of(&[
        ("BAO_ADDR", &bao.addr),
        ("BAO_TOKEN", &bao.root_token),
        ("VAULT_ADDR", &closed),
        ("VAULT_TOKEN", "s.someone-elses"),
    ]);
    let settings = resolve_settings(&env, None, &VaultConfig::default())
        .expect("resolves")
        .expect("Vault is on");
    assert_eq!(settings.addr, bao.addr, "BAO_ADDR wins over VAULT_ADDR");
    let identity = Vault::connect(settings.clone())
        .expect("a client")
        .identity()
        .await
        .expect("OpenBao answers");
    assert!(
        identity.policies.contains(&"root".to_string()),
        "{identity:?}"
    );
    // The console's header lookup, with the same settings.
    let (tx, mut rx) = mpsc::channel(8);
    let mut tasks = VaultTasks::new(ConsoleVault::find(Some(settings), &VaultConfig::default()));
    tasks.run(VaultEffect::LookupIdentity, &tx);
    let VaultEvent::Identity { addr, result } = next_event(&mut rx).await else {
        panic!("expected the identity");
    };
    assert_eq!(addr, bao.addr);
    assert!(result.is_ok(), "{result:?}");
    // Only VAULT_* set: the Vault names still work.
    let env = env_of(&[("VAULT_ADDR", &bao.addr), ("VAULT_TOKEN", &bao.root_token)]);
    let settings = resolve_settings(&env, None, &VaultConfig::default())
        .expect("resolves")
        .expect("Vault is on");
    assert!(
        Vault::connect(settings)
            .expect("a client")
            .identity()
            .await
            .is_ok()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_console_is_warned_when_tls_goes_unverified() {
    let bao = Bao::start().await;
    let env = env_of(&[
        ("BAO_ADDR", &bao.addr),
        ("BAO_TOKEN", &bao.root_token),
        ("BAO_SKIP_VERIFY", "true"),
    ]);
    let settings = resolve_settings(&env, None, &VaultConfig::default())
        .expect("resolves")
        .expect("Vault is on");
    assert!(settings.skip_verify);
    let (tx, mut rx) = mpsc::channel(8);
    let mut tasks = VaultTasks::new(ConsoleVault::find(Some(settings), &VaultConfig::default()));
    tasks.run(VaultEffect::LookupIdentity, &tx);
    assert_eq!(
        next_event(&mut rx).await,
        VaultEvent::TlsUnverified {
            addr: bao.addr.clone()
        }
    );
    let VaultEvent::Identity { result, .. } = next_event(&mut rx).await else {
        panic!("expected the identity");
    };
    assert!(result.is_ok(), "{result:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_failure_is_named_in_words() {
    let bao = Bao::start().await;
    let wrong_token = failure(bao.settings_with("s.not-a-token")).await;
    assert_eq!(
        wrong_token.cause(),
        "403 permission denied",
        "{wrong_token}"
    );

    let refused = failure(VaultSettings {
        addr: closed_port(),
        token: "t".into(),
        ..Default::default()
    })
    .await;
    assert_eq!(refused.cause(), "connection refused", "{refused}");

    // TLS to OpenBao's plain-HTTP listener.
    let plain = bao.addr.replace("http://", "https://");
    let no_tls = failure(VaultSettings {
        addr: plain,
        token: "t".into(),
        ..Default::default()
    })
    .await;
    assert_eq!(
        no_tls.cause(),
        "TLS: the server does not speak TLS (use http://?)",
        "{no_tls}"
    );

    // The sandbox's Kubernetes API emulator: a server, but not Vault.
    let kubernetes = emulator().await;
    let over_http = failure(VaultSettings {
        addr: kubernetes.url(),
        token: "t".into(),
        ..Default::default()
    })
    .await;
    assert_eq!(over_http.cause(), "not a Vault API", "{over_http}");
    let untrusted = failure(VaultSettings {
        addr: kubernetes.https_url(),
        token: "t".into(),
        ..Default::default()
    })
    .await;
    assert_eq!(
        untrusted.cause(),
        "TLS: unknown certificate authority",
        "{untrusted}"
    );
    let unverified = failure(VaultSettings {
        addr: kubernetes.https_url(),
        token: "t".into(),
        skip_verify: true,
        ..Default::default()
    })
    .await;
    assert_eq!(
        unverified.cause(),
        "not a Vault API",
        "with verification off TLS passes: {unverified}"
    );
    kubernetes.shutdown().await;
}

#[test]
fn an_unreadable_client_certificate_is_reported_with_its_path() {
    let dir = tempfile::tempdir().expect("tempdir");
    let cert = dir.path().join("alice.pem");
    std::fs::write(&cert, "not a certificate").expect("write");
    let settings = |key: &str| VaultSettings {
        addr: "https://vault.example:8200".into(),
        token: "t".into(),
        client_certificate: Some(kubevigil::vault::ClientCertificate {
            cert: cert.clone(),
            key: dir.path().join(key),
        }),
        ..Default::default()
    };
    let missing = Vault::connect(settings("missing-key.pem")).expect_err("no key file");
    assert!(missing.to_string().contains("missing-key.pem"), "{missing}");
    std::fs::write(dir.path().join("key.pem"), "not a key").expect("write");
    let garbage = Vault::connect(settings("key.pem")).expect_err("not PEM");
    assert!(garbage.to_string().contains("is not usable"), "{garbage}");
}
