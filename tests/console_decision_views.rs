//! Snapshots of the deciding views at 160x48, 80x24 and 40x12: the approvals
//! inbox (with who else is here and an unrecorded decision), the approval
//! confirmations (normal and high risk), the veto and edit text fields, an
//! approved proposal not run yet and its veto, and the audit view.

mod common;

use common::keys::{decided, forbidden_status_write, press, type_text};
use common::scene::oom_investigation;
use common::screen::screen;
use crossterm::event::KeyCode;
use kubevigil::app::action::Action;
use kubevigil::app::decisions::DecisionEvent;
use kubevigil::app::fixtures::{StateBuilder, at, proposal};
use kubevigil::app::records::{DecisionRecord, ProposalRecord};
use kubevigil::app::state::State;
use kubevigil::app::update;
use kubevigil::audit::{AuditAction, AuditRecord};
use kubevigil::decide::Presence;
use kubevigil::domain::{
    ActionKind, ActionTarget, Phase, ProposalState, ProposedAction, Risk, Verdict,
};

const SIZES: [(u16, u16); 3] = [(160, 48), (80, 24), (40, 12)];

fn snapshot_at_every_size(name: &str, scene: impl Fn(u16, u16) -> State) {
    for (columns, rows) in SIZES {
        let state = scene(columns, rows);
        insta::assert_snapshot!(format!("{name}_{columns}x{rows}"), screen(&state));
    }
}

fn world(columns: u16, rows: u16, risk: Risk) -> State {
    let mut state = StateBuilder::new()
        .size(columns, rows)
        .policy("kubevigil-agents", Phase::LimitedWrite)
        .investigation(oom_investigation())
        .proposal(proposal(
            "raise-mem-7f3a",
            "oom-7f3a9c",
            risk,
            ProposalState::Pending,
        ))
        .proposal(proposal(
            "restart-api-7f3a",
            "oom-7f3a9c",
            Risk::Low,
            ProposalState::Pending,
        ))
        .proposal(approved_by_rule())
        .build();
    update(
        &mut state,
        Action::Decisions(DecisionEvent::Presence(vec![Presence {
            user: "oncall-2".into(),
            console_id: "console-2".into(),
            viewing: Some("proposal kubevigil-agents/raise-mem-7f3a".into()),
            renewed_at: at(-5),
            expires_at: at(25),
        }])),
    );
    update(&mut state, Action::RunCommandLine("approvals".into()));
    state
}

/// A proposal the Autonomous rule approved, its agent not run yet.
fn approved_by_rule() -> ProposalRecord {
    let mut record = proposal(
        "scale-out-7f3a",
        "oom-7f3a9c",
        Risk::Low,
        ProposalState::AutoApproved,
    );
    record.approvals_required = Some(0);
    record.decisions.push(DecisionRecord {
        by: "rule:autonomous-risk-ceiling".into(),
        verified: false,
        at: at(-60),
        verdict: Verdict::Approve,
        reason: Some("low risk: within the Autonomous ceiling".into()),
        by_rule: true,
        edited: false,
    });
    record
}

#[test]
fn approvals_inbox() {
    snapshot_at_every_size("inbox", |c, r| {
        let mut state = world(c, r, Risk::High);
        // The second proposal: approve it and have the cluster refuse.
        press(&mut state, KeyCode::Down);
        press(&mut state, KeyCode::Char('a'));
        press(&mut state, KeyCode::Char('y'));
        let id = state.decisions.tracked[0].id;
        let pending = state.decisions.tracked[0].request.clone();
        decided(&mut state, id, Err(forbidden_status_write(pending)));
        state
    });
}

#[test]
fn approve_confirmation() {
    snapshot_at_every_size("confirm_approve", |c, r| {
        let mut state = world(c, r, Risk::Medium);
        press(&mut state, KeyCode::Char('a'));
        state
    });
}

#[test]
fn high_risk_confirmation_asks_for_the_name() {
    snapshot_at_every_size("confirm_high_risk", |c, r| {
        let mut state = world(c, r, Risk::Critical);
        press(&mut state, KeyCode::Char('a'));
        press(&mut state, KeyCode::Char('y'));
        type_text(&mut state, "raise-");
        state
    });
}

#[test]
fn veto_reason() {
    snapshot_at_every_size("veto", |c, r| {
        let mut state = world(c, r, Risk::Medium);
        press(&mut state, KeyCode::Char('v'));
        press(&mut state, KeyCode::Enter);
        type_text(&mut state, "the cache is cold");
        state
    });
}

#[test]
fn an_auto_approved_proposal_offers_only_the_veto() {
    snapshot_at_every_size("approved_proposal", |c, r| {
        let mut state = world(c, r, Risk::Medium);
        // The third row: approved by rule, its agent has not run it yet.
        press(&mut state, KeyCode::Down);
        press(&mut state, KeyCode::Down);
        press(&mut state, KeyCode::Enter);
        state
    });
}

#[test]
fn vetoing_an_approved_proposal_says_it_revokes_the_credential() {
    snapshot_at_every_size("veto_approved", |c, r| {
        let mut state = world(c, r, Risk::Medium);
        press(&mut state, KeyCode::Down);
        press(&mut state, KeyCode::Down);
        press(&mut state, KeyCode::Char('v'));
        type_text(&mut state, "not during the freeze");
        state
    });
}

#[test]
fn edit_before_approving() {
    snapshot_at_every_size("edit", |c, r| {
        let mut state = world(c, r, Risk::Medium);
        press(&mut state, KeyCode::Char('e'));
        let key = state.decisions.inbox[0].clone();
        update(
            &mut state,
            Action::Decisions(DecisionEvent::ActionLoaded {
                key,
                result: Ok(ProposedAction {
                    kind: ActionKind::Patch,
                    target: ActionTarget {
                        api_version: "apps/v1".into(),
                        kind: "Deployment".into(),
                        namespace: "payments".into(),
                        name: "api".into(),
                    },
                    patch: Some(
                        "spec:\n  template:\n    spec:\n      containers:\n      - name: api\n        resources:\n          limits:\n            memory: 1Gi\n"
                            .into(),
                    ),
                    patch_type: Some("strategic".into()),
                    command: None,
                    replicas: None,
                }),
            }),
        );
        type_text(&mut state, "x: [");
        update(
            &mut state,
            kubevigil::app::fixtures::key_with(
                KeyCode::Char('s'),
                crossterm::event::KeyModifiers::CONTROL,
            ),
        );
        state
    });
}

fn record(
    seconds: i64,
    actor: &str,
    action: AuditAction,
    object: &str,
    reason: Option<&str>,
) -> AuditRecord {
    AuditRecord {
        at: at(seconds),
        actor: actor.into(),
        verified: !actor.starts_with("rule:"),
        action,
        namespace: "payments".into(),
        object: object.into(),
        investigation: Some("oom-7f3a9c".into()),
        reason: reason.map(String::from),
        edited: false,
        context: Some("sandbox".into()),
        server: None,
        detail: None,
    }
}

#[test]
fn audit_view() {
    snapshot_at_every_size("audit", |c, r| {
        let mut state = world(c, r, Risk::Medium);
        update(&mut state, Action::RunCommandLine("audit".into()));
        update(
            &mut state,
            Action::Decisions(DecisionEvent::AuditLoaded(Ok(vec![
                record(
                    -600,
                    "oncall-2",
                    AuditAction::Veto,
                    "actionproposal/scale-7f3a",
                    Some("scale the cache first"),
                ),
                record(
                    -300,
                    "rule:timeout",
                    AuditAction::Expire,
                    "actionproposal/drain-7f3a",
                    Some("no decision before the proposal timeout"),
                ),
                record(
                    -60,
                    "oncall-1",
                    AuditAction::Approve,
                    "actionproposal/raise-mem-7f3a",
                    None,
                ),
            ]))),
        );
        type_text(&mut state, "/");
        type_text(&mut state, "oncall");
        state
    });
}
