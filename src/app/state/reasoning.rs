//! The reasoning stream of the open investigation: a bounded buffer of
//! entries with a cursor, follow mode, folding and the usage totals.

use crate::model::records::{EntryKind, LogEntry};
use std::collections::{HashSet, VecDeque};

/// Tokens and money an agent spent, summed over every usage event seen.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct UsageTotals {
    /// Prompt tokens.
    pub input_tokens: u64,
    /// Completion tokens.
    pub output_tokens: u64,
    /// US dollars.
    pub cost_usd: f64,
    /// How many usage events were seen.
    pub events: u64,
}

/// A bounded buffer of reasoning entries. Entries are addressed by their
/// sequence number (`seq`, the line's position in the pod log), which stays
/// stable while old entries are dropped from the front.
#[derive(Debug, Clone)]
pub struct ReasoningBuffer {
    entries: VecDeque<LogEntry>,
    capacity: usize,
    dropped: u64,
    /// The line under the cursor (`None` while following: the cursor is the newest line).
    pub cursor: Option<u64>,
    /// The first line shown when not following.
    pub top: u64,
    /// Whether new lines scroll into view as they arrive.
    pub follow: bool,
    /// Tool calls and results the operator unfolded.
    pub expanded: HashSet<u64>,
    /// Usage summed over the whole stream, dropped lines included.
    pub usage: UsageTotals,
}

impl ReasoningBuffer {
    /// An empty buffer holding at most `capacity` lines, following.
    pub fn new(capacity: usize) -> ReasoningBuffer {
        ReasoningBuffer {
            entries: VecDeque::new(),
            capacity: capacity.max(1),
            dropped: 0,
            cursor: None,
            top: 0,
            follow: true,
            expanded: HashSet::new(),
            usage: UsageTotals::default(),
        }
    }

    /// A buffer that does not follow, for fetched older lines.
    pub fn fixed(entries: Vec<LogEntry>) -> ReasoningBuffer {
        let mut buffer = ReasoningBuffer::new(entries.len().max(1));
        buffer.follow = false;
        buffer.push(entries);
        buffer.cursor = buffer.first_seq();
        buffer.top = buffer.first_seq().unwrap_or(0);
        buffer
    }

    /// How many lines it holds at most.
    pub fn capacity(&self) -> usize {
        self.capacity
    }

    /// How many lines were dropped from the front because the buffer was full.
    pub fn dropped(&self) -> u64 {
        self.dropped
    }

    /// How many lines it holds.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether it holds no line.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The oldest line held.
    pub fn first(&self) -> Option<&LogEntry> {
        self.entries.front()
    }

    /// The sequence number of the oldest line held.
    pub fn first_seq(&self) -> Option<u64> {
        self.entries.front().map(|e| e.seq)
    }

    /// The sequence number of the newest line held.
    pub fn last_seq(&self) -> Option<u64> {
        self.entries.back().map(|e| e.seq)
    }

    /// The line with this sequence number, if still held.
    pub fn get(&self, seq: u64) -> Option<&LogEntry> {
        let first = self.first_seq()?;
        let index = usize::try_from(seq.checked_sub(first)?).ok()?;
        self.entries.get(index)
    }

    /// The lines from `seq` on, oldest first.
    pub fn iter_from(&self, seq: u64) -> impl DoubleEndedIterator<Item = &LogEntry> {
        let skip = self
            .first_seq()
            .map(|first| usize::try_from(seq.saturating_sub(first)).unwrap_or(usize::MAX))
            .unwrap_or(0);
        self.entries.range(skip.min(self.entries.len())..)
    }

    /// The lines up to and including `seq`, newest first.
    pub fn iter_back_from(&self, seq: u64) -> impl Iterator<Item = &LogEntry> {
        let end = self
            .first_seq()
            .and_then(|first| seq.checked_sub(first))
            .map(|n| usize::try_from(n.saturating_add(1)).unwrap_or(usize::MAX))
            .unwrap_or(0)
            .min(self.entries.len());
        self.entries.range(..end).rev()
    }

    /// The line under the cursor: the newest line while following.
    pub fn cursor_seq(&self) -> Option<u64> {
        if self.follow {
            self.last_seq()
        } else {
            self.cursor.or_else(|| self.last_seq())
        }
    }

    /// Appends lines, dropping the oldest beyond the capacity and summing usage.
    /// Lines whose sequence number is already held are ignored.
    pub fn push(&mut self, entries: Vec<LogEntry>) {
        for entry in entries {
            if self.last_seq().is_some_and(|last| entry.seq <= last) {
                continue;
            }
            if let EntryKind::Usage {
                input_tokens,
                output_tokens,
                cost_usd,
                total_cost_usd,
            } = entry.kind
            {
                self.usage.input_tokens = self.usage.input_tokens.saturating_add(input_tokens);
                self.usage.output_tokens = self.usage.output_tokens.saturating_add(output_tokens);
                // An agent's own running total wins over the sum of what this
                // console happened to read (lines dropped or read late).
                self.usage.cost_usd = total_cost_usd.unwrap_or(self.usage.cost_usd + cost_usd);
                self.usage.events += 1;
            }
            let was_empty = self.entries.is_empty();
            // A full buffer drops its oldest line first, so it never grows
            // past its capacity, not even for a moment.
            if self.entries.len() >= self.capacity
                && let Some(old) = self.entries.pop_front()
            {
                self.dropped += 1;
                if !self.expanded.is_empty() {
                    self.expanded.remove(&old.seq);
                }
            }
            self.grow();
            let entry_seq = entry.seq;
            self.entries.push_back(entry);
            // Lines before the first one received were never held: count them too.
            if was_empty {
                self.dropped = entry_seq;
            }
        }
        if let Some(first) = self.first_seq() {
            self.top = self.top.max(first);
            if let Some(cursor) = self.cursor.as_mut() {
                *cursor = (*cursor).max(first);
            }
        }
    }

    /// Makes room for one more line: doubling, as a `VecDeque` would, but
    /// never past the capacity (a doubling from 8,192 to 16,384 slots for a
    /// 10,000-line buffer would leave 6,384 slots unused for good).
    fn grow(&mut self) {
        let len = self.entries.len();
        if len == self.entries.capacity() && len < self.capacity {
            let room = len.max(16).min(self.capacity - len);
            self.entries.reserve_exact(room);
        }
    }

    /// The next line after `from` (exclusive) that satisfies `wanted`, wrapping around.
    pub fn find_forward(&self, from: u64, wanted: impl Fn(&LogEntry) -> bool) -> Option<u64> {
        self.iter_from(from.saturating_add(1))
            .chain(self.iter_from(0))
            .find(|e| wanted(e))
            .map(|e| e.seq)
    }

    /// The previous line before `from` (exclusive) that satisfies `wanted`, wrapping around.
    pub fn find_backward(&self, from: u64, wanted: impl Fn(&LogEntry) -> bool) -> Option<u64> {
        let before = from.checked_sub(1);
        let head = before.map(|b| self.iter_back_from(b)).into_iter().flatten();
        head.chain(self.entries.iter().rev())
            .find(|e| wanted(e))
            .map(|e| e.seq)
    }

    /// The line `steps` lines after (or, negative, before) `seq`, clamped to what is held.
    pub fn offset_seq(&self, seq: u64, steps: i64) -> Option<u64> {
        let (first, last) = (self.first_seq()?, self.last_seq()?);
        let target = if steps >= 0 {
            seq.saturating_add(steps.unsigned_abs())
        } else {
            seq.saturating_sub(steps.unsigned_abs())
        };
        Some(target.clamp(first, last))
    }
}
