//! The launcher's queue as the console shows it: each queued row's position
//! (kept by the table in [`crate::domain::queue::compare`] order, never
//! stored on a row), and the dialogs of the queue keys (admit now, cancel).

use super::table::InvestigationTable;
use ratatui_textarea::TextArea;

/// The position of every queued row, 1 for the next one admitted.
#[derive(Debug, Clone, Copy)]
pub struct QueuePositions<'a> {
    table: &'a InvestigationTable,
}

impl<'a> QueuePositions<'a> {
    /// The positions of the queued rows of `table`.
    pub fn new(table: &'a InvestigationTable) -> QueuePositions<'a> {
        QueuePositions { table }
    }

    /// The position of investigation `id`, when it is queued.
    pub fn position(&self, id: &str) -> Option<usize> {
        self.table.queue_position(id)
    }

    /// How many investigations are queued.
    pub fn len(&self) -> usize {
        self.table.queued_len()
    }

    /// Whether none is queued.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// What a queue dialog does once confirmed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum QueueOp {
    /// Admit the queued investigation now, past every cap (a reason is required).
    AdmitNow,
    /// Cancel the queued investigation: its Job is deleted, never run.
    Cancel,
}

/// The dialog of an admit-now or a cancel.
#[derive(Debug, Clone)]
pub struct QueueDialog {
    /// Admit now or cancel.
    pub op: QueueOp,
    /// The Job's namespace.
    pub namespace: String,
    /// The Job.
    pub job: String,
    /// The investigation id.
    pub investigation: String,
    /// Its position when the dialog opened.
    pub position: Option<usize>,
    /// Why it waited, when the dialog opened.
    pub waiting_for: String,
    /// The reason typed so far.
    pub reason: TextArea<'static>,
    /// Why the last enter did not confirm.
    pub error: Option<String>,
}
