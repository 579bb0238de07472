//! The HTTP entry point: authentication, then discovery or a resource verb.

use super::Inner;
use super::auth::Attributes;
use super::call::{Call, json_reply};
use super::path::{self, ResourcePath, Route};
use super::representation;
use super::resource;
use super::status::StatusError;
use super::{
    create, delete, discovery, gnostic, logs, openapi, read, reviews, scale, watch, write,
};
use axum::Router;
use axum::extract::{Request, State};
use axum::response::{IntoResponse, Response};
use http::{Method, StatusCode, header};
use serde_json::Value;
use std::collections::HashMap;
use std::sync::Arc;

/// Largest request body accepted.
const MAX_BODY: usize = 16 * 1024 * 1024;

/// The router serving every path.
pub(crate) fn router(inner: Arc<Inner>) -> Router {
    Router::new().fallback(dispatch).with_state(inner)
}

async fn dispatch(State(inner): State<Arc<Inner>>, request: Request) -> Response {
    match route(inner, request).await {
        Ok(response) => response,
        Err(status) => status.into_response(),
    }
}

fn header_text(request: &Request, name: header::HeaderName) -> String {
    request
        .headers()
        .get(name)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string()
}

fn query(request: &Request) -> HashMap<String, String> {
    axum::extract::Query::<Vec<(String, String)>>::try_from_uri(request.uri())
        .map(|q| q.0.into_iter().collect())
        .unwrap_or_default()
}

fn json_value(value: &Value) -> Response {
    json_reply(StatusCode::OK, value.to_string().into())
}

async fn route(inner: Arc<Inner>, request: Request) -> Result<Response, StatusError> {
    let route = path::parse(request.uri().path());
    if route == Some(Route::Health) {
        return Ok((StatusCode::OK, "ok").into_response());
    }
    let authorization = header_text(&request, header::AUTHORIZATION);
    let user = inner
        .users
        .authenticate(Some(authorization.as_str()).filter(|a| !a.is_empty()))?
        .clone();
    let route = route.ok_or_else(StatusError::no_route)?;
    let resource_path = match route {
        Route::Resource(resource_path) => resource_path,
        discovery_route => {
            if request.method() != Method::GET {
                return Err(StatusError::method_not_allowed(
                    request.method().as_str(),
                    "discovery documents",
                ));
            }
            if discovery_route == Route::OpenApiV2 {
                return Ok(swagger_reply(&header_text(&request, header::ACCEPT)));
            }
            return discovery_reply(&inner, discovery_route);
        }
    };
    let method = request.method().clone();
    let query = query(&request);
    let accept = header_text(&request, header::ACCEPT);
    let content_type = header_text(&request, header::CONTENT_TYPE);
    let body = axum::body::to_bytes(request.into_body(), MAX_BODY)
        .await
        .map_err(|e| StatusError::bad_request(format!("cannot read the request body: {e}")))?;
    let call = Call {
        repr: representation::negotiate(&accept, &query),
        resource: resource::get(resource_path.resource),
        inner,
        user,
        path: resource_path,
        query,
        content_type,
        body,
    };
    let verb = verb(&method, &call)?;
    let attributes = attributes(verb, &call.path, call.resource);
    if !call.user.allows(&attributes) {
        return Err(call.user.forbidden(&attributes));
    }
    if !call.resource.stored {
        return reviews::create(&call);
    }
    match (verb, call.path.subresource.as_deref()) {
        ("get", Some("log")) if call.path.resource == resource::PODS => logs::logs(&call),
        ("get", Some("scale")) => scale::get(&call),
        ("update", Some("scale")) => scale::write(&call, false),
        ("patch", Some("scale")) => scale::write(&call, true),
        ("get", _) => read::get(&call),
        ("list", _) => read::list(&call),
        ("watch", _) => watch::watch(&call),
        ("create", _) => create::create(&call),
        ("update", _) => write::update(&call),
        ("patch", _) => write::patch(&call),
        ("delete", _) => delete::delete(&call),
        ("deletecollection", _) => delete::delete_collection(&call),
        _ => Err(StatusError::no_route()),
    }
}

fn discovery_reply(inner: &Inner, route: Route) -> Result<Response, StatusError> {
    let document = match route {
        Route::Version => discovery::version(),
        Route::CoreVersions => discovery::core_versions(inner.address),
        Route::Groups => discovery::groups(),
        Route::Group(group) => discovery::group(&group)?,
        Route::GroupVersion(group, version) => discovery::resources(&group, &version)?,
        Route::OpenApiIndex => openapi::index(),
        Route::OpenApi(group, version) => {
            openapi::document(&group, &version).ok_or_else(StatusError::no_route)?
        }
        Route::Health | Route::Resource(_) | Route::OpenApiV2 => {
            return Err(StatusError::no_route());
        }
    };
    Ok(json_value(&document))
}

/// `/openapi/v2`: protobuf when asked for (as client-go always does), JSON otherwise.
fn swagger_reply(accept: &str) -> Response {
    if accept.contains("protobuf") {
        let body = openapi::swagger_protobuf();
        return (
            StatusCode::OK,
            [(header::CONTENT_TYPE, gnostic::MEDIA_TYPE)],
            body,
        )
            .into_response();
    }
    json_value(openapi::swagger())
}

/// The RBAC verb of a request.
fn verb(method: &Method, call: &Call) -> Result<&'static str, StatusError> {
    let named = call.path.name.is_some();
    let subresource = call.path.subresource.as_deref();
    if let Some(subresource) = subresource {
        let served = subresource == "status" && call.resource.has_status
            || subresource == "log" && call.path.resource == resource::PODS
            || subresource == "scale" && scale::is_scalable(call.resource);
        if !served {
            return Err(StatusError::no_route());
        }
    }
    Ok(match *method {
        Method::GET if named => "get",
        Method::GET if call.flag("watch") => "watch",
        Method::GET => "list",
        Method::POST if !named => "create",
        Method::PUT if named => "update",
        Method::PATCH if named => "patch",
        Method::DELETE if named => "delete",
        Method::DELETE => "deletecollection",
        _ => {
            return Err(StatusError::method_not_allowed(
                method.as_str(),
                &call.resource.group_resource(),
            ));
        }
    })
}

fn attributes(verb: &str, path: &ResourcePath, kind: &resource::ResourceType) -> Attributes {
    Attributes {
        verb: verb.to_string(),
        group: kind.group.to_string(),
        resource: kind.plural.to_string(),
        subresource: path.subresource.clone().unwrap_or_default(),
        namespace: path.namespace.clone().unwrap_or_default(),
        name: path.name.clone().unwrap_or_default(),
    }
}
