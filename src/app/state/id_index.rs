//! The table's index from an investigation id to its row, holding only the
//! row's position: the id itself is read from the row, so 100,000 rows keep
//! one copy of each id, not two.

use super::Row;
use hashbrown::HashTable;
use std::hash::{BuildHasher, RandomState};

/// Row positions by id, over a slice of rows the caller passes in.
#[derive(Debug, Clone, Default)]
pub struct IdIndex {
    positions: HashTable<u32>,
    hasher: RandomState,
}

impl IdIndex {
    /// The position of the row with this id in `rows`.
    pub fn get(&self, id: &str, rows: &[Row]) -> Option<usize> {
        let hash = self.hasher.hash_one(id);
        self.positions
            .find(hash, |&at| id_at(rows, at) == Some(id))
            .map(|&at| at as usize)
    }

    /// Records that `rows[at]` holds `id` (a new row).
    pub fn insert(&mut self, id: &str, at: usize, rows: &[Row]) {
        let hasher = &self.hasher;
        let hash = hasher.hash_one(id);
        self.positions.insert_unique(hash, position(at), |&other| {
            hasher.hash_one(id_at(rows, other).unwrap_or_default())
        });
    }

    /// Forgets the row with this id, still at its position in `rows`.
    pub fn remove(&mut self, id: &str, rows: &[Row]) {
        let hash = self.hasher.hash_one(id);
        if let Ok(entry) = self
            .positions
            .find_entry(hash, |&at| id_at(rows, at) == Some(id))
        {
            entry.remove();
        }
    }

    /// The row with this id moved from position `from` to `to`.
    pub fn moved(&mut self, id: &str, from: usize, to: usize) {
        let hash = self.hasher.hash_one(id);
        if let Some(at) = self.positions.find_mut(hash, |&at| at as usize == from) {
            *at = position(to);
        }
    }

    /// Room for `more` rows beyond those indexed.
    pub fn reserve(&mut self, more: usize, rows: &[Row]) {
        let hasher = &self.hasher;
        self.positions.reserve(more, |&at| {
            hasher.hash_one(id_at(rows, at).unwrap_or_default())
        });
    }

    /// Forgets every row.
    pub fn clear(&mut self) {
        self.positions.clear();
    }
}

fn id_at(rows: &[Row], at: u32) -> Option<&str> {
    rows.get(at as usize).map(Row::id)
}

/// A row position as stored: a table holds far fewer than 4 billion rows.
fn position(at: usize) -> u32 {
    u32::try_from(at).unwrap_or(u32::MAX)
}
