//! The console's store of highlighted payloads.

use super::{HighlightKey, HighlightResult};
use ratatui::text::Line;
use std::collections::HashMap;
use std::fmt;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

/// A bounded map from [`HighlightKey`] to highlighted lines that forgets the
/// least recently used entry when full. `get` takes `&self` (it is called
/// from the view) and still counts as a use.
pub struct HighlightCache {
    capacity: usize,
    entries: HashMap<HighlightKey, Entry>,
    clock: AtomicU64,
}

struct Entry {
    lines: Arc<Vec<Line<'static>>>,
    complete: bool,
    last_used: AtomicU64,
}

impl HighlightCache {
    /// An empty cache holding at most `capacity` payloads (at least one).
    pub fn new(capacity: usize) -> Self {
        HighlightCache {
            capacity: capacity.max(1),
            entries: HashMap::new(),
            clock: AtomicU64::new(0),
        }
    }

    /// The lines of `key`, if they are here (possibly a partial result; see
    /// [`HighlightCache::is_complete`]).
    pub fn get(&self, key: &HighlightKey) -> Option<Arc<Vec<Line<'static>>>> {
        let entry = self.entries.get(key)?;
        entry.last_used.store(self.tick(), Ordering::Relaxed);
        Some(Arc::clone(&entry.lines))
    }

    /// Whether the final result of `key` is here.
    pub fn is_complete(&self, key: &HighlightKey) -> bool {
        self.entries.get(key).is_some_and(|e| e.complete)
    }

    /// Stores a result, evicting the least recently used entry when full. A
    /// partial result never replaces a complete one.
    pub fn insert(&mut self, result: HighlightResult) {
        if !result.complete && self.is_complete(&result.key) {
            return;
        }
        let entry = Entry {
            lines: result.lines,
            complete: result.complete,
            last_used: AtomicU64::new(self.tick()),
        };
        self.entries.insert(result.key, entry);
        while self.entries.len() > self.capacity {
            let oldest = self
                .entries
                .iter()
                .filter(|(key, _)| **key != result.key)
                .min_by_key(|(_, entry)| entry.last_used.load(Ordering::Relaxed))
                .map(|(key, _)| *key);
            match oldest {
                Some(key) => self.entries.remove(&key),
                None => break,
            };
        }
    }

    /// How many payloads are stored.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether nothing is stored.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The most payloads stored at once.
    pub fn capacity(&self) -> usize {
        self.capacity
    }

    fn tick(&self) -> u64 {
        self.clock.fetch_add(1, Ordering::Relaxed) + 1
    }
}

impl Clone for HighlightCache {
    fn clone(&self) -> Self {
        let entries = self
            .entries
            .iter()
            .map(|(key, entry)| {
                let copy = Entry {
                    lines: Arc::clone(&entry.lines),
                    complete: entry.complete,
                    last_used: AtomicU64::new(entry.last_used.load(Ordering::Relaxed)),
                };
                (*key, copy)
            })
            .collect();
        HighlightCache {
            capacity: self.capacity,
            entries,
            clock: AtomicU64::new(self.clock.load(Ordering::Relaxed)),
        }
    }
}

impl fmt::Debug for HighlightCache {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HighlightCache")
            .field("capacity", &self.capacity)
            .field("len", &self.entries.len())
            .finish()
    }
}

impl Default for HighlightCache {
    /// A cache of 64 payloads.
    fn default() -> Self {
        HighlightCache::new(64)
    }
}
