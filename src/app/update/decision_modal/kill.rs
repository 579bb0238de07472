//! The kill dialog's keys: the investigation id is typed, enter kills when
//! it matches, esc cancels.

use super::{Keys, Outcome, typed_text};
use crate::app::state::{Modal, State};
use crate::app::update::Out;
use crate::app::update::deciding::send_kill;
use crossterm::event::{KeyCode, KeyEvent};

/// Handles one key in the kill dialog.
pub(super) fn key(state: &mut State, event: KeyEvent, keys: &Keys, out: &mut Out) {
    let Some(Modal::Kill {
        investigation,
        typed,
        error,
        ..
    }) = state.decisions.modal.as_mut()
    else {
        return;
    };
    let outcome = if keys.cancel {
        Outcome::Close
    } else if event.code == KeyCode::Enter {
        if keys.too_small {
            Outcome::Keep
        } else if typed_text(typed) == *investigation {
            Outcome::Submit(())
        } else {
            *error = Some(format!(
                "type {investigation} exactly to kill it (esc cancels)"
            ));
            Outcome::Keep
        }
    } else {
        if !keys.too_small {
            typed.input(event);
        }
        Outcome::Keep
    };
    if keys.apply(state, outcome).is_some()
        && let Some(Modal::Kill {
            namespace,
            job,
            investigation,
            ..
        }) = state.decisions.modal.take()
    {
        send_kill(state, namespace, job, &investigation, out);
    }
}
