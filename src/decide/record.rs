//! Recording a decision beyond the proposal's status: a Kubernetes Event on the
//! object decided, and a line in the local audit log.

use super::Identity;
use crate::audit::{AUDIT_LABEL, AUDIT_RECORD_ANNOTATION, AuditLog, AuditRecord};
use crate::domain::{ActionProposal, Decision, DecisionSource, Verdict};
use jiff::Timestamp;
use k8s_openapi::api::core::v1::{Event, EventSource, ObjectReference};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{ObjectMeta, Time};
use kube::api::PostParams;
use kube::{Api, Client, Resource};
use std::collections::BTreeMap;

/// The component named on every Event kubevigil records.
pub const REPORTING_COMPONENT: &str = "kubevigil";
/// The longest Event message kept; longer ones are cut with an ellipsis.
const MAX_MESSAGE_BYTES: usize = 1024;

/// An Event to record about one object.
pub(crate) struct Note {
    /// The object the Event is about.
    pub involved: ObjectReference,
    /// `Approved`, `Vetoed`, `Expired`, `Killed` or `Halted`.
    pub reason: &'static str,
    /// Who did what and why.
    pub message: String,
    /// What was done, such as `Approve`.
    pub action: &'static str,
}

/// "approved", "vetoed", "expired", "killed".
pub(crate) fn past_tense(verdict: Verdict) -> &'static str {
    match verdict {
        Verdict::Approve => "approved",
        Verdict::Veto => "vetoed",
        Verdict::Expire => "expired",
        Verdict::Kill => "killed",
    }
}

/// The Event reason for a verdict.
pub(crate) fn event_reason(verdict: Verdict) -> &'static str {
    match verdict {
        Verdict::Approve => "Approved",
        Verdict::Veto => "Vetoed",
        Verdict::Expire => "Expired",
        Verdict::Kill => "Killed",
    }
}

/// Records `note` as an Event and `record` in the local audit log (when there
/// is one). The act is already in the cluster, so failures come back as
/// warnings, not errors.
pub(crate) async fn record_elsewhere(
    client: &Client,
    audit: Option<&AuditLog>,
    reporter: &Identity,
    note: Note,
    record: &AuditRecord,
) -> Vec<String> {
    let mut warnings = Vec::new();
    // The Event's copy names the cluster too, as the local line does.
    let record = &crate::audit::stamped(record);
    let what = format!(
        "{} {}/{}",
        note.reason,
        note.involved.namespace.as_deref().unwrap_or_default(),
        note.involved.name.as_deref().unwrap_or_default()
    );
    if let Err(error) = post_event(client, reporter, note, record).await {
        warnings.push(format!("the Event for {what} was not recorded: {error}"));
    }
    if let Some(Err(error)) = audit.map(|audit| audit.append(record)) {
        warnings.push(format!("{what} is not in the local audit log: {error}"));
    }
    warnings
}

async fn post_event(
    client: &Client,
    reporter: &Identity,
    note: Note,
    record: &AuditRecord,
) -> Result<(), kube::Error> {
    let namespace = note.involved.namespace.clone().unwrap_or_default();
    let now = Time(Timestamp::now());
    let event = Event {
        metadata: ObjectMeta {
            name: Some(event_name(
                note.involved.name.as_deref().unwrap_or("kubevigil"),
            )),
            namespace: Some(namespace.clone()),
            labels: Some(BTreeMap::from([(
                AUDIT_LABEL.to_string(),
                "true".to_string(),
            )])),
            annotations: Some(BTreeMap::from([(
                AUDIT_RECORD_ANNOTATION.to_string(),
                serde_json::to_string(record).unwrap_or_default(),
            )])),
            ..Default::default()
        },
        involved_object: note.involved,
        reason: Some(note.reason.to_string()),
        message: Some(cut(note.message, MAX_MESSAGE_BYTES)),
        type_: Some(
            // Approvals and policy changes are routine; vetoes, expiries, kills and
            // halts are what a reviewer scanning `kubectl get events` should see first.
            if matches!(note.reason, "Approved" | "PolicyChanged") {
                "Normal"
            } else {
                "Warning"
            }
            .to_string(),
        ),
        action: Some(note.action.to_string()),
        count: Some(1),
        first_timestamp: Some(now.clone()),
        last_timestamp: Some(now),
        reporting_component: Some(REPORTING_COMPONENT.to_string()),
        reporting_instance: Some(cut(format!("{REPORTING_COMPONENT}/{}", reporter.user), 128)),
        source: Some(EventSource {
            component: Some(REPORTING_COMPONENT.to_string()),
            host: None,
        }),
        ..Default::default()
    };
    let events: Api<Event> = Api::namespaced(client.clone(), &namespace);
    super::failure::timed(events.create(&PostParams::default(), &event)).await?;
    Ok(())
}

/// `<object>.<unique hex>`, as kubectl names Events.
fn event_name(object: &str) -> String {
    let nanos = Timestamp::now().as_nanosecond();
    let salt: u32 = rand::random();
    let base: String = object.chars().take(200).collect();
    format!("{base}.{nanos:x}{salt:08x}")
}

/// `text` cut to at most `max` bytes on a character boundary, with an ellipsis when cut.
fn cut(text: String, max: usize) -> String {
    if text.len() <= max {
        return text;
    }
    let mut end = max.saturating_sub('…'.len_utf8());
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}…", &text[..end])
}

/// Records `decision` on `proposal` as an Event and in the local audit log.
pub(crate) async fn record_decision(
    client: &Client,
    audit: Option<&AuditLog>,
    reporter: &Identity,
    proposal: &ActionProposal,
    decision: &Decision,
    context: Option<&str>,
) -> Vec<String> {
    let record = AuditRecord::for_decision(proposal, decision, context);
    let note = Note {
        involved: proposal.object_ref(&()),
        reason: event_reason(decision.verdict),
        message: event_message(proposal, decision),
        action: verdict_action(decision.verdict),
    };
    record_elsewhere(client, audit, reporter, note, &record).await
}

fn verdict_action(verdict: Verdict) -> &'static str {
    match verdict {
        Verdict::Approve => "Approve",
        Verdict::Veto => "Veto",
        Verdict::Expire => "Expire",
        Verdict::Kill => "Kill",
    }
}

/// "oncall-1 approved (1 more approval required): raise the memory limit".
fn event_message(proposal: &ActionProposal, decision: &Decision) -> String {
    let who = if decision.verified || decision.source == DecisionSource::Rule {
        decision.by.clone()
    } else {
        format!("{} (unverified)", decision.by)
    };
    let mut what = past_tense(decision.verdict).to_string();
    if decision.edited {
        what.push_str(" an edited action");
    }
    let status = proposal.status.as_ref();
    if let Some(left) = status
        .filter(|s| s.state.is_pending())
        .and_then(|s| s.approvals_required)
        .filter(|n| *n > 0)
    {
        let plural = if left == 1 { "" } else { "s" };
        what.push_str(&format!(" ({left} more approval{plural} required)"));
    }
    let why = decision
        .reason
        .clone()
        .unwrap_or_else(|| proposal.spec.summary.clone());
    format!("{who} {what}: {why}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_text_is_cut_on_a_character_boundary() {
        let cut_text = cut("é".repeat(600), MAX_MESSAGE_BYTES);
        assert!(cut_text.len() <= MAX_MESSAGE_BYTES);
        assert!(cut_text.ends_with('…'));
        assert_eq!(cut("short".into(), 10), "short");
    }

    #[test]
    fn event_names_are_unique_and_start_with_the_object() {
        let a = event_name("raise-mem");
        let b = event_name("raise-mem");
        assert!(a.starts_with("raise-mem."));
        assert_ne!(a, b);
        assert!(event_name(&"x".repeat(400)).len() < 253);
    }
}
