//! Connection truth: the header names the cluster's server and, while the
//! watches fail, the cause in words (connection refused, timed out, TLS, 401,
//! not a Kubernetes API) with the time the outage began, kept until it ends.
//! The causes come from the real watchers against real servers (a closed
//! port, a server that never answers, the sandbox with a wrong token or
//! without its CA, a plain HTTP server); the header from `update` and
//! `TestBackend` at several sizes; rotated credentials recover in the real
//! console in a pseudo-terminal.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test, bench or example may panic on what it sets up

mod common;

use common::pty::Terminal;
use common::screen::{draw, text};
use kubevigil::app::action::Action;
use kubevigil::app::effect::Effect;
use kubevigil::app::fixtures::{StateBuilder, at};
use kubevigil::app::state::{Reload, State};
use kubevigil::app::update;
use kubevigil::cluster::watch;
use kubevigil::model::records::Source;
use kubevigil::sanitize::Redactor;
use std::sync::Arc;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;
use tokio::sync::mpsc;

const SIZES: [(u16, u16); 4] = [(160, 48), (100, 30), (80, 24), (40, 12)];
const REJECTED: &str = "Unauthorized (401): the credentials were rejected";

/// The first thing the watchers say about `config`'s server: its cause in words.
async fn first_failure(config: kube::Config) -> String {
    let client = kube::Client::try_from(config).expect("client");
    let (tx, mut rx) = mpsc::channel(64);
    let _watchers = watch::spawn(client, None, 1, tx, Arc::new(Redactor::default()));
    let wait = tokio::time::timeout(Duration::from_secs(20), async {
        while let Some(action) = rx.recv().await {
            if let Action::SourceDisconnected { error, .. } = action {
                return error;
            }
        }
        panic!("the watchers stopped without a failure");
    });
    wait.await.expect("a failure within 20 s")
}

fn config_for(url: &str) -> kube::Config {
    kube::Config::new(url.parse().expect("url"))
}

/// A port nothing listens on, held (bound, never listening) for as long as
/// the returned socket lives, so no other test's listener can take it.
fn closed_port() -> (tokio::net::TcpSocket, u16) {
    let socket = tokio::net::TcpSocket::new_v4().expect("socket");
    socket
        .bind("127.0.0.1:0".parse().expect("addr"))
        .expect("bind");
    let port = socket.local_addr().expect("addr").port();
    (socket, port)
}

/// A loopback server answering every request with `reply` (`None`: accepts
/// and never answers). Returns its port.
async fn loopback(reply: Option<&'static str>) -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let port = listener.local_addr().expect("addr").port();
    tokio::spawn(async move {
        loop {
            let Ok((mut socket, _)) = listener.accept().await else {
                return;
            };
            tokio::spawn(async move {
                let mut buf = [0u8; 4096];
                let _ = socket.read(&mut buf).await;
                match reply {
                    Some(reply) => {
                        let _ = socket.write_all(reply.as_bytes()).await;
                        let _ = socket.shutdown().await;
                    }
                    None => tokio::time::sleep(Duration::from_secs(60)).await,
                }
            });
        }
    });
    port
}

#[tokio::test]
async fn a_closed_port_is_connection_refused() {
    let (_held, port) = closed_port();
    let cause = first_failure(config_for(&format!("http://127.0.0.1:{port}"))).await;
    assert_eq!(cause, "connection refused");
}

#[tokio::test]
async fn a_server_that_never_answers_times_out() {
    let port = loopback(None).await;
    let mut config = config_for(&format!("http://127.0.0.1:{port}"));
    config.read_timeout = Some(Duration::from_millis(500));
    let cause = first_failure(config).await;
    assert_eq!(cause, "timed out");
}

#[tokio::test]
async fn a_plain_http_server_is_not_a_kubernetes_api() {
    let page = "HTTP/1.1 404 Not Found\r\nContent-Type: text/html\r\nContent-Length: 22\r\nConnection: close\r\n\r\n<html>not here</html>\n";
    let port = loopback(Some(page)).await;
    let cause = first_failure(config_for(&format!("http://127.0.0.1:{port}"))).await;
    assert_eq!(
        cause,
        "not a Kubernetes API: it answered 404 Not Found with a body that is not a Kubernetes Status"
    );
    let ok = "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 22\r\nConnection: close\r\n\r\n<html>welcome!</html>\n";
    let port = loopback(Some(ok)).await;
    let cause = first_failure(config_for(&format!("http://127.0.0.1:{port}"))).await;
    assert!(cause.starts_with("not a Kubernetes API"), "{cause}");
}

#[tokio::test]
async fn a_wrong_token_is_401_and_an_unknown_ca_is_tls() {
    let api = common::world::emulator().await;
    let mut config = api.client_config("oncall-1").expect("config");
    config.auth_info.token = Some("not-the-token".to_string().into());
    assert_eq!(first_failure(config).await, REJECTED);
    let mut config = api.client_config("oncall-1").expect("config");
    config.cluster_url = api.https_url().parse().expect("url");
    let cause = first_failure(config).await;
    assert!(cause.starts_with("TLS: "), "{cause}");
    api.shutdown().await;
}

/// The console on `server`, its watchers failing with `cause` since `began`
/// (a few retries later, each reported with its own time).
fn failing(columns: u16, rows: u16, cause: &str) -> State {
    let mut state = StateBuilder::new().size(columns, rows).build();
    state.connection.server = Some("10.0.0.1:6443".into());
    let epoch = state.epoch;
    for (seconds, source) in [
        (-30, Source::Investigations),
        (-29, Source::Proposals),
        (-10, Source::Investigations),
        (-2, Source::Policies),
    ] {
        update(
            &mut state,
            Action::SourceDisconnected {
                epoch,
                source,
                since: at(seconds),
                error: cause.into(),
            },
        );
    }
    state
}

#[test]
fn the_header_names_the_server_the_cause_and_when_it_began() {
    for cause in [
        "connection refused",
        "timed out",
        "TLS: invalid peer certificate: UnknownIssuer",
        "Forbidden (403): forbidden",
        "not a Kubernetes API: it answered 404 Not Found with a body that is not a Kubernetes Status",
    ] {
        let state = failing(160, 48, cause);
        let screen = text(&draw(&state));
        let began = kubevigil::app::geometry::format::clock(at(-30), &state.time_zone);
        assert!(screen.contains("@ 10.0.0.1:6443"), "{screen}");
        assert!(
            screen.contains(&format!("⟳ {cause} · since {began} · data stale")),
            "the outage keeps the time it began: {screen}"
        );
    }
    for (columns, rows) in SIZES {
        let state = failing(columns, rows, "connection refused");
        insta::assert_snapshot!(format!("refused_{columns}x{rows}"), text(&draw(&state)));
    }
}

#[test]
fn the_empty_table_says_why_rather_than_none_yet() {
    let mut state = StateBuilder::new().build();
    state.connection.server = Some("10.0.0.1:6443".into());
    // Restart the watchers: nothing listed yet.
    update(&mut state, Action::RunCommandLine("ns payments".into()));
    let epoch = state.epoch;
    update(
        &mut state,
        Action::SourceDisconnected {
            epoch,
            source: Source::Investigations,
            since: at(-1),
            error: "connection refused".into(),
        },
    );
    let screen = text(&draw(&state));
    assert!(
        screen.contains("cannot reach 10.0.0.1:6443: connection refused"),
        "{screen}"
    );
    assert!(!screen.contains("no investigations yet"), "{screen}");
}

#[test]
fn a_401_reads_the_kubeconfig_again_and_says_when_that_did_not_help() {
    let mut state = StateBuilder::new().size(160, 48).build();
    let epoch = state.epoch;
    let rejected = |state: &mut State, seconds: i64| {
        update(
            state,
            Action::SourceDisconnected {
                epoch,
                source: Source::Investigations,
                since: at(seconds),
                error: REJECTED.into(),
            },
        )
    };
    let reloads = |effects: &[Effect]| {
        effects
            .iter()
            .filter(|e| matches!(e, Effect::ReloadCredentials { .. }))
            .count()
    };
    assert_eq!(
        reloads(&rejected(&mut state, 0)),
        1,
        "the first 401 re-reads"
    );
    assert!(text(&draw(&state)).contains("re-reading the kubeconfig"));
    update(
        &mut state,
        Action::CredentialsReloaded { epoch, error: None },
    );
    // Rejected again right away: said, and not re-read again at once.
    assert_eq!(reloads(&rejected(&mut state, 1)), 0);
    let screen = text(&draw(&state));
    assert!(
        screen.contains(&format!(
            "⟳ {REJECTED} · since {} · kubeconfig re-read, still rejected",
            kubevigil::app::geometry::format::clock(at(0), &state.time_zone)
        )),
        "{screen}"
    );
    for (columns, rows) in SIZES {
        let mut sized = StateBuilder::new().size(columns, rows).build();
        sized.connection = state.connection.clone();
        sized.sources = state.sources.clone();
        insta::assert_snapshot!(format!("rejected_{columns}x{rows}"), text(&draw(&sized)));
    }
    // Later retries read the kubeconfig again (the token may have rotated).
    let later = 10_000;
    let effects = rejected(&mut state, later);
    assert_eq!(reloads(&effects), 1);
    // Data again: the outage is over, and so is the note.
    update(
        &mut state,
        Action::InvestigationsListed {
            epoch,
            records: Vec::new(),
        },
    );
    update(
        &mut state,
        Action::SourceConnected {
            epoch,
            source: Source::Investigations,
        },
    );
    assert_eq!(state.connection.reload, Reload::Idle);
    assert!(!text(&draw(&state)).contains("⟳"));
}

/// The sandbox's kubeconfig for `user`, with its token replaced by `token`.
fn kubeconfig_with_token(
    api: &kubevigil::sandbox::api::ApiServer,
    user: &str,
    token: &str,
) -> String {
    let real = api.token_for(user).expect("token");
    api.kubeconfig_yaml(user).replace(&real, token)
}

#[test]
fn the_console_recovers_once_the_kubeconfig_holds_the_new_token() {
    let runtime = common::pty::runtime();
    let api = runtime.block_on(common::world::emulator());
    let dir = tempfile::tempdir().expect("tempdir");
    let kubeconfig = dir.path().join("kubeconfig");
    std::fs::write(
        &kubeconfig,
        kubeconfig_with_token(&api, "oncall-1", "rotated-away"),
    )
    .expect("write");
    let path = kubeconfig.to_string_lossy().to_string();
    let mut term = Terminal::spawn(
        &["--kubeconfig", &path, "--context", "oncall-1"],
        160,
        48,
        &[],
    );
    let patience = Duration::from_secs(20);
    let screen = term.wait_for_text("kubeconfig re-read, still rejected", patience);
    assert!(screen.contains(REJECTED), "{screen}");
    let server = api.https_url().replace("https://", "");
    assert!(screen.contains(&format!("@ {server}")), "{screen}");
    // The credentials rotate: the kubeconfig now holds the new token.
    std::fs::write(&kubeconfig, api.kubeconfig_yaml("oncall-1")).expect("rewrite");
    let screen = term.wait_for_text("● live", patience);
    assert!(!screen.contains("⟳"), "{screen}");
    term.quit();
    runtime.block_on(api.shutdown());
}

#[test]
fn a_closed_port_shows_the_server_the_cause_and_a_start_that_stays() {
    let (_held, port) = closed_port();
    let dir = tempfile::tempdir().expect("tempdir");
    let kubeconfig = dir.path().join("kubeconfig");
    let yaml = format!(
        "apiVersion: v1\nkind: Config\nclusters:\n- name: c\n  cluster:\n    server: http://127.0.0.1:{port}\ncontexts:\n- name: closed\n  context:\n    cluster: c\n    user: u\ncurrent-context: closed\nusers:\n- name: u\n  user:\n    token: t\n"
    );
    std::fs::write(&kubeconfig, yaml).expect("write");
    let path = kubeconfig.to_string_lossy().to_string();
    let mut term = Terminal::spawn(&["--kubeconfig", &path], 160, 48, &[]);
    let patience = Duration::from_secs(20);
    let first = term.wait_for_text("connection refused · since", patience);
    assert!(first.contains(&format!("@ 127.0.0.1:{port}")), "{first}");
    assert!(
        first.contains(&format!(
            "cannot reach 127.0.0.1:{port}: connection refused"
        )),
        "{first}"
    );
    let since = |screen: &str| {
        screen
            .split("since ")
            .nth(1)
            .map(|rest| rest.chars().take(8).collect::<String>())
            .expect("a start time")
    };
    std::thread::sleep(Duration::from_secs(4));
    let later = term.contents();
    assert_eq!(since(&first), since(&later), "the outage keeps its start");
    term.quit();
}
