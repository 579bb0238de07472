//! The world's controllers: what kube-controller-manager and the kubelet do
//! to the objects the scenarios are about, in one pass a second under the
//! store's lock (see `docs/sandbox.md`, "The world").
//!
//! - [`deployments`]: a Deployment's ReplicaSets follow its template and
//!   replicas as a rolling update would (surge, unavailability, progress
//!   deadline, revisions, pause);
//! - [`replicasets`]: a ReplicaSet's Pods follow its replicas;
//! - [`kubelet`]: Pods are scheduled onto Nodes and run; a container crashes
//!   on a bad setting and restarts with back-off, is OOM-killed above its
//!   memory limit, or never passes readiness on a broken image;
//! - [`jobs`]: a Job past `activeDeadlineSeconds` fails with
//!   `DeadlineExceeded`, a finished one is deleted after
//!   `ttlSecondsAfterFinished` (only the Jobs due are looked at).
//!
//! Each pass touches only what it owns (Deployments and what they own, and
//! the Jobs whose time has come), and writes an object only when it changes.

mod deployments;
mod events;
mod jobs;
mod kubelet;
mod replicasets;

use super::Inner;
use super::object::{self, ObjectKey};
use super::resource::{self, ResourceId};
use super::store::State;
use jiff::Timestamp;
use serde_json::{Value, json};
use std::sync::{Arc, OnceLock};
use std::time::Duration;

/// Where the kinds the controllers handle sit in the resource table.
pub(super) struct Ids {
    /// `apps/v1` deployments.
    pub deployments: ResourceId,
    /// `apps/v1` replicasets.
    pub replicasets: ResourceId,
    /// `v1` pods.
    pub pods: ResourceId,
    /// `v1` configmaps.
    pub configmaps: ResourceId,
    /// `v1` nodes.
    pub nodes: ResourceId,
    /// `v1` events.
    pub events: ResourceId,
}

fn ids() -> Option<&'static Ids> {
    static IDS: OnceLock<Option<Ids>> = OnceLock::new();
    IDS.get_or_init(|| {
        Some(Ids {
            deployments: resource::lookup("apps", "v1", "deployments")?,
            replicasets: resource::lookup("apps", "v1", "replicasets")?,
            pods: resource::lookup("", "v1", "pods")?,
            configmaps: resource::lookup("", "v1", "configmaps")?,
            nodes: resource::lookup("", "v1", "nodes")?,
            events: resource::lookup("", "v1", "events")?,
        })
    })
    .as_ref()
}

/// Runs the controllers every `controller_interval` until the server shuts down.
pub(crate) async fn run(inner: Arc<Inner>) {
    let mut shutdown = inner.shutdown.subscribe();
    let mut interval = tokio::time::interval(inner.config.controller_interval);
    interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    loop {
        tokio::select! {
            _ = interval.tick() => tick(&inner, Timestamp::now()),
            _ = shutdown.wait_for(|stop| *stop) => return,
        }
    }
}

/// One pass of every controller at `now`.
pub(crate) fn tick(inner: &Inner, now: Timestamp) {
    let Some(ids) = ids() else {
        return;
    };
    let (removed_pods, logs) = {
        let mut state = inner.store.write();
        let mut world = World {
            state: &mut state,
            ids,
            now,
            backoff: inner.config.crash_backoff.max(Duration::from_millis(10)),
            removed_pods: Vec::new(),
            logs: Vec::new(),
        };
        deployments::reconcile(&mut world);
        replicasets::reconcile(&mut world);
        kubelet::reconcile(&mut world);
        jobs::reconcile(&mut world);
        (world.removed_pods, world.logs)
    };
    for key in removed_pods {
        inner.logs.remove(&key);
    }
    for (key, line) in logs {
        inner.logs.append(key, &line);
    }
}

/// What a pass works on.
pub(super) struct World<'a> {
    /// The store, locked for the pass.
    pub state: &'a mut State,
    /// Where the kinds sit in the resource table.
    pub ids: &'static Ids,
    /// The time of the pass.
    pub now: Timestamp,
    /// A crashing container's first restart back-off.
    pub backoff: Duration,
    /// Pods deleted in this pass (their logs go too).
    pub removed_pods: Vec<ObjectKey>,
    /// Lines the pass's containers printed.
    pub logs: Vec<(ObjectKey, String)>,
}

impl World<'_> {
    /// Stores `new` in place of `old` unless nothing changed; true when stored.
    pub fn save(&mut self, resource: ResourceId, old: &Value, new: Value) -> bool {
        if *old == new {
            return false;
        }
        self.state.put(resource, new);
        true
    }

    /// The objects of `resource` that `owner` owns.
    pub fn owned(&self, owner: &Value, resource: ResourceId) -> Vec<Arc<Value>> {
        self.state
            .dependents_of(object::uid(owner))
            .into_iter()
            .filter(|r| r.resource == resource)
            .filter_map(|r| self.state.get(r.resource, &r.key))
            .collect()
    }

    /// Now, as Kubernetes writes it.
    pub fn now_text(&self) -> String {
        object::seconds_rfc3339(self.now)
    }
}

/// A controller owner reference to `owner` (an object of `kind` in `api_version`).
pub(super) fn controller_ref(owner: &Value, api_version: &str, kind: &str) -> Value {
    json!([{
        "apiVersion": api_version,
        "kind": kind,
        "name": object::name(owner),
        "uid": object::uid(owner),
        "controller": true,
        "blockOwnerDeletion": true,
    }])
}

/// An integer at `pointer`, or `default`.
pub(super) fn int(object: &Value, pointer: &str, default: i64) -> i64 {
    object
        .pointer(pointer)
        .and_then(Value::as_i64)
        .unwrap_or(default)
}

/// Seconds since the RFC 3339 time at `pointer`, if there is one.
pub(super) fn age_seconds(object: &Value, pointer: &str, now: Timestamp) -> Option<i64> {
    let at: Timestamp = object.pointer(pointer)?.as_str()?.parse().ok()?;
    Some(now.as_second() - at.as_second())
}
