//! `y` and `l`: the investigation's Job and Pod as YAML, and its pod's raw
//! log, fetched by the runner ([`Effect::FetchDocument`]) and shown
//! scrollable on a screen of their own; `r` fetches again.

use super::Out;
use crate::app::command::Command;
use crate::app::effect::Effect;
use crate::app::state::{
    DocumentContent, DocumentKind, DocumentView, NoticeLevel, Screen, State, row_in_focus,
};
use crate::cluster::objects::{DocumentFetched, DocumentRequest, Wanted};
use crate::model::highlight::{HighlightKey, Syntax, plain_lines};
use crate::model::records::Payload;
use std::sync::Arc;

/// The investigation the keys are about: the table's selected row, the
/// open investigation, or the document's own: (id, namespace, job name).
pub(super) fn investigation_in_focus(state: &State) -> Option<(String, String, String)> {
    if let (Screen::Document { .. }, Some(doc)) = (state.screen(), state.document.as_ref()) {
        return Some((
            doc.investigation.clone(),
            doc.namespace.clone(),
            doc.job_name.clone(),
        ));
    }
    let row = row_in_focus(state)?;
    let inv = &row.record.investigation;
    Some((
        inv.id.clone(),
        inv.namespace.to_string(),
        inv.job_name.to_string(),
    ))
}

/// `y` (YAML) or `l` (log): opens the document of the investigation in focus.
pub(super) fn open(state: &mut State, kind: DocumentKind, out: &mut Out) {
    let Some((investigation, namespace, job_name)) = investigation_in_focus(state) else {
        super::notice::notice(
            state,
            NoticeLevel::Warning,
            "select an investigation first (its YAML and log are shown from the table or its view)"
                .into(),
            out,
        );
        return;
    };
    let view = DocumentView {
        request: 0,
        kind,
        investigation,
        namespace,
        job_name,
        content: DocumentContent::Loading,
    };
    if matches!(state.screen(), Screen::Document { .. }) {
        state.screens.pop();
    }
    state.screens.push(Screen::Document { scroll: 0 });
    request(state, view, out);
}

/// Asks for `view`'s document (again) and shows it loading.
fn request(state: &mut State, mut view: DocumentView, out: &mut Out) {
    view.request = state.next_request;
    state.next_request += 1;
    view.content = DocumentContent::Loading;
    let wanted = match view.kind {
        DocumentKind::Yaml => Wanted::Yaml,
        DocumentKind::Log => Wanted::Log {
            tail_lines: state.log_buffer_lines,
        },
    };
    out.push(Effect::FetchDocument(DocumentRequest {
        request: view.request,
        wanted,
        user: state.identity.user.clone(),
        investigation: view.investigation.clone(),
        namespace: view.namespace.clone(),
        job_name: view.job_name.clone(),
    }));
    state.document = Some(view);
    out.redraw();
}

/// `r` on a document: fetch it again (a log grows).
pub(super) fn refresh(state: &mut State, out: &mut Out) {
    if let Some(view) = state.document.clone() {
        request(state, view, out);
    }
}

/// The runner's answer.
pub(super) fn fetched(state: &mut State, answer: DocumentFetched, out: &mut Out) {
    let Some(view) = state
        .document
        .as_mut()
        .filter(|d| d.request == answer.request)
    else {
        return;
    };
    let syntax = match view.kind {
        DocumentKind::Yaml => Syntax::Yaml,
        DocumentKind::Log => Syntax::Plain,
    };
    view.content = match answer.result {
        Ok(document) => {
            // The lines were sanitized in the task; once more costs nothing
            // and keeps this screen safe whoever sends the action.
            let text: String = document
                .lines
                .iter()
                .map(|l| crate::sanitize::sanitize(l).into_owned())
                .collect::<Vec<_>>()
                .join("\n");
            let notes = document
                .notes
                .iter()
                .map(|n| crate::sanitize::sanitize(n).into_owned())
                .collect();
            let key = HighlightKey::of(&text, syntax);
            let payload = Payload {
                plain: Arc::new(plain_lines(&text)),
                text: Arc::from(text),
                syntax,
                key,
                had_invisible: false,
            };
            DocumentContent::Loaded { payload, notes }
        }
        Err(why) => DocumentContent::Failed(crate::sanitize::sanitize(&why).into_owned()),
    };
    if let DocumentContent::Loaded { payload, .. } = &view.content
        && payload.syntax != Syntax::Plain
        && state.highlights.get(&payload.key).is_none()
        && !state.highlight_pending.contains(&payload.key)
    {
        let (key, text) = (payload.key, Arc::clone(&payload.text));
        state.highlight_pending.insert(key);
        out.push(Effect::Highlight { key, text, syntax });
    }
    clamp(state);
    out.redraw_if(matches!(state.screen(), Screen::Document { .. }));
}

/// The document screen's page height and largest scroll.
pub(super) fn bounds(state: &State) -> (usize, usize) {
    let area = crate::app::geometry::layout::proposal_text_area(state);
    let page = usize::from(area.height).max(1);
    let total = state
        .document
        .as_ref()
        .map(|d| crate::app::geometry::cluster_doc::height(state, d, area.width))
        .unwrap_or(0);
    (page, total.saturating_sub(page))
}

/// Keeps the document's scroll within it.
pub(super) fn clamp(state: &mut State) {
    let (_, max) = bounds(state);
    if let Some(Screen::Document { scroll }) = state.screens.last_mut() {
        *scroll = (*scroll).min(max);
    }
}

/// Scrolling keys on the document screen.
pub(super) fn command(state: &mut State, command: Command, out: &mut Out) {
    let Some(Screen::Document { scroll: current }) = state.screens.last().cloned() else {
        return;
    };
    let (page, max) = bounds(state);
    let Some(next) = super::scroll::scrolled_to(command, current, page, max) else {
        return;
    };
    if let Some(Screen::Document { scroll }) = state.screens.last_mut() {
        out.redraw_if(*scroll != next);
        *scroll = next;
    }
}
