//! The `kubectl` command equivalent to a proposed action, for an operator
//! who wants to run (or adapt) the change by hand: `kubectl patch`,
//! `kubectl scale`, `kubectl rollout restart`, `kubectl delete` or
//! `kubectl exec`, one shell line.
//!
//! Everything in an action is agent-written. The line is built so that no
//! text can break out of its word when pasted into a POSIX shell:
//!
//! - the patch is the *parsed* document (what an approval binds to, see
//!   [`super::canonical`]) written back as compact JSON with every character
//!   outside printable ASCII escaped as `\uXXXX`, then single-quoted with
//!   each `'` written `'\''`: inside single quotes a shell expands nothing,
//!   and the line holds nothing a terminal could hide or act on;
//! - the target's kind, namespace and name must look like Kubernetes names
//!   (letters, digits, `.`, `-`, `_`, `:`, never a leading `-` that kubectl
//!   would read as a flag), and are quoted too when they need it;
//! - an exec's arguments are single-quoted; one holding a control or
//!   invisible character is refused (copy the change instead).

use super::canonical::parse_strict;
use super::{ActionKind, ProposedAction};

/// The `kubectl` line that makes the same change as `action`, or why there
/// is none (the payload does not parse, a name is not a Kubernetes name).
pub fn kubectl_command(action: &ProposedAction) -> Result<String, String> {
    let target = &action.target;
    let resource = resource_of(&target.api_version, &target.kind)?;
    let namespace = checked_name("namespace", &target.namespace)?;
    let name = checked_name("name", &target.name)?;
    let scope = format!("-n {}", shell_word(namespace));
    let words = format!("{} {} {scope}", shell_word(&resource), shell_word(name));
    match action.kind {
        ActionKind::Patch => {
            let text = action.patch.as_deref().unwrap_or_default();
            if text.trim().is_empty() {
                return Err("the patch is empty".into());
            }
            let patch_type = action.patch_type.as_deref().unwrap_or("merge");
            if !matches!(patch_type, "json" | "merge" | "strategic") {
                return Err("the patch type is not json, merge or strategic".into());
            }
            let value = parse_strict(text).map_err(|e| format!("the patch does not parse: {e}"))?;
            let json = ascii_json(&value);
            Ok(format!(
                "kubectl patch {words} --type={patch_type} -p {}",
                single_quoted(&json)
            ))
        }
        ActionKind::Scale => match action.replicas {
            Some(n) if n >= 0 => Ok(format!("kubectl scale {words} --replicas={n}")),
            _ => Err("a scale needs a replica count of 0 or more".into()),
        },
        ActionKind::RolloutRestart => Ok(format!(
            "kubectl rollout restart {}/{} {scope}",
            shell_word(&resource),
            shell_word(name)
        )),
        ActionKind::Delete => Ok(format!("kubectl delete {words}")),
        ActionKind::Exec => {
            let args = action.command.as_deref().unwrap_or_default();
            if args.is_empty() {
                return Err("an exec needs a command".into());
            }
            if args
                .iter()
                .any(|a| a.chars().any(super::canonical::is_invisible))
            {
                return Err(
                    "the command holds control or invisible characters: copy the change instead"
                        .into(),
                );
            }
            let argv: Vec<String> = args.iter().map(|a| single_quoted(a)).collect();
            Ok(format!(
                "kubectl exec {}/{} {scope} -- {}",
                shell_word(&resource),
                shell_word(name),
                argv.join(" ")
            ))
        }
    }
}

/// `deployment.v1.apps` for `apps/v1` `Deployment`, `configmap` for `v1`
/// `ConfigMap`: the fully qualified resource kubectl resolves.
fn resource_of(api_version: &str, kind: &str) -> Result<String, String> {
    let plain_kind = !kind.is_empty() && kind.chars().all(|c| c.is_ascii_alphanumeric());
    if !plain_kind {
        return Err("the target's kind is not a Kubernetes kind".into());
    }
    let kind = kind.to_ascii_lowercase();
    let part = |s: &str| {
        !s.is_empty()
            && !s.starts_with(['-', '.'])
            && s.chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || ".-".contains(c))
    };
    match api_version.split_once('/') {
        None if part(api_version) => Ok(kind),
        Some((group, version)) if part(group) && part(version) => {
            Ok(format!("{kind}.{version}.{group}"))
        }
        _ => Err("the target's apiVersion is not a Kubernetes API version".into()),
    }
}

/// `name` when it looks like a Kubernetes object name.
fn checked_name<'a>(what: &str, name: &'a str) -> Result<&'a str, String> {
    let valid = !name.is_empty()
        && name.len() <= 253
        && !name.starts_with('-')
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "._:-".contains(c));
    if valid {
        Ok(name)
    } else {
        Err(format!("the target's {what} is not a Kubernetes name"))
    }
}

/// `value` as compact JSON holding only printable ASCII: every other
/// character (they occur only inside strings) written as `\uXXXX`.
fn ascii_json(value: &serde_json::Value) -> String {
    let json = value.to_string();
    let mut out = String::with_capacity(json.len());
    for c in json.chars() {
        if c.is_ascii() && !c.is_ascii_control() {
            out.push(c);
        } else {
            let mut units = [0u16; 2];
            for unit in c.encode_utf16(&mut units) {
                out.push_str(&format!("\\u{unit:04x}"));
            }
        }
    }
    out
}

/// `text` as one shell word inside single quotes, each `'` written `'\''`.
pub fn single_quoted(text: &str) -> String {
    format!("'{}'", text.replace('\'', "'\\''"))
}

/// `arg` as one shell word: bare when it holds only plain characters,
/// single-quoted otherwise.
pub fn shell_word(arg: &str) -> String {
    let plain = !arg.is_empty()
        && arg
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "_./=:,@%+-".contains(c));
    if plain {
        arg.to_string()
    } else {
        single_quoted(arg)
    }
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
                namespace: "web".into(),
                name: "storefront".into(),
            },
            patch: None,
            patch_type: None,
            command: None,
            replicas: None,
        }
    }

    #[test]
    fn each_kind_has_its_command() {
        let mut patch = action(ActionKind::Patch);
        patch.patch = Some("spec:\n  replicas: 3\n".into());
        patch.patch_type = Some("strategic".into());
        assert_eq!(
            kubectl_command(&patch).as_deref(),
            Ok(
                "kubectl patch deployment.v1.apps storefront -n web --type=strategic -p '{\"spec\":{\"replicas\":3}}'"
            )
        );
        let mut scale = action(ActionKind::Scale);
        scale.replicas = Some(4);
        assert_eq!(
            kubectl_command(&scale).as_deref(),
            Ok("kubectl scale deployment.v1.apps storefront -n web --replicas=4")
        );
        assert_eq!(
            kubectl_command(&action(ActionKind::RolloutRestart)).as_deref(),
            Ok("kubectl rollout restart deployment.v1.apps/storefront -n web")
        );
        let mut delete = action(ActionKind::Delete);
        delete.target.api_version = "v1".into();
        delete.target.kind = "Pod".into();
        assert_eq!(
            kubectl_command(&delete).as_deref(),
            Ok("kubectl delete pod storefront -n web")
        );
        let mut exec = action(ActionKind::Exec);
        exec.command = Some(vec!["sh".into(), "-c".into(), "echo 'hi'".into()]);
        assert_eq!(
            kubectl_command(&exec).as_deref(),
            Ok(
                "kubectl exec deployment.v1.apps/storefront -n web -- 'sh' '-c' 'echo '\\''hi'\\'''"
            )
        );
    }

    #[test]
    fn hostile_targets_and_payloads_are_refused_or_escaped() {
        let mut flag = action(ActionKind::Delete);
        flag.target.name = "--all".into();
        assert!(kubectl_command(&flag).is_err());
        let mut spaced = action(ActionKind::Delete);
        spaced.target.namespace = "web; rm -rf /".into();
        assert!(kubectl_command(&spaced).is_err());
        let mut bidi = action(ActionKind::Patch);
        bidi.patch = Some("{\"a\":\"x\u{202e}'; rm -rf / #\"}".into());
        let line = kubectl_command(&bidi).unwrap_or_default();
        assert!(line.is_ascii(), "{line}");
        assert!(line.contains("\\u202e"), "{line}");
        assert!(
            line.ends_with("-p '{\"a\":\"x\\u202e'\\''; rm -rf / #\"}'"),
            "{line}"
        );
        let mut unparsed = action(ActionKind::Patch);
        unparsed.patch = Some("{".into());
        assert!(kubectl_command(&unparsed).is_err());
    }
}
