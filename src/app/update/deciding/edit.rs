//! Edit before approving: the edit box on the action that runs now.

use super::*;
use crate::app::state::{Modal, Shown, State};
use crate::app::update::Out;
use crate::domain::Verdict;
use ratatui_textarea::TextArea;
use ratatui_textarea::WrapMode;

/// Opens the edit box on the action that runs now (after someone's edit,
/// the edited one), its text sanitized and long lines wrapped.
pub(in crate::app::update) fn start_edit(state: &mut State, out: &mut Out) {
    let Some(key) = decidable(state, Verdict::Approve, out) else {
        return;
    };
    let Some(record) = state.proposals.get(&key) else {
        return;
    };
    if let Some(problem) = &record.action.problem {
        let text = format!(
            "{} cannot be edited or approved: {problem}; veto it (v) so the agent revises it",
            key.name
        );
        notice(state, text, out);
        return;
    }
    let original = record.effective_action.clone();
    let Some(editable) = crate::decide::edit_text(&original) else {
        let text = format!(
            "a {} has nothing to edit: approve (a) or veto (v) it as proposed",
            original.kind
        );
        notice(state, text, out);
        return;
    };
    let shown = Shown::of(record);
    let mut text = TextArea::new(edit_lines(&editable));
    text.set_wrap_mode(WrapMode::Glyph);
    state.decisions.modal = Some(Modal::Edit {
        key,
        shown,
        original,
        text,
        error: None,
    });
    out.redraw();
}

/// The lines the edit box starts with: a JSON payload pretty-printed (one
/// value per line, whatever whitespace the agent put in), each line
/// sanitized with invisible characters made visible.
pub(in crate::app::update) fn edit_lines(editable: &str) -> Vec<String> {
    let trimmed = editable.trim_start();
    let pretty = if trimmed.starts_with('{') || trimmed.starts_with('[') {
        serde_json::from_str::<serde_json::Value>(editable)
            .ok()
            .and_then(|value| serde_json::to_string_pretty(&value).ok())
    } else {
        None
    };
    pretty
        .as_deref()
        .unwrap_or(editable)
        .lines()
        .map(|line| crate::sanitize::reveal_invisible(&crate::sanitize::sanitize(line)))
        .collect()
}
