//! Rebuilding the audit trail from the cluster, for `:audit` and
//! `kubevigil audit export`.

use super::{AuditRecord, ChangeRecord, ExportFormat, LastChange, export};
use crate::Result;
use crate::domain::labels::LAST_CHANGE;
use crate::domain::{ActionProposal, TrustPolicy};
use jiff::Timestamp;
use k8s_openapi::api::core::v1::Event;
use kube::{Api, Client, Resource, ResourceExt};
use serde::de::DeserializeOwned;
use std::collections::HashMap;
use std::fmt::Debug;
use std::io::Write;

/// Label (value `true`) on every Event kubevigil records, so the audit can list
/// them with a selector.
pub const AUDIT_LABEL: &str = "kubevigil.io/audit";
/// Annotation on those Events: the [`AuditRecord`] as JSON, so a decision
/// outlives its proposal (a killed investigation's proposals are garbage-collected).
pub const AUDIT_RECORD_ANNOTATION: &str = "kubevigil.io/audit-record";

/// Every decision and operator action since `since`, in `namespace` or in all
/// namespaces, oldest first. Built from every proposal's `status.decisions`,
/// the TrustPolicies' last-change annotations, and the Events kubevigil
/// recorded (which keep kills of investigations whose proposals are gone).
/// The same act found in several places is reported once.
pub async fn collect_from_cluster(
    client: &Client,
    namespace: Option<&str>,
    since: Timestamp,
) -> Result<Vec<AuditRecord>> {
    let mut records = Vec::new();
    for proposal in list_all(&scoped::<ActionProposal>(client, namespace), None).await? {
        for decision in proposal.decisions().iter().filter(|d| d.at.0 >= since) {
            records.push(AuditRecord::for_decision(&proposal, decision, None));
        }
    }
    for policy in list_all(&scoped::<TrustPolicy>(client, namespace), None).await? {
        let change = policy
            .annotations()
            .get(LAST_CHANGE)
            .and_then(|a| LastChange::parse(a));
        if let Some(change) = change.filter(|c| c.at >= since) {
            records.push(change.to_record(&policy.namespace().unwrap_or_default(), None));
        }
    }
    let selector = format!("{AUDIT_LABEL}=true");
    for event in list_all(&scoped::<Event>(client, namespace), Some(&selector)).await? {
        let recorded = event
            .annotations()
            .get(AUDIT_RECORD_ANNOTATION)
            .and_then(|json| serde_json::from_str::<AuditRecord>(json).ok());
        if let Some(record) = recorded.filter(|r| r.at >= since) {
            records.push(record);
        }
    }
    let mut records = merge_copies(records);
    sort_by_time(&mut records);
    Ok(records)
}

/// What `kubevigil audit export` does: collects every namespace's trail since
/// `since`, oldest first, and writes it to `writer` in `format`. Returns how
/// many records were written.
pub async fn export_from_cluster<W: Write>(
    client: &Client,
    since: Timestamp,
    format: ExportFormat,
    writer: W,
) -> Result<usize> {
    export_scoped(client, None, None, since, format, writer).await
}

/// What `kubevigil audit export` does: collects the trail of `namespace` (or
/// of every namespace) since `since`, oldest first, names the cluster's API
/// `server` in records that do not (they were made on this cluster), and
/// writes them to `writer` in `format`. Returns how many records were written.
pub async fn export_scoped<W: Write>(
    client: &Client,
    namespace: Option<&str>,
    server: Option<&str>,
    since: Timestamp,
    format: ExportFormat,
    writer: W,
) -> Result<usize> {
    let mut records = collect_from_cluster(client, namespace, since).await?;
    for record in &mut records {
        if record.server.is_none() {
            record.server = server.map(str::to_string);
        }
    }
    export(&records, format, writer)?;
    Ok(records.len())
}

/// Orders records by time, then by where and who, so exports are stable.
pub(crate) fn sort_by_time(records: &mut [AuditRecord]) {
    records.sort_by(|a, b| {
        (a.at, &a.namespace, &a.object, &a.actor).cmp(&(b.at, &b.namespace, &b.object, &b.actor))
    });
}

/// Keeps the first copy of each act; a later copy fills in the context and
/// server the first lacked (the proposal's status does not know them).
fn merge_copies(records: Vec<AuditRecord>) -> Vec<AuditRecord> {
    let mut kept: Vec<AuditRecord> = Vec::with_capacity(records.len());
    let mut seen = HashMap::new();
    for record in records {
        match seen.get(&record.identity_key()) {
            Some(&index) => {
                let first: &mut AuditRecord = &mut kept[index];
                if first.context.is_none() {
                    first.context = record.context;
                }
                if first.server.is_none() {
                    first.server = record.server;
                }
            }
            None => {
                seen.insert(record.identity_key(), kept.len());
                kept.push(record);
            }
        }
    }
    kept
}

fn scoped<K>(client: &Client, namespace: Option<&str>) -> Api<K>
where
    K: Resource<Scope = k8s_openapi::NamespaceResourceScope>,
    <K as Resource>::DynamicType: Default,
{
    match namespace {
        Some(namespace) => Api::namespaced(client.clone(), namespace),
        None => Api::all(client.clone()),
    }
}

/// Lists every object page by page. A resource the server does not serve is empty.
async fn list_all<K>(api: &Api<K>, selector: Option<&str>) -> Result<Vec<K>>
where
    K: Resource + Clone + DeserializeOwned + Debug,
{
    match crate::decide::failure::list_all(api, selector).await {
        Err(kube::Error::Api(status)) if status.code == 404 => Ok(Vec::new()),
        listed => Ok(listed?),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::audit::AuditAction;

    fn record(actor: &str, second: i64, context: Option<&str>, detail: &str) -> AuditRecord {
        AuditRecord {
            at: Timestamp::from_second(1_800_000_000 + second).expect("timestamp"),
            actor: actor.into(),
            verified: true,
            action: AuditAction::Approve,
            namespace: "payments".into(),
            object: "actionproposal/p".into(),
            investigation: None,
            reason: None,
            edited: false,
            context: context.map(Into::into),
            server: None,
            detail: Some(detail.into()),
        }
    }

    #[test]
    fn copies_of_one_act_are_reported_once_with_the_context_filled_in() {
        let merged = merge_copies(vec![
            record("oncall-1", 0, None, "from the status"),
            record("oncall-2", 0, None, "from the status"),
            record("oncall-1", 0, Some("prod"), "from the event"),
            record("oncall-1", 1, Some("prod"), "a later decision"),
        ]);
        assert_eq!(merged.len(), 3);
        assert_eq!(merged[0].context.as_deref(), Some("prod"));
        assert_eq!(merged[0].detail.as_deref(), Some("from the status"));
        assert_eq!(merged[1].context, None);
    }

    #[test]
    fn records_sort_oldest_first() {
        let mut records = vec![
            record("b", 5, None, ""),
            record("a", 1, None, ""),
            record("a", 5, None, ""),
        ];
        sort_by_time(&mut records);
        let order: Vec<_> = records
            .iter()
            .map(|r| (r.actor.as_str(), r.at.as_second() % 10))
            .collect();
        assert_eq!(order, vec![("a", 1), ("a", 5), ("b", 5)]);
    }
}
