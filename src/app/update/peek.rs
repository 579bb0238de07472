//! The table's LAST LINE and COST columns: which investigations on screen
//! to ask for their newest event and cost so far, and the answers. A running investigation is
//! asked again every [`PEEK_AGAIN`]; a finished one once more after it ended
//! (for its conclusion), then never.

use super::Out;
use crate::app::effect::Effect;
use crate::app::state::{Column, Screen, State};
use crate::model::records::{Peek, PeekTarget};
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
        let namespace = state.table.update_row(&id, |row| {
            row.peeked_at = Some((now, row.record.investigation.state.is_active()));
            row.record.investigation.namespace.to_string()
        });
        if let Some(namespace) = namespace {
            targets.push(PeekTarget {
                investigation: id,
                namespace,
            });
        }
    }
    out.push(Effect::PeekLastLines(targets));
}

/// Last lines and costs came back.
pub(super) fn peeked(state: &mut State, peeks: Vec<Peek>, out: &mut Out) {
    let page = crate::app::geometry::layout::table_page(state);
    let mut lines_changed = false;
    let mut costs_changed = false;
    for peek in peeks {
        let id = peek.investigation;
        let streaming = state.detail.as_ref().is_some_and(|d| d.investigation == id);
        if streaming {
            // The open stream is newer than any tail.
            continue;
        }
        let Some(row) = state.table.get(&id) else {
            continue;
        };
        let cost = peek
            .cost
            .filter(|c| c.is_finite() && *c >= 0.0 && row.cost != Some(*c));
        let line = peek
            .line
            .map(|l| crate::sanitize::sanitize(&l).into_owned())
            .filter(|line| row.last_line.as_deref() != Some(line.as_str()));
        costs_changed |= cost.is_some();
        lines_changed |= line.is_some();
        if cost.is_some() || line.is_some() {
            state.table.update_row(&id, |row| {
                if cost.is_some() {
                    row.cost = cost;
                }
                if line.is_some() {
                    row.last_line = line.map(String::into_boxed_str);
                }
            });
        }
    }
    if (lines_changed && state.table.sort == Column::LastLine)
        || (costs_changed && state.table.sort == Column::Cost)
    {
        // The rows moved as they changed: only the cursor follows.
        state.table.refresh(page);
    }
    let changed = lines_changed || costs_changed;
    out.redraw_if(changed && *state.screen() == Screen::Investigations);
}
