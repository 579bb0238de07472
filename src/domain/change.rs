//! What kubevigil records of an operator's or the governor's action: the
//! [`AuditAction`] kinds, and the `kubevigil.io/last-change` annotation on a
//! TrustPolicy ([`LastChange`]: who changed it, what and why, as JSON). Plain
//! data: the audit log that writes them lives in `crate::audit`.

use super::Verdict;
use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use std::fmt;

/// What was done.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum AuditAction {
    /// A proposal was approved (by a person or by rule).
    Approve,
    /// A proposal was vetoed.
    Veto,
    /// A proposal expired: nobody decided in time.
    Expire,
    /// An investigation was killed (its pending proposals expired, its Job deleted).
    Kill,
    /// A namespace was halted (its investigations suspended, its policy set to Shadow).
    Halt,
    /// A namespace's TrustPolicy was changed.
    PolicyChange,
    /// The governor demoted a namespace one phase (its demotion criteria were breached).
    Demote,
    /// A halted namespace was resumed (its suspended investigations, and maybe its phase).
    Resume,
    /// A TrustPolicy was changed outside kubevigil (`kubectl edit`, GitOps).
    ExternalChange,
    /// A queued investigation was moved to the front of the launcher's queue.
    Bump,
    /// A queued investigation was admitted at once, past the caps (an override).
    AdmitNow,
    /// A queued investigation was cancelled (its Job deleted, never run).
    Cancel,
}

impl From<Verdict> for AuditAction {
    fn from(verdict: Verdict) -> Self {
        match verdict {
            Verdict::Approve => AuditAction::Approve,
            Verdict::Veto => AuditAction::Veto,
            Verdict::Expire => AuditAction::Expire,
            Verdict::Kill => AuditAction::Kill,
        }
    }
}

impl fmt::Display for AuditAction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self, f)
    }
}

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
}
