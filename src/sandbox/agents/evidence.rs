//! The agent's `kubectl_get`, read live: a script's `kubectl_get` step
//! (resource, namespace, and a name or a selector; `output: yaml` or
//! `jsonpath`) is answered from the API, as kubectl would print it (the
//! server's Table for lists), so the evidence is what the world holds. Kinds
//! the sandbox does not hold keep the script's output.

use http::Request;
use kube::Client;
use serde_json::Value;

/// Where a resource name kubectl accepts is served, and whether it is namespaced.
fn locate(resource: &str) -> Option<(&'static str, &'static str, bool)> {
    Some(match resource {
        "pod" | "pods" | "po" => ("/api/v1", "pods", true),
        "configmap" | "configmaps" | "cm" => ("/api/v1", "configmaps", true),
        "service" | "services" | "svc" => ("/api/v1", "services", true),
        "event" | "events" | "ev" => ("/api/v1", "events", true),
        "node" | "nodes" | "no" => ("/api/v1", "nodes", false),
        "deployment" | "deployments" | "deploy" => ("/apis/apps/v1", "deployments", true),
        "replicaset" | "replicasets" | "rs" => ("/apis/apps/v1", "replicasets", true),
        "networkpolicy" | "networkpolicies" | "netpol" => {
            ("/apis/networking.k8s.io/v1", "networkpolicies", true)
        }
        "certificate" | "certificates" | "cert" => {
            ("/apis/cert-manager.io/v1", "certificates", true)
        }
        _ => return None,
    })
}

async fn get(client: &Client, uri: String, accept: &str) -> Result<Value, kube::Error> {
    let request = Request::builder()
        .method(http::Method::GET)
        .uri(uri)
        .header(http::header::ACCEPT, accept)
        .body(Vec::new())
        .map_err(kube::Error::HttpError)?;
    client.request::<Value>(request).await
}

/// `{.spec.paused}` of `object`, as kubectl's jsonpath prints it.
fn jsonpath(object: &Value, path: &str) -> String {
    let found = path
        .trim_start_matches('{')
        .trim_end_matches('}')
        .split('.')
        .filter(|part| !part.is_empty())
        .try_fold(object, |value, part| value.get(part));
    match found {
        Some(Value::String(text)) => text.clone(),
        Some(other) => other.to_string(),
        None => String::new(),
    }
}

/// A `meta.k8s.io/v1` Table as kubectl prints it (`wide` adds priority-1 columns).
fn render_table(table: &Value, wide: bool, namespace: &str) -> String {
    let columns: Vec<(usize, String)> = table["columnDefinitions"]
        .as_array()
        .into_iter()
        .flatten()
        .enumerate()
        .filter(|(_, c)| wide || c["priority"].as_i64().unwrap_or(0) == 0)
        .map(|(i, c)| (i, c["name"].as_str().unwrap_or("").to_uppercase()))
        .collect();
    let rows: Vec<Vec<String>> = table["rows"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|row| {
            columns
                .iter()
                .map(|(i, _)| match &row["cells"][*i] {
                    Value::String(text) => text.clone(),
                    Value::Null => String::new(),
                    other => other.to_string(),
                })
                .collect()
        })
        .collect();
    if rows.is_empty() {
        return format!("No resources found in {namespace} namespace.");
    }
    let widths: Vec<usize> = columns
        .iter()
        .enumerate()
        .map(|(c, (_, header))| {
            rows.iter()
                .map(|r| r[c].chars().count())
                .chain([header.chars().count()])
                .max()
                .unwrap_or(0)
        })
        .collect();
    let line = |cells: Vec<&str>| {
        let last = cells.len().saturating_sub(1);
        cells
            .iter()
            .enumerate()
            .map(|(c, cell)| {
                if c == last {
                    (*cell).to_string()
                } else {
                    format!("{cell:<width$}   ", width = widths[c])
                }
            })
            .collect::<String>()
    };
    let mut out = vec![line(columns.iter().map(|(_, h)| h.as_str()).collect())];
    out.extend(
        rows.iter()
            .map(|r| line(r.iter().map(String::as_str).collect())),
    );
    out.join("\n")
}

/// The live answer to a `kubectl_get` tool input: what kubectl prints and
/// whether it failed; `None` when the input names a kind the sandbox does
/// not hold (the script's output stands).
pub(super) async fn kubectl_get(client: &Client, input: &str) -> Option<(String, bool)> {
    let input: Value = serde_json::from_str(input).ok()?;
    let (base, plural, namespaced) = locate(input["resource"].as_str()?)?;
    let namespace = input["namespace"].as_str().unwrap_or("default");
    let scope = if namespaced {
        format!("{base}/namespaces/{namespace}/{plural}")
    } else {
        format!("{base}/{plural}")
    };
    let output = input["output"].as_str().unwrap_or("");
    let answer = match input["name"].as_str() {
        Some(name) if input.get("jsonpath").is_some() || output == "yaml" => {
            get(client, format!("{scope}/{name}"), "application/json")
                .await
                .map(|mut object| {
                    if let Some(path) = input["jsonpath"].as_str() {
                        return jsonpath(&object, path);
                    }
                    if input["showManagedFields"] != true
                        && let Some(metadata) =
                            object.get_mut("metadata").and_then(Value::as_object_mut)
                    {
                        metadata.remove("managedFields");
                    }
                    serde_saphyr::to_string(&object).unwrap_or_default()
                })
        }
        name => {
            let mut uri = match name {
                Some(name) => format!("{scope}/{name}"),
                None => scope.clone(),
            };
            if let Some(selector) = input["selector"].as_str() {
                uri.push_str("?labelSelector=");
                uri.push_str(&selector.replace('=', "%3D").replace(',', "%2C"));
            }
            get(client, uri, "application/json;as=Table;v=v1;g=meta.k8s.io")
                .await
                .map(|table| render_table(&table, output == "wide", namespace))
        }
    };
    Some(match answer {
        Ok(text) => (text, false),
        Err(error) => (super::kubectl::describe(&error), true),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn tables_and_jsonpaths_print_as_kubectl_does() {
        let table = json!({
            "columnDefinitions": [{"name": "Name", "priority": 0}, {"name": "Ready", "priority": 0}, {"name": "Images", "priority": 1}],
            "rows": [{"cells": ["storefront-abc", "0/1", "x"]}, {"cells": ["a", "1/1", "y"]}],
        });
        assert_eq!(
            render_table(&table, false, "web"),
            "NAME             READY\nstorefront-abc   0/1\na                1/1"
        );
        assert!(
            render_table(&json!({"columnDefinitions": [], "rows": []}), false, "web")
                .starts_with("No resources found in web")
        );
        let object = json!({"spec": {"paused": true, "x": {"a": "b"}}, "data": {"K": "30s"}});
        assert_eq!(jsonpath(&object, "{.data.K}"), "30s");
        assert_eq!(jsonpath(&object, "{.spec.paused}"), "true");
        assert_eq!(jsonpath(&object, "{.spec.missing}"), "");
    }
}
