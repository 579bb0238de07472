//! End-to-end, issue 16 item 3: deep links. `kubevigil --investigation ID`
//! and `--proposal NS/NAME` (what an alert's runbook link can carry) open
//! the console on that investigation or proposal; `:open` does the same
//! from inside; a link to nothing says so.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test, bench or example may panic on what it sets up

mod common;

use common::pty::{Terminal, runtime};
use kube::Api;
use kube::api::ListParams;
use kubevigil::domain::ActionProposal;
use kubevigil::sandbox::{Sandbox, SandboxOptions};
use std::time::{Duration, Instant};

const PATIENCE: Duration = Duration::from_secs(90);

fn console(sandbox: &Sandbox, extra: &[&str]) -> (Terminal, tempfile::TempDir) {
    let dir = tempfile::tempdir().expect("tempdir");
    let kubeconfig = dir.path().join("kubeconfig");
    sandbox
        .write_kubeconfig(&kubeconfig, "oncall-1")
        .expect("kubeconfig");
    let path = kubeconfig.to_string_lossy().to_string();
    let mut args = vec!["--kubeconfig", path.as_str(), "--context", "oncall-1"];
    args.extend_from_slice(extra);
    (Terminal::spawn(&args, 160, 40, &[]), dir)
}

#[test]
fn deep_links_open_the_investigation_or_the_proposal_they_name() {
    let runtime = runtime();
    let _entered = runtime.enter();
    let sandbox = runtime
        .block_on(Sandbox::start(SandboxOptions {
            speed: 1.0,
            flaky: false,
            scenarios: false,
            ..SandboxOptions::default()
        }))
        .expect("sandbox starts");
    let firewall = sandbox
        .start_investigation("firewall", "payments")
        .expect("fired");
    let id = firewall.investigation.id.clone();
    let client = sandbox.api().client("oncall-1").expect("client");
    let start = Instant::now();
    let proposal = loop {
        let listed = runtime
            .block_on(
                Api::<ActionProposal>::namespaced(client.clone(), "payments")
                    .list(&ListParams::default()),
            )
            .expect("proposals");
        if let Some(p) = listed
            .items
            .into_iter()
            .find(|p| p.spec.investigation == id)
        {
            break p;
        }
        assert!(start.elapsed() < PATIENCE, "no proposal");
        std::thread::sleep(Duration::from_millis(300));
    };
    let name = proposal.metadata.name.clone().expect("a name");

    let (mut term, _dir) = console(&sandbox, &["--investigation", &id]);
    let screen = term.wait_for("the investigation open", PATIENCE, |s| {
        s.contains("reasoning") && s.contains(&format!("─ {id}"))
    });
    assert!(screen.contains("PaymentsAPIHighLatency"), "{screen}");
    // :open switches to another view from inside: here, the proposal.
    term.type_keys(&format!(":open payments/{name}\r"));
    term.wait_for("the proposal open", PATIENCE, |s| {
        s.contains(&proposal.spec.summary[..30]) && s.contains("change that runs")
    });
    term.quit();

    let target = format!("payments/{name}");
    let (mut term, _dir) = console(&sandbox, &["--proposal", &target]);
    term.wait_for("the proposal open", PATIENCE, |s| {
        s.contains(&proposal.spec.summary[..30]) && s.contains("change that runs")
    });
    term.type_keys("\u{1b}");
    term.wait_for("its investigation beneath it", PATIENCE, |s| {
        s.contains("reasoning") && s.contains(&format!("─ {id}"))
    });
    term.quit();

    let (mut term, _dir) = console(&sandbox, &["--investigation", "no-such-1"]);
    term.wait_for("the link to nothing is named", PATIENCE, |s| {
        s.contains("cannot open investigation no-such-1")
    });
    term.quit();
    runtime.block_on(sandbox.shutdown());
}
