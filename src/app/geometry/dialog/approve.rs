//! The approve dialog: what is decided on, all of the change, what
//! approving does, and for high risk the typed name; under it, why the last
//! `y` did not confirm, how much is left to see, and the keys.

use super::change::{body_lines, gone, head_lines};
use super::{
    Content, DialogGeometry, MIN_SCROLL_ROWS, error_lines, fact, hint, unseen_rows, wrapped,
};
use crate::app::state::{Modal, State};
use crate::model::records::ProposalRecord;
use ratatui::text::Line;

/// The scroll keys of the approve dialog, as its hints name them.
const SCROLL_KEYS: &str = "j/k ↑/↓ pgup/pgdn space scroll";

/// What approving will do, in words.
pub fn approval_effect(record: &ProposalRecord) -> String {
    let still = record.approvals_required.unwrap_or(1);
    if still > 1 {
        let more = still - 1;
        let plural = if more == 1 { "" } else { "s" };
        return format!("records your approval; {more} more approval{plural} needed");
    }
    "approves it: with Vault configured, a single-use write credential is minted for the \
     agent; the agent executes it and reports the result"
        .to_string()
}

/// The approve dialog: what runs, all of the change, and for high risk the typed name.
pub(super) fn content<'s>(state: &'s State, modal: &'s Modal, width: u16) -> Option<Content<'s>> {
    let Modal::Approve {
        key,
        shown,
        edited,
        typed,
        ..
    } = modal
    else {
        return None;
    };
    let theme = &state.theme;
    let record = state.proposals.get(key);
    let edited = edited.as_deref();
    let (head, mut body) = match record {
        Some(record) => (
            wrapped(head_lines(state, key, record, edited, &shown.digest), width),
            body_lines(state, record, edited, width),
        ),
        None => (gone(state, key), Vec::new()),
    };
    let approvable = match edited {
        Some(edit) => edit.canonical.problem.is_none(),
        None => record.is_some_and(|r| r.action.problem.is_none()),
    };
    if let Some(record) = record.filter(|_| approvable) {
        body.extend(wrapped(
            vec![fact(
                state,
                "approving",
                approval_effect(record),
                theme.warn,
            )],
            width,
        ));
    }
    let mut prompt = Vec::new();
    let field = typed.as_ref().map(|area| {
        // The proposal's own risk (high or critical) is named.
        let risk = record.map(|r| format!("{} risk: ", r.risk));
        prompt.push(Line::styled(
            format!(
                "{}type the proposal's name ({}) to approve:",
                risk.unwrap_or_default(),
                key.name
            ),
            theme.error,
        ));
        (area, 1)
    });
    Some(Content {
        title: if edited.is_some() {
            " approve the edited proposal? ".into()
        } else {
            " approve this proposal? ".into()
        },
        head,
        body,
        prompt: wrapped(prompt, width),
        field,
        min_body: MIN_SCROLL_ROWS,
        decides: "what you approve",
        confirm_key: if typed.is_some() { "enter" } else { "y" },
        cancel: if typed.is_some() {
            "esc cancels"
        } else {
            "any other key closes"
        },
    })
}

/// The rows under the field: why the last key did not confirm, what is left to see, and the keys.
pub(super) fn below(
    state: &State,
    modal: &Modal,
    geometry: Option<&DialogGeometry>,
) -> Vec<Line<'static>> {
    let Modal::Approve {
        key,
        edited,
        scroll,
        typed,
        error,
        ..
    } = modal
    else {
        return Vec::new();
    };
    let theme = &state.theme;
    let scrolls = geometry.is_some_and(DialogGeometry::scrolls);
    let mut lines = error_lines(state, error);
    if typed.is_some() {
        lines.push(hint(
            state,
            if scrolls {
                "enter approves · pgup/pgdn scroll · esc cancels"
            } else {
                "enter approves · esc cancels"
            },
        ));
        return lines;
    }
    let problem = match edited {
        Some(edit) => edit.canonical.problem.is_some(),
        None => state
            .proposals
            .get(key)
            .is_none_or(|r| r.action.problem.is_some()),
    };
    let unseen = geometry.map_or(0, |g| unseen_rows(scroll, g));
    if problem {
        lines.push(Line::styled(
            "this cannot be approved: close it and veto (v), so the agent revises it",
            theme.error,
        ));
        lines.push(hint(
            state,
            if scrolls {
                "j/k ↑/↓ pgup/pgdn space scroll · any other key closes"
            } else {
                "any other key closes"
            },
        ));
    } else if unseen > 0 {
        let plural = if unseen == 1 { "" } else { "s" };
        lines.push(Line::styled(
            format!("scroll to the end to approve: {unseen} more line{plural}"),
            theme.warn,
        ));
        lines.push(hint(
            state,
            &format!("{SCROLL_KEYS} · any other key cancels"),
        ));
    } else if scrolls {
        lines.push(hint(
            state,
            &format!("press y to approve · {SCROLL_KEYS} · any other key cancels"),
        ));
    } else {
        lines.push(hint(state, "press y to approve · any other key cancels"));
    }
    lines
}
