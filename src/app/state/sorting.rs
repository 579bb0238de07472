//! The orders the table keeps: by a column (either way), and the launcher's
//! queue. Both end with the investigation id, so no two rows compare equal
//! and a row's place can be found again by binary search.

use super::row::Row;
use super::table::Column;
use crate::domain::InvestigationState;
use std::cmp::Ordering;

/// The display order: the column's natural order (reversed when asked),
/// then the id.
pub(super) fn display(column: Column, reverse: bool, a: &Row, b: &Row) -> Ordering {
    let natural = natural(column, a, b);
    let natural = if reverse { natural.reverse() } else { natural };
    natural.then_with(|| a.id().cmp(b.id()))
}

/// The admission order of two queued rows ([`crate::domain::queue::compare`]),
/// then the id; rows that are not queued come last.
pub(super) fn queue(a: &Row, b: &Row) -> Ordering {
    let (ia, ib) = (&a.record.investigation, &b.record.investigation);
    none_last(ia.queue.as_ref(), ib.queue.as_ref(), |x, y| {
        crate::domain::queue::compare(&x.key, &y.key)
    })
    .then_with(|| a.id().cmp(b.id()))
}

fn state_rank(state: InvestigationState) -> u8 {
    match state {
        InvestigationState::Running => 0,
        InvestigationState::Pending => 1,
        InvestigationState::Queued => 2,
        InvestigationState::Suspended => 3,
        InvestigationState::Failed => 4,
        InvestigationState::Succeeded => 5,
    }
}

/// The natural order of a column: text ascending, newest first, soonest
/// deadline first, most pending and most expensive first; unknown values
/// last. It depends only on the row (never on the clock), so a row keeps
/// its place until the row itself changes.
fn natural(column: Column, a: &Row, b: &Row) -> Ordering {
    let (ia, ib) = (&a.record.investigation, &b.record.investigation);
    match column {
        Column::Id => ia.id.cmp(&ib.id),
        Column::Target => ia.target_namespace.cmp(&ib.target_namespace),
        Column::Phase => b
            .ran_under()
            .cmp(&a.ran_under())
            .then_with(|| b.phase.cmp(&a.phase)),
        Column::State => state_rank(ia.state)
            .cmp(&state_rank(ib.state))
            .then_with(|| {
                // Queued ones in the order they will be admitted (a Job
                // queued without a readable mark after them, so the order
                // stays transitive).
                none_last(ia.queue.as_ref(), ib.queue.as_ref(), |x, y| {
                    crate::domain::queue::compare(&x.key, &y.key)
                })
            }),
        Column::Age => none_last(ia.started, ib.started, |x, y| y.cmp(&x)),
        Column::TimeLeft => {
            let left =
                |inv: &crate::domain::Investigation| inv.deadline.filter(|_| inv.state.is_active());
            none_last(left(ia), left(ib), |x, y| x.cmp(&y))
        }
        Column::Pending => b.pending.cmp(&a.pending),
        Column::Cost => none_last(a.cost, b.cost, |x, y| y.total_cmp(&x)),
        Column::Trigger => ia.trigger.cmp(&ib.trigger),
        Column::LastLine => none_last(a.last_line.as_deref(), b.last_line.as_deref(), |x, y| {
            x.cmp(y)
        }),
    }
}

fn none_last<T>(a: Option<T>, b: Option<T>, cmp: impl Fn(T, T) -> Ordering) -> Ordering {
    match (a, b) {
        (Some(a), Some(b)) => cmp(a, b),
        (Some(_), None) => Ordering::Less,
        (None, Some(_)) => Ordering::Greater,
        (None, None) => Ordering::Equal,
    }
}
