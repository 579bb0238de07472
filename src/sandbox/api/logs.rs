//! Pod logs: the container runtime side (`append_log`) and the `/log`
//! subresource with follow, timestamps, sinceTime, sinceSeconds, tailLines
//! and limitBytes.

use super::call::Call;
use super::object::{self, ObjectKey};
use super::resource::{self, PODS};
use super::status::StatusError;
use super::store::ChangeType;
use super::stream;
use axum::response::Response;
use bytes::Bytes;
use jiff::Timestamp;
use serde_json::Value;
use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex, PoisonError};
use tokio::sync::{Notify, broadcast};

/// One line a container wrote.
#[derive(Debug, Clone)]
struct LogLine {
    /// Position in the pod's log, counting dropped lines.
    sequence: u64,
    /// When it was written.
    at: Timestamp,
    /// The text, without its newline.
    text: String,
}

/// One pod's recent output.
#[derive(Default)]
struct PodLog {
    lines: VecDeque<LogLine>,
    next_sequence: u64,
    notify: Arc<Notify>,
}

/// Every pod's output, bounded per pod.
pub(crate) struct LogStore {
    pods: Mutex<HashMap<ObjectKey, PodLog>>,
    max_lines: usize,
}

impl LogStore {
    /// An empty store keeping `max_lines` per pod.
    pub fn new(max_lines: usize) -> Self {
        LogStore {
            pods: Mutex::new(HashMap::new()),
            max_lines: max_lines.max(1),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<ObjectKey, PodLog>> {
        self.pods.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Appends one line (several if `line` contains newlines), stamped now.
    pub fn append(&self, key: ObjectKey, line: &str) {
        let at = Timestamp::now();
        let mut pods = self.lock();
        let log = pods.entry(key).or_default();
        for text in line.trim_end_matches('\n').split('\n') {
            log.lines.push_back(LogLine {
                sequence: log.next_sequence,
                at,
                text: text.trim_end_matches('\r').to_string(),
            });
            log.next_sequence += 1;
        }
        while log.lines.len() > self.max_lines {
            log.lines.pop_front();
        }
        log.notify.notify_waiters();
    }

    /// Forgets a deleted pod's output.
    pub fn remove(&self, key: &ObjectKey) {
        if let Some(log) = self.lock().remove(key) {
            log.notify.notify_waiters();
        }
    }

    /// The lines from `sequence` on, and the next sequence.
    fn since(&self, key: &ObjectKey, sequence: u64) -> (Vec<LogLine>, u64) {
        let pods = self.lock();
        let Some(log) = pods.get(key) else {
            return (Vec::new(), sequence);
        };
        let first = log.lines.partition_point(|l| l.sequence < sequence);
        (
            log.lines.range(first..).cloned().collect(),
            log.next_sequence,
        )
    }

    /// What wakes a follower of this pod's log.
    fn notifier(&self, key: &ObjectKey) -> Arc<Notify> {
        self.lock().entry(key.clone()).or_default().notify.clone()
    }
}

/// The query options of a log request.
struct LogOptions {
    follow: bool,
    timestamps: bool,
    since: Option<Timestamp>,
    tail: Option<usize>,
    limit_bytes: Option<usize>,
}

fn options(call: &Call) -> Result<LogOptions, StatusError> {
    let since_time =
        match call.param("sinceTime").filter(|t| !t.is_empty()) {
            Some(text) => Some(text.parse::<Timestamp>().map_err(|e| {
                StatusError::bad_request(format!("invalid sinceTime {text:?}: {e}"))
            })?),
            None => None,
        };
    let since_seconds = call
        .number("sinceSeconds")?
        .map(|s| Timestamp::now().as_second().saturating_sub(s))
        .and_then(|s| Timestamp::from_second(s).ok());
    let to_usize = |n: i64| usize::try_from(n).unwrap_or(0);
    Ok(LogOptions {
        follow: call.flag("follow"),
        timestamps: call.flag("timestamps"),
        since: since_time.max(since_seconds),
        tail: call.number("tailLines")?.filter(|n| *n >= 0).map(to_usize),
        limit_bytes: call.number("limitBytes")?.filter(|n| *n > 0).map(to_usize),
    })
}

impl LogOptions {
    /// Applies sinceTime/sinceSeconds, then tailLines.
    fn select(&self, mut lines: Vec<LogLine>) -> Vec<LogLine> {
        if let Some(since) = self.since {
            lines.retain(|l| l.at >= since);
        }
        if let Some(tail) = self.tail {
            let skip = lines.len().saturating_sub(tail);
            lines.drain(..skip);
        }
        lines
    }

    fn format(&self, lines: &[LogLine]) -> String {
        let mut out = String::new();
        for line in lines {
            if self.timestamps {
                out.push_str(&format!("{} ", line.at));
            }
            out.push_str(&line.text);
            out.push('\n');
        }
        out
    }
}

/// Whether the pod has finished (or is gone): a follow ends there.
fn pod_finished(pod: Option<&Value>) -> bool {
    pod.is_none_or(|pod| {
        matches!(
            pod.pointer("/status/phase").and_then(Value::as_str),
            Some("Succeeded" | "Failed")
        )
    })
}

/// GET of `pods/{name}/log`.
pub(crate) fn logs(call: &Call) -> Result<Response, StatusError> {
    let key = call.key()?;
    let options = options(call)?;
    let (finished, pod_changes) = {
        let state = call.inner.store.read();
        let pod = state
            .get(PODS, &key)
            .ok_or_else(|| StatusError::not_found(resource::get(PODS), &key.name))?;
        let finished = pod_finished(Some(&pod));
        (finished, state.subscribe(PODS, state.revision).ok())
    };
    let (lines, next) = call.inner.logs.since(&key, 0);
    let first = options.format(&options.select(lines));
    let Some(pod_changes) = pod_changes.filter(|_| options.follow && !finished) else {
        let text = truncate(first, options.limit_bytes);
        let mut response = axum::response::Response::new(axum::body::Body::from(text));
        response.headers_mut().insert(
            http::header::CONTENT_TYPE,
            http::HeaderValue::from_static("text/plain"),
        );
        return Ok(response);
    };
    let (sender, response) = stream::channel("text/plain");
    let follower = Follower {
        inner: call.inner.clone(),
        key,
        options,
        sender,
        sent_bytes: 0,
    };
    tokio::spawn(follower.run(first, next, pod_changes.receiver));
    Ok(response)
}

fn truncate(mut text: String, limit: Option<usize>) -> String {
    if let Some(limit) = limit
        && text.len() > limit
    {
        let mut cut = limit;
        while !text.is_char_boundary(cut) {
            cut -= 1;
        }
        text.truncate(cut);
    }
    text
}

/// A `follow=true` log stream.
struct Follower {
    inner: Arc<super::Inner>,
    key: ObjectKey,
    options: LogOptions,
    sender: tokio::sync::mpsc::Sender<Bytes>,
    sent_bytes: usize,
}

impl Follower {
    /// Sends text within limitBytes; false when the stream should end.
    async fn send(&mut self, text: String) -> bool {
        let remaining = self
            .options
            .limit_bytes
            .map(|limit| limit.saturating_sub(self.sent_bytes));
        let text = truncate(text, remaining);
        self.sent_bytes += text.len();
        if !text.is_empty() && self.sender.send(Bytes::from(text)).await.is_err() {
            return false;
        }
        self.options
            .limit_bytes
            .is_none_or(|limit| self.sent_bytes < limit)
    }

    async fn run(
        mut self,
        first: String,
        mut next: u64,
        mut pod_changes: broadcast::Receiver<Arc<super::store::Change>>,
    ) {
        if !self.send(first).await {
            return;
        }
        let mut shutdown = self.inner.shutdown.subscribe();
        let mut finished = false;
        loop {
            let notify = self.inner.logs.notifier(&self.key);
            let notified = notify.notified();
            tokio::pin!(notified);
            // Registered before reading, so no line appended after the read is missed.
            notified.as_mut().enable();
            let (lines, upcoming) = self.inner.logs.since(&self.key, next);
            next = upcoming;
            let text = self.options.format(&lines);
            if !self.send(text).await || finished {
                return;
            }
            tokio::select! {
                () = &mut notified => {}
                () = self.sender.closed() => return,
                _ = shutdown.changed() => return,
                change = pod_changes.recv() => match change {
                    Ok(change) => {
                        let object = change.object.value();
                        if object::key(&object) == self.key {
                            finished = change.change == ChangeType::Deleted
                                || pod_finished(Some(&object));
                        }
                    }
                    Err(broadcast::error::RecvError::Lagged(_)) => {
                        finished = pod_finished(self.inner.store.read().get(PODS, &self.key).as_deref());
                    }
                    Err(broadcast::error::RecvError::Closed) => return,
                },
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn logs_are_bounded_per_pod() {
        let store = LogStore::new(3);
        let key = ObjectKey::new("p", "pod");
        for i in 0..5 {
            store.append(key.clone(), &format!("line {i}"));
        }
        let (lines, next) = store.since(&key, 0);
        let texts: Vec<&str> = lines.iter().map(|l| l.text.as_str()).collect();
        assert_eq!(texts, ["line 2", "line 3", "line 4"]);
        assert_eq!(next, 5);
        assert_eq!(store.since(&key, 4).0.len(), 1);
    }

    #[test]
    fn tail_and_timestamps_format_like_the_kubelet() {
        let options = LogOptions {
            follow: false,
            timestamps: true,
            since: None,
            tail: Some(1),
            limit_bytes: None,
        };
        let at: Timestamp = "2024-05-01T10:00:00.5Z".parse().unwrap();
        let lines = vec![
            LogLine {
                sequence: 0,
                at,
                text: "a".into(),
            },
            LogLine {
                sequence: 1,
                at,
                text: "b".into(),
            },
        ];
        assert_eq!(
            options.format(&options.select(lines)),
            "2024-05-01T10:00:00.5Z b\n"
        );
        assert_eq!(truncate("héllo".into(), Some(2)), "h");
    }
}
