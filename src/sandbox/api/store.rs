//! The object store: one BTreeMap per resource, one global revision counter,
//! a bounded change history per resource for watch resume, and a broadcast
//! channel per resource for live watches.
//!
//! Objects are kept as their JSON text ([`Stored`]), not as `serde_json`
//! trees: a tree's every map is a `BTreeMap` whose nodes cost hundreds of
//! bytes however few keys they hold, so a seeded Job took ~14 KiB as a tree
//! and takes ~2.5 KB as text. Readers parse what they read.

use super::job_controller;
use super::job_timers::JobTimers;
use super::object::{self, ObjectKey};
use super::resource::{self, NAMESPACES, RESOURCES, ResourceId};
use serde_json::{Value, json};
use std::collections::{BTreeMap, BTreeSet, HashMap, VecDeque};
use std::sync::{Arc, PoisonError, RwLock, RwLockReadGuard, RwLockWriteGuard};
use tokio::sync::broadcast;

/// How many changes a live watch may fall behind before it recovers from history.
const BROADCAST_CAPACITY: usize = 4096;

/// What happened to an object.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ChangeType {
    /// It was created.
    Added,
    /// It was changed.
    Modified,
    /// It was deleted.
    Deleted,
}

/// One stored object: its JSON text, shared by the table and the history.
#[derive(Debug, Clone)]
pub(crate) struct Stored(Arc<str>);

impl Stored {
    /// The compact form of `object`.
    pub fn new(object: &Value) -> Self {
        Stored(object.to_string().into())
    }

    /// The object as a tree (parsed on every call).
    pub fn value(&self) -> Arc<Value> {
        // The text was written by `Value::to_string`, so it always parses.
        Arc::new(serde_json::from_str(&self.0).unwrap_or(Value::Null))
    }
}

/// One change, as watches replay it.
#[derive(Debug)]
pub(crate) struct Change {
    /// What happened.
    pub change: ChangeType,
    /// The revision the change produced.
    pub revision: u64,
    /// The object after the change (for a delete: as it was, with the deleting revision).
    pub object: Stored,
    /// The object before the change, for updates (so selector watches see objects enter and leave).
    pub previous: Option<Stored>,
}

/// A reference to one stored object.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) struct ObjectRef {
    /// Its resource.
    pub resource: ResourceId,
    /// Where it is stored.
    pub key: ObjectKey,
}

/// One resource's objects and recent changes.
pub(crate) struct Table {
    /// The objects, ordered by namespace then name.
    objects: BTreeMap<ObjectKey, Stored>,
    /// Recent changes, oldest first.
    history: VecDeque<Arc<Change>>,
    /// A watch from a revision older than this has missed forgotten changes.
    floor: u64,
    /// Live changes for open watches.
    sender: broadcast::Sender<Arc<Change>>,
}

impl Table {
    fn new() -> Self {
        let (sender, _) = broadcast::channel(BROADCAST_CAPACITY);
        Table {
            objects: BTreeMap::new(),
            history: VecDeque::new(),
            floor: 0,
            sender,
        }
    }

    /// How many objects of `namespace` (all when `None`) come after `after`,
    /// counted without parsing any (a page's `remainingItemCount`).
    pub fn count_after(&self, namespace: Option<&str>, after: &ObjectKey) -> usize {
        use std::ops::Bound;
        self.objects
            .range((Bound::Excluded(after.clone()), Bound::Unbounded))
            .take_while(|(key, _)| namespace.is_none_or(|ns| key.namespace == ns))
            .count()
    }

    /// Every object, in key order (each parsed as it is reached).
    pub fn values(&self) -> impl Iterator<Item = Arc<Value>> + '_ {
        self.objects.values().map(Stored::value)
    }

    /// The objects in `namespace` (all when `None`), in key order, starting
    /// after `after` (each parsed as it is reached).
    pub fn range<'a>(
        &'a self,
        namespace: Option<&'a str>,
        after: Option<&ObjectKey>,
    ) -> impl Iterator<Item = (&'a ObjectKey, Arc<Value>)> + 'a {
        use std::ops::Bound;
        let start = match (after, namespace) {
            (Some(key), _) => Bound::Excluded(key.clone()),
            (None, Some(ns)) => Bound::Included(ObjectKey::new(ns, "")),
            (None, None) => Bound::Unbounded,
        };
        self.objects
            .range((start, Bound::Unbounded))
            .take_while(move |(key, _)| namespace.is_none_or(|ns| key.namespace == ns))
            .map(|(key, stored)| (key, stored.value()))
    }
}

/// A watch start that is older than the kept history.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct TooOld {
    /// The revision asked for.
    pub requested: u64,
    /// The oldest revision a watch may start from.
    pub oldest: u64,
}

/// A live subscription: the changes after the start revision that were already
/// recorded, and a receiver for the ones to come.
pub(crate) struct Subscription {
    /// Recorded changes after the start revision, oldest first.
    pub backlog: Vec<Arc<Change>>,
    /// Changes from now on.
    pub receiver: broadcast::Receiver<Arc<Change>>,
}

/// Everything the store guards with one lock.
pub(crate) struct State {
    /// The last revision handed out.
    pub revision: u64,
    /// One table per entry of [`RESOURCES`].
    tables: Vec<Table>,
    /// Owner uid to the objects whose ownerReferences name it.
    dependents: HashMap<String, BTreeSet<ObjectRef>>,
    /// How many changes each table keeps.
    history_limit: usize,
    /// When Jobs reach their deadline or the end of their TTL.
    pub job_timers: JobTimers,
}

/// The store, shared by every request handler.
pub(crate) struct Store {
    state: RwLock<State>,
}

impl Store {
    /// An empty store keeping `history_limit` changes per resource.
    pub fn new(history_limit: usize) -> Self {
        Store {
            state: RwLock::new(State {
                // Like etcd, start at 1: a list never reports "0", which watches read as "any".
                revision: 1,
                tables: RESOURCES.iter().map(|_| Table::new()).collect(),
                dependents: HashMap::new(),
                history_limit: history_limit.max(1),
                job_timers: JobTimers::default(),
            }),
        }
    }

    /// Shared access for reads.
    pub fn read(&self) -> RwLockReadGuard<'_, State> {
        self.state.read().unwrap_or_else(PoisonError::into_inner)
    }

    /// Exclusive access for writes.
    pub fn write(&self) -> RwLockWriteGuard<'_, State> {
        self.state.write().unwrap_or_else(PoisonError::into_inner)
    }
}

impl State {
    /// One resource's table.
    pub fn table(&self, resource: ResourceId) -> &Table {
        &self.tables[resource.min(self.tables.len() - 1)]
    }

    fn table_mut(&mut self, resource: ResourceId) -> &mut Table {
        let last = self.tables.len() - 1;
        &mut self.tables[resource.min(last)]
    }

    /// The object stored under `key` (parsed).
    pub fn get(&self, resource: ResourceId, key: &ObjectKey) -> Option<Arc<Value>> {
        self.table(resource).objects.get(key).map(Stored::value)
    }

    /// Whether an object is stored under `key` (without parsing it).
    pub fn contains(&self, resource: ResourceId, key: &ObjectKey) -> bool {
        self.table(resource).objects.contains_key(key)
    }

    /// The objects whose ownerReferences name `uid`.
    pub fn dependents_of(&self, uid: &str) -> Vec<ObjectRef> {
        self.dependents
            .get(uid)
            .map(|set| set.iter().cloned().collect())
            .unwrap_or_default()
    }

    /// Stores `object` (created or replaced), stamping a new resourceVersion and
    /// running the minimal controllers; returns what was stored.
    pub fn put(&mut self, resource: ResourceId, mut object: Value) -> Arc<Value> {
        self.revision += 1;
        let revision = self.revision;
        if resource == resource::JOBS {
            job_controller::reconcile(&mut object);
        }
        object::metadata_mut(&mut object)
            .insert("resourceVersion".into(), json!(revision.to_string()));
        let key = object::key(&object);
        if resource == resource::JOBS {
            self.job_timers.schedule(&key, &object);
        }
        let stored = Stored::new(&object);
        let previous = self
            .table_mut(resource)
            .objects
            .insert(key.clone(), stored.clone());
        let reference = ObjectRef { resource, key };
        if let Some(previous) = &previous {
            self.unindex_owners(&previous.value(), &reference);
        }
        self.index_owners(&object, &reference);
        let change = if previous.is_some() {
            ChangeType::Modified
        } else {
            ChangeType::Added
        };
        self.record(resource, change, stored, previous);
        Arc::new(object)
    }

    /// Removes the object under `key`; returns it as the DELETED event carries it.
    pub fn remove(&mut self, resource: ResourceId, key: &ObjectKey) -> Option<Arc<Value>> {
        let removed = self.table_mut(resource).objects.remove(key)?.value();
        self.revision += 1;
        let mut last_state = (*removed).clone();
        object::metadata_mut(&mut last_state)
            .insert("resourceVersion".into(), json!(self.revision.to_string()));
        let reference = ObjectRef {
            resource,
            key: key.clone(),
        };
        self.unindex_owners(&removed, &reference);
        let stored = Stored::new(&last_state);
        self.record(resource, ChangeType::Deleted, stored, None);
        Some(Arc::new(last_state))
    }

    /// Creates the namespace if it does not exist (objects may be created in
    /// namespaces nobody created, unlike a real cluster).
    pub fn ensure_namespace(&mut self, namespace: &str) {
        if namespace.is_empty() || self.contains(NAMESPACES, &ObjectKey::new("", namespace)) {
            return;
        }
        let namespace_object = json!({
            "apiVersion": "v1",
            "kind": "Namespace",
            "metadata": {
                "name": namespace,
                "uid": object::new_uid(),
                "creationTimestamp": object::now_rfc3339(),
                "labels": {"kubernetes.io/metadata.name": namespace},
            },
            "spec": {"finalizers": ["kubernetes"]},
            "status": {"phase": "Active"},
        });
        self.put(NAMESPACES, namespace_object);
    }

    /// Subscribes to changes of `resource` after revision `since`.
    pub fn subscribe(&self, resource: ResourceId, since: u64) -> Result<Subscription, TooOld> {
        let table = self.table(resource);
        if since < table.floor {
            return Err(TooOld {
                requested: since,
                oldest: table.floor,
            });
        }
        let first_newer = table.history.partition_point(|c| c.revision <= since);
        Ok(Subscription {
            backlog: table.history.range(first_newer..).cloned().collect(),
            receiver: table.sender.subscribe(),
        })
    }

    /// Forgets every table's history: watches from any earlier revision get 410.
    pub fn compact(&mut self) {
        let revision = self.revision;
        for table in &mut self.tables {
            table.history.clear();
            table.floor = revision;
        }
    }

    fn record(
        &mut self,
        resource: ResourceId,
        change: ChangeType,
        object: Stored,
        previous: Option<Stored>,
    ) {
        let limit = self.history_limit;
        let revision = self.revision;
        let table = self.table_mut(resource);
        let change = Arc::new(Change {
            change,
            revision,
            object,
            previous,
        });
        table.history.push_back(change.clone());
        while table.history.len() > limit {
            if let Some(forgotten) = table.history.pop_front() {
                table.floor = forgotten.revision;
            }
        }
        // No receivers is fine: nobody is watching.
        let _ = table.sender.send(change);
    }

    fn index_owners(&mut self, object: &Value, reference: &ObjectRef) {
        for owner in object::owner_uids(object) {
            self.dependents
                .entry(owner)
                .or_default()
                .insert(reference.clone());
        }
    }

    fn unindex_owners(&mut self, object: &Value, reference: &ObjectRef) {
        for owner in object::owner_uids(object) {
            if let Some(set) = self.dependents.get_mut(&owner) {
                set.remove(reference);
                if set.is_empty() {
                    self.dependents.remove(&owner);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sandbox::api::resource::JOBS;

    fn job(name: &str) -> Value {
        json!({"apiVersion": "batch/v1", "kind": "Job", "metadata": {"name": name, "namespace": "p"}})
    }

    #[test]
    fn revisions_increase_and_history_resumes() {
        let store = Store::new(3);
        let mut state = store.write();
        state.put(JOBS, job("a"));
        state.put(JOBS, job("b"));
        let since = state.revision;
        state.put(JOBS, job("c"));
        let subscription = state.subscribe(JOBS, since).ok().unwrap();
        assert_eq!(subscription.backlog.len(), 1);
        assert_eq!(object::name(&subscription.backlog[0].object.value()), "c");
    }

    #[test]
    fn forgotten_history_is_too_old() {
        let store = Store::new(2);
        let mut state = store.write();
        for name in ["a", "b", "c", "d"] {
            state.put(JOBS, job(name));
        }
        // Revisions 2..=5 were written; 2 and 3 are forgotten.
        assert!(state.subscribe(JOBS, 2).is_err());
        assert!(state.subscribe(JOBS, 3).is_ok());
        state.compact();
        assert!(state.subscribe(JOBS, 4).is_err());
        assert!(state.subscribe(JOBS, state.revision).is_ok());
    }

    #[test]
    fn ranges_stay_inside_a_namespace() {
        let store = Store::new(10);
        let mut state = store.write();
        state.put(JOBS, job("a"));
        let mut other = job("z");
        other["metadata"]["namespace"] = json!("q");
        state.put(JOBS, other);
        let names: Vec<_> = state
            .table(JOBS)
            .range(Some("p"), None)
            .map(|(k, _)| k.name.clone())
            .collect();
        assert_eq!(names, vec!["a"]);
        assert_eq!(state.table(JOBS).range(None, None).count(), 2);
    }
}
