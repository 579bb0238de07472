//! A decision that has not reached the cluster yet, kept so nothing is dropped.

use super::Identity;
use super::write::whole_second;
use crate::domain::{ProposedAction, Verdict};
use jiff::Timestamp;
use serde::{Deserialize, Serialize};

/// Everything needed to make a decision again: returned inside
/// [`DecideError::Unreachable`] and [`DecideError::Forbidden`] so the console
/// can keep it visibly pending (and save it) and retry it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PendingDecision {
    /// Who decided.
    pub identity: Identity,
    /// The proposal's namespace.
    pub namespace: String,
    /// The proposal's name.
    pub proposal: String,
    /// What was decided.
    pub verdict: Verdict,
    /// Why.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// The edited action, for an approval made after an edit.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub edited_action: Option<ProposedAction>,
    /// The proposal's uid when the operator looked at it: a decision never
    /// lands on another object of the same name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub proposal_uid: Option<String>,
    /// The digest of the action the operator was shown (`sha256:<hex>`): an
    /// approval is refused when another action would run now.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shown_digest: Option<String>,
    /// The kubeconfig context it was made in.
    pub context: String,
    /// When the operator first made it.
    pub first_tried_at: Timestamp,
}

impl PendingDecision {
    /// `identity`'s `verdict` on proposal `namespace/proposal`, first tried
    /// now, without a reason, an edit, a context or the preconditions of
    /// what was shown (add them with the `with_` methods, or set the fields).
    pub fn new(identity: Identity, namespace: &str, proposal: &str, verdict: Verdict) -> Self {
        PendingDecision {
            identity,
            namespace: namespace.to_string(),
            proposal: proposal.to_string(),
            verdict,
            reason: None,
            edited_action: None,
            proposal_uid: None,
            shown_digest: None,
            context: String::new(),
            first_tried_at: whole_second(Timestamp::now()),
        }
    }

    /// With `reason` (a blank one counts as none).
    #[must_use]
    pub fn with_reason(mut self, reason: Option<String>) -> Self {
        self.reason = reason.filter(|r| !r.trim().is_empty());
        self
    }

    /// With an edited action (only an approval may carry one).
    #[must_use]
    pub fn with_edit(mut self, edited_action: Option<ProposedAction>) -> Self {
        self.edited_action = edited_action;
        self
    }

    /// Made in kubeconfig context `context` (for the audit log).
    #[must_use]
    pub fn in_context(mut self, context: &str) -> Self {
        self.context = context.to_string();
        self
    }

    /// "approve payments/raise-mem-7f3a".
    pub fn describe(&self) -> String {
        let verb = match self.verdict {
            Verdict::Approve => "approve",
            Verdict::Veto => "veto",
            Verdict::Expire => "expire",
            Verdict::Kill => "kill",
        };
        format!("{verb} {}/{}", self.namespace, self.proposal)
    }
}
