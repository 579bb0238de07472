//! The `/scale` subresource of Deployments and ReplicaSets: an
//! `autoscaling/v1` Scale read from and written to `spec.replicas`, as
//! `kubectl scale` uses it.

use super::admission::{self, Part};
use super::call::{Call, json_reply};
use super::object;
use super::patch;
use super::resource::ResourceType;
use super::status::StatusError;
use axum::response::Response;
use http::StatusCode;
use serde_json::{Value, json};
use std::sync::Arc;

/// Whether `resource` has a `/scale` subresource.
pub(crate) fn is_scalable(resource: &ResourceType) -> bool {
    matches!(
        (resource.group, resource.plural),
        ("apps", "deployments" | "replicasets")
    )
}

/// The Scale of `object`.
fn scale_of(object: &Value) -> Value {
    let selector = object
        .pointer("/spec/selector/matchLabels")
        .and_then(Value::as_object)
        .map(|labels| {
            labels
                .iter()
                .map(|(k, v)| format!("{k}={}", v.as_str().unwrap_or("")))
                .collect::<Vec<_>>()
                .join(",")
        })
        .unwrap_or_default();
    json!({
        "apiVersion": "autoscaling/v1",
        "kind": "Scale",
        "metadata": {
            "name": object::name(object),
            "namespace": object::namespace(object),
            "uid": object::uid(object),
            "resourceVersion": object::resource_version(object),
            "creationTimestamp": object.pointer("/metadata/creationTimestamp").cloned().unwrap_or(Value::Null),
        },
        "spec": {"replicas": object.pointer("/spec/replicas").and_then(Value::as_i64).unwrap_or(1)},
        "status": {
            "replicas": object.pointer("/status/replicas").and_then(Value::as_i64).unwrap_or(0),
            "selector": selector,
        },
    })
}

fn reply(code: StatusCode, scale: &Value) -> Response {
    json_reply(code, scale.to_string().into())
}

/// GET of a Scale.
pub(crate) fn get(call: &Call) -> Result<Response, StatusError> {
    let key = call.key()?;
    let state = call.inner.store.read();
    let object = state
        .get(call.path.resource, &key)
        .ok_or_else(|| StatusError::not_found(call.resource, &key.name))?;
    Ok(reply(StatusCode::OK, &scale_of(&object)))
}

/// PUT or PATCH of a Scale: the new `spec.replicas` of the object.
pub(crate) fn write(call: &Call, is_patch: bool) -> Result<Response, StatusError> {
    let key = call.key()?;
    let mut state = call.inner.store.write();
    let old: Arc<Value> = state
        .get(call.path.resource, &key)
        .ok_or_else(|| StatusError::not_found(call.resource, &key.name))?;
    let current = scale_of(&old);
    let wanted = if is_patch {
        let kind = patch::PatchKind::from_content_type(&call.content_type)
            .ok_or_else(|| StatusError::unsupported_media_type(&call.content_type))?;
        let body = patch::decode(kind, &call.body)?;
        patch::apply(&current, &body)
            .map_err(|failure| StatusError::invalid(call.resource, &key.name, "", failure.0))?
    } else {
        call.body_object()?
    };
    let sent_version = object::resource_version(&wanted);
    if !sent_version.is_empty() && sent_version != object::resource_version(&old) {
        return Err(StatusError::conflict(call.resource, &key.name));
    }
    let replicas = wanted
        .pointer("/spec/replicas")
        .and_then(Value::as_i64)
        .filter(|r| *r >= 0)
        .ok_or_else(|| {
            StatusError::invalid(
                call.resource,
                &key.name,
                "spec.replicas",
                "Invalid value: must be greater than or equal to 0",
            )
        })?;
    let mut new = (*old).clone();
    new["spec"]["replicas"] = json!(replicas);
    let mut new = admission::prepare_update(call.resource, &key, &old, new, Part::Main)?;
    if new != *old {
        super::managed::stamp(call, Some(&old), &mut new, Part::Main, false);
    }
    let stored = if call.dry_run() {
        let mut preview = new;
        object::metadata_mut(&mut preview).insert(
            "resourceVersion".into(),
            json!(object::resource_version(&old)),
        );
        Arc::new(preview)
    } else {
        let mut unchanged = (*old).clone();
        object::metadata_mut(&mut unchanged).remove("resourceVersion");
        if unchanged == new {
            old.clone()
        } else {
            state.put(call.path.resource, new)
        }
    };
    drop(state);
    Ok(reply(StatusCode::OK, &scale_of(&stored)))
}
