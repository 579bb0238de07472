//! Deletion with owner-reference garbage collection, done at once (there are
//! no finalizers to wait for).

use super::object::{self, ObjectKey};
use super::resource::{NAMESPACES, RESOURCES, ResourceId};
use super::store::State;
use serde_json::{Value, json};
use std::collections::HashSet;
use std::sync::Arc;

/// What happens to the dependents of a deleted object.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Propagation {
    /// Delete the owner, then its dependents.
    Background,
    /// Delete the dependents, then the owner.
    Foreground,
    /// Keep the dependents, removing their reference to the owner.
    Orphan,
}

impl Propagation {
    /// Parses `propagationPolicy`.
    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "Background" => Some(Propagation::Background),
            "Foreground" => Some(Propagation::Foreground),
            "Orphan" => Some(Propagation::Orphan),
            _ => None,
        }
    }
}

/// Deletes the object and, unless orphaning, everything it owns (recursively).
/// Returns every deleted object, in deletion order, the requested one included.
pub(crate) fn delete(
    state: &mut State,
    resource: ResourceId,
    key: &ObjectKey,
    propagation: Propagation,
) -> Vec<(ResourceId, Arc<Value>)> {
    let mut deleted = Vec::new();
    let mut visited = HashSet::new();
    if resource == NAMESPACES && state.contains(resource, key) {
        // The namespace controller's job: empty the namespace first.
        for (id, _) in RESOURCES.iter().enumerate().filter(|(_, r)| r.namespaced) {
            let keys: Vec<ObjectKey> = state
                .table(id)
                .range(Some(&key.name), None)
                .map(|(k, _)| k.clone())
                .collect();
            for contained in keys {
                let background = Propagation::Background;
                delete_into(
                    state,
                    id,
                    &contained,
                    background,
                    &mut visited,
                    &mut deleted,
                );
            }
        }
    }
    delete_into(
        state,
        resource,
        key,
        propagation,
        &mut visited,
        &mut deleted,
    );
    deleted
}

fn delete_into(
    state: &mut State,
    resource: ResourceId,
    key: &ObjectKey,
    propagation: Propagation,
    visited: &mut HashSet<(ResourceId, ObjectKey)>,
    deleted: &mut Vec<(ResourceId, Arc<Value>)>,
) {
    if !visited.insert((resource, key.clone())) {
        return;
    }
    let Some(current) = state.get(resource, key) else {
        return;
    };
    let uid = object::uid(&current).to_string();
    if propagation == Propagation::Foreground {
        for dependent in state.dependents_of(&uid) {
            delete_into(
                state,
                dependent.resource,
                &dependent.key,
                propagation,
                visited,
                deleted,
            );
        }
    }
    let Some(removed) = state.remove(resource, key) else {
        return;
    };
    deleted.push((resource, removed));
    match propagation {
        Propagation::Foreground => {}
        Propagation::Background => {
            for dependent in state.dependents_of(&uid) {
                delete_into(
                    state,
                    dependent.resource,
                    &dependent.key,
                    propagation,
                    visited,
                    deleted,
                );
            }
        }
        Propagation::Orphan => {
            for dependent in state.dependents_of(&uid) {
                let Some(object) = state.get(dependent.resource, &dependent.key) else {
                    continue;
                };
                let mut orphan = (*object).clone();
                if let Some(Value::Array(owners)) = orphan.pointer_mut("/metadata/ownerReferences")
                {
                    owners.retain(|o| o.get("uid").and_then(Value::as_str) != Some(uid.as_str()));
                    if owners.is_empty() {
                        object::metadata_mut(&mut orphan).remove("ownerReferences");
                    }
                }
                state.put(dependent.resource, orphan);
            }
        }
    }
}

/// The `details` of the Success status a completed delete returns.
pub(crate) fn deleted_details(group: &str, plural: &str, object: &Value) -> Value {
    json!({
        "name": object::name(object),
        "group": group,
        "kind": plural,
        "uid": object::uid(object),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sandbox::api::resource::{JOBS, PODS};
    use crate::sandbox::api::store::Store;

    fn owned(kind: &str, name: &str, uid: &str, owner: Option<&str>) -> Value {
        let mut object =
            json!({"kind": kind, "metadata": {"name": name, "namespace": "p", "uid": uid}});
        if let Some(owner) = owner {
            object["metadata"]["ownerReferences"] =
                json!([{"uid": owner, "kind": "Job", "name": "j"}]);
        }
        object
    }

    #[test]
    fn background_deletes_dependents_after_the_owner() {
        let store = Store::new(100);
        let mut state = store.write();
        state.put(JOBS, owned("Job", "j", "job-uid", None));
        state.put(PODS, owned("Pod", "p1", "pod-uid", Some("job-uid")));
        let deleted = delete(
            &mut state,
            JOBS,
            &ObjectKey::new("p", "j"),
            Propagation::Background,
        );
        let names: Vec<&str> = deleted.iter().map(|(_, o)| object::name(o)).collect();
        assert_eq!(names, ["j", "p1"]);
        assert!(state.get(PODS, &ObjectKey::new("p", "p1")).is_none());
    }

    #[test]
    fn orphan_keeps_dependents_without_the_reference() {
        let store = Store::new(100);
        let mut state = store.write();
        state.put(JOBS, owned("Job", "j", "job-uid", None));
        state.put(PODS, owned("Pod", "p1", "pod-uid", Some("job-uid")));
        let deleted = delete(
            &mut state,
            JOBS,
            &ObjectKey::new("p", "j"),
            Propagation::Orphan,
        );
        assert_eq!(deleted.len(), 1);
        let pod = state.get(PODS, &ObjectKey::new("p", "p1")).unwrap();
        assert!(pod["metadata"].get("ownerReferences").is_none());
    }

    #[test]
    fn deleting_a_namespace_deletes_what_it_contains() {
        let store = Store::new(100);
        let mut state = store.write();
        state.ensure_namespace("p");
        state.ensure_namespace("q");
        state.put(JOBS, owned("Job", "j", "job-uid", None));
        let mut elsewhere = owned("Job", "k", "k-uid", None);
        elsewhere["metadata"]["namespace"] = json!("q");
        state.put(JOBS, elsewhere);
        let deleted = delete(
            &mut state,
            NAMESPACES,
            &ObjectKey::new("", "p"),
            Propagation::Background,
        );
        let names: Vec<&str> = deleted.iter().map(|(_, o)| object::name(o)).collect();
        assert_eq!(names, ["j", "p"]);
        assert!(state.get(JOBS, &ObjectKey::new("q", "k")).is_some());
    }

    #[test]
    fn foreground_deletes_dependents_first() {
        let store = Store::new(100);
        let mut state = store.write();
        state.put(JOBS, owned("Job", "j", "job-uid", None));
        state.put(PODS, owned("Pod", "p1", "pod-uid", Some("job-uid")));
        let deleted = delete(
            &mut state,
            JOBS,
            &ObjectKey::new("p", "j"),
            Propagation::Foreground,
        );
        let names: Vec<&str> = deleted.iter().map(|(_, o)| object::name(o)).collect();
        assert_eq!(names, ["p1", "j"]);
    }
}
