//! The approve dialog's keys: `y` confirms once all of the change has been
//! on screen (the scroll keys scroll; any other key closes); high and
//! critical risk then need the proposal's name typed and enter.

use super::{Keys, Outcome, is_plain, typed_text};
use crate::app::geometry::dialog::DialogGeometry;
use crate::app::state::{DialogScroll, EditedAction, Modal, NoticeLevel, State};
use crate::app::update::Out;
use crate::app::update::deciding::send;
use crate::domain::Verdict;
use crate::model::records::ProposalKey;
use crossterm::event::{KeyCode, KeyEvent};
use ratatui_textarea::TextArea;

/// What the approve dialog does after a key, with the state in hand.
pub(super) enum Next {
    /// `y`: check the approval may go, then ask for the name or send it.
    Confirm,
    /// The name was typed: send the approval.
    Send,
}

/// Handles one key in the approve dialog.
pub(super) fn key(state: &mut State, event: KeyEvent, keys: &Keys, out: &mut Out) {
    let Some(Modal::Approve {
        key, typed, error, ..
    }) = state.decisions.modal.as_mut()
    else {
        return;
    };
    let outcome = match typed {
        None => first(error, &event, keys),
        Some(typed) => second(&key.name, typed, error, event, keys),
    };
    match keys.apply(state, outcome) {
        Some(Next::Confirm) => confirm(state, keys, out),
        Some(Next::Send) => send_approval(state, out),
        None => {}
    }
}

/// Before `y`: scroll, `y`, or close.
fn first(error: &mut Option<String>, event: &KeyEvent, keys: &Keys) -> Outcome<Next> {
    if let Some(delta) = keys.scroll(event, true) {
        // What the last y was refused for is said again, if still so.
        *error = None;
        return Outcome::Scroll(delta);
    }
    if !is_plain(event, 'y') {
        return Outcome::Close;
    }
    if keys.too_small {
        // The dialog already says y is not offered, and why.
        return Outcome::Keep;
    }
    Outcome::Submit(Next::Confirm)
}

/// Typing the proposal's name (high risk).
fn second(
    name: &str,
    typed: &mut TextArea<'static>,
    error: &mut Option<String>,
    event: KeyEvent,
    keys: &Keys,
) -> Outcome<Next> {
    if keys.cancel {
        return Outcome::Close;
    }
    if keys.too_small {
        // The dialog says enter is not offered, and why; nothing is typed
        // into a field that is not on screen.
        return Outcome::Keep;
    }
    if let Some(delta) = keys.scroll(&event, false) {
        return Outcome::Scroll(delta);
    }
    if event.code == KeyCode::Enter {
        if typed_text(typed) == name {
            return Outcome::Submit(Next::Send);
        }
        *error = Some(format!("type {name} exactly to approve (esc cancels)"));
        return Outcome::Keep;
    }
    typed.input(event);
    Outcome::Keep
}

/// `y` was pressed: refuse saying why, ask for the name, or send.
fn confirm(state: &mut State, keys: &Keys, out: &mut Out) {
    let Some(Modal::Approve {
        key,
        edited,
        scroll,
        ..
    }) = state.decisions.modal.as_ref()
    else {
        return;
    };
    let Some(record) = state.proposals.get(key) else {
        let text = format!("{} is no longer in the cluster; nothing was sent", key.name);
        state.decisions.modal = None;
        crate::app::update::notice::notice(state, NoticeLevel::Warning, text, out);
        return;
    };
    let second = record.risk.needs_second_confirmation();
    let why = not_confirmable(
        state,
        key,
        edited.as_deref(),
        scroll,
        keys.geometry.as_ref(),
    );
    let name = key.name.clone();
    let Some(Modal::Approve { typed, error, .. }) = state.decisions.modal.as_mut() else {
        return;
    };
    if let Some(why) = why {
        *error = Some(why);
    } else if second {
        let mut area = TextArea::default();
        area.set_placeholder_text(name);
        *typed = Some(area);
        *error = None;
    } else {
        send_approval(state, out);
    }
}

/// Closes the dialog and sends the approval it was opened for.
fn send_approval(state: &mut State, out: &mut Out) {
    let Some(Modal::Approve {
        key, shown, edited, ..
    }) = state.decisions.modal.take()
    else {
        return;
    };
    let action = edited.map(|edit| edit.action);
    send(state, &key, Verdict::Approve, None, action, &shown, out);
}

/// Why `y` does not approve in the open approval dialog now, if it does not.
fn not_confirmable(
    state: &State,
    key: &ProposalKey,
    edited: Option<&EditedAction>,
    scroll: &DialogScroll,
    geometry: Option<&DialogGeometry>,
) -> Option<String> {
    let record = state.proposals.get(key)?;
    let problem = match edited {
        Some(edit) => edit.canonical.problem.clone(),
        None => record.action.problem.clone(),
    };
    if let Some(problem) = problem {
        return Some(format!(
            "this action cannot be approved: {problem}; close this and veto it (v) so the agent revises it"
        ));
    }
    let Some(geometry) = geometry.filter(|g| !g.too_small) else {
        return Some("the terminal is too small to show what you approve: make it larger".into());
    };
    let unseen = crate::app::geometry::dialog::unseen_rows(scroll, geometry);
    if unseen > 0 {
        return Some(format!(
            "not yet: {unseen} rows of the change have never been on screen; scroll to the end first"
        ));
    }
    None
}
