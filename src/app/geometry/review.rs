//! The policy editor's box laid out over the policies view: its size, its
//! footer (problems, hints) and, in the review stage, the review's lines
//! (after a conflict, what someone else changed meanwhile first). The review
//! scrolls when it does not fit; `update` asks [`review_extent`] how far,
//! `ui::policy_editor` draws it.

use super::{format, layout, text};
use crate::app::state::{EditorStage, FormField, PolicyEditor, State};
use crate::policy::{ConflictReview, DiffLine};
use crate::sanitize::{reveal_invisible, sanitize};
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::Line;

/// The editor's widest width, borders included.
const MAX_COLUMNS: u16 = 76;

/// The review (diff stage) at the current size: how many lines it has and
/// how many rows show them at once. `update` scrolls with it and lets `y`
/// apply only once every line has been on screen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReviewExtent {
    /// The review's lines (conflict notes, why, diff).
    pub lines: usize,
    /// Lines on screen at once (0: too small to show any).
    pub rows: usize,
}

impl ReviewExtent {
    /// The largest scroll that still fills the rows.
    pub fn max_scroll(self) -> usize {
        self.lines.saturating_sub(self.rows)
    }
}

/// The review's extent for the open editor, in the body of the screen.
pub fn review_extent(state: &State) -> ReviewExtent {
    let composed = state
        .policy_view
        .editor
        .as_ref()
        .and_then(|editor| compose(state, editor, layout::body(state)));
    match composed {
        Some(composed) => ReviewExtent {
            lines: composed.review.len(),
            rows: composed.review_rows,
        },
        None => ReviewExtent { lines: 1, rows: 0 },
    }
}

/// The editor's box, footer and (in the review) lines, at a size.
pub struct Composed {
    /// The editor's box.
    pub target: Rect,
    /// Its bottom rows: problems, the unsealed warning, the key hint.
    pub footer: Vec<Line<'static>>,
    /// Rows inside the box above the footer.
    pub body_rows: u16,
    /// The review's lines before scrolling (empty outside the review).
    pub review: Vec<Line<'static>>,
    /// Review lines shown at once (a row goes to the scroll marker when they do not all fit).
    pub review_rows: usize,
}

/// The editor laid out in `area`: `None` when it does not fit at all.
pub fn compose(state: &State, editor: &PolicyEditor, area: Rect) -> Option<Composed> {
    let theme = &state.theme;
    let width = usize::from(area.width.min(MAX_COLUMNS).saturating_sub(2));
    let mut footer = problems(state, editor, width);
    let hint = Line::styled(text::fit(hint(editor), width), theme.key_hint);
    let available = usize::from(area.height).saturating_sub(2);
    let mut review = Vec::new();
    let content = match editor.stage {
        EditorStage::Form => FormField::ALL.len(),
        EditorStage::Yaml => editor.yaml.lines().len() + 1,
        EditorStage::Reason => 2 + usize::from(editor.override_phase_rule),
        EditorStage::Diff => {
            // All of the diff when it fits, else only its changed lines.
            review = review_lines(state, editor, width, true);
            if review.len() + footer.len() + 1 > available {
                review = review_lines(state, editor, width, false);
            }
            review.len()
        }
        EditorStage::Applying => 1,
    };
    if editor.stage == EditorStage::Form && editor.form.allow_unsealed {
        // What allowing means, when it fits beside the form.
        let warning = unsealed_warning(state, width);
        if content + footer.len() + warning.len() < available {
            footer.extend(warning);
        }
    }
    footer.push(hint);
    let rows = u16::try_from(content + footer.len() + 2).unwrap_or(u16::MAX);
    let target = layout::centered(area, area.width.min(MAX_COLUMNS), area.height.min(rows));
    if target.width < 4 || target.height < 3 {
        return None;
    }
    let inner_rows = target.height - 2;
    let footer_rows = u16::try_from(footer.len())
        .unwrap_or(u16::MAX)
        .min(inner_rows);
    let body_rows = inner_rows - footer_rows;
    let rows = usize::from(body_rows);
    let review_rows = if review.len() <= rows {
        rows
    } else {
        rows.saturating_sub(1)
    };
    Some(Composed {
        target,
        footer,
        body_rows,
        review,
        review_rows,
    })
}

fn unsealed_warning(state: &State, width: usize) -> Vec<Line<'static>> {
    wrapped(
        "! unsealed credentials allowed: a proposal naming no credentialRecipient gets its wrapping token in plain text in its status, readable by anyone who can read proposals".to_string(),
        state.theme.warn,
        width,
    )
}

/// Validation errors and what the cluster said, wrapped.
fn problems(state: &State, editor: &PolicyEditor, width: usize) -> Vec<Line<'static>> {
    let theme = &state.theme;
    let mut lines: Vec<Line<'static>> = editor
        .errors
        .iter()
        .flat_map(|e| wrapped(format!("✗ {e}"), theme.error, width))
        .collect();
    let told_in_review = editor.stage == EditorStage::Diff && editor.conflict.is_some();
    if let Some(message) = editor.message.as_ref().filter(|_| !told_in_review) {
        lines.extend(wrapped(format!("! {message}"), theme.warn, width));
    }
    lines
}

/// `text` wrapped at `width`, continuation rows indented by two.
fn wrapped(text: String, style: Style, width: usize) -> Vec<Line<'static>> {
    let columns = u16::try_from(width).unwrap_or(u16::MAX);
    text::wrap(Line::styled(text, style), columns, 2)
}

fn hint(editor: &PolicyEditor) -> &'static str {
    match editor.stage {
        EditorStage::Form => {
            "j/k field · h/l change · y YAML · enter next · o override · esc cancel"
        }
        EditorStage::Yaml => "esc back to the form · ctrl-s next · ctrl-c drop YAML edits",
        EditorStage::Reason => "type why · enter review the diff · esc back",
        EditorStage::Diff => "y apply · j/k scroll · n back",
        EditorStage::Applying => "waiting for the cluster · esc close",
    }
}

/// The review: after a conflict, who changed what meanwhile and where both
/// changed the same field; then the reason and the diff against the policy
/// as it is now (all of it when `whole`, else only the changed lines).
/// Long lines wrap; nothing is cut.
fn review_lines(
    state: &State,
    editor: &PolicyEditor,
    width: usize,
    whole: bool,
) -> Vec<Line<'static>> {
    let theme = &state.theme;
    let mut lines = Vec::new();
    if let Some(conflict) = &editor.conflict {
        lines.extend(conflict_lines(state, conflict, width));
    }
    let reason = sanitize(editor.reason.trim()).into_owned();
    let why = if reason.is_empty() {
        "why: (none given)".to_string()
    } else {
        format!("why: {reason}")
    };
    lines.extend(wrapped(why, theme.title, width));
    for line in &editor.diff {
        let (sign, body, style) = match line {
            DiffLine::Same(_) if !whole => continue,
            DiffLine::Same(body) => (' ', body, theme.dim),
            DiffLine::Removed(body) => ('-', body, theme.diff_remove),
            DiffLine::Added(body) => ('+', body, theme.diff_add),
        };
        let body = reveal_invisible(&sanitize(body));
        lines.extend(wrapped(format!("{sign} {body}"), style, width));
    }
    lines
}

/// Who changed the policy meanwhile and what, kept unless both changed a field.
fn conflict_lines(state: &State, conflict: &ConflictReview, width: usize) -> Vec<Line<'static>> {
    let theme = &state.theme;
    let who = conflict.who();
    let mut lines = Vec::new();
    let mut say = |text: String, style: Style| lines.extend(wrapped(text, style, width));
    if conflict.deleted {
        say(
            format!(
                "! {who} deleted this policy while you were editing: the namespace is in Shadow; your changes now apply to the defaults and create it again"
            ),
            theme.warn,
        );
    } else if conflict.theirs.is_empty() {
        say(
            "! the policy was written again while you were editing, its spec unchanged (status or metadata only); nothing was overwritten".to_string(),
            theme.warn,
        );
    } else {
        let when = conflict
            .at
            .map(|at| format!(" at {}", format::clock(at, &state.time_zone)))
            .unwrap_or_default();
        say(
            format!(
                "! {who} changed this policy{when} while you were editing; nothing was overwritten. Changed meanwhile:"
            ),
            theme.warn,
        );
        for change in &conflict.theirs {
            if conflict.collisions.iter().any(|c| c.field == change.field) {
                continue;
            }
            let note = if conflict.agreed.contains(&change.field) {
                " (your change too)"
            } else {
                " (kept)"
            };
            say(
                format!("  {} {} -> {}{note}", change.field, change.from, change.to),
                theme.base,
            );
        }
    }
    for collision in &conflict.collisions {
        say(
            format!(
                "✗ {}: {who} set {}, you set {} (was {}); y replaces {} with {}",
                collision.field,
                collision.theirs,
                collision.mine,
                collision.base,
                collision.theirs,
                collision.mine
            ),
            theme.error,
        );
    }
    say(
        "your changes, on the policy as it is now:".to_string(),
        theme.title,
    );
    lines
}
