//! The resume dialog: what comes back, then the phase step; under it, the keys.

use super::{Content, DialogGeometry, hint, wrapped};
use crate::app::state::{Modal, State};
use ratatui::text::Line;

/// The resume dialog: what comes back, then the phase step.
pub(super) fn content<'s>(state: &'s State, modal: &'s Modal, width: u16) -> Option<Content<'s>> {
    let Modal::Resume {
        namespace,
        halted_from,
        phase_step,
    } = modal
    else {
        return None;
    };
    let theme = &state.theme;
    let head = if *phase_step {
        vec![
            Line::styled(
                format!(
                    "also restore {namespace}'s phase to {} (its phase before the halt)?",
                    halted_from.map(|p| p.to_string()).unwrap_or_default()
                ),
                theme.warn,
            ),
            Line::styled(
                "what was expired by the halt stays expired; new proposals are judged under the restored phase",
                theme.title,
            ),
        ]
    } else {
        vec![Line::styled(
            format!(
                "un-suspends the investigations the halt suspended in {namespace}; the phase stays Shadow unless you confirm it next"
            ),
            theme.warn,
        )]
    };
    Some(Content {
        title: format!(" resume namespace {namespace} "),
        head: wrapped(head, width),
        body: Vec::new(),
        prompt: Vec::new(),
        field: None,
        min_body: 0,
        decides: "what this resumes",
        confirm_key: "y",
        cancel: "any other key closes",
    })
}

/// The keys.
pub(super) fn below(
    state: &State,
    modal: &Modal,
    _geometry: Option<&DialogGeometry>,
) -> Vec<Line<'static>> {
    let Modal::Resume { phase_step, .. } = modal else {
        return Vec::new();
    };
    vec![hint(
        state,
        if *phase_step {
            "y restores the phase · n resumes the Jobs only · any other key cancels"
        } else {
            "press y to resume the Jobs · any other key cancels"
        },
    )]
}
