//! PUT and PATCH: changing an object or its `/status`.

use super::admission::{self, Part};
use super::call::Call;
use super::object::{self, ObjectKey};
use super::patch::{self, PatchBody, PatchKind};
use super::status::StatusError;
use super::store::State;
use axum::response::Response;
use http::StatusCode;
use serde_json::Value;
use std::sync::Arc;

/// Which part of the object the path writes.
fn part(call: &Call) -> Result<Part, StatusError> {
    match call.path.subresource.as_deref() {
        None => Ok(Part::Main),
        Some("status") if call.resource.has_status => Ok(Part::Status),
        Some(_) => Err(StatusError::no_route()),
    }
}

/// Stores `new` unless it changes nothing (a no-op write keeps the
/// resourceVersion and sends no watch event, as on a real server).
fn store_unless_unchanged(
    state: &mut State,
    call: &Call,
    old: &Arc<Value>,
    new: Value,
) -> Arc<Value> {
    let mut unchanged = (**old).clone();
    object::metadata_mut(&mut unchanged).remove("resourceVersion");
    if unchanged == new {
        return old.clone();
    }
    state.put(call.path.resource, new)
}

/// PUT of an object or its `/status`.
pub(crate) fn update(call: &Call) -> Result<Response, StatusError> {
    let key = call.key()?;
    let part = part(call)?;
    let sent = call.body_object()?;
    let mut state = call.inner.store.write();
    let old = state
        .get(call.path.resource, &key)
        .ok_or_else(|| StatusError::not_found(call.resource, &key.name))?;
    super::field_validation::check(
        call.resource,
        call.param("fieldValidation"),
        Some(&old),
        &sent,
    )?;
    let mut new = admission::prepare_update(call.resource, &key, &old, sent, part)?;
    stamp_if_changed(call, &old, &mut new, part, false);
    let stored = if call.dry_run() {
        Arc::new(with_version(new, &old))
    } else {
        store_unless_unchanged(&mut state, call, &old, new)
    };
    drop(state);
    Ok(call.reply_object(StatusCode::OK, &stored))
}

/// Records the call's field manager on a write that changes the object.
fn stamp_if_changed(call: &Call, old: &Value, new: &mut Value, part: Part, apply: bool) {
    let mut unchanged = old.clone();
    object::metadata_mut(&mut unchanged).remove("resourceVersion");
    if unchanged != *new {
        super::managed::stamp(call, Some(old), new, part, apply);
    }
}

fn with_version(mut new: Value, old: &Value) -> Value {
    let version = object::resource_version(old).to_string();
    object::metadata_mut(&mut new).insert("resourceVersion".into(), version.into());
    new
}

/// PATCH of an object or its `/status`; server-side apply creates a missing object.
pub(crate) fn patch(call: &Call) -> Result<Response, StatusError> {
    let key = call.key()?;
    let part = part(call)?;
    let kind = PatchKind::from_content_type(&call.content_type)
        .ok_or_else(|| StatusError::unsupported_media_type(&call.content_type))?;
    let body = patch::decode(kind, &call.body)?;
    let mut state = call.inner.store.write();
    let Some(old) = state.get(call.path.resource, &key) else {
        return match (&body, part) {
            (PatchBody::Document(PatchKind::Apply, applied), Part::Main) => {
                apply_create(&mut state, call, &key, applied.clone())
            }
            _ => Err(StatusError::not_found(call.resource, &key.name)),
        };
    };
    let patched = patch::apply(&old, &body)
        .map_err(|failure| StatusError::invalid(call.resource, &key.name, "", failure.0))?;
    super::field_validation::check(
        call.resource,
        call.param("fieldValidation"),
        Some(&old),
        &patched,
    )?;
    let mut new = admission::prepare_update(call.resource, &key, &old, patched, part)?;
    let apply = matches!(kind, PatchKind::Apply);
    stamp_if_changed(call, &old, &mut new, part, apply);
    let stored = if call.dry_run() {
        Arc::new(with_version(new, &old))
    } else {
        store_unless_unchanged(&mut state, call, &old, new)
    };
    drop(state);
    Ok(call.reply_object(StatusCode::OK, &stored))
}

fn apply_create(
    state: &mut State,
    call: &Call,
    key: &ObjectKey,
    mut applied: Value,
) -> Result<Response, StatusError> {
    super::field_validation::check(call.resource, call.param("fieldValidation"), None, &applied)?;
    object::metadata_mut(&mut applied).insert("name".into(), key.name.clone().into());
    let mut object = admission::prepare_create(call.resource, &key.namespace, applied)?;
    super::managed::stamp(call, None, &mut object, Part::Main, true);
    if call.dry_run() {
        return Ok(call.reply_object(StatusCode::CREATED, &object));
    }
    state.ensure_namespace(&key.namespace);
    let stored = state.put(call.path.resource, object);
    Ok(call.reply_object(StatusCode::CREATED, &stored))
}
