//! The replicaset controller: as many Pods as `spec.replicas`, made from the
//! template (unready and newest ones go first when there are too many), and
//! the counts in the status.

use super::events::{self, Source};
use super::{World, controller_ref, int};
use crate::sandbox::api::object;
use serde_json::{Value, json};
use std::sync::Arc;

/// Reconciles every ReplicaSet.
pub(super) fn reconcile(world: &mut World<'_>) {
    let sets: Vec<Arc<Value>> = world.state.table(world.ids.replicasets).values().collect();
    for set in sets {
        reconcile_one(world, &set);
    }
}

/// Whether the pod's containers are all ready.
pub(super) fn is_ready(pod: &Value) -> bool {
    pod.pointer("/status/conditions")
        .and_then(Value::as_array)
        .is_some_and(|conditions| {
            conditions
                .iter()
                .any(|c| c["type"] == "Ready" && c["status"] == "True")
        })
}

fn new_pod(world: &World<'_>, set: &Value) -> Value {
    let template = set.pointer("/spec/template").cloned().unwrap_or(json!({}));
    let name = format!("{}-{}", object::name(set), object::name_suffix());
    let mut metadata = template.get("metadata").cloned().unwrap_or(json!({}));
    let map = object::ensure_map(&mut metadata);
    map.insert("name".into(), json!(name));
    map.insert("namespace".into(), json!(object::namespace(set)));
    map.insert("uid".into(), json!(object::new_uid()));
    map.insert("creationTimestamp".into(), json!(world.now_text()));
    map.insert(
        "generateName".into(),
        json!(format!("{}-", object::name(set))),
    );
    map.insert(
        "ownerReferences".into(),
        controller_ref(set, "apps/v1", "ReplicaSet"),
    );
    let mut spec = template.get("spec").cloned().unwrap_or(json!({}));
    let spec_map = object::ensure_map(&mut spec);
    spec_map.entry("restartPolicy").or_insert(json!("Always"));
    spec_map
        .entry("terminationGracePeriodSeconds")
        .or_insert(json!(30));
    spec_map.entry("dnsPolicy").or_insert(json!("ClusterFirst"));
    spec_map
        .entry("schedulerName")
        .or_insert(json!("default-scheduler"));
    json!({
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": metadata,
        "spec": spec,
        "status": {"phase": "Pending", "qosClass": "Burstable"},
    })
}

fn reconcile_one(world: &mut World<'_>, set: &Arc<Value>) {
    let desired = int(set, "/spec/replicas", 1).max(0);
    let mut pods = world.owned(set, world.ids.pods);
    let have = pods.len() as i64;
    if have < desired {
        for _ in have..desired {
            let pod = new_pod(world, set);
            let message = format!("Created pod: {}", object::name(&pod));
            pods.push(world.state.put(world.ids.pods, pod));
            events::record(
                world,
                set,
                Source::ReplicaSet,
                "Normal",
                "SuccessfulCreate",
                &message,
            );
        }
    } else if have > desired {
        // Unready pods first, then the newest.
        pods.sort_by(|a, b| {
            let rank = |p: &Value| {
                (
                    is_ready(p),
                    std::cmp::Reverse(object::meta_str(p, "creationTimestamp").to_string()),
                )
            };
            rank(a).cmp(&rank(b))
        });
        let extra = usize::try_from(have - desired).unwrap_or(0);
        for pod in pods.drain(..extra) {
            let key = object::key(&pod);
            if world.state.remove(world.ids.pods, &key).is_some() {
                world.removed_pods.push(key);
                let message = format!("Deleted pod: {}", object::name(&pod));
                events::record(
                    world,
                    set,
                    Source::ReplicaSet,
                    "Normal",
                    "SuccessfulDelete",
                    &message,
                );
            }
        }
    }
    let ready = pods.iter().filter(|p| is_ready(p)).count();
    let mut new = (**set).clone();
    let observed = int(set, "/metadata/generation", 1);
    let mut status = json!({
        "replicas": pods.len(),
        "fullyLabeledReplicas": pods.len(),
        "observedGeneration": observed,
    });
    if ready > 0 {
        status["readyReplicas"] = json!(ready);
        status["availableReplicas"] = json!(ready);
    }
    new["status"] = status;
    world.save(world.ids.replicasets, set, new);
}
