//! Watchers: investigations (Jobs with the investigation label), proposals
//! and trust policies, each a task that trims objects and sends batched
//! actions into the console's funnel.

use super::trim;
use crate::domain::labels::{INVESTIGATION, INVESTIGATION_SELECTOR};
use crate::domain::{ActionProposal, TrustPolicy};
use crate::error::KubeCause;
use crate::model::records::{
    InvestigationRecord, PolicyRecord, ProposalKey, ProposalRecord, Source,
};
use crate::sanitize::Redactor;
use futures::future::BoxFuture;
use futures::{FutureExt, StreamExt};
use jiff::Timestamp;
use k8s_openapi::api::batch::v1::Job;
use kube::api::ListParams;
use kube::runtime::WatchStreamExt;
use kube::runtime::watcher::{self, Event};
use kube::{Api, Client, Resource, ResourceExt};
use serde::de::DeserializeOwned;
use std::collections::HashMap;
use std::fmt::Debug;
use std::hash::Hash;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::mpsc::Sender;
use tokio::task::JoinHandle;

/// How long changes are collected before they are sent as one action.
const BATCH_WINDOW: Duration = Duration::from_millis(50);

/// Objects a list page holds (kube's default, set here so that a full page
/// of investigations is known when it has arrived).
const PAGE_SIZE: u32 = 500;

/// The running watchers; dropping this stops them.
#[derive(Debug, Default)]
pub struct Watchers {
    tasks: Vec<JoinHandle<()>>,
}

impl Drop for Watchers {
    fn drop(&mut self) {
        for task in &self.tasks {
            task.abort();
        }
    }
}

/// What a watcher reports. The console turns each into its own message
/// (`From<WatchEvent>`), so the watchers need nothing of the console.
#[derive(Debug, Clone, PartialEq)]
pub enum WatchEvent {
    /// A watcher (re)listed everything: these (and the pages of the listing
    /// sent before, [`WatchEvent::InvestigationsPage`]) are all the
    /// investigations there are.
    InvestigationsListed {
        /// The watcher generation (ignored when stale).
        epoch: u64,
        /// Every investigation.
        records: Vec<InvestigationRecord>,
    },
    /// A page of a listing under way, sent as it arrives so the first rows
    /// show before the whole list is in; the listing ends with
    /// [`WatchEvent::InvestigationsListed`] (its last rows).
    InvestigationsPage {
        /// The watcher generation.
        epoch: u64,
        /// The page's investigations.
        records: Vec<InvestigationRecord>,
        /// Whether it is the first page of a new listing.
        first: bool,
        /// How many there are, when the server said (an estimate: see
        /// [`list_total`]).
        total: Option<u64>,
    },
    /// Investigations added, changed or deleted since the last batch.
    InvestigationsChanged {
        /// The watcher generation.
        epoch: u64,
        /// Added or changed.
        applied: Vec<InvestigationRecord>,
        /// Ids of deleted investigations.
        deleted: Vec<String>,
    },
    /// A watcher (re)listed every proposal.
    ProposalsListed {
        /// The watcher generation.
        epoch: u64,
        /// Every proposal.
        records: Vec<ProposalRecord>,
    },
    /// Proposals added, changed or deleted since the last batch.
    ProposalsChanged {
        /// The watcher generation.
        epoch: u64,
        /// Added or changed.
        applied: Vec<ProposalRecord>,
        /// Deleted.
        deleted: Vec<ProposalKey>,
    },
    /// A watcher (re)listed every trust policy.
    PoliciesListed {
        /// The watcher generation.
        epoch: u64,
        /// Every policy.
        records: Vec<PolicyRecord>,
    },
    /// Trust policies added, changed or deleted since the last batch.
    PoliciesChanged {
        /// The watcher generation.
        epoch: u64,
        /// Added or changed.
        applied: Vec<PolicyRecord>,
        /// Namespaces whose policy was deleted.
        deleted: Vec<String>,
    },
    /// A watcher lost its connection and is retrying with backoff.
    SourceDisconnected {
        /// The watcher generation.
        epoch: u64,
        /// Which watcher.
        source: Source,
        /// When it went down.
        since: Timestamp,
        /// The error, for the notice line.
        error: String,
    },
    /// The user may not list or watch a resource (HTTP 403); the console keeps going.
    SourceForbidden {
        /// The watcher generation.
        epoch: u64,
        /// Which watcher.
        source: Source,
        /// The namespace the watch was scoped to (`None`: all namespaces).
        namespace: Option<String>,
    },
    /// A watcher is receiving again.
    SourceConnected {
        /// The watcher generation.
        epoch: u64,
        /// Which watcher.
        source: Source,
    },
}

/// Starts the three watchers in `namespace` (all namespaces when `None`).
pub fn spawn<M: From<WatchEvent> + Send + 'static>(
    client: Client,
    namespace: Option<String>,
    epoch: u64,
    tx: Sender<M>,
    redactor: Arc<Redactor>,
) -> Watchers {
    let jobs: Api<Job> = api(&client, namespace.as_deref());
    let proposals: Api<ActionProposal> = api(&client, namespace.as_deref());
    let policies: Api<TrustPolicy> = api(&client, namespace.as_deref());
    let scope = Scope {
        epoch,
        namespace,
        tx,
    };
    let counted = jobs.clone();
    let tasks = vec![
        tokio::spawn(run(
            jobs,
            watcher::Config::default()
                .labels(INVESTIGATION_SELECTOR)
                .page_size(PAGE_SIZE),
            scope.clone(),
            Kind {
                source: Source::Investigations,
                trim: Box::new(trim::investigation),
                key: Box::new(|job: &Job| job.labels().get(INVESTIGATION).cloned()),
                pages: Some(Pages {
                    page: |epoch, records, first, total| WatchEvent::InvestigationsPage {
                        epoch,
                        records,
                        first,
                        total,
                    },
                    total: Box::new(move || Box::pin(list_total(counted.clone()))),
                }),
                listed: |epoch, records| WatchEvent::InvestigationsListed { epoch, records },
                changed: |epoch, applied, deleted| WatchEvent::InvestigationsChanged {
                    epoch,
                    applied,
                    deleted,
                },
            },
        )),
        tokio::spawn(run(
            proposals,
            watcher::Config::default(),
            scope.clone(),
            Kind {
                source: Source::Proposals,
                trim: Box::new(move |p: &ActionProposal| trim::proposal(p, &redactor)),
                key: Box::new(|p: &ActionProposal| {
                    Some(ProposalKey::new(p.namespace()?, p.metadata.name.clone()?))
                }),
                pages: None,
                listed: |epoch, records| WatchEvent::ProposalsListed { epoch, records },
                changed: |epoch, applied, deleted| WatchEvent::ProposalsChanged {
                    epoch,
                    applied,
                    deleted,
                },
            },
        )),
        tokio::spawn(run(
            policies,
            watcher::Config::default(),
            scope,
            Kind {
                source: Source::Policies,
                trim: Box::new(trim::policy),
                key: Box::new(|p: &TrustPolicy| p.namespace()),
                pages: None,
                listed: |epoch, records| WatchEvent::PoliciesListed { epoch, records },
                changed: |epoch, applied, deleted| WatchEvent::PoliciesChanged {
                    epoch,
                    applied,
                    deleted,
                },
            },
        )),
    ];
    Watchers { tasks }
}

fn api<K>(client: &Client, namespace: Option<&str>) -> Api<K>
where
    K: Resource<Scope = k8s_openapi::NamespaceResourceScope>,
    <K as Resource>::DynamicType: Default,
{
    match namespace {
        Some(ns) => Api::namespaced(client.clone(), ns),
        None => Api::all(client.clone()),
    }
}

/// Where a watcher's events go.
struct Scope<M> {
    epoch: u64,
    namespace: Option<String>,
    tx: Sender<M>,
}

impl<M> Clone for Scope<M> {
    fn clone(&self) -> Self {
        Scope {
            epoch: self.epoch,
            namespace: self.namespace.clone(),
            tx: self.tx.clone(),
        }
    }
}

/// A function of an object, shared with the watcher task.
type Extract<K, T> = Box<dyn Fn(&K) -> Option<T> + Send + Sync>;

/// A future of how many objects a listing will hold, when the server says.
type Total = Box<dyn Fn() -> BoxFuture<'static, Option<u64>> + Send + Sync>;

/// How one kind of object becomes actions.
struct Kind<K, R, Key> {
    source: Source,
    trim: Extract<K, R>,
    key: Extract<K, Key>,
    /// Sends a listing page by page (else whole, at its end).
    pages: Option<Pages<R>>,
    listed: fn(u64, Vec<R>) -> WatchEvent,
    changed: fn(u64, Vec<R>, Vec<Key>) -> WatchEvent,
}

/// How a listing is sent page by page.
struct Pages<R> {
    /// A page: epoch, records, whether it is the first, the total if known.
    page: fn(u64, Vec<R>, bool, Option<u64>) -> WatchEvent,
    /// Asks how many there are, beside the listing.
    total: Total,
}

/// How many Jobs the scope holds, from the `remainingItemCount` of a
/// one-item list. The list has no label selector, as the API server counts
/// only unfiltered lists: it counts every Job in scope, not only
/// investigations, so it is an upper estimate (exact where, as usual, the
/// agents' namespace holds only investigations). `None` when the server
/// does not say.
pub async fn list_total(api: Api<Job>) -> Option<u64> {
    let list = api.list(&ListParams::default().limit(1)).await.ok()?;
    let items = list.items.len() as u64;
    match list.metadata.remaining_item_count {
        Some(remaining) => u64::try_from(remaining).ok().map(|r| r + items),
        None if list.metadata.continue_.as_deref().is_none_or(str::is_empty) => Some(items),
        None => None,
    }
}

/// The listing under way, as the watcher task sends it.
struct Listing<R> {
    /// Records not sent yet.
    records: Vec<R>,
    /// Objects received since the last page was sent.
    in_page: u32,
    /// Whether a page of this listing was sent.
    paged: bool,
    /// The total, asked for beside the listing.
    total: Option<JoinHandle<Option<u64>>>,
    /// The total once known.
    known: Option<u64>,
}

impl<R> Listing<R> {
    fn new(total: Option<JoinHandle<Option<u64>>>) -> Self {
        Listing {
            records: Vec::new(),
            in_page: 0,
            paged: false,
            total,
            known: None,
        }
    }

    /// The total, if the question was answered by now.
    fn total(&mut self) -> Option<u64> {
        if let Some(handle) = self.total.as_mut()
            && handle.is_finished()
        {
            self.known = handle.now_or_never().and_then(Result::ok).flatten();
            self.total = None;
        }
        self.known
    }
}

impl<R> Drop for Listing<R> {
    fn drop(&mut self) {
        if let Some(handle) = &self.total {
            handle.abort();
        }
    }
}

/// Whether a watcher error is the API server refusing the user (403).
pub fn is_forbidden(error: &watcher::Error) -> bool {
    let client_error = match error {
        watcher::Error::InitialListFailed(e)
        | watcher::Error::WatchStartFailed(e)
        | watcher::Error::WatchFailed(e) => e,
        watcher::Error::WatchError(status) => return status.is_forbidden(),
        watcher::Error::NoResourceVersion => return false,
    };
    matches!(client_error, kube::Error::Api(status) if status.is_forbidden())
}

/// Why a watcher failed, in words ("connection refused", "Unauthorized
/// (401): the credentials were rejected", "not a Kubernetes API: ...").
pub fn cause(error: &watcher::Error) -> KubeCause {
    match error {
        watcher::Error::InitialListFailed(e)
        | watcher::Error::WatchStartFailed(e)
        | watcher::Error::WatchFailed(e) => KubeCause::of(e),
        watcher::Error::WatchError(status) => KubeCause::of(&kube::Error::Api(status.clone())),
        watcher::Error::NoResourceVersion => {
            KubeCause::NotKubernetes("its list carries no resourceVersion".into())
        }
    }
}

async fn run<K, R, Key, M>(
    api: Api<K>,
    config: watcher::Config,
    scope: Scope<M>,
    kind: Kind<K, R, Key>,
) where
    M: From<WatchEvent> + Send + 'static,
    K: Resource + Clone + DeserializeOwned + Debug + Send + 'static,
    Key: Hash + Eq,
{
    let stream = watcher::watcher(api, config).default_backoff();
    futures::pin_mut!(stream);
    let mut listing: Option<Listing<R>> = None;
    // A page of a listing that never finished was sent: the next listing
    // must say it begins, even if it sends no page of its own.
    let mut unfinished = false;
    let mut pending: HashMap<Key, Option<R>> = HashMap::new();
    let mut flush_at: Option<tokio::time::Instant> = None;
    let mut failing = false;
    let epoch = scope.epoch;
    loop {
        let next = match flush_at {
            Some(deadline) => match tokio::time::timeout_at(deadline, stream.next()).await {
                Ok(next) => next,
                Err(_) => {
                    flush_at = None;
                    if !send_changes(&scope, &kind, &mut pending).await {
                        return;
                    }
                    continue;
                }
            },
            None => stream.next().await,
        };
        let Some(item) = next else {
            return;
        };
        let event = match item {
            Ok(event) => event,
            Err(error) => {
                // Every failure is reported (the backoff spaces them): the
                // state keeps when the outage began, and a rejected token is
                // retried with the kubeconfig read again.
                failing = true;
                let action = if is_forbidden(&error) {
                    WatchEvent::SourceForbidden {
                        epoch,
                        source: kind.source,
                        namespace: scope.namespace.clone(),
                    }
                } else {
                    WatchEvent::SourceDisconnected {
                        epoch,
                        source: kind.source,
                        since: Timestamp::now(),
                        error: cause(&error).to_string(),
                    }
                };
                if scope.tx.send(M::from(action)).await.is_err() {
                    return;
                }
                continue;
            }
        };
        // `Init` comes before the list is even asked for: only an answer
        // from the server proves the connection is back.
        if failing && !matches!(event, Event::Init) {
            failing = false;
            let action = WatchEvent::SourceConnected {
                epoch,
                source: kind.source,
            };
            if scope.tx.send(M::from(action)).await.is_err() {
                return;
            }
        }
        match event {
            Event::Init => {
                let total = kind.pages.as_ref().map(|p| tokio::spawn((p.total)()));
                listing = Some(Listing::new(total));
            }
            Event::InitApply(object) => {
                let listing = listing.get_or_insert_with(|| Listing::new(None));
                if let Some(record) = (kind.trim)(&object) {
                    listing.records.push(record);
                }
                listing.in_page += 1;
                if let Some(pages) = &kind.pages
                    && listing.in_page >= PAGE_SIZE
                {
                    // A whole page has arrived: show it now.
                    listing.in_page = 0;
                    let records = std::mem::take(&mut listing.records);
                    let first = !listing.paged;
                    listing.paged = true;
                    unfinished = true;
                    let page = (pages.page)(epoch, records, first, listing.total());
                    if scope.tx.send(M::from(page)).await.is_err() {
                        return;
                    }
                }
            }
            Event::InitDone => {
                pending.clear();
                flush_at = None;
                let mut done = listing.take().unwrap_or_else(|| Listing::new(None));
                if let Some(pages) = &kind.pages
                    && unfinished
                    && !done.paged
                {
                    // Rows of an earlier, unfinished listing are on the
                    // table: this listing begins here, and replaces them.
                    let page = (pages.page)(epoch, Vec::new(), true, done.total());
                    if scope.tx.send(M::from(page)).await.is_err() {
                        return;
                    }
                }
                unfinished = false;
                let records = std::mem::take(&mut done.records);
                if scope
                    .tx
                    .send(M::from((kind.listed)(epoch, records)))
                    .await
                    .is_err()
                {
                    return;
                }
                super::heap::give_back_after_listing();
            }
            Event::Apply(object) => {
                let Some(key) = (kind.key)(&object) else {
                    continue;
                };
                pending.insert(key, (kind.trim)(&object));
                flush_at.get_or_insert_with(|| tokio::time::Instant::now() + BATCH_WINDOW);
            }
            Event::Delete(object) => {
                let Some(key) = (kind.key)(&object) else {
                    continue;
                };
                pending.insert(key, None);
                flush_at.get_or_insert_with(|| tokio::time::Instant::now() + BATCH_WINDOW);
            }
        }
    }
}

async fn send_changes<K, R, Key, M: From<WatchEvent>>(
    scope: &Scope<M>,
    kind: &Kind<K, R, Key>,
    pending: &mut HashMap<Key, Option<R>>,
) -> bool {
    if pending.is_empty() {
        return true;
    }
    let mut applied = Vec::new();
    let mut deleted = Vec::new();
    for (key, record) in pending.drain() {
        match record {
            Some(record) => applied.push(record),
            None => deleted.push(key),
        }
    }
    scope
        .tx
        .send(M::from((kind.changed)(scope.epoch, applied, deleted)))
        .await
        .is_ok()
}
