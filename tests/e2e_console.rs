//! End-to-end: the real binary in a pseudo-terminal against the sandbox.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test, bench or example may panic on what it sets up

mod common;

use common::pty::{Terminal, runtime};
use kubevigil::sandbox::api::AGENT_USER;
use kubevigil::sandbox::{Sandbox, SandboxOptions};
use serde_json::json;
use std::time::Duration;

const PATIENCE: Duration = Duration::from_secs(60);

/// The number in the reasoning pane's title, "· N lines ·".
fn reasoning_line_count(screen: &str) -> Option<usize> {
    let title = screen.lines().find(|l| l.contains("reasoning"))?;
    let before = title.split(" lines").next()?;
    before.rsplit(' ').next()?.replace(',', "").parse().ok()
}

#[test]
fn demo_opens_an_investigation_and_reasoning_streams_in() {
    let mut term = Terminal::spawn(&["demo", "--speed", "3", "--reliable"], 120, 36, &[]);
    let first_screen = term.wait_for_text("investigations", PATIENCE);
    assert!(
        first_screen
            .lines()
            .next()
            .is_some_and(|l| l.contains(" kubevigil  SANDBOX ")),
        "the demo says it is a simulated sandbox:\n{first_screen}"
    );
    term.open_investigation("firewall", PATIENCE);
    let first = term.wait_for("the reasoning pane", PATIENCE, |s| {
        reasoning_line_count(s).is_some()
    });
    let before = reasoning_line_count(&first).unwrap_or(0);
    // The agent keeps thinking: more lines arrive while we watch.
    let later = term.wait_for("more reasoning lines", PATIENCE, |s| {
        reasoning_line_count(s).is_some_and(|n| n > before)
    });
    assert!(
        later.contains("payments"),
        "the detail names its target namespace:\n{later}"
    );
    term.type_keys("q");
    term.wait_for_text("investigations", PATIENCE);
    // On the table `q` asks first; any other key stays.
    term.type_keys("q");
    term.wait_for_text("quit kubevigil?", PATIENCE);
    term.type_keys("n");
    term.wait_for("the question gone", PATIENCE, |s| {
        !s.contains("quit kubevigil?")
    });
    assert!(term.is_running(), "n stays");
    term.type_keys("q");
    term.wait_for_text("quit kubevigil?", PATIENCE);
    term.type_keys("y");
    assert!(term.wait_exit(PATIENCE), "y quits");
}

#[test]
fn hostile_agent_output_reaches_the_screen_inert() {
    let runtime = runtime();
    let sandbox = runtime
        .block_on(Sandbox::start(SandboxOptions {
            scenarios: false,
            ..SandboxOptions::default()
        }))
        .expect("sandbox starts");
    runtime.block_on(create_investigation(&sandbox, "hostile-1"));
    let hostile = [
        "before-clear \u{1b}[2J\u{1b}[H after-clear",
        "copy \u{1b}]52;c;cm0gLXJmIC8=\u{7} this",
        "title \u{1b}]0;pwned\u{7} change",
        r#"{"type":"thought","text":"json \u001b[31mred\u001b[0m and \u001b]2;owned\u0007 title"}"#,
    ];
    for line in hostile {
        sandbox.api().append_log("web", "inv-hostile-1-pod", line);
    }

    let (mut term, _kubeconfig) = Terminal::spawn_against(&sandbox, "oncall-1", 120, 36);
    term.wait_for_text("hostile-1", PATIENCE);
    term.type_keys("/hostile\r\r");
    let screen = term.wait_for_text("after-clear", PATIENCE);
    assert!(
        screen.contains("kubevigil"),
        "the header survived the screen clear:\n{screen}"
    );
    assert!(
        screen.contains("json"),
        "the JSON thought is shown:\n{screen}"
    );
    assert!(
        !screen.contains("pwned"),
        "an OSC title payload was shown as text:\n{screen}"
    );
    assert!(
        !screen.contains("cm0gLXJmIC8="),
        "an OSC 52 payload was shown as text:\n{screen}"
    );
    assert!(
        screen.contains("copy") && screen.contains("change"),
        "the visible words remain:\n{screen}"
    );
    // The only titles are the console's own (`kubevigil (N awaiting)`).
    assert!(
        term.titles()
            .iter()
            .all(|t| t == b"kubevigil" || t.starts_with(b"kubevigil (")),
        "an agent line changed the window title: {:?}",
        term.titles()
    );
    assert!(
        term.clipboard_writes().is_empty(),
        "an agent line wrote to the clipboard: {:?}",
        term.clipboard_writes()
    );
    term.type_keys("q:q\r");
    assert!(
        term.wait_exit(Duration::from_secs(20)),
        "the console quits on :q"
    );
    runtime.block_on(sandbox.shutdown());
}

async fn create_investigation(sandbox: &Sandbox, id: &str) {
    let client = sandbox.api().client(AGENT_USER).expect("agent client");
    let jobs: kube::Api<kube::api::DynamicObject> = kube::Api::namespaced_with(
        client.clone(),
        "web",
        &kube::api::ApiResource::erase::<k8s_openapi::api::batch::v1::Job>(&()),
    );
    let job = json!({
        "apiVersion": "batch/v1", "kind": "Job",
        "metadata": {"name": format!("inv-{id}"), "namespace": "web",
            "labels": {"kubevigil.io/investigation": id, "kubevigil.io/target-namespace": "web"},
            "annotations": {"kubevigil.io/trigger": "HostileAgentTest"}},
        "spec": {"activeDeadlineSeconds": 900, "template": {"spec": {"restartPolicy": "Never",
            "containers": [{"name": "agent", "image": "agent:test"}]}}}
    });
    let job: kube::api::DynamicObject = serde_json::from_value(job).expect("job json");
    let created = jobs
        .create(&Default::default(), &job)
        .await
        .expect("job created");
    let uid = created.metadata.uid.clone().unwrap_or_default();
    // What the Job controller would do once the pod runs.
    let running = json!({"status": {"active": 1, "startTime": jiff::Timestamp::now().to_string()}});
    jobs.patch_status(
        &format!("inv-{id}"),
        &Default::default(),
        &kube::api::Patch::Merge(&running),
    )
    .await
    .expect("job status set");
    let pods: kube::Api<k8s_openapi::api::core::v1::Pod> = kube::Api::namespaced(client, "web");
    let pod = json!({
        "apiVersion": "v1", "kind": "Pod",
        "metadata": {"name": format!("inv-{id}-pod"), "namespace": "web",
            "labels": {"kubevigil.io/investigation": id, "job-name": format!("inv-{id}")},
            "ownerReferences": [{"apiVersion": "batch/v1", "kind": "Job", "name": format!("inv-{id}"), "uid": uid}]},
        "spec": {"containers": [{"name": "agent", "image": "agent:test"}]},
        "status": {"phase": "Running"}
    });
    let pod = serde_json::from_value(pod).expect("pod json");
    pods.create(&Default::default(), &pod)
        .await
        .expect("pod created");
    // What the kubelet would report once the container runs.
    let now = jiff::Timestamp::now().to_string();
    let running = json!({"status": {"phase": "Running", "startTime": now,
        "containerStatuses": [{"name": "agent", "image": "agent:test", "imageID": "", "ready": true,
            "restartCount": 0, "state": {"running": {"startedAt": now}}}]}});
    pods.patch_status(
        &format!("inv-{id}-pod"),
        &Default::default(),
        &kube::api::Patch::Merge(&running),
    )
    .await
    .expect("pod status set");
}

#[test]
fn on_the_linux_console_every_symbol_is_drawn_in_ascii() {
    let mut term = Terminal::spawn(
        &["demo", "--speed", "3", "--reliable"],
        120,
        36,
        &[("TERM", "linux")],
    );
    let screen = term.wait_for("the table with rows", PATIENCE, |s| {
        s.contains("investigations") && s.contains("LIMITED")
    });
    for symbol in ["│", "─", "·", "▌", "●", "↓", "⟳", "◆", "⚙", "✓", "⚠"] {
        assert!(
            !screen.contains(symbol),
            "{symbol} drawn on the Linux console:\n{screen}"
        );
    }
    assert!(screen.contains(" | ") && screen.contains("--"), "{screen}");
    term.type_keys("\u{3}");
    assert!(term.wait_exit(PATIENCE));
}
