//! Reading and stamping object metadata on `serde_json::Value` objects.

use rand::Rng;
use serde_json::{Map, Value};

/// Where an object is stored: namespace (empty when cluster-scoped) and name.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) struct ObjectKey {
    /// The namespace, empty for cluster-scoped objects.
    pub namespace: String,
    /// The name.
    pub name: String,
}

impl ObjectKey {
    /// A key from borrowed parts.
    pub fn new(namespace: &str, name: &str) -> Self {
        ObjectKey {
            namespace: namespace.to_string(),
            name: name.to_string(),
        }
    }
}

/// A string field of `metadata`, empty when absent.
pub(crate) fn meta_str<'a>(object: &'a Value, field: &str) -> &'a str {
    object
        .get("metadata")
        .and_then(|m| m.get(field))
        .and_then(Value::as_str)
        .unwrap_or("")
}

/// The object's name.
pub(crate) fn name(object: &Value) -> &str {
    meta_str(object, "name")
}

/// The object's namespace (empty when cluster-scoped).
pub(crate) fn namespace(object: &Value) -> &str {
    meta_str(object, "namespace")
}

/// The object's uid.
pub(crate) fn uid(object: &Value) -> &str {
    meta_str(object, "uid")
}

/// The object's resourceVersion, empty when absent.
pub(crate) fn resource_version(object: &Value) -> &str {
    meta_str(object, "resourceVersion")
}

/// The key the object is stored under.
pub(crate) fn key(object: &Value) -> ObjectKey {
    ObjectKey::new(namespace(object), name(object))
}

/// `metadata`, created as an empty map when missing or not a map.
pub(crate) fn metadata_mut(object: &mut Value) -> &mut Map<String, Value> {
    let root = ensure_map(object);
    ensure_map(root.entry("metadata").or_insert(Value::Null))
}

/// The value as a map, replacing it by an empty map when it is not one.
pub(crate) fn ensure_map(value: &mut Value) -> &mut Map<String, Value> {
    match value {
        Value::Object(map) => map,
        other => {
            *other = Value::Object(Map::new());
            ensure_map(other)
        }
    }
}

/// The uids named by `metadata.ownerReferences`.
pub(crate) fn owner_uids(object: &Value) -> Vec<String> {
    object
        .get("metadata")
        .and_then(|m| m.get("ownerReferences"))
        .and_then(Value::as_array)
        .map(|owners| {
            owners
                .iter()
                .filter_map(|o| o.get("uid").and_then(Value::as_str))
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default()
}

/// Everything but `metadata` and `status`: what a generation counts.
pub(crate) fn desired_state(object: &Value) -> Vec<(&String, &Value)> {
    object
        .as_object()
        .map(|map| {
            map.iter()
                .filter(|(k, _)| {
                    !matches!(k.as_str(), "metadata" | "status" | "apiVersion" | "kind")
                })
                .collect()
        })
        .unwrap_or_default()
}

/// A random uid in the usual 8-4-4-4-12 hex form.
pub(crate) fn new_uid() -> String {
    let mut rng = rand::rng();
    let bytes: [u8; 16] = rng.random();
    let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    format!(
        "{}-{}-{}-{}-{}",
        &hex[0..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..32]
    )
}

/// The 5-character suffix `generateName` appends.
pub(crate) fn name_suffix() -> String {
    const ALPHABET: &[u8] = b"bcdfghjklmnpqrstvwxz2456789";
    let mut rng = rand::rng();
    (0..5)
        .map(|_| char::from(ALPHABET[rng.random_range(0..ALPHABET.len())]))
        .collect()
}

/// Now, as Kubernetes writes `metav1.Time`: RFC 3339 with whole seconds.
pub(crate) fn now_rfc3339() -> String {
    seconds_rfc3339(jiff::Timestamp::now())
}

/// A timestamp as RFC 3339 with whole seconds.
pub(crate) fn seconds_rfc3339(at: jiff::Timestamp) -> String {
    at.strftime("%Y-%m-%dT%H:%M:%SZ").to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn uids_are_unique_and_well_formed() {
        let a = new_uid();
        let b = new_uid();
        assert_ne!(a, b);
        assert_eq!(a.len(), 36);
        assert_eq!(a.matches('-').count(), 4);
    }

    #[test]
    fn metadata_is_created_when_missing() {
        let mut object = json!({"kind": "Job"});
        metadata_mut(&mut object).insert("name".into(), json!("x"));
        assert_eq!(name(&object), "x");
    }
}
