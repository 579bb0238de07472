//! The `kubevigil.io/last-change` annotation on a TrustPolicy: who changed it,
//! what and why, as JSON.

use super::record::non_empty;
use super::{AuditAction, AuditRecord};
use crate::domain::policy::POLICY_NAME;
use jiff::Timestamp;
use serde::{Deserialize, Serialize};

/// The last change made to a TrustPolicy, kept in its
/// [`LAST_CHANGE`](crate::domain::labels::LAST_CHANGE) annotation. Whoever edits a
/// policy (the policy editor, a halt) writes one; the audit export reads it.
///
/// ```json
/// {"by":"oncall-1","verified":true,"at":"2026-11-27T02:14:07Z","action":"Halt",
///  "what":"phase LimitedWrite -> Shadow; suspended 2 investigations","why":"runaway agent"}
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LastChange {
    /// Who made the change.
    pub by: String,
    /// Whether `by` was verified with SelfSubjectReview.
    #[serde(default)]
    pub verified: bool,
    /// When.
    pub at: Timestamp,
    /// What kind of change ([`AuditAction::PolicyChange`] unless it was a halt).
    #[serde(default = "policy_change")]
    pub action: AuditAction,
    /// What changed, in a line.
    #[serde(default)]
    pub what: String,
    /// Why, in the changer's words.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub why: Option<String>,
}

fn policy_change() -> AuditAction {
    AuditAction::PolicyChange
}

impl LastChange {
    /// Reads the annotation's value; `None` when it is not such JSON.
    pub fn parse(annotation: &str) -> Option<LastChange> {
        serde_json::from_str(annotation).ok()
    }

    /// The annotation's value.
    pub fn to_annotation(&self) -> String {
        // Serializing plain strings, a bool and a timestamp cannot fail.
        serde_json::to_string(self).unwrap_or_default()
    }

    /// The audit record of this change to the policy of `namespace`.
    pub fn to_record(&self, namespace: &str, context: Option<&str>) -> AuditRecord {
        AuditRecord {
            at: self.at,
            actor: self.by.clone(),
            verified: self.verified,
            action: self.action,
            namespace: namespace.to_string(),
            object: format!("trustpolicy/{POLICY_NAME}"),
            investigation: None,
            reason: self.why.as_deref().and_then(non_empty),
            edited: false,
            context: context.and_then(non_empty),
            server: None,
            detail: non_empty(&self.what),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_reads_minimal_annotations() {
        let change = LastChange {
            by: "oncall-1".into(),
            verified: true,
            at: "2026-11-27T02:14:07Z".parse().expect("timestamp"),
            action: AuditAction::Halt,
            what: "phase LimitedWrite -> Shadow".into(),
            why: Some("runaway agent".into()),
        };
        assert_eq!(
            LastChange::parse(&change.to_annotation()),
            Some(change.clone())
        );
        let minimal =
            LastChange::parse(r#"{"by":"alice","at":"2026-11-27T02:00:00Z"}"#).expect("minimal");
        assert_eq!(minimal.action, AuditAction::PolicyChange);
        assert!(!minimal.verified);
        assert_eq!(LastChange::parse("oncall-1 changed it"), None);
        let record = change.to_record("payments", None);
        assert_eq!(record.object, "trustpolicy/default");
        assert_eq!(record.action, AuditAction::Halt);
        assert_eq!(record.reason.as_deref(), Some("runaway agent"));
    }
}
