//! The table's LAST LINE column: which investigations on screen to ask for
//! their newest reasoning line, and the answers. A running investigation is
//! asked again every [`PEEK_AGAIN`]; a finished one once more after it ended
//! (for its conclusion), then never.

use super::Out;
use crate::app::effect::Effect;
use crate::app::state::{Column, Screen, State};
use crate::model::records::PeekTarget;
use jiff::SignedDuration;

/// How often a running investigation on screen is peeked at again.
pub const PEEK_AGAIN: SignedDuration = SignedDuration::from_secs(10);

/// Asks for the last lines the visible page lacks or has stale.
pub(super) fn sync(state: &mut State, out: &mut Out) {
    if *state.screen() != Screen::Investigations || state.quitting {
        return;
    }
    let now = state.now;
    let page = crate::app::geometry::layout::table_page(state);
    let due: Vec<String> = state
        .table
        .slice(state.table.offset, page)
        .filter(|row| {
            let active = row.record.investigation.state.is_active();
            match row.peeked_at {
                None => true,
                Some((at, _)) if active => now.duration_since(at) >= PEEK_AGAIN,
                Some((_, was_active)) => was_active,
            }
        })
        .map(|row| row.id().to_string())
        .collect();
    if due.is_empty() {
        return;
    }
    let mut targets = Vec::with_capacity(due.len());
    for id in due {
        if let Some(row) = state.table.get_mut(&id) {
            row.peeked_at = Some((now, row.record.investigation.state.is_active()));
            targets.push(PeekTarget {
                investigation: id,
                namespace: row.record.investigation.namespace.clone(),
            });
        }
    }
    out.push(Effect::PeekLastLines(targets));
}

/// Last lines came back.
pub(super) fn peeked(state: &mut State, lines: Vec<(String, Option<String>)>, out: &mut Out) {
    let page = crate::app::geometry::layout::table_page(state);
    let mut changed = false;
    for (id, line) in lines {
        let Some(line) = line.map(|l| crate::sanitize::sanitize(&l).into_owned()) else {
            continue;
        };
        let streaming = state.detail.as_ref().is_some_and(|d| d.investigation == id);
        if let Some(row) = state.table.get_mut(&id)
            && !streaming
            && row.last_line.as_deref() != Some(line.as_str())
        {
            row.last_line = Some(line);
            changed = true;
        }
    }
    if changed && state.table.sort == Column::LastLine {
        state.table.refresh(page);
    }
    out.redraw_if(changed && *state.screen() == Screen::Investigations);
}
