//! The JSON-lines transcript: one object a line, each with a `type`
//! (`investigation`, `reasoning`, `proposal`, `decision`, `credential`,
//! `no_credential`, `execution`, `audit`, `event`, `outcome`), in that
//! order. Every string anywhere in every object is sanitized.

use super::event_text::{kind_name, text};
use super::model::Transcript;
use super::readable;
use crate::domain::ActionProposal;
use crate::domain::canonical::CanonicalAction;
use crate::domain::protocol::to_line;
use crate::domain::{ProposedAction, Verdict};
use kube::ResourceExt;
use serde_json::{Value, json};

/// The whole transcript as JSON lines.
pub(super) fn render(t: &Transcript) -> String {
    let inv = &t.investigation;
    let mut lines = vec![json!({
        "type": "investigation",
        "id": inv.id,
        "namespace": &*inv.namespace,
        "job": inv.job_name,
        "targetNamespace": &*inv.target_namespace,
        "trigger": inv.trigger,
        "severity": &*inv.severity,
        "state": inv.state.to_string(),
        "started": inv.started,
        "vaultAccessor": inv.vault_accessor,
        "marks": t.marks.iter().map(|(k, v)| (k.clone(), Value::String(v.clone()))).collect::<serde_json::Map<String, Value>>(),
        "pod": t.reasoning.pod,
        "logUnavailable": t.reasoning.unavailable,
        "gatheredAt": t.gathered_at,
        "server": t.server,
    })];
    for (seq, event) in t.reasoning.events.iter().enumerate() {
        let wire: Value = serde_json::from_str(&to_line(event)).unwrap_or(Value::Null);
        lines.push(json!({
            "type": "reasoning",
            "seq": seq,
            "ts": event.ts,
            "kind": kind_name(event),
            "text": text(event),
            "event": wire,
        }));
    }
    for proposal in &t.proposals {
        proposal_lines(proposal, &mut lines);
    }
    for record in &t.audit {
        let mut value = serde_json::to_value(record).unwrap_or(Value::Null);
        if let Value::Object(map) = &mut value {
            map.insert("type".into(), json!("audit"));
        }
        lines.push(value);
    }
    for event in &t.events {
        lines.push(json!({
            "type": "event",
            "at": event.at,
            "eventType": event.type_,
            "reason": event.reason,
            "object": event.object,
            "source": event.source,
            "message": event.message,
        }));
    }
    lines.push(json!({
        "type": "outcome",
        "state": inv.state.to_string(),
        "finished": t.outcome.finished,
        "conditions": t.outcome.conditions.iter().map(|(kind, reason, message)| json!({
            "type": kind, "reason": reason, "message": message,
        })).collect::<Vec<_>>(),
    }));
    let mut out = String::new();
    for mut line in lines {
        sanitize_strings(&mut line);
        out.push_str(&line.to_string());
        out.push('\n');
    }
    out
}

fn proposal_lines(proposal: &ActionProposal, lines: &mut Vec<Value>) {
    let name = proposal.name_any();
    let spec = &proposal.spec;
    let status = proposal.status.clone().unwrap_or_default();
    let effective = proposal.effective_action();
    let runs = effective.digest();
    lines.push(json!({
        "type": "proposal",
        "name": name,
        "summary": spec.summary,
        "rationale": spec.rationale,
        "risk": spec.risk.to_string(),
        "reversible": spec.reversible,
        "state": status.state.to_string(),
        "phase": status.phase.map(|p| p.to_string()),
        "createdAt": proposal.metadata.creation_timestamp.as_ref().map(|t| t.0),
        "expiresAt": spec.expires_at.as_ref().map(|t| t.0),
        "credentialRecipient": spec.credential_recipient,
        "approvalsRequired": status.approvals_required,
        "proposedAction": action(&spec.action),
        "actionThatRuns": action(&effective.action),
        "editedBy": effective.edit.as_ref().map(|d| d.by.clone()),
        "rollback": spec.rollback.as_ref().map(action),
    }));
    for decision in &status.decisions {
        let counts = decision.verdict == Verdict::Approve
            && decision.action_digest.as_deref() == Some(runs.as_str());
        lines.push(json!({
            "type": "decision",
            "proposal": name,
            "at": decision.at.0,
            "by": decision.by,
            "verified": decision.verified,
            "source": format!("{:?}", decision.source),
            "verdict": decision.verdict.to_string(),
            "reason": decision.reason,
            "edited": decision.edited,
            "actionDigest": decision.action_digest,
            "countsForTheActionThatRuns": counts,
        }));
    }
    if let Some(c) = &status.credential {
        lines.push(json!({
            "type": "credential",
            "proposal": name,
            "wrappedAccessor": c.wrapped_accessor,
            "ttlSeconds": c.ttl_seconds,
            "mintedAt": c.minted_at.as_ref().map(|t| t.0),
            "sealed": c.encrypted_wrapping_token.is_some(),
            "revoked": c.revoked,
        }));
    }
    if let Some(none) = &status.no_credential {
        lines.push(json!({
            "type": "no_credential",
            "proposal": name,
            "reason": format!("{:?}", none.reason),
            "message": none.message,
            "at": none.at.as_ref().map(|t| t.0),
        }));
    }
    if let Some(run) = &status.execution {
        lines.push(json!({
            "type": "execution",
            "proposal": name,
            "succeeded": run.succeeded,
            "message": run.message,
            "at": run.at.as_ref().map(|t| t.0),
        }));
    }
}

/// An action as the console shows it: canonical lines and the digest that binds approvals.
fn action(action: &ProposedAction) -> Value {
    let canonical = CanonicalAction::of(action);
    json!({
        "headline": canonical.headline,
        "operations": canonical.operations,
        "lines": canonical.lines,
        "digest": canonical.digest,
        "notApprovable": canonical.problem,
    })
}

/// Every string in `value` (keys included) as it may be shown.
fn sanitize_strings(value: &mut Value) {
    match value {
        Value::String(s) => *s = readable(s),
        Value::Array(items) => items.iter_mut().for_each(sanitize_strings),
        Value::Object(map) => {
            let entries = std::mem::take(map);
            for (key, mut item) in entries {
                sanitize_strings(&mut item);
                map.insert(readable(&key), item);
            }
        }
        _ => {}
    }
}
