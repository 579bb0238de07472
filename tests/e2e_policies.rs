//! End-to-end: in the sandbox, change namespace `data` from ReadOnlyAssist to
//! LimitedWrite through the console's policy editor, then see the next
//! proposal there become approvable (Pending, not Recorded).

mod common;

use common::pty::{Terminal, runtime};
use kube::Api;
use kubevigil::domain::policy::POLICY_NAME;
use kubevigil::domain::{ActionProposal, Phase, ProposalState, TrustPolicy};
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
