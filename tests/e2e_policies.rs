//! End-to-end: in the sandbox, change namespace `data` from ReadOnlyAssist to
//! LimitedWrite through the console's policy editor, then see the next
//! proposal there become approvable (Pending, not Recorded); and the same
//! promotion while someone else changes the policy (a 409, reviewed again).

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test, bench or example may panic on what it sets up

mod common;

use common::pty::{Terminal, runtime};
use kube::{Api, ResourceExt};
use kubevigil::audit::AuditLog;
use kubevigil::decide::Identity;
use kubevigil::domain::policy::POLICY_NAME;
use kubevigil::domain::{ActionProposal, Phase, ProposalState, TrustPolicy, TrustPolicySpec};
use kubevigil::policy::{PolicyChangeRequest, apply_policy};
use kubevigil::sandbox::{Sandbox, SandboxOptions};
use std::time::{Duration, Instant};

const PATIENCE: Duration = Duration::from_secs(60);

/// The row of `namespace` in the policies table, if it is on screen.
fn row<'a>(screen: &'a str, namespace: &str) -> Option<&'a str> {
    screen.lines().find(|l| {
        l.trim_start_matches('▌')
            .trim_start()
            .starts_with(namespace)
    })
}

#[test]
fn promoting_data_to_limited_write_makes_its_next_proposal_approvable() {
    let runtime = runtime();
    // Clients and the agent spawn tasks: they need the runtime's context.
    let _entered = runtime.enter();
    let sandbox = runtime
        .block_on(Sandbox::start(SandboxOptions {
            scenarios: false,
            speed: 5.0,
            ..SandboxOptions::default()
        }))
        .expect("sandbox starts");
    let (mut term, _kubeconfig) = Terminal::spawn_against(&sandbox, "oncall-1", 160, 48);
    term.wait_for_text("live", PATIENCE);
    term.type_keys(":policies\r");
    let screen = term.wait_for("the data row", PATIENCE, |s| {
        row(s, "data").is_some_and(|r| r.contains("ReadOnlyAssist"))
    });
    assert!(row(&screen, "platform").is_some_and(|r| r.contains("Shadow")));

    // Move the cursor to data.
    let start = Instant::now();
    while !term.contents().lines().any(|l| l.starts_with("▌data")) {
        assert!(
            start.elapsed() < PATIENCE,
            "never reached data:\n{}",
            term.contents()
        );
        term.type_keys("j");
        std::thread::sleep(Duration::from_millis(200));
    }
    term.type_keys("e");
    term.wait_for_text("edit trust policy: data", PATIENCE);
    // Two phases at once is refused without the override.
    term.type_keys("ll\r");
    term.wait_for_text("skips LimitedWrite", PATIENCE);
    term.type_keys("h\r");
    term.wait_for_text("why:", PATIENCE);
    term.type_keys("suggestions matched what we did\r");
    let review = term.wait_for_text("y apply", PATIENCE);
    assert!(review.contains("+ phase: LimitedWrite"), "{review}");
    assert!(review.contains("- phase: ReadOnlyAssist"), "{review}");
    term.type_keys("y");
    term.wait_for_text("trust policy of data changed", PATIENCE);
    term.wait_for("data in LimitedWrite", PATIENCE, |s| {
        row(s, "data").is_some_and(|r| r.contains("LimitedWrite"))
    });

    let client = sandbox.api().client("oncall-1").expect("client");
    let policy = runtime
        .block_on(Api::<TrustPolicy>::namespaced(client.clone(), "data").get(POLICY_NAME))
        .expect("the policy");
    assert_eq!(policy.spec.phase, Phase::LimitedWrite);

    // The next proposal in data waits for approval.
    let handle = sandbox
        .start_investigation("crashloop", "data")
        .expect("investigation starts");
    let proposals: Api<ActionProposal> = Api::namespaced(client, "data");
    let selector = format!("kubevigil.io/investigation={}", handle.investigation.id);
    let start = Instant::now();
    let judged = loop {
        let listed = runtime
            .block_on(proposals.list(&kube::api::ListParams::default().labels(&selector)))
            .expect("list proposals");
        if let Some(judged) = listed.items.into_iter().find(|p| p.status.is_some()) {
            break judged;
        }
        assert!(
            start.elapsed() < Duration::from_secs(120),
            "no proposal in data"
        );
        std::thread::sleep(Duration::from_millis(300));
    };
    assert_eq!(
        judged.state(),
        ProposalState::Pending,
        "{:?}",
        judged.status
    );
    assert_eq!(
        judged.status.as_ref().and_then(|s| s.phase),
        Some(Phase::LimitedWrite)
    );
    let screen = term.wait_for_text("1 awaiting approval", PATIENCE);
    assert!(screen.contains("data"), "{screen}");

    term.type_keys("q:q\r");
    assert!(term.wait_exit(Duration::from_secs(20)), "the console quits");
    handle.task.abort();
    runtime.block_on(sandbox.shutdown());
}

/// Two writers: while oncall-1's console reviews a promotion of `data`,
/// oncall-2 changes the policy through kube. oncall-1's `y` meets a 409; the
/// console shows oncall-2's change kept and the promotion re-applied to the
/// policy as it is now; the second `y` writes both.
#[test]
fn a_policy_changed_meanwhile_is_reviewed_again_and_never_reverted() {
    let runtime = runtime();
    let _entered = runtime.enter();
    let sandbox = runtime
        .block_on(Sandbox::start(SandboxOptions {
            scenarios: false,
            speed: 5.0,
            ..SandboxOptions::default()
        }))
        .expect("sandbox starts");
    let (mut term, _kubeconfig) = Terminal::spawn_against(&sandbox, "oncall-1", 160, 48);
    term.wait_for_text("live", PATIENCE);
    term.type_keys(":policies\r");
    term.wait_for("the data row", PATIENCE, |s| {
        row(s, "data").is_some_and(|r| r.contains("ReadOnlyAssist"))
    });
    let start = Instant::now();
    while !term.contents().lines().any(|l| l.starts_with("▌data")) {
        assert!(
            start.elapsed() < PATIENCE,
            "never reached data:\n{}",
            term.contents()
        );
        term.type_keys("j");
        std::thread::sleep(Duration::from_millis(200));
    }
    term.type_keys("e");
    term.wait_for_text("edit trust policy: data", PATIENCE);
    term.type_keys("l\r");
    term.wait_for_text("why:", PATIENCE);
    term.type_keys("ready\r");
    let review = term.wait_for_text("y apply", PATIENCE);
    assert!(review.contains("+ phase: LimitedWrite"), "{review}");

    // oncall-2 writes the policy meanwhile: two approvals.
    let two = sandbox.api().client("oncall-2").expect("client");
    let policies: Api<TrustPolicy> = Api::namespaced(two.clone(), "data");
    let now = runtime
        .block_on(policies.get(POLICY_NAME))
        .expect("the policy");
    let theirs = PolicyChangeRequest {
        namespace: "data".into(),
        base: Some(now.spec.clone()),
        base_resource_version: now.resource_version(),
        spec: TrustPolicySpec {
            required_approvals: 2,
            ..now.spec.clone()
        },
        actor: Identity {
            user: "oncall-2".into(),
            groups: Vec::new(),
            verified: true,
        },
        reason: Some("two people for writes".into()),
        override_phase_rule: false,
        context: None,
    };
    let data = tempfile::tempdir().expect("tempdir");
    let audit = AuditLog::open(data.path().join("audit.jsonl")).expect("audit log");
    runtime
        .block_on(apply_policy(&two, &theirs, &audit))
        .expect("oncall-2's change");

    term.type_keys("y");
    let again = term.wait_for_text("oncall-2 changed this policy", PATIENCE);
    assert!(again.contains("requiredApprovals 1 -> 2 (kept)"), "{again}");
    assert!(again.contains("+ phase: LimitedWrite"), "{again}");
    assert!(!again.contains("- requiredApprovals"), "{again}");
    let unchanged = runtime
        .block_on(policies.get(POLICY_NAME))
        .expect("the policy");
    assert_eq!(
        unchanged.spec.phase,
        Phase::ReadOnlyAssist,
        "nothing written yet"
    );

    term.type_keys("y");
    term.wait_for_text("trust policy of data changed", PATIENCE);
    let written = runtime
        .block_on(policies.get(POLICY_NAME))
        .expect("the policy");
    assert_eq!(written.spec.phase, Phase::LimitedWrite);
    assert_eq!(
        written.spec.required_approvals, 2,
        "oncall-2's change stands"
    );

    term.type_keys("q:q\r");
    assert!(term.wait_exit(Duration::from_secs(20)), "the console quits");
    runtime.block_on(sandbox.shutdown());
}
