//! The halt dialog: what stops, the namespace's name typed (as kill's id),
//! then the optional reason; under it, the keys.

use super::{Content, DialogGeometry, error_lines, hint, wrapped};
use crate::app::state::{Modal, State};
use ratatui::text::Line;

/// The halt dialog: what stops, then the optional reason.
pub(super) fn content<'s>(state: &'s State, modal: &'s Modal, width: u16) -> Option<Content<'s>> {
    let Modal::Halt {
        namespace,
        reason,
        typed,
        ..
    } = modal
    else {
        return None;
    };
    let theme = &state.theme;
    let mut head = vec![Line::styled(
        format!(
            "sets {namespace}'s TrustPolicy to Shadow, suspends its running investigations and expires its pending and approved-but-not-executed proposals"
        ),
        theme.warn,
    )];
    if reason.is_some() {
        head.push(Line::styled(
            "reason (recorded with the halt):",
            theme.title,
        ));
    } else {
        head.push(Line::styled(
            format!("type the namespace's name ({namespace}) to confirm:"),
            theme.title,
        ));
    }
    Some(Content {
        title: format!(" halt namespace {namespace} "),
        head: wrapped(head, width),
        body: Vec::new(),
        prompt: Vec::new(),
        field: Some(reason.as_ref().map_or((&**typed, 1), |area| (area, 2))),
        min_body: 0,
        decides: "what this halts",
        confirm_key: "enter",
        cancel: "esc cancels",
    })
}

/// The keys, under the reason.
pub(super) fn below(
    state: &State,
    modal: &Modal,
    _geometry: Option<&DialogGeometry>,
) -> Vec<Line<'static>> {
    let Modal::Halt { reason, error, .. } = modal else {
        return Vec::new();
    };
    let mut lines = error_lines(state, error);
    lines.push(hint(
        state,
        if reason.is_some() {
            "enter halts · esc cancels"
        } else {
            "enter continues to the reason · esc cancels"
        },
    ));
    lines
}
