//! End-to-end: the real binary in a pseudo-terminal runs the demo sandbox;
//! the operator approves a LimitedWrite proposal and sees the agent execute it.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test, bench or example may panic on what it sets up

mod common;

use common::pty::Terminal;
use std::time::Duration;

const PATIENCE: Duration = Duration::from_secs(90);

#[test]
fn approving_a_proposal_in_the_demo_gets_it_executed() {
    let mut term = Terminal::spawn(&["demo", "--speed", "3", "--reliable"], 160, 48, &[]);
    // The rollout scenario runs in `web`, a LimitedWrite namespace needing one approval.
    term.open_investigation("rollout", PATIENCE);
    term.wait_for("the rollout proposal in the detail", PATIENCE, |s| {
        s.contains("proposals 1 (1 pending)")
    });
    term.type_keys("\t");
    term.type_keys("\r");
    let proposal = term.wait_for_text("Roll storefront back", PATIENCE);
    assert!(proposal.contains("LIMITED"), "{proposal}");
    assert!(proposal.contains("Pending"), "{proposal}");

    term.type_keys("a");
    let confirm = term.wait_for_text("press y to approve", PATIENCE);
    assert!(
        confirm.contains("apps/v1/Deployment web/storefront"),
        "{confirm}"
    );
    assert!(confirm.contains("0 of 1 approvals"), "{confirm}");
    term.type_keys("y");
    // `--reliable`: the sandbox's agents neither crash nor meet a webhook denial.
    let done = term.wait_for("the agent to report Executed", PATIENCE, |s| {
        s.contains("Executed") && s.contains("execution")
    });
    assert!(
        done.contains("✔ approved oncall-1"),
        "the decision is listed with who made it:\n{done}"
    );
    term.quit();
}
