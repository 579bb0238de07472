//! Editing an action before approving it: the text the operator edits, its
//! validation, and a short description of what the edit changed.

use super::DecideError;
use crate::domain::{ActionKind, ProposedAction};
use serde_json::Value;
use similar::TextDiff;

/// The text an operator edits for `action`: the patch (as the agent wrote it),
/// the command as a YAML list, or `replicas: N`. `None` when the kind has
/// nothing to edit (rollout-restart, delete).
pub fn edit_text(action: &ProposedAction) -> Option<String> {
    match action.kind {
        ActionKind::Patch => Some(action.patch.clone().unwrap_or_default()),
        ActionKind::Exec => Some(
            serde_saphyr::to_string(&action.command.clone().unwrap_or_default())
                .unwrap_or_default(),
        ),
        ActionKind::Scale => Some(format!(
            "replicas: {}\n",
            action.replicas.unwrap_or_default()
        )),
        ActionKind::RolloutRestart | ActionKind::Delete => None,
    }
}

/// Checks the operator's edit of `original` (the text from [`edit_text`], as
/// YAML or JSON) and returns the edited action. The kind and target never
/// change; only the payload does.
///
/// - patch: a mapping for merge and strategic patches, a list of operations
///   (each with a known `op` and a `path`) for JSON patches;
/// - exec: a non-empty list of strings;
/// - scale: `replicas: N` or just `N`, not negative.
///
/// A refusal is [`DecideError::InvalidEdit`] with the 1-based line at fault.
pub fn validate_edit(
    original: &ProposedAction,
    edited_patch_text: &str,
) -> Result<ProposedAction, DecideError> {
    let text = edited_patch_text.trim_end();
    let label = original.kind;
    if !matches!(
        label,
        ActionKind::Patch | ActionKind::Exec | ActionKind::Scale
    ) {
        return Err(invalid(
            1,
            format!("a {label} has nothing to edit: approve or veto it as proposed"),
        ));
    }
    if text.trim().is_empty() {
        return Err(invalid(
            1,
            format!("the edited {} is empty", payload_name(label)),
        ));
    }
    let document = parse_document(text)?;
    let mut edited = original.clone();
    match label {
        ActionKind::Patch => {
            check_patch_shape(&document, original.patch_type.as_deref())?;
            edited.patch = Some(format!("{text}\n"));
        }
        ActionKind::Exec => edited.command = Some(command_of(&document)?),
        _ => edited.replicas = Some(replicas_of(&document)?),
    }
    Ok(edited)
}

/// A short unified diff of what an edit changed (of the [`edit_text`] of each),
/// or `no change`.
pub fn describe_edit(original: &ProposedAction, edited: &ProposedAction) -> String {
    let before = edit_text(original).unwrap_or_default();
    let after = edit_text(edited).unwrap_or_default();
    if before.trim_end() == after.trim_end() {
        return "no change".to_string();
    }
    let before = with_final_newline(before);
    let after = with_final_newline(after);
    TextDiff::from_lines(&before, &after)
        .unified_diff()
        .context_radius(2)
        .header("proposed", "edited")
        .to_string()
}

fn with_final_newline(mut text: String) -> String {
    if !text.ends_with('\n') {
        text.push('\n');
    }
    text
}

fn payload_name(kind: ActionKind) -> &'static str {
    match kind {
        ActionKind::Exec => "command",
        ActionKind::Scale => "replica count",
        _ => "patch",
    }
}

fn invalid(line: usize, reason: impl Into<String>) -> DecideError {
    DecideError::InvalidEdit {
        line,
        reason: reason.into(),
    }
}

/// Parses the text as JSON or YAML. Text that starts like JSON (`{` or `[`) is
/// read as JSON first and, failing that, as a YAML flow collection (`[kill,
/// -TERM, 1]`); when both fail, the JSON error is the one reported.
fn parse_document(text: &str) -> Result<Value, DecideError> {
    let looks_like_json = text.trim_start().starts_with(['{', '[']);
    if looks_like_json {
        let json_error = match serde_json::from_str(text) {
            Ok(value) => return Ok(value),
            Err(error) => invalid(error.line().max(1), json_reason(&error)),
        };
        return serde_saphyr::from_str::<Value>(text).map_err(|_| json_error);
    }
    serde_saphyr::from_str::<Value>(text).map_err(|e| {
        let line = e
            .location()
            .and_then(|l| usize::try_from(l.line()).ok())
            .unwrap_or(1)
            .max(1);
        invalid(line, yaml_reason(&e.to_string()))
    })
}

/// serde_json's message without its " at line L column C" suffix.
fn json_reason(error: &serde_json::Error) -> String {
    let message = error.to_string();
    match message.rfind(" at line ") {
        Some(cut) => format!("not valid JSON: {}", &message[..cut]),
        None => format!("not valid JSON: {message}"),
    }
}

/// The first line of serde-saphyr's report, without its position prefix and
/// its hints to programmers.
fn yaml_reason(report: &str) -> String {
    let first = report.lines().next().unwrap_or_default();
    let first = first.strip_prefix("error: ").unwrap_or(first);
    let message = match first.split_once(": ") {
        Some((position, rest)) if position.starts_with("line ") => rest,
        _ => first,
    };
    let message = message.split(", set ").next().unwrap_or(message);
    format!("not valid YAML: {message}")
}

const JSON_PATCH_OPS: [&str; 6] = ["add", "remove", "replace", "move", "copy", "test"];

fn check_patch_shape(document: &Value, patch_type: Option<&str>) -> Result<(), DecideError> {
    if patch_type == Some("json") {
        let Value::Array(operations) = document else {
            return Err(invalid(
                1,
                "a JSON patch is a list of operations, like [{op: replace, path: /spec/replicas, value: 3}]",
            ));
        };
        for (index, operation) in operations.iter().enumerate() {
            let number = index + 1;
            let op = operation
                .get("op")
                .and_then(Value::as_str)
                .unwrap_or_default();
            if !JSON_PATCH_OPS.contains(&op) {
                return Err(invalid(
                    1,
                    format!(
                        "operation {number} needs an `op` of {}",
                        JSON_PATCH_OPS.join(", ")
                    ),
                ));
            }
            if operation.get("path").and_then(Value::as_str).is_none() {
                return Err(invalid(
                    1,
                    format!("operation {number} ({op}) needs a `path`"),
                ));
            }
        }
        serde_json::from_value::<json_patch::Patch>(document.clone())
            .map_err(|e| invalid(1, format!("not a valid JSON patch: {e}")))?;
        return Ok(());
    }
    if !document.is_object() {
        return Err(invalid(
            1,
            "a merge patch is a mapping of fields to change, like `spec: {replicas: 3}`",
        ));
    }
    Ok(())
}

fn command_of(document: &Value) -> Result<Vec<String>, DecideError> {
    let shape = || {
        invalid(
            1,
            "give the command as a list of arguments, like [kubectl, rollout, status]",
        )
    };
    let Value::Array(items) = document else {
        return Err(shape());
    };
    if items.is_empty() {
        return Err(invalid(1, "the command is empty"));
    }
    items
        .iter()
        .map(|item| match item {
            Value::String(s) => Ok(s.clone()),
            Value::Number(n) => Ok(n.to_string()),
            Value::Bool(b) => Ok(b.to_string()),
            _ => Err(shape()),
        })
        .collect()
}

fn replicas_of(document: &Value) -> Result<i32, DecideError> {
    let value = document.get("replicas").unwrap_or(document);
    value
        .as_i64()
        .and_then(|n| i32::try_from(n).ok())
        .filter(|n| *n >= 0)
        .ok_or_else(|| {
            invalid(
                1,
                "give the replica count as `replicas: N`, a whole number from 0",
            )
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::ActionTarget;

    fn action(kind: ActionKind) -> ProposedAction {
        ProposedAction {
            kind,
            target: ActionTarget {
                api_version: "apps/v1".into(),
                kind: "Deployment".into(),
                namespace: "payments".into(),
                name: "api".into(),
            },
            patch: (kind == ActionKind::Patch).then(|| {
                "spec:\n  template:\n    spec:\n      containers:\n      - name: api\n        resources:\n          limits:\n            memory: 512Mi\n".to_string()
            }),
            patch_type: (kind == ActionKind::Patch).then(|| "strategic".to_string()),
            command: (kind == ActionKind::Exec).then(|| vec!["kill".into(), "-HUP".into(), "1".into()]),
            replicas: (kind == ActionKind::Scale).then_some(3),
        }
    }

    fn refusal(result: Result<ProposedAction, DecideError>) -> (usize, String) {
        match result {
            Err(DecideError::InvalidEdit { line, reason }) => (line, reason),
            other => panic!("expected an invalid edit, got {other:?}"),
        }
    }

    #[test]
    fn an_edited_patch_keeps_kind_and_target_and_is_described_as_a_diff() {
        let original = action(ActionKind::Patch);
        let text = edit_text(&original)
            .expect("a patch is editable")
            .replace("512Mi", "768Mi");
        let edited = validate_edit(&original, &text).expect("valid YAML");
        assert_eq!(edited.target, original.target);
        assert_eq!(edited.kind, ActionKind::Patch);
        assert!(edited.patch.as_deref().is_some_and(|p| p.contains("768Mi")));
        let diff = describe_edit(&original, &edited);
        assert!(diff.contains("-            memory: 512Mi"), "{diff}");
        assert!(diff.contains("+            memory: 768Mi"), "{diff}");
        assert!(diff.starts_with("--- proposed\n+++ edited\n"), "{diff}");
        assert_eq!(describe_edit(&original, &original), "no change");
    }

    #[test]
    fn json_is_accepted_and_its_errors_name_the_line() {
        let original = action(ActionKind::Patch);
        validate_edit(&original, r#"{"spec": {"replicas": 2}}"#).expect("valid JSON");
        let (line, reason) = refusal(validate_edit(
            &original,
            "{\n  \"spec\": {\n    \"replicas\": 2\n    \"paused\": true\n  }\n}",
        ));
        assert_eq!(line, 4, "{reason}");
        assert!(reason.starts_with("not valid JSON"), "{reason}");
    }

    #[test]
    fn broken_yaml_is_refused_naming_the_line() {
        let original = action(ActionKind::Patch);
        let (line, reason) = refusal(validate_edit(
            &original,
            "spec:\n  template:\n    metadata: {}\n   spec: {}\n",
        ));
        assert_eq!(line, 4);
        assert!(reason.starts_with("not valid YAML: "), "{reason}");
        assert!(
            !reason.contains('\n') && !reason.contains("line 4"),
            "{reason}"
        );
        let (line, reason) = refusal(validate_edit(&original, "a: 1\na: 2\n"));
        assert_eq!(line, 2);
        assert!(reason.contains("duplicate mapping key"), "{reason}");
        assert!(!reason.contains("DuplicateKeyPolicy"), "{reason}");
    }

    #[test]
    fn the_document_must_have_the_right_shape() {
        let original = action(ActionKind::Patch);
        let (_, reason) = refusal(validate_edit(&original, "- just\n- a list\n"));
        assert!(reason.contains("mapping"), "{reason}");
        let (_, reason) = refusal(validate_edit(&original, "   \n"));
        assert!(reason.contains("empty"), "{reason}");

        let mut json_patch = action(ActionKind::Patch);
        json_patch.patch_type = Some("json".into());
        validate_edit(
            &json_patch,
            "- op: replace\n  path: /spec/replicas\n  value: 2\n",
        )
        .expect("valid");
        let (_, reason) = refusal(validate_edit(&json_patch, "- op: frobnicate\n  path: /x\n"));
        assert!(reason.contains("operation 1"), "{reason}");
        let (_, reason) = refusal(validate_edit(&json_patch, "[{\"op\": \"remove\"}]"));
        assert!(reason.contains("needs a `path`"), "{reason}");
    }

    #[test]
    fn commands_and_replica_counts_are_editable() {
        let exec = action(ActionKind::Exec);
        let text = edit_text(&exec).expect("editable");
        assert_eq!(text, "- kill\n- -HUP\n- \"1\"\n");
        let edited = validate_edit(&exec, "[kill, -TERM, 1]").expect("valid");
        assert_eq!(
            edited.command,
            Some(vec!["kill".into(), "-TERM".into(), "1".into()])
        );
        assert!(describe_edit(&exec, &edited).contains("+- -TERM"));
        let (_, reason) = refusal(validate_edit(&exec, "kill -TERM 1"));
        assert!(reason.contains("list of arguments"), "{reason}");

        let scale = action(ActionKind::Scale);
        assert_eq!(
            validate_edit(&scale, "replicas: 5").map(|a| a.replicas),
            Ok(Some(5))
        );
        assert_eq!(validate_edit(&scale, "2").map(|a| a.replicas), Ok(Some(2)));
        refusal(validate_edit(&scale, "replicas: -1"));
    }

    #[test]
    fn restarts_and_deletes_have_nothing_to_edit() {
        let restart = action(ActionKind::RolloutRestart);
        assert_eq!(edit_text(&restart), None);
        let (_, reason) = refusal(validate_edit(&restart, "anything: 1"));
        assert!(reason.contains("nothing to edit"), "{reason}");
    }
}
