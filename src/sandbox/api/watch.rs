//! Watches: newline-delimited JSON events from a resourceVersion, with
//! bookmarks, streaming initial lists, and 410 Gone for forgotten versions.

use super::Inner;
use super::call::Call;
use super::read::Filter;
use super::representation::{self, Representation};
use super::resource::{ResourceId, ResourceType};
use super::status::StatusError;
#[cfg(test)]
use super::store::Stored;
use super::store::{Change, ChangeType, State, Subscription, TooOld};
use super::stream;
use axum::response::Response;
use bytes::Bytes;
use serde_json::{Value, json};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{broadcast, mpsc};

/// Where the watch starts.
enum Start {
    /// Synthetic ADDED events for what exists now, then changes after `revision`.
    Fresh {
        initial: Vec<Arc<Value>>,
        revision: u64,
        subscription: Subscription,
    },
    /// Changes after `revision`.
    Resume {
        revision: u64,
        subscription: Subscription,
    },
    /// The version is older than the kept history.
    Gone(TooOld),
}

/// Everything the watch task needs.
struct Watch {
    inner: Arc<Inner>,
    resource: ResourceId,
    kind: &'static ResourceType,
    filter: Filter,
    repr: Representation,
    bookmarks: bool,
    initial_events_end: bool,
    timeout: Duration,
    sender: mpsc::Sender<Bytes>,
}

/// GET of a collection with `watch=true`.
pub(crate) fn watch(call: &Call) -> Result<Response, StatusError> {
    let filter = Filter::from_call(call)?;
    let send_initial = call.flag("sendInitialEvents");
    let requested = call.param("resourceVersion").unwrap_or("");
    let timeout = call
        .number("timeoutSeconds")?
        .filter(|t| *t > 0)
        .map_or(call.inner.config.max_watch, |t| {
            Duration::from_secs(t.unsigned_abs()).min(call.inner.config.max_watch)
        });
    let start = {
        let state = call.inner.store.read();
        if requested.is_empty() || requested == "0" || send_initial {
            let initial = state
                .table(call.path.resource)
                .range(filter.namespace.as_deref(), None)
                .filter(|(_, object)| filter.matches(object))
                .map(|(_, object)| object.clone())
                .collect();
            match state.subscribe(call.path.resource, state.revision) {
                Ok(subscription) => Start::Fresh {
                    initial,
                    revision: state.revision,
                    subscription,
                },
                Err(too_old) => Start::Gone(too_old),
            }
        } else {
            let since: u64 = requested.parse().map_err(|_| {
                StatusError::bad_request(format!("invalid resource version {requested:?}"))
            })?;
            match state.subscribe(call.path.resource, since) {
                Ok(subscription) => Start::Resume {
                    revision: since,
                    subscription,
                },
                Err(too_old) => Start::Gone(too_old),
            }
        }
    };
    let (sender, response) = stream::channel("application/json");
    let task = Watch {
        inner: call.inner.clone(),
        resource: call.path.resource,
        kind: call.resource,
        filter,
        repr: call.repr,
        bookmarks: call.flag("allowWatchBookmarks"),
        initial_events_end: send_initial,
        timeout,
        sender,
    };
    tokio::spawn(task.run(start));
    Ok(response)
}

/// One watch event line.
fn event_line(kind: &str, object: &Value) -> Bytes {
    let mut line = json!({"type": kind, "object": object}).to_string();
    line.push('\n');
    Bytes::from(line)
}

/// The event a change produces for a filtered watch, if any: objects that
/// start or stop matching the selectors are seen as added or deleted.
fn event_type(change: &Change, object: &Value, filter: &Filter) -> Option<&'static str> {
    let now = filter.matches(object);
    match change.change {
        ChangeType::Added => now.then_some("ADDED"),
        ChangeType::Deleted => now.then_some("DELETED"),
        ChangeType::Modified => {
            let before = change
                .previous
                .as_ref()
                .is_some_and(|previous| filter.matches(&previous.value()));
            match (before, now) {
                (true, true) => Some("MODIFIED"),
                (false, true) => Some("ADDED"),
                (true, false) => Some("DELETED"),
                (false, false) => None,
            }
        }
    }
}

/// Drains the receiver under the store lock; on overflow, recovers the missed
/// changes from history (or reports that they are gone).
fn drain(
    state: &State,
    resource: ResourceId,
    receiver: &mut broadcast::Receiver<Arc<Change>>,
    delivered: u64,
) -> Result<Vec<Arc<Change>>, TooOld> {
    let mut pending = Vec::new();
    loop {
        match receiver.try_recv() {
            Ok(change) => pending.push(change),
            Err(broadcast::error::TryRecvError::Lagged(_)) => {
                return resubscribe(state, resource, receiver, delivered);
            }
            Err(_) => return Ok(pending),
        }
    }
}

/// After the receiver overflowed: a fresh receiver, and the missed changes from history.
fn resubscribe(
    state: &State,
    resource: ResourceId,
    receiver: &mut broadcast::Receiver<Arc<Change>>,
    delivered: u64,
) -> Result<Vec<Arc<Change>>, TooOld> {
    let subscription = state.subscribe(resource, delivered)?;
    *receiver = subscription.receiver;
    Ok(subscription.backlog)
}

impl Watch {
    async fn send(&self, line: Bytes) -> bool {
        self.sender.send(line).await.is_ok()
    }

    fn render(&self, object: &Value) -> Value {
        representation::render_object(self.repr, self.kind, object)
    }

    fn bookmark(&self, revision: u64, initial_end: bool) -> Bytes {
        let mut metadata =
            json!({"resourceVersion": revision.to_string(), "creationTimestamp": null});
        if initial_end {
            metadata["annotations"] = json!({"k8s.io/initial-events-end": "true"});
        }
        event_line(
            "BOOKMARK",
            &json!({"kind": self.kind.kind, "apiVersion": self.kind.api_version(), "metadata": metadata}),
        )
    }

    fn gone(too_old: TooOld) -> Bytes {
        let status = StatusError::expired(format!(
            "too old resource version: {} ({})",
            too_old.requested, too_old.oldest
        ));
        event_line("ERROR", &status.body())
    }

    /// Sends the changes newer than `delivered`; returns the new high-water mark,
    /// or `None` when the client has gone.
    async fn deliver(&self, changes: &[Arc<Change>], mut delivered: u64) -> Option<u64> {
        for change in changes {
            if change.revision <= delivered {
                continue;
            }
            delivered = change.revision;
            let object = change.object.value();
            if let Some(kind) = event_type(change, &object, &self.filter)
                && !self.send(event_line(kind, &self.render(&object))).await
            {
                return None;
            }
        }
        Some(delivered)
    }

    async fn run(self, start: Start) {
        let (mut delivered, mut receiver) = match start {
            Start::Gone(too_old) => {
                self.send(Self::gone(too_old)).await;
                return;
            }
            Start::Fresh {
                initial,
                revision,
                subscription,
            } => {
                for object in &initial {
                    if !self.send(event_line("ADDED", &self.render(object))).await {
                        return;
                    }
                }
                if self.initial_events_end
                    && self.bookmarks
                    && !self.send(self.bookmark(revision, true)).await
                {
                    return;
                }
                let Some(delivered) = self.deliver(&subscription.backlog, revision).await else {
                    return;
                };
                (delivered, subscription.receiver)
            }
            Start::Resume {
                revision,
                subscription,
            } => {
                let Some(delivered) = self.deliver(&subscription.backlog, revision).await else {
                    return;
                };
                (delivered, subscription.receiver)
            }
        };
        let mut shutdown = self.inner.shutdown.subscribe();
        let deadline = tokio::time::sleep(self.timeout);
        tokio::pin!(deadline);
        let mut ticker = tokio::time::interval(
            self.inner
                .config
                .bookmark_interval
                .max(Duration::from_millis(10)),
        );
        ticker.tick().await;
        loop {
            let pending = tokio::select! {
                () = &mut deadline => return,
                _ = shutdown.changed() => return,
                () = self.sender.closed() => return,
                received = receiver.recv() => match received {
                    Ok(change) => Ok(vec![change]),
                    Err(broadcast::error::RecvError::Lagged(_)) => {
                        let state = self.inner.store.read();
                        resubscribe(&state, self.resource, &mut receiver, delivered)
                    }
                    Err(broadcast::error::RecvError::Closed) => return,
                },
                _ = ticker.tick(), if self.bookmarks => {
                    let (pending, revision) = {
                        let state = self.inner.store.read();
                        (drain(&state, self.resource, &mut receiver, delivered), state.revision)
                    };
                    match pending {
                        Ok(pending) => {
                            let Some(_) = self.deliver(&pending, delivered).await else { return };
                            delivered = delivered.max(revision);
                            if !self.send(self.bookmark(revision, false)).await {
                                return;
                            }
                            Ok(Vec::new())
                        }
                        Err(too_old) => Err(too_old),
                    }
                }
            };
            match pending {
                Ok(pending) => match self.deliver(&pending, delivered).await {
                    Some(now) => delivered = now,
                    None => return,
                },
                Err(too_old) => {
                    self.send(Self::gone(too_old)).await;
                    return;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sandbox::api::selector::{FieldSelector, LabelSelector};

    fn change(kind: ChangeType, before: Option<&str>, after: &str) -> Change {
        let labelled = |tier: &str| {
            Stored::new(
                &json!({"metadata": {"name": "x", "namespace": "p", "labels": {"tier": tier}}}),
            )
        };
        Change {
            change: kind,
            revision: 1,
            object: labelled(after),
            previous: before.map(labelled),
        }
    }

    fn event(change: &Change, filter: &Filter) -> Option<&'static str> {
        event_type(change, &change.object.value(), filter)
    }

    #[test]
    fn selector_watches_see_objects_enter_and_leave() {
        let filter = Filter {
            namespace: Some("p".into()),
            labels: LabelSelector::parse("tier=web").unwrap(),
            fields: FieldSelector::default(),
        };
        assert_eq!(
            event(&change(ChangeType::Modified, Some("db"), "web"), &filter),
            Some("ADDED")
        );
        assert_eq!(
            event(&change(ChangeType::Modified, Some("web"), "db"), &filter),
            Some("DELETED")
        );
        assert_eq!(
            event(&change(ChangeType::Modified, Some("web"), "web"), &filter),
            Some("MODIFIED")
        );
        assert_eq!(event(&change(ChangeType::Added, None, "db"), &filter), None);
    }
}
