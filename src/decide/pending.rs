//! A decision that has not reached the cluster yet, kept so nothing is dropped.

use super::{DecideError, DecisionOutcome, Identity, decision};
use crate::audit::AuditLog;
use crate::domain::{ProposedAction, Verdict};
use jiff::Timestamp;
use kube::Client;
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

    /// Makes the decision again. If an earlier attempt did reach the cluster
    /// (the answer was lost), the decision found there is reported as made
    /// rather than refused as a conflict with oneself.
    pub async fn retry(
        &self,
        client: &Client,
        audit: &AuditLog,
    ) -> Result<DecisionOutcome, DecideError> {
        decision::decide_pending(client, self, audit, true, decision::CredentialWork::Leave).await
    }
}
