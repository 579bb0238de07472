//! The veto dialog's keys: the reason is typed, enter sends it (a veto needs
//! one), page up and down scroll the change, esc cancels.

use super::{Keys, Outcome, typed_text};
use crate::app::state::{Modal, State};
use crate::app::update::Out;
use crate::app::update::deciding::send;
use crate::domain::Verdict;
use crossterm::event::{KeyCode, KeyEvent};

/// Handles one key in the veto dialog.
pub(super) fn key(state: &mut State, event: KeyEvent, keys: &Keys, out: &mut Out) {
    let Some(Modal::Veto { reason, error, .. }) = state.decisions.modal.as_mut() else {
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
        if let Some(delta) = keys
            .scroll(&event, false)
            .filter(|_| matches!(event.code, KeyCode::PageUp | KeyCode::PageDown))
        {
            break 'step Outcome::Scroll(delta);
        }
        if event.code == KeyCode::Enter {
            let text = typed_text(reason);
            if text.is_empty() {
                *error =
                    Some("a veto needs a reason: the agent reads it to revise its plan".into());
                break 'step Outcome::Keep;
            }
            break 'step Outcome::Submit(text);
        }
        reason.input(event);
        // A new attempt: the old refusal no longer applies.
        *error = None;
        Outcome::Keep
    };
    if let Some(text) = keys.apply(state, outcome)
        && let Some(Modal::Veto { key, shown, .. }) = state.decisions.modal.take()
    {
        send(state, &key, Verdict::Veto, Some(text), None, &shown, out);
    }
}
