//! The deployment controller: one ReplicaSet per pod template, a rolling
//! update between them (maxSurge, maxUnavailable), revisions, pause, and the
//! progress deadline.

use super::events::{self, Source};
use super::{World, age_seconds, controller_ref, int};
use crate::sandbox::api::object;
use serde_json::{Map, Value, json};
use sha2::{Digest, Sha256};
use std::sync::Arc;

/// The annotation holding a ReplicaSet's (and its Deployment's) revision.
pub(super) const REVISION: &str = "deployment.kubernetes.io/revision";
/// The label that tells one template's pods from another's.
const HASH_LABEL: &str = "pod-template-hash";
/// The default `spec.progressDeadlineSeconds`.
const PROGRESS_DEADLINE: i64 = 600;

/// Reconciles every Deployment.
pub(super) fn reconcile(world: &mut World<'_>) {
    let deployments: Vec<Arc<Value>> = world.state.table(world.ids.deployments).values().collect();
    for deployment in deployments {
        reconcile_one(world, &deployment);
    }
}

fn revision(set: &Value) -> i64 {
    set.pointer("/metadata/annotations")
        .and_then(|a| a.get(REVISION))
        .and_then(Value::as_str)
        .and_then(|r| r.parse().ok())
        .unwrap_or(0)
}

/// The template without the hash label, to compare with a Deployment's.
fn bare_template(set: &Value) -> Value {
    let mut template = set.pointer("/spec/template").cloned().unwrap_or(json!({}));
    if let Some(Value::Object(labels)) = template.pointer_mut("/metadata/labels") {
        labels.remove(HASH_LABEL);
    }
    template
}

/// `value` as canonical JSON text (keys sorted), for hashing.
fn canonical(value: &Value) -> String {
    match value {
        Value::Object(map) => {
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort();
            let fields: Vec<String> = keys
                .iter()
                .map(|k| format!("{:?}:{}", k, canonical(&map[k.as_str()])))
                .collect();
            format!("{{{}}}", fields.join(","))
        }
        Value::Array(items) => {
            let items: Vec<String> = items.iter().map(canonical).collect();
            format!("[{}]", items.join(","))
        }
        other => other.to_string(),
    }
}

/// A pod-template-hash: 10 characters of the template's digest.
fn template_hash(template: &Value) -> String {
    const DIGITS: &[u8] = b"bcdfghjklmnpqrstvwxz2456789";
    Sha256::digest(canonical(template))
        .iter()
        .take(10)
        .map(|b| char::from(DIGITS[usize::from(*b) % DIGITS.len()]))
        .collect()
}

/// `25%` of `total` (rounded up when `up`), or an absolute number.
fn scaled(value: Option<&Value>, total: i64, up: bool) -> i64 {
    match value {
        Some(Value::Number(n)) => n.as_i64().unwrap_or(0),
        Some(Value::String(text)) => {
            let percent: i64 = text.trim_end_matches('%').parse().unwrap_or(25);
            if up {
                (total * percent + 99) / 100
            } else {
                total * percent / 100
            }
        }
        _ if up => (total * 25 + 99) / 100,
        _ => total * 25 / 100,
    }
}

fn replicas(set: &Value) -> i64 {
    int(set, "/spec/replicas", 0)
}

fn available(set: &Value) -> i64 {
    int(set, "/status/availableReplicas", 0)
}

/// Sets a ReplicaSet's replicas; returns it as stored.
fn scale(world: &mut World<'_>, set: &Arc<Value>, to: i64) -> Arc<Value> {
    let mut scaled = (**set).clone();
    scaled["spec"]["replicas"] = json!(to);
    let annotations = object::ensure_map(
        object::metadata_mut(&mut scaled)
            .entry("annotations")
            .or_insert(Value::Null),
    );
    annotations.insert(
        "deployment.kubernetes.io/desired-replicas".into(),
        json!(to.to_string()),
    );
    world.save(world.ids.replicasets, set, scaled);
    let key = object::key(set);
    world
        .state
        .get(world.ids.replicasets, &key)
        .unwrap_or_else(|| set.clone())
}

/// A new ReplicaSet for the Deployment's current template, at `revision`.
fn new_set(
    world: &mut World<'_>,
    deployment: &Value,
    template: &Value,
    revision: i64,
) -> Arc<Value> {
    let hash = template_hash(template);
    let name = format!("{}-{hash}", object::name(deployment));
    let mut template = template.clone();
    let labels = object::ensure_map(
        object::ensure_map(
            object::ensure_map(&mut template)
                .entry("metadata")
                .or_insert(Value::Null),
        )
        .entry("labels")
        .or_insert(Value::Null),
    );
    labels.insert(HASH_LABEL.into(), json!(hash));
    let labels = Value::Object(labels.clone());
    let mut selector = deployment
        .pointer("/spec/selector")
        .cloned()
        .unwrap_or(json!({}));
    object::ensure_map(
        object::ensure_map(&mut selector)
            .entry("matchLabels")
            .or_insert(Value::Null),
    )
    .insert(HASH_LABEL.into(), json!(hash));
    let set = json!({
        "apiVersion": "apps/v1",
        "kind": "ReplicaSet",
        "metadata": {
            "name": name,
            "namespace": object::namespace(deployment),
            "uid": object::new_uid(),
            "creationTimestamp": world.now_text(),
            "generation": 1,
            "labels": labels,
            "annotations": {
                REVISION: revision.to_string(),
                "deployment.kubernetes.io/desired-replicas": "0",
            },
            "ownerReferences": controller_ref(deployment, "apps/v1", "Deployment"),
        },
        "spec": {"replicas": 0, "selector": selector, "template": template},
        "status": {"replicas": 0, "observedGeneration": 1},
    });
    world.state.put(world.ids.replicasets, set)
}

fn set_revision(world: &mut World<'_>, set: &Arc<Value>, revision: i64) -> Arc<Value> {
    let mut bumped = (**set).clone();
    let annotations = object::ensure_map(
        object::metadata_mut(&mut bumped)
            .entry("annotations")
            .or_insert(Value::Null),
    );
    annotations.insert(REVISION.into(), json!(revision.to_string()));
    world.state.put(world.ids.replicasets, bumped)
}

fn reconcile_one(world: &mut World<'_>, deployment: &Arc<Value>) {
    if deployment.pointer("/metadata/deletionTimestamp").is_some() {
        return;
    }
    let desired = int(deployment, "/spec/replicas", 1).max(0);
    let paused = deployment.pointer("/spec/paused").and_then(Value::as_bool) == Some(true);
    let template = deployment
        .pointer("/spec/template")
        .cloned()
        .unwrap_or(json!({}));
    let mut sets = world.owned(deployment, world.ids.replicasets);
    sets.sort_by_key(|s| revision(s));
    let newest = sets.iter().map(|s| revision(s)).max().unwrap_or(0);
    let matching = sets.iter().position(|s| bare_template(s) == template);
    let mut progressed = false;
    let current = match matching {
        Some(index) if revision(&sets[index]) < newest && !paused => {
            // A rollback to an older template: that ReplicaSet is the newest revision again.
            let bumped = set_revision(world, &sets[index], newest + 1);
            sets[index] = bumped.clone();
            progressed = true;
            Some(bumped)
        }
        Some(index) => Some(sets[index].clone()),
        None if paused => None,
        None => {
            let created = new_set(world, deployment, &template, newest + 1);
            sets.push(created.clone());
            progressed = true;
            Some(created)
        }
    };
    if let Some(current) = &current
        && !paused
    {
        progressed |= roll(world, deployment, current, &mut sets, desired);
    }
    update_status(
        world,
        deployment,
        current.as_ref(),
        &sets,
        desired,
        paused,
        progressed,
    );
}

/// One step of the rolling update; true when something was scaled.
fn roll(
    world: &mut World<'_>,
    deployment: &Value,
    current: &Arc<Value>,
    sets: &mut [Arc<Value>],
    desired: i64,
) -> bool {
    let strategy = deployment.pointer("/spec/strategy/rollingUpdate");
    let recreate = deployment
        .pointer("/spec/strategy/type")
        .and_then(Value::as_str)
        == Some("Recreate");
    let mut surge = scaled(strategy.and_then(|s| s.get("maxSurge")), desired, true);
    let mut unavailable = scaled(
        strategy.and_then(|s| s.get("maxUnavailable")),
        desired,
        false,
    );
    if recreate {
        surge = 0;
        unavailable = desired;
    }
    if surge == 0 && unavailable == 0 {
        unavailable = 1;
    }
    let current_uid = object::uid(current).to_string();
    let is_old = |s: &Arc<Value>| object::uid(s) != current_uid;
    let old_total: i64 = sets.iter().filter(|s| is_old(s)).map(|s| replicas(s)).sum();
    let current_replicas = replicas(current);
    let total = old_total + current_replicas;
    let mut scaled_any = false;
    // Scale the old ReplicaSets down, as far as availability allows.
    let min_available = desired - unavailable;
    let current_unavailable = (current_replicas - available(current)).max(0);
    let mut budget = (total - min_available - current_unavailable).max(0);
    if old_total > 0 && budget > 0 {
        for set in sets.iter_mut().filter(|s| object::uid(s) != current_uid) {
            let have = replicas(set);
            let cut = have.min(budget);
            if cut > 0 {
                budget -= cut;
                let to = have - cut;
                *set = scale(world, set, to);
                events::record(
                    world,
                    deployment,
                    Source::Deployment,
                    "Normal",
                    "ScalingReplicaSet",
                    &format!(
                        "Scaled down replica set {} from {have} to {to}",
                        object::name(set)
                    ),
                );
                scaled_any = true;
            }
        }
    }
    // Scale the current one up within the surge (or down to the desired count).
    let room = desired + surge - total;
    let target = if current_replicas > desired {
        desired
    } else if recreate && old_total > 0 {
        current_replicas
    } else {
        current_replicas + room.clamp(0, desired - current_replicas)
    };
    if target != current_replicas {
        let direction = if target > current_replicas {
            "up"
        } else {
            "down"
        };
        let stored = scale(world, current, target);
        for set in sets.iter_mut().filter(|s| object::uid(s) == current_uid) {
            *set = stored.clone();
        }
        events::record(
            world,
            deployment,
            Source::Deployment,
            "Normal",
            "ScalingReplicaSet",
            &format!(
                "Scaled {direction} replica set {} from {current_replicas} to {target}",
                object::name(current)
            ),
        );
        scaled_any = true;
    }
    scaled_any
}

fn condition(kind: &str, status: &str, reason: &str, message: &str, now: &str) -> Value {
    json!({
        "type": kind,
        "status": status,
        "reason": reason,
        "message": message,
        "lastUpdateTime": now,
        "lastTransitionTime": now,
    })
}

/// Replaces the condition of `fresh`'s type, keeping its transition time
/// when the status did not change (and its update time when nothing did).
fn merge_condition(conditions: &mut Vec<Value>, mut fresh: Value, touched: bool) {
    let kind = fresh["type"].clone();
    if let Some(old) = conditions.iter_mut().find(|c| c["type"] == kind) {
        if old["status"] == fresh["status"] {
            fresh["lastTransitionTime"] = old["lastTransitionTime"].clone();
            if !touched && old["reason"] == fresh["reason"] {
                fresh["lastUpdateTime"] = old["lastUpdateTime"].clone();
            }
        }
        *old = fresh;
    } else {
        conditions.push(fresh);
    }
}

fn update_status(
    world: &mut World<'_>,
    deployment: &Arc<Value>,
    current: Option<&Arc<Value>>,
    sets: &[Arc<Value>],
    desired: i64,
    paused: bool,
    mut progressed: bool,
) {
    let sum = |pointer: &str| -> i64 { sets.iter().map(|s| int(s, pointer, 0)).sum() };
    let total = sum("/status/replicas");
    let ready = sum("/status/readyReplicas");
    let available_now = sum("/status/availableReplicas");
    let updated = current.map_or(0, |c| int(c, "/status/replicas", 0));
    let updated_available = current.map_or(0, |c| available(c));
    progressed |= available_now > int(deployment, "/status/availableReplicas", 0);
    let now = world.now_text();
    let name = current
        .map(|c| object::name(c).to_string())
        .unwrap_or_default();
    let mut conditions: Vec<Value> = deployment
        .pointer("/status/conditions")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    let strategy = deployment.pointer("/spec/strategy/rollingUpdate");
    let unavailable_allowed = scaled(
        strategy.and_then(|s| s.get("maxUnavailable")),
        desired,
        false,
    );
    let minimum = available_now >= desired - unavailable_allowed;
    merge_condition(
        &mut conditions,
        if minimum {
            condition(
                "Available",
                "True",
                "MinimumReplicasAvailable",
                "Deployment has minimum availability.",
                &now,
            )
        } else {
            condition(
                "Available",
                "False",
                "MinimumReplicasUnavailable",
                "Deployment does not have minimum availability.",
                &now,
            )
        },
        false,
    );
    let complete = updated == desired && total == desired && updated_available == desired;
    let deadline = int(
        deployment,
        "/spec/progressDeadlineSeconds",
        PROGRESS_DEADLINE,
    );
    let previous = conditions
        .iter()
        .find(|c| c["type"] == "Progressing")
        .cloned();
    let stalled_for = previous
        .as_ref()
        .and_then(|c| age_seconds(c, "/lastUpdateTime", world.now))
        .unwrap_or(0);
    let progressing = if paused {
        Some(condition(
            "Progressing",
            "Unknown",
            "DeploymentPaused",
            "Deployment is paused",
            &now,
        ))
    } else if complete {
        Some(condition(
            "Progressing",
            "True",
            "NewReplicaSetAvailable",
            &format!("ReplicaSet \"{name}\" has successfully progressed."),
            &now,
        ))
    } else if progressed || previous.is_none() {
        Some(condition(
            "Progressing",
            "True",
            "ReplicaSetUpdated",
            &format!("ReplicaSet \"{name}\" is progressing."),
            &now,
        ))
    } else if stalled_for > deadline
        && previous
            .as_ref()
            .is_some_and(|c| c["reason"] != "ProgressDeadlineExceeded")
    {
        Some(condition(
            "Progressing",
            "False",
            "ProgressDeadlineExceeded",
            &format!("ReplicaSet \"{name}\" has timed out progressing."),
            &now,
        ))
    } else {
        None
    };
    if let Some(progressing) = progressing {
        merge_condition(&mut conditions, progressing, progressed);
    }
    let mut status = Map::new();
    status.insert(
        "observedGeneration".into(),
        json!(int(deployment, "/metadata/generation", 1)),
    );
    status.insert("replicas".into(), json!(total));
    status.insert("updatedReplicas".into(), json!(updated));
    status.insert("readyReplicas".into(), json!(ready));
    status.insert("availableReplicas".into(), json!(available_now));
    if desired > available_now {
        status.insert("unavailableReplicas".into(), json!(desired - available_now));
    }
    status.insert("conditions".into(), Value::Array(conditions));
    let mut new = (**deployment).clone();
    new["status"] = Value::Object(status);
    if let Some(current) = current {
        let revision = revision(current).to_string();
        let annotations = object::ensure_map(
            object::metadata_mut(&mut new)
                .entry("annotations")
                .or_insert(Value::Null),
        );
        annotations.insert(REVISION.into(), json!(revision));
    }
    world.save(world.ids.deployments, deployment, new);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_ignore_key_order_and_percentages_round_as_kubernetes_does() {
        let a = json!({"spec": {"a": 1, "b": [1, 2]}});
        let b = json!({"spec": {"b": [1, 2], "a": 1}});
        assert_eq!(template_hash(&a), template_hash(&b));
        assert_eq!(template_hash(&a).len(), 10);
        assert_eq!(scaled(None, 6, true), 2);
        assert_eq!(scaled(None, 6, false), 1);
        assert_eq!(scaled(Some(&json!(0)), 6, false), 0);
        assert_eq!(scaled(Some(&json!("50%")), 3, true), 2);
    }
}
