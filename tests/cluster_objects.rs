//! Issue 16 item 5, the runner's side: the investigation's Job and Pod as
//! YAML (managedFields left out, as kubectl does) and its raw pod log,
//! read through `kube::Client` from the sandbox; a user the cluster refuses
//! is told which right is missing.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test, bench or example may panic on what it sets up

use kubevigil::cluster::objects::{DocumentRequest, Wanted, fetch};
use kubevigil::sandbox::{Sandbox, SandboxOptions};
use kubevigil::sanitize::Redactor;
use std::time::Duration;

fn request(user: &str, wanted: Wanted, id: &str, job: &str) -> DocumentRequest {
    DocumentRequest {
        request: 7,
        wanted,
        user: Some(user.into()),
        investigation: id.into(),
        namespace: "checkout".into(),
        job_name: job.into(),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_job_pod_and_log_are_read_and_a_refusal_names_the_right() {
    let sandbox = Sandbox::start(SandboxOptions {
        speed: 50.0,
        scenarios: false,
        ..SandboxOptions::default()
    })
    .await
    .expect("a sandbox");
    let handle = sandbox
        .start_investigation("certificate", "checkout")
        .expect("fired");
    let inv = handle.investigation.clone();
    tokio::time::timeout(Duration::from_secs(120), handle.task)
        .await
        .expect("the agent finishes in time")
        .expect("the agent task")
        .expect("the scenario ends well");
    let redactor = Redactor::default();
    let client = sandbox.api().client("oncall-1").expect("client");

    let yaml = fetch(
        client.clone(),
        request("oncall-1", Wanted::Yaml, &inv.id, &inv.job),
        &redactor,
    )
    .await;
    assert_eq!(yaml.request, 7);
    let document = yaml.result.expect("the YAML");
    let text = document.lines.join("\n");
    assert!(
        text.starts_with("apiVersion: batch/v1\nkind: Job"),
        "{text}"
    );
    assert!(
        text.contains(&format!("name: {}", inv.pod)),
        "the Pod follows: {text}"
    );
    assert!(text.contains("\n---\napiVersion: v1\nkind: Pod"), "{text}");
    assert!(!text.contains("managedFields"), "{text}");
    assert!(
        document
            .notes
            .iter()
            .any(|n| n.contains("managedFields are left out"))
    );

    let log = fetch(
        client.clone(),
        request("oncall-1", Wanted::Log { tail_lines: 5 }, &inv.id, &inv.job),
        &redactor,
    )
    .await;
    let document = log.result.expect("the log");
    assert_eq!(
        document.lines.len(),
        5,
        "the last 5 lines: {:?}",
        document.lines
    );
    assert!(
        document.lines.iter().any(|l| l.contains("\"type\":")),
        "raw: {:?}",
        document.lines
    );
    assert!(document.notes[0].contains(&inv.pod), "{:?}", document.notes);

    let outsider = sandbox.api().client("payments-dev").expect("client");
    let refused = fetch(
        outsider,
        request("payments-dev", Wanted::Yaml, &inv.id, &inv.job),
        &redactor,
    )
    .await;
    let why = refused
        .result
        .expect_err("payments-dev may not read checkout");
    assert_eq!(
        why,
        "payments-dev may not get jobs in checkout: ask for the kubevigil-operator role"
    );
    sandbox.shutdown().await;
}
