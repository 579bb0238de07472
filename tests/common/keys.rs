//! Driving the console's state machine with keystrokes, as a person would,
//! and with the answers the cluster gives to its decisions.

#![allow(dead_code)]

use crossterm::event::KeyCode;
use kubevigil::app::action::Action;
use kubevigil::app::effect::Effect;
use kubevigil::app::fixtures::key;
use kubevigil::app::state::State;
use kubevigil::app::update;
use kubevigil::cluster::decision_tasks::{DecisionEvent, TaskId};
use kubevigil::decide::{DecideError, DecisionOutcome, PendingDecision};

/// Presses `code`; returns what the console asked the runtime to do.
pub fn press(state: &mut State, code: KeyCode) -> Vec<Effect> {
    update(state, key(code))
}

/// Types `typed` one character at a time; returns every effect in order.
pub fn type_text(state: &mut State, typed: &str) -> Vec<Effect> {
    typed
        .chars()
        .flat_map(|c| press(state, KeyCode::Char(c)))
        .collect()
}

/// The cluster's answer to the console's decision `id` arrives.
pub fn decided(
    state: &mut State,
    id: TaskId,
    result: Result<Box<DecisionOutcome>, DecideError>,
) -> Vec<Effect> {
    update(
        state,
        Action::Decisions(DecisionEvent::Decided { id, result }),
    )
}

/// RBAC refusing oncall-1's write of a proposal's status in
/// `kubevigil-agents`, with the decision kept for a retry.
pub fn forbidden_status_write(pending: PendingDecision) -> DecideError {
    DecideError::Forbidden {
        user: "oncall-1".into(),
        verb: "update".into(),
        resource: "actionproposals/status".into(),
        namespace: "kubevigil-agents".into(),
        pending: Some(Box::new(pending)),
    }
}
