//! The halt dialog's keys: `y` continues (any other key closes), then an
//! optional reason is typed and enter halts; esc cancels.

use super::{Keys, Outcome, is_plain, typed_text};
use crate::app::state::{Modal, State};
use crate::app::update::Out;
use crate::app::update::deciding::send_halt;
use crossterm::event::{KeyCode, KeyEvent};
use ratatui_textarea::TextArea;

/// Handles one key in the halt dialog.
pub(super) fn key(state: &mut State, event: KeyEvent, keys: &Keys, out: &mut Out) {
    let Some(Modal::Halt { reason, .. }) = state.decisions.modal.as_mut() else {
        return;
    };
    let outcome = match reason {
        None if is_plain(&event, 'y') => {
            if !keys.too_small {
                let mut area = TextArea::default();
                area.set_placeholder_text("why (recorded with the halt)");
                *reason = Some(area);
            }
            Outcome::Keep
        }
        None => Outcome::Close,
        Some(_) if keys.cancel => Outcome::Close,
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
