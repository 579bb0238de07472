//! The resume dialog's keys: `y` un-suspends the Jobs; when the phase
//! before the halt is known, a second `y` also restores it and `n` resumes
//! the Jobs only. Any other key closes.

use super::{Keys, Outcome, is_plain};
use crate::app::state::{Modal, State};
use crate::app::update::Out;
use crate::app::update::deciding::send_resume;
use crossterm::event::KeyEvent;

/// Handles one key in the resume dialog.
pub(super) fn key(state: &mut State, event: &KeyEvent, keys: &Keys, out: &mut Out) {
    let Some(Modal::Resume {
        halted_from,
        phase_step,
        ..
    }) = state.decisions.modal.as_mut()
    else {
        return;
    };
    let yes = is_plain(event, 'y');
    // Submit: whether the phase is restored too.
    let outcome = match (*phase_step, halted_from.is_some()) {
        // First `y`: the Jobs; a known phase is asked about next.
        (false, true) if yes => {
            *phase_step = true;
            Outcome::Keep
        }
        (false, false) if yes => Outcome::Submit(false),
        // Second step: `y` also restores the phase, `n` resumes the Jobs only.
        (true, _) if yes => Outcome::Submit(true),
        (true, _) if is_plain(event, 'n') => Outcome::Submit(false),
        _ => Outcome::Close,
    };
    if let Some(restore_phase) = keys.apply(state, outcome)
        && let Some(Modal::Resume { namespace, .. }) = state.decisions.modal.take()
    {
        send_resume(state, namespace, restore_phase, out);
    }
}
