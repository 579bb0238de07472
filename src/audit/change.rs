//! The audit record of a `kubevigil.io/last-change` annotation
//! ([`LastChange`], a contract type in `crate::domain::change`).

use super::AuditRecord;
use super::record::non_empty;
use crate::domain::change::LastChange;
use crate::domain::policy::POLICY_NAME;

/// Turns a [`LastChange`] into the audit record of that change.
pub trait ChangeRecord {
    /// The audit record of this change to the policy of `namespace`.
    fn to_record(&self, namespace: &str, context: Option<&str>) -> AuditRecord;
}

impl ChangeRecord for LastChange {
    fn to_record(&self, namespace: &str, context: Option<&str>) -> AuditRecord {
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
    use crate::domain::change::AuditAction;

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
