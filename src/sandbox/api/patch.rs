//! Applying the four patch types kube and kubectl send.

use super::status::StatusError;
use super::strategic;
use serde_json::Value;

/// The patch types, by `Content-Type`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum PatchKind {
    /// `application/merge-patch+json` (RFC 7386).
    Merge,
    /// `application/json-patch+json` (RFC 6902), including `test`.
    Json,
    /// `application/strategic-merge-patch+json` (simplified).
    Strategic,
    /// `application/apply-patch+yaml`: server-side apply, emulated as a merge.
    Apply,
}

impl PatchKind {
    /// The patch type named by a `Content-Type` header.
    pub fn from_content_type(content_type: &str) -> Option<Self> {
        let media = content_type.split(';').next().unwrap_or("").trim();
        match media {
            "application/merge-patch+json" => Some(PatchKind::Merge),
            "application/json-patch+json" => Some(PatchKind::Json),
            "application/strategic-merge-patch+json" => Some(PatchKind::Strategic),
            "application/apply-patch+yaml" | "application/apply-patch+cbor" => {
                Some(PatchKind::Apply)
            }
            _ => None,
        }
    }
}

/// A decoded patch body.
#[derive(Debug, Clone)]
pub(crate) enum PatchBody {
    /// A document merged into the object (merge, strategic, apply).
    Document(PatchKind, Value),
    /// RFC 6902 operations.
    Operations(json_patch::Patch),
}

/// Decodes the body; a malformed body is a 400.
pub(crate) fn decode(kind: PatchKind, body: &[u8]) -> Result<PatchBody, StatusError> {
    let malformed =
        |e: &dyn std::fmt::Display| StatusError::bad_request(format!("error decoding patch: {e}"));
    match kind {
        PatchKind::Json => serde_json::from_slice::<json_patch::Patch>(body)
            .map(PatchBody::Operations)
            .map_err(|e| malformed(&e)),
        PatchKind::Merge | PatchKind::Strategic => {
            let document: Value = serde_json::from_slice(body).map_err(|e| malformed(&e))?;
            if !document.is_object() {
                return Err(malformed(&"the patch must be a JSON object"));
            }
            Ok(PatchBody::Document(kind, document))
        }
        PatchKind::Apply => {
            let document = parse_yaml_or_json(body).map_err(|e| malformed(&e))?;
            if !document.is_object() {
                return Err(malformed(&"the applied configuration must be an object"));
            }
            Ok(PatchBody::Document(kind, document))
        }
    }
}

/// Parses JSON, or YAML when the text is not JSON.
pub(crate) fn parse_yaml_or_json(body: &[u8]) -> Result<Value, String> {
    if let Ok(value) = serde_json::from_slice(body) {
        return Ok(value);
    }
    let text = std::str::from_utf8(body).map_err(|e| e.to_string())?;
    serde_saphyr::from_str::<Value>(text).map_err(|e| e.to_string())
}

/// Why a patch could not be applied.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct PatchFailure(pub String);

/// The object after the patch; `current` is left untouched.
pub(crate) fn apply(current: &Value, patch: &PatchBody) -> Result<Value, PatchFailure> {
    let mut patched = current.clone();
    match patch {
        PatchBody::Operations(operations) => {
            json_patch::patch(&mut patched, &operations.0)
                .map_err(|e| PatchFailure(e.to_string()))?;
        }
        PatchBody::Document(PatchKind::Merge, document) => {
            json_patch::merge(&mut patched, document);
        }
        PatchBody::Document(_, document) => strategic::apply(&mut patched, document),
    }
    Ok(patched)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn patch(kind: PatchKind, current: Value, body: &str) -> Result<Value, PatchFailure> {
        let decoded = decode(kind, body.as_bytes()).map_err(|e| PatchFailure(e.message))?;
        apply(&current, &decoded)
    }

    #[test]
    fn content_types_map_to_kinds() {
        assert_eq!(
            PatchKind::from_content_type("application/merge-patch+json; charset=utf-8"),
            Some(PatchKind::Merge)
        );
        assert_eq!(
            PatchKind::from_content_type("application/json-patch+json"),
            Some(PatchKind::Json)
        );
        assert_eq!(
            PatchKind::from_content_type("application/apply-patch+yaml"),
            Some(PatchKind::Apply)
        );
        assert_eq!(PatchKind::from_content_type("application/json"), None);
    }

    #[test]
    fn merge_patch_sets_and_removes_fields() {
        let out = patch(
            PatchKind::Merge,
            json!({"spec": {"a": 1, "b": 2}}),
            r#"{"spec": {"a": null, "c": [3]}}"#,
        )
        .unwrap();
        assert_eq!(out, json!({"spec": {"b": 2, "c": [3]}}));
    }

    #[test]
    fn json_patch_applies_operations() {
        let out = patch(
            PatchKind::Json,
            json!({"status": {"decisions": []}}),
            r#"[{"op":"test","path":"/status/decisions","value":[]},{"op":"add","path":"/status/decisions/-","value":{"by":"a"}}]"#,
        )
        .unwrap();
        assert_eq!(out, json!({"status": {"decisions": [{"by": "a"}]}}));
    }

    #[test]
    fn failed_test_operation_changes_nothing() {
        let current = json!({"status": {"state": "Pending"}});
        let result = patch(
            PatchKind::Json,
            current.clone(),
            r#"[{"op":"replace","path":"/status/state","value":"Approved"},{"op":"test","path":"/status/state","value":"Vetoed"}]"#,
        );
        assert!(result.is_err());
        assert_eq!(current, json!({"status": {"state": "Pending"}}));
    }

    #[test]
    fn apply_accepts_yaml() {
        let out = patch(
            PatchKind::Apply,
            json!({"spec": {"phase": "Shadow", "x": 1}}),
            "spec:\n  phase: Autonomous\n",
        )
        .unwrap();
        assert_eq!(out, json!({"spec": {"phase": "Autonomous", "x": 1}}));
    }

    #[test]
    fn malformed_patches_are_bad_requests() {
        let err = decode(PatchKind::Json, b"{\"op\":1}").unwrap_err();
        assert_eq!(err.code, 400);
        assert!(decode(PatchKind::Merge, b"[1]").is_err());
    }
}
