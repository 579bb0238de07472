//! The investigations table: every row, plus the filtered and sorted order
//! kept up to date by `update`, so a frame renders only the visible slice.

use super::id_index::IdIndex;
use super::order::Blocks;
use super::queue::QueuePositions;
use super::row::Row;
use super::sorting;
use crate::domain::{InvestigationState, Phase};
use crate::model::records::InvestigationRecord;
use std::cmp::Ordering;

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

/// How far a listing has come, while one is under way.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Loading {
    /// Investigations received so far.
    pub loaded: usize,
    /// How many the server said there are, when it said.
    pub total: Option<usize>,
}

/// The table's rows, order, filter and cursor.
///
/// The filtered, sorted order is kept up to date as rows change: a changed
/// row leaves its place and is put back by binary search, so a watch batch
/// costs a few steps per changed row however many rows there are. The whole
/// order is built again only when the sort column, its direction or the
/// filter changed (at the next [`Self::refresh`]), or for a batch that
/// touches a large share of the rows.
#[derive(Debug, Clone)]
pub struct InvestigationTable {
    rows: Vec<Row>,
    by_id: IdIndex,
    /// Indices into `rows` of the rows the filter shows, in display order,
    /// as of `built`.
    order: Blocks,
    /// The sort and filter `order` was built with; `None` when it must be built again.
    built: Option<(Column, bool, String)>,
    /// The column sorted by.
    pub sort: Column,
    /// Whether the natural order of the column is reversed.
    pub reverse: bool,
    filter: String,
    selected: usize,
    /// The id under the cursor when it was last placed.
    cursor: Option<String>,
    /// The first visible position in the order.
    pub offset: usize,
    counts: (usize, usize),
    /// Indices of the queued rows, in admission order.
    queued: Blocks,
    /// The current listing's number (rows carry the last that saw them).
    generation: u32,
    loading: Option<Loading>,
    scratch: String,
}

impl Default for InvestigationTable {
    fn default() -> Self {
        InvestigationTable {
            rows: Vec::new(),
            by_id: IdIndex::default(),
            order: Blocks::default(),
            built: None,
            sort: Column::Age,
            reverse: false,
            filter: String::new(),
            selected: 0,
            cursor: None,
            offset: 0,
            counts: (0, 0),
            queued: Blocks::default(),
            generation: 0,
            loading: None,
            scratch: String::new(),
        }
    }
}

/// A batch larger than this share of the table (and than [`BULK_ROWS`])
/// rebuilds the order once instead of placing each row.
const BULK_SHARE: usize = 4;
/// See [`BULK_SHARE`].
const BULK_ROWS: usize = 2_000;

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
        self.order.get(position).and_then(|i| self.row(i))
    }

    /// The rows from `start`, in display order, at most `len` of them.
    pub fn slice(&self, start: usize, len: usize) -> impl Iterator<Item = &Row> {
        self.order
            .iter_from(start)
            .take(len)
            .filter_map(|i| self.row(i))
    }

    /// The row with this id.
    pub fn get(&self, id: &str) -> Option<&Row> {
        self.by_id
            .get(id, &self.rows)
            .and_then(|i| self.rows.get(i))
    }

    /// Where the row with this id stands in display order, when the filter shows it.
    pub fn position_of(&self, id: &str) -> Option<usize> {
        let index = self.by_id.get(id, &self.rows)?;
        if !self.indexed() {
            return None;
        }
        self.find(index)
    }

    /// Changes the row with this id through `change`, then puts it back in
    /// its place in the order, the queue and the counts. `change` must not
    /// change the id. Returns what `change` returned, `None` without such a row.
    pub fn update_row<T>(&mut self, id: &str, change: impl FnOnce(&mut Row) -> T) -> Option<T> {
        let index = self.by_id.get(id, &self.rows)?;
        self.unindex(index);
        let result = self.rows.get_mut(index).map(change);
        self.index(index);
        result
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

    /// How far the listing under way has come; `None` when none is.
    pub fn loading(&self) -> Option<Loading> {
        self.loading
    }

    /// A listing begins: the rows it does not list are removed at its end
    /// ([`Self::end_listing`]); until then every row stays on screen.
    pub fn begin_listing(&mut self, total: Option<usize>) {
        self.generation = self.generation.wrapping_add(1);
        self.reserve_for(total);
        self.loading = Some(Loading { loaded: 0, total });
    }

    /// The listing under way got `records` more rows (and perhaps a total).
    pub fn listed_page(&mut self, records: usize, total: Option<usize>) {
        if let Some(loading) = self.loading.as_mut() {
            loading.loaded += records;
            loading.total = total.or(loading.total);
        }
        self.reserve_for(total);
    }

    /// Makes room, once, for the `total` rows a listing announced: exactly
    /// that many, where growing by doubling would leave up to half of the
    /// rows' vector unused (tens of MiB at 100,000 rows).
    fn reserve_for(&mut self, total: Option<usize>) {
        let Some(more) = total.and_then(|t| t.checked_sub(self.rows.len())) else {
            return;
        };
        if self.rows.capacity() < self.rows.len() + more {
            self.rows.reserve_exact(more);
            self.by_id.reserve(more, &self.rows);
        }
    }

    /// The listing is complete: removes the rows it did not list.
    pub fn end_listing(&mut self) {
        self.loading = None;
        let generation = self.generation;
        let gone: Vec<String> = self
            .rows
            .iter()
            .filter(|row| row.listed != generation)
            .map(|row| row.id().to_string())
            .collect();
        if gone.len() > BULK_ROWS && gone.len() * BULK_SHARE > self.rows.len() {
            self.built = None;
        }
        for id in gone {
            self.remove(&id);
        }
    }

    /// Prepares for a batch of `len` changes: a large one (a listing's
    /// pages at start) builds the order once at the next refresh rather
    /// than placing every row.
    pub fn expect_batch(&mut self, len: usize) {
        if len > BULK_ROWS && len * BULK_SHARE > self.rows.len() {
            self.built = None;
        }
    }

    /// Adds or replaces one investigation (seen by the current listing).
    pub fn apply(&mut self, record: InvestigationRecord, phase: Phase, pending: u32) {
        let generation = self.generation;
        match self.by_id.get(&record.investigation.id, &self.rows) {
            Some(index) => {
                self.unindex(index);
                if let Some(row) = self.rows.get_mut(index) {
                    row.record = record;
                    row.phase = phase;
                    row.pending = pending;
                    row.listed = generation;
                }
                self.index(index);
            }
            None => {
                let mut row = Row::new(record, phase);
                row.pending = pending;
                row.listed = generation;
                let index = self.rows.len();
                self.rows.push(row);
                if let Some(row) = self.rows.get(index) {
                    self.by_id.insert(row.id(), index, &self.rows);
                }
                self.index(index);
            }
        }
    }

    /// Removes an investigation.
    pub fn remove(&mut self, id: &str) {
        let Some(index) = self.by_id.get(id, &self.rows) else {
            return;
        };
        self.unindex(index);
        let last = self.rows.len() - 1;
        if index != last {
            // The last row moves into the freed slot: repoint its entries.
            self.repoint(last, index);
        }
        self.by_id.remove(id, &self.rows);
        self.rows.swap_remove(index);
        if let Some(moved) = self.rows.get(index) {
            self.by_id.moved(moved.id(), last, index);
        }
    }

    /// Sets the phase of every row from its target namespace.
    pub fn set_phases(&mut self, phase_of: impl Fn(&str) -> Phase) {
        let changed: Vec<usize> = self
            .rows
            .iter()
            .enumerate()
            .filter(|(_, row)| phase_of(&row.record.investigation.target_namespace) != row.phase)
            .map(|(i, _)| i)
            .collect();
        self.expect_batch(changed.len());
        for index in changed {
            self.unindex(index);
            if let Some(row) = self.rows.get_mut(index) {
                row.phase = phase_of(&row.record.investigation.target_namespace);
            }
            self.index(index);
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

    /// Brings the order up to date with the sort and the filter (building
    /// it again only when one of them changed), keeping the cursor on the
    /// same investigation when it is still shown. `page` is the number of
    /// visible rows, to keep the cursor on screen.
    pub fn refresh(&mut self, page: usize) {
        if !self.indexed() {
            self.rebuild();
        }
        let found = self
            .cursor
            .as_deref()
            .and_then(|id| self.by_id.get(id, &self.rows))
            .and_then(|index| self.find(index));
        self.selected = found
            .unwrap_or(self.selected)
            .min(self.order.len().saturating_sub(1));
        self.remember_cursor();
        self.scroll_into_view(page);
    }

    /// Moves the cursor to `position` (clamped) and keeps it on screen.
    /// Returns whether anything moved.
    pub fn select(&mut self, position: usize, page: usize) -> bool {
        let position = position.min(self.order.len().saturating_sub(1));
        let before = (self.selected, self.offset);
        self.selected = position;
        self.remember_cursor();
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

    /// How many investigations are (running, failed).
    pub fn counts(&self) -> (usize, usize) {
        self.counts
    }

    /// The queued investigations' positions.
    pub fn queue(&self) -> QueuePositions<'_> {
        QueuePositions::new(self)
    }

    /// How many investigations are queued.
    pub(super) fn queued_len(&self) -> usize {
        self.queued.len()
    }

    /// The admission position of investigation `id` (1 for the next), when it is queued.
    pub(super) fn queue_position(&self, id: &str) -> Option<usize> {
        let index = self.by_id.get(id, &self.rows)?;
        let row = self.rows.get(index)?;
        row.record.investigation.queue.as_ref()?;
        self.queued
            .search(|e| {
                self.row(e)
                    .map_or(Ordering::Less, |r| sorting::queue(r, row))
            })
            .ok()
            .map(|p| p + 1)
    }

    /// Empties the table (switching context or namespace).
    pub fn clear(&mut self) {
        self.rows.clear();
        self.by_id.clear();
        self.order.clear();
        self.built = None;
        self.selected = 0;
        self.cursor = None;
        self.offset = 0;
        self.counts = (0, 0);
        self.queued.clear();
        self.loading = None;
    }

    fn row(&self, index: u32) -> Option<&Row> {
        self.rows.get(index as usize)
    }

    /// Whether `order` is kept for the current sort and filter.
    fn indexed(&self) -> bool {
        self.built
            .as_ref()
            .is_some_and(|(c, r, f)| *c == self.sort && *r == self.reverse && *f == self.filter)
    }

    /// The display position of the row at `index`, when the filter shows it.
    fn find(&self, index: usize) -> Option<usize> {
        let row = self.rows.get(index)?;
        let (column, reverse) = (self.sort, self.reverse);
        self.order
            .search(|e| {
                self.row(e).map_or(Ordering::Less, |r| {
                    sorting::display(column, reverse, r, row)
                })
            })
            .ok()
    }

    /// Takes the row at `index` out of the order, the queue and the counts
    /// (before it changes).
    fn unindex(&mut self, index: usize) {
        let Some(row) = self.rows.get(index) else {
            return;
        };
        let state = row.record.investigation.state;
        self.counts = count(self.counts, state, false);
        if row.record.investigation.queue.is_some()
            && let Some(position) = self.queue_place(row).ok()
        {
            self.queued.remove(position);
        }
        if !self.indexed() {
            self.built = None;
        } else if let Some(position) = self.find(index) {
            self.order.remove(position);
        }
    }

    /// Puts the row at `index` back in the order, the queue and the counts
    /// (after it changed).
    fn index(&mut self, index: usize) {
        let Some(row) = self.rows.get(index) else {
            return;
        };
        let entry = u32::try_from(index).unwrap_or(u32::MAX);
        self.counts = count(self.counts, row.record.investigation.state, true);
        if row.record.investigation.queue.is_some()
            && let Err(position) = self.queue_place(row)
        {
            self.queued.insert(position, entry);
        }
        if !self.indexed() {
            self.built = None;
        } else if row.matches(&self.filter, &mut self.scratch) {
            let (column, reverse) = (self.sort, self.reverse);
            let rows = &self.rows;
            if let Err(position) = self.order.search(|e| {
                rows.get(e as usize).map_or(Ordering::Less, |r| {
                    sorting::display(column, reverse, r, row)
                })
            }) {
                self.order.insert(position, entry);
            }
        }
    }

    fn queue_place(&self, row: &Row) -> Result<usize, usize> {
        self.queued.search(|e| {
            self.row(e)
                .map_or(Ordering::Less, |r| sorting::queue(r, row))
        })
    }

    /// The row at `from` is moving to slot `to`: its entries follow.
    fn repoint(&mut self, from: usize, to: usize) {
        let Some(row) = self.rows.get(from) else {
            return;
        };
        let entry = u32::try_from(to).unwrap_or(u32::MAX);
        if row.record.investigation.queue.is_some()
            && let Ok(position) = self.queue_place(row)
        {
            self.queued.set(position, entry);
        }
        if !self.indexed() {
            self.built = None;
        } else if let Some(position) = self.find(from) {
            self.order.set(position, entry);
        }
    }

    /// Builds the order from every row: filtered from the current order
    /// when only the filter narrowed (the sort is unchanged), else filtered
    /// and sorted from scratch.
    fn rebuild(&mut self) {
        let (column, reverse) = (self.sort, self.reverse);
        let needle = self.filter.clone();
        let mut scratch = std::mem::take(&mut self.scratch);
        let rows = &self.rows;
        let narrowed = self
            .built
            .as_ref()
            .is_some_and(|(c, r, f)| *c == column && *r == reverse && needle.contains(f.as_str()));
        let order: Vec<u32> = if narrowed {
            self.order
                .iter_from(0)
                .filter(|&e| {
                    rows.get(e as usize)
                        .is_some_and(|r| r.matches(&needle, &mut scratch))
                })
                .collect()
        } else {
            let mut order: Vec<u32> = (0..rows.len())
                .filter(|&i| {
                    rows.get(i)
                        .is_some_and(|r| r.matches(&needle, &mut scratch))
                })
                .filter_map(|i| u32::try_from(i).ok())
                .collect();
            order.sort_unstable_by(
                |&a, &b| match (rows.get(a as usize), rows.get(b as usize)) {
                    (Some(a), Some(b)) => sorting::display(column, reverse, a, b),
                    _ => Ordering::Equal,
                },
            );
            order
        };
        self.scratch = scratch;
        self.order = Blocks::from_sorted(&order);
        self.built = Some((column, reverse, needle));
    }

    fn remember_cursor(&mut self) {
        let id = self.row_at(self.selected).map(Row::id);
        if self.cursor.as_deref() != id {
            self.cursor = id.map(str::to_string);
        }
    }
}

/// `counts` with one row in `state` added or taken away.
fn count(counts: (usize, usize), state: InvestigationState, add: bool) -> (usize, usize) {
    let step = |n: usize| if add { n + 1 } else { n.saturating_sub(1) };
    match state {
        InvestigationState::Running => (step(counts.0), counts.1),
        InvestigationState::Failed => (counts.0, step(counts.1)),
        _ => counts,
    }
}

#[cfg(test)]
#[path = "table_tests.rs"]
mod tests;
