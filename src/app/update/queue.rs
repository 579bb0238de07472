//! The queue keys: bump a queued investigation (at once, recorded), admit
//! one now (a dialog asks for the reason the override is recorded with), and
//! cancel one (a dialog confirms; the reason is optional). All IO is a
//! [`DecisionEffect::Queue`]; what comes back is applied by [`done`].

use super::decision_modal::{Keys, Outcome, typed_text};
use super::{Out, notice};
use crate::app::command::Command;
use crate::app::effect::Effect;
use crate::app::state::{Modal, NoticeLevel, QueueDialog, QueueOp, State, row_in_focus};
use crate::cluster::decision_tasks::{DecisionEffect, TaskId};
use crate::decide::{DecideError, Identity, QueueChange, QueueOutcome};
use crate::domain::InvestigationState;
use crate::domain::queue::QueueReason;
use crossterm::event::{KeyCode, KeyEvent};
use ratatui_textarea::TextArea;

/// The investigation the queue keys act on.
struct Focus {
    namespace: String,
    job: String,
    id: String,
    state: InvestigationState,
    position: Option<usize>,
    waiting_for: String,
}

fn focus(state: &State) -> Option<Focus> {
    let row = row_in_focus(state)?;
    let inv = &row.record.investigation;
    Some(Focus {
        namespace: inv.namespace.to_string(),
        job: inv.job_name.to_string(),
        id: inv.id.clone(),
        state: inv.state,
        position: state.table.queue().position(&inv.id),
        waiting_for: QueueReason::parse(inv.queue.as_ref().and_then(|q| q.reason.as_deref()))
            .to_string(),
    })
}

/// Runs a queue key (bump, admit now, cancel).
pub(super) fn command(state: &mut State, command: Command, out: &mut Out) {
    if state.readonly {
        return;
    }
    let verb = match command {
        Command::BumpQueued => "bump",
        Command::AdmitNow => "admit now",
        Command::CancelQueued => "cancel",
        _ => return,
    };
    let Some(focus) = focus(state) else {
        let text = format!("select a queued investigation to {verb}");
        return notice::notice(state, NoticeLevel::Warning, text, out);
    };
    if focus.state != InvestigationState::Queued {
        let text = format!(
            "{} is not queued ({}): only a queued investigation can be {}",
            focus.id,
            focus.state,
            match command {
                Command::BumpQueued => "bumped",
                Command::AdmitNow => "admitted now",
                _ => "cancelled",
            }
        );
        return notice::notice(state, NoticeLevel::Warning, text, out);
    }
    let op = match command {
        Command::BumpQueued => {
            let doing = format!("bumping {}", focus.id);
            send(
                state,
                doing,
                focus.namespace,
                focus.job,
                QueueChange::Bump,
                out,
            );
            return;
        }
        Command::AdmitNow => QueueOp::AdmitNow,
        _ => QueueOp::Cancel,
    };
    let mut reason = TextArea::default();
    reason.set_placeholder_text(match op {
        QueueOp::AdmitNow => "why admit it past the caps (required, recorded)",
        QueueOp::Cancel => "why (optional, recorded with the cancel)",
    });
    state.decisions.modal = Some(Modal::Queue(Box::new(QueueDialog {
        op,
        namespace: focus.namespace,
        job: focus.job,
        investigation: focus.id,
        position: focus.position,
        waiting_for: focus.waiting_for,
        reason,
        error: None,
    })));
    out.redraw();
}

/// Keys while an admit-now or cancel dialog is open: enter confirms (an
/// admit-now needs a reason), esc closes, the rest is typed.
pub(super) fn key(state: &mut State, event: KeyEvent, keys: &Keys, out: &mut Out) {
    let Some(Modal::Queue(dialog)) = state.decisions.modal.as_mut() else {
        return;
    };
    let outcome = 'step: {
        if keys.cancel {
            break 'step Outcome::Close;
        }
        if keys.too_small {
            // Nothing is typed into, or sent from, a field not on screen.
            break 'step Outcome::Keep;
        }
        if event.code == KeyCode::Enter {
            let reason = typed_text(&dialog.reason);
            let change = match dialog.op {
                QueueOp::AdmitNow if reason.is_empty() => {
                    dialog.error = Some(
                        "an override needs a reason: it is recorded with who admitted it".into(),
                    );
                    break 'step Outcome::Keep;
                }
                QueueOp::AdmitNow => QueueChange::AdmitNow { reason },
                QueueOp::Cancel => QueueChange::Cancel {
                    reason: (!reason.is_empty()).then_some(reason),
                },
            };
            break 'step Outcome::Submit(change);
        }
        dialog.reason.input(event);
        dialog.error = None;
        Outcome::Keep
    };
    if let Some(change) = keys.apply(state, outcome)
        && let Some(Modal::Queue(dialog)) = state.decisions.modal.take()
    {
        let doing = match dialog.op {
            QueueOp::AdmitNow => format!("admitting {} now", dialog.investigation),
            QueueOp::Cancel => format!("cancelling {}", dialog.investigation),
        };
        let QueueDialog { namespace, job, .. } = *dialog;
        send(state, doing, namespace, job, change, out);
    }
}

fn identity(state: &State) -> Option<Identity> {
    Some(Identity {
        user: state.identity.user.clone()?,
        groups: Vec::new(),
        verified: state.identity.verified,
    })
}

fn send(
    state: &mut State,
    doing: String,
    namespace: String,
    job: String,
    change: QueueChange,
    out: &mut Out,
) {
    let Some(identity) = identity(state) else {
        let text = "who you are is not known yet: nothing was sent".to_string();
        return notice::notice(state, NoticeLevel::Warning, text, out);
    };
    let id = state.decisions.take_id();
    state.decisions.busy.push((id, doing));
    out.push(Effect::Decisions(DecisionEffect::Queue {
        id,
        identity,
        namespace,
        job,
        change,
    }));
    out.redraw();
}

/// Applies what came back from a queue change.
pub(super) fn done(
    state: &mut State,
    id: TaskId,
    result: Result<QueueOutcome, DecideError>,
    out: &mut Out,
) {
    state.decisions.busy.retain(|(b, _)| *b != id);
    let outcome = match result {
        Ok(outcome) => outcome,
        Err(error) => return notice::notice(state, NoticeLevel::Error, error.to_string(), out),
    };
    let mut text = match &outcome.change {
        QueueChange::Bump => format!(
            "bumped {}: it is admitted before every investigation not bumped",
            outcome.investigation
        ),
        QueueChange::AdmitNow { .. } => format!(
            "admit-now override recorded on {}: the launcher admits it past the caps",
            outcome.investigation
        ),
        QueueChange::Cancel { .. } => format!(
            "cancelled {}: Job {} deleted before it ran",
            outcome.investigation, outcome.job
        ),
    };
    let level = if outcome.warnings.is_empty() {
        NoticeLevel::Info
    } else {
        text.push_str(&format!(" (but: {})", outcome.warnings.join("; ")));
        NoticeLevel::Warning
    };
    notice::notice(state, level, text, out);
}
