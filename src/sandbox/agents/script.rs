//! The shape of a scenario script: static data the runner plays.
//!
//! Every text may contain `{ns}`, replaced by the namespace the scenario runs in.

use crate::domain::{ActionKind, ActionTarget, ProposedAction, Risk};

/// One simulated incident, from alert to conclusion.
#[derive(Debug)]
pub struct Scenario {
    /// Short stable name, used in investigation ids (`crashloop`).
    pub key: &'static str,
    /// What the incident is, for people.
    pub title: &'static str,
    /// The namespace it is written for.
    pub home_namespace: &'static str,
    /// The alert that starts it (the `kubevigil.io/trigger` annotation).
    pub trigger: &'static str,
    /// The alert's severity (`critical`, `warning`).
    pub severity: &'static str,
    /// The investigation before the first proposal.
    pub investigate: &'static [Step],
    /// The first write the agent proposes.
    pub plan: &'static Plan,
    /// The root cause, as the agent would state it in its conclusion.
    pub cause: &'static str,
    /// The objects the incident is about, as the sandbox stages them.
    pub stage: Stage,
}

/// The objects a scenario is about: how they were while all was well, and
/// the changes that broke them (see [`super::stage`]).
#[derive(Debug)]
pub struct Stage {
    /// The objects before the incident: a YAML list of manifests (a
    /// `status` is written through the `/status` subresource).
    pub objects: &'static str,
    /// What broke them, applied after the objects exist.
    pub breaks: &'static [Break],
}

/// One change that broke an object: an RFC 6902 JSON patch.
#[derive(Debug)]
pub struct Break {
    /// API version of the object (`apps/v1`).
    pub api_version: &'static str,
    /// Kind of the object (`Deployment`).
    pub kind: &'static str,
    /// Name of the object.
    pub name: &'static str,
    /// The JSON patch (idempotent: `replace` and `add` of map keys).
    pub patch: &'static str,
}

/// One thing the agent prints (and, for tools, does).
#[derive(Debug, Clone, Copy)]
pub enum Step {
    /// A step of thinking.
    Thought(&'static str),
    /// A tool call and its result.
    Tool {
        /// The tool's name (`kubectl_get`, `prometheus_query`).
        tool: &'static str,
        /// The input, as JSON text.
        input: &'static str,
        /// What the tool returned.
        output: &'static str,
        /// Whether the tool failed.
        failed: bool,
    },
    /// A candidate explanation with a confidence from 0 to 1.
    Hypothesis(&'static str, f64),
    /// A line that is not JSON (a library writing to stdout).
    Plain(&'static str),
}

/// A write the agent proposes, and what it does after each outcome.
#[derive(Debug)]
pub struct Plan {
    /// One line saying what the write does.
    pub summary: &'static str,
    /// Why the agent believes it is right.
    pub rationale: &'static str,
    /// How much harm a wrong write could do.
    pub risk: Risk,
    /// Whether it can be undone.
    pub reversible: bool,
    /// The write.
    pub action: ActionSpec,
    /// How to undo it.
    pub rollback: Option<ActionSpec>,
    /// A unified diff of the target before and after.
    pub diff: &'static str,
    /// What a server-side dry run returned, as YAML.
    pub dry_run: &'static str,
    /// Checks after a successful execution.
    pub verify: &'static [Step],
    /// The next write, proposed after this one is executed.
    pub then: Option<&'static Plan>,
    /// A safer write, proposed once after a veto.
    pub revision: Option<&'static Plan>,
}

/// A write, in static form.
#[derive(Debug, Clone, Copy)]
pub struct ActionSpec {
    /// The kind of write.
    pub kind: ActionKind,
    /// API version of the target (`apps/v1`).
    pub api_version: &'static str,
    /// Kind of the target (`Deployment`).
    pub target_kind: &'static str,
    /// Name of the target.
    pub name: &'static str,
    /// For patches: the patch document.
    pub patch: Option<&'static str>,
    /// For patches: `merge`, `json` or `strategic`.
    pub patch_type: Option<&'static str>,
    /// For exec: the command.
    pub command: Option<&'static [&'static str]>,
    /// For scale: the replica count.
    pub replicas: Option<i32>,
}

impl ActionSpec {
    /// A write of `kind` on `target_kind`/`name` with nothing else set.
    pub const fn new(
        kind: ActionKind,
        api_version: &'static str,
        target_kind: &'static str,
        name: &'static str,
    ) -> ActionSpec {
        ActionSpec {
            kind,
            api_version,
            target_kind,
            name,
            patch: None,
            patch_type: None,
            command: None,
            replicas: None,
        }
    }

    /// The same write with a patch document of `patch_type`.
    pub const fn with_patch(mut self, patch_type: &'static str, patch: &'static str) -> ActionSpec {
        self.patch = Some(patch);
        self.patch_type = Some(patch_type);
        self
    }

    /// The concrete action in `namespace`.
    pub fn to_action(&self, namespace: &str) -> ProposedAction {
        ProposedAction {
            kind: self.kind,
            target: ActionTarget {
                api_version: self.api_version.to_string(),
                kind: self.target_kind.to_string(),
                namespace: namespace.to_string(),
                name: fill(self.name, namespace),
            },
            patch: self.patch.map(|p| fill(p, namespace)),
            patch_type: self.patch_type.map(str::to_string),
            command: self
                .command
                .map(|c| c.iter().map(|a| fill(a, namespace)).collect()),
            replicas: self.replicas,
        }
    }
}

/// `text` with every `{ns}` replaced by `namespace`.
pub fn fill(text: &str, namespace: &str) -> String {
    text.replace("{ns}", namespace)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fills_the_namespace_everywhere() {
        let spec = ActionSpec::new(ActionKind::Patch, "v1", "ConfigMap", "{ns}-config")
            .with_patch("merge", "metadata:\n  namespace: {ns}\n");
        let action = spec.to_action("payments");
        assert_eq!(action.target.name, "payments-config");
        assert_eq!(action.target.namespace, "payments");
        assert_eq!(
            action.patch.as_deref(),
            Some("metadata:\n  namespace: payments\n")
        );
    }
}
