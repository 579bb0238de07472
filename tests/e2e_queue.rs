//! End-to-end: the real console in a pseudo-terminal against the sandbox,
//! whose alerts go through the launcher. Five firewall alerts in payments
//! (at most 3 at once) leave two queued; the console shows them as QUEUED
//! with why, and the operator bumps one, admits it now with a reason (the
//! launcher admits it past the cap), and cancels the other (its Job is
//! deleted, never run).

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test, bench or example may panic on what it sets up

mod common;

use common::pty::{Terminal, runtime};
use k8s_openapi::api::batch::v1::Job;
use kube::api::ListParams;
use kube::{Api, Client, ResourceExt};
use kubevigil::domain::labels;
use kubevigil::sandbox::{Sandbox, SandboxOptions};
use std::time::{Duration, Instant};

const PATIENCE: Duration = Duration::from_secs(90);
const NS: &str = "payments";

/// The launched Jobs of payments: (investigation id, admission, annotations).
fn jobs(
    runtime: &tokio::runtime::Runtime,
    client: &Client,
) -> Vec<(String, String, std::collections::BTreeMap<String, String>)> {
    runtime
        .block_on(
            Api::<Job>::namespaced(client.clone(), NS)
                .list(&ListParams::default().labels(labels::LAUNCHED_SELECTOR)),
        )
        .expect("jobs")
        .items
        .into_iter()
        .filter(|j| j.metadata.deletion_timestamp.is_none())
        .map(|j| {
            (
                j.labels()
                    .get(labels::INVESTIGATION)
                    .cloned()
                    .unwrap_or_default(),
                j.labels()
                    .get(labels::ADMISSION)
                    .cloned()
                    .unwrap_or_default(),
                j.annotations().clone(),
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
fn queued_investigations_are_bumped_admitted_now_and_cancelled_from_the_console() {
    let runtime = runtime();
    let _entered = runtime.enter();
    let sandbox = runtime
        .block_on(Sandbox::start(SandboxOptions {
            speed: 0.5,
            flaky: false,
            scenarios: false,
            ..SandboxOptions::default()
        }))
        .expect("sandbox starts");
    let client = sandbox.api().client("oncall-1").expect("client");
    let _handles: Vec<_> = (0..5)
        .map(|_| sandbox.start_investigation("firewall", NS).expect("fired"))
        .collect();
    until("three admitted, two queued", || {
        let listed = jobs(&runtime, &client);
        listed.len() == 5 && listed.iter().filter(|(_, a, _)| a == "queued").count() == 2
    });

    let (mut term, _kubeconfig) = Terminal::spawn_against(&sandbox, "oncall-1", 160, 48);
    term.wait_for_text("live", PATIENCE);
    term.wait_for_text("2 queued", PATIENCE);
    term.wait_for_text("QUEUED #2", PATIENCE);
    term.wait_for_text("namespace at 3/3", PATIENCE);
    term.type_keys("/queued");
    term.wait_for_text("filter", PATIENCE);
    term.type_keys("\r");
    term.type_keys("g");

    // The first queued row: bump it.
    let screen = term.wait_for_text("<B> bump", PATIENCE);
    let first = screen
        .lines()
        .find(|l| l.starts_with('▌'))
        .and_then(|l| l.trim_start_matches('▌').split_whitespace().next())
        .map(str::to_string)
        .expect("a selected row");
    term.type_keys("B");
    term.wait_for_text(&format!("bumped {first}"), PATIENCE);
    until("the bump on the Job", || {
        jobs(&runtime, &client)
            .iter()
            .any(|(id, _, a)| *id == first && a.contains_key(labels::PRIORITY_BUMPED_AT))
    });

    // Admit it now: a reason is required, then the launcher admits it past the cap.
    term.type_keys("A");
    term.wait_for_text(&format!("admit {first} now"), PATIENCE);
    term.type_keys("\r");
    term.wait_for_text("an override needs a reason", PATIENCE);
    term.type_keys("checkout is failing for every customer\r");
    term.wait_for_text("admit-now override recorded", PATIENCE);
    until("the override admitted", || {
        jobs(&runtime, &client).iter().any(|(id, admission, a)| {
            *id == first && admission == "admitted" && a.contains_key(labels::ADMIT_OVERRIDE)
        })
    });

    // The other queued one: cancel it (esc first keeps it).
    term.wait_for_text("1 queued", PATIENCE);
    term.type_keys("g");
    let second = jobs(&runtime, &client)
        .into_iter()
        .find(|(_, admission, _)| admission == "queued")
        .map(|(id, _, _)| id)
        .expect("still one queued");
    term.wait_for_text(&second, PATIENCE);
    term.type_keys("C");
    term.wait_for_text(&format!("cancel queued {second}"), PATIENCE);
    term.type_keys("\x1b");
    std::thread::sleep(Duration::from_millis(500));
    assert!(
        jobs(&runtime, &client)
            .iter()
            .any(|(id, _, _)| *id == second)
    );
    term.type_keys("C");
    term.wait_for_text("enter cancels the investigation", PATIENCE);
    term.type_keys("duplicate of the one admitted\r");
    term.wait_for_text(&format!("cancelled {second}"), PATIENCE);
    until("the cancelled Job gone", || {
        !jobs(&runtime, &client)
            .iter()
            .any(|(id, _, _)| *id == second)
    });
    term.wait_for_text("0 failed", PATIENCE);
    term.quit();
}
