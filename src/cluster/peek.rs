//! The table's LAST LINE column: the newest reasoning line of the
//! investigations on screen, read from the tail of their pod logs (a few
//! lines, no stream), a few at a time.

use super::logline;
use super::logs::newest_started;
use crate::domain::labels::INVESTIGATION;
use crate::model::records::{LAST_LINE_CHARS, PeekTarget};
use crate::sanitize::Redactor;
use futures::StreamExt;
use k8s_openapi::api::core::v1::Pod;
use kube::api::{ListParams, LogParams};
use kube::{Api, Client};
use std::sync::Arc;

/// How many investigations are peeked at once.
const CONCURRENT_PEEKS: usize = 4;
/// Lines read from the end of each log (the last may be partial or blank).
const TAIL_LINES: i64 = 4;
/// At most this much of each log is read.
const TAIL_BYTES: i64 = 64 * 1024;

/// Reads the last reasoning line of every target: `(investigation, line)`. An investigation without a started pod, or whose
/// log cannot be read, reports `None` (the row keeps what it showed).
pub async fn peek(
    client: Client,
    targets: Vec<PeekTarget>,
    redactor: Arc<Redactor>,
) -> Vec<(String, Option<String>)> {
    futures::stream::iter(targets)
        .map(|target| {
            let (client, redactor) = (client.clone(), Arc::clone(&redactor));
            async move {
                let line = last_line(client, &target, &redactor).await;
                (target.investigation, line)
            }
        })
        .buffer_unordered(CONCURRENT_PEEKS)
        .collect()
        .await
}

/// The headline of the newest reasoning line of `target`'s pod.
async fn last_line(client: Client, target: &PeekTarget, redactor: &Redactor) -> Option<String> {
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
    let raw = log.lines().rev().find(|l| !l.trim().is_empty())?;
    let entry = logline::entry(0, raw.as_bytes(), redactor);
    let headline: String = entry
        .kind
        .headline()
        .chars()
        .take(LAST_LINE_CHARS)
        .collect();
    (!headline.trim().is_empty()).then_some(headline)
}
