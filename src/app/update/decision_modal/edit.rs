//! The edit dialog's keys: the patch or command is typed, ctrl-s checks it
//! and, when it holds, opens the approve dialog on the edit; esc cancels.

use super::{Keys, Outcome};
use crate::app::state::{EditedAction, Modal, State};
use crate::app::update::Out;
use crate::app::update::deciding::{already_approved, open_approve};
use crate::domain::{CanonicalAction, ProposedAction};
use crossterm::event::{KeyCode, KeyEvent};

/// Handles one key in the edit dialog.
pub(super) fn key(state: &mut State, event: KeyEvent, keys: &Keys, out: &mut Out) {
    let Some(Modal::Edit {
        original,
        text,
        error,
        ..
    }) = state.decisions.modal.as_mut()
    else {
        return;
    };
    let outcome = 'step: {
        if keys.cancel {
            break 'step Outcome::Close;
        }
        if keys.too_small {
            // Nothing is typed into, or checked from, a box not on screen.
            break 'step Outcome::Keep;
        }
        if keys.ctrl && event.code == KeyCode::Char('s') {
            let edited_text = text.lines().join("\n");
            match crate::decide::validate_edit(original, &edited_text) {
                Ok(edited) => break 'step Outcome::Submit(edited_action(original, edited)),
                Err(refused) => {
                    *error = Some(refused.to_string());
                    break 'step Outcome::Keep;
                }
            }
        }
        text.input(event);
        Outcome::Keep
    };
    if let Some(edit) = keys.apply(state, outcome) {
        approve_edit(state, edit, out);
    }
}

/// A checked edit: refused when this operator already approved the same
/// action, otherwise asked to be approved.
fn approve_edit(state: &mut State, edit: EditedAction, out: &mut Out) {
    let Some(Modal::Edit { key, .. }) = state.decisions.modal.as_ref() else {
        return;
    };
    let refused = state
        .proposals
        .get(key)
        .and_then(|record| already_approved(state, record, edit.canonical.short_digest()));
    match refused {
        Some(why) => {
            if let Some(Modal::Edit { error, .. }) = state.decisions.modal.as_mut() {
                *error = Some(why);
            }
        }
        None => {
            if let Some(Modal::Edit { key, shown, .. }) = state.decisions.modal.take() {
                open_approve(state, key, shown, Some(Box::new(edit)), out);
            }
        }
    }
}

/// The checked edit of `original`, with its canonical form and the diff of
/// the canonical lines.
fn edited_action(original: &ProposedAction, edited: ProposedAction) -> EditedAction {
    let before = CanonicalAction::of(original);
    let canonical = CanonicalAction::of(&edited);
    let diff = if before.lines == canonical.lines {
        vec!["no change".to_string()]
    } else {
        let old = before.lines.join("\n") + "\n";
        let new = canonical.lines.join("\n") + "\n";
        similar::TextDiff::from_lines(&old, &new)
            .unified_diff()
            .context_radius(2)
            .header("runs now", "edited")
            .to_string()
            .lines()
            .map(|l| crate::sanitize::sanitize(l).into_owned())
            .collect()
    };
    EditedAction {
        action: edited,
        canonical,
        diff,
    }
}
