//! One entry of the audit trail.

use crate::domain::change::AuditAction;
use crate::domain::{ActionProposal, Decision, Verdict};
use jiff::Timestamp;
use kube::ResourceExt;
use serde::{Deserialize, Serialize};

/// One decision or operator action, as kept in the local log and exported for review.
///
/// Optional text fields are `None` rather than empty, so a CSV export (where an
/// empty cell reads back as `None`) round-trips exactly.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditRecord {
    /// When it happened.
    pub at: Timestamp,
    /// Who did it: a Kubernetes user name or `rule:<name>`.
    pub actor: String,
    /// Whether the actor's name was verified with SelfSubjectReview.
    pub verified: bool,
    /// What was done.
    pub action: AuditAction,
    /// The namespace of the object acted on.
    pub namespace: String,
    /// The object acted on, as `kind/name` (`actionproposal/raise-mem-7f3a`, `job/inv-9`,
    /// `trustpolicy/default`).
    pub object: String,
    /// The investigation concerned, when there is one.
    pub investigation: Option<String>,
    /// Why, in the actor's words.
    pub reason: Option<String>,
    /// Whether the action was edited before it was approved.
    pub edited: bool,
    /// The kubeconfig context it was done in, when known.
    pub context: Option<String>,
    /// The API server of the cluster it was done on (its URL), when known.
    pub server: Option<String>,
    /// What else a reviewer needs: the proposal's summary, what an edit changed,
    /// which Jobs were suspended.
    pub detail: Option<String>,
}

impl AuditRecord {
    /// The record of `decision` on `proposal`, made in kube `context` when known.
    /// The detail names the action and, for an edited approval, what the edit changed.
    pub fn for_decision(
        proposal: &ActionProposal,
        decision: &Decision,
        context: Option<&str>,
    ) -> AuditRecord {
        let action = &proposal.spec.action;
        let mut detail = format!(
            "{} {}: {}",
            action.kind, action.target, proposal.spec.summary
        );
        if let Some(edited) = decision.edited_action.as_ref().filter(|_| decision.edited) {
            detail.push_str("\nedited:\n");
            detail.push_str(&crate::decide::describe_edit(action, edited));
        }
        if let Some(digest) = &decision.action_digest {
            let decided = decision
                .edited_action
                .as_ref()
                .filter(|_| decision.edited)
                .unwrap_or(action);
            let canonical = crate::domain::CanonicalAction::of(decided);
            detail.push_str(&format!("\naction {digest}:\n"));
            detail.push_str(&canonical.to_text(decided.kind));
        }
        if decision.verdict == Verdict::Approve
            && let Some(note) = proposal
                .status
                .as_ref()
                .and_then(|s| s.no_credential.as_ref())
        {
            let fate = match note.reason {
                crate::domain::NoCredentialReason::VaultOff => {
                    "executed without a Vault credential (Vault off)".to_string()
                }
                reason => format!("no write credential: {reason}: {}", note.message),
            };
            detail.push_str(&format!("\n{fate}"));
        } else if decision.verdict == Verdict::Approve
            && let Some(credential) = proposal.status.as_ref().and_then(|s| s.credential.as_ref())
        {
            detail.push_str(&format!(
                "\nwrite credential minted (accessor {}, ttl {}s{})",
                credential.wrapped_accessor,
                credential.ttl_seconds,
                if credential.encrypted_wrapping_token.is_some() {
                    ", sealed to the agent"
                } else {
                    ", UNSEALED"
                }
            ));
        }

        AuditRecord {
            at: decision.at.0,
            actor: decision.by.clone(),
            verified: decision.verified,
            action: decision.verdict.into(),
            namespace: proposal.namespace().unwrap_or_default(),
            object: proposal_object(&proposal.name_any()),
            investigation: non_empty(&proposal.spec.investigation),
            reason: decision.reason.as_deref().and_then(non_empty),
            edited: decision.edited,
            context: context.and_then(non_empty),
            server: None,
            detail: Some(detail),
        }
    }

    /// This record as it may be shown or written for a person to read: every
    /// text field sanitized as the console sanitizes decision text (escape
    /// sequences and control characters removed, bidi controls and zero-width
    /// characters shown as `⟨U+202E⟩`), line by line so a multi-line detail
    /// keeps its lines. An optional field left empty becomes `None`.
    ///
    /// Anyone who may patch a proposal's status (the agent role included) can
    /// write a decision's `by` and `reason`; this is what `:audit` and
    /// `kubevigil audit export` show of them.
    pub fn for_reading(&self) -> AuditRecord {
        let text = |t: &String| readable_text(t);
        let optional = |t: &Option<String>| {
            t.as_deref()
                .map(readable_text)
                .filter(|text| !text.is_empty())
        };
        AuditRecord {
            at: self.at,
            actor: text(&self.actor),
            verified: self.verified,
            action: self.action,
            namespace: text(&self.namespace),
            object: text(&self.object),
            investigation: optional(&self.investigation),
            reason: optional(&self.reason),
            edited: self.edited,
            context: optional(&self.context),
            server: optional(&self.server),
            detail: optional(&self.detail),
        }
    }

    /// The key two records of the same act share, whatever their detail says:
    /// used to merge the cluster's several copies of one decision.
    pub(crate) fn identity_key(&self) -> (String, String, String, AuditAction, i64) {
        (
            self.namespace.clone(),
            self.object.clone(),
            self.actor.clone(),
            self.action,
            self.at.as_second(),
        )
    }
}

/// The `object` of a record about proposal `name`.
pub(crate) fn proposal_object(name: &str) -> String {
    format!("actionproposal/{name}")
}

/// `Some(text)` unless it is empty or blank.
pub(crate) fn non_empty(text: &str) -> Option<String> {
    (!text.trim().is_empty()).then(|| text.to_string())
}

/// Untrusted text made safe to print and honest to read, keeping its line
/// breaks: each line (split at `\n`, a `\r` before it dropped) is passed
/// through [`crate::sanitize::sanitize`] and then
/// [`crate::sanitize::reveal_invisible`], and the lines are joined with `\n`
/// again. The result holds no C0 control other than `\n`, no DEL, no C1
/// control, and no bidi or zero-width character (each shown as `⟨U+XXXX⟩`).
/// Text without controls or invisible characters comes back unchanged.
pub fn readable_text(text: &str) -> String {
    text.split('\n')
        .map(|line| {
            let line = line.strip_suffix('\r').unwrap_or(line);
            crate::sanitize::reveal_invisible(&crate::sanitize::sanitize(line))
        })
        .collect::<Vec<_>>()
        .join("\n")
}
