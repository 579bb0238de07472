//! Messages above the footer: one place that adds them, deduplicated and
//! bounded, for every part of update.

use super::Out;
use crate::app::state::{Notice, NoticeLevel, State};

/// How many notices are kept; older ones are dropped.
const MAX_NOTICES: usize = 20;

/// Shows a message above the footer (deduplicated, newest last).
pub(crate) fn notice(state: &mut State, level: NoticeLevel, text: String, out: &mut Out) {
    let text = crate::sanitize::sanitize(&text).into_owned();
    if state.notices.last().is_some_and(|n| n.text == text) {
        return;
    }
    state.notices.retain(|n| n.text != text);
    state.notices.push(Notice {
        level,
        text,
        epoch: None,
    });
    if state.notices.len() > MAX_NOTICES {
        state.notices.remove(0);
    }
    out.redraw();
}
