//! The edit dialog: the action that runs now, in a box to edit before
//! approving it; under it, why the edit was refused and the keys.

use super::{Content, DialogGeometry, error_lines, hint, wrapped};
use crate::app::geometry::format;
use crate::app::state::{Modal, State};
use ratatui::text::Line;

/// The edit box on the action that runs now.
pub(super) fn content<'s>(
    state: &'s State,
    modal: &'s Modal,
    width: u16,
    rows: u16,
) -> Option<Content<'s>> {
    let Modal::Edit { key, text, .. } = modal else {
        return None;
    };
    let theme = &state.theme;
    let record = state.proposals.get(key);
    let mut head = vec![
        Line::styled(
            record
                .map(|r| r.summary.clone())
                .unwrap_or_else(|| key.name.clone()),
            theme.title,
        ),
        Line::styled(
            "edit the patch or command (YAML or JSON); the kind and the target stay",
            theme.dim,
        ),
    ];
    if let Some(edit) = record.and_then(|r| r.action.edit.as_ref()) {
        head.push(Line::styled(
            format!(
                "you edit the action that runs now: edited by {} at {}",
                edit.by,
                format::clock(edit.at, &state.time_zone)
            ),
            theme.warn,
        ));
    }
    Some(Content {
        title: format!(" edit {} before approving ", key.name),
        head: wrapped(head, width),
        body: Vec::new(),
        prompt: Vec::new(),
        field: Some((text, rows.saturating_sub(12).clamp(1, 16))),
        min_body: 0,
        decides: "the edit",
        confirm_key: "ctrl-s",
        cancel: "esc cancels",
    })
}

/// The rows under the box: why the edit was refused, and the keys.
pub(super) fn below(
    state: &State,
    modal: &Modal,
    _geometry: Option<&DialogGeometry>,
) -> Vec<Line<'static>> {
    let Modal::Edit { error, .. } = modal else {
        return Vec::new();
    };
    let mut lines = error_lines(state, error);
    lines.push(hint(
        state,
        "ctrl-s checks it and asks to approve · esc cancels",
    ));
    lines
}
