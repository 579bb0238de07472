//! The canonical form of a proposed action: what an operator is shown, and the
//! digest an approval is bound to.
//!
//! An agent writes its patch as free text (JSON or YAML, any whitespace). Text
//! is not what runs: a write runs the *parsed* document. So the action is parsed
//! once here, and everything downstream works from the parse:
//!
//! - [`CanonicalAction::lines`]: every operation on its own line, values
//!   pretty-printed, every string quoted with its control characters escaped,
//!   so nothing can hide in whitespace, at the screen edge or in a terminal
//!   escape;
//! - [`CanonicalAction::digest`]: `sha256:` and the hex SHA-256 of the
//!   action's canonical JSON ([`canonical_json`]: the parsed action with object
//!   keys sorted and no insignificant whitespace), which every decision records
//!   and the minted credential names;
//! - [`CanonicalAction::problem`]: why the payload did not parse (or holds a
//!   duplicate key, which two parsers could read two ways). Such an action is
//!   shown raw, flagged, and cannot be approved.

use super::{ActionKind, ProposedAction};
use serde::de::{self, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};
use std::fmt;

/// The JSON-patch operations RFC 6902 defines.
const JSON_PATCH_OPS: [&str; 6] = ["add", "remove", "replace", "move", "copy", "test"];

/// How many hex digits of the digest the console shows.
pub const SHORT_DIGEST_LEN: usize = 12;

/// A proposed action in canonical form: what to show and what an approval binds to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CanonicalAction {
    /// `patch (json) apps/v1 Deployment web/storefront`: the kind, the patch
    /// type and the target, quoted where they hold anything unusual.
    pub headline: String,
    /// The payload, one operation (or argument, or key) per line; no control
    /// characters (they are escaped inside quoted strings).
    pub lines: Vec<String>,
    /// How many operations the payload holds: JSON-patch operations, leaf
    /// values a merge patch sets, command arguments; 1 for scale, restart and delete.
    pub operations: usize,
    /// `sha256:<64 hex digits>` of [`canonical_json`].
    pub digest: String,
    /// Why the payload cannot be approved (it did not parse, or is not the
    /// shape its kind needs); `None` when it can.
    pub problem: Option<String>,
}

impl CanonicalAction {
    /// Parses `action` into its canonical form.
    pub fn of(action: &ProposedAction) -> CanonicalAction {
        let payload = Payload::of(action);
        let json = canonical_json(action);
        let digest = digest_of_json(&json);
        let (lines, operations, problem) = match &payload {
            Payload::JsonPatch(ops) => (json_patch_lines(ops), ops.len(), None),
            Payload::Document(value) => {
                let mut lines = Vec::new();
                yaml_lines(value, 0, &mut lines);
                (lines, count_leaves(value), None)
            }
            Payload::Command(args) => (
                args.iter()
                    .enumerate()
                    .map(|(i, a)| format!("argv[{i}] {}", quote(a)))
                    .collect(),
                args.len(),
                None,
            ),
            Payload::Replicas(n) => (vec![format!("replicas: {n}")], 1, None),
            Payload::Nothing => (Vec::new(), 1, None),
            Payload::Unparsed { raw, problem } => (
                raw.lines().map(escape_line).collect(),
                0,
                Some(problem.clone()),
            ),
        };
        CanonicalAction {
            headline: headline(action),
            lines,
            operations,
            digest,
            problem,
        }
    }

    /// The first [`SHORT_DIGEST_LEN`] hex digits of the digest, as shown on screen.
    pub fn short_digest(&self) -> &str {
        short_digest(&self.digest)
    }

    /// Whether the action can be approved: its payload parsed.
    pub fn is_approvable(&self) -> bool {
        self.problem.is_none()
    }

    /// `2 operations`, `1 argument`…: the count with its noun.
    pub fn count_label(&self, kind: ActionKind) -> String {
        let noun = match kind {
            ActionKind::Exec => "argument",
            _ => "operation",
        };
        let plural = if self.operations == 1 { "" } else { "s" };
        format!("{} {noun}{plural}", self.operations)
    }

    /// The headline, the count and the payload lines, as one text (for
    /// exports, transcripts and the audit log).
    pub fn to_text(&self, kind: ActionKind) -> String {
        let mut text = format!("{} · {}", self.headline, self.count_label(kind));
        if let Some(problem) = &self.problem {
            text.push_str(&format!(" · NOT APPROVABLE: {problem}"));
        }
        for line in &self.lines {
            text.push('\n');
            text.push_str(line);
        }
        text
    }
}

/// The digest of `action` (`sha256:<hex>`), as [`CanonicalAction::digest`].
pub fn action_digest(action: &ProposedAction) -> String {
    digest_of_json(&canonical_json(action))
}

/// The first [`SHORT_DIGEST_LEN`] hex digits of a `sha256:<hex>` digest.
pub fn short_digest(digest: &str) -> &str {
    let hex = digest.strip_prefix("sha256:").unwrap_or(digest);
    hex.get(..SHORT_DIGEST_LEN).unwrap_or(hex)
}

/// The canonical JSON the digest is computed over: an object with `kind`,
/// `target` (`apiVersion`, `kind`, `namespace`, `name`) and, when present,
/// `patchType`, `patch` (the *parsed* document; `patchText` with the raw text
/// when it does not parse), `command` and `replicas`. Object keys are sorted
/// by their UTF-8 bytes at every depth, with no whitespace between tokens;
/// strings and numbers are written as serde_json writes them.
pub fn canonical_json(action: &ProposedAction) -> String {
    let mut object = Map::new();
    object.insert("kind".into(), Value::String(action.kind.to_string()));
    let target = &action.target;
    object.insert(
        "target".into(),
        serde_json::json!({
            "apiVersion": target.api_version,
            "kind": target.kind,
            "namespace": target.namespace,
            "name": target.name,
        }),
    );
    if let Some(patch_type) = &action.patch_type {
        object.insert("patchType".into(), Value::String(patch_type.clone()));
    }
    if let Some(text) = &action.patch {
        match parse_strict(text) {
            Ok(value) => object.insert("patch".into(), value),
            Err(_) => object.insert("patchText".into(), Value::String(text.clone())),
        };
    }
    if let Some(command) = &action.command {
        object.insert(
            "command".into(),
            Value::Array(command.iter().cloned().map(Value::String).collect()),
        );
    }
    if let Some(replicas) = action.replicas {
        object.insert("replicas".into(), Value::from(replicas));
    }
    let mut out = String::new();
    write_sorted(&Value::Object(object), &mut out);
    out
}

fn digest_of_json(json: &str) -> String {
    let hash = Sha256::digest(json.as_bytes());
    let mut hex = String::with_capacity(7 + 64);
    hex.push_str("sha256:");
    for byte in hash {
        hex.push_str(&format!("{byte:02x}"));
    }
    hex
}

/// Writes `value` as JSON with object keys sorted at every depth.
fn write_sorted(value: &Value, out: &mut String) {
    match value {
        Value::Object(map) => {
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort();
            out.push('{');
            for (i, key) in keys.into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                out.push_str(&Value::String(key.clone()).to_string());
                out.push(':');
                if let Some(inner) = map.get(key) {
                    write_sorted(inner, out);
                }
            }
            out.push('}');
        }
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_sorted(item, out);
            }
            out.push(']');
        }
        scalar => out.push_str(&scalar.to_string()),
    }
}

/// The payload of an action, parsed.
enum Payload {
    /// A JSON patch: its operations, each an object with `op` and `path`.
    JsonPatch(Vec<Map<String, Value>>),
    /// A merge or strategic patch: the document.
    Document(Value),
    /// An exec: the arguments.
    Command(Vec<String>),
    /// A scale: the replica count.
    Replicas(i32),
    /// Restart and delete carry no payload.
    Nothing,
    /// A payload that does not parse, or has the wrong shape.
    Unparsed { raw: String, problem: String },
}

impl Payload {
    fn of(action: &ProposedAction) -> Payload {
        match action.kind {
            ActionKind::Patch => patch_payload(action),
            ActionKind::Exec => match &action.command {
                Some(args) if !args.is_empty() => Payload::Command(args.clone()),
                _ => Payload::Unparsed {
                    raw: String::new(),
                    problem: "an exec needs a non-empty command".into(),
                },
            },
            ActionKind::Scale => match action.replicas {
                Some(n) if n >= 0 => Payload::Replicas(n),
                Some(n) => Payload::Unparsed {
                    raw: format!("replicas: {n}"),
                    problem: "a replica count cannot be negative".into(),
                },
                None => Payload::Unparsed {
                    raw: String::new(),
                    problem: "a scale needs replicas".into(),
                },
            },
            ActionKind::RolloutRestart | ActionKind::Delete => Payload::Nothing,
        }
    }
}

fn patch_payload(action: &ProposedAction) -> Payload {
    let raw = action.patch.clone().unwrap_or_default();
    let unparsed = |problem: String| Payload::Unparsed {
        raw: raw.clone(),
        problem,
    };
    if raw.trim().is_empty() {
        return unparsed("the patch is empty".into());
    }
    let value = match parse_strict(&raw) {
        Ok(value) => value,
        Err(problem) => return unparsed(format!("the patch does not parse: {problem}")),
    };
    let patch_type = action.patch_type.as_deref().unwrap_or("merge");
    match patch_type {
        "json" => match json_patch_ops(&value) {
            Ok(ops) => Payload::JsonPatch(ops),
            Err(problem) => unparsed(problem),
        },
        "merge" | "strategic" if value.is_object() => Payload::Document(value),
        "merge" | "strategic" => unparsed(format!("a {patch_type} patch must be a mapping")),
        other => unparsed(format!(
            "unknown patch type {} (merge, json or strategic)",
            quote(other)
        )),
    }
}

/// The operations of a JSON patch, each checked for a known `op` and a `path`.
fn json_patch_ops(value: &Value) -> Result<Vec<Map<String, Value>>, String> {
    let Value::Array(items) = value else {
        return Err("a json patch must be a list of operations".into());
    };
    if items.is_empty() {
        return Err("the json patch has no operations".into());
    }
    let mut ops = Vec::with_capacity(items.len());
    for (i, item) in items.iter().enumerate() {
        let n = i + 1;
        let Value::Object(op) = item else {
            return Err(format!("operation {n} is not a mapping"));
        };
        match op.get("op").and_then(Value::as_str) {
            Some(name) if JSON_PATCH_OPS.contains(&name) => {}
            Some(name) => return Err(format!("operation {n}: unknown op {}", quote(name))),
            None => return Err(format!("operation {n} has no op")),
        }
        if op.get("path").and_then(Value::as_str).is_none() {
            return Err(format!("operation {n} has no path"));
        }
        let known = ["op", "path", "value", "from"];
        if let Some(extra) = op.keys().find(|k| !known.contains(&k.as_str())) {
            return Err(format!("operation {n}: unexpected field {}", quote(extra)));
        }
        ops.push(op.clone());
    }
    Ok(ops)
}

/// `1. replace /spec/replicas` then the value, indented, for each operation.
fn json_patch_lines(ops: &[Map<String, Value>]) -> Vec<String> {
    let mut lines = Vec::new();
    for (i, op) in ops.iter().enumerate() {
        let name = op.get("op").and_then(Value::as_str).unwrap_or_default();
        let path = op.get("path").and_then(Value::as_str).unwrap_or_default();
        let mut line = format!("{}. {name} {}", i + 1, path_text(path));
        if let Some(from) = op.get("from").and_then(Value::as_str) {
            line.push_str(&format!(" from {}", path_text(from)));
        }
        match op.get("value") {
            Some(value) if is_scalar(value) => {
                line.push_str(" = ");
                line.push_str(&scalar_text(value));
                lines.push(line);
            }
            Some(value) => {
                line.push_str(" =");
                lines.push(line);
                yaml_lines(value, 2, &mut lines);
            }
            None => lines.push(line),
        }
    }
    lines
}

/// A JSON pointer as shown: bare when it holds only plain characters, quoted otherwise.
fn path_text(path: &str) -> String {
    let plain = !path.is_empty()
        && path
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "/-_.~".contains(c));
    if plain { path.to_string() } else { quote(path) }
}

fn is_scalar(value: &Value) -> bool {
    match value {
        Value::Array(items) => items.is_empty(),
        Value::Object(map) => map.is_empty(),
        _ => true,
    }
}

/// A scalar as shown: strings always quoted (escapes visible), `{}` and `[]` for empties.
fn scalar_text(value: &Value) -> String {
    match value {
        Value::String(s) => quote(s),
        Value::Array(_) => "[]".into(),
        Value::Object(_) => "{}".into(),
        other => other.to_string(),
    }
}

/// YAML-like lines for `value`, indented by `indent` spaces: keys sorted, bare
/// when plain, strings always quoted.
fn yaml_lines(value: &Value, indent: usize, out: &mut Vec<String>) {
    let pad = " ".repeat(indent);
    match value {
        Value::Object(map) if !map.is_empty() => {
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort();
            for key in keys {
                let Some(inner) = map.get(key) else { continue };
                let key = key_text(key);
                if is_scalar(inner) {
                    out.push(format!("{pad}{key}: {}", scalar_text(inner)));
                } else {
                    out.push(format!("{pad}{key}:"));
                    yaml_lines(inner, indent + 2, out);
                }
            }
        }
        Value::Array(items) if !items.is_empty() => {
            for item in items {
                if is_scalar(item) {
                    out.push(format!("{pad}- {}", scalar_text(item)));
                } else {
                    out.push(format!("{pad}-"));
                    yaml_lines(item, indent + 2, out);
                }
            }
        }
        scalar => out.push(format!("{pad}{}", scalar_text(scalar))),
    }
}

fn key_text(key: &str) -> String {
    let plain = !key.is_empty()
        && key
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_./".contains(c));
    if plain { key.to_string() } else { quote(key) }
}

/// Leaf values a document sets (an empty mapping or list counts as one).
fn count_leaves(value: &Value) -> usize {
    match value {
        Value::Object(map) if !map.is_empty() => map.values().map(count_leaves).sum(),
        Value::Array(items) if !items.is_empty() => items.iter().map(count_leaves).sum(),
        _ => 1,
    }
}

/// `"text"` with JSON escapes, and every character that is not plainly
/// visible (bidi controls, zero-width characters, other format characters)
/// escaped as `\u{…}`.
pub fn quote(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            c if is_invisible(c) => out.push_str(&format!("\\u{{{:04x}}}", u32::from(c))),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// A raw line with every invisible or control character escaped.
fn escape_line(line: &str) -> String {
    let mut out = String::with_capacity(line.len());
    for c in line.chars() {
        if c == '\t' {
            out.push_str("\\t");
        } else if is_invisible(c) {
            out.push_str(&format!("\\u{{{:04x}}}", u32::from(c)));
        } else {
            out.push(c);
        }
    }
    out
}

/// Characters that draw nothing or move the cursor: controls, bidi controls,
/// zero-width and other format characters, tags, line and paragraph separators.
pub(crate) fn is_invisible(c: char) -> bool {
    c.is_control()
        || matches!(u32::from(c),
            0x00AD | 0x034F | 0x061C | 0x115F | 0x1160 | 0x17B4 | 0x17B5 | 0x180E
            | 0x200B..=0x200F | 0x2028..=0x202E | 0x2060..=0x206F | 0x3164 | 0xFE00..=0xFE0F
            | 0xFEFF | 0xFFA0 | 0xFFF9..=0xFFFB | 0xE0000..=0xE0FFF)
}

fn headline(action: &ProposedAction) -> String {
    let target = &action.target;
    let plain = |s: &str| {
        if !s.is_empty()
            && s.chars()
                .all(|c| c.is_ascii_alphanumeric() || "-_./:".contains(c))
        {
            s.to_string()
        } else {
            quote(s)
        }
    };
    let kind = match (action.kind, action.patch_type.as_deref()) {
        (ActionKind::Patch, Some(t)) => format!("patch ({})", plain(t)),
        (ActionKind::Patch, None) => "patch (merge)".to_string(),
        (kind, _) => kind.to_string(),
    };
    format!(
        "{kind} {} {} {}/{}",
        plain(&target.api_version),
        plain(&target.kind),
        plain(&target.namespace),
        plain(&target.name)
    )
}

/// Parses JSON, or YAML when the text is not JSON, refusing duplicate keys.
pub fn parse_strict(text: &str) -> Result<Value, String> {
    let json_error = match serde_json::from_str::<StrictValue>(text) {
        Ok(StrictValue(value)) => return Ok(value),
        Err(error) => error.to_string(),
    };
    match serde_saphyr::from_str::<StrictValue>(text) {
        Ok(StrictValue(value)) => Ok(value),
        Err(yaml_error) if text.trim_start().starts_with(['{', '[']) => {
            let _ = yaml_error;
            Err(json_error)
        }
        Err(yaml_error) => Err(first_line(&yaml_error.to_string())),
    }
}

fn first_line(text: &str) -> String {
    text.lines().next().unwrap_or_default().to_string()
}

/// A JSON value whose mappings may not repeat a key.
struct StrictValue(Value);

impl<'de> serde::Deserialize<'de> for StrictValue {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(StrictVisitor).map(StrictValue)
    }
}

struct StrictVisitor;

impl<'de> Visitor<'de> for StrictVisitor {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON or YAML value")
    }

    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Value, E> {
        Ok(Value::from(v))
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Value, E> {
        Ok(Value::from(v))
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Value, E> {
        serde_json::Number::from_f64(v)
            .map(Value::Number)
            .ok_or_else(|| E::custom("a number that is not finite"))
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Value, E> {
        Ok(Value::String(v.to_string()))
    }
    fn visit_string<E: de::Error>(self, v: String) -> Result<Value, E> {
        Ok(Value::String(v))
    }
    fn visit_unit<E: de::Error>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_none<E: de::Error>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        d.deserialize_any(StrictVisitor)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut items = Vec::new();
        while let Some(StrictValue(item)) = seq.next_element()? {
            items.push(item);
        }
        Ok(Value::Array(items))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut object = Map::new();
        while let Some(key) = map.next_key::<String>()? {
            if object.contains_key(&key) {
                return Err(de::Error::custom(format!(
                    "duplicate key {} (two readers could take different values)",
                    quote(&key)
                )));
            }
            let StrictValue(value) = map.next_value()?;
            object.insert(key, value);
        }
        Ok(Value::Object(object))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::ActionTarget;

    fn patch(patch_type: &str, text: &str) -> ProposedAction {
        ProposedAction {
            kind: ActionKind::Patch,
            target: ActionTarget {
                api_version: "apps/v1".into(),
                kind: "Deployment".into(),
                namespace: "web".into(),
                name: "storefront".into(),
            },
            patch: Some(text.into()),
            patch_type: Some(patch_type.into()),
            command: None,
            replicas: None,
        }
    }

    #[test]
    fn whitespace_cannot_hide_a_json_patch_operation() {
        let hidden = format!(
            "[{{\"op\":\"replace\",\"path\":\"/spec/replicas\",\"value\":3}},{}{{\"op\":\"remove\",\"path\":\"/spec/template/spec/securityContext\"}}]",
            " ".repeat(5000)
        );
        let canonical = CanonicalAction::of(&patch("json", &hidden));
        assert_eq!(canonical.operations, 2);
        assert_eq!(
            canonical.lines,
            [
                "1. replace /spec/replicas = 3",
                "2. remove /spec/template/spec/securityContext"
            ]
        );
        let tidy = r#"[{"op":"replace","path":"/spec/replicas","value":3},{"op":"remove","path":"/spec/template/spec/securityContext"}]"#;
        assert_eq!(
            canonical.digest,
            CanonicalAction::of(&patch("json", tidy)).digest,
            "the digest binds the parse, not the whitespace"
        );
    }

    #[test]
    fn a_changed_value_changes_the_digest() {
        let a = action_digest(&patch("merge", r#"{"spec":{"replicas":3}}"#));
        let b = action_digest(&patch("merge", r#"{"spec":{"replicas":4}}"#));
        let c = action_digest(&patch("merge", "spec:\n  replicas: 3\n"));
        assert_ne!(a, b);
        assert_eq!(a, c, "YAML and JSON of one document are one action");
        assert!(a.starts_with("sha256:") && a.len() == 7 + 64);
    }

    #[test]
    fn merge_patches_show_as_sorted_yaml_with_quoted_strings() {
        let canonical = CanonicalAction::of(&patch(
            "merge",
            r#"{"spec":{"template":{"metadata":{"annotations":{"b":"x\u001b[2J","a":"1"}}}}}"#,
        ));
        assert_eq!(
            canonical.lines,
            [
                "spec:",
                "  template:",
                "    metadata:",
                "      annotations:",
                "        a: \"1\"",
                "        b: \"x\\u{001b}[2J\"",
            ]
        );
        assert_eq!(canonical.operations, 2);
    }

    #[test]
    fn a_patch_that_does_not_parse_is_flagged_and_shown_raw() {
        let canonical = CanonicalAction::of(&patch("json", "[{\"op\": \"replace\","));
        assert!(!canonical.is_approvable());
        assert_eq!(canonical.lines, ["[{\"op\": \"replace\","]);
        let unknown = CanonicalAction::of(&patch("json", r#"[{"op":"frob","path":"/a"}]"#));
        assert_eq!(
            unknown.problem.as_deref(),
            Some("operation 1: unknown op \"frob\"")
        );
    }

    #[test]
    fn duplicate_keys_are_refused() {
        let canonical =
            CanonicalAction::of(&patch("merge", r#"{"spec":{"replicas":3,"replicas":0}}"#));
        assert!(
            canonical
                .problem
                .as_deref()
                .is_some_and(|p| p.contains("duplicate key")),
            "{canonical:?}"
        );
    }

    #[test]
    fn commands_show_one_argument_per_line() {
        let mut exec = patch("merge", "");
        exec.kind = ActionKind::Exec;
        exec.patch = None;
        exec.patch_type = None;
        exec.command = Some(vec!["sh".into(), "-c".into(), "rm -rf /\u{202e}".into()]);
        let canonical = CanonicalAction::of(&exec);
        assert_eq!(
            canonical.lines,
            [
                "argv[0] \"sh\"",
                "argv[1] \"-c\"",
                "argv[2] \"rm -rf /\\u{202e}\""
            ]
        );
        assert_eq!(canonical.count_label(ActionKind::Exec), "3 arguments");
    }

    #[test]
    fn canonical_json_sorts_keys_and_drops_whitespace() {
        let json = canonical_json(&patch("merge", "{ \"b\": 1,\n \"a\": [ 2, 3 ] }"));
        assert_eq!(
            json,
            r#"{"kind":"patch","patch":{"a":[2,3],"b":1},"patchType":"merge","target":{"apiVersion":"apps/v1","kind":"Deployment","name":"storefront","namespace":"web"}}"#
        );
    }
}
