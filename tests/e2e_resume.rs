//! End-to-end: the real console in a pseudo-terminal against the sandbox
//! halts `payments` (LimitedWrite) from the investigations table, then
//! resumes it with `U`: nothing changes until the confirmations, the phase
//! stays Shadow until the second one, and after it the Jobs the halt
//! suspended run again and the phase before the halt is back.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test, bench or example may panic on what it sets up

mod common;

use common::pty::{Terminal, runtime};
use k8s_openapi::api::batch::v1::Job;
use kube::api::ListParams;
use kube::{Api, Client, ResourceExt};
use kubevigil::decide::SUSPENDED_BY_HALT;
use kubevigil::domain::policy::POLICY_NAME;
use kubevigil::domain::{Phase, TrustPolicy};
use kubevigil::sandbox::{Sandbox, SandboxOptions};
use std::time::{Duration, Instant};

const PATIENCE: Duration = Duration::from_secs(90);
const NS: &str = "payments";

fn phase(runtime: &tokio::runtime::Runtime, client: &Client) -> Phase {
    runtime
        .block_on(Api::<TrustPolicy>::namespaced(client.clone(), NS).get(POLICY_NAME))
        .expect("the policy")
        .spec
        .phase
}

/// The investigation Jobs of payments: (name, suspended, marked by the halt).
fn jobs(runtime: &tokio::runtime::Runtime, client: &Client) -> Vec<(String, bool, bool)> {
    runtime
        .block_on(
            Api::<Job>::namespaced(client.clone(), NS)
                .list(&ListParams::default().labels("kubevigil.io/investigation")),
        )
        .expect("jobs")
        .items
        .into_iter()
        .map(|j| {
            (
                j.name_any(),
                j.spec.as_ref().and_then(|s| s.suspend).unwrap_or(false),
                j.annotations().contains_key(SUSPENDED_BY_HALT),
            )
        })
        .collect()
}

fn until(what: &str, mut check: impl FnMut() -> bool) {
    let start = Instant::now();
    while !check() {
        assert!(start.elapsed() < PATIENCE, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(200));
    }
}

#[test]
fn halt_then_resume_restores_the_phase_only_after_the_second_confirmation() {
    let runtime = runtime();
    let _entered = runtime.enter();
    let sandbox = runtime
        .block_on(Sandbox::start(SandboxOptions {
            speed: 0.5,
            flaky: false,
            ..SandboxOptions::default()
        }))
        .expect("sandbox starts");
    let client = sandbox.api().client("oncall-1").expect("client");
    assert_eq!(phase(&runtime, &client), Phase::LimitedWrite);
    let (mut term, _kubeconfig) = Terminal::spawn_against(&sandbox, "oncall-1", 160, 48);
    term.wait_for_text("live", PATIENCE);
    term.wait_for_text("firewall-", PATIENCE);
    term.type_keys("/firewall");
    term.wait_for_text("filter", PATIENCE);
    term.type_keys("\r");

    term.type_keys("H");
    term.wait_for_text("type the namespace's name", PATIENCE);
    term.type_keys("payments\r");
    term.wait_for_text("enter halts", PATIENCE);
    term.type_keys("checking the firewall change by hand\r");
    term.wait_for_text("halted payments", PATIENCE);
    until("payments in Shadow", || {
        phase(&runtime, &client) == Phase::Shadow
    });
    let halted = jobs(&runtime, &client);
    assert!(
        halted
            .iter()
            .any(|(_, suspended, marked)| *suspended && *marked),
        "{halted:?}"
    );

    term.type_keys("U");
    term.wait_for_text("resume namespace payments", PATIENCE);
    term.type_keys("y");
    term.wait_for_text("also restore payments's phase to LimitedWrite", PATIENCE);
    // Between the confirmations nothing was sent.
    std::thread::sleep(Duration::from_millis(500));
    assert_eq!(phase(&runtime, &client), Phase::Shadow);
    assert_eq!(jobs(&runtime, &client), halted);

    term.type_keys("y");
    term.wait_for_text("phase Shadow -> LimitedWrite", PATIENCE);
    until("payments back in LimitedWrite", || {
        phase(&runtime, &client) == Phase::LimitedWrite
    });
    let resumed = jobs(&runtime, &client);
    assert!(
        resumed
            .iter()
            .all(|(_, suspended, marked)| !*suspended && !*marked),
        "{resumed:?}"
    );
    term.quit();
}
