//! The kubelet (and the scheduler): ReplicaSet Pods are bound to a Node and
//! started; what then happens to a container is declared by annotations on
//! the pod template, which describe the simulated program:
//!
//! - `sandbox.kubevigil.io/duration-keys: FLUSH_INTERVAL`: the program reads
//!   these keys from its `envFrom` ConfigMaps as Go durations and exits at
//!   start-up on a value without a unit: the container crash-loops, its
//!   restart back-off doubling (10 s to 5 min by default);
//! - `sandbox.kubevigil.io/working-set: 1200Mi`: the memory the workload
//!   needs, shared by its Deployment's Pods: a Pod whose share is above its
//!   container's memory limit is OOM-killed (exit 137) now and then;
//! - `sandbox.kubevigil.io/unready-images: a:1,b:2`: these images never pass
//!   their readiness probe.
//!
//! A container whose `envFrom` ConfigMap does not exist waits in
//! `CreateContainerConfigError`, as on a real node.

use super::events::{self, Source};
use super::replicasets::is_ready;
use super::{World, age_seconds, int};
use crate::sandbox::api::object;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::sync::Arc;

/// The annotation naming the duration keys the program parses.
pub(crate) const DURATION_KEYS: &str = "sandbox.kubevigil.io/duration-keys";
/// The annotation giving the working set the Deployment's Pods share.
pub(crate) const WORKING_SET: &str = "sandbox.kubevigil.io/working-set";
/// The annotation listing images that never become ready.
pub(crate) const UNREADY_IMAGES: &str = "sandbox.kubevigil.io/unready-images";
/// How many back-offs an OOM-killed container runs before it is killed again.
const OOM_AFTER_BACKOFFS: u32 = 6;

/// How a container comes up.
enum Start {
    /// Running and ready.
    Ready,
    /// Running, never ready.
    Unready,
    /// Exits at once with this log line.
    Crash(String),
    /// Cannot be created: this reason's message.
    ConfigError(String),
}

/// Reconciles the Pods of every ReplicaSet.
pub(super) fn reconcile(world: &mut World<'_>) {
    let sets: Vec<Arc<Value>> = world.state.table(world.ids.replicasets).values().collect();
    // How many Pods each Deployment runs: they share its working set.
    let mut by_owner: HashMap<String, (i64, Vec<Arc<Value>>)> = HashMap::new();
    for set in &sets {
        let owner = set
            .pointer("/metadata/ownerReferences/0/uid")
            .and_then(Value::as_str)
            .unwrap_or(object::uid(set))
            .to_string();
        let pods = world.owned(set, world.ids.pods);
        let entry = by_owner.entry(owner).or_default();
        entry.0 += pods.len() as i64;
        entry.1.extend(pods);
    }
    let nodes: Vec<String> = world
        .state
        .table(world.ids.nodes)
        .range(None, None)
        .map(|(k, _)| k.name.clone())
        .collect();
    for (sharing, pods) in by_owner.into_values() {
        for pod in pods {
            reconcile_pod(world, &pod, sharing.max(1), &nodes);
        }
    }
}

fn annotation<'a>(pod: &'a Value, name: &str) -> Option<&'a str> {
    pod.pointer("/metadata/annotations")
        .and_then(|a| a.get(name))
        .and_then(Value::as_str)
}

/// Bytes in a Kubernetes quantity (`256Mi`, `1Gi`, `500M`, `1024`).
pub(crate) fn bytes(quantity: &str) -> Option<u64> {
    let quantity = quantity.trim();
    let split = quantity
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(quantity.len());
    let (number, unit) = quantity.split_at(split);
    let number: f64 = number.parse().ok()?;
    let factor: f64 = match unit {
        "" => 1.0,
        "Ki" => 1024.0,
        "Mi" => 1024.0 * 1024.0,
        "Gi" => 1024.0 * 1024.0 * 1024.0,
        "k" => 1e3,
        "M" => 1e6,
        "G" => 1e9,
        _ => return None,
    };
    Some((number * factor) as u64)
}

/// Whether `text` parses as a Go duration (`30s`, `1m30s`, `0`).
fn is_duration(text: &str) -> bool {
    if text == "0" {
        return true;
    }
    let mut rest = text;
    if rest.is_empty() {
        return false;
    }
    while !rest.is_empty() {
        let digits = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(rest.len());
        if digits == 0 {
            return false;
        }
        rest = &rest[digits..];
        let unit = ["ns", "us", "µs", "ms", "s", "m", "h"]
            .iter()
            .filter(|u| rest.starts_with(**u))
            .max_by_key(|u| u.len());
        match unit {
            Some(unit) => rest = &rest[unit.len()..],
            None => return false,
        }
    }
    true
}

/// How the pod's first container comes up now.
fn start_of(world: &World<'_>, pod: &Value, _sharing: i64) -> Start {
    let container = pod
        .pointer("/spec/containers/0")
        .cloned()
        .unwrap_or(json!({}));
    let namespace = object::namespace(pod);
    let mut config: HashMap<String, String> = HashMap::new();
    for source in container
        .get("envFrom")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let Some(name) = source.pointer("/configMapRef/name").and_then(Value::as_str) else {
            continue;
        };
        let key = object::ObjectKey::new(namespace, name);
        match world.state.get(world.ids.configmaps, &key) {
            Some(map) => {
                for (k, v) in map
                    .get("data")
                    .and_then(Value::as_object)
                    .into_iter()
                    .flatten()
                {
                    config.insert(k.clone(), v.as_str().unwrap_or_default().to_string());
                }
            }
            None if source.pointer("/configMapRef/optional") == Some(&json!(true)) => {}
            None => return Start::ConfigError(format!("configmap \"{name}\" not found")),
        }
    }
    for key in annotation(pod, DURATION_KEYS)
        .unwrap_or("")
        .split(',')
        .map(str::trim)
        .filter(|k| !k.is_empty())
    {
        if let Some(value) = config.get(key)
            && !is_duration(value)
        {
            return Start::Crash(format!(
                "level=fatal msg=\"loading config\" error=\"{key}: time: missing unit in duration \\\"{value}\\\"\""
            ));
        }
    }
    let image = container.get("image").and_then(Value::as_str).unwrap_or("");
    let unready = annotation(pod, UNREADY_IMAGES)
        .unwrap_or("")
        .split(',')
        .any(|i| i.trim() == image && !image.is_empty());
    if unready {
        return Start::Unready;
    }
    Start::Ready
}

/// Whether the pod's share of the working set is above its memory limit.
fn over_limit(pod: &Value, sharing: i64) -> bool {
    let Some(total) = annotation(pod, WORKING_SET).and_then(bytes) else {
        return false;
    };
    let Some(limit) = pod
        .pointer("/spec/containers/0/resources/limits/memory")
        .and_then(Value::as_str)
        .and_then(bytes)
    else {
        return false;
    };
    total / u64::try_from(sharing).unwrap_or(1).max(1) > limit
}

fn short_hash(text: &str) -> [u8; 32] {
    Sha256::digest(text).into()
}

fn condition(kind: &str, status: bool, now: &str) -> Value {
    json!({
        "type": kind,
        "status": if status { "True" } else { "False" },
        "lastProbeTime": null,
        "lastTransitionTime": now,
    })
}

/// The container statuses and conditions of a running pod.
fn running_status(pod: &Value, first: Value, ready: bool, now: &str) -> Value {
    let mut status = pod.get("status").cloned().unwrap_or(json!({}));
    let containers: Vec<Value> = pod
        .pointer("/spec/containers")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    let mut statuses = vec![first];
    for container in containers.iter().skip(1) {
        statuses.push(json!({
            "name": container.get("name").cloned().unwrap_or(Value::Null),
            "image": container.get("image").cloned().unwrap_or(Value::Null),
            "imageID": "",
            "ready": true,
            "started": true,
            "restartCount": 0,
            "state": {"running": {"startedAt": now}},
        }));
    }
    let was_ready = is_ready(pod);
    let old_conditions = status.get("conditions").cloned();
    status["phase"] = json!("Running");
    status["containerStatuses"] = Value::Array(statuses);
    if old_conditions.is_none() || was_ready != ready {
        let since = status
            .get("startTime")
            .and_then(Value::as_str)
            .unwrap_or(now)
            .to_string();
        status["conditions"] = json!([
            condition("PodReadyToStartContainers", true, &since),
            condition("Initialized", true, &since),
            condition("Ready", ready, now),
            condition("ContainersReady", ready, now),
            condition("PodScheduled", true, &since),
        ]);
    }
    status
}

fn container_status(
    container: &Value,
    ready: bool,
    restarts: i64,
    state: Value,
    last: Value,
) -> Value {
    let name = container.get("name").and_then(Value::as_str).unwrap_or("");
    let digest = short_hash(&format!("{name}{restarts}{}", object::new_uid()));
    let id: String = digest.iter().map(|b| format!("{b:02x}")).collect();
    json!({
        "name": name,
        "image": container.get("image").cloned().unwrap_or(Value::Null),
        "imageID": "",
        "containerID": format!("containerd://{id}"),
        "ready": ready,
        "started": state.get("running").is_some(),
        "restartCount": restarts,
        "state": state,
        "lastState": last,
    })
}

fn reconcile_pod(world: &mut World<'_>, pod: &Arc<Value>, sharing: i64, nodes: &[String]) {
    let now = world.now_text();
    let container = pod
        .pointer("/spec/containers/0")
        .cloned()
        .unwrap_or(json!({}));
    let container_name = container
        .get("name")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_string();
    let first = pod.pointer("/status/containerStatuses/0").cloned();
    let Some(first) = first else {
        // Not started yet: schedule, then start.
        if nodes.is_empty() {
            let mut pending = (**pod).clone();
            pending["status"]["conditions"] = json!([{
                "type": "PodScheduled", "status": "False", "reason": "Unschedulable",
                "message": "0/0 nodes are available: no nodes registered.",
                "lastProbeTime": null, "lastTransitionTime": now,
            }]);
            world.save(world.ids.pods, pod, pending);
            return;
        }
        let digest = short_hash(object::name(pod));
        let node = &nodes[usize::from(digest[0]) % nodes.len()];
        let mut started = (**pod).clone();
        started["spec"]["nodeName"] = json!(node);
        let ip = format!("10.42.{}.{}", digest[1] % 8, digest[2].max(2));
        started["status"]["podIP"] = json!(ip);
        started["status"]["podIPs"] = json!([{"ip": ip}]);
        started["status"]["hostIP"] = json!(format!(
            "10.0.1.{}",
            10 + usize::from(digest[0]) % nodes.len()
        ));
        started["status"]["startTime"] = json!(now);
        let first = start_container(world, &started, &container, sharing, 0, json!({}));
        let ready = first["ready"] == true;
        started["status"] = running_status(&started, first, ready, &now);
        world.save(world.ids.pods, pod, started);
        return;
    };
    let restarts = int(&first, "/restartCount", 0);
    let waiting = first
        .pointer("/state/waiting/reason")
        .and_then(Value::as_str)
        .unwrap_or("");
    let backoff = world.backoff;
    let next = match waiting {
        "CrashLoopBackOff" => {
            let exponent = u32::try_from(restarts).unwrap_or(u32::MAX).min(5);
            let wait = (backoff * 2u32.pow(exponent)).min(backoff * 30);
            let since = age_seconds(&first, "/lastState/terminated/finishedAt", world.now)
                .unwrap_or(i64::MAX);
            (since.saturating_mul(1000) >= wait.as_millis() as i64).then(|| {
                let last = first.get("lastState").cloned().unwrap_or(json!({}));
                start_container(world, pod, &container, sharing, restarts + 1, last)
            })
        }
        "CreateContainerConfigError" => match start_of(world, pod, sharing) {
            Start::ConfigError(_) => None,
            _ => Some(start_container(
                world,
                pod,
                &container,
                sharing,
                restarts,
                json!({}),
            )),
        },
        // The program re-reads its settings when they change: a bad one stops it.
        _ if first.pointer("/state/running").is_some()
            && annotation(pod, DURATION_KEYS).is_some()
            && matches!(start_of(world, pod, sharing), Start::Crash(_)) =>
        {
            let last = first.get("lastState").cloned().unwrap_or(json!({}));
            Some(start_container(
                world,
                pod,
                &container,
                sharing,
                restarts + 1,
                last,
            ))
        }
        _ if first.pointer("/state/running").is_some() && over_limit(pod, sharing) => {
            let ran = age_seconds(&first, "/state/running/startedAt", world.now).unwrap_or(0);
            let limit = backoff * OOM_AFTER_BACKOFFS;
            (ran.saturating_mul(1000) >= limit.as_millis() as i64).then(|| {
                let started_at = first.pointer("/state/running/startedAt").cloned();
                let killed = json!({"terminated": {
                    "exitCode": 137, "reason": "OOMKilled",
                    "startedAt": started_at, "finishedAt": now,
                }});
                let message = format!(
                    "Container {container_name} was OOM-killed (memory limit {})",
                    pod.pointer("/spec/containers/0/resources/limits/memory")
                        .and_then(Value::as_str)
                        .unwrap_or("?")
                );
                events::record(
                    world,
                    pod,
                    Source::Kubelet,
                    "Warning",
                    "OOMKilling",
                    &message,
                );
                container_status(
                    &container,
                    true,
                    restarts + 1,
                    json!({"running": {"startedAt": now}}),
                    killed,
                )
            })
        }
        _ => None,
    };
    if let Some(first) = next {
        let ready = first["ready"] == true;
        let mut new = (**pod).clone();
        new["status"] = running_status(pod, first, ready, &now);
        world.save(world.ids.pods, pod, new);
    }
}

/// The container's status once (re)started at restart number `restarts`.
fn start_container(
    world: &mut World<'_>,
    pod: &Value,
    container: &Value,
    sharing: i64,
    restarts: i64,
    last: Value,
) -> Value {
    let now = world.now_text();
    let name = container.get("name").and_then(Value::as_str).unwrap_or("");
    match start_of(world, pod, sharing) {
        Start::Ready => container_status(
            container,
            true,
            restarts,
            json!({"running": {"startedAt": now}}),
            last,
        ),
        Start::Unready => {
            events::record(
                world,
                pod,
                Source::Kubelet,
                "Warning",
                "Unhealthy",
                "Readiness probe failed: HTTP probe failed with statuscode: 503",
            );
            container_status(
                container,
                false,
                restarts,
                json!({"running": {"startedAt": now}}),
                last,
            )
        }
        Start::Crash(line) => {
            let exponent = u32::try_from(restarts).unwrap_or(u32::MAX).min(5);
            let wait = (world.backoff * 2u32.pow(exponent)).min(world.backoff * 30);
            events::record(
                world,
                pod,
                Source::Kubelet,
                "Warning",
                "BackOff",
                &format!(
                    "Back-off restarting failed container {name} in pod {}",
                    object::name(pod)
                ),
            );
            let key = object::key(pod);
            let at = world.now_text();
            world.logs.push((
                key.clone(),
                format!("time={at} level=info msg=\"starting {name}\""),
            ));
            world.logs.push((key, format!("time={at} {line}")));
            container_status(
                container,
                false,
                restarts,
                json!({"waiting": {
                    "reason": "CrashLoopBackOff",
                    "message": format!("back-off {}s restarting failed container={name} pod={}", wait.as_secs().max(1), object::name(pod)),
                }}),
                json!({"terminated": {"exitCode": 1, "reason": "Error", "startedAt": now, "finishedAt": now}}),
            )
        }
        Start::ConfigError(message) => container_status(
            container,
            false,
            restarts,
            json!({"waiting": {"reason": "CreateContainerConfigError", "message": message}}),
            last,
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_and_quantities_parse_as_go_and_kubernetes_do() {
        assert!(is_duration("30s") && is_duration("1m30s") && is_duration("0"));
        assert!(!is_duration("30") && !is_duration("") && !is_duration("s"));
        assert_eq!(bytes("256Mi"), Some(256 * 1024 * 1024));
        assert_eq!(bytes("1Gi"), Some(1024 * 1024 * 1024));
        assert_eq!(bytes("12x"), None);
    }
}
