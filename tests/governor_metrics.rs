//! The governor's metrics and health endpoints, scraped over HTTP as
//! Prometheus would, and checked with `promtool check metrics`.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test, bench or example may panic on what it sets up

mod common;

use common::promtool::check_metrics;
use common::world::{create_policy, emulator, scale_api};
use kube::Api;
use kube::api::PostParams;
use kubevigil::domain::{ActionProposal, Phase, Risk, TrustPolicySpec};
use kubevigil::governor::{Metrics, metrics, run_replica};
use kubevigil::sandbox::api::{AGENT_USER, GOVERNOR_USER};
use std::net::SocketAddr;
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

const NS: &str = "payments";

/// `GET path` over HTTP/1.0: the status code and the body.
async fn get(addr: SocketAddr, path: &str, accept: &str) -> (u16, String) {
    let mut stream = tokio::net::TcpStream::connect(addr).await.expect("connect");
    let request = format!("GET {path} HTTP/1.0\r\nHost: governor\r\nAccept: {accept}\r\n\r\n");
    stream.write_all(request.as_bytes()).await.expect("send");
    let mut response = String::new();
    stream.read_to_string(&mut response).await.expect("read");
    let (head, body) = response.split_once("\r\n\r\n").expect("a response");
    let code = head
        .split_whitespace()
        .nth(1)
        .and_then(|c| c.parse().ok())
        .expect("a status code");
    (code, body.to_string())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn metrics_pass_promtool_and_count_what_the_governor_did() {
    let server = emulator().await;
    let agent = server.client(AGENT_USER).expect("agent client");
    create_policy(
        agent.clone(),
        NS,
        TrustPolicySpec {
            phase: Phase::Autonomous,
            autonomous_risk_ceiling: Risk::Medium,
            ..TrustPolicySpec::default()
        },
    )
    .await;
    let metrics = Metrics::new();
    let (addr, listener) = metrics::serve(SocketAddr::from(([127, 0, 0, 1], 0)), metrics.clone())
        .await
        .expect("listen");
    assert_eq!(get(addr, "/healthz", "*/*").await.0, 200);
    assert_eq!(
        get(addr, "/readyz", "*/*").await.0,
        503,
        "not ready before the watches listed"
    );
    let (_leading, leading) = tokio::sync::watch::channel(true);
    let governor = tokio::spawn(run_replica(
        server.client(GOVERNOR_USER).expect("governor client"),
        None,
        metrics.clone(),
        leading,
    ));
    let api = Api::<ActionProposal>::namespaced(agent, NS);
    for (name, risk) in [("scale-api", Risk::Low), ("delete-pods", Risk::High)] {
        let mut proposal = ActionProposal::new(name, scale_api(NS, "inv-1", risk));
        proposal.metadata.namespace = Some(NS.into());
        api.create(&PostParams::default(), &proposal)
            .await
            .expect("create");
    }
    let deadline = Instant::now() + Duration::from_secs(20);
    let text = loop {
        let (code, text) = get(addr, "/metrics", "text/plain").await;
        assert_eq!(code, 200);
        if text.contains("state=\"AutoApproved\"} 1") && text.contains("state=\"Pending\"} 1") {
            break text;
        }
        assert!(
            Instant::now() < deadline,
            "the proposals never showed:\n{text}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert_eq!(get(addr, "/readyz", "*/*").await.0, 200);
    assert!(text.contains("kubevigil_governor_leader 1"), "{text}");
    assert!(
        text.contains(
            "kubevigil_proposals{namespace=\"payments\",phase=\"Autonomous\",state=\"AutoApproved\"} 1"
        ),
        "{text}"
    );
    for family in [
        "kubevigil_decisions_total",
        "kubevigil_decision_latency_seconds",
    ] {
        assert!(
            text.contains(&format!("# TYPE {family} ")),
            "{family} missing:\n{text}"
        );
    }
    assert!(
        text.contains(
            "kubevigil_decisions_total{namespace=\"payments\",phase=\"Autonomous\",verdict=\"approve\",source=\"rule\"} 1"
        ),
        "{text}"
    );
    assert!(
        !text.contains("phase=\"None\""),
        "no series for a state nobody is in:\n{text}"
    );
    let (ok, said) = check_metrics(&text);
    assert!(ok, "promtool check metrics failed:\n{said}\n{text}");
    // A scraper that asks for OpenMetrics gets it.
    let (_, openmetrics) = get(
        addr,
        "/metrics",
        "application/openmetrics-text;version=1.0.0",
    )
    .await;
    assert!(openmetrics.ends_with("# EOF\n"), "{openmetrics}");
    governor.abort();
    listener.abort();
}
