//! Kill, halt and resume: the investigation or namespace in focus, the
//! dialogs that confirm them, and sending them.

use super::*;
use crate::app::effect::Effect;
use crate::app::state::{Modal, Screen, State, row_in_focus};
use crate::app::update::Out;
use crate::cluster::decision_tasks::DecisionEffect;
use crate::decide::Identity;
use ratatui_textarea::TextArea;

/// The investigation the kill and halt keys act on: (Job namespace, Job, id, target namespace).
pub(in crate::app::update) fn investigation_in_focus(
    state: &State,
) -> Option<(String, String, String, String)> {
    let row = row_in_focus(state)?;
    let inv = &row.record.investigation;
    Some((
        inv.namespace.to_string(),
        inv.job_name.to_string(),
        inv.id.clone(),
        inv.target_namespace.to_string(),
    ))
}

pub(in crate::app::update) fn start_kill(state: &mut State, out: &mut Out) {
    let Some((namespace, job, investigation, _)) = investigation_in_focus(state) else {
        notice(state, "select an investigation to kill".into(), out);
        return;
    };
    let mut typed = TextArea::default();
    typed.set_placeholder_text(investigation.clone());
    state.decisions.modal = Some(Modal::Kill {
        namespace,
        job,
        investigation,
        typed,
        error: None,
    });
    out.redraw();
}

pub(in crate::app::update) fn start_halt(state: &mut State, out: &mut Out) {
    let Some((_, _, _, namespace)) = investigation_in_focus(state) else {
        notice(
            state,
            "select an investigation whose namespace to halt".into(),
            out,
        );
        return;
    };
    let mut typed = TextArea::default();
    typed.set_placeholder_text(namespace.clone());
    state.decisions.modal = Some(Modal::Halt {
        namespace,
        reason: None,
        typed: Box::new(typed),
        error: None,
    });
    out.redraw();
}

/// The resume key: the selected namespace in `:policies`, else the target
/// namespace of the investigation in focus. Asks `y` for its Jobs first.
pub(in crate::app::update) fn start_resume(state: &mut State, out: &mut Out) {
    let namespace = match state.screen() {
        Screen::Policies => state.policy_view.selected().map(|r| r.namespace.clone()),
        _ => investigation_in_focus(state).map(|(_, _, _, target)| target),
    };
    let Some(namespace) = namespace else {
        notice(state, "select a namespace to resume".into(), out);
        return;
    };
    let halted_from = state.policies.get(&namespace).and_then(|p| p.halted_from);
    state.decisions.modal = Some(Modal::Resume {
        namespace,
        halted_from,
        phase_step: false,
    });
    out.redraw();
}

/// Sends a resume.
pub(in crate::app::update) fn send_resume(
    state: &mut State,
    namespace: String,
    restore_phase: bool,
    out: &mut Out,
) {
    let doing = format!("resuming {namespace}");
    send_stop(state, doing, out, |id, identity| DecisionEffect::Resume {
        id,
        identity,
        namespace,
        restore_phase,
    });
}

/// Sends a kill.
pub(in crate::app::update) fn send_kill(
    state: &mut State,
    namespace: String,
    job: String,
    id_text: &str,
    out: &mut Out,
) {
    let doing = format!("killing {id_text}");
    send_stop(state, doing, out, |id, identity| DecisionEffect::Kill {
        id,
        identity,
        namespace,
        job,
    });
}

/// Sends a halt.
pub(in crate::app::update) fn send_halt(
    state: &mut State,
    namespace: String,
    reason: Option<String>,
    out: &mut Out,
) {
    let doing = format!("halting {namespace}");
    send_stop(state, doing, out, |id, identity| DecisionEffect::Halt {
        id,
        identity,
        namespace,
        reason,
    });
}

/// Sends a kill or halt made by `effect`, listed as `doing` until it answers.
pub(in crate::app::update) fn send_stop(
    state: &mut State,
    doing: String,
    out: &mut Out,
    effect: impl FnOnce(u64, Identity) -> DecisionEffect,
) {
    let Some(identity) = identity(state) else {
        return;
    };
    let id = state.decisions.take_id();
    state.decisions.busy.push((id, doing));
    out.push(Effect::Decisions(effect(id, identity)));
    out.redraw();
}
