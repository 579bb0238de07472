//! The OpenAPI documents kubectl reads: `/openapi/v3` (one document per
//! group version; `kubectl explain`, and `kubectl apply` asks it whether the
//! server validates fields) and `/openapi/v2` (one Swagger 2.0 document;
//! kubectl validates a `kind: List` against it, see [`super::gnostic`]). Each group version lists its
//! object paths with operations tagged by `x-kubernetes-group-version-kind`;
//! PATCH advertises the `fieldValidation` query parameter, so kubectl leaves
//! validation to the server. The schemas come from [`super::schemas`]: the
//! Kubernetes kinds' own, the kubevigil kinds' CRD schemas, all with
//! `apiVersion`, `kind` and `metadata` (so `kubectl explain` shows them).

use super::resource::{RESOURCES, ResourceType};
use super::schemas::{self, Dialect};
use serde_json::{Map, Value, json};
use std::collections::HashMap;
use std::sync::{Mutex, OnceLock, PoisonError};

/// The path key of a group version in the index, such as `apis/batch/v1`.
fn key(group: &str, version: &str) -> String {
    if group.is_empty() {
        format!("api/{version}")
    } else {
        format!("apis/{group}/{version}")
    }
}

fn group_versions() -> Vec<(&'static str, &'static str)> {
    let mut seen: Vec<(&str, &str)> = Vec::new();
    for r in RESOURCES.iter().filter(|r| r.stored) {
        if !seen.contains(&(r.group, r.version)) {
            seen.push((r.group, r.version));
        }
    }
    seen
}

/// `/openapi/v3`: the index of group-version documents.
pub(crate) fn index() -> Value {
    let paths: Map<String, Value> = group_versions()
        .into_iter()
        .map(|(group, version)| {
            let key = key(group, version);
            let url = format!("/openapi/v3/{key}?hash=kubevigil-sandbox");
            (key, json!({"serverRelativeURL": url}))
        })
        .collect();
    json!({"paths": paths})
}

fn query_parameter(name: &str, dialect: Dialect) -> Value {
    match dialect {
        Dialect::V3 => {
            json!({"name": name, "in": "query", "schema": {"type": "string", "uniqueItems": true}})
        }
        Dialect::V2 => json!({"name": name, "in": "query", "type": "string", "uniqueItems": true}),
    }
}

fn operation(
    r: &ResourceType,
    definition: &str,
    dialect: Dialect,
    action: &str,
    parameters: &[&str],
) -> Value {
    let schema = json!({"$ref": dialect.reference(definition)});
    let ok = match dialect {
        Dialect::V3 => {
            json!({"description": "OK", "content": {"application/json": {"schema": schema}}})
        }
        Dialect::V2 => json!({"description": "OK", "schema": schema}),
    };
    json!({
        "operationId": format!("{action}{}", r.kind),
        "x-kubernetes-action": action,
        "x-kubernetes-group-version-kind": schemas::gvk(r),
        "parameters": parameters.iter().map(|p| query_parameter(p, dialect)).collect::<Vec<_>>(),
        "responses": {"200": ok},
    })
}

/// The object paths of `kinds` and their operations.
fn paths<'a>(
    kinds: impl IntoIterator<Item = &'a ResourceType>,
    dialect: Dialect,
) -> Map<String, Value> {
    let mut paths = Map::new();
    let write_parameters = ["dryRun", "fieldManager", "fieldValidation"];
    for r in kinds {
        let prefix = format!("/{}", key(r.group, r.version));
        let collection = if r.namespaced {
            format!("{prefix}/namespaces/{{namespace}}/{}", r.plural)
        } else {
            format!("{prefix}/{}", r.plural)
        };
        let definition = schemas::definition_name(r);
        let op = |action: &str, parameters: &[&str]| {
            operation(r, &definition, dialect, action, parameters)
        };
        paths.insert(
            collection.clone(),
            json!({
                "get": op("list", &["labelSelector", "fieldSelector", "limit", "continue", "watch"]),
                "post": op("post", &write_parameters),
            }),
        );
        paths.insert(
            format!("{collection}/{{name}}"),
            json!({
                "get": op("get", &[]),
                "put": op("put", &write_parameters),
                "patch": op("patch", &["dryRun", "fieldManager", "fieldValidation", "force"]),
                "delete": op("delete", &["dryRun", "propagationPolicy"]),
            }),
        );
    }
    paths
}

/// The title and version every document carries.
fn info() -> Value {
    json!({"title": "Kubernetes", "version": "v1.33.0"})
}

/// `/openapi/v3/api/v1` or `/openapi/v3/apis/{group}/{version}` (built once:
/// the served kinds never change while the process runs).
pub(crate) fn document(group: &str, version: &str) -> Option<Value> {
    static DOCUMENTS: OnceLock<Mutex<HashMap<(String, String), Value>>> = OnceLock::new();
    let documents = DOCUMENTS.get_or_init(Mutex::default);
    let key = (group.to_string(), version.to_string());
    if let Some(document) = documents
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .get(&key)
    {
        return Some(document.clone());
    }
    let document = build_document(group, version)?;
    documents
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .insert(key, document.clone());
    Some(document)
}

fn build_document(group: &str, version: &str) -> Option<Value> {
    let kinds: Vec<&ResourceType> = RESOURCES
        .iter()
        .filter(|r| r.stored && r.group == group && r.version == version)
        .collect();
    if kinds.is_empty() {
        return None;
    }
    Some(json!({
        "openapi": "3.0.0",
        "info": info(),
        "paths": paths(kinds.iter().copied(), Dialect::V3),
        "components": {"schemas": schemas::definitions(kinds.iter().copied(), Dialect::V3)},
    }))
}

/// `/openapi/v2`: one Swagger 2.0 document for every stored kind (kubectl
/// reads it, as protobuf, to validate a `kind: List` before sending it).
pub(crate) fn swagger() -> &'static Value {
    static SWAGGER: OnceLock<Value> = OnceLock::new();
    SWAGGER.get_or_init(build_swagger)
}

/// [`swagger`] in gnostic's protobuf encoding.
pub(crate) fn swagger_protobuf() -> &'static [u8] {
    static ENCODED: OnceLock<Vec<u8>> = OnceLock::new();
    ENCODED.get_or_init(|| super::gnostic::encode(swagger()))
}

fn build_swagger() -> Value {
    let kinds = || RESOURCES.iter().filter(|r| r.stored);
    json!({
        "swagger": "2.0",
        "info": info(),
        "paths": paths(kinds(), Dialect::V2),
        "definitions": schemas::definitions(kinds(), Dialect::V2),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_index_points_at_every_group_version() {
        let index = index();
        assert!(
            index["paths"]["api/v1"]["serverRelativeURL"]
                .as_str()
                .unwrap()
                .starts_with("/openapi/v3/api/v1")
        );
        assert!(index["paths"].get("apis/kubevigil.io/v1alpha1").is_some());
        assert!(
            index["paths"]
                .get("apis/authentication.k8s.io/v1")
                .is_none()
        );
    }

    #[test]
    fn every_stored_kind_has_a_schema_with_type_meta_in_both_documents() {
        let swagger = swagger();
        for r in RESOURCES.iter().filter(|r| r.stored) {
            let name = schemas::definition_name(r);
            let v2 = &swagger["definitions"][&name];
            assert_eq!(
                v2["x-kubernetes-group-version-kind"][0]["kind"], r.kind,
                "{name}"
            );
            let v3 = document(r.group, r.version).unwrap();
            let schema = &v3["components"]["schemas"][&name];
            for field in ["apiVersion", "kind", "metadata"] {
                assert!(schema["properties"].get(field).is_some(), "{name}.{field}");
            }
        }
        let encoded = swagger_protobuf();
        assert!(encoded.len() > 10_000);
    }

    #[test]
    fn patch_operations_advertise_field_validation() {
        let doc = document("kubevigil.io", "v1alpha1").unwrap();
        let patch = &doc["paths"]["/apis/kubevigil.io/v1alpha1/namespaces/{namespace}/actionproposals/{name}"]
            ["patch"];
        assert_eq!(
            patch["x-kubernetes-group-version-kind"]["kind"],
            "ActionProposal"
        );
        assert!(
            patch["parameters"]
                .as_array()
                .unwrap()
                .iter()
                .any(|p| p["name"] == "fieldValidation")
        );
        let schema = &doc["components"]["schemas"]["io.kubevigil.v1alpha1.ActionProposal"];
        assert!(schema["properties"].get("spec").is_some());
        assert!(document("storage.k8s.io", "v1").is_none());
    }
}
