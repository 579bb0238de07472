//! End-to-end: the real binary in a pseudo-terminal against a quiet sandbox.
//! A proposal whose change does not fit the approve dialog cannot be approved
//! until all of it has been on screen, and what is approved is the digest that
//! runs; a dialog whose proposal is decided underneath it closes and says so.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test, bench or example may panic on what it sets up

mod common;

use common::pty::{Terminal, runtime};
use common::world::{audit_log, create_judged, create_policy, scale_api};
use kube::Api;
use kubevigil::decide::{Decider, PendingDecision};
use kubevigil::domain::{
    ActionKind, ActionProposal, Phase, ProposalState, Risk, TrustPolicySpec, Verdict,
};
use kubevigil::sandbox::api::AGENT_USER;
use kubevigil::sandbox::{Sandbox, SandboxOptions};
use std::time::{Duration, Instant};

const PATIENCE: Duration = Duration::from_secs(60);
const NS: &str = "ledger";

/// A quiet sandbox (no scenarios) whose namespace `ledger` is in LimitedWrite
/// (one approval) and holds `proposal`, judged as the governor would.
fn sandbox_with(proposal: ActionProposal) -> (tokio::runtime::Runtime, Sandbox) {
    let rt = runtime();
    let sandbox = rt.block_on(async {
        let sandbox = Sandbox::start(SandboxOptions {
            port: 0,
            extra_investigations: 0,
            speed: 1.0,
            scenarios: false,
            ..SandboxOptions::default()
        })
        .await
        .expect("start the sandbox");
        let agent = sandbox.api().client(AGENT_USER).expect("client");
        create_policy(
            agent.clone(),
            NS,
            TrustPolicySpec {
                phase: Phase::LimitedWrite,
                required_approvals: 1,
                ..TrustPolicySpec::default()
            },
        )
        .await;
        create_judged(&agent, &proposal).await;
        sandbox
    });
    (rt, sandbox)
}

/// A JSON patch of `ops` operations on Deployment `ledger/api`.
fn many_ops(name: &str, ops: usize) -> ActionProposal {
    let operations: Vec<String> = (1..=ops)
        .map(|i| {
            format!(r#"{{"op":"add","path":"/metadata/annotations/step-{i}","value":"v{i}"}}"#)
        })
        .collect();
    let mut spec = scale_api(NS, "inv-long", Risk::Low);
    spec.summary = "annotate api".into();
    spec.action.kind = ActionKind::Patch;
    spec.action.replicas = None;
    spec.action.patch_type = Some("json".into());
    spec.action.patch = Some(format!("[{}]", operations.join(",")));
    let mut proposal = ActionProposal::new(name, spec);
    proposal.metadata.namespace = Some(NS.into());
    proposal
}

fn state_of(rt: &tokio::runtime::Runtime, sandbox: &Sandbox, name: &str) -> ActionProposal {
    rt.block_on(async {
        let api: Api<ActionProposal> =
            Api::namespaced(sandbox.api().client(AGENT_USER).expect("client"), NS);
        api.get(name).await.expect("read the proposal")
    })
}

/// Opens the approvals inbox and the approve dialog on its first entry.
fn open_approve_dialog(term: &mut Terminal, name: &str) -> String {
    term.wait_for_text("1 awaiting approval", PATIENCE);
    term.type_keys(":approvals\r");
    term.wait_for_text(name, PATIENCE);
    term.type_keys("a");
    // "sha256" is in the inbox's preview too: wait for the dialog's own hint.
    term.wait_for("the approve dialog", PATIENCE, |s| {
        s.contains("press y to approve") || s.contains("scroll to the end to approve")
    })
}

#[test]
fn a_change_that_does_not_fit_is_approved_only_once_all_of_it_was_on_screen() {
    let (rt, sandbox) = sandbox_with(many_ops("annotate-api", 60));
    let (mut term, _kubeconfig) = Terminal::spawn_against(&sandbox, "oncall-1", 100, 30);
    let dialog = open_approve_dialog(&mut term, "annotate-api");
    assert!(dialog.contains("60 operations"), "{dialog}");
    assert!(
        dialog.contains("1. add /metadata/annotations/step-1"),
        "{dialog}"
    );
    assert!(!dialog.contains("60. add"), "it does not fit: {dialog}");

    term.type_keys("y");
    let refused = term.wait_for_text("scroll to the end to approve", PATIENCE);
    assert!(refused.contains("more line"), "{refused}");
    std::thread::sleep(Duration::from_millis(500));
    assert_eq!(
        state_of(&rt, &sandbox, "annotate-api").state(),
        ProposalState::Pending,
        "y did not approve what was never on screen"
    );

    let deadline = Instant::now() + PATIENCE;
    while !term
        .contents()
        .contains("60. add /metadata/annotations/step-60")
    {
        assert!(Instant::now() < deadline, "{}", term.contents());
        term.type_keys(" ");
        std::thread::sleep(Duration::from_millis(100));
    }
    term.type_keys("y");
    let deadline = Instant::now() + PATIENCE;
    let approved = loop {
        let proposal = state_of(&rt, &sandbox, "annotate-api");
        if proposal.state() == ProposalState::Approved {
            break proposal;
        }
        assert!(Instant::now() < deadline, "{}", term.contents());
        std::thread::sleep(Duration::from_millis(200));
    };
    let decision = approved.decisions().last().cloned().expect("a decision");
    assert_eq!(decision.by, "oncall-1");
    assert_eq!(
        decision.action_digest,
        Some(approved.effective_action().digest()),
        "the approval names the digest that runs"
    );
    term.quit();
}

#[test]
fn a_dialog_whose_proposal_is_decided_underneath_it_closes_and_says_why() {
    let mut proposal = ActionProposal::new("scale-api", scale_api(NS, "inv-1", Risk::Low));
    proposal.metadata.namespace = Some(NS.into());
    let (rt, sandbox) = sandbox_with(proposal);
    let (mut term, _kubeconfig) = Terminal::spawn_against(&sandbox, "oncall-1", 160, 40);
    let dialog = open_approve_dialog(&mut term, "scale-api");
    assert!(dialog.contains("press y to approve"), "{dialog}");

    rt.block_on(async {
        let client = sandbox.api().client("oncall-2").expect("client");
        let identity = kubevigil::decide::whoami(&client, None).await;
        let (_data, audit) = audit_log();
        let veto = PendingDecision::new(identity.clone(), NS, "scale-api", Verdict::Veto)
            .with_reason(Some("wrong deployment".into()))
            .in_context("test");
        Decider::new(client, identity)
            .with_audit(audit)
            .with_vault(None)
            .decide(&veto)
            .await
            .expect("oncall-2 vetoes");
    });
    let closed = term.wait_for_text("closed your approval", PATIENCE);
    assert!(!closed.contains("press y to approve"), "{closed}");
    term.type_keys("y");
    std::thread::sleep(Duration::from_millis(500));
    let after = state_of(&rt, &sandbox, "scale-api");
    assert_eq!(after.state(), ProposalState::Vetoed);
    assert_eq!(
        after.decisions().len(),
        1,
        "the y after closing sent nothing"
    );
    term.quit();
}
