//! How objects are rendered: as themselves, as metadata only
//! (`PartialObjectMetadata`), or as a `Table` for `kubectl get`.

use super::printers;
use super::resource::ResourceType;
use serde_json::{Value, json};
use std::collections::HashMap;
use std::sync::Arc;

/// What a row of a Table carries besides its cells.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum IncludeObject {
    /// Nothing.
    None,
    /// The object's metadata.
    Metadata,
    /// The whole object.
    Object,
}

/// The form the client asked for with its `Accept` header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Representation {
    /// The objects as stored.
    Object,
    /// `PartialObjectMetadata` / `PartialObjectMetadataList`.
    Metadata,
    /// A `meta.k8s.io/v1` Table.
    Table(IncludeObject),
}

/// Chooses the representation from `Accept` and the `includeObject` parameter.
pub(crate) fn negotiate(accept: &str, query: &HashMap<String, String>) -> Representation {
    for media in accept.split(',') {
        let params: Vec<&str> = media.split(';').map(str::trim).collect();
        let wants = |p: &str| params.contains(&p);
        if wants("as=Table") && (wants("g=meta.k8s.io") || !media.contains("g=")) {
            let include = match query.get("includeObject").map(String::as_str) {
                Some("None") => IncludeObject::None,
                Some("Object") => IncludeObject::Object,
                _ => IncludeObject::Metadata,
            };
            return Representation::Table(include);
        }
        if wants("as=PartialObjectMetadata") || wants("as=PartialObjectMetadataList") {
            return Representation::Metadata;
        }
        if params
            .first()
            .is_some_and(|m| matches!(*m, "application/json" | "*/*" | "application/*"))
        {
            return Representation::Object;
        }
    }
    Representation::Object
}

fn partial_metadata(object: &Value) -> Value {
    json!({
        "kind": "PartialObjectMetadata",
        "apiVersion": "meta.k8s.io/v1",
        "metadata": object.get("metadata").cloned().unwrap_or_else(|| json!({})),
    })
}

fn row(resource: &ResourceType, object: &Value, include: IncludeObject) -> Value {
    let mut row = json!({"cells": printers::cells(resource, object)});
    match include {
        IncludeObject::None => {}
        IncludeObject::Metadata => row["object"] = partial_metadata(object),
        IncludeObject::Object => row["object"] = object.clone(),
    }
    row
}

fn table(resource: &ResourceType, rows: Vec<Value>, list_meta: Value) -> Value {
    let definitions: Vec<Value> = printers::columns(resource)
        .iter()
        .map(printers::Column::definition)
        .collect();
    json!({
        "kind": "Table",
        "apiVersion": "meta.k8s.io/v1",
        "metadata": list_meta,
        "columnDefinitions": definitions,
        "rows": rows,
    })
}

/// One object in the chosen form (for get, writes and watch events).
pub(crate) fn render_object(
    repr: Representation,
    resource: &ResourceType,
    object: &Value,
) -> Value {
    match repr {
        Representation::Object => object.clone(),
        Representation::Metadata => partial_metadata(object),
        Representation::Table(include) => {
            let revision = object
                .pointer("/metadata/resourceVersion")
                .cloned()
                .unwrap_or_else(|| json!(""));
            table(
                resource,
                vec![row(resource, object, include)],
                json!({"resourceVersion": revision}),
            )
        }
    }
}

/// A list in the chosen form, serialized.
pub(crate) fn render_list(
    repr: Representation,
    resource: &ResourceType,
    items: &[Arc<Value>],
    revision: u64,
    continue_token: Option<String>,
    remaining: Option<u64>,
) -> Result<Vec<u8>, serde_json::Error> {
    let mut list_meta = json!({"resourceVersion": revision.to_string()});
    if let Some(token) = continue_token {
        list_meta["continue"] = json!(token);
    }
    if let Some(remaining) = remaining {
        list_meta["remainingItemCount"] = json!(remaining);
    }
    match repr {
        Representation::Table(include) => {
            let rows = items.iter().map(|o| row(resource, o, include)).collect();
            serde_json::to_vec(&table(resource, rows, list_meta))
        }
        Representation::Metadata => {
            let body = json!({
                "kind": "PartialObjectMetadataList",
                "apiVersion": "meta.k8s.io/v1",
                "metadata": list_meta,
                "items": items.iter().map(|o| partial_metadata(o)).collect::<Vec<_>>(),
            });
            serde_json::to_vec(&body)
        }
        Representation::Object => {
            // Written by hand so that the items are serialized straight from
            // the shared store values, without building one big Value.
            let mut out = Vec::with_capacity(256 + items.len() * 512);
            out.extend_from_slice(b"{\"kind\":");
            serde_json::to_writer(&mut out, &resource.list_kind())?;
            out.extend_from_slice(b",\"apiVersion\":");
            serde_json::to_writer(&mut out, &resource.api_version())?;
            out.extend_from_slice(b",\"metadata\":");
            serde_json::to_writer(&mut out, &list_meta)?;
            out.extend_from_slice(b",\"items\":[");
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                serde_json::to_writer(&mut out, item.as_ref())?;
            }
            out.extend_from_slice(b"]}");
            Ok(out)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kubectl_get_asks_for_a_table() {
        let accept = "application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json";
        assert_eq!(
            negotiate(accept, &HashMap::new()),
            Representation::Table(IncludeObject::Metadata)
        );
        assert_eq!(
            negotiate("application/json", &HashMap::new()),
            Representation::Object
        );
        assert_eq!(negotiate("", &HashMap::new()), Representation::Object);
        assert_eq!(
            negotiate(
                "application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1",
                &HashMap::new()
            ),
            Representation::Metadata
        );
    }
}
