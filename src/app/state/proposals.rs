//! Every ActionProposal the watcher reported, indexed by investigation.

use crate::model::records::{ProposalKey, ProposalRecord};
use std::collections::{BTreeMap, HashMap};

impl ProposalRecord {
    /// Whether the proposal is approved (by people or by rule) and its agent
    /// has not reported a result yet: it can still be vetoed, which revokes
    /// its write credential before the agent uses it. The console's side of
    /// [`crate::governor::awaits_execution`].
    pub fn awaits_execution(&self) -> bool {
        self.state.is_approved() && self.execution.is_none()
    }
}

/// The proposals, by key, with an index by investigation id.
#[derive(Debug, Clone, Default)]
pub struct ProposalStore {
    by_key: BTreeMap<ProposalKey, ProposalRecord>,
    by_investigation: HashMap<String, Vec<ProposalKey>>,
    pending: usize,
}

impl ProposalStore {
    /// The proposal with this key.
    pub fn get(&self, key: &ProposalKey) -> Option<&ProposalRecord> {
        self.by_key.get(key)
    }

    /// Finds a proposal by namespace and name.
    pub fn find(&self, namespace: &str, name: &str) -> Option<&ProposalRecord> {
        self.by_key.get(&ProposalKey::new(namespace, name))
    }

    /// An investigation's proposals, oldest first.
    pub fn for_investigation(&self, id: &str) -> Vec<&ProposalRecord> {
        let mut found: Vec<&ProposalRecord> = self
            .by_investigation
            .get(id)
            .into_iter()
            .flatten()
            .filter_map(|key| self.by_key.get(key))
            .collect();
        found.sort_by(|a, b| a.created.cmp(&b.created).then_with(|| a.key.cmp(&b.key)));
        found
    }

    /// How many of an investigation's proposals wait for a decision.
    pub fn pending_for(&self, id: &str) -> u32 {
        let count = self
            .by_investigation
            .get(id)
            .into_iter()
            .flatten()
            .filter_map(|key| self.by_key.get(key))
            .filter(|p| p.state.is_pending())
            .count();
        u32::try_from(count).unwrap_or(u32::MAX)
    }

    /// Every proposal, by namespace and name (the policies view's evidence).
    pub fn all_records(&self) -> impl Iterator<Item = &ProposalRecord> {
        self.by_key.values()
    }

    /// How many proposals wait for a decision, in total.
    pub fn pending_total(&self) -> usize {
        self.pending
    }

    fn recount(&mut self) {
        self.pending = self
            .by_key
            .values()
            .filter(|p| p.state.is_pending())
            .count();
    }

    /// Replaces everything; returns the investigation ids whose proposals may have changed.
    pub fn replace_all(&mut self, records: Vec<ProposalRecord>) -> Vec<String> {
        let mut touched: Vec<String> = self.by_investigation.keys().cloned().collect();
        self.by_key.clear();
        self.by_investigation.clear();
        for record in records {
            touched.push(record.investigation.clone());
            self.insert(record);
        }
        self.recount();
        touched.sort();
        touched.dedup();
        touched
    }

    /// Adds or replaces one proposal; returns its investigation id.
    pub fn apply(&mut self, record: ProposalRecord) -> String {
        let id = record.investigation.clone();
        if let Some(old) = self.by_key.get(&record.key)
            && old.investigation != record.investigation
        {
            let old_id = old.investigation.clone();
            self.unindex(&old_id, &record.key);
        }
        self.insert(record);
        self.recount();
        id
    }

    /// Removes one proposal; returns its investigation id when it was known.
    pub fn remove(&mut self, key: &ProposalKey) -> Option<String> {
        let record = self.by_key.remove(key)?;
        self.unindex(&record.investigation, key);
        self.recount();
        Some(record.investigation)
    }

    /// Forgets everything.
    pub fn clear(&mut self) {
        self.by_key.clear();
        self.by_investigation.clear();
        self.pending = 0;
    }

    fn insert(&mut self, record: ProposalRecord) {
        let keys = self
            .by_investigation
            .entry(record.investigation.clone())
            .or_default();
        if !keys.contains(&record.key) {
            keys.push(record.key.clone());
        }
        self.by_key.insert(record.key.clone(), record);
    }

    fn unindex(&mut self, id: &str, key: &ProposalKey) {
        if let Some(keys) = self.by_investigation.get_mut(id) {
            keys.retain(|k| k != key);
            if keys.is_empty() {
                self.by_investigation.remove(id);
            }
        }
    }
}
