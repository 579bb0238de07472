//! The four trust phases a namespace moves through.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use std::fmt;

/// How far a namespace trusts its agents. A namespace without a
/// [`TrustPolicy`](super::TrustPolicy) is in [`Phase::Shadow`].
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Default,
    Serialize,
    Deserialize,
    JsonSchema,
)]
pub enum Phase {
    /// Observe only: proposals are recorded and never executed.
    #[default]
    Shadow,
    /// Read-only diagnostics: proposals are suggestions a person may copy.
    ReadOnlyAssist,
    /// Writes happen only after the required number of people approve.
    LimitedWrite,
    /// Writes up to the risk ceiling are approved by rule.
    Autonomous,
}

impl Phase {
    /// Every phase, from least to most trusted.
    pub const ALL: [Phase; 4] = [
        Phase::Shadow,
        Phase::ReadOnlyAssist,
        Phase::LimitedWrite,
        Phase::Autonomous,
    ];

    /// The next, more trusted phase, if there is one.
    pub fn next(self) -> Option<Phase> {
        Self::ALL.get(self.rank() + 1).copied()
    }

    /// The previous, less trusted phase, if there is one.
    pub fn previous(self) -> Option<Phase> {
        self.rank()
            .checked_sub(1)
            .and_then(|i| Self::ALL.get(i).copied())
    }

    /// Position in [`Phase::ALL`], 0 for Shadow.
    pub fn rank(self) -> usize {
        self as usize
    }

    /// How many phases lie between `self` and `other`.
    pub fn distance(self, other: Phase) -> usize {
        self.rank().abs_diff(other.rank())
    }

    /// Whether an operator may approve a proposal in this phase.
    pub fn allows_approval(self) -> bool {
        matches!(self, Phase::LimitedWrite | Phase::Autonomous)
    }

    /// The phase named `name` as [`fmt::Display`] writes it
    /// (`LimitedWrite`), if it names one.
    pub fn from_name(name: &str) -> Option<Phase> {
        Self::ALL.into_iter().find(|p| p.to_string() == name.trim())
    }

    /// A short label for badges.
    pub fn badge(self) -> &'static str {
        match self {
            Phase::Shadow => "SHADOW",
            Phase::ReadOnlyAssist => "ASSIST",
            Phase::LimitedWrite => "LIMITED",
            Phase::Autonomous => "AUTO",
        }
    }

    /// What the phase lets an agent do, in one line (for help and the header).
    pub fn meaning(self) -> &'static str {
        match self {
            Phase::Shadow => "the agent investigates; its proposals are recorded, never run",
            Phase::ReadOnlyAssist => {
                "proposals are suggestions to copy and run yourself; nothing runs"
            }
            Phase::LimitedWrite => {
                "a proposal runs once enough people approve it, with a short-lived credential"
            }
            Phase::Autonomous => {
                "proposals up to the risk ceiling are approved by rule; above it, by people"
            }
        }
    }

    /// Parses the resource spelling, case-insensitively, also accepting
    /// spaced and dashed forms such as "read-only assist".
    pub fn parse(text: &str) -> Option<Phase> {
        let squashed: String = text
            .chars()
            .filter(char::is_ascii_alphanumeric)
            .collect::<String>()
            .to_ascii_lowercase();
        Self::ALL
            .into_iter()
            .find(|p| p.to_string().to_ascii_lowercase() == squashed)
    }
}

impl fmt::Display for Phase {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let name = match self {
            Phase::Shadow => "Shadow",
            Phase::ReadOnlyAssist => "ReadOnlyAssist",
            Phase::LimitedWrite => "LimitedWrite",
            Phase::Autonomous => "Autonomous",
        };
        f.write_str(name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phases_step_one_at_a_time() {
        assert_eq!(Phase::Shadow.next(), Some(Phase::ReadOnlyAssist));
        assert_eq!(Phase::Autonomous.next(), None);
        assert_eq!(Phase::Shadow.previous(), None);
        assert_eq!(Phase::Autonomous.previous(), Some(Phase::LimitedWrite));
        assert_eq!(Phase::Shadow.distance(Phase::LimitedWrite), 2);
    }

    #[test]
    fn default_is_shadow_and_parsing_is_forgiving() {
        assert_eq!(Phase::default(), Phase::Shadow);
        assert_eq!(
            Phase::parse("read-only assist"),
            Some(Phase::ReadOnlyAssist)
        );
        assert_eq!(Phase::parse("LimitedWrite"), Some(Phase::LimitedWrite));
        assert_eq!(Phase::parse("yolo"), None);
    }

    #[test]
    fn serde_uses_the_resource_spelling() {
        let json = serde_json::to_string(&Phase::ReadOnlyAssist).expect("serialize");
        assert_eq!(json, "\"ReadOnlyAssist\"");
        let back: Phase = serde_json::from_str(&json).expect("deserialize");
        assert_eq!(back, Phase::ReadOnlyAssist);
    }

    #[test]
    fn only_write_phases_allow_approval() {
        assert!(!Phase::Shadow.allows_approval());
        assert!(!Phase::ReadOnlyAssist.allows_approval());
        assert!(Phase::LimitedWrite.allows_approval());
        assert!(Phase::Autonomous.allows_approval());
    }
}
