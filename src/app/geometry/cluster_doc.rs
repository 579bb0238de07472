//! A cluster document (`y`: the Job and Pod as YAML; `l`: the raw pod log),
//! composed and measured: its notes, then every line of it as code, wrapped
//! with `↪` on continuation rows so nothing is cut at the edge (as the
//! proposal's payloads are). `ui::cluster_doc` draws exactly this.

use super::document::{code_rows, wrap_code};
use super::text;
use crate::app::state::{DocumentContent, DocumentView, State};
use ratatui::text::Line;
use std::sync::Arc;

/// The document's own lines before its text: the notes, a loading line or
/// the failure, wrapped at `width`.
fn head(state: &State, doc: &DocumentView, width: u16) -> Vec<Line<'static>> {
    let theme = &state.theme;
    let mut lines = Vec::new();
    let mut say = |text: String, style| {
        lines.extend(text::wrap(Line::styled(text, style), width, 2));
    };
    match &doc.content {
        DocumentContent::Loading => say(" fetching from the cluster…".into(), theme.dim),
        DocumentContent::Failed(why) => say(format!(" ✖ {why}"), theme.error),
        DocumentContent::Loaded { notes, .. } => {
            for note in notes {
                say(format!(" {note}"), theme.dim);
            }
        }
    }
    lines
}

/// The text's lines, highlighted once the highlighter answered.
fn body(state: &State, doc: &DocumentView) -> Option<Arc<Vec<Line<'static>>>> {
    match &doc.content {
        DocumentContent::Loaded { payload, .. } => Some(
            state
                .highlights
                .get(&payload.key)
                .unwrap_or_else(|| Arc::clone(&payload.plain)),
        ),
        _ => None,
    }
}

/// Rows the whole document takes at `width`.
pub fn height(state: &State, doc: &DocumentView, width: u16) -> usize {
    let code: usize = body(state, doc)
        .map(|lines| lines.iter().map(|l| code_rows(l, width)).sum())
        .unwrap_or(0);
    head(state, doc, width).len() + code
}

/// The `rows` rows from `scroll` on, at `width`.
pub fn visible_rows(
    state: &State,
    doc: &DocumentView,
    width: u16,
    scroll: usize,
    rows: usize,
) -> Vec<Line<'static>> {
    let mut out = Vec::with_capacity(rows);
    let mut skip = scroll;
    for line in head(state, doc, width) {
        if out.len() == rows {
            return out;
        }
        if skip > 0 {
            skip -= 1;
        } else {
            out.push(line);
        }
    }
    let Some(lines) = body(state, doc) else {
        return out;
    };
    let marker = state.theme.dim;
    for line in lines.iter() {
        if out.len() == rows {
            break;
        }
        let taken = code_rows(line, width);
        if skip >= taken {
            skip -= taken;
            continue;
        }
        for row in wrap_code(line, width, marker).into_iter().skip(skip) {
            if out.len() == rows {
                break;
            }
            out.push(row);
        }
        skip = 0;
    }
    out
}
