//! The policies view and the policy editor: snapshots at 160x48, 80x24 and
//! 40x12 (the table, the form, the YAML, the diff, a validation error, the
//! unsealed-credentials switch, the review after a conflict), and what the
//! editor asks the runtime to do.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test, bench or example may panic on what it sets up

mod common;

use common::keys::{press, type_text};
use common::screen::{draw, text};
use crossterm::event::{KeyCode, KeyModifiers};
use kubevigil::app::action::Action;
use kubevigil::app::effect::Effect;
use kubevigil::app::fixtures::{StateBuilder, at, investigation, key_with, proposal};
use kubevigil::app::state::{EditorStage, State};
use kubevigil::app::update;
use kubevigil::audit::{AuditAction, LastChange};
use kubevigil::decide::Identity;
use kubevigil::domain::{InvestigationState, Phase, ProposalState, Risk, TrustPolicySpec};
use kubevigil::model::records::{ProposalKey, ProposalRecord};
use kubevigil::policy::{PolicyApplied, PolicyApplyError};

const SIZES: [(u16, u16); 3] = [(160, 48), (80, 24), (40, 12)];

/// A proposal in `namespace` in `state`, created `age` seconds before the fixture's now.
fn in_namespace(name: &str, namespace: &str, state: ProposalState) -> ProposalRecord {
    let mut record = proposal(name, "inv-1", Risk::Low, state);
    record.key = ProposalKey::new(namespace, name);
    record
}

/// payments (LimitedWrite) with evidence, checkout (Autonomous), data
/// (ReadOnlyAssist), and platform, seen only through an investigation: no policy.
fn world(columns: u16, rows: u16) -> State {
    let mut builder = StateBuilder::new()
        .size(columns, rows)
        .policy("payments", Phase::LimitedWrite)
        .policy("checkout", Phase::Autonomous)
        .policy("data", Phase::ReadOnlyAssist)
        .investigation(investigation(
            "oom-1",
            "platform",
            InvestigationState::Running,
            60,
        ));
    let states = [
        ProposalState::Executed,
        ProposalState::Executed,
        ProposalState::Executed,
        ProposalState::Failed,
        ProposalState::Approved,
        ProposalState::Vetoed,
        ProposalState::Expired,
        ProposalState::Pending,
    ];
    for (i, state) in states.into_iter().enumerate() {
        builder = builder.proposal(in_namespace(&format!("p-{i}"), "payments", state));
    }
    builder = builder.proposal(in_namespace("d-0", "data", ProposalState::Recorded));
    let mut state = builder.build();
    // checkout allows unsealed credentials: shown in its own colour.
    if let Some(checkout) = state.policies.get_mut("checkout") {
        checkout.spec.allow_unsealed_credentials = true;
    }
    update(&mut state, Action::RunCommandLine("policies".into()));
    state
}

/// The editor of `data`, open on its form.
fn editing_data(columns: u16, rows: u16) -> State {
    let mut state = world(columns, rows);
    press(&mut state, KeyCode::Char('j'));
    press(&mut state, KeyCode::Char('e'));
    state
}

fn snapshot_at_every_size(name: &str, scene: impl Fn(u16, u16) -> State) {
    for (columns, rows) in SIZES {
        let state = scene(columns, rows);
        insta::assert_snapshot!(format!("{name}_{columns}x{rows}"), text(&draw(&state)));
    }
}

#[test]
fn policies_table() {
    let state = world(160, 48);
    let screen = text(&draw(&state));
    assert!(screen.contains("Shadow (no policy)"), "{screen}");
    assert!(
        screen.contains("7 of 20 decisions; veto rate 29% > 10%"),
        "{screen}"
    );
    snapshot_at_every_size("policies", world);
}

#[test]
fn policy_editor_form() {
    snapshot_at_every_size("policy_editor_form", editing_data);
}

#[test]
fn policy_editor_yaml() {
    snapshot_at_every_size("policy_editor_yaml", |c, r| {
        let mut state = editing_data(c, r);
        press(&mut state, KeyCode::Char('y'));
        state
    });
}

/// data promoted to LimitedWrite, with a reason, on the diff.
fn reviewing_promotion(columns: u16, rows: u16) -> State {
    let mut state = editing_data(columns, rows);
    press(&mut state, KeyCode::Char('l'));
    press(&mut state, KeyCode::Enter);
    type_text(&mut state, "20 good suggestions");
    press(&mut state, KeyCode::Enter);
    state
}

#[test]
fn policy_editor_diff() {
    snapshot_at_every_size("policy_editor_diff", reviewing_promotion);
}

#[test]
fn policy_editor_validation_error() {
    snapshot_at_every_size("policy_editor_invalid", |c, r| {
        let mut state = editing_data(c, r);
        press(&mut state, KeyCode::Char('j'));
        press(&mut state, KeyCode::Backspace);
        type_text(&mut state, "3");
        press(&mut state, KeyCode::Enter);
        state
    });
}

fn stage(state: &State) -> Option<EditorStage> {
    state.policy_view.editor.as_ref().map(|e| e.stage)
}

#[test]
fn an_invalid_field_is_refused_before_anything_is_sent() {
    let mut state = editing_data(160, 48);
    press(&mut state, KeyCode::Char('j'));
    press(&mut state, KeyCode::Backspace);
    type_text(&mut state, "3");
    let effects = press(&mut state, KeyCode::Enter);
    assert!(!effects.iter().any(|e| matches!(e, Effect::ApplyPolicy(_))));
    assert_eq!(stage(&state), Some(EditorStage::Form));
    let screen = text(&draw(&state));
    assert!(
        screen.contains("requiredApprovals: 3 is outside 1..=2 people"),
        "{screen}"
    );
}

#[test]
fn skipping_a_phase_needs_the_override_and_a_reason() {
    let mut state = editing_data(160, 48);
    press(&mut state, KeyCode::Char('l'));
    press(&mut state, KeyCode::Char('l'));
    press(&mut state, KeyCode::Enter);
    assert_eq!(
        stage(&state),
        Some(EditorStage::Form),
        "refused without the override"
    );
    let screen = text(&draw(&state));
    assert!(screen.contains("skips LimitedWrite"), "{screen}");
    press(&mut state, KeyCode::Char('o'));
    assert_eq!(stage(&state), Some(EditorStage::Reason));
    press(&mut state, KeyCode::Enter);
    assert_eq!(
        stage(&state),
        Some(EditorStage::Reason),
        "no reason, no diff"
    );
    let screen = text(&draw(&state));
    assert!(screen.contains("needs a reason"), "{screen}");
    type_text(&mut state, "mirror of staging");
    press(&mut state, KeyCode::Enter);
    let effects = press(&mut state, KeyCode::Char('y'));
    let request = effects.iter().find_map(|e| match e {
        Effect::ApplyPolicy(request) => Some(request.clone()),
        _ => None,
    });
    let request = request.expect("the change is sent as an effect");
    assert_eq!(request.spec.phase, Phase::Autonomous);
    assert!(request.override_phase_rule);
    assert_eq!(request.reason.as_deref(), Some("mirror of staging"));
    assert_eq!(request.base_resource_version.as_deref(), Some("1"));
}

#[test]
fn a_confirmed_change_is_sent_and_its_result_comes_back() {
    let mut state = reviewing_promotion(160, 48);
    assert_eq!(stage(&state), Some(EditorStage::Diff));
    let effects = press(&mut state, KeyCode::Char('y'));
    let Some(Effect::ApplyPolicy(request)) = effects
        .into_iter()
        .find(|e| matches!(e, Effect::ApplyPolicy(_)))
    else {
        panic!("no ApplyPolicy effect");
    };
    assert_eq!(request.namespace, "data");
    assert_eq!(request.actor.user, "oncall-1");
    assert_eq!(request.spec.phase, Phase::LimitedWrite);
    assert_eq!(stage(&state), Some(EditorStage::Applying));

    // Someone else got there first: the editor reloads their policy, re-applies
    // the promotion to it and shows the review again, naming who changed what.
    let conflict = PolicyApplyError::Conflict {
        namespace: "data".into(),
        changed_by: Some("oncall-2".into()),
        at: Some(at(0)),
        what: Some("requiredApprovals 1 -> 2".into()),
        current: Some(Box::new(TrustPolicySpec {
            phase: Phase::ReadOnlyAssist,
            required_approvals: 2,
            ..TrustPolicySpec::default()
        })),
        current_resource_version: Some("7".into()),
        deleted: false,
    };
    update(&mut state, Action::PolicyApplied(Box::new(Err(conflict))));
    assert_eq!(stage(&state), Some(EditorStage::Diff));
    let screen = text(&draw(&state));
    assert!(
        screen.contains("oncall-2 changed this policy at"),
        "{screen}"
    );
    assert!(
        screen.contains("requiredApprovals 1 -> 2 (kept)"),
        "{screen}"
    );
    assert!(screen.contains("+ phase: LimitedWrite"), "{screen}");
    assert!(
        screen.contains("  requiredApprovals: 2"),
        "their change is in the new spec, unchanged: {screen}"
    );
    let editor = state.policy_view.editor.as_ref().expect("still open");
    assert_eq!(editor.base_resource_version.as_deref(), Some("7"));
    let pending = editor.pending.as_ref().expect("the rebased change");
    assert_eq!(
        (pending.phase, pending.required_approvals),
        (Phase::LimitedWrite, 2)
    );

    // Applied: the editor closes and the result is shown.
    let applied = PolicyApplied {
        namespace: "data".into(),
        resource_version: Some("8".into()),
        created: false,
        change: LastChange {
            by: "oncall-1".into(),
            verified: true,
            at: at(0),
            action: AuditAction::PolicyChange,
            what: "phase ReadOnlyAssist -> LimitedWrite".into(),
            why: None,
        },
        warnings: Vec::new(),
    };
    update(&mut state, Action::PolicyApplied(Box::new(Ok(applied))));
    assert!(state.policy_view.editor.is_none());
    let screen = text(&draw(&state));
    assert!(
        screen.contains("trust policy of data changed: phase ReadOnlyAssist -> LimitedWrite"),
        "{screen}"
    );
    let _ = Identity::unverified("unused");
}

#[test]
fn a_namespace_without_a_policy_gets_one_with_n_and_read_only_consoles_cannot_edit() {
    let mut state = world(160, 48);
    let platform = state
        .policy_view
        .rows
        .iter()
        .position(|r| r.namespace == "platform")
        .expect("platform is in scope");
    for _ in 0..platform {
        press(&mut state, KeyCode::Char('j'));
    }
    press(&mut state, KeyCode::Char('n'));
    let editor = state.policy_view.editor.as_ref().expect("the editor opens");
    assert!(editor.creates());
    assert_eq!(editor.form.phase, Phase::Shadow);
    update(&mut state, key_with(KeyCode::Esc, KeyModifiers::NONE));
    assert!(state.policy_view.editor.is_none());

    let mut readonly = StateBuilder::new()
        .readonly(true)
        .policy("data", Phase::Shadow)
        .build();
    update(&mut readonly, Action::RunCommandLine("policies".into()));
    press(&mut readonly, KeyCode::Char('e'));
    assert!(readonly.policy_view.editor.is_none());
}

#[test]
fn no_panic_at_tiny_sizes_in_any_stage() {
    for (columns, rows) in [(1, 1), (2, 1), (3, 3), (10, 4), (20, 6), (0, 0)] {
        let mut state = reviewing_promotion(columns, rows);
        draw(&state);
        press(&mut state, KeyCode::Char('n'));
        draw(&state);
        press(&mut state, KeyCode::Char('y'));
        draw(&state);
        press(&mut state, KeyCode::Esc);
        draw(&state);
        let mut with_error = editing_data(columns, rows);
        press(&mut with_error, KeyCode::Char('l'));
        press(&mut with_error, KeyCode::Char('l'));
        press(&mut with_error, KeyCode::Enter);
        draw(&with_error);
    }
}

#[test]
fn the_evidence_window_slides_while_the_policies_view_is_open() {
    let mut record = in_namespace("old-1", "payments", ProposalState::Executed);
    record.created = Some(at(-(7 * 24 * 3600 - 30)));
    let mut state = StateBuilder::new()
        .policy("payments", Phase::LimitedWrite)
        .proposal(record)
        .build();
    update(&mut state, Action::RunCommandLine("policies".into()));
    assert!(state.ticking, "the clock runs while the window can slide");
    let payments = |state: &State| {
        state
            .policy_view
            .rows
            .iter()
            .find(|r| r.namespace == "payments")
            .map(|r| r.evidence.proposals)
    };
    assert_eq!(payments(&state), Some(1));
    let effects = update(&mut state, Action::Tick(at(60)));
    assert_eq!(
        payments(&state),
        Some(0),
        "a proposal older than the week dropped out"
    );
    assert!(effects.contains(&Effect::Redraw));
}

/// The change `y` sent, if any.
fn sent(effects: &[Effect]) -> Option<kubevigil::policy::PolicyChangeRequest> {
    effects.iter().find_map(|e| match e {
        Effect::ApplyPolicy(request) => Some((**request).clone()),
        _ => None,
    })
}

#[test]
fn the_policies_view_shows_whether_unsealed_credentials_are_allowed() {
    let state = world(160, 48);
    let screen = text(&draw(&state));
    let checkout = screen
        .lines()
        .find(|l| l.contains("checkout") && l.contains("Autonomous"))
        .expect("the checkout row");
    assert!(checkout.contains("unsealed"), "{screen}");
    let payments = screen
        .lines()
        .find(|l| l.contains("payments") && l.contains("LimitedWrite"))
        .expect("the payments row");
    assert!(payments.contains("sealed"), "{screen}");
    assert!(
        screen.contains("unsealed credentials: allowed — a proposal naming no credentialRecipient"),
        "the selected row (checkout) says what it means: {screen}"
    );
}

/// data's editor on the unsealed-credentials switch, turned to allowed.
fn allowing_unsealed(columns: u16, rows: u16) -> State {
    let mut state = editing_data(columns, rows);
    for _ in 0..5 {
        press(&mut state, KeyCode::Char('j'));
    }
    press(&mut state, KeyCode::Char('l'));
    state
}

#[test]
fn unsealed_credentials_are_a_switch_in_the_form() {
    snapshot_at_every_size("policy_editor_unsealed", allowing_unsealed);
    let state = editing_data(160, 48);
    let screen = text(&draw(&state));
    assert!(
        screen.contains("unsealed credentials     ◂ refused (default) ▸"),
        "{screen}"
    );
    let mut state = allowing_unsealed(160, 48);
    let screen = text(&draw(&state));
    assert!(
        screen.contains("◂ allowed ▸ wrapping token in plain text"),
        "{screen}"
    );
    assert!(
        screen.contains("gets its wrapping token in plain text in its status"),
        "{screen}"
    );
    press(&mut state, KeyCode::Enter);
    type_text(&mut state, "agents without age");
    press(&mut state, KeyCode::Enter);
    let screen = text(&draw(&state));
    assert!(
        screen.contains("+ allowUnsealedCredentials: true"),
        "{screen}"
    );
    let request = sent(&press(&mut state, KeyCode::Char('y'))).expect("sent");
    assert!(request.spec.allow_unsealed_credentials);
    assert_eq!(request.spec.phase, Phase::ReadOnlyAssist);
    // Space toggles it back.
    let mut state = allowing_unsealed(160, 48);
    press(&mut state, KeyCode::Char(' '));
    let editor = state.policy_view.editor.as_ref().expect("open");
    assert!(!editor.form.allow_unsealed);
}

/// The policy oncall-2 wrote while oncall-1 was editing data: two approvals
/// and a 120 s credential TTL.
fn theirs() -> PolicyApplyError {
    PolicyApplyError::Conflict {
        namespace: "data".into(),
        changed_by: Some("oncall-2".into()),
        at: Some(at(-30)),
        what: Some("requiredApprovals 1 -> 2; credentialTtlSeconds 300 -> 120".into()),
        current: Some(Box::new(TrustPolicySpec {
            phase: Phase::ReadOnlyAssist,
            required_approvals: 2,
            credential_ttl_seconds: 120,
            ..TrustPolicySpec::default()
        })),
        current_resource_version: Some("7".into()),
        deleted: false,
    }
}

/// oncall-1 promotes data to LimitedWrite with a 600 s credential TTL and
/// applies; the cluster answers 409 with oncall-2's policy ([`theirs`]).
fn after_a_conflict(columns: u16, rows: u16) -> State {
    let mut state = editing_data(columns, rows);
    press(&mut state, KeyCode::Char('l'));
    for _ in 0..3 {
        press(&mut state, KeyCode::Char('j'));
    }
    for _ in 0..3 {
        press(&mut state, KeyCode::Backspace);
    }
    type_text(&mut state, "600");
    press(&mut state, KeyCode::Enter);
    type_text(&mut state, "20 good suggestions");
    press(&mut state, KeyCode::Enter);
    press(&mut state, KeyCode::Char('G'));
    let request = sent(&press(&mut state, KeyCode::Char('y'))).expect("the first apply");
    assert_eq!(request.base_resource_version.as_deref(), Some("1"));
    update(&mut state, Action::PolicyApplied(Box::new(Err(theirs()))));
    state
}

#[test]
fn after_a_conflict_the_review_names_who_changed_what_and_the_collision() {
    snapshot_at_every_size("policy_editor_conflict", after_a_conflict);
    snapshot_at_every_size("policy_editor_conflict_scrolled", |c, r| {
        let mut state = after_a_conflict(c, r);
        press(&mut state, KeyCode::Char('G'));
        state
    });
    let mut state = after_a_conflict(160, 48);
    assert_eq!(stage(&state), Some(EditorStage::Diff));
    let screen = text(&draw(&state));
    for expected in [
        "oncall-2 changed this policy at",
        "nothing was overwritten. Changed meanwhile:",
        "requiredApprovals 1 -> 2 (kept)",
        "✗ credentialTtlSeconds: oncall-2 set 120, you set 600 (was 300)",
        "replaces 120 with 600",
        "- phase: ReadOnlyAssist",
        "+ phase: LimitedWrite",
        "  requiredApprovals: 2",
        "- credentialTtlSeconds: 120",
        "+ credentialTtlSeconds: 600",
        "why: 20 good suggestions",
    ] {
        assert!(screen.contains(expected), "{expected:?} missing:\n{screen}");
    }
    assert!(
        !screen.contains("- requiredApprovals"),
        "their change is not reverted: {screen}"
    );
    // y confirms again: the rebased spec, guarded by the policy's version now.
    let request = sent(&press(&mut state, KeyCode::Char('y'))).expect("sent again");
    assert_eq!(request.base_resource_version.as_deref(), Some("7"));
    assert_eq!(request.spec.phase, Phase::LimitedWrite);
    assert_eq!(request.spec.required_approvals, 2);
    assert_eq!(request.spec.credential_ttl_seconds, 600);
    assert_eq!(request.reason.as_deref(), Some("20 good suggestions"));
    assert_eq!(
        request.base.as_ref().map(|b| b.required_approvals),
        Some(2),
        "the base is their policy"
    );
}

#[test]
fn a_review_that_does_not_fit_applies_only_once_all_of_it_was_on_screen() {
    let mut state = after_a_conflict(40, 12);
    assert_eq!(stage(&state), Some(EditorStage::Diff));
    assert_eq!(sent(&press(&mut state, KeyCode::Char('y'))), None);
    let screen = text(&draw(&state));
    assert!(
        screen.contains("more · j scroll · y at the end"),
        "{screen}"
    );
    let mut sent_at = None;
    for step in 0..40 {
        press(&mut state, KeyCode::Char('j'));
        if let Some(request) = sent(&press(&mut state, KeyCode::Char('y'))) {
            sent_at = Some((step, request));
            break;
        }
    }
    let (steps, request) = sent_at.expect("applies once scrolled to the end");
    assert!(steps > 0, "it needed scrolling at 40x12");
    assert_eq!(request.spec.credential_ttl_seconds, 600);
    assert_eq!(request.spec.required_approvals, 2);
}

#[test]
fn a_conflict_where_they_made_my_change_leaves_nothing_to_apply() {
    let mut state = editing_data(160, 48);
    press(&mut state, KeyCode::Char('j'));
    press(&mut state, KeyCode::Backspace);
    type_text(&mut state, "2");
    press(&mut state, KeyCode::Enter);
    press(&mut state, KeyCode::Enter);
    sent(&press(&mut state, KeyCode::Char('y'))).expect("sent");
    let same = PolicyApplyError::Conflict {
        namespace: "data".into(),
        changed_by: Some("oncall-2".into()),
        at: Some(at(-5)),
        what: Some("requiredApprovals 1 -> 2".into()),
        current: Some(Box::new(TrustPolicySpec {
            phase: Phase::ReadOnlyAssist,
            required_approvals: 2,
            ..TrustPolicySpec::default()
        })),
        current_resource_version: Some("9".into()),
        deleted: false,
    };
    update(&mut state, Action::PolicyApplied(Box::new(Err(same))));
    assert_eq!(stage(&state), Some(EditorStage::Form));
    let screen = text(&draw(&state));
    assert!(
        screen.contains("nothing left to change: the policy as it is now"),
        "{screen}"
    );
}

#[test]
fn a_deleted_policy_or_an_unreadable_one_is_never_overwritten_blindly() {
    // Deleted meanwhile: the change now creates the policy, from Shadow, so
    // the promotion to LimitedWrite skips a phase and is refused as such.
    let mut state = reviewing_promotion(160, 48);
    sent(&press(&mut state, KeyCode::Char('y'))).expect("sent");
    let deleted = PolicyApplyError::Conflict {
        namespace: "data".into(),
        changed_by: None,
        at: None,
        what: Some("the policy was deleted".into()),
        current: None,
        current_resource_version: None,
        deleted: true,
    };
    update(&mut state, Action::PolicyApplied(Box::new(Err(deleted))));
    let editor = state.policy_view.editor.as_ref().expect("open");
    assert!(editor.creates());
    assert_eq!(editor.stage, EditorStage::Form);
    let screen = text(&draw(&state));
    assert!(screen.contains("skips ReadOnlyAssist"), "{screen}");
    assert!(screen.contains("policy was deleted"), "{screen}");

    // Could not be read: keep everything, including the precondition.
    let mut state = reviewing_promotion(160, 48);
    sent(&press(&mut state, KeyCode::Char('y'))).expect("sent");
    let unknown = PolicyApplyError::Conflict {
        namespace: "data".into(),
        changed_by: None,
        at: None,
        what: None,
        current: None,
        current_resource_version: None,
        deleted: false,
    };
    update(&mut state, Action::PolicyApplied(Box::new(Err(unknown))));
    let editor = state.policy_view.editor.as_ref().expect("open");
    assert_eq!(editor.base_resource_version.as_deref(), Some("1"));
    assert_eq!(editor.stage, EditorStage::Form);
    let screen = text(&draw(&state));
    assert!(screen.contains("could not be read"), "{screen}");
}

#[test]
fn editing_again_after_a_conflict_keeps_the_review_current() {
    let mut state = after_a_conflict(160, 48);
    // Back to the form: take oncall-2's TTL after all.
    press(&mut state, KeyCode::Char('n'));
    let editor = state.policy_view.editor.as_ref().expect("open");
    assert_eq!(
        editor.form.credential_ttl, "600",
        "the form holds the rebased spec"
    );
    assert_eq!(editor.form.required_approvals, "2");
    for _ in 0..3 {
        press(&mut state, KeyCode::Backspace);
    }
    type_text(&mut state, "120");
    press(&mut state, KeyCode::Enter);
    press(&mut state, KeyCode::Enter);
    let screen = text(&draw(&state));
    assert!(!screen.contains("✗ credentialTtlSeconds"), "{screen}");
    assert!(
        screen.contains("credentialTtlSeconds 300 -> 120 (kept)"),
        "{screen}"
    );
    assert!(!screen.contains("+ credentialTtlSeconds"), "{screen}");
    let request = sent(&press(&mut state, KeyCode::Char('y'))).expect("sent");
    assert_eq!(request.spec.credential_ttl_seconds, 120);
    assert_eq!(request.spec.phase, Phase::LimitedWrite);
}
