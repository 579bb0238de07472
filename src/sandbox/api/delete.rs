//! DELETE of one object or a collection, with garbage collection.

use super::call::{Call, json_reply};
use super::gc::{self, Propagation};
use super::object::{self, ObjectKey};
use super::read::Filter;
use super::representation;
use super::resource::{self, PODS, ResourceId};
use super::status::{self, StatusError};
use axum::response::Response;
use http::{HeaderValue, StatusCode};
use serde_json::Value;
use std::sync::Arc;

/// The warning a real API server sends when a Job's pods are kept.
const JOB_ORPHAN_WARNING: &str = "299 - \"child pods are preserved by default when jobs are deleted; set propagationPolicy=Background to remove them\"";

/// The options a delete carries in its body and query.
struct DeleteOptions {
    propagation: Propagation,
    /// Whether the policy was left to the resource's default.
    defaulted: bool,
    uid: Option<String>,
    resource_version: Option<String>,
    dry_run: bool,
}

fn options(call: &Call) -> Result<DeleteOptions, StatusError> {
    let body: Value = if call.body.is_empty() {
        Value::Null
    } else {
        call.body_object()?
    };
    let text = |pointer: &str| {
        body.pointer(pointer)
            .and_then(Value::as_str)
            .map(str::to_string)
    };
    let named =
        text("/propagationPolicy").or_else(|| call.param("propagationPolicy").map(str::to_string));
    let orphan_flag = body.get("orphanDependents").and_then(Value::as_bool);
    let (propagation, defaulted) = match (named, orphan_flag) {
        (Some(name), _) => (
            Propagation::parse(&name).ok_or_else(|| {
                StatusError::bad_request(format!("invalid propagationPolicy {name:?}"))
            })?,
            false,
        ),
        (None, Some(true)) => (Propagation::Orphan, false),
        (None, Some(false)) => (Propagation::Background, false),
        // batch/v1 Jobs orphan their pods by default, for backward compatibility.
        (None, None) if call.path.resource == resource::JOBS => (Propagation::Orphan, true),
        (None, None) => (Propagation::Background, true),
    };
    let dry_run = call.dry_run()
        || body
            .get("dryRun")
            .and_then(Value::as_array)
            .is_some_and(|d| d.iter().any(|v| v == "All"));
    Ok(DeleteOptions {
        propagation,
        defaulted,
        uid: text("/preconditions/uid"),
        resource_version: text("/preconditions/resourceVersion"),
        dry_run,
    })
}

fn forget_logs(call: &Call, deleted: &[(ResourceId, Arc<Value>)]) {
    for (resource, object) in deleted {
        if *resource == PODS {
            call.inner.logs.remove(&object::key(object));
        }
    }
}

/// DELETE of one object.
pub(crate) fn delete(call: &Call) -> Result<Response, StatusError> {
    if call.path.subresource.is_some() {
        return Err(StatusError::method_not_allowed(
            "DELETE",
            "this subresource",
        ));
    }
    let key = call.key()?;
    let options = options(call)?;
    let deleted = {
        let mut state = call.inner.store.write();
        let current = state
            .get(call.path.resource, &key)
            .ok_or_else(|| StatusError::not_found(call.resource, &key.name))?;
        let stale_uid = options
            .uid
            .as_deref()
            .is_some_and(|u| u != object::uid(&current));
        let stale_version = options
            .resource_version
            .as_deref()
            .is_some_and(|v| v != object::resource_version(&current));
        if stale_uid || stale_version {
            return Err(StatusError::conflict(call.resource, &key.name));
        }
        if options.dry_run {
            return Ok(call.reply_object(StatusCode::OK, &current));
        }
        gc::delete(&mut state, call.path.resource, &key, options.propagation)
    };
    forget_logs(call, &deleted);
    let details = deleted
        .first()
        .map(|(_, object)| gc::deleted_details(call.resource.group, call.resource.plural, object))
        .unwrap_or_default();
    let mut response = json_reply(StatusCode::OK, status::success(details).to_string().into());
    if options.defaulted && call.path.resource == resource::JOBS {
        response
            .headers_mut()
            .insert("Warning", HeaderValue::from_static(JOB_ORPHAN_WARNING));
    }
    Ok(response)
}

/// DELETE of a collection (with label and field selectors).
pub(crate) fn delete_collection(call: &Call) -> Result<Response, StatusError> {
    let options = options(call)?;
    let filter = Filter::from_call(call)?;
    let keys: Vec<ObjectKey> = {
        let state = call.inner.store.read();
        state
            .table(call.path.resource)
            .range(filter.namespace.as_deref(), None)
            .filter(|(_, object)| filter.matches(object))
            .map(|(key, _)| key.clone())
            .collect()
    };
    let mut removed = Vec::new();
    if !options.dry_run {
        let mut state = call.inner.store.write();
        for key in &keys {
            let deleted = gc::delete(&mut state, call.path.resource, key, options.propagation);
            removed.extend(deleted);
        }
    }
    forget_logs(call, &removed);
    let items: Vec<Arc<Value>> = removed
        .iter()
        .filter(|(resource, _)| *resource == call.path.resource)
        .map(|(_, object)| object.clone())
        .collect();
    let revision = call.inner.store.read().revision;
    let body = representation::render_list(call.repr, call.resource, &items, revision, None, None)
        .map_err(|e| StatusError::internal(e.to_string()))?;
    Ok(json_reply(StatusCode::OK, body.into()))
}
