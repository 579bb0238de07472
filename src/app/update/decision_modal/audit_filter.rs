//! Typing the audit view's filter: it narrows as it is typed, enter keeps
//! it, esc clears it.

use super::{Keys, Outcome};
use crate::app::state::State;
use crossterm::event::{KeyCode, KeyEvent};

/// Handles one key while the audit filter is typed.
pub(super) fn key(state: &mut State, event: &KeyEvent, keys: &Keys) {
    let audit = &mut state.decisions.audit;
    let outcome: Outcome<()> = match event.code {
        KeyCode::Esc => {
            audit.filter.clear();
            audit.refilter();
            Outcome::Close
        }
        KeyCode::Enter => Outcome::Close,
        KeyCode::Backspace => {
            audit.filter.pop();
            audit.refilter();
            Outcome::Keep
        }
        KeyCode::Char(c) if !keys.ctrl => {
            audit.filter.push(c);
            audit.refilter();
            Outcome::Keep
        }
        _ => Outcome::Keep,
    };
    keys.apply(state, outcome);
}
