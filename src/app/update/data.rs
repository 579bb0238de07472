//! Cluster data: watcher batches, connection state, identity, context switches, notices.

use super::{Out, stream};
use crate::app::action::Source;
use crate::app::effect::Effect;
use crate::app::records::{InvestigationRecord, PolicyRecord, ProposalKey, ProposalRecord};
use crate::app::state::{Identity, Notice, NoticeLevel, Screen, SourceState, State};
use crate::ui::highlight::HighlightResult;
use jiff::Timestamp;

/// How many notices are kept; older ones are dropped.
const MAX_NOTICES: usize = 20;

fn page(state: &State) -> usize {
    crate::ui::layout::table_page(state)
}

/// Marks a source live after it delivered data.
fn mark_live(state: &mut State, source: Source) {
    state.sources.insert(source, SourceState::Live);
}

/// Investigations listed (`reset`) or changed.
pub(super) fn investigations(
    state: &mut State,
    epoch: u64,
    applied: Vec<InvestigationRecord>,
    deleted: Vec<String>,
    reset: bool,
    out: &mut Out,
) {
    if epoch != state.epoch {
        return;
    }
    mark_live(state, Source::Investigations);
    for record in &applied {
        let inv = &record.investigation;
        remember_namespace(state, &inv.namespace);
        remember_namespace(state, &inv.target_namespace);
    }
    let policies = state.policies.clone();
    let phase_of = |ns: &str| policies.get(ns).map(|p| p.phase).unwrap_or_default();
    if reset {
        state.table.replace_all(applied, phase_of);
        let ids: Vec<String> = state
            .table
            .rows()
            .iter()
            .map(|r| r.id().to_string())
            .collect();
        for id in ids {
            let pending = state.proposals.pending_for(&id);
            if let Some(row) = state.table.get_mut(&id) {
                row.pending = pending;
            }
        }
    } else {
        for record in applied {
            let phase = phase_of(&record.investigation.target_namespace);
            let id = record.investigation.id.clone();
            state.table.apply(record, phase);
            let pending = state.proposals.pending_for(&id);
            if let Some(row) = state.table.get_mut(&id) {
                row.pending = pending;
            }
        }
        for id in deleted {
            state.table.remove(&id);
        }
    }
    let page = page(state);
    state.table.refresh(page);
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
    mark_live(state, Source::Proposals);
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
        if let Some(row) = state.table.get_mut(id) {
            row.pending = pending;
        }
    }
    if state.table.sort == crate::app::state::Column::Pending {
        let page = page(state);
        state.table.refresh(page);
    }
    if let Some(Screen::Proposal { key, .. }) = state.screens.last().cloned() {
        stream::request_highlights(state, &key, out);
        super::scroll::clamp_proposal(state);
    }
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
    mark_live(state, Source::Policies);
    if reset {
        state.policies.clear();
    }
    for record in applied {
        remember_namespace(state, &record.namespace);
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

/// A watcher lost its connection.
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
    let next = match state.sources.get(&source) {
        Some(SourceState::Reconnecting { since: first, .. }) => SourceState::Reconnecting {
            since: *first,
            error,
        },
        _ => SourceState::Reconnecting { since, error },
    };
    let visible_change = !matches!(
        state.sources.get(&source),
        Some(SourceState::Reconnecting { .. })
    );
    state.sources.insert(source, next);
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
    notice(state, NoticeLevel::Warning, text, out);
    if let Some(last) = state.notices.last_mut() {
        last.epoch = Some(epoch);
    }
}

/// A watcher receives again.
pub(super) fn connected(state: &mut State, epoch: u64, source: Source, out: &mut Out) {
    if epoch != state.epoch || state.sources.get(&source) == Some(&SourceState::Live) {
        return;
    }
    mark_live(state, source);
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
    for source in Source::ALL {
        state.sources.insert(source, SourceState::Connecting);
    }
    out.push(Effect::StartWatchers {
        namespace: state.namespace.clone(),
        epoch: state.epoch,
    });
    out.redraw();
}

/// Shows a message above the footer (deduplicated, newest last).
pub(crate) fn notice(state: &mut State, level: NoticeLevel, text: String, out: &mut Out) {
    let text = crate::sanitize::sanitize(&text).into_owned();
    if state.notices.last().is_some_and(|n| n.text == text) {
        return;
    }
    state.notices.retain(|n| n.text != text);
    state.notices.push(Notice {
        level,
        text,
        epoch: None,
    });
    if state.notices.len() > MAX_NOTICES {
        state.notices.remove(0);
    }
    out.redraw();
}

fn remember_namespace(state: &mut State, namespace: &str) {
    if !namespace.is_empty() && !state.known_namespaces.contains(namespace) {
        state.known_namespaces.insert(namespace.to_string());
    }
}
