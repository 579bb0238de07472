//! Keys while the halt dialog is open: the namespace's name typed (as
//! kill's investigation id; a wrong name is refused saying so), then an
//! optional reason; enter on the reason halts, esc cancels.

use super::Out;
use super::deciding::send_halt;
use super::decision_modal::typed_text;
use crate::app::state::{Modal, State};
use crossterm::event::{KeyCode, KeyEvent};
use ratatui_textarea::TextArea;

/// Handles one key in the halt dialog `modal` (taken out of the state; put
/// back unless the key closes it).
pub(super) fn key(
    state: &mut State,
    modal: Modal,
    event: KeyEvent,
    cancel: bool,
    too_small: bool,
    out: &mut Out,
) {
    match modal {
        Modal::Halt {
            namespace,
            reason: None,
            mut typed,
            error,
        } => {
            if cancel {
                return;
            }
            if event.code == KeyCode::Enter && !too_small {
                // As kill's id: the namespace's name typed, then the reason.
                let (reason, error) = if typed_text(&typed) == namespace {
                    let mut reason = TextArea::default();
                    reason.set_placeholder_text("why (recorded with the halt)");
                    (Some(reason), None)
                } else {
                    let error = format!("type {namespace} exactly to halt it (esc cancels)");
                    (None, Some(error))
                };
                state.decisions.modal = Some(Modal::Halt {
                    namespace,
                    reason,
                    typed,
                    error,
                });
                return;
            }
            if !too_small && event.code != KeyCode::Enter {
                typed.input(event);
            }
            state.decisions.modal = Some(Modal::Halt {
                namespace,
                reason: None,
                typed,
                error,
            });
        }
        Modal::Halt {
            namespace,
            reason: Some(mut reason),
            typed,
            error,
        } => {
            if cancel {
                return;
            }
            if event.code == KeyCode::Enter && !too_small {
                let text = typed_text(&reason);
                send_halt(state, namespace, (!text.is_empty()).then_some(text), out);
                return;
            }
            if !too_small && event.code != KeyCode::Enter {
                reason.input(event);
            }
            state.decisions.modal = Some(Modal::Halt {
                namespace,
                reason: Some(reason),
                typed,
                error,
            });
        }
        other => state.decisions.modal = Some(other),
    }
}
