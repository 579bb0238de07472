//! Messages above the footer: one place that adds them, deduplicated and
//! bounded, for every part of update.

use super::Out;
use crate::app::state::{Notice, NoticeLevel, State};

/// How many notices are kept on screen; older ones are dropped (they stay
/// in the history).
const MAX_NOTICES: usize = 20;
/// How many notices `:notices` can bring back.
const MAX_HISTORY: usize = 200;

/// Shows a message above the footer (deduplicated, newest last).
pub(crate) fn notice(state: &mut State, level: NoticeLevel, text: String, out: &mut Out) {
    let text = crate::sanitize::sanitize(&text).into_owned();
    if state.notices.last().is_some_and(|n| n.text == text) {
        return;
    }
    state.notices.retain(|n| n.text != text);
    let notice = Notice {
        level,
        text,
        epoch: None,
    };
    state.notice_history.push(notice.clone());
    if state.notice_history.len() > MAX_HISTORY {
        state.notice_history.remove(0);
    }
    state.notices.push(notice);
    if state.notices.len() > MAX_NOTICES {
        state.notices.remove(0);
    }
    out.redraw();
}

/// Dismisses the newest notice; the next newest shows.
pub(crate) fn dismiss_one(state: &mut State, out: &mut Out) {
    if state.notices.pop().is_some() {
        out.redraw();
    }
}

/// `:notices`: brings every notice since the start back (the newest
/// [`MAX_NOTICES`]), newest on top; esc steps through them one at a time.
pub(crate) fn recall(state: &mut State, out: &mut Out) {
    if state.notice_history.is_empty() {
        notice(
            state,
            NoticeLevel::Info,
            "no notices since the console started".into(),
            out,
        );
        // That one is no history worth recalling.
        state.notice_history.pop();
        return;
    }
    let first = state.notice_history.len().saturating_sub(MAX_NOTICES);
    state.notices = state.notice_history[first..].to_vec();
    out.redraw();
}
