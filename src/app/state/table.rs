//! The investigations table: every row, plus the filtered and sorted order
//! kept up to date by `update`, so a frame renders only the visible slice.

use crate::domain::{InvestigationState, Phase};
use crate::model::records::InvestigationRecord;
use std::cmp::Ordering;
use std::collections::HashMap;

/// A column of the investigations table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Column {
    /// The investigation id.
    Id,
    /// The namespace being investigated.
    Target,
    /// The trust phase the investigation ran under (and the target
    /// namespace's phase now, where it differs).
    Phase,
    /// Pending, running, succeeded...
    State,
    /// Time since the Job started.
    Age,
    /// Time left before the Job's deadline.
    TimeLeft,
    /// Proposals waiting for a decision.
    Pending,
    /// Money spent so far (known for streamed investigations).
    Cost,
    /// The alert that started it.
    Trigger,
    /// The last reasoning line seen.
    LastLine,
}

impl Column {
    /// Every column, left to right.
    pub const ALL: [Column; 10] = [
        Column::Id,
        Column::Target,
        Column::Phase,
        Column::State,
        Column::Age,
        Column::TimeLeft,
        Column::Pending,
        Column::Cost,
        Column::Trigger,
        Column::LastLine,
    ];

    /// The column heading.
    pub fn title(self) -> &'static str {
        match self {
            Column::Id => "ID",
            Column::Target => "TARGET",
            Column::Phase => "PHASE",
            Column::State => "STATE",
            Column::Age => "AGE",
            Column::TimeLeft => "LEFT",
            Column::Pending => "PEND",
            Column::Cost => "COST",
            Column::Trigger => "TRIGGER",
            Column::LastLine => "LAST LINE",
        }
    }

    /// The next column, wrapping around.
    pub fn next(self) -> Column {
        let index = Self::ALL.iter().position(|c| *c == self).unwrap_or(0);
        Self::ALL[(index + 1) % Self::ALL.len()]
    }
}

/// One row of the table: the investigation and what the console learned about it.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    /// The trimmed Job.
    pub record: InvestigationRecord,
    /// The trust phase of its target namespace.
    pub phase: Phase,
    /// Proposals waiting for a decision.
    pub pending: u32,
    /// Money spent so far, from the usage events seen while streaming.
    pub cost: Option<f64>,
    /// The last reasoning line seen while streaming or peeking.
    pub last_line: Option<String>,
    /// When its last line was last asked for (the LAST LINE column), and
    /// whether the investigation was still running then.
    pub peeked_at: Option<(jiff::Timestamp, bool)>,
    haystack: String,
}

impl Row {
    /// A row for a newly seen investigation.
    pub fn new(record: InvestigationRecord, phase: Phase) -> Row {
        let mut row = Row {
            record,
            phase,
            pending: 0,
            cost: None,
            last_line: None,
            peeked_at: None,
            haystack: String::new(),
        };
        row.refresh_haystack();
        row
    }

    /// The investigation id.
    pub fn id(&self) -> &str {
        &self.record.investigation.id
    }

    /// The phase the investigation ran under: the one recorded on its Job
    /// at admission, else (not admitted yet, or an older Job) the target
    /// namespace's phase now.
    pub fn ran_under(&self) -> Phase {
        self.record.investigation.phase.unwrap_or(self.phase)
    }

    /// The target namespace's phase now, when it is not the one the
    /// investigation ran under (a halt, a promotion since).
    pub fn phase_now_if_moved(&self) -> Option<Phase> {
        (self.ran_under() != self.phase).then_some(self.phase)
    }

    fn refresh_haystack(&mut self) {
        let inv = &self.record.investigation;
        self.haystack = format!(
            "{} {} {} {} {} {} {} {}",
            inv.id,
            inv.namespace,
            inv.target_namespace,
            inv.trigger,
            inv.state,
            self.phase,
            inv.severity,
            self.ran_under()
        )
        .to_lowercase();
    }

    fn matches(&self, needle: &str) -> bool {
        needle.is_empty() || self.haystack.contains(needle)
    }
}

/// The table's rows, order, filter and cursor.
#[derive(Debug, Clone)]
pub struct InvestigationTable {
    rows: Vec<Row>,
    by_id: HashMap<String, usize>,
    order: Vec<usize>,
    /// The column sorted by.
    pub sort: Column,
    /// Whether the natural order of the column is reversed.
    pub reverse: bool,
    filter: String,
    selected: usize,
    /// The first visible position in the order.
    pub offset: usize,
    counts: (usize, usize),
    queue: super::queue::QueuePositions,
}

impl Default for InvestigationTable {
    fn default() -> Self {
        InvestigationTable {
            rows: Vec::new(),
            by_id: HashMap::new(),
            order: Vec::new(),
            sort: Column::Age,
            reverse: false,
            filter: String::new(),
            selected: 0,
            offset: 0,
            counts: (0, 0),
            queue: Default::default(),
        }
    }
}

impl InvestigationTable {
    /// Every row, in storage order.
    pub fn rows(&self) -> &[Row] {
        &self.rows
    }

    /// How many rows pass the filter.
    pub fn visible_len(&self) -> usize {
        self.order.len()
    }

    /// The `n`-th row in display order.
    pub fn row_at(&self, position: usize) -> Option<&Row> {
        self.order.get(position).and_then(|&i| self.rows.get(i))
    }

    /// The rows from `start`, in display order, at most `len` of them.
    pub fn slice(&self, start: usize, len: usize) -> impl Iterator<Item = &Row> {
        self.order
            .iter()
            .skip(start)
            .take(len)
            .filter_map(|&i| self.rows.get(i))
    }

    /// The row with this id.
    pub fn get(&self, id: &str) -> Option<&Row> {
        self.by_id.get(id).and_then(|&i| self.rows.get(i))
    }

    /// Where the row with this id stands in display order, when the filter shows it.
    pub fn position_of(&self, id: &str) -> Option<usize> {
        let index = *self.by_id.get(id)?;
        self.order.iter().position(|&i| i == index)
    }

    /// The row with this id, to change it (call [`Self::refresh`] after a change that affects order).
    pub fn get_mut(&mut self, id: &str) -> Option<&mut Row> {
        let index = *self.by_id.get(id)?;
        self.rows.get_mut(index)
    }

    /// The cursor's position in display order.
    pub fn selected(&self) -> usize {
        self.selected
    }

    /// The row under the cursor.
    pub fn selected_row(&self) -> Option<&Row> {
        self.row_at(self.selected)
    }

    /// The filter text (lowercase).
    pub fn filter(&self) -> &str {
        &self.filter
    }

    /// Replaces every row (after a watcher relisted), keeping what streaming learned.
    pub fn replace_all(
        &mut self,
        records: Vec<InvestigationRecord>,
        phase_of: impl Fn(&str) -> Phase,
    ) {
        let mut old: HashMap<String, Row> = self
            .rows
            .drain(..)
            .map(|row| (row.id().to_string(), row))
            .collect();
        self.by_id.clear();
        for record in records {
            let phase = phase_of(&record.investigation.target_namespace);
            let mut row = Row::new(record, phase);
            if let Some(previous) = old.remove(row.id()) {
                row.cost = previous.cost;
                row.last_line = previous.last_line;
                row.peeked_at = previous.peeked_at;
                row.pending = previous.pending;
            }
            self.insert_row(row);
        }
    }

    /// Adds or replaces one investigation.
    pub fn apply(&mut self, record: InvestigationRecord, phase: Phase) {
        match self.by_id.get(&record.investigation.id).copied() {
            Some(index) => {
                if let Some(row) = self.rows.get_mut(index) {
                    row.record = record;
                    row.phase = phase;
                    row.refresh_haystack();
                }
            }
            None => self.insert_row(Row::new(record, phase)),
        }
    }

    fn insert_row(&mut self, row: Row) {
        if let Some(&index) = self.by_id.get(row.id()) {
            if let Some(slot) = self.rows.get_mut(index) {
                *slot = row;
            }
            return;
        }
        self.by_id.insert(row.id().to_string(), self.rows.len());
        self.rows.push(row);
    }

    /// Removes an investigation.
    pub fn remove(&mut self, id: &str) {
        let Some(index) = self.by_id.remove(id) else {
            return;
        };
        self.rows.swap_remove(index);
        if let Some(moved) = self.rows.get(index) {
            self.by_id.insert(moved.id().to_string(), index);
        }
    }

    /// Sets the phase of every row targeting `namespace`.
    pub fn set_phases(&mut self, phase_of: impl Fn(&str) -> Phase) {
        for row in &mut self.rows {
            let phase = phase_of(&row.record.investigation.target_namespace);
            if row.phase != phase {
                row.phase = phase;
                row.refresh_haystack();
            }
        }
    }

    /// Sets the filter (matched case-insensitively against id, namespaces,
    /// trigger, state, phase and severity). Returns whether it changed.
    pub fn set_filter(&mut self, filter: &str) -> bool {
        let filter = filter.trim().to_lowercase();
        if filter == self.filter {
            return false;
        }
        self.filter = filter;
        true
    }

    /// Recomputes the filtered, sorted order, keeping the cursor on the same
    /// investigation when it is still shown. `page` is the number of visible
    /// rows, to keep the cursor on screen.
    pub fn refresh(&mut self, page: usize) {
        let selected_id = self.selected_row().map(|r| r.id().to_string());
        let needle = self.filter.clone();
        let rows = &self.rows;
        let mut order: Vec<usize> = (0..rows.len())
            .filter(|&i| rows.get(i).is_some_and(|r| r.matches(&needle)))
            .collect();
        let (column, reverse) = (self.sort, self.reverse);
        order.sort_by(|&a, &b| match (rows.get(a), rows.get(b)) {
            (Some(a), Some(b)) => {
                let natural = compare(column, a, b);
                let natural = if reverse { natural.reverse() } else { natural };
                natural.then_with(|| a.id().cmp(b.id()))
            }
            _ => Ordering::Equal,
        });
        self.order = order;
        self.counts = self.count_states();
        self.queue = super::queue::QueuePositions::compute(&self.rows);
        self.selected = selected_id
            .and_then(|id| {
                self.order
                    .iter()
                    .position(|&i| self.rows.get(i).is_some_and(|r| r.id() == id))
            })
            .unwrap_or(self.selected)
            .min(self.order.len().saturating_sub(1));
        self.scroll_into_view(page);
    }

    /// Moves the cursor to `position` (clamped) and keeps it on screen.
    /// Returns whether anything moved.
    pub fn select(&mut self, position: usize, page: usize) -> bool {
        let position = position.min(self.order.len().saturating_sub(1));
        let before = (self.selected, self.offset);
        self.selected = position;
        self.scroll_into_view(page);
        before != (self.selected, self.offset)
    }

    /// Keeps the cursor between `offset` and `offset + page`.
    pub fn scroll_into_view(&mut self, page: usize) {
        let page = page.max(1);
        if self.selected < self.offset {
            self.offset = self.selected;
        } else if self.selected >= self.offset + page {
            self.offset = self.selected + 1 - page;
        }
        let max_offset = self.order.len().saturating_sub(page);
        self.offset = self.offset.min(max_offset);
    }

    /// How many investigations are (running, failed), as of the last [`Self::refresh`].
    pub fn counts(&self) -> (usize, usize) {
        self.counts
    }

    /// The queued investigations' positions, as of the last [`Self::refresh`].
    pub fn queue(&self) -> &super::queue::QueuePositions {
        &self.queue
    }

    fn count_states(&self) -> (usize, usize) {
        self.rows.iter().fold((0, 0), |(running, failed), row| {
            match row.record.investigation.state {
                InvestigationState::Running => (running + 1, failed),
                InvestigationState::Failed => (running, failed + 1),
                _ => (running, failed),
            }
        })
    }

    /// Empties the table (switching context or namespace).
    pub fn clear(&mut self) {
        self.rows.clear();
        self.by_id.clear();
        self.order.clear();
        self.selected = 0;
        self.offset = 0;
        self.counts = (0, 0);
        self.queue = Default::default();
    }
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
/// deadline first, most pending and most expensive first; unknown values last.
fn compare(column: Column, a: &Row, b: &Row) -> Ordering {
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
                // Queued ones in the order they will be admitted.
                match (&ia.queue, &ib.queue) {
                    (Some(x), Some(y)) => crate::domain::queue::compare(&x.key, &y.key),
                    _ => Ordering::Equal,
                }
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
