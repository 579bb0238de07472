//! The queue dialogs (admit now, cancel queued): their words, content and
//! the rows under the field.

use super::{Content, error_lines, hint, wrapped};
use crate::app::state::{QueueDialog, QueueOp, State};
use ratatui::text::Line;

/// The dialog's title.
pub fn dialog_title(dialog: &QueueDialog) -> String {
    match dialog.op {
        QueueOp::AdmitNow => format!(" admit {} now ", dialog.investigation),
        QueueOp::Cancel => format!(" cancel queued {} ", dialog.investigation),
    }
}

/// What the dialog says above the reason field.
pub fn dialog_head(state: &State, dialog: &QueueDialog) -> Vec<Line<'static>> {
    let theme = &state.theme;
    let place = match dialog.position {
        Some(position) => format!("#{position} in the queue, waiting: {}", dialog.waiting_for),
        None => format!("queued, waiting: {}", dialog.waiting_for),
    };
    let (what, ask) = match dialog.op {
        QueueOp::AdmitNow => (
            format!(
                "asks the launcher to admit Job {}/{} now, past the namespace and cluster caps (an override, recorded with your name)",
                dialog.namespace, dialog.job
            ),
            "reason (required, recorded with the override):",
        ),
        QueueOp::Cancel => (
            format!(
                "deletes the queued Job {}/{}: the investigation never runs",
                dialog.namespace, dialog.job
            ),
            "reason (optional, recorded with the cancel):",
        ),
    };
    vec![
        Line::styled(what, theme.warn),
        Line::styled(place, theme.dim),
        Line::styled(ask, theme.title),
    ]
}

/// The keys under the field.
pub fn dialog_hint(dialog: &QueueDialog) -> &'static str {
    match dialog.op {
        QueueOp::AdmitNow => "enter admits now · esc cancels",
        QueueOp::Cancel => "enter cancels the investigation · esc keeps it queued",
    }
}

/// What the too-small notice says the dialog decides.
pub fn dialog_decides(dialog: &QueueDialog) -> &'static str {
    match dialog.op {
        QueueOp::AdmitNow => "what this admits",
        QueueOp::Cancel => "what this cancels",
    }
}

/// The admit-now or cancel dialog: what it does, where the investigation
/// waits, and the reason.
pub(super) fn content<'s>(state: &State, dialog: &'s QueueDialog, width: u16) -> Content<'s> {
    Content {
        title: dialog_title(dialog),
        head: wrapped(dialog_head(state, dialog), width),
        body: Vec::new(),
        prompt: Vec::new(),
        field: Some((&dialog.reason, 2)),
        min_body: 0,
        decides: dialog_decides(dialog),
        confirm_key: "enter",
        cancel: "esc cancels",
    }
}

/// The rows under the field: why the reason was refused, and the keys.
pub(super) fn below(state: &State, dialog: &QueueDialog) -> Vec<Line<'static>> {
    let mut lines = error_lines(state, &dialog.error);
    lines.push(hint(state, dialog_hint(dialog)));
    lines
}
