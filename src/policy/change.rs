//! The shape of a change: the one-phase-at-a-time rule, the YAML of a spec,
//! the diff of old and new, and the one-line "what" recorded for audit.

use crate::domain::{Phase, TrustPolicySpec};
use similar::{ChangeTag, TextDiff};
use thiserror::Error;

/// Why a phase change is refused.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum PhaseRuleError {
    /// A promotion skips phases without an explicit override.
    #[error(
        "phase: {from} -> {to} skips {skipped}; promote one phase at a time, or override with a reason"
    )]
    SkipsPhases {
        /// The phase now.
        from: Phase,
        /// The phase asked for.
        to: Phase,
        /// The phases skipped, joined with ", ".
        skipped: String,
    },
    /// An override was asked for without saying why.
    #[error("phase: an override of the one-phase-at-a-time rule needs a reason")]
    OverrideNeedsReason,
}

/// Checks a change from phase `from` to `to`. Promotion moves one phase at a
/// time; promoting further needs `override_reason`, which must not be blank.
/// Demotion by any number of phases is always allowed: taking trust away is safe.
pub fn check_phase_change(
    from: Phase,
    to: Phase,
    override_reason: Option<&str>,
) -> Result<(), PhaseRuleError> {
    if to <= from || from.distance(to) <= 1 {
        return Ok(());
    }
    match override_reason {
        Some(reason) if !reason.trim().is_empty() => Ok(()),
        Some(_) => Err(PhaseRuleError::OverrideNeedsReason),
        None => Err(PhaseRuleError::SkipsPhases {
            from,
            to,
            skipped: Phase::ALL[from.rank() + 1..to.rank()]
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join(", "),
        }),
    }
}

/// `spec` as the YAML the editor shows and the diff compares.
pub fn spec_yaml(spec: &TrustPolicySpec) -> String {
    serde_saphyr::to_string(spec).unwrap_or_default()
}

/// One line of a diff.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DiffLine {
    /// In both.
    Same(String),
    /// Only in the old.
    Removed(String),
    /// Only in the new.
    Added(String),
}

/// The line diff of `old` (nothing when the policy is being created) and `new`, as YAML.
pub fn diff_yaml(old: Option<&TrustPolicySpec>, new: &TrustPolicySpec) -> Vec<DiffLine> {
    let old_text = old.map(spec_yaml).unwrap_or_default();
    let new_text = spec_yaml(new);
    TextDiff::from_lines(&old_text, &new_text)
        .iter_all_changes()
        .map(|change| {
            let line = change.value().trim_end_matches('\n').to_string();
            match change.tag() {
                ChangeTag::Equal => DiffLine::Same(line),
                ChangeTag::Delete => DiffLine::Removed(line),
                ChangeTag::Insert => DiffLine::Added(line),
            }
        })
        .collect()
}

/// What changed, in a line: "phase ReadOnlyAssist -> LimitedWrite;
/// requiredApprovals 1 -> 2", one part per field ([`super::rebase::changes`]),
/// or "created: phase LimitedWrite" for a new policy.
pub fn describe_change(old: Option<&TrustPolicySpec>, new: &TrustPolicySpec) -> String {
    let Some(old) = old else {
        return format!("created: phase {}", new.phase);
    };
    let parts: Vec<String> = super::rebase::changes(old, new)
        .into_iter()
        .map(|c| format!("{} {} -> {}", c.field, c.from, c.to))
        .collect();
    if parts.is_empty() {
        "no change".to_string()
    } else {
        parts.join("; ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn yaml_round_trips_and_diffs_show_the_change() {
        let old = TrustPolicySpec::default();
        let new = TrustPolicySpec {
            phase: Phase::ReadOnlyAssist,
            ..old.clone()
        };
        let parsed = super::super::parse_spec_yaml(&spec_yaml(&new)).ok();
        assert_eq!(parsed, Some(new.clone()));
        let diff = diff_yaml(Some(&old), &new);
        assert!(
            diff.contains(&DiffLine::Removed("phase: Shadow".into())),
            "{diff:?}"
        );
        assert!(diff.contains(&DiffLine::Added("phase: ReadOnlyAssist".into())));
        assert_eq!(
            describe_change(Some(&old), &new),
            "phase Shadow -> ReadOnlyAssist"
        );
        let unsealed = TrustPolicySpec {
            allow_unsealed_credentials: true,
            ..new.clone()
        };
        assert_eq!(
            describe_change(Some(&new), &unsealed),
            "allowUnsealedCredentials false -> true"
        );
    }
}
