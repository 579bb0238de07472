//! POST: creating an object.

use super::admission;
use super::call::Call;
use super::status::StatusError;
use axum::response::Response;
use http::StatusCode;

/// POST to a collection.
pub(crate) fn create(call: &Call) -> Result<Response, StatusError> {
    if call.path.name.is_some() {
        return Err(StatusError::method_not_allowed("POST", "this subresource"));
    }
    let namespace = call.namespace();
    if call.resource.namespaced && namespace.is_empty() {
        return Err(StatusError::method_not_allowed(
            "POST",
            "a collection across all namespaces",
        ));
    }
    let body = call.body_object()?;
    let directive = call.param("fieldValidation");
    super::field_validation::check(call.resource, directive, None, &body)?;
    let mut object = admission::prepare_create(call.resource, namespace, body)?;
    super::managed::stamp(call, None, &mut object, super::admission::Part::Main, false);
    if call.dry_run() {
        return Ok(call.reply_object(StatusCode::CREATED, &object));
    }
    let stored = {
        let mut state = call.inner.store.write();
        let key = super::object::key(&object);
        if state.contains(call.path.resource, &key) {
            return Err(StatusError::already_exists(call.resource, &key.name));
        }
        state.ensure_namespace(namespace);
        state.put(call.path.resource, object)
    };
    Ok(call.reply_object(StatusCode::CREATED, &stored))
}
