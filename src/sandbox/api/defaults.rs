//! What the real API server fills in when an object is created: a pod starts
//! Pending, a namespace Active, a Job gets its selector, pod-template labels
//! and default counts; other status is reset (written only via `/status`).

use super::object;
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
            let map = object::ensure_map(object);
            map.insert("status".into(), json!({"phase": "Active"}));
            map.insert("spec".into(), json!({"finalizers": ["kubernetes"]}));
            let labels = child(object::metadata_mut(object), "labels");
            labels.insert("kubernetes.io/metadata.name".into(), json!(name));
        }
        ("batch", "jobs") => {
            object::ensure_map(object).remove("status");
            job(object, &name, &uid);
        }
        _ if resource.has_status => {
            object::ensure_map(object).remove("status");
        }
        _ => {}
    }
}

fn child<'a>(map: &'a mut Map<String, Value>, field: &str) -> &'a mut Map<String, Value> {
    object::ensure_map(map.entry(field).or_insert(Value::Null))
}

/// The Job defaults: counts, labels copied from the template, and (unless
/// `manualSelector`) a selector on the controller uid stamped into the template.
fn job(job: &mut Value, name: &str, uid: &str) {
    let spec = child(object::ensure_map(job), "spec");
    if !spec.contains_key("completions") && !spec.contains_key("parallelism") {
        spec.insert("completions".into(), json!(1));
        spec.insert("parallelism".into(), json!(1));
    }
    spec.entry("backoffLimit").or_insert(json!(6));
    spec.entry("completionMode").or_insert(json!("NonIndexed"));
    spec.entry("suspend").or_insert(json!(false));
    let manual = spec.get("manualSelector").and_then(Value::as_bool) == Some(true);
    let template_labels = child(child(child(spec, "template"), "metadata"), "labels").clone();
    let job_labels = child(object::metadata_mut(job), "labels");
    if job_labels.is_empty() {
        job_labels.extend(template_labels);
    }
    if manual {
        return;
    }
    let spec = child(object::ensure_map(job), "spec");
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
        assert_eq!(job["metadata"]["labels"], json!({"app": "agent"}));
        assert_eq!(job["spec"]["completions"], 1);
        assert!(job.get("status").is_none());
    }

    #[test]
    fn pods_start_pending() {
        let mut pod = json!({"metadata": {"name": "p"}, "status": {"phase": "Running"}});
        on_create(resource::get(PODS), &mut pod);
        assert_eq!(pod["status"], json!({"phase": "Pending"}));
    }
}
