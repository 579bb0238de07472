//! The table's LAST LINE and COST columns: the newest reasoning event of
//! the investigations on screen, as the stream shows it, and their cost so
//! far (the newest usage event in the tail that carries the agent's running
//! total), read from the tail of their pod logs (a few lines, no stream), a
//! few at a time.

use super::logline;
use super::logs::newest_started;
use crate::domain::labels::INVESTIGATION;
use crate::model::records::{EntryKind, LAST_LINE_CHARS, Peek, PeekTarget};
use crate::sanitize::Redactor;
use futures::StreamExt;
use k8s_openapi::api::core::v1::Pod;
use kube::api::{ListParams, LogParams};
use kube::{Api, Client};
use std::sync::Arc;

/// How many investigations are peeked at once.
const CONCURRENT_PEEKS: usize = 4;
/// Lines read from the end of each log (the last may be partial or blank);
/// enough to hold a usage event of an agent that reports one every few steps.
const TAIL_LINES: i64 = 16;
/// At most this much of each log is read.
const TAIL_BYTES: i64 = 64 * 1024;

/// Peeks at every target. An investigation without a started pod, or whose
/// log cannot be read, reports nothing (the row keeps what it showed).
pub async fn peek(client: Client, targets: Vec<PeekTarget>, redactor: Arc<Redactor>) -> Vec<Peek> {
    futures::stream::iter(targets)
        .map(|target| {
            let (client, redactor) = (client.clone(), Arc::clone(&redactor));
            async move {
                let (line, cost) = tail(client, &target, &redactor).await.unwrap_or_default();
                Peek {
                    investigation: target.investigation,
                    line,
                    cost,
                }
            }
        })
        .buffer_unordered(CONCURRENT_PEEKS)
        .collect()
        .await
}

/// The newest event of `target`'s pod log in one line, and the newest
/// running total of its cost, from the log's last lines.
async fn tail(
    client: Client,
    target: &PeekTarget,
    redactor: &Redactor,
) -> Option<(Option<String>, Option<f64>)> {
    let pods: Api<Pod> = Api::namespaced(client, &target.namespace);
    let selector = format!("{INVESTIGATION}={}", target.investigation);
    let listed = pods
        .list(&ListParams::default().labels(&selector))
        .await
        .ok()?;
    let pod = newest_started(&listed.items)?;
    let params = LogParams {
        timestamps: true,
        tail_lines: Some(TAIL_LINES),
        limit_bytes: Some(TAIL_BYTES),
        ..LogParams::default()
    };
    let log = pods.logs(&pod, &params).await.ok()?;
    Some(glance_at(&log, redactor))
}

/// What the tail of a log shows: its newest event as the stream renders it
/// in one line, and the newest running total of the investigation's cost.
pub(crate) fn glance_at(log: &str, redactor: &Redactor) -> (Option<String>, Option<f64>) {
    let mut line = None;
    let mut cost = None;
    for raw in log.lines().rev().filter(|l| !l.trim().is_empty()) {
        let entry = logline::entry(0, raw.as_bytes(), redactor);
        if cost.is_none()
            && let EntryKind::Usage { total_cost_usd, .. } = &entry.kind
        {
            cost = *total_cost_usd;
        }
        if line.is_none() {
            line = entry
                .kind
                .glance()
                .map(|text| text.chars().take(LAST_LINE_CHARS).collect::<String>())
                .filter(|text| !text.trim().is_empty());
        }
        if line.is_some() && cost.is_some() {
            break;
        }
    }
    (line, cost)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_tail_shows_the_newest_event_as_the_stream_does_and_the_running_cost() {
        let log = [
            r#"2026-12-06T07:00:00Z {"type":"usage","input_tokens":10,"output_tokens":2,"cost_usd":0.001,"total_cost_usd":0.0421}"#,
            r#"2026-12-06T07:00:01Z {"type":"tool_call","id":"c1","tool":"kubectl_get","input":{"resource":"pods"}}"#,
            r#"2026-12-06T07:00:02Z {"type":"tool_result","id":"c1","output":"{\"items\": [\n]}"}"#,
            "",
        ]
        .join("\n");
        let (line, cost) = glance_at(&log, &Redactor::default());
        assert_eq!(line.as_deref(), Some("↳ result c1 (2 lines)"));
        assert_eq!(cost, Some(0.0421));
        let old_agent = r#"2026-12-06T07:00:00Z {"type":"usage","input_tokens":10,"output_tokens":2,"cost_usd":0.001}"#;
        let (line, cost) = glance_at(old_agent, &Redactor::default());
        assert_eq!(
            (line, cost),
            (None, None),
            "per-call usage alone is no total"
        );
    }
}
