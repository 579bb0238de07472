//! What the real API server fills in. On create: a pod starts Pending, a
//! namespace Active, a Job gets its selector and pod-template labels, and
//! other status is reset (written only via `/status`). On every write (and
//! on seeding), [`apply`] fills the spec defaults of the kind, keyed by
//! group and kind so that every served kind is covered by one table: Jobs'
//! counts and modes, Deployments' replicas and rollout strategy, Services'
//! type and affinity, pod templates (see [`super::pod_defaults`]).

use super::object;
use super::pod_defaults::{self, fill};
use super::resource::ResourceType;
use serde_json::{Map, Value, json};

/// Applies create-time defaults to an object that already has its name and uid.
pub(crate) fn on_create(resource: &ResourceType, object: &mut Value) {
    let name = object::name(object).to_string();
    let uid = object::uid(object).to_string();
    match (resource.group, resource.plural) {
        ("", "pods") => {
            object::ensure_map(object).insert("status".into(), json!({"phase": "Pending"}));
        }
        ("", "namespaces") => {
            object::ensure_map(object).insert("status".into(), json!({"phase": "Active"}));
        }
        ("batch", "jobs") => {
            object::ensure_map(object).remove("status");
            job_selector(object, &name, &uid);
        }
        _ if resource.has_status => {
            object::ensure_map(object).remove("status");
        }
        _ => {}
    }
    apply(resource, object);
}

/// Fills the defaults of `resource`'s kind that are missing from `object`;
/// applying it again changes nothing.
pub(crate) fn apply(resource: &ResourceType, object: &mut Value) {
    let name = object::name(object).to_string();
    let namespace = object::namespace(object).to_string();
    match (resource.group, resource.kind) {
        ("", "Namespace") => {
            let spec = child(object::ensure_map(object), "spec");
            fill(spec, "finalizers", json!(["kubernetes"]));
            let status = child(object::ensure_map(object), "status");
            fill(status, "phase", json!("Active"));
            let labels = child(object::metadata_mut(object), "labels");
            fill(labels, "kubernetes.io/metadata.name", json!(name));
        }
        ("", "Pod") => {
            let spec = object::ensure_map(object)
                .entry("spec")
                .or_insert(json!({}));
            pod_defaults::pod_spec(spec, Some("Always"));
            let spec = child(object::ensure_map(object), "spec");
            fill(spec, "serviceAccountName", json!("default"));
            fill(spec, "priority", json!(0));
            fill(spec, "preemptionPolicy", json!("PreemptLowerPriority"));
        }
        ("batch", "Job") => job_spec(child(object::ensure_map(object), "spec")),
        ("apps", "Deployment") => deployment_spec(child(object::ensure_map(object), "spec")),
        ("apps", "ReplicaSet" | "StatefulSet" | "DaemonSet") => {
            let spec = child(object::ensure_map(object), "spec");
            if resource.kind != "DaemonSet" {
                fill(spec, "replicas", json!(1));
            }
            pod_defaults::template(spec, Some("Always"));
        }
        ("", "Service") => {
            service_spec(child(object::ensure_map(object), "spec"), &namespace, &name);
        }
        ("", "Secret") => fill(object::ensure_map(object), "type", json!("Opaque")),
        ("networking.k8s.io", "NetworkPolicy") => {
            network_policy_spec(child(object::ensure_map(object), "spec"));
        }
        _ => {}
    }
}

/// Defaults for an object stored without admission (seeding): the spec
/// defaults, and a Job's selector when it has none.
pub(crate) fn on_seed(resource: &ResourceType, object: &mut Value) {
    if (resource.group, resource.kind) == ("batch", "Job")
        && object.pointer("/spec/selector").is_none_or(Value::is_null)
    {
        let name = object::name(object).to_string();
        let uid = object::uid(object).to_string();
        job_selector(object, &name, &uid);
    }
    apply(resource, object);
}

fn child<'a>(map: &'a mut Map<String, Value>, field: &str) -> &'a mut Map<String, Value> {
    object::ensure_map(map.entry(field).or_insert(Value::Null))
}

/// Job counts and modes, as kube-apiserver 1.33 defaults them.
fn job_spec(spec: &mut Map<String, Value>) {
    let unset = |spec: &Map<String, Value>, field: &str| spec.get(field).is_none_or(Value::is_null);
    if unset(spec, "completions") && unset(spec, "parallelism") {
        spec.insert("completions".into(), json!(1));
    }
    fill(spec, "parallelism", json!(1));
    if unset(spec, "backoffLimitPerIndex") {
        fill(spec, "backoffLimit", json!(6));
    } else {
        fill(spec, "backoffLimit", json!(i32::MAX));
    }
    fill(spec, "completionMode", json!("NonIndexed"));
    fill(spec, "suspend", json!(false));
    let replacement = if unset(spec, "podFailurePolicy") {
        "TerminatingOrFailed"
    } else {
        "Failed"
    };
    fill(spec, "podReplacementPolicy", json!(replacement));
    // A Job's restart policy must be chosen (Never or OnFailure): not defaulted.
    pod_defaults::template(spec, None);
}

fn deployment_spec(spec: &mut Map<String, Value>) {
    fill(spec, "replicas", json!(1));
    fill(spec, "revisionHistoryLimit", json!(10));
    fill(spec, "progressDeadlineSeconds", json!(600));
    let strategy = child(spec, "strategy");
    fill(strategy, "type", json!("RollingUpdate"));
    if strategy.get("type").and_then(Value::as_str) == Some("RollingUpdate") {
        let rolling = child(strategy, "rollingUpdate");
        fill(rolling, "maxUnavailable", json!("25%"));
        fill(rolling, "maxSurge", json!("25%"));
    }
    pod_defaults::template(spec, Some("Always"));
}

/// A stable cluster IP in 10.96.0.0/16 for a Service.
fn cluster_ip(namespace: &str, name: &str) -> String {
    let hash = format!("{namespace}/{name}")
        .bytes()
        .fold(2_166_136_261_u32, |h, b| {
            (h ^ u32::from(b)).wrapping_mul(16_777_619)
        });
    let [_, _, third, fourth] = hash.to_be_bytes();
    format!("10.96.{third}.{}", fourth.max(2))
}

fn service_spec(spec: &mut Map<String, Value>, namespace: &str, name: &str) {
    fill(spec, "type", json!("ClusterIP"));
    fill(spec, "sessionAffinity", json!("None"));
    let external_name = spec.get("type").and_then(Value::as_str) == Some("ExternalName");
    if !external_name {
        fill(spec, "clusterIP", json!(cluster_ip(namespace, name)));
        let ip = spec.get("clusterIP").cloned().unwrap_or(Value::Null);
        fill(spec, "clusterIPs", json!([ip]));
        fill(spec, "internalTrafficPolicy", json!("Cluster"));
        fill(spec, "ipFamilies", json!(["IPv4"]));
        fill(spec, "ipFamilyPolicy", json!("SingleStack"));
    }
    if let Some(ports) = spec.get_mut("ports").and_then(Value::as_array_mut) {
        for port in ports {
            let port = object::ensure_map(port);
            fill(port, "protocol", json!("TCP"));
            let number = port.get("port").cloned().unwrap_or(Value::Null);
            fill(port, "targetPort", number);
        }
    }
}

fn network_policy_spec(spec: &mut Map<String, Value>) {
    let mut types = vec![json!("Ingress")];
    if spec.get("egress").is_some_and(|e| !e.is_null()) {
        types.push(json!("Egress"));
    }
    fill(spec, "policyTypes", Value::Array(types));
    for direction in ["ingress", "egress"] {
        let rules = spec.get_mut(direction).and_then(Value::as_array_mut);
        for rule in rules.into_iter().flatten() {
            let ports = rule.get_mut("ports").and_then(Value::as_array_mut);
            for port in ports.into_iter().flatten() {
                fill(object::ensure_map(port), "protocol", json!("TCP"));
            }
        }
    }
}

/// The selector on the controller uid and the template's controller labels
/// (unless `manualSelector`), then, for a Job without labels, the template's
/// labels (as the API server shows them on read).
fn job_selector(job: &mut Value, name: &str, uid: &str) {
    let spec = child(object::ensure_map(job), "spec");
    let manual = spec.get("manualSelector").and_then(Value::as_bool) == Some(true);
    if !manual {
        spec.insert(
            "selector".into(),
            json!({"matchLabels": {"batch.kubernetes.io/controller-uid": uid}}),
        );
        let labels = child(child(child(spec, "template"), "metadata"), "labels");
        for (key, value) in [
            ("batch.kubernetes.io/controller-uid", uid),
            ("batch.kubernetes.io/job-name", name),
            ("controller-uid", uid),
            ("job-name", name),
        ] {
            labels.insert(key.into(), json!(value));
        }
    }
    let template_labels = job
        .pointer("/spec/template/metadata/labels")
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default();
    let has_labels = job
        .pointer("/metadata/labels")
        .and_then(Value::as_object)
        .is_some_and(|labels| !labels.is_empty());
    if !has_labels && !template_labels.is_empty() {
        object::metadata_mut(job).insert("labels".into(), Value::Object(template_labels));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sandbox::api::resource::{self, JOBS, PODS};

    #[test]
    fn jobs_get_a_selector_on_their_uid() {
        let mut job = json!({"metadata": {"name": "inv-1", "uid": "u-1"}, "spec": {"template": {"metadata": {"labels": {"app": "agent"}}}}, "status": {"active": 9}});
        on_create(resource::get(JOBS), &mut job);
        assert_eq!(
            job["spec"]["selector"]["matchLabels"]["batch.kubernetes.io/controller-uid"],
            "u-1"
        );
        assert_eq!(
            job["spec"]["template"]["metadata"]["labels"]["job-name"],
            "inv-1"
        );
        assert_eq!(job["metadata"]["labels"]["app"], "agent");
        assert_eq!(job["metadata"]["labels"]["job-name"], "inv-1");
        assert_eq!(job["spec"]["completions"], 1);
        assert!(job.get("status").is_none());
        assert_eq!(job["spec"]["parallelism"], 1);
        assert_eq!(job["spec"]["backoffLimit"], 6);
        assert_eq!(job["spec"]["completionMode"], "NonIndexed");
        assert_eq!(job["spec"]["suspend"], false);
        assert_eq!(job["spec"]["podReplacementPolicy"], "TerminatingOrFailed");
        assert!(job["spec"].get("manualSelector").is_none());
    }

    #[test]
    fn deployments_and_services_get_their_server_defaults() {
        let deployments = resource::get(resource::lookup("apps", "v1", "deployments").unwrap());
        let mut deployment = json!({"metadata": {"name": "shop", "namespace": "n"},
            "spec": {"template": {"spec": {"containers": [{"name": "a", "image": "shop:1"}]}}}});
        apply(deployments, &mut deployment);
        assert_eq!(deployment["spec"]["replicas"], 1);
        assert_eq!(
            deployment["spec"]["strategy"]["rollingUpdate"]["maxSurge"],
            "25%"
        );
        assert_eq!(deployment["spec"]["revisionHistoryLimit"], 10);
        assert_eq!(deployment["spec"]["progressDeadlineSeconds"], 600);
        assert_eq!(
            deployment["spec"]["template"]["spec"]["restartPolicy"],
            "Always"
        );
        let services = resource::get(resource::lookup("", "v1", "services").unwrap());
        let mut service = json!({"metadata": {"name": "shop", "namespace": "n"},
            "spec": {"ports": [{"port": 80}]}});
        apply(services, &mut service);
        assert_eq!(service["spec"]["type"], "ClusterIP");
        assert_eq!(service["spec"]["sessionAffinity"], "None");
        assert_eq!(service["spec"]["ports"][0]["targetPort"], 80);
        assert!(
            service["spec"]["clusterIP"]
                .as_str()
                .unwrap()
                .starts_with("10.96.")
        );
        let once = service.clone();
        apply(services, &mut service);
        assert_eq!(service, once);
    }

    #[test]
    fn pods_start_pending() {
        let mut pod = json!({"metadata": {"name": "p"}, "status": {"phase": "Running"}});
        on_create(resource::get(PODS), &mut pod);
        assert_eq!(pod["status"], json!({"phase": "Pending"}));
    }
}
