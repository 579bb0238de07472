//! The kill dialog: what is deleted and the typed investigation id; under
//! it, why the id was refused and the keys.

use super::{Content, DialogGeometry, error_lines, hint, wrapped};
use crate::app::state::{Modal, State};
use ratatui::text::Line;

/// The kill dialog: what is deleted, the typed investigation id.
pub(super) fn content<'s>(state: &'s State, modal: &'s Modal, width: u16) -> Option<Content<'s>> {
    let Modal::Kill {
        namespace,
        job,
        investigation,
        typed,
        ..
    } = modal
    else {
        return None;
    };
    let theme = &state.theme;
    let head = vec![
        Line::styled(
            format!(
                "deletes Job {namespace}/{job} and its pods, and expires its pending and approved-but-not-executed proposals"
            ),
            theme.warn,
        ),
        Line::styled(
            format!("type the investigation id ({investigation}) to confirm:"),
            theme.title,
        ),
    ];
    Some(Content {
        title: format!(" kill investigation {investigation} "),
        head: wrapped(head, width),
        body: Vec::new(),
        prompt: Vec::new(),
        field: Some((typed, 1)),
        min_body: 0,
        decides: "what this kills",
        confirm_key: "enter",
        cancel: "esc cancels",
    })
}

/// The rows under the field: why the id was refused, and the keys.
pub(super) fn below(
    state: &State,
    modal: &Modal,
    _geometry: Option<&DialogGeometry>,
) -> Vec<Line<'static>> {
    let Modal::Kill { error, .. } = modal else {
        return Vec::new();
    };
    let mut lines = error_lines(state, error);
    lines.push(hint(state, "enter kills · esc cancels"));
    lines
}
