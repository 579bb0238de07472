//! Log streams, only for the investigation on screen: find its pod, follow
//! its log with timestamps, parse and sanitize each line off the UI path, and
//! send the lines in batches.

use super::logline;
use crate::domain::labels::INVESTIGATION;
use crate::model::records::{LogEntry, StreamId};
use crate::sanitize::Redactor;
use futures::io::AsyncBufRead;
use futures::{AsyncBufReadExt, StreamExt};
use jiff::Timestamp;
use k8s_openapi::api::core::v1::Pod;
use kube::api::{ListParams, LogParams};
use kube::runtime::WatchStreamExt;
use kube::runtime::watcher;
use kube::{Api, Client, ResourceExt};
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::mpsc::Sender;
use tokio::time::Instant;

/// Lines are sent at least this often while they arrive...
const BATCH_WINDOW: Duration = Duration::from_millis(16);
/// ...or as soon as this many are waiting.
const BATCH_LINES: usize = 2048;
/// The longest line read whole; the parser cuts it further with a marker.
const MAX_READ_LINE: usize = 1024 * 1024;
/// The most bytes asked for when fetching older lines.
const FETCH_LIMIT_BYTES: i64 = 32 * 1024 * 1024;
/// Pause before following again when a log stream closes while the pod runs.
const RECONNECT_PAUSE: Duration = Duration::from_secs(1);

/// What a log stream follows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StreamTarget {
    /// The id its actions carry.
    pub stream: StreamId,
    /// The investigation id.
    pub investigation: String,
    /// The Job's namespace.
    pub namespace: String,
    /// The Job's name.
    pub job_name: String,
}

/// What a log stream reports. The console turns each into its own message
/// (`From<StreamEvent>`), so the stream needs nothing of the console.
#[derive(Debug, Clone, PartialEq)]
pub enum StreamEvent {
    /// A log stream found its pod and is following its log.
    Started {
        /// The stream.
        stream: StreamId,
        /// The pod followed.
        pod: String,
    },
    /// A log stream is waiting for the investigation's pod to appear.
    Waiting {
        /// The stream.
        stream: StreamId,
        /// Why it waits, for the status line.
        reason: String,
    },
    /// A batch of reasoning lines, parsed and sanitized.
    Lines {
        /// The stream.
        stream: StreamId,
        /// The lines, oldest first.
        entries: Vec<LogEntry>,
    },
    /// A log stream ended (the pod finished, or it failed).
    Ended {
        /// The stream.
        stream: StreamId,
        /// Why, when it failed.
        error: Option<String>,
    },
}

/// Follows the investigation's pod log until the pod finishes, the task is
/// aborted, or the console goes away.
pub async fn follow<M: From<StreamEvent> + Send + 'static>(
    client: Client,
    target: StreamTarget,
    tx: Sender<M>,
    redactor: Arc<Redactor>,
) {
    let stream = target.stream;
    let result = follow_inner(client, &target, &tx, &redactor).await;
    let error = result.err();
    let _ = tx.send(M::from(StreamEvent::Ended { stream, error })).await;
}

async fn follow_inner<M: From<StreamEvent>>(
    client: Client,
    target: &StreamTarget,
    tx: &Sender<M>,
    redactor: &Redactor,
) -> Result<(), String> {
    let pods: Api<Pod> = Api::namespaced(client, &target.namespace);
    let pod = find_pod(&pods, target, tx).await?;
    let _ = tx
        .send(M::from(StreamEvent::Started {
            stream: target.stream,
            pod: pod.clone(),
        }))
        .await;
    let mut reader = LineReader::default();
    let mut seq: u64 = 0;
    let mut last_logged: Option<Timestamp> = None;
    loop {
        let params = LogParams {
            follow: true,
            timestamps: true,
            since_time: last_logged,
            ..LogParams::default()
        };
        let log = pods
            .log_stream(&pod, &params)
            .await
            .map_err(|e| format!("cannot read the log of {pod}: {e}"))?;
        let mut log: Pin<Box<dyn AsyncBufRead + Send>> = Box::pin(log);
        reader.reset();
        let outcome = pump(
            &mut log,
            &mut reader,
            target.stream,
            &mut seq,
            &mut last_logged,
            tx,
            redactor,
        )
        .await;
        match outcome {
            Pump::ConsoleGone => return Ok(()),
            Pump::Ended | Pump::Failed(_) => {
                let finished = match pods.get_opt(&pod).await {
                    Ok(Some(p)) => pod_finished(&p),
                    Ok(None) => true,
                    Err(e) => return Err(format!("lost the log of {pod}: {e}")),
                };
                if finished {
                    return match outcome {
                        Pump::Failed(error) => Err(error),
                        _ => Ok(()),
                    };
                }
                tokio::time::sleep(RECONNECT_PAUSE).await;
            }
        }
    }
}

fn pod_finished(pod: &Pod) -> bool {
    matches!(
        pod.status.as_ref().and_then(|s| s.phase.as_deref()),
        Some("Succeeded" | "Failed")
    )
}

fn pod_started(pod: &Pod) -> bool {
    matches!(
        pod.status.as_ref().and_then(|s| s.phase.as_deref()),
        Some("Running" | "Succeeded" | "Failed")
    )
}

/// The newest started pod among `pods`.
pub(crate) fn newest_started(pods: &[Pod]) -> Option<String> {
    pods.iter()
        .filter(|p| pod_started(p))
        .max_by_key(|p| p.creation_timestamp().map(|t| t.0))
        .map(kube::ResourceExt::name_any)
}

/// Finds the investigation's pod (label `kubevigil.io/investigation=<id>`,
/// else `job-name=<job>`), watching until one has started.
async fn find_pod<M: From<StreamEvent>>(
    pods: &Api<Pod>,
    target: &StreamTarget,
    tx: &Sender<M>,
) -> Result<String, String> {
    let by_id = format!("{INVESTIGATION}={}", target.investigation);
    let by_job = format!("job-name={}", target.job_name);
    let mut selector = by_id.clone();
    for candidate in [&by_id, &by_job] {
        let listed = pods
            .list(&ListParams::default().labels(candidate))
            .await
            .map_err(|e| describe_list_error(&e, &target.namespace))?;
        if let Some(name) = newest_started(&listed.items) {
            return Ok(name);
        }
        if !listed.items.is_empty() {
            selector = candidate.clone();
            break;
        }
    }
    let _ = tx
        .send(M::from(StreamEvent::Waiting {
            stream: target.stream,
            reason: format!("waiting for the pod of job {} to start", target.job_name),
        }))
        .await;
    let events = watcher::watcher(pods.clone(), watcher::Config::default().labels(&selector))
        .default_backoff()
        .applied_objects();
    futures::pin_mut!(events);
    while let Some(event) = events.next().await {
        if let Ok(pod) = event
            && pod_started(&pod)
        {
            return Ok(pod.name_any());
        }
    }
    Err("the pod watch ended".into())
}

fn describe_list_error(error: &kube::Error, namespace: &str) -> String {
    match error {
        kube::Error::Api(status) if status.is_forbidden() => {
            format!("no right to list pods in {namespace}: cannot find the agent's pod")
        }
        other => format!("cannot list pods in {namespace}: {other}"),
    }
}

enum Pump {
    Ended,
    Failed(String),
    ConsoleGone,
}

/// Reads lines until the log ends, sending them in batches.
async fn pump<M: From<StreamEvent>>(
    log: &mut Pin<Box<dyn AsyncBufRead + Send>>,
    reader: &mut LineReader,
    stream: StreamId,
    seq: &mut u64,
    last_logged: &mut Option<Timestamp>,
    tx: &Sender<M>,
    redactor: &Redactor,
) -> Pump {
    let resume_after = *last_logged;
    let mut batch: Vec<LogEntry> = Vec::new();
    let mut flush_at: Option<Instant> = None;
    loop {
        let next = match flush_at {
            Some(deadline) => {
                match tokio::time::timeout_at(deadline, reader.next_line(log)).await {
                    Ok(next) => next,
                    Err(_) => {
                        flush_at = None;
                        if !send(tx, stream, &mut batch).await {
                            return Pump::ConsoleGone;
                        }
                        continue;
                    }
                }
            }
            None => reader.next_line(log).await,
        };
        let line = match next {
            Ok(Some(line)) => line,
            Ok(None) => {
                return if send(tx, stream, &mut batch).await {
                    Pump::Ended
                } else {
                    Pump::ConsoleGone
                };
            }
            Err(error) => {
                let _ = send(tx, stream, &mut batch).await;
                return Pump::Failed(format!("the log stream broke: {error}"));
            }
        };
        let (logged_at, _) = logline::split_timestamp(&line);
        // After a reconnect with sinceTime, skip what was already shown.
        if let (Some(resume), Some(at)) = (resume_after, logged_at)
            && at <= resume
        {
            continue;
        }
        if logged_at.is_some() {
            *last_logged = logged_at;
        }
        batch.push(logline::entry(*seq, &line, redactor));
        *seq += 1;
        if batch.len() >= BATCH_LINES {
            flush_at = None;
            if !send(tx, stream, &mut batch).await {
                return Pump::ConsoleGone;
            }
        } else {
            flush_at.get_or_insert_with(|| Instant::now() + BATCH_WINDOW);
        }
    }
}

async fn send<M: From<StreamEvent>>(
    tx: &Sender<M>,
    stream: StreamId,
    batch: &mut Vec<LogEntry>,
) -> bool {
    if batch.is_empty() {
        return true;
    }
    let entries = std::mem::take(batch);
    tx.send(M::from(StreamEvent::Lines { stream, entries }))
        .await
        .is_ok()
}

/// Splits a byte stream into lines of at most [`MAX_READ_LINE`] bytes. Cancel
/// safe: a partly read line stays in the reader when the read is dropped.
#[derive(Debug, Default)]
struct LineReader {
    line: Vec<u8>,
}

impl LineReader {
    fn reset(&mut self) {
        self.line.clear();
    }

    async fn next_line(
        &mut self,
        log: &mut Pin<Box<dyn AsyncBufRead + Send>>,
    ) -> std::io::Result<Option<Vec<u8>>> {
        loop {
            let chunk = log.fill_buf().await?;
            if chunk.is_empty() {
                return Ok((!self.line.is_empty()).then(|| std::mem::take(&mut self.line)));
            }
            let (used, done) = match chunk.iter().position(|&b| b == b'\n') {
                Some(i) => (i + 1, Some(i)),
                None => (chunk.len(), None),
            };
            let take = done.unwrap_or(used);
            let room = MAX_READ_LINE.saturating_sub(self.line.len());
            self.line.extend_from_slice(&chunk[..take.min(room)]);
            log.as_mut().consume(used);
            if done.is_some() {
                return Ok(Some(std::mem::take(&mut self.line)));
            }
        }
    }
}

/// What to fetch again for [`fetch_older`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OlderRequest {
    /// The pod's namespace.
    pub namespace: String,
    /// The pod.
    pub pod: String,
    /// Only lines logged before this.
    pub before: Option<Timestamp>,
    /// How many lines at most.
    pub count: usize,
    /// How many lines to ask for from the end of the log.
    pub tail_lines: u64,
    /// The sequence number of the first line if all `count` are found.
    pub first_seq: u64,
}

/// Fetches lines the buffer dropped, again, from the pod log.
pub async fn fetch_older(
    client: Client,
    request: OlderRequest,
    redactor: Arc<Redactor>,
) -> Result<Vec<LogEntry>, String> {
    let pods: Api<Pod> = Api::namespaced(client, &request.namespace);
    let params = LogParams {
        timestamps: true,
        tail_lines: Some(i64::try_from(request.tail_lines).unwrap_or(i64::MAX)),
        limit_bytes: Some(FETCH_LIMIT_BYTES),
        ..LogParams::default()
    };
    let log = pods
        .log_stream(&request.pod, &params)
        .await
        .map_err(|e| format!("cannot fetch the log of {}: {e}", request.pod))?;
    let mut log: Pin<Box<dyn AsyncBufRead + Send>> = Box::pin(log);
    let mut reader = LineReader::default();
    let mut lines = Vec::new();
    while let Some(line) = reader
        .next_line(&mut log)
        .await
        .map_err(|e| e.to_string())?
    {
        let (logged_at, _) = logline::split_timestamp(&line);
        let older = match (request.before, logged_at) {
            (Some(before), Some(at)) => at < before,
            _ => true,
        };
        if older {
            lines.push(line);
        }
    }
    let keep = lines.len().min(request.count);
    let skip = lines.len() - keep;
    let start = request.first_seq + (request.count - keep) as u64;
    Ok(lines
        .into_iter()
        .skip(skip)
        .enumerate()
        .map(|(i, line)| logline::entry(start + i as u64, &line, &redactor))
        .collect())
}
