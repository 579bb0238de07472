//! Keys while a decision dialog is open: nothing else sees them. No single
//! stray key approves: `y` confirms (once all of the change has been on
//! screen, and only when the dialog is large enough to show it), the scroll
//! keys scroll, any other key cancels, and high risk needs the proposal's
//! name typed as well. A dialog whose proposal changes underneath it closes
//! (or, for a veto, updates) saying what changed ([`stale`]).
//!
//! One file a dialog, each with its drawing beside it in
//! `geometry/dialog/`: [`approve`], [`veto`], [`edit`], [`kill`], [`halt`],
//! [`resume`], [`audit_filter`] (the queue dialogs are in `update/queue.rs`).
//! Each edits its dialog in place and returns an [`Outcome`], applied here
//! once its borrow of the dialog ends.

mod approve;
mod audit_filter;
mod edit;
mod halt;
mod kill;
mod resume;
mod stale;
mod veto;

pub(super) use stale::sync;

use super::Out;
use crate::app::geometry::dialog::DialogGeometry;
use crate::app::state::{Modal, State};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui_textarea::TextArea;

/// The text of a textarea, lines joined, trimmed.
pub fn typed_text(area: &TextArea<'_>) -> String {
    area.lines().join("\n").trim().to_string()
}

fn is_plain(event: &KeyEvent, c: char) -> bool {
    event.code == KeyCode::Char(c)
        && !event
            .modifiers
            .intersects(KeyModifiers::CONTROL | KeyModifiers::ALT)
}

/// What a dialog's key handler asks for, applied by [`Keys::apply`] once
/// the handler's borrow of the dialog ends.
pub(super) enum Outcome<S> {
    /// The dialog stays open, as the handler left it.
    Keep,
    /// The dialog closes; nothing is sent.
    Close,
    /// The dialog's scrolling part moves by this many rows.
    Scroll(isize),
    /// The dialog's own next step (send, check against the state).
    Submit(S),
}

/// What every dialog's keys read about the key and the dialog on screen.
pub(super) struct Keys {
    /// Ctrl is held.
    pub(super) ctrl: bool,
    /// Esc or ctrl-c: cancels a dialog with a text field.
    pub(super) cancel: bool,
    /// The dialog is too small to show what is decided on: its confirming
    /// key is not offered and nothing is typed into it.
    pub(super) too_small: bool,
    /// Where the dialog is and how much of it shows.
    geometry: Option<DialogGeometry>,
}

impl Keys {
    fn new(event: &KeyEvent, geometry: Option<DialogGeometry>) -> Self {
        let ctrl = event.modifiers.contains(KeyModifiers::CONTROL);
        Self {
            ctrl,
            cancel: event.code == KeyCode::Esc || (ctrl && event.code == KeyCode::Char('c')),
            too_small: geometry.is_some_and(|g| g.too_small),
            geometry,
        }
    }

    /// How the open dialog's scrolling part moves for `event`, in rows (a
    /// page is the rows on screen), when `event` scrolls it. `letters`: j,
    /// k and space scroll too (dialogs without a text field).
    fn scroll(&self, event: &KeyEvent, letters: bool) -> Option<isize> {
        let page = self.geometry?.view_rows;
        let page = isize::try_from(page.max(1)).unwrap_or(isize::MAX);
        let ctrl = event
            .modifiers
            .intersects(KeyModifiers::CONTROL | KeyModifiers::ALT);
        match event.code {
            KeyCode::Down => Some(1),
            KeyCode::Up => Some(-1),
            KeyCode::PageDown => Some(page),
            KeyCode::PageUp => Some(-page),
            KeyCode::Char('j') if letters && !ctrl => Some(1),
            KeyCode::Char('k') if letters && !ctrl => Some(-1),
            KeyCode::Char(' ') if letters && !ctrl => Some(page),
            _ => None,
        }
    }

    /// Applies `outcome` to the open dialog; what is left for the dialog
    /// itself to do, if anything.
    pub(super) fn apply<S>(&self, state: &mut State, outcome: Outcome<S>) -> Option<S> {
        match outcome {
            Outcome::Keep => None,
            Outcome::Close => {
                state.decisions.modal = None;
                None
            }
            Outcome::Scroll(delta) => {
                if let (
                    Some(geometry),
                    Some(Modal::Approve { scroll, .. } | Modal::Veto { scroll, .. }),
                ) = (self.geometry, state.decisions.modal.as_mut())
                {
                    scroll.scroll_by(
                        delta,
                        geometry.inner_width,
                        geometry.body_rows,
                        geometry.view_rows,
                    );
                }
                None
            }
            Outcome::Submit(next) => Some(next),
        }
    }
}

/// Handles one key while a dialog is open.
pub(super) fn key(state: &mut State, event: KeyEvent, out: &mut Out) {
    let geometry = crate::app::geometry::dialog::geometry(state);
    let Some(modal) = state.decisions.modal.as_ref() else {
        return;
    };
    out.redraw();
    let keys = Keys::new(&event, geometry);
    match modal {
        Modal::Approve { .. } => approve::key(state, event, &keys, out),
        Modal::Veto { .. } => veto::key(state, event, &keys, out),
        Modal::Edit { .. } => edit::key(state, event, &keys, out),
        Modal::Kill { .. } => kill::key(state, event, &keys, out),
        Modal::Halt { .. } => halt::key(state, event, &keys, out),
        Modal::Resume { .. } => resume::key(state, &event, &keys, out),
        Modal::AuditFilter => audit_filter::key(state, &event, &keys),
        Modal::Queue(_) => super::queue::key(state, event, &keys, out),
    }
}

/// Pasted text goes into the open dialog's text field.
pub(super) fn paste(state: &mut State, text: &str, out: &mut Out) {
    if crate::app::geometry::dialog::geometry(state).is_some_and(|g| g.too_small) {
        // Nothing goes into a field that is not on screen.
        return;
    }
    // The edited patch keeps the pasted lines; one-line fields get one line.
    let multiline = matches!(state.decisions.modal, Some(Modal::Edit { .. }));
    let clean = if multiline {
        text.lines()
            .map(|line| crate::sanitize::sanitize(line).into_owned())
            .collect::<Vec<_>>()
            .join("\n")
    } else {
        crate::sanitize::sanitize(text).into_owned()
    };
    let area = match state.decisions.modal.as_mut() {
        Some(Modal::Veto { reason, .. }) => Some(reason),
        Some(Modal::Edit { text, .. }) => Some(text),
        Some(Modal::Kill { typed, .. }) => Some(typed),
        Some(Modal::Queue(dialog)) => Some(&mut dialog.reason),
        Some(Modal::Approve {
            typed: Some(typed), ..
        }) => Some(typed),
        Some(Modal::Halt {
            reason: Some(reason),
            ..
        }) => Some(reason),
        Some(Modal::Halt {
            reason: None,
            typed,
            ..
        }) => Some(&mut **typed),
        _ => None,
    };
    if let Some(area) = area {
        area.insert_str(clean);
        out.redraw();
    }
}
