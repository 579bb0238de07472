//! Turning a request path into what it addresses.

use super::resource::{self, ResourceId};

/// What a request path addresses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Route {
    /// `/version`.
    Version,
    /// `/healthz`, `/livez`, `/readyz`.
    Health,
    /// `/api`: the core API versions.
    CoreVersions,
    /// `/apis`: the API groups.
    Groups,
    /// `/apis/{group}`.
    Group(String),
    /// `/api/v1` or `/apis/{group}/{version}`: the resource list.
    GroupVersion(String, String),
    /// `/openapi/v2`: the Swagger 2.0 document.
    OpenApiV2,
    /// `/openapi/v3`: the index of OpenAPI documents.
    OpenApiIndex,
    /// `/openapi/v3/api/v1` or `/openapi/v3/apis/{group}/{version}`.
    OpenApi(String, String),
    /// A resource collection, object or subresource.
    Resource(ResourcePath),
}

/// A path that addresses resources.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ResourcePath {
    /// The resource type.
    pub resource: ResourceId,
    /// The namespace in the path, if any.
    pub namespace: Option<String>,
    /// The object name, if the path names one.
    pub name: Option<String>,
    /// The subresource, such as `status` or `log`.
    pub subresource: Option<String>,
}

/// Parses a path; `None` when the server serves nothing there.
pub(crate) fn parse(path: &str) -> Option<Route> {
    let segments: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
    match segments.as_slice() {
        ["version"] => Some(Route::Version),
        ["healthz" | "livez" | "readyz", ..] => Some(Route::Health),
        ["api"] => Some(Route::CoreVersions),
        ["apis"] => Some(Route::Groups),
        ["api", "v1"] => Some(Route::GroupVersion(String::new(), "v1".into())),
        ["apis", group] => Some(Route::Group((*group).to_string())),
        ["apis", group, version] => Some(Route::GroupVersion(
            (*group).to_string(),
            (*version).to_string(),
        )),
        ["openapi", "v2"] => Some(Route::OpenApiV2),
        ["openapi", "v3"] => Some(Route::OpenApiIndex),
        ["openapi", "v3", "api", "v1"] => Some(Route::OpenApi(String::new(), "v1".into())),
        ["openapi", "v3", "apis", group, version] => {
            Some(Route::OpenApi((*group).to_string(), (*version).to_string()))
        }
        ["api", "v1", rest @ ..] => resource_path("", "v1", rest).map(Route::Resource),
        ["apis", group, version, rest @ ..] => {
            resource_path(group, version, rest).map(Route::Resource)
        }
        _ => None,
    }
}

fn resource_path(group: &str, version: &str, rest: &[&str]) -> Option<ResourcePath> {
    if let ["namespaces", namespace, plural, tail @ ..] = rest
        && let Some(id) = resource::lookup(group, version, plural)
        && resource::get(id).namespaced
    {
        return item(id, Some(namespace), tail);
    }
    let (plural, tail) = rest.split_first()?;
    let id = resource::lookup(group, version, plural)?;
    item(id, None, tail)
}

fn item(resource: ResourceId, namespace: Option<&str>, tail: &[&str]) -> Option<ResourcePath> {
    let (name, subresource) = match tail {
        [] => (None, None),
        [name] => (Some(*name), None),
        [name, subresource] => (Some(*name), Some(*subresource)),
        _ => return None,
    };
    Some(ResourcePath {
        resource,
        namespace: namespace.map(str::to_string),
        name: name.map(str::to_string),
        subresource: subresource.map(str::to_string),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sandbox::api::resource::{JOBS, NAMESPACES, PODS};

    fn resource(path: &str) -> ResourcePath {
        match parse(path) {
            Some(Route::Resource(r)) => r,
            other => panic!("{path}: {other:?}"),
        }
    }

    #[test]
    fn namespaced_paths() {
        let r = resource("/apis/batch/v1/namespaces/p/jobs/j");
        assert_eq!(
            (r.resource, r.namespace.as_deref(), r.name.as_deref()),
            (JOBS, Some("p"), Some("j"))
        );
        let r = resource("/api/v1/namespaces/p/pods/x/log");
        assert_eq!((r.resource, r.subresource.as_deref()), (PODS, Some("log")));
        let r = resource("/apis/batch/v1/jobs");
        assert_eq!((r.namespace, r.name), (None, None));
    }

    #[test]
    fn namespace_objects_and_their_status() {
        let r = resource("/api/v1/namespaces/payments");
        assert_eq!(
            (r.resource, r.name.as_deref()),
            (NAMESPACES, Some("payments"))
        );
        let r = resource("/api/v1/namespaces/payments/status");
        assert_eq!(
            (r.resource, r.subresource.as_deref()),
            (NAMESPACES, Some("status"))
        );
    }

    #[test]
    fn unknown_paths_are_none() {
        assert_eq!(parse("/apis/networking.k8s.io/v1/ingresses"), None);
        assert_eq!(parse("/metrics"), None);
        assert_eq!(
            parse("/apis/batch/v1"),
            Some(Route::GroupVersion("batch".into(), "v1".into()))
        );
    }
}
