//! What the API server fills into a pod spec, whether it is a Pod's own or
//! the template of a Job, Deployment or ReplicaSet: restart and DNS policy,
//! scheduler, grace period, and per container the termination message and
//! image pull policy. Only missing fields are filled, so applying it twice
//! changes nothing.

use super::object;
use serde_json::{Map, Value, json};

/// Fills `entry` with `value` when it is missing or null.
pub(crate) fn fill(map: &mut Map<String, Value>, field: &str, value: Value) {
    let slot = map.entry(field).or_insert(Value::Null);
    if slot.is_null() {
        *slot = value;
    }
}

/// Defaults a pod spec (`restart_policy` is `None` for a Job's template,
/// whose restart policy the caller must choose).
pub(crate) fn pod_spec(spec: &mut Value, restart_policy: Option<&str>) {
    let map = object::ensure_map(spec);
    if let Some(policy) = restart_policy {
        fill(map, "restartPolicy", json!(policy));
    }
    fill(map, "dnsPolicy", json!("ClusterFirst"));
    fill(map, "schedulerName", json!("default-scheduler"));
    fill(map, "terminationGracePeriodSeconds", json!(30));
    fill(map, "securityContext", json!({}));
    fill(map, "enableServiceLinks", json!(true));
    for list in ["initContainers", "containers"] {
        if let Some(containers) = map.get_mut(list).and_then(Value::as_array_mut) {
            containers.iter_mut().for_each(container);
        }
    }
}

/// Defaults a pod template's spec, if the template has one.
pub(crate) fn template(owner_spec: &mut Map<String, Value>, restart_policy: Option<&str>) {
    if let Some(spec) = owner_spec
        .get_mut("template")
        .and_then(|t| t.get_mut("spec"))
        .filter(|s| s.is_object())
    {
        pod_spec(spec, restart_policy);
    }
}

/// `Always` for `:latest` or untagged images, `IfNotPresent` otherwise.
fn pull_policy(image: &str) -> &'static str {
    let without_digest = image.split('@').next().unwrap_or(image);
    let last = without_digest.rsplit('/').next().unwrap_or(without_digest);
    match last.split_once(':') {
        _ if image.contains('@') => "IfNotPresent",
        Some((_, "latest")) | None => "Always",
        Some(_) => "IfNotPresent",
    }
}

fn container(container: &mut Value) {
    let image = container
        .get("image")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_string();
    let map = object::ensure_map(container);
    fill(map, "terminationMessagePath", json!("/dev/termination-log"));
    fill(map, "terminationMessagePolicy", json!("File"));
    fill(map, "imagePullPolicy", json!(pull_policy(&image)));
    fill(map, "resources", json!({}));
    if let Some(ports) = map.get_mut("ports").and_then(Value::as_array_mut) {
        for port in ports {
            fill(object::ensure_map(port), "protocol", json!("TCP"));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn containers_get_pull_policy_and_termination_message() {
        let mut spec = json!({"containers": [
            {"name": "a", "image": "shop/api:1.2", "ports": [{"containerPort": 80}]},
            {"name": "b", "image": "registry:5000/shop/api"},
            {"name": "c", "image": "shop/api:latest", "imagePullPolicy": "Never"},
        ]});
        pod_spec(&mut spec, Some("Always"));
        assert_eq!(spec["restartPolicy"], "Always");
        assert_eq!(spec["dnsPolicy"], "ClusterFirst");
        assert_eq!(spec["containers"][0]["imagePullPolicy"], "IfNotPresent");
        assert_eq!(spec["containers"][0]["ports"][0]["protocol"], "TCP");
        assert_eq!(spec["containers"][1]["imagePullPolicy"], "Always");
        assert_eq!(spec["containers"][2]["imagePullPolicy"], "Never");
        assert_eq!(
            spec["containers"][0]["terminationMessagePath"],
            "/dev/termination-log"
        );
        let once = spec.clone();
        pod_spec(&mut spec, Some("Never"));
        assert_eq!(spec, once, "defaulting twice changes nothing");
    }
}
