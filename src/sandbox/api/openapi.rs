//! A minimal OpenAPI v3 discovery, enough for kubectl: `kubectl apply` and
//! `kubectl create -f` validate against it. Each group version lists its
//! object paths with operations tagged by `x-kubernetes-group-version-kind`;
//! PATCH advertises the `fieldValidation` query parameter, so kubectl leaves
//! validation to the server. The kubevigil kinds carry their CRD schemas.

use super::resource::{RESOURCES, ResourceType};
use crate::crds;
use serde_json::{Map, Value, json};

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

fn schema_name(r: &ResourceType) -> String {
    let group = if r.group.is_empty() { "core" } else { r.group };
    let reversed: Vec<&str> = group.split('.').rev().collect();
    format!("{}.{}.{}", reversed.join("."), r.version, r.kind)
}

fn gvk(r: &ResourceType) -> Value {
    json!({"group": r.group, "version": r.version, "kind": r.kind})
}

fn query_parameter(name: &str) -> Value {
    json!({"name": name, "in": "query", "schema": {"type": "string", "uniqueItems": true}})
}

fn operation(r: &ResourceType, action: &str, parameters: &[&str]) -> Value {
    json!({
        "operationId": format!("{action}{}", r.kind),
        "x-kubernetes-action": action,
        "x-kubernetes-group-version-kind": gvk(r),
        "parameters": parameters.iter().map(|p| query_parameter(p)).collect::<Vec<_>>(),
        "responses": {"200": {"description": "OK", "content": {"application/json": {"schema": {"$ref": format!("#/components/schemas/{}", schema_name(r))}}}}},
    })
}

fn crd_schema(r: &ResourceType) -> Option<Value> {
    let crd = match r.plural {
        "actionproposals" if r.group == "kubevigil.io" => crds::action_proposal_crd(),
        "trustpolicies" if r.group == "kubevigil.io" => crds::trust_policy_crd(),
        "investigationtemplates" if r.group == "kubevigil.io" => crds::investigation_template_crd(),
        _ => return None,
    };
    let schema = crd
        .spec
        .versions
        .first()?
        .schema
        .as_ref()?
        .open_api_v3_schema
        .as_ref()?;
    serde_json::to_value(schema).ok()
}

/// `/openapi/v3/api/v1` or `/openapi/v3/apis/{group}/{version}`.
pub(crate) fn document(group: &str, version: &str) -> Option<Value> {
    let kinds: Vec<&ResourceType> = RESOURCES
        .iter()
        .filter(|r| r.stored && r.group == group && r.version == version)
        .collect();
    if kinds.is_empty() {
        return None;
    }
    let mut paths = Map::new();
    let mut schemas = Map::new();
    let write_parameters = ["dryRun", "fieldManager", "fieldValidation"];
    for r in kinds {
        let prefix = format!("/{}", key(group, version));
        let collection = if r.namespaced {
            format!("{prefix}/namespaces/{{namespace}}/{}", r.plural)
        } else {
            format!("{prefix}/{}", r.plural)
        };
        paths.insert(
            collection.clone(),
            json!({
                "get": operation(r, "list", &["labelSelector", "fieldSelector", "limit", "continue", "watch"]),
                "post": operation(r, "post", &write_parameters),
            }),
        );
        paths.insert(
            format!("{collection}/{{name}}"),
            json!({
                "get": operation(r, "get", &[]),
                "put": operation(r, "put", &write_parameters),
                "patch": operation(r, "patch", &["dryRun", "fieldManager", "fieldValidation", "force"]),
                "delete": operation(r, "delete", &["dryRun", "propagationPolicy"]),
            }),
        );
        let mut schema = crd_schema(r).unwrap_or_else(|| json!({"type": "object"}));
        schema["x-kubernetes-group-version-kind"] = json!([gvk(r)]);
        schemas.insert(schema_name(r), schema);
    }
    Some(json!({
        "openapi": "3.0.0",
        "info": {"title": "Kubernetes", "version": "v1.33.0"},
        "paths": paths,
        "components": {"schemas": schemas},
    }))
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
