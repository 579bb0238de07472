//! Just enough Kubernetes protobuf to read the review requests kubectl sends
//! as `application/vnd.kubernetes.protobuf` (`kubectl auth whoami`,
//! `kubectl auth can-i`). Every other body must be JSON or YAML.

use serde_json::{Map, Value, json};

/// The 4-byte prefix of Kubernetes protobuf bodies.
const MAGIC: &[u8] = b"k8s\0";

/// One field of a protobuf message.
enum Field<'a> {
    /// A varint.
    Varint,
    /// A length-delimited value (string, bytes or embedded message).
    Bytes(&'a [u8]),
}

fn varint(buf: &[u8], at: &mut usize) -> Option<u64> {
    let mut value = 0u64;
    for shift in (0..64).step_by(7) {
        let byte = *buf.get(*at)?;
        *at += 1;
        value |= u64::from(byte & 0x7f) << shift;
        if byte & 0x80 == 0 {
            return Some(value);
        }
    }
    None
}

/// The fields of a message, in order; `None` when it is malformed.
fn fields(buf: &[u8]) -> Option<Vec<(u64, Field<'_>)>> {
    let mut at = 0;
    let mut out = Vec::new();
    while at < buf.len() {
        let key = varint(buf, &mut at)?;
        let field = match key & 7 {
            0 => {
                varint(buf, &mut at)?;
                Field::Varint
            }
            1 => {
                at = at.checked_add(8).filter(|end| *end <= buf.len())?;
                Field::Varint
            }
            2 => {
                let length = usize::try_from(varint(buf, &mut at)?).ok()?;
                let end = at.checked_add(length).filter(|end| *end <= buf.len())?;
                let bytes = &buf[at..end];
                at = end;
                Field::Bytes(bytes)
            }
            5 => {
                at = at.checked_add(4).filter(|end| *end <= buf.len())?;
                Field::Varint
            }
            _ => return None,
        };
        out.push((key >> 3, field));
    }
    Some(out)
}

fn message(buf: &[u8], number: u64) -> Option<&[u8]> {
    fields(buf)?.into_iter().find_map(|(n, f)| match f {
        Field::Bytes(bytes) if n == number => Some(bytes),
        _ => None,
    })
}

fn strings(buf: &[u8], names: &[(u64, &str)]) -> Value {
    let mut map = Map::new();
    for (number, field) in fields(buf).unwrap_or_default() {
        if let (Some((_, name)), Field::Bytes(bytes)) =
            (names.iter().find(|(n, _)| *n == number), field)
        {
            map.insert((*name).into(), json!(String::from_utf8_lossy(bytes)));
        }
    }
    Value::Object(map)
}

/// A SelfSubjectReview or SelfSubjectAccessReview body as JSON (the spec only).
pub(crate) fn decode_review(body: &[u8]) -> Option<Value> {
    let unknown = body.strip_prefix(MAGIC)?;
    let Some(raw) = message(unknown, 2) else {
        return Some(json!({}));
    };
    let Some(spec) = message(raw, 2) else {
        return Some(json!({}));
    };
    let mut json_spec = Map::new();
    if let Some(attributes) = message(spec, 1) {
        let names = [
            (1, "namespace"),
            (2, "verb"),
            (3, "group"),
            (4, "version"),
            (5, "resource"),
            (6, "subresource"),
            (7, "name"),
        ];
        json_spec.insert("resourceAttributes".into(), strings(attributes, &names));
    }
    if let Some(attributes) = message(spec, 2) {
        json_spec.insert(
            "nonResourceAttributes".into(),
            strings(attributes, &[(1, "path"), (2, "verb")]),
        );
    }
    Some(json!({"spec": json_spec}))
}

/// A SelfSubjectRulesReview body as JSON (its `spec.namespace` only).
pub(crate) fn decode_rules_review(body: &[u8]) -> Option<Value> {
    let unknown = body.strip_prefix(MAGIC)?;
    let namespace = message(unknown, 2)
        .and_then(|raw| message(raw, 2))
        .and_then(|spec| message(spec, 1))
        .map(String::from_utf8_lossy)
        .unwrap_or_default();
    Some(json!({"spec": {"namespace": namespace}}))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn length_delimited(number: u8, bytes: &[u8]) -> Vec<u8> {
        let mut out = vec![(number << 3) | 2, u8::try_from(bytes.len()).unwrap()];
        out.extend_from_slice(bytes);
        out
    }

    #[test]
    fn reads_an_access_review() {
        let attributes = [
            length_delimited(1, b"payments"),
            length_delimited(2, b"patch"),
            length_delimited(5, b"jobs"),
        ]
        .concat();
        let spec = length_delimited(1, &attributes);
        let raw = [length_delimited(1, b""), length_delimited(2, &spec)].concat();
        let unknown = [
            length_delimited(1, b"\x0a\x02v1"),
            length_delimited(2, &raw),
        ]
        .concat();
        let body = [MAGIC, &unknown].concat();
        let decoded = decode_review(&body).unwrap();
        assert_eq!(
            decoded,
            json!({"spec": {"resourceAttributes": {"namespace": "payments", "verb": "patch", "resource": "jobs"}}})
        );
        assert_eq!(decode_review(b"{}"), None);
        assert!(decode_review(&[MAGIC, &[0x12, 0x7f][..]].concat()).is_some());
    }

    #[test]
    fn reads_a_rules_review_namespace() {
        let spec = length_delimited(1, b"payments");
        let raw = [length_delimited(1, b""), length_delimited(2, &spec)].concat();
        let body = [MAGIC, &length_delimited(2, &raw)].concat();
        assert_eq!(
            decode_rules_review(&body),
            Some(json!({"spec": {"namespace": "payments"}}))
        );
        assert_eq!(
            decode_rules_review(MAGIC),
            Some(json!({"spec": {"namespace": ""}}))
        );
        assert_eq!(decode_rules_review(b"{}"), None);
    }
}
