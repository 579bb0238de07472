//! The `kubectl get` columns of the world's kinds: Deployments, ReplicaSets,
//! NetworkPolicies, Nodes, ConfigMaps and Services.

use super::{Column, age_of, number, text};
use crate::sandbox::api::resource::ResourceType;
use serde_json::{Value, json};

/// The columns of a world kind, or `None` for the others.
pub(super) fn columns(resource: &ResourceType) -> Option<Vec<Column>> {
    let c = Column::new;
    Some(match (resource.group, resource.plural) {
        ("apps", "deployments") => vec![
            c("Name", "string", 0),
            c("Ready", "string", 0),
            c("Up-to-date", "integer", 0),
            c("Available", "integer", 0),
            c("Age", "string", 0),
            c("Containers", "string", 1),
            c("Images", "string", 1),
            c("Selector", "string", 1),
        ],
        ("apps", "replicasets") => vec![
            c("Name", "string", 0),
            c("Desired", "integer", 0),
            c("Current", "integer", 0),
            c("Ready", "integer", 0),
            c("Age", "string", 0),
            c("Containers", "string", 1),
            c("Images", "string", 1),
            c("Selector", "string", 1),
        ],
        ("networking.k8s.io", "networkpolicies") => vec![
            c("Name", "string", 0),
            c("Pod-Selector", "string", 0),
            c("Age", "string", 0),
        ],
        ("", "nodes") => vec![
            c("Name", "string", 0),
            c("Status", "string", 0),
            c("Roles", "string", 0),
            c("Age", "string", 0),
            c("Version", "string", 0),
        ],
        ("", "configmaps") => vec![
            c("Name", "string", 0),
            c("Data", "integer", 0),
            c("Age", "string", 0),
        ],
        ("", "services") => vec![
            c("Name", "string", 0),
            c("Type", "string", 0),
            c("Cluster-IP", "string", 0),
            c("External-IP", "string", 0),
            c("Port(s)", "string", 0),
            c("Age", "string", 0),
        ],
        ("cert-manager.io", "certificates") => vec![
            c("Name", "string", 0),
            c("Ready", "string", 0),
            c("Secret", "string", 0),
            c("Issuer", "string", 1),
            c("Status", "string", 1),
            c("Age", "string", 0),
        ],
        _ => return None,
    })
}

fn labels(map: Option<&Value>) -> String {
    map.and_then(Value::as_object)
        .map(|labels| {
            labels
                .iter()
                .map(|(k, v)| format!("{k}={}", v.as_str().unwrap_or("")))
                .collect::<Vec<_>>()
                .join(",")
        })
        .unwrap_or_default()
}

fn containers(object: &Value) -> (String, String) {
    let list = object
        .pointer("/spec/template/spec/containers")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    let names: Vec<&str> = list.iter().map(|c| text(c, "name")).collect();
    let images: Vec<&str> = list.iter().map(|c| text(c, "image")).collect();
    (names.join(","), images.join(","))
}

/// The cells of a world kind's row, or `None` for the others.
pub(super) fn cells(resource: &ResourceType, object: &Value) -> Option<Vec<Value>> {
    let name = json!(text(object, "metadata.name"));
    Some(match (resource.group, resource.plural) {
        ("apps", "deployments") => {
            let (names, images) = containers(object);
            let desired = object
                .pointer("/spec/replicas")
                .and_then(Value::as_i64)
                .unwrap_or(1);
            vec![
                name,
                json!(format!(
                    "{}/{desired}",
                    number(object, "status.readyReplicas")
                )),
                json!(number(object, "status.updatedReplicas")),
                json!(number(object, "status.availableReplicas")),
                json!(age_of(object)),
                json!(names),
                json!(images),
                json!(labels(object.pointer("/spec/selector/matchLabels"))),
            ]
        }
        ("apps", "replicasets") => {
            let (names, images) = containers(object);
            vec![
                name,
                json!(number(object, "spec.replicas")),
                json!(number(object, "status.replicas")),
                json!(number(object, "status.readyReplicas")),
                json!(age_of(object)),
                json!(names),
                json!(images),
                json!(labels(object.pointer("/spec/selector/matchLabels"))),
            ]
        }
        ("networking.k8s.io", "networkpolicies") => {
            let selector = labels(object.pointer("/spec/podSelector/matchLabels"));
            vec![
                name,
                json!(if selector.is_empty() {
                    "<none>".to_string()
                } else {
                    selector
                }),
                json!(age_of(object)),
            ]
        }
        ("", "nodes") => {
            let ready = object
                .pointer("/status/conditions")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .any(|c| c["type"] == "Ready" && c["status"] == "True");
            vec![
                name,
                json!(if ready { "Ready" } else { "NotReady" }),
                json!("<none>"),
                json!(age_of(object)),
                json!(text(object, "status.nodeInfo.kubeletVersion")),
            ]
        }
        ("", "configmaps") => {
            let data = object
                .get("data")
                .and_then(Value::as_object)
                .map_or(0, serde_json::Map::len);
            vec![name, json!(data), json!(age_of(object))]
        }
        ("", "services") => {
            let ports: Vec<String> = object
                .pointer("/spec/ports")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .map(|p| {
                    format!(
                        "{}/{}",
                        p.get("port").and_then(Value::as_i64).unwrap_or(0),
                        p.get("protocol").and_then(Value::as_str).unwrap_or("TCP")
                    )
                })
                .collect();
            let kind = text(object, "spec.type");
            let ip = text(object, "spec.clusterIP");
            vec![
                name,
                json!(if kind.is_empty() { "ClusterIP" } else { kind }),
                json!(if ip.is_empty() { "<none>" } else { ip }),
                json!("<none>"),
                json!(ports.join(",")),
                json!(age_of(object)),
            ]
        }
        ("cert-manager.io", "certificates") => {
            let ready = object
                .pointer("/status/conditions")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .find(|c| c["type"] == "Ready")
                .cloned()
                .unwrap_or(Value::Null);
            vec![
                name,
                json!(ready.get("status").and_then(Value::as_str).unwrap_or("")),
                json!(text(object, "spec.secretName")),
                json!(text(object, "spec.issuerRef.name")),
                json!(ready.get("message").and_then(Value::as_str).unwrap_or("")),
                json!(age_of(object)),
            ]
        }
        _ => return None,
    })
}
