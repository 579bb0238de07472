//! Cursor and scroll arithmetic for the reasoning stream and the proposal
//! view, using the same line heights the views draw with.

use super::Out;
use crate::app::command::Command;
use crate::app::geometry::entries::{EntryStyle, entry_height};
use crate::app::state::{ReasoningBuffer, Screen, State};

/// Where a scrolling key takes a document's first line `current`, with
/// `page` rows on screen and `max` the last first line; `None` for a key
/// that does not scroll.
pub(super) fn scrolled_to(
    command: Command,
    current: usize,
    page: usize,
    max: usize,
) -> Option<usize> {
    let next = match command {
        Command::Up => current.saturating_sub(1),
        Command::Down => current + 1,
        Command::HalfPageUp => current.saturating_sub((page / 2).max(1)),
        Command::HalfPageDown => current + (page / 2).max(1),
        Command::PageUp => current.saturating_sub(page.max(1)),
        Command::PageDown => current + page.max(1),
        Command::Top => 0,
        Command::Bottom => max,
        _ => return None,
    };
    Some(next.min(max))
}

/// The text area of the reasoning pane: (columns, rows).
fn viewport(state: &State) -> (u16, usize) {
    let area = crate::app::geometry::layout::stream_text_area(state);
    (area.width, usize::from(area.height).max(1))
}

/// The first line shown when the last `seq` is at the bottom of a pane of
/// `height` rows: the smallest top such that `top..=seq` fits.
pub(crate) fn top_for_bottom(
    buffer: &ReasoningBuffer,
    seq: u64,
    style: &EntryStyle<'_>,
    width: u16,
    height: usize,
) -> u64 {
    let mut used = 0usize;
    let mut top = seq;
    for entry in buffer.iter_back_from(seq) {
        let h = entry_height(entry, buffer.expanded.contains(&entry.seq), style, width);
        if used + h > height && used > 0 {
            break;
        }
        used += h;
        top = entry.seq;
        if used >= height {
            break;
        }
    }
    top
}

/// Keeps the cursor of the active buffer on screen.
pub(super) fn stream_into_view(state: &mut State) {
    let (width, height) = viewport(state);
    let style = EntryStyle::of(state);
    let Some(detail) = state.detail.as_ref() else {
        return;
    };
    let buffer = detail.active_buffer();
    if buffer.follow {
        return;
    }
    let Some(cursor) = buffer.cursor_seq() else {
        return;
    };
    let lowest_top = top_for_bottom(buffer, cursor, &style, width, height);
    let first = buffer.first_seq().unwrap_or(0);
    let top = buffer.top.max(lowest_top).min(cursor).max(first);
    if let Some(detail) = state.detail.as_mut() {
        detail.active_buffer_mut().top = top;
    }
}

/// Cursor movement in the reasoning stream. Moving up leaves follow mode;
/// the bottom key resumes it.
pub(super) fn stream_move(state: &mut State, command: Command, out: &mut Out) {
    let (_, height) = viewport(state);
    let page = i64::try_from(height).unwrap_or(i64::MAX).max(1);
    let Some(detail) = state.detail.as_mut() else {
        return;
    };
    let is_live = detail.older.is_none();
    let buffer = detail.active_buffer_mut();
    let Some(cursor) = buffer.cursor_seq() else {
        return;
    };
    let was_following = buffer.follow;
    let target = match command {
        Command::Up => buffer.offset_seq(cursor, -1),
        Command::Down => buffer.offset_seq(cursor, 1),
        Command::HalfPageUp => buffer.offset_seq(cursor, -(page / 2).max(1)),
        Command::HalfPageDown => buffer.offset_seq(cursor, (page / 2).max(1)),
        Command::PageUp => buffer.offset_seq(cursor, -page),
        Command::PageDown => buffer.offset_seq(cursor, page),
        Command::Top => buffer.first_seq(),
        Command::Bottom => buffer.last_seq(),
        _ => None,
    };
    let Some(target) = target else {
        return;
    };
    let at_end = Some(target) == buffer.last_seq();
    if is_live && (command == Command::Bottom || (was_following && at_end)) {
        // Bottom resumes following; moving down at the end while following changes nothing.
        let changed = !buffer.follow;
        buffer.follow = true;
        buffer.cursor = None;
        out.redraw_if(changed);
        return;
    }
    if target == cursor && !was_following {
        return;
    }
    if was_following {
        leave_follow(state);
    }
    if let Some(detail) = state.detail.as_mut() {
        let buffer = detail.active_buffer_mut();
        buffer.follow = false;
        buffer.cursor = Some(target);
        if target < buffer.top {
            buffer.top = target;
        }
    }
    stream_into_view(state);
    out.redraw();
}

/// Stops following, keeping on screen what was shown: the cursor goes to the
/// newest line and the top to where the bottom-anchored view started.
fn leave_follow(state: &mut State) {
    let (width, height) = viewport(state);
    let style = EntryStyle::of(state);
    let Some(detail) = state.detail.as_ref() else {
        return;
    };
    let buffer = detail.active_buffer();
    let Some(last) = buffer.last_seq() else {
        return;
    };
    let top = top_for_bottom(buffer, last, &style, width, height);
    if let Some(detail) = state.detail.as_mut() {
        let buffer = detail.active_buffer_mut();
        buffer.follow = false;
        buffer.cursor = Some(last);
        buffer.top = top;
    }
}

/// The follow key.
pub(super) fn toggle_follow(state: &mut State, out: &mut Out) {
    let Some(detail) = state.detail.as_mut() else {
        return;
    };
    if detail.older.is_some() {
        return;
    }
    if detail.buffer.follow {
        leave_follow(state);
    } else {
        detail.buffer.follow = true;
        detail.buffer.cursor = None;
    }
    out.redraw();
}

/// Moves the cursor to `seq`, leaving follow mode, and scrolls it into view.
pub(super) fn jump(state: &mut State, seq: u64, out: &mut Out) {
    let following = state
        .detail
        .as_ref()
        .is_some_and(|d| d.active_buffer().follow);
    if following {
        leave_follow(state);
    }
    if let Some(detail) = state.detail.as_mut() {
        let buffer = detail.active_buffer_mut();
        let changed = buffer.cursor != Some(seq);
        buffer.follow = false;
        buffer.cursor = Some(seq);
        if seq < buffer.top {
            buffer.top = seq;
        }
        out.redraw_if(changed || following);
    }
    stream_into_view(state);
}

/// The proposal view's page height and largest scroll.
pub(super) fn proposal_bounds(state: &State) -> (usize, usize) {
    let Some(Screen::Proposal { key, .. }) = state.screens.last() else {
        return (1, 0);
    };
    let area = crate::app::geometry::layout::proposal_text_area(state);
    let page = usize::from(area.height).max(1);
    let total = state
        .proposals
        .get(key)
        .map(|record| crate::app::geometry::document::document_height(state, record, area.width))
        .unwrap_or(0);
    (page, total.saturating_sub(page))
}

/// Keeps the proposal view's scroll within its document.
pub(super) fn clamp_proposal(state: &mut State) {
    let (_, max) = proposal_bounds(state);
    if let Some(Screen::Proposal { scroll, .. }) = state.screens.last_mut() {
        *scroll = (*scroll).min(max);
    }
}
