//! The API server's checks of every object's labels and annotations
//! (apimachinery's `ValidateLabels` and `ValidateAnnotations`): a key is an
//! optional DNS-subdomain prefix and a name of at most 63 characters, a label
//! value is empty or at most 63 such characters, and all annotations together
//! take at most 256 KiB. Each failure names the field it is about.

use serde_json::{Map, Value};

/// Largest total size of an object's annotations (keys plus values).
const ANNOTATIONS_MAX_BYTES: usize = 256 * 1024;
/// Longest name part of a key, and longest label value.
const NAME_MAX: usize = 63;
/// Longest key prefix.
const PREFIX_MAX: usize = 253;

/// A refused field: its path and the API server's message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct FieldError {
    /// Such as `metadata.labels`.
    pub field: &'static str,
    /// Such as `Invalid value: "x": ...`.
    pub detail: String,
}

/// Quotes as Go's `%q` does, so that control characters show as `\x1b`.
fn go_quote(text: &str) -> String {
    let mut out = String::from("\"");
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            c if u32::from(c) < 0x20 || c == '\u{7f}' => {
                out.push_str(&format!("\\x{:02x}", u32::from(c)));
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// `[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?`
fn qualified_name_part(text: &str) -> bool {
    let edge = |c: char| c.is_ascii_alphanumeric();
    !text.is_empty()
        && text.starts_with(edge)
        && text.ends_with(edge)
        && text
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
}

/// A lowercase RFC 1123 subdomain.
pub(crate) fn dns_subdomain(text: &str) -> bool {
    let edge = |c: char| c.is_ascii_lowercase() || c.is_ascii_digit();
    !text.is_empty()
        && text.len() <= PREFIX_MAX
        && text.split('.').all(|label| {
            !label.is_empty()
                && label.starts_with(edge)
                && label.ends_with(edge)
                && label.chars().all(|c| edge(c) || c == '-')
        })
}

const NAME_RULE: &str = "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')";
const PREFIX_RULE: &str = "prefix part a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";
const VALUE_RULE: &str = "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')";

/// What is wrong with a label or annotation key, if anything.
fn key_problem(key: &str) -> Option<&'static str> {
    let (prefix, name) = match key.split_once('/') {
        Some((prefix, name)) => (Some(prefix), name),
        None => (None, key),
    };
    if let Some(prefix) = prefix
        && !dns_subdomain(prefix)
    {
        return Some(PREFIX_RULE);
    }
    if name.len() > NAME_MAX {
        return Some("name part must be no more than 63 characters");
    }
    if !qualified_name_part(name) || name.contains('/') {
        return Some(NAME_RULE);
    }
    None
}

fn invalid(field: &'static str, value: &str, why: &str) -> FieldError {
    FieldError {
        field,
        detail: format!("Invalid value: {}: {why}", go_quote(value)),
    }
}

/// Checks `metadata.labels` and `metadata.annotations` of `object`.
pub(crate) fn validate(object: &Value) -> Result<(), FieldError> {
    let map = |field: &str| -> Option<&Map<String, Value>> {
        object.get("metadata")?.get(field)?.as_object()
    };
    for (key, value) in map("labels").into_iter().flatten() {
        if let Some(why) = key_problem(key) {
            return Err(invalid("metadata.labels", key, why));
        }
        let value = value.as_str().unwrap_or("");
        if value.len() > NAME_MAX {
            return Err(invalid(
                "metadata.labels",
                value,
                "must be no more than 63 characters",
            ));
        }
        if !value.is_empty() && !qualified_name_part(value) {
            return Err(invalid("metadata.labels", value, VALUE_RULE));
        }
    }
    let mut total = 0;
    for (key, value) in map("annotations").into_iter().flatten() {
        if let Some(why) = key_problem(&key.to_lowercase()) {
            return Err(invalid("metadata.annotations", key, why));
        }
        total += key.len() + value.as_str().map_or(0, str::len);
    }
    if total > ANNOTATIONS_MAX_BYTES {
        return Err(FieldError {
            field: "metadata.annotations",
            detail: format!("Too long: must have at most {ANNOTATIONS_MAX_BYTES} bytes"),
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn labels(labels: Value) -> Result<(), FieldError> {
        validate(&json!({"metadata": {"labels": labels}}))
    }

    #[test]
    fn label_keys_and_values_follow_the_api_server() {
        assert!(
            labels(json!({"app.kubernetes.io/name": "shop", "tier": "", "a_b.c-d": "X_1"})).is_ok()
        );
        let escape = labels(json!({"app": "red\u{1b}[0m"})).unwrap_err();
        assert_eq!(escape.field, "metadata.labels");
        assert!(
            escape
                .detail
                .starts_with("Invalid value: \"red\\x1b[0m\": a valid label"),
            "{}",
            escape.detail
        );
        assert!(labels(json!({"app": "x".repeat(64)})).is_err());
        assert!(labels(json!({"Bad.Prefix/app": "x"})).is_err());
        assert!(labels(json!({"-app": "x"})).is_err());
        assert!(labels(json!({"a/b/c": "x"})).is_err());
        assert!(labels(json!({"x".repeat(64): "x"})).is_err());
    }

    #[test]
    fn annotations_are_keyed_like_labels_and_bounded_in_size() {
        let ok = json!({"metadata": {"annotations": {"kubectl.kubernetes.io/last-applied-configuration": "{\u{1b}}"}}});
        assert!(validate(&ok).is_ok(), "annotation values are free text");
        let big = json!({"metadata": {"annotations": {"a": "x".repeat(ANNOTATIONS_MAX_BYTES)}}});
        assert_eq!(validate(&big).unwrap_err().field, "metadata.annotations");
        let bad_key = json!({"metadata": {"annotations": {"no spaces": "x"}}});
        assert_eq!(
            validate(&bad_key).unwrap_err().field,
            "metadata.annotations"
        );
    }
}
