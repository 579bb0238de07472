//! `metadata.managedFields`, as far as kubevigil reads it: who wrote an
//! object last. Each write that names a `fieldManager` (kubectl always does:
//! `kubectl-edit`, `kubectl-patch`, `kubectl-client-side-apply`) records
//! an entry for that manager, operation and subresource with the time and
//! the top-level fields it owns (`f:spec`, `f:status`, `f:metadata`); a
//! write that names none keeps the entries as they were. The fine-grained
//! field sets of a real API server are not emulated.

use super::admission::Part;
use super::call::Call;
use super::object;
use serde_json::{Value, json};

/// Records the write of `new` (over `old`, `None` on create) by the call's
/// field manager, owning the top-level fields the write changed.
pub(crate) fn stamp(call: &Call, old: Option<&Value>, new: &mut Value, part: Part, apply: bool) {
    let Some(manager) = call.query.get("fieldManager").filter(|m| !m.is_empty()) else {
        return;
    };
    let operation = if apply { "Apply" } else { "Update" };
    let subresource = match part {
        Part::Main => None,
        Part::Status => Some("status"),
    };
    let owned = match part {
        Part::Status => json!({ "f:status": {} }),
        Part::Main => {
            let mut fields = serde_json::Map::new();
            for key in ["metadata", "spec", "data"] {
                let before = old.and_then(|o| o.get(key));
                let changed = match (before, new.get(key)) {
                    (Some(before), Some(after)) if key == "metadata" => {
                        let strip = |m: &Value| {
                            let mut m = m.clone();
                            if let Some(map) = m.as_object_mut() {
                                for volatile in ["resourceVersion", "generation", "managedFields"] {
                                    map.remove(volatile);
                                }
                            }
                            m
                        };
                        strip(before) != strip(after)
                    }
                    (before, after) => after.is_some() && before != after,
                };
                if changed {
                    fields.insert(format!("f:{key}"), json!({}));
                }
            }
            Value::Object(fields)
        }
    };
    let api_version = new.get("apiVersion").cloned().unwrap_or(Value::Null);
    let mut entry = json!({
        "manager": manager,
        "operation": operation,
        "apiVersion": api_version,
        "time": object::now_rfc3339(),
        "fieldsType": "FieldsV1",
        "fieldsV1": owned,
    });
    if let (Some(sub), Some(map)) = (subresource, entry.as_object_mut()) {
        map.insert("subresource".into(), json!(sub));
    }
    let metadata = object::metadata_mut(new);
    let mut entries: Vec<Value> = metadata
        .get("managedFields")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    entries.retain(|e| {
        !(e.get("manager").and_then(Value::as_str) == Some(manager.as_str())
            && e.get("operation").and_then(Value::as_str) == Some(operation)
            && e.get("subresource").and_then(Value::as_str) == subresource)
    });
    entries.push(entry);
    metadata.insert("managedFields".into(), Value::Array(entries));
}
