//! One resource request, decoded: who sent it, what it addresses, its query,
//! the representation it wants and its body; plus reply helpers.

use super::Inner;
use super::auth::User;
use super::object::ObjectKey;
use super::patch;
use super::path::ResourcePath;
use super::protobuf;
use super::representation::{self, Representation};
use super::resource::ResourceType;
use super::status::StatusError;
use axum::body::Body;
use axum::response::Response;
use bytes::Bytes;
use http::{StatusCode, header};
use serde_json::Value;
use std::collections::HashMap;
use std::sync::Arc;

/// A decoded resource request.
pub(crate) struct Call {
    /// The server.
    pub inner: Arc<Inner>,
    /// The authenticated user.
    pub user: User,
    /// What the path addresses.
    pub path: ResourcePath,
    /// The addressed resource type.
    pub resource: &'static ResourceType,
    /// Query parameters (the last value wins).
    pub query: HashMap<String, String>,
    /// The representation the client accepts.
    pub repr: Representation,
    /// The request's `Content-Type`.
    pub content_type: String,
    /// The request body.
    pub body: Bytes,
}

impl Call {
    /// The namespace in the path, or empty.
    pub fn namespace(&self) -> &str {
        self.path.namespace.as_deref().unwrap_or("")
    }

    /// The addressed object's key; 404 when the path names no object.
    pub fn key(&self) -> Result<ObjectKey, StatusError> {
        let name = self
            .path
            .name
            .as_deref()
            .ok_or_else(StatusError::no_route)?;
        if self.resource.namespaced && self.path.namespace.is_none() {
            return Err(StatusError::no_route());
        }
        Ok(ObjectKey::new(self.namespace(), name))
    }

    /// A query parameter.
    pub fn param(&self, name: &str) -> Option<&str> {
        self.query.get(name).map(String::as_str)
    }

    /// A boolean query parameter (`true` or `1`).
    pub fn flag(&self, name: &str) -> bool {
        matches!(self.param(name), Some("true" | "1"))
    }

    /// A numeric query parameter; 400 when it is not a number.
    pub fn number(&self, name: &str) -> Result<Option<i64>, StatusError> {
        self.param(name)
            .filter(|v| !v.is_empty())
            .map(|v| {
                v.parse::<i64>()
                    .map_err(|_| StatusError::bad_request(format!("invalid {name}: {v:?}")))
            })
            .transpose()
    }

    /// Whether `dryRun=All` was asked for.
    pub fn dry_run(&self) -> bool {
        self.param("dryRun") == Some("All")
    }

    /// The body as JSON (or YAML); 400 when it is neither.
    pub fn body_object(&self) -> Result<Value, StatusError> {
        if self.content_type.contains("protobuf") && !self.resource.stored {
            return protobuf::decode_review(&self.body)
                .ok_or_else(|| StatusError::bad_request("malformed protobuf review"));
        }
        if self.content_type.contains("protobuf") || self.content_type.contains("cbor") {
            return Err(StatusError::unsupported_media_type(&self.content_type));
        }
        patch::parse_yaml_or_json(&self.body)
            .map_err(|e| StatusError::bad_request(format!("error decoding body: {e}")))
    }

    /// A reply carrying one object in the requested representation.
    pub fn reply_object(&self, code: StatusCode, object: &Value) -> Response {
        let rendered = representation::render_object(self.repr, self.resource, object);
        json_reply(code, rendered.to_string().into())
    }
}

/// A JSON reply.
pub(crate) fn json_reply(code: StatusCode, body: Bytes) -> Response {
    let mut response = Response::new(Body::from(body));
    *response.status_mut() = code;
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        header::HeaderValue::from_static("application/json"),
    );
    response
}
