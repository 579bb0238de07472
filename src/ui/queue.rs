//! The launcher's queue on screen: a queued row's STATE (`QUEUED #3`) and
//! why it waits (`#3 · namespace at 3/3`, `cluster cap 20/20`, `halted`),
//! and the queue keys in the footer (the admit-now and cancel dialogs' text
//! is `app::geometry::dialog::queue`).

use crate::app::command::Command;
use crate::app::state::{Row, State, row_in_focus};
use crate::domain::InvestigationState;
use crate::domain::queue::QueueReason;

/// The STATE cell of a queued row: `QUEUED #3` (`QUEUED` while its position
/// is not known).
pub fn state_cell(state: &State, row: &Row) -> String {
    let inv = &row.record.investigation;
    match state.table.queue().position(&inv.id) {
        Some(position) => format!("QUEUED #{position}"),
        None => "QUEUED".to_string(),
    }
}

/// Why a queued row waits, with its position: `#3 · namespace at 3/3`;
/// `#1 · bumped · cluster cap 20/20`; `admit-now asked by oncall-1` once
/// an override waits for the launcher.
pub fn waiting_cell(state: &State, row: &Row) -> Option<String> {
    let inv = &row.record.investigation;
    let mark = inv.queue.as_ref()?;
    let reason = QueueReason::parse(mark.reason.as_deref());
    let mut parts = Vec::new();
    if let Some(position) = state.table.queue().position(&inv.id) {
        parts.push(format!("#{position}"));
    }
    if let Some(admit) = &mark.admit_override {
        parts.push(format!("admit-now asked by {}", admit.by));
    }
    if mark.key.bumped_at.is_some() {
        parts.push("bumped".to_string());
    }
    parts.push(reason.to_string());
    Some(parts.join(" · "))
}

/// For the table's title: the queued row under the cursor and why it waits
/// (`quota-4k2m9x #4 · namespace at 3/3`), seen even where the LAST LINE
/// column is not.
pub fn selected_waiting(state: &State) -> Option<String> {
    let row = state.table.selected_row()?;
    let waiting = waiting_cell(state, row)?;
    Some(format!("{} {waiting}", row.id()))
}

/// The queue keys the footer offers first, when the investigation in focus is queued.
pub fn footer_hints(state: &State) -> Vec<(Command, &'static str)> {
    if state.readonly {
        return Vec::new();
    }
    let row = row_in_focus(state);
    match row {
        Some(row) if row.record.investigation.state == InvestigationState::Queued => vec![
            (Command::BumpQueued, "bump"),
            (Command::AdmitNow, "admit now"),
            (Command::CancelQueued, "cancel"),
        ],
        _ => Vec::new(),
    }
}
