//! A simplified strategic merge patch: a JSON merge patch in which the lists
//! Kubernetes merges by key (containers, env, volumes, ports, conditions, ...)
//! are merged item by item, and `$patch` directives are honoured.

use serde_json::{Map, Value};

/// The key a known list is merged by; other lists are replaced whole.
fn merge_key(field: &str) -> Option<&'static str> {
    Some(match field {
        "containers"
        | "initContainers"
        | "ephemeralContainers"
        | "env"
        | "volumes"
        | "volumeMounts"
        | "imagePullSecrets"
        | "containerStatuses"
        | "initContainerStatuses" => "name",
        "ports" => "containerPort",
        "volumeDevices" => "devicePath",
        "conditions" => "type",
        "ownerReferences" => "uid",
        "hostAliases" => "ip",
        _ => return None,
    })
}

/// Lists of scalars merged as sets.
fn is_set_list(field: &str) -> bool {
    field == "finalizers"
}

/// Applies `patch` to `target` in place.
pub(crate) fn apply(target: &mut Value, patch: &Value) {
    match patch {
        Value::Object(patch_map) => {
            if patch_map.get("$patch").and_then(Value::as_str) == Some("replace") {
                let mut replacement = patch_map.clone();
                replacement.remove("$patch");
                *target = Value::Object(strip_directives(replacement));
                return;
            }
            if !target.is_object() {
                *target = Value::Object(Map::new());
            }
            if let Value::Object(target_map) = target {
                merge_maps(target_map, patch_map);
            }
        }
        other => *target = other.clone(),
    }
}

fn merge_maps(target: &mut Map<String, Value>, patch: &Map<String, Value>) {
    for (field, value) in patch {
        if field.starts_with('$') {
            continue;
        }
        match value {
            Value::Null => {
                target.remove(field);
            }
            Value::Array(items) => {
                let merged = match (merge_key(field), target.get(field)) {
                    (Some(key), Some(Value::Array(existing))) => merge_list(existing, items, key),
                    _ if is_set_list(field) => merge_set(target.get(field), items),
                    _ => items
                        .iter()
                        .filter(|item| !is_delete_directive(item))
                        .cloned()
                        .map(strip_value)
                        .collect(),
                };
                target.insert(field.clone(), Value::Array(merged));
            }
            Value::Object(_) => {
                let slot = target.entry(field.clone()).or_insert(Value::Null);
                apply(slot, value);
            }
            scalar => {
                target.insert(field.clone(), scalar.clone());
            }
        }
    }
}

fn is_delete_directive(item: &Value) -> bool {
    item.get("$patch").and_then(Value::as_str) == Some("delete")
}

fn merge_list(existing: &[Value], patch: &[Value], key: &str) -> Vec<Value> {
    let mut merged: Vec<Value> = existing.to_vec();
    for item in patch {
        let Some(id) = item.get(key) else {
            merged.push(strip_value(item.clone()));
            continue;
        };
        let position = merged.iter().position(|m| m.get(key) == Some(id));
        match (position, is_delete_directive(item)) {
            (Some(i), true) => {
                merged.remove(i);
            }
            (None, true) => {}
            (Some(i), false) => apply(&mut merged[i], item),
            (None, false) => merged.push(strip_value(item.clone())),
        }
    }
    merged
}

fn merge_set(existing: Option<&Value>, patch: &[Value]) -> Vec<Value> {
    let mut merged: Vec<Value> = existing
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    for item in patch {
        if !merged.contains(item) {
            merged.push(item.clone());
        }
    }
    merged
}

fn strip_value(value: Value) -> Value {
    match value {
        Value::Object(map) => Value::Object(strip_directives(map)),
        other => other,
    }
}

fn strip_directives(map: Map<String, Value>) -> Map<String, Value> {
    map.into_iter()
        .filter(|(k, v)| !k.starts_with('$') && !v.is_null())
        .map(|(k, v)| (k, strip_value(v)))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn containers_merge_by_name() {
        let mut pod = json!({"spec": {"containers": [
            {"name": "agent", "image": "a:1", "env": [{"name": "A", "value": "1"}]},
            {"name": "sidecar", "image": "s:1"}
        ]}});
        apply(
            &mut pod,
            &json!({"spec": {"containers": [{"name": "agent", "image": "a:2", "env": [{"name": "B", "value": "2"}]}]}}),
        );
        let containers = pod["spec"]["containers"].as_array().unwrap();
        assert_eq!(containers.len(), 2);
        assert_eq!(containers[0]["image"], "a:2");
        assert_eq!(containers[0]["env"].as_array().unwrap().len(), 2);
        assert_eq!(containers[1]["image"], "s:1");
    }

    #[test]
    fn delete_directive_removes_an_item_and_null_removes_a_field() {
        let mut job = json!({"spec": {"suspend": false, "template": {"spec": {"volumes": [{"name": "a"}, {"name": "b"}]}}}});
        apply(
            &mut job,
            &json!({"spec": {"suspend": null, "template": {"spec": {"volumes": [{"name": "a", "$patch": "delete"}]}}}}),
        );
        assert_eq!(
            job,
            json!({"spec": {"template": {"spec": {"volumes": [{"name": "b"}]}}}})
        );
    }

    #[test]
    fn unkeyed_lists_are_replaced_and_directives_ignored() {
        let mut pod = json!({"spec": {"containers": [{"name": "a", "args": ["x", "y"]}]}});
        apply(
            &mut pod,
            &json!({"$setElementOrder/containers": [{"name": "a"}], "spec": {"containers": [{"name": "a", "args": ["z"]}]}}),
        );
        assert_eq!(
            pod,
            json!({"spec": {"containers": [{"name": "a", "args": ["z"]}]}})
        );
    }
}
