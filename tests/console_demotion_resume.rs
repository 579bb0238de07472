//! The console's side of demotion and resume: `:policies` showing a
//! governor's demotion with its evidence and a halted namespace (snapshots
//! at 160x48, 80x24 and 40x12), and the resume key (`U`) in `:policies` and
//! the investigations view: the Jobs on the first `y`, the phase before the
//! halt only on a second `y`, nothing in read-only mode.

mod common;

use common::keys::press;
use common::screen::{draw, text};
use crossterm::event::KeyCode;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::Time;
use kubevigil::app::action::Action;
use kubevigil::app::effect::Effect;
use kubevigil::app::fixtures::{StateBuilder, at, investigation};
use kubevigil::app::state::{Modal, State};
use kubevigil::app::update;
use kubevigil::cluster::decision_tasks::{DecisionEffect, DecisionEvent};
use kubevigil::decide::ResumeOutcome;
use kubevigil::domain::policy::{DemotionCriteria, DemotionEvidence, DemotionRecord};
use kubevigil::domain::{InvestigationState, Phase};

const SIZES: [(u16, u16); 3] = [(160, 48), (80, 24), (40, 12)];

/// checkout demoted by the governor from Autonomous to LimitedWrite (its
/// criteria set), payments halted from LimitedWrite, data untouched.
fn builder(columns: u16, rows: u16) -> StateBuilder {
    StateBuilder::new()
        .size(columns, rows)
        .policy("checkout", Phase::LimitedWrite)
        .policy("payments", Phase::Shadow)
        .policy("data", Phase::ReadOnlyAssist)
        .investigation(investigation(
            "pay-1",
            "payments",
            InvestigationState::Suspended,
            60,
        ))
}

fn dress(mut state: State) -> State {
    if let Some(checkout) = state.policies.get_mut("checkout") {
        checkout.spec.demotion = Some(DemotionCriteria::default());
        checkout.last_demotion = Some(DemotionRecord {
            at: Time(at(-120)),
            from: Phase::Autonomous,
            to: Phase::LimitedWrite,
            reason: "4 of 5 executed actions failed (80% > 20%) in 24h".into(),
            evidence: DemotionEvidence {
                window_hours: 24,
                executions: 5,
                failed: 4,
                decisions: 5,
                refused: 0,
            },
        });
    }
    if let Some(payments) = state.policies.get_mut("payments") {
        payments.halted_from = Some(Phase::LimitedWrite);
    }
    update(&mut state, Action::RunCommandLine("policies".into()));
    state
}

fn world(columns: u16, rows: u16) -> State {
    dress(builder(columns, rows).build())
}

fn resumes(effects: &[Effect]) -> Vec<(String, bool)> {
    effects
        .iter()
        .filter_map(|e| match e {
            Effect::Decisions(DecisionEffect::Resume {
                namespace,
                restore_phase,
                ..
            }) => Some((namespace.clone(), *restore_phase)),
            _ => None,
        })
        .collect()
}

/// Moves the `:policies` cursor to `namespace`.
fn select(state: &mut State, namespace: &str) {
    for _ in 0..10 {
        if state
            .policy_view
            .selected()
            .is_some_and(|r| r.namespace == namespace)
        {
            return;
        }
        press(state, KeyCode::Char('j'));
    }
    panic!("{namespace} is not in :policies");
}

#[test]
fn policies_show_the_demotion_with_its_evidence_and_the_halt() {
    let state = world(160, 48);
    let screen = text(&draw(&state));
    assert!(screen.contains("LimitedWrite ↓"), "{screen}");
    assert!(screen.contains("Shadow (halted)"), "{screen}");
    let mut state = state;
    select(&mut state, "checkout");
    let screen = text(&draw(&state));
    assert!(
        screen.contains("demoted by the governor at 02:12:07: Autonomous -> LimitedWrite"),
        "{screen}"
    );
    assert!(
        screen.contains("4 of 5 executed actions failed (80% > 20%) in 24h"),
        "{screen}"
    );
    assert!(
        screen.contains("5 executions, 4 failed; 5 decisions, 0 vetoed or expired"),
        "{screen}"
    );
    assert!(
        screen.contains("failed executions > 20% or vetoes > 50% over 24h (at least 5 samples)"),
        "{screen}"
    );
    for (columns, rows) in SIZES {
        let mut state = world(columns, rows);
        select(&mut state, "checkout");
        insta::assert_snapshot!(
            format!("policies_demoted_{columns}x{rows}"),
            text(&draw(&state))
        );
    }
}

#[test]
fn resume_from_policies_restores_the_phase_only_after_a_second_confirmation() {
    let mut state = world(160, 48);
    select(&mut state, "payments");
    let screen = text(&draw(&state));
    assert!(
        screen.contains("halted (was LimitedWrite): U resumes its investigations"),
        "{screen}"
    );
    let effects = press(&mut state, KeyCode::Char('U'));
    assert!(resumes(&effects).is_empty());
    assert!(matches!(
        state.decisions.modal,
        Some(Modal::Resume {
            phase_step: false,
            ..
        })
    ));
    let dialog = text(&draw(&state));
    assert!(dialog.contains("resume namespace payments"), "{dialog}");
    assert!(dialog.contains("the phase stays Shadow"), "{dialog}");
    // The first y asks about the phase; nothing is sent yet.
    let effects = press(&mut state, KeyCode::Char('y'));
    assert!(resumes(&effects).is_empty());
    let dialog = text(&draw(&state));
    assert!(
        dialog.contains("also restore payments's phase to LimitedWrite"),
        "{dialog}"
    );
    // The second y restores it.
    let effects = press(&mut state, KeyCode::Char('y'));
    assert_eq!(resumes(&effects), [("payments".to_string(), true)]);
    assert!(state.decisions.modal.is_none());

    // The answer is a notice, as for every decision.
    let id = state.decisions.busy.first().map(|(id, _)| *id).unwrap_or(0);
    let effects = update(
        &mut state,
        Action::Decisions(DecisionEvent::Resumed {
            id,
            result: Ok(ResumeOutcome {
                namespace: "payments".into(),
                resumed: vec!["inv-pay-1".into()],
                restored: Some(Phase::LimitedWrite),
                not_restored: None,
                warnings: Vec::new(),
            }),
        }),
    );
    drop(effects);
    assert!(state.decisions.busy.is_empty());
    let screen = text(&draw(&state));
    assert!(
        screen.contains("resumed payments: 1 Jobs un-suspended; phase Shadow -> LimitedWrite"),
        "{screen}"
    );
}

#[test]
fn n_at_the_second_confirmation_resumes_the_jobs_only() {
    let mut state = world(160, 48);
    select(&mut state, "payments");
    press(&mut state, KeyCode::Char('U'));
    press(&mut state, KeyCode::Char('y'));
    let effects = press(&mut state, KeyCode::Char('n'));
    assert_eq!(resumes(&effects), [("payments".to_string(), false)]);
    // Any other key at the first step cancels.
    press(&mut state, KeyCode::Char('U'));
    let effects = press(&mut state, KeyCode::Char('x'));
    assert!(resumes(&effects).is_empty());
    assert!(state.decisions.modal.is_none());
}

#[test]
fn resume_from_the_investigations_view_acts_on_the_target_namespace() {
    let mut state = world(160, 48);
    update(&mut state, Action::RunCommandLine("investigations".into()));
    press(&mut state, KeyCode::Char('U'));
    assert!(matches!(
        &state.decisions.modal,
        Some(Modal::Resume { namespace, halted_from: Some(Phase::LimitedWrite), .. }) if namespace == "payments"
    ));
    press(&mut state, KeyCode::Char('y'));
    let effects = press(&mut state, KeyCode::Char('y'));
    assert_eq!(resumes(&effects), [("payments".to_string(), true)]);
}

#[test]
fn without_a_recorded_halt_one_confirmation_resumes_the_jobs_only() {
    let mut state = world(160, 48);
    select(&mut state, "data");
    press(&mut state, KeyCode::Char('U'));
    let effects = press(&mut state, KeyCode::Char('y'));
    assert_eq!(resumes(&effects), [("data".to_string(), false)]);
}

#[test]
fn read_only_mode_has_no_resume_and_help_lists_the_key() {
    let mut state = dress(builder(160, 48).readonly(true).build());
    select(&mut state, "payments");
    let effects = press(&mut state, KeyCode::Char('U'));
    assert!(resumes(&effects).is_empty());
    assert!(state.decisions.modal.is_none());

    let mut state = world(160, 48);
    let help: String = kubevigil::app::geometry::help::lines(&state)
        .iter()
        .map(|l| l.to_string())
        .collect::<Vec<_>>()
        .join("\n");
    assert!(help.contains("resume a halted namespace"), "{help}");
    update(&mut state, Action::RunCommandLine("investigations".into()));
    let help: String = kubevigil::app::geometry::help::lines(&state)
        .iter()
        .map(|l| l.to_string())
        .collect::<Vec<_>>()
        .join("\n");
    assert!(help.contains("resume a halted namespace"), "{help}");
}
