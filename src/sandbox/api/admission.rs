//! Turning a request body into the object to store: defaults on create,
//! preconditions and the status-subresource split on update, generation.

use super::defaults;
use super::object::{self, ObjectKey};
use super::resource::ResourceType;
use super::status::StatusError;
use super::validation;
use serde_json::{Value, json};

/// Checks that the body's `apiVersion`/`kind` (when given) match the URL, and fills them in.
fn stamp_type(resource: &ResourceType, object: &mut Value) -> Result<(), StatusError> {
    let expected_version = resource.api_version();
    let map = object::ensure_map(object);
    if let Some(version) = map.get("apiVersion").and_then(Value::as_str)
        && version != expected_version
    {
        return Err(StatusError::bad_request(format!(
            "the API version in the data ({version}) does not match the expected API version ({expected_version})"
        )));
    }
    if let Some(kind) = map.get("kind").and_then(Value::as_str)
        && kind != resource.kind
    {
        return Err(StatusError::bad_request(format!(
            "the kind in the data ({kind}) does not match the expected kind ({})",
            resource.kind
        )));
    }
    map.insert("apiVersion".into(), json!(expected_version));
    map.insert("kind".into(), json!(resource.kind));
    Ok(())
}

/// Checks the body's namespace against the URL's and fills it in.
fn stamp_namespace(
    resource: &ResourceType,
    namespace: &str,
    object: &mut Value,
) -> Result<(), StatusError> {
    let metadata = object::metadata_mut(object);
    if !resource.namespaced {
        metadata.remove("namespace");
        return Ok(());
    }
    let given = metadata
        .get("namespace")
        .and_then(Value::as_str)
        .unwrap_or("");
    if !given.is_empty() && given != namespace {
        return Err(StatusError::bad_request(
            "the namespace of the provided object does not match the namespace sent on the request",
        ));
    }
    metadata.insert("namespace".into(), json!(namespace));
    Ok(())
}

/// The object a create stores: name, uid, timestamps, generation, reset status.
pub(crate) fn prepare_create(
    resource: &ResourceType,
    namespace: &str,
    mut object: Value,
) -> Result<Value, StatusError> {
    if !object.is_object() {
        return Err(StatusError::bad_request("the body must be a JSON object"));
    }
    stamp_type(resource, &mut object)?;
    stamp_namespace(resource, namespace, &mut object)?;
    let metadata = object::metadata_mut(&mut object);
    let mut name = metadata
        .get("name")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_string();
    if name.is_empty() {
        let prefix = metadata
            .get("generateName")
            .and_then(Value::as_str)
            .unwrap_or("");
        if prefix.is_empty() {
            return Err(StatusError::invalid(
                resource,
                "",
                "metadata.name",
                "Required value: name or generateName is required",
            ));
        }
        name = format!("{prefix}{}", object::name_suffix());
    }
    if !valid_name(&name) {
        return Err(StatusError::invalid(
            resource,
            &name,
            "metadata.name",
            format!(
                "Invalid value: {name:?}: a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.'"
            ),
        ));
    }
    metadata.insert("name".into(), json!(name));
    metadata.insert("uid".into(), json!(object::new_uid()));
    metadata.insert("creationTimestamp".into(), json!(object::now_rfc3339()));
    metadata.insert("generation".into(), json!(1));
    metadata.remove("resourceVersion");
    metadata.remove("deletionTimestamp");
    metadata.remove("deletionGracePeriodSeconds");
    defaults::on_create(resource, &mut object);
    validation::validate(resource, None, &object)?;
    Ok(object)
}

fn valid_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 253
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '.')
        && name.starts_with(|c: char| c.is_ascii_alphanumeric())
        && name.ends_with(|c: char| c.is_ascii_alphanumeric())
}

/// Which part of an object a write may change.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Part {
    /// The main resource: everything but `.status` when the resource has a status subresource.
    Main,
    /// The `/status` subresource: only `.status`.
    Status,
}

/// The object an update or patch stores, given the stored one and the one sent.
pub(crate) fn prepare_update(
    resource: &ResourceType,
    key: &ObjectKey,
    old: &Value,
    mut new: Value,
    part: Part,
) -> Result<Value, StatusError> {
    if !new.is_object() {
        return Err(StatusError::bad_request("the body must be a JSON object"));
    }
    stamp_type(resource, &mut new)?;
    let given_name = object::name(&new);
    if !given_name.is_empty() && given_name != key.name {
        return Err(StatusError::bad_request(format!(
            "the name of the object ({given_name}) does not match the name on the URL ({})",
            key.name
        )));
    }
    stamp_namespace(resource, &key.namespace, &mut new)?;
    let sent_version = object::resource_version(&new);
    if !sent_version.is_empty() && sent_version != object::resource_version(old) {
        return Err(StatusError::conflict(resource, &key.name));
    }
    let sent_uid = object::uid(&new);
    if !sent_uid.is_empty() && sent_uid != object::uid(old) {
        return Err(StatusError::conflict(resource, &key.name));
    }
    let mut result = match part {
        Part::Status => {
            let mut result = old.clone();
            let map = object::ensure_map(&mut result);
            match new.get("status") {
                Some(status) => map.insert("status".into(), status.clone()),
                None => map.remove("status"),
            };
            result
        }
        Part::Main => {
            if resource.has_status {
                let map = object::ensure_map(&mut new);
                match old.get("status") {
                    Some(status) => map.insert("status".into(), status.clone()),
                    None => map.remove("status"),
                };
            }
            new
        }
    };
    defaults::apply(resource, &mut result);
    let generation = old
        .pointer("/metadata/generation")
        .and_then(Value::as_i64)
        .unwrap_or(1);
    let bumped = if object::desired_state(old) == object::desired_state(&result) {
        generation
    } else {
        generation + 1
    };
    let metadata = object::metadata_mut(&mut result);
    for field in [
        "uid",
        "creationTimestamp",
        "deletionTimestamp",
        "namespace",
        "name",
    ] {
        match old.get("metadata").and_then(|m| m.get(field)) {
            Some(value) => metadata.insert(field.into(), value.clone()),
            None => metadata.remove(field),
        };
    }
    metadata.insert("generation".into(), json!(bumped));
    metadata.remove("resourceVersion");
    validation::validate(resource, Some(old), &result)?;
    Ok(result)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sandbox::api::resource::{self, JOBS};

    fn stored_job() -> Value {
        json!({"apiVersion": "batch/v1", "kind": "Job",
            "metadata": {"name": "j", "namespace": "p", "uid": "u", "resourceVersion": "7", "generation": 1, "creationTimestamp": "2024-01-01T00:00:00Z"},
            "spec": {"suspend": false}, "status": {"active": 1}})
    }

    #[test]
    fn status_subresource_ignores_spec_and_main_ignores_status() {
        let jobs = resource::get(JOBS);
        let key = ObjectKey::new("p", "j");
        let mut sent = stored_job();
        sent["spec"]["suspend"] = json!(true);
        sent["status"]["active"] = json!(0);
        let via_status =
            prepare_update(jobs, &key, &stored_job(), sent.clone(), Part::Status).unwrap();
        assert_eq!(via_status["spec"]["suspend"], false);
        assert_eq!(via_status["status"]["active"], 0);
        let via_main = prepare_update(jobs, &key, &stored_job(), sent, Part::Main).unwrap();
        assert_eq!(via_main["spec"]["suspend"], true);
        assert_eq!(via_main["status"]["active"], 1);
        assert_eq!(via_main["metadata"]["generation"], 2);
    }

    #[test]
    fn stale_resource_version_conflicts() {
        let mut sent = stored_job();
        sent["metadata"]["resourceVersion"] = json!("6");
        let err = prepare_update(
            resource::get(JOBS),
            &ObjectKey::new("p", "j"),
            &stored_job(),
            sent,
            Part::Main,
        )
        .unwrap_err();
        assert_eq!(err.code, 409);
    }

    #[test]
    fn create_generates_names_and_resets_status() {
        let job = json!({"metadata": {"generateName": "inv-"}, "status": {"active": 3}});
        let created = prepare_create(resource::get(JOBS), "p", job).unwrap();
        assert!(object::name(&created).starts_with("inv-"));
        assert_eq!(object::name(&created).len(), 9);
        assert_eq!(created["metadata"]["namespace"], "p");
        assert_eq!(created["kind"], "Job");
        assert!(created.get("status").is_none());
        let nameless = prepare_create(resource::get(JOBS), "p", json!({"metadata": {}}));
        assert_eq!(nameless.unwrap_err().code, 422);
    }
}
