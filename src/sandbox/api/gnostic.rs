//! The Swagger 2.0 document as kubectl reads it: protobuf in gnostic's
//! `openapi.v2.Document` encoding. client-go asks for it as
//! `application/com.github.proto-openapi.spec.v2@v1.0+protobuf`, which Go's
//! MIME parser cannot read back, so the reply says `...spec.v2.v1.0+protobuf`
//! as kube-apiserver's does. client-go
//! asks `/openapi/v2` for nothing else, so without it `kubectl apply` of a
//! `kind: List` fails validation. Only what kubectl reads is encoded: the
//! info, the paths' operations with their query parameters and extensions,
//! and the definitions (references, types, formats, descriptions, required
//! fields, properties, items, additional properties, enums, extensions).

use serde_json::{Map, Value};

/// The media type of the encoded document, as the reply names it.
pub(crate) const MEDIA_TYPE: &str = "application/com.github.proto-openapi.spec.v2.v1.0+protobuf";

/// A protobuf message being written.
#[derive(Default)]
struct Message(Vec<u8>);

impl Message {
    fn varint(&mut self, mut value: u64) {
        loop {
            let byte = (value & 0x7f) as u8;
            value >>= 7;
            if value == 0 {
                self.0.push(byte);
                return;
            }
            self.0.push(byte | 0x80);
        }
    }

    fn bytes(&mut self, field: u64, bytes: &[u8]) {
        self.varint(field << 3 | 2);
        self.varint(bytes.len() as u64);
        self.0.extend_from_slice(bytes);
    }

    fn string(&mut self, field: u64, text: &str) {
        if !text.is_empty() {
            self.bytes(field, text.as_bytes());
        }
    }

    fn message(&mut self, field: u64, message: Message) {
        self.bytes(field, &message.0);
    }

    fn boolean(&mut self, field: u64, value: bool) {
        if value {
            self.varint(field << 3);
            self.varint(1);
        }
    }
}

/// `Any { yaml = 2 }`: JSON is YAML.
fn any(value: &Value) -> Message {
    let mut any = Message::default();
    any.string(2, &value.to_string());
    any
}

/// `NamedAny { name = 1, value = 2 }` for every `x-` key of `map`.
fn extensions(out: &mut Message, field: u64, map: &Map<String, Value>) {
    for (name, value) in map.iter().filter(|(k, _)| k.starts_with("x-")) {
        let mut named = Message::default();
        named.string(1, name);
        named.message(2, any(value));
        out.message(field, named);
    }
}

fn text<'a>(map: &'a Map<String, Value>, field: &str) -> &'a str {
    map.get(field).and_then(Value::as_str).unwrap_or("")
}

/// The one `$ref` of `{allOf: [{$ref}]}` (how a described reference is written).
fn sole_reference(map: &Map<String, Value>) -> Option<&str> {
    match map.get("allOf")?.as_array()?.as_slice() {
        [only] => only.get("$ref")?.as_str(),
        _ => None,
    }
}

/// `Schema`.
fn schema(value: &Value) -> Message {
    let mut out = Message::default();
    let Some(map) = value.as_object() else {
        return out;
    };
    let reference = map
        .get("$ref")
        .and_then(Value::as_str)
        .or_else(|| sole_reference(map));
    out.string(1, reference.unwrap_or(""));
    out.string(2, text(map, "format"));
    out.string(4, text(map, "description"));
    for required in map
        .get("required")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        out.string(19, required.as_str().unwrap_or(""));
    }
    for item in map
        .get("enum")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        out.message(20, any(item));
    }
    match map.get("additionalProperties") {
        Some(Value::Bool(allowed)) => {
            let mut item = Message::default();
            item.boolean(2, *allowed);
            out.message(21, item);
        }
        Some(additional @ Value::Object(_)) => {
            let mut item = Message::default();
            item.message(1, schema(additional));
            out.message(21, item);
        }
        _ => {}
    }
    let preserve = map.get("x-kubernetes-preserve-unknown-fields") == Some(&Value::Bool(true));
    if let Some(kind) = map.get("type").and_then(Value::as_str) {
        let mut item = Message::default();
        item.string(1, kind);
        out.message(22, item);
    }
    if let Some(items) = map.get("items") {
        let mut item = Message::default();
        item.message(1, schema(items));
        out.message(23, item);
    }
    if reference.is_none() {
        for part in map
            .get("allOf")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            out.message(24, schema(part));
        }
    }
    // A schema that keeps unknown fields is a map to kubectl (no properties
    // to check against), as the API server publishes it in v2.
    if let Some(properties) = map
        .get("properties")
        .and_then(Value::as_object)
        .filter(|_| !preserve)
    {
        let mut all = Message::default();
        for (name, property) in properties {
            let mut named = Message::default();
            named.string(1, name);
            named.message(2, schema(property));
            all.message(1, named);
        }
        out.message(25, all);
    }
    extensions(&mut out, 31, map);
    out
}

/// `ParametersItem { parameter = 1: Parameter { non_body_parameter = 2:
/// NonBodyParameter { query_parameter_sub_schema = 3 } } }`.
fn query_parameter(parameter: &Value) -> Message {
    let map = parameter.as_object().cloned().unwrap_or_default();
    let mut query = Message::default();
    query.string(2, text(&map, "in"));
    query.string(3, text(&map, "description"));
    query.string(4, text(&map, "name"));
    query.string(6, text(&map, "type"));
    query.boolean(20, map.get("uniqueItems") == Some(&Value::Bool(true)));
    let mut non_body = Message::default();
    non_body.message(3, query);
    let mut parameter = Message::default();
    parameter.message(2, non_body);
    let mut item = Message::default();
    item.message(1, parameter);
    item
}

/// `Operation`.
fn operation(value: &Value) -> Message {
    let mut out = Message::default();
    let map = value.as_object().cloned().unwrap_or_default();
    out.string(5, text(&map, "operationId"));
    for parameter in map
        .get("parameters")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        out.message(8, query_parameter(parameter));
    }
    extensions(&mut out, 13, &map);
    out
}

/// `Paths { path = 2: NamedPathItem }`.
fn paths(value: &Value) -> Message {
    let mut out = Message::default();
    for (path, item) in value.as_object().into_iter().flatten() {
        let mut path_item = Message::default();
        for (method, field) in [
            ("get", 2),
            ("put", 3),
            ("post", 4),
            ("delete", 5),
            ("patch", 8),
        ] {
            if let Some(op) = item.get(method) {
                path_item.message(field, operation(op));
            }
        }
        let mut named = Message::default();
        named.string(1, path);
        named.message(2, path_item);
        out.message(2, named);
    }
    out
}

/// Encodes a Swagger 2.0 document (as JSON) as `openapi.v2.Document`.
pub(crate) fn encode(document: &Value) -> Vec<u8> {
    let mut out = Message::default();
    let empty = Map::new();
    let map = document.as_object().unwrap_or(&empty);
    out.string(1, text(map, "swagger"));
    if let Some(info) = map.get("info").and_then(Value::as_object) {
        let mut encoded = Message::default();
        encoded.string(1, text(info, "title"));
        encoded.string(2, text(info, "version"));
        out.message(2, encoded);
    }
    if let Some(all) = map.get("paths") {
        out.message(8, paths(all));
    }
    let mut definitions = Message::default();
    for (name, definition) in map
        .get("definitions")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
    {
        let mut named = Message::default();
        named.string(1, name);
        named.message(2, schema(definition));
        definitions.message(1, named);
    }
    out.message(9, definitions);
    out.0
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn strings_and_nested_messages_are_length_delimited() {
        let encoded = encode(&json!({"swagger": "2.0", "definitions": {
            "A": {"type": "object", "properties": {"b": {"type": "string"}}}
        }}));
        // swagger = 1: "2.0"
        assert_eq!(&encoded[..5], &[0x0a, 3, b'2', b'.', b'0']);
        // definitions = 9 (tag 0x4a), then NamedSchema { name = "A" }
        let at = 5;
        assert_eq!(encoded[at], 0x4a);
        assert_eq!(&encoded[at + 2..at + 4], &[0x0a, encoded[at + 3]]);
        let text = String::from_utf8_lossy(&encoded);
        assert!(text.contains("object") && text.contains("string"));
    }

    #[test]
    fn long_lengths_use_multi_byte_varints() {
        let mut message = Message::default();
        message.string(4, &"x".repeat(300));
        assert_eq!(&message.0[..3], &[0x22, 0xac, 0x02]);
    }
}
