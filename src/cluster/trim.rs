//! Cluster objects to console records: keep only what the views need, and
//! sanitize (and redact) every string an agent could have written, once.

use crate::domain::CanonicalAction;
use crate::domain::canonical::short_digest;
use crate::domain::policy::POLICY_NAME;
use crate::domain::{ActionProposal, DecisionSource, Investigation, ProposedAction, TrustPolicy};
use crate::model::highlight::{HighlightKey, Syntax, detect_syntax, plain_lines};
use crate::model::intern::intern;
use crate::model::records::{
    ActionRecord, CredentialRecord, DecisionRecord, EditRecord, InvestigationRecord,
    NoCredentialRecord, Payload, PolicyRecord, ProposalKey, ProposalRecord,
};
use crate::sanitize::{Redactor, clean, reveal_invisible, sanitize};
use k8s_openapi::api::batch::v1::Job;
use std::sync::Arc;

/// The longest payload kept, in bytes; longer ones are cut with a marker.
pub const MAX_PAYLOAD_BYTES: usize = 512 * 1024;

fn safe(text: &str) -> String {
    sanitize(text).into_owned()
}

/// [`safe`], as the one shared copy of a text many records repeat.
fn shared(text: &str) -> Arc<str> {
    intern(&sanitize(text))
}

/// An investigation Job as a record; `None` when the Job is not an investigation.
pub fn investigation(job: &Job) -> Option<InvestigationRecord> {
    let inv = Investigation::from_job(job)?;
    let pod_spec = job.spec.as_ref().and_then(|s| s.template.spec.as_ref());
    let resources = pod_spec
        .and_then(|p| p.containers.first())
        .and_then(|c| c.resources.as_ref())
        .and_then(|r| r.limits.as_ref())
        .filter(|limits| !limits.is_empty())
        .map(|limits| {
            limits
                .iter()
                .map(|(name, quantity)| format!("{name} {}", quantity.0))
                .collect::<Vec<_>>()
                .join(", ")
        });
    Some(InvestigationRecord {
        investigation: Investigation {
            id: safe(&inv.id),
            namespace: shared(&inv.namespace),
            job_name: safe(&inv.job_name).into(),
            target_namespace: shared(&inv.target_namespace),
            trigger: safe(&inv.trigger).into(),
            severity: shared(&inv.severity),
            vault_accessor: inv.vault_accessor.as_deref().map(|a| safe(a).into()),
            ..inv
        },
        resources: resources.as_deref().map(shared),
        service_account: pod_spec
            .and_then(|p| p.service_account_name.as_deref())
            .map(shared),
    })
}

/// A TrustPolicy as a record; only the policy named `default` governs a namespace.
pub fn policy(policy: &TrustPolicy) -> Option<PolicyRecord> {
    if policy.metadata.name.as_deref() != Some(POLICY_NAME) {
        return None;
    }
    Some(PolicyRecord {
        namespace: policy.metadata.namespace.clone()?,
        phase: policy.spec.phase,
        required_approvals: policy.spec.required_approvals,
        spec: policy.spec.clone(),
        resource_version: policy.metadata.resource_version.clone(),
        last_change: policy
            .metadata
            .annotations
            .as_ref()
            .and_then(|a| a.get(crate::domain::labels::LAST_CHANGE))
            .and_then(|a| crate::audit::LastChange::parse(a))
            .map(|change| crate::audit::LastChange {
                by: safe(&change.by),
                what: safe(&change.what),
                why: change.why.as_deref().map(safe),
                ..change
            }),
        last_demotion: policy
            .status
            .as_ref()
            .and_then(|s| s.last_demotion.clone())
            .map(|d| crate::domain::policy::DemotionRecord {
                reason: safe(&d.reason),
                ..d
            }),
        halted_from: crate::decide::phase_before_halt(policy),
    })
}

/// Text an operator reviews: sanitized and redacted line by line, with
/// invisible characters revealed. Returns the text and whether any were.
fn reviewed(text: &str, redactor: &Redactor) -> (String, bool) {
    let mut revealed_any = false;
    let lines: Vec<String> = text
        .lines()
        .map(|line| {
            // `clean` shows invisible characters as `⟨U+XXXX⟩` itself; the
            // flag says whether the raw line held any.
            revealed_any |= line.chars().any(crate::sanitize::is_shown_as_code);
            reveal_invisible(&clean(line, redactor))
        })
        .collect();
    (lines.join("\n"), revealed_any)
}

/// One line of reviewed text.
fn reviewed_line(text: &str, redactor: &Redactor) -> String {
    reviewed(text, redactor).0.replace('\n', " ")
}

fn cut(text: &str) -> &str {
    if text.len() <= MAX_PAYLOAD_BYTES {
        return text;
    }
    let mut end = MAX_PAYLOAD_BYTES;
    while !text.is_char_boundary(end) && end > 0 {
        end -= 1;
    }
    &text[..end]
}

/// A reviewed payload, ready to show plain and to highlight.
pub fn payload(text: &str, syntax: Option<Syntax>, redactor: &Redactor) -> Payload {
    let kept = cut(text);
    let (mut shown, had_invisible) = reviewed(kept, redactor);
    if kept.len() < text.len() {
        shown.push_str(&format!(
            "\n… [{} more bytes not shown]",
            text.len() - kept.len()
        ));
    }
    let syntax = syntax.unwrap_or_else(|| detect_syntax(&shown, None));
    let key = HighlightKey::of(&shown, syntax);
    let plain = Arc::new(plain_lines(&shown));
    Payload {
        text: Arc::from(shown),
        syntax,
        key,
        plain,
        had_invisible,
    }
}

/// A command as one shell line, each argument quoted when it needs to be.
fn shell_line(command: &[String]) -> String {
    command
        .iter()
        .map(|arg| {
            let plain = !arg.is_empty()
                && arg
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || "-_./=:,@%+".contains(c));
            if plain {
                arg.clone()
            } else {
                format!("'{}'", arg.replace('\'', r"'\''"))
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// The canonical lines of an action as a payload: never cut and never
/// redacted (the operator must see exactly what runs); the canonical form
/// already escapes every control and invisible character inside quotes.
fn canonical_payload(canonical: &CanonicalAction) -> Option<Payload> {
    if canonical.lines.is_empty() {
        return None;
    }
    let shown: String = canonical
        .lines
        .iter()
        .map(|line| safe(line))
        .collect::<Vec<_>>()
        .join("\n");
    let syntax = Syntax::Yaml;
    let key = HighlightKey::of(&shown, syntax);
    let plain = Arc::new(plain_lines(&shown));
    Some(Payload {
        text: Arc::from(shown),
        syntax,
        key,
        plain,
        had_invisible: false,
    })
}

/// The action that runs if `proposal` is approved, as a record.
fn action_record(proposal: &ActionProposal) -> (ActionRecord, CanonicalAction) {
    let runs = proposal.effective_action();
    let canonical = CanonicalAction::of(&runs.action);
    let edit = runs.edit.as_ref().map(|d| {
        let proposed = CanonicalAction::of(&proposal.spec.action);
        let before = proposed.lines.join("\n") + "\n";
        let after = canonical.lines.join("\n") + "\n";
        let diff = similar::TextDiff::from_lines(&before, &after)
            .unified_diff()
            .context_radius(2)
            .header("proposed", "edited")
            .to_string()
            .lines()
            .map(safe)
            .collect();
        EditRecord {
            by: safe(&d.by),
            at: d.at.0,
            proposed_digest: proposed.short_digest().to_string(),
            diff,
        }
    });
    let record = ActionRecord {
        headline: safe(&canonical.headline),
        count_label: canonical.count_label(runs.action.kind),
        operations: canonical.operations,
        digest: canonical.digest.clone(),
        short_digest: canonical.short_digest().to_string(),
        problem: canonical.problem.as_deref().map(safe),
        edit,
    };
    (record, canonical)
}

fn describe_rollback(action: &ProposedAction, redactor: &Redactor) -> String {
    let mut text = format!("{} {}", action.kind, action.target);
    if let Some(replicas) = action.replicas {
        text.push_str(&format!(" to {replicas} replicas"));
    }
    if let Some(command) = &action.command {
        text.push_str(&format!(": {}", shell_line(command)));
    }
    reviewed_line(&text, redactor)
}

/// An ActionProposal as a record; `None` without a name and namespace.
pub fn proposal(proposal: &ActionProposal, redactor: &Redactor) -> Option<ProposalRecord> {
    let namespace = proposal.metadata.namespace.as_deref()?;
    let name = proposal.metadata.name.as_deref()?;
    Some(proposal_record(namespace, name, proposal, redactor))
}

/// An ActionProposal named `namespace/name` as a record.
pub fn proposal_record(
    namespace: &str,
    name: &str,
    proposal: &ActionProposal,
    redactor: &Redactor,
) -> ProposalRecord {
    let spec = &proposal.spec;
    let status = proposal.status.as_ref();
    let target = &spec.action.target;
    let (action, canonical) = action_record(proposal);
    ProposalRecord {
        key: ProposalKey::new(safe(namespace), safe(name)),
        uid: proposal.metadata.uid.as_deref().map(safe),
        investigation: safe(&spec.investigation),
        summary: reviewed_line(&spec.summary, redactor),
        rationale: reviewed(&spec.rationale, redactor)
            .0
            .lines()
            .map(String::from)
            .collect(),
        risk: spec.risk,
        reversible: spec.reversible,
        kind: spec.action.kind,
        target: reviewed_line(&target.to_string(), redactor),
        target_namespace: safe(&target.namespace),
        patch_type: spec.action.patch_type.as_deref().map(safe),
        replicas: spec.action.replicas,
        change: canonical_payload(&canonical),
        action,
        effective_action: proposal.effective_action().action,
        diff: spec
            .preview
            .as_ref()
            .and_then(|p| p.diff.as_deref())
            .map(|diff| payload(diff, Some(Syntax::Diff), redactor)),
        dry_run: spec
            .preview
            .as_ref()
            .and_then(|p| p.dry_run.as_deref())
            .map(|dry_run| payload(dry_run, None, redactor)),
        rollback: spec
            .rollback
            .as_ref()
            .map(|r| describe_rollback(r, redactor)),
        expires_at: spec.expires_at.as_ref().map(|t| t.0),
        created: proposal.metadata.creation_timestamp.as_ref().map(|t| t.0),
        state: proposal.state(),
        decisions: proposal
            .decisions()
            .iter()
            .map(|d| DecisionRecord {
                by: safe(&d.by),
                verified: d.verified,
                at: d.at.0,
                verdict: d.verdict,
                reason: d.reason.as_deref().map(|r| reviewed_line(r, redactor)),
                by_rule: d.source == DecisionSource::Rule,
                edited: d.edited,
                action_digest: d
                    .action_digest
                    .as_deref()
                    .map(|digest| safe(short_digest(digest))),
            })
            .collect(),
        approvals_required: status.and_then(|s| s.approvals_required),
        phase: status.and_then(|s| s.phase),
        execution: status.and_then(|s| s.execution.as_ref()).map(|e| {
            let verdict = if e.succeeded { "succeeded" } else { "failed" };
            reviewed_line(&format!("{verdict}: {}", e.message), redactor)
        }),
        credential: status
            .and_then(|s| s.credential.as_ref())
            .map(|c| CredentialRecord {
                accessor: safe(&c.wrapped_accessor),
                ttl_seconds: c.ttl_seconds,
                minted_at: c.minted_at.as_ref().map(|t| t.0),
                revoked: c.revoked,
                encrypted: c.encrypted_wrapping_token.is_some(),
            }),
        no_credential: status
            .and_then(|s| s.no_credential.as_ref())
            .map(|n| NoCredentialRecord {
                reason: n.reason,
                message: reviewed_line(&n.message, redactor),
            }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shell_arguments_are_quoted_when_needed() {
        let command = vec![
            "kubectl".into(),
            "annotate".into(),
            "it's here".into(),
            "a=b".into(),
        ];
        assert_eq!(shell_line(&command), r"kubectl annotate 'it'\''s here' a=b");
    }

    #[test]
    fn reviewed_text_is_inert_and_reveals_invisible_characters() {
        let redactor = Redactor::default();
        let (text, revealed) = reviewed("replicas: 3\u{202e}\nname: \x1b[2Japi", &redactor);
        assert!(revealed);
        assert!(!text.contains('\u{202e}'));
        assert!(!text.contains('\x1b'));
        assert_eq!(text.lines().count(), 2);
    }
}
