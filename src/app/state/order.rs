//! A sorted sequence of row indices kept in blocks, so that inserting or
//! removing one entry at 100,000 entries moves at most a block (not the whole
//! vector), while the n-th entry is still found in a few steps.
//!
//! The sequence knows nothing of the order itself: callers find places with
//! a probe (how an entry compares with the one looked for) and keep it sorted.

use std::cmp::Ordering;

/// Entries a block holds at most before it is split in two.
const BLOCK: usize = 1024;

/// The sequence: blocks of entries, each non-empty, in order.
#[derive(Debug, Clone, Default)]
pub struct Blocks {
    blocks: Vec<Vec<u32>>,
    len: usize,
}

impl Blocks {
    /// A sequence holding `entries` in the given order.
    pub fn from_sorted(entries: &[u32]) -> Blocks {
        let half = BLOCK / 2;
        Blocks {
            blocks: entries.chunks(half).map(<[u32]>::to_vec).collect(),
            len: entries.len(),
        }
    }

    /// How many entries it holds.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Empties it.
    pub fn clear(&mut self) {
        self.blocks.clear();
        self.len = 0;
    }

    /// The block holding `position` and the place in it.
    fn locate(&self, mut position: usize) -> Option<(usize, usize)> {
        for (b, block) in self.blocks.iter().enumerate() {
            if position < block.len() {
                return Some((b, position));
            }
            position -= block.len();
        }
        None
    }

    /// The entry at `position`.
    pub fn get(&self, position: usize) -> Option<u32> {
        let (b, i) = self.locate(position)?;
        self.blocks.get(b).and_then(|block| block.get(i)).copied()
    }

    /// The entries from `start` on, in order.
    pub fn iter_from(&self, start: usize) -> impl Iterator<Item = u32> + '_ {
        let (first_block, first_index) = self.locate(start).unwrap_or((self.blocks.len(), 0));
        self.blocks
            .iter()
            .skip(first_block)
            .enumerate()
            .flat_map(move |(k, block)| {
                let skip = if k == 0 { first_index } else { 0 };
                block.iter().skip(skip).copied()
            })
    }

    /// Where `probe` finds its entry: `Ok(position)` when an entry compares
    /// `Equal`, else `Err(position)` where one would be inserted. `probe(e)`
    /// says how entry `e` compares with the one looked for.
    pub fn search(&self, probe: impl Fn(u32) -> Ordering) -> Result<usize, usize> {
        // The first block whose last entry is not less than the one looked for.
        let b = self.blocks.partition_point(|block| {
            block
                .last()
                .is_some_and(|&last| probe(last) == Ordering::Less)
        });
        let before: usize = self.blocks.iter().take(b).map(Vec::len).sum();
        let Some(block) = self.blocks.get(b) else {
            return Err(before);
        };
        match block.binary_search_by(|&e| probe(e)) {
            Ok(i) => Ok(before + i),
            Err(i) => Err(before + i),
        }
    }

    /// Inserts `entry` at `position` (clamped to the end).
    pub fn insert(&mut self, position: usize, entry: u32) {
        if self.blocks.is_empty() {
            self.blocks.push(vec![entry]);
            self.len = 1;
            return;
        }
        // At the very end: the last block takes it.
        let (b, i) = self.locate(position).unwrap_or_else(|| {
            let last = self.blocks.len() - 1;
            (last, self.blocks[last].len())
        });
        let block = &mut self.blocks[b];
        block.insert(i, entry);
        self.len += 1;
        if block.len() > BLOCK {
            let tail = block.split_off(block.len() / 2);
            self.blocks.insert(b + 1, tail);
        }
    }

    /// Removes and returns the entry at `position`.
    pub fn remove(&mut self, position: usize) -> Option<u32> {
        let (b, i) = self.locate(position)?;
        let block = &mut self.blocks[b];
        let entry = block.remove(i);
        self.len -= 1;
        if block.is_empty() {
            self.blocks.remove(b);
        }
        Some(entry)
    }

    /// Replaces the entry at `position`.
    pub fn set(&mut self, position: usize, entry: u32) {
        if let Some((b, i)) = self.locate(position)
            && let Some(slot) = self.blocks.get_mut(b).and_then(|block| block.get_mut(i))
        {
            *slot = entry;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        /// Inserting and removing at positions behaves as a `Vec` does.
        #[test]
        fn blocks_behave_as_a_vec(ops in proptest::collection::vec((any::<bool>(), 0usize..5000, any::<u32>()), 0..3000)) {
            let mut blocks = Blocks::default();
            let mut vec: Vec<u32> = Vec::new();
            for (insert, at, value) in ops {
                if insert || vec.is_empty() {
                    let at = at % (vec.len() + 1);
                    blocks.insert(at, value);
                    vec.insert(at, value);
                } else {
                    let at = at % vec.len();
                    prop_assert_eq!(blocks.remove(at), Some(vec.remove(at)));
                }
            }
            prop_assert_eq!(blocks.len(), vec.len());
            prop_assert_eq!(blocks.iter_from(0).collect::<Vec<_>>(), vec.clone());
            for start in [0, 1, vec.len() / 2, vec.len()] {
                prop_assert_eq!(
                    blocks.iter_from(start).collect::<Vec<_>>(),
                    vec.iter().skip(start).copied().collect::<Vec<_>>()
                );
            }
            for (i, v) in vec.iter().enumerate() {
                prop_assert_eq!(blocks.get(i), Some(*v));
            }
        }
    }

    #[test]
    fn search_finds_entries_and_places_across_blocks() {
        let entries: Vec<u32> = (0..5000).map(|i| i * 2).collect();
        let blocks = Blocks::from_sorted(&entries);
        assert_eq!(blocks.search(|e| e.cmp(&1000)), Ok(500));
        assert_eq!(blocks.search(|e| e.cmp(&1001)), Err(501));
        assert_eq!(blocks.search(|e| e.cmp(&0)), Ok(0));
        assert_eq!(blocks.search(|e| e.cmp(&20_000)), Err(5000));
        assert_eq!(Blocks::default().search(|e| e.cmp(&3)), Err(0));
    }
}
