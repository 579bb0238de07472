//! The veto dialog: what is vetoed, all of the change, what vetoing an
//! approved proposal does, and the reason; under it, why the reason was
//! refused and the keys.

use super::change::{body_lines, gone, head_lines};
use super::{Content, DialogGeometry, MIN_SCROLL_ROWS, error_lines, hint, wrapped};
use crate::app::state::{Modal, State};
use ratatui::text::{Line, Span};

/// What vetoing an approved proposal not executed yet does, in words.
pub const VETO_AFTER_APPROVAL: &str = "withdraws the approval before the agent runs it: with Vault, \
     the minted write credential is revoked, so the agent's write fails; refused if the agent \
     already reported a result";

/// The veto dialog: what is vetoed, all of the change, the reason.
pub(super) fn content<'s>(state: &'s State, modal: &'s Modal, width: u16) -> Option<Content<'s>> {
    let Modal::Veto {
        key, shown, reason, ..
    } = modal
    else {
        return None;
    };
    let theme = &state.theme;
    let record = state.proposals.get(key);
    let (head, body) = match record {
        Some(record) => (
            wrapped(head_lines(state, key, record, None, &shown.digest), width),
            body_lines(state, record, None, width),
        ),
        None => (gone(state, key), Vec::new()),
    };
    let approved = record.is_some_and(crate::model::records::ProposalRecord::awaits_execution);
    // What the veto does keeps its rows when the dialog is short.
    let mut prompt = Vec::new();
    if approved {
        prompt.push(Line::from(vec![
            Span::styled(format!("{:<10}", "vetoing"), theme.dim),
            Span::styled(VETO_AFTER_APPROVAL, theme.warn),
        ]));
    }
    prompt.push(Line::styled(
        "reason (required; written to the proposal, the agent reads it and revises):",
        theme.title,
    ));
    Some(Content {
        title: if approved {
            " veto this approved proposal before it runs ".into()
        } else {
            " veto this proposal ".into()
        },
        head,
        body,
        prompt: wrapped(prompt, width),
        field: Some((reason, 3)),
        min_body: MIN_SCROLL_ROWS,
        decides: "what you veto",
        confirm_key: "enter",
        cancel: "esc cancels",
    })
}

/// The rows under the field: why the reason was refused, and the keys.
pub(super) fn below(
    state: &State,
    modal: &Modal,
    geometry: Option<&DialogGeometry>,
) -> Vec<Line<'static>> {
    let Modal::Veto { error, .. } = modal else {
        return Vec::new();
    };
    let scrolls = geometry.is_some_and(DialogGeometry::scrolls);
    let mut lines = error_lines(state, error);
    lines.push(hint(
        state,
        if scrolls {
            "enter vetoes · pgup/pgdn scroll the change · esc cancels"
        } else {
            "enter vetoes · esc cancels"
        },
    ));
    lines
}
