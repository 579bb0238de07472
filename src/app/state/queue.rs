//! The launcher's queue as the console shows it: each queued row's position
//! (computed over the queued rows with [`crate::domain::queue::compare`],
//! never stored), and the dialogs of the queue keys (admit now, cancel).

use super::table::Row;
use crate::domain::queue::compare;
use ratatui_textarea::TextArea;
use std::collections::HashMap;

/// The position of every queued row, 1 for the next one admitted.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct QueuePositions {
    by_id: HashMap<String, usize>,
}

impl QueuePositions {
    /// The positions of the queued rows among `rows`.
    pub fn compute<'a>(rows: impl IntoIterator<Item = &'a Row>) -> QueuePositions {
        let mut queued: Vec<(&crate::domain::queue::QueueKey, &str)> = rows
            .into_iter()
            .filter_map(|row| {
                let inv = &row.record.investigation;
                inv.queue.as_ref().map(|mark| (&mark.key, inv.id.as_str()))
            })
            .collect();
        queued.sort_by(|(a, _), (b, _)| compare(a, b));
        QueuePositions {
            by_id: queued
                .into_iter()
                .enumerate()
                .map(|(i, (_, id))| (id.to_string(), i + 1))
                .collect(),
        }
    }

    /// The position of investigation `id`, when it is queued.
    pub fn position(&self, id: &str) -> Option<usize> {
        self.by_id.get(id).copied()
    }

    /// How many investigations are queued.
    pub fn len(&self) -> usize {
        self.by_id.len()
    }

    /// Whether none is queued.
    pub fn is_empty(&self) -> bool {
        self.by_id.is_empty()
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
