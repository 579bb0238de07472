//! `fieldValidation=Strict` (what kubectl asks for on every write): a field
//! the kind's schema does not declare is refused with 400, as the API server
//! does, instead of being stored. Checked for the Kubernetes kinds with a
//! k8s-openapi schema (see [`super::schemas`]); other kinds keep what they are
//! given. `Warn` and `Ignore` store the object unchecked.

use super::resource::ResourceType;
use super::schemas;
use super::status::StatusError;
use serde_json::{Map, Value};
use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock, PoisonError};

/// A kind's definitions and the name of its own.
type KindSchema = Arc<(String, Map<String, Value>)>;

/// The schema of `resource`, built once per kind.
fn kind_schema(resource: &ResourceType) -> Option<KindSchema> {
    static CACHE: OnceLock<Mutex<HashMap<String, Option<KindSchema>>>> = OnceLock::new();
    let cache = CACHE.get_or_init(Mutex::default);
    let key = resource.group_kind();
    if let Some(found) = cache
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .get(&key)
    {
        return found.clone();
    }
    let built = schemas::typed_definitions(resource).map(Arc::new);
    cache
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .insert(key, built.clone());
    built
}

/// Follows `$ref` and a lone `allOf` to the schema that describes the value.
fn resolve<'a>(definitions: &'a Map<String, Value>, mut schema: &'a Value) -> &'a Value {
    for _ in 0..16 {
        if let Some(name) = schema
            .get("$ref")
            .and_then(Value::as_str)
            .and_then(|r| r.rsplit('/').next())
            && let Some(target) = definitions.get(name)
        {
            schema = target;
            continue;
        }
        match schema
            .get("allOf")
            .and_then(Value::as_array)
            .map(Vec::as_slice)
        {
            Some([only]) => schema = only,
            _ => return schema,
        }
    }
    schema
}

fn walk(
    definitions: &Map<String, Value>,
    schema: &Value,
    value: &Value,
    path: &str,
    unknown: &mut Vec<String>,
) {
    let schema = resolve(definitions, schema);
    if schema.get("x-kubernetes-preserve-unknown-fields") == Some(&Value::Bool(true)) {
        return;
    }
    match value {
        Value::Object(fields) => {
            let properties = schema.get("properties").and_then(Value::as_object);
            let additional = schema.get("additionalProperties").filter(|a| a.is_object());
            for (name, field) in fields {
                let child = if path.is_empty() {
                    name.clone()
                } else {
                    format!("{path}.{name}")
                };
                match (properties.and_then(|p| p.get(name)), additional) {
                    (Some(declared), _) | (None, Some(declared)) => {
                        walk(definitions, declared, field, &child, unknown);
                    }
                    (None, None) if properties.is_some() => unknown.push(child),
                    (None, None) => {}
                }
            }
        }
        Value::Array(items) => {
            if let Some(item_schema) = schema.get("items") {
                for (index, item) in items.iter().enumerate() {
                    let child = format!("{path}[{index}]");
                    walk(definitions, item_schema, item, &child, unknown);
                }
            }
        }
        _ => {}
    }
}

/// The fields of `object` its kind's schema does not declare, such as
/// `spec.replicaz` or `spec.template.spec.containers[0].imagez`.
pub(crate) fn unknown_fields(resource: &ResourceType, object: &Value) -> Vec<String> {
    let Some(schema) = kind_schema(resource) else {
        return Vec::new();
    };
    let (name, definitions) = &*schema;
    let Some(root) = definitions.get(name) else {
        return Vec::new();
    };
    let mut unknown = Vec::new();
    walk(definitions, root, object, "", &mut unknown);
    unknown
}

/// The 400 a strict write gets when `object` has undeclared fields (other
/// than those `old`, the stored object, already had: the emulator keeps what
/// non-strict writers sent, and a patch is not blamed for it).
pub(crate) fn check(
    resource: &ResourceType,
    directive: Option<&str>,
    old: Option<&Value>,
    object: &Value,
) -> Result<(), StatusError> {
    if directive != Some("Strict") {
        return Ok(());
    }
    let before = old.map(|o| unknown_fields(resource, o)).unwrap_or_default();
    let mut unknown = unknown_fields(resource, object);
    unknown.retain(|field| !before.contains(field));
    if unknown.is_empty() {
        return Ok(());
    }
    let fields: Vec<String> = unknown
        .iter()
        .map(|f| format!("unknown field \"{f}\""))
        .collect();
    Err(StatusError::bad_request(format!(
        "{kind} in version \"{version}\" cannot be handled as a {kind}: strict decoding error: {}",
        fields.join(", "),
        kind = resource.kind,
        version = resource.version,
    )))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sandbox::api::resource::{self, JOBS};
    use serde_json::json;

    #[test]
    fn undeclared_fields_are_named_with_their_path() {
        let job = json!({"apiVersion": "batch/v1", "kind": "Job",
            "metadata": {"name": "j", "labels": {"any": "thing"}, "colour": "red"},
            "spec": {"backoffLimit": 1, "replicaz": 2,
                "template": {"spec": {"containers": [{"name": "a", "image": "i", "imagez": "x",
                    "resources": {"limits": {"cpu": "1"}}}]}}}});
        let unknown = unknown_fields(resource::get(JOBS), &job);
        assert_eq!(
            unknown,
            vec![
                "metadata.colour",
                "spec.replicaz",
                "spec.template.spec.containers[0].imagez"
            ]
        );
        let error = check(resource::get(JOBS), Some("Strict"), None, &job).unwrap_err();
        assert_eq!(error.code, 400);
        assert!(
            error
                .message
                .starts_with("Job in version \"v1\" cannot be handled as a Job: strict decoding error: unknown field \"metadata.colour\""),
            "{}",
            error.message
        );
        assert!(check(resource::get(JOBS), Some("Warn"), None, &job).is_ok());
        assert!(check(resource::get(JOBS), None, None, &job).is_ok());
        assert!(
            check(resource::get(JOBS), Some("Strict"), Some(&job), &job).is_ok(),
            "fields already stored are not blamed on a patch"
        );
    }

    #[test]
    fn custom_kinds_are_not_checked() {
        let proposals = resource::lookup("kubevigil.io", "v1alpha1", "actionproposals").unwrap();
        let object = json!({"spec": {"anything": 1}});
        assert!(unknown_fields(resource::get(proposals), &object).is_empty());
    }
}
