//! The halt dialog's keys: the namespace's name typed (as kill's
//! investigation id; a wrong name is refused saying so), then an optional
//! reason; enter on the reason halts, esc cancels.

use super::{Keys, Outcome, typed_text};
use crate::app::state::{Modal, State};
use crate::app::update::Out;
use crate::app::update::deciding::send_halt;
use crossterm::event::{KeyCode, KeyEvent};
use ratatui_textarea::TextArea;

/// Handles one key in the halt dialog.
pub(super) fn key(state: &mut State, event: KeyEvent, keys: &Keys, out: &mut Out) {
    let Some(Modal::Halt {
        namespace,
        reason,
        typed,
        error,
    }) = state.decisions.modal.as_mut()
    else {
        return;
    };
    let outcome = match reason {
        _ if keys.cancel => Outcome::Close,
        None if event.code == KeyCode::Enter => {
            if !keys.too_small {
                if typed_text(typed) == *namespace {
                    let mut area = TextArea::default();
                    area.set_placeholder_text("why (recorded with the halt)");
                    *reason = Some(area);
                    *error = None;
                } else {
                    *error = Some(format!("type {namespace} exactly to halt it (esc cancels)"));
                }
            }
            Outcome::Keep
        }
        None => {
            if !keys.too_small {
                typed.input(event);
            }
            Outcome::Keep
        }
        Some(area) if event.code == KeyCode::Enter => {
            if keys.too_small {
                Outcome::Keep
            } else {
                let text = typed_text(area);
                Outcome::Submit((!text.is_empty()).then_some(text))
            }
        }
        Some(area) => {
            if !keys.too_small {
                area.input(event);
            }
            Outcome::Keep
        }
    };
    if let Some(reason) = keys.apply(state, outcome)
        && let Some(Modal::Halt { namespace, .. }) = state.decisions.modal.take()
    {
        send_halt(state, namespace, reason, out);
    }
}
