//! Cluster data: watcher batches, connection state, identity, context switches, notices.

use super::{Out, stream};
use crate::app::effect::Effect;
use crate::app::state::{Identity, NoticeLevel, Reload, Screen, SourceState, State};
use crate::model::highlight::HighlightResult;
use crate::model::records::Source;
use crate::model::records::{InvestigationRecord, PolicyRecord, ProposalKey, ProposalRecord};
use jiff::Timestamp;

fn page(state: &State) -> usize {
    crate::app::geometry::layout::table_page(state)
}

/// Marks a source live after it delivered data.
fn mark_live(state: &mut State, source: Source, out: &mut Out) {
    state.sources.insert(source, SourceState::Live);
    if !state
        .sources
        .values()
        .any(|s| matches!(s, SourceState::Reconnecting { .. }))
    {
        state.connection.reload = Reload::Idle;
    }
    if let Some(ns) = &state.namespace
        && !state.permissions.asked.contains(ns)
    {
        let ns = ns.clone();
        ask_rights(state, vec![ns], out);
    }
}

/// Asks what the user may do in the namespaces not asked about yet.
fn ask_rights(state: &mut State, namespaces: Vec<String>, out: &mut Out) {
    let new: Vec<String> = namespaces
        .into_iter()
        .filter(|ns| !ns.is_empty() && state.permissions.asked.insert(ns.clone()))
        .collect();
    if !new.is_empty() {
        out.push(Effect::CheckRights {
            epoch: state.epoch,
            namespaces: new,
        });
    }
}

/// The cluster said what the user may do in `namespace`.
pub(super) fn rights(
    state: &mut State,
    epoch: u64,
    namespace: String,
    rights: crate::decide::Rights,
    out: &mut Out,
) {
    if epoch != state.epoch {
        return;
    }
    let changed = state.permissions.by_namespace.get(&namespace) != Some(&rights);
    state.permissions.by_namespace.insert(namespace, rights);
    out.redraw_if(changed);
}

/// The kubeconfig was read again after a 401; the watchers retry with it.
pub(super) fn credentials_reloaded(
    state: &mut State,
    epoch: u64,
    error: Option<String>,
    out: &mut Out,
) {
    if epoch != state.epoch {
        return;
    }
    let attempts = state.connection.reload.attempts();
    state.connection.reload = Reload::Done {
        at: state.now,
        attempts,
        error: error.map(|e| crate::sanitize::sanitize(&e).into_owned()),
    };
    // New credentials may carry other rights: ask again.
    let asked: Vec<String> = std::mem::take(&mut state.permissions.asked)
        .into_iter()
        .collect();
    ask_rights(state, asked, out);
    out.redraw();
}

/// What a batch of investigations is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Batch {
    /// Changes since the last batch.
    Changed,
    /// A page of a listing under way (`first`: a new listing begins), with
    /// the total when the server said it.
    Page {
        /// Whether it is the first page of a new listing.
        first: bool,
        /// How many investigations there are, when known.
        total: Option<usize>,
    },
    /// The end of a listing: these and the pages before them are every
    /// investigation there is.
    Listed,
}

/// Investigations listed (page by page, then the end) or changed. A
/// listing shows its pages as they come and removes the rows it did not
/// list only at its end, so a relist never empties the table meanwhile.
pub(super) fn investigations(
    state: &mut State,
    epoch: u64,
    applied: Vec<InvestigationRecord>,
    deleted: Vec<String>,
    batch: Batch,
    out: &mut Out,
) {
    if epoch != state.epoch {
        return;
    }
    mark_live(state, Source::Investigations, out);
    for record in &applied {
        let inv = &record.investigation;
        remember_namespace(state, &inv.namespace, out);
        remember_namespace(state, &inv.target_namespace, out);
    }
    match batch {
        Batch::Page { first, total } => {
            if first || state.table.loading().is_none() {
                state.table.begin_listing(total);
            }
            state.table.listed_page(applied.len(), total);
        }
        Batch::Listed if state.table.loading().is_none() => state.table.begin_listing(None),
        Batch::Listed | Batch::Changed => {}
    }
    state.table.expect_batch(applied.len() + deleted.len());
    for record in InvestigationRecord::rehome(applied) {
        let phase = state
            .policies
            .get(&*record.investigation.target_namespace)
            .map(|p| p.phase)
            .unwrap_or_default();
        let pending = state.proposals.pending_for(&record.investigation.id);
        state.table.apply(record, phase, pending);
    }
    for id in deleted {
        state.table.remove(&id);
    }
    if batch == Batch::Listed {
        state.table.end_listing();
    }
    let page = page(state);
    state.table.refresh(page);
    super::deeplink::follow(state, out);
    out.redraw();
}

/// Proposals listed (`reset`) or changed.
pub(super) fn proposals(
    state: &mut State,
    epoch: u64,
    applied: Vec<ProposalRecord>,
    deleted: Vec<ProposalKey>,
    reset: bool,
    out: &mut Out,
) {
    if epoch != state.epoch {
        return;
    }
    mark_live(state, Source::Proposals, out);
    let mut touched: Vec<String> = if reset {
        state.proposals.replace_all(applied)
    } else {
        let mut touched: Vec<String> = applied
            .into_iter()
            .map(|r| state.proposals.apply(r))
            .collect();
        touched.extend(deleted.iter().filter_map(|k| state.proposals.remove(k)));
        touched
    };
    touched.sort();
    touched.dedup();
    for id in &touched {
        let pending = state.proposals.pending_for(id);
        state.table.update_row(id, |row| row.pending = pending);
    }
    if state.table.sort == crate::app::state::Column::Pending {
        let page = page(state);
        state.table.refresh(page);
    }
    if let Some(Screen::Proposal { key, .. }) = state.screens.last().cloned() {
        stream::request_highlights(state, &key, out);
        super::scroll::clamp_proposal(state);
    }
    super::attention::review(state, out);
    super::deeplink::follow(state, out);
    out.redraw();
}

/// Policies listed (`reset`) or changed.
pub(super) fn policies(
    state: &mut State,
    epoch: u64,
    applied: Vec<PolicyRecord>,
    deleted: Vec<String>,
    reset: bool,
    out: &mut Out,
) {
    if epoch != state.epoch {
        return;
    }
    mark_live(state, Source::Policies, out);
    if reset {
        state.policies.clear();
    }
    for record in applied {
        remember_namespace(state, &record.namespace, out);
        state.policies.insert(record.namespace.clone(), record);
    }
    for namespace in deleted {
        state.policies.remove(&namespace);
    }
    let policies = state.policies.clone();
    state
        .table
        .set_phases(|ns| policies.get(ns).map(|p| p.phase).unwrap_or_default());
    let page = page(state);
    state.table.refresh(page);
    out.redraw();
}

/// A watcher lost its connection (sent on every failed retry): the outage
/// keeps the time it began; a 401 reads the kubeconfig again, at most every
/// few seconds, so rotated credentials are picked up.
pub(super) fn disconnected(
    state: &mut State,
    epoch: u64,
    source: Source,
    since: Timestamp,
    error: String,
    out: &mut Out,
) {
    if epoch != state.epoch {
        return;
    }
    let error = crate::sanitize::sanitize(&error).into_owned();
    let began = state
        .sources
        .values()
        .filter_map(|s| match s {
            SourceState::Reconnecting { since, .. } => Some(*since),
            _ => None,
        })
        .min()
        .map_or(since, |first| first.min(since));
    let next = SourceState::Reconnecting {
        since: began,
        error,
    };
    let visible_change = state.sources.get(&source) != Some(&next);
    let unauthorized = matches!(&next, SourceState::Reconnecting { error, .. }
        if *error == crate::error::KubeCause::Unauthorized.to_string());
    state.sources.insert(source, next);
    if unauthorized && state.connection.reload.may_start(since) {
        let attempts = state.connection.reload.attempts();
        state.connection.reload = Reload::Running {
            started: since,
            attempts,
        };
        out.push(Effect::ReloadCredentials {
            context: state.context.clone(),
            namespace: state.namespace.clone(),
            epoch,
        });
        out.redraw();
    }
    out.redraw_if(visible_change);
}

/// The user may not list a resource.
pub(super) fn forbidden(
    state: &mut State,
    epoch: u64,
    source: Source,
    namespace: Option<String>,
    out: &mut Out,
) {
    if epoch != state.epoch {
        return;
    }
    let next = SourceState::Forbidden {
        namespace: namespace.clone(),
    };
    if state.sources.get(&source) == Some(&next) {
        return;
    }
    state.sources.insert(source, next);
    let who = state.identity.user.clone().unwrap_or_else(|| "you".into());
    let scope = match namespace {
        Some(ns) => format!("in {ns}"),
        None => "in all namespaces (try :ns NAME)".into(),
    };
    let text = format!("{who} cannot list {} {scope}", source.resource());
    super::notice::notice(state, NoticeLevel::Warning, text, out);
    if let Some(last) = state.notices.last_mut() {
        last.epoch = Some(epoch);
    }
}

/// A watcher receives again.
pub(super) fn connected(state: &mut State, epoch: u64, source: Source, out: &mut Out) {
    if epoch != state.epoch || state.sources.get(&source) == Some(&SourceState::Live) {
        return;
    }
    mark_live(state, source, out);
    out.redraw();
}

/// The highlighter finished a payload.
pub(super) fn highlighted(state: &mut State, result: HighlightResult, out: &mut Out) {
    state.highlight_pending.remove(&result.key);
    let on_screen = match state.screens.last() {
        Some(Screen::Proposal { key, .. }) => state
            .proposals
            .get(key)
            .is_some_and(|p| p.payloads().any(|payload| payload.key == result.key)),
        Some(Screen::Document { .. }) => state.document.as_ref().is_some_and(|d| {
            matches!(&d.content, crate::app::state::DocumentContent::Loaded { payload, .. } if payload.key == result.key)
        }),
        _ => false,
    };
    state.highlights.insert(result);
    out.redraw_if(on_screen);
}

/// The console switched to another kube context: start over.
pub(super) fn context_switched(
    state: &mut State,
    (context, namespace): (String, Option<String>),
    readonly: bool,
    kubeconfig_user: Option<String>,
    contexts: Vec<String>,
    out: &mut Out,
) {
    state.context = context;
    // As kubectl does, the context's namespace is the scope (`None`: all).
    if let Some(ns) = &namespace {
        state.known_namespaces.insert(ns.clone());
    }
    state.namespace = namespace;
    if !contexts.is_empty() {
        state.contexts = contexts;
    }
    state.readonly = readonly;
    state.identity = Identity {
        user: kubeconfig_user,
        verified: false,
    };
    restart_watchers(state, out);
    out.push(Effect::ResolveIdentity);
}

/// Forgets the cluster data and starts new watchers (context or namespace changed).
pub(super) fn restart_watchers(state: &mut State, out: &mut Out) {
    stream::close(state, out);
    state.screens.truncate(1);
    let old = state.epoch;
    state.notices.retain(|n| n.epoch != Some(old));
    state.epoch += 1;
    state.table.clear();
    state.proposals.clear();
    state.policies.clear();
    state.permissions = Default::default();
    state.connection.reload = Reload::Idle;
    for source in Source::ALL {
        state.sources.insert(source, SourceState::Connecting);
    }
    out.push(Effect::StartWatchers {
        namespace: state.namespace.clone(),
        epoch: state.epoch,
    });
    // Each scope asks again what the user may do in it.
    if let Some(ns) = state.namespace.clone() {
        ask_rights(state, vec![ns], out);
    }
    out.redraw();
}

fn remember_namespace(state: &mut State, namespace: &str, out: &mut Out) {
    if !namespace.is_empty() && !state.known_namespaces.contains(namespace) {
        state.known_namespaces.insert(namespace.to_string());
    }
    if !namespace.is_empty() && !state.permissions.asked.contains(namespace) {
        ask_rights(state, vec![namespace.to_string()], out);
    }
}
