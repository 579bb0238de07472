//! The policy editor, drawn over the policies view: the form of common
//! fields, the whole spec as YAML, the reason, and the review to confirm,
//! in the box [`crate::app::geometry::review`] lays out.

use super::text;
use crate::app::geometry::review::{Composed, compose};
use crate::app::state::{EditorStage, FormField, PolicyEditor, State};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph};

/// Draws the editor, when one is open, centred in `area`.
pub fn render(state: &State, frame: &mut Frame, area: Rect) {
    let Some(editor) = state.policy_view.editor.as_ref() else {
        return;
    };
    let Some(composed) = compose(state, editor, area) else {
        return;
    };
    let theme = &state.theme;
    let width = usize::from(composed.target.width.saturating_sub(2));
    let verb = if editor.creates() { "new" } else { "edit" };
    let stage = match editor.stage {
        EditorStage::Form => "form",
        EditorStage::Yaml => "YAML",
        EditorStage::Reason => "why",
        EditorStage::Diff => "review",
        EditorStage::Applying => "applying",
    };
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(theme.border_focused)
        .title(Span::styled(
            format!(" {verb} trust policy: {} · {stage} ", editor.namespace),
            theme.title,
        ))
        .style(theme.base);
    let target = composed.target;
    let inner = block.inner(target);
    frame.render_widget(Clear, target);
    frame.render_widget(block, target);
    let body = Rect::new(inner.x, inner.y, inner.width, composed.body_rows);
    let footer_rows = inner.height.saturating_sub(composed.body_rows);
    let bottom = Rect::new(inner.x, body.bottom(), inner.width, footer_rows);
    match editor.stage {
        EditorStage::Yaml => frame.render_widget(&editor.yaml, body),
        EditorStage::Diff => {
            let lines = scrolled(state, editor, &composed, width);
            frame.render_widget(Paragraph::new(lines), body);
        }
        _ => {
            let mut lines = body_lines(state, editor, width);
            if editor.stage == EditorStage::Form {
                // Keep the focused field on screen when the form does not fit.
                let focus = FormField::ALL
                    .iter()
                    .position(|f| *f == editor.focus)
                    .unwrap_or(0);
                let skip = (focus + 1).saturating_sub(usize::from(body.height));
                lines.drain(..skip.min(lines.len()));
            }
            frame.render_widget(Paragraph::new(lines), body);
        }
    }
    frame.render_widget(Paragraph::new(composed.footer), bottom);
}

/// The review's rows on screen, with a marker row when it does not all fit.
fn scrolled(
    state: &State,
    editor: &PolicyEditor,
    composed: &Composed,
    width: usize,
) -> Vec<Line<'static>> {
    let total = composed.review.len();
    let rows = composed.review_rows;
    if total <= rows {
        return composed.review.clone();
    }
    let scroll = editor.review_scroll.min(total.saturating_sub(rows));
    let mut lines: Vec<Line<'static>> = composed
        .review
        .iter()
        .skip(scroll)
        .take(rows)
        .cloned()
        .collect();
    let below = total - scroll - rows;
    let marker = if below > 0 {
        format!("▼ {below} more · j scroll · y at the end")
    } else {
        format!("▲ {scroll} above · k scroll · all seen")
    };
    lines.push(Line::styled(text::fit(&marker, width), state.theme.warn));
    lines
}

/// The form's fields, the focused one marked.
fn form_lines(state: &State, editor: &PolicyEditor, width: usize) -> Vec<Line<'static>> {
    let theme = &state.theme;
    let label_width = (width / 2).clamp(8, 24);
    FormField::ALL
        .iter()
        .map(|field| {
            let focused = *field == editor.focus;
            let value = match field {
                FormField::Phase => format!("◂ {} ▸", editor.form.phase),
                FormField::RiskCeiling => format!("◂ {} ▸", editor.form.risk_ceiling),
                FormField::UnsealedCredentials if editor.form.allow_unsealed => {
                    "◂ allowed ▸ wrapping token in plain text".to_string()
                }
                FormField::UnsealedCredentials => "◂ refused (default) ▸".to_string(),
                _ => {
                    let typed = editor.form.text(*field).cloned().unwrap_or_default();
                    if focused {
                        format!("{typed}▏")
                    } else {
                        typed
                    }
                }
            };
            let marker = if focused { "▸ " } else { "  " };
            let label = text::pad(field.label(), label_width);
            let style = if focused { theme.selected } else { theme.base };
            let value_style = match field {
                FormField::Phase => theme.phase(editor.form.phase),
                FormField::UnsealedCredentials if editor.form.allow_unsealed => theme.warn,
                _ => theme.accent,
            };
            Line::from(vec![
                Span::styled(format!("{marker}{label} "), style),
                Span::styled(
                    text::fit(&value, width.saturating_sub(label_width + 3)),
                    value_style,
                ),
            ])
        })
        .collect()
}

fn body_lines(state: &State, editor: &PolicyEditor, width: usize) -> Vec<Line<'static>> {
    let theme = &state.theme;
    match editor.stage {
        EditorStage::Form => form_lines(state, editor, width),
        EditorStage::Reason => {
            let from = editor.base_phase();
            let to = editor.pending.as_ref().map(|p| p.phase).unwrap_or(from);
            let mut lines = vec![Line::styled(
                text::fit(&format!("phase {from} -> {to}"), width),
                theme.base,
            )];
            if editor.override_phase_rule {
                lines.push(Line::styled(
                    text::fit(
                        "override of the one-phase rule: a reason is required",
                        width,
                    ),
                    theme.warn,
                ));
            }
            lines.push(Line::from(vec![
                Span::styled("why: ", theme.title),
                Span::styled(
                    text::fit(&format!("{}▏", editor.reason), width.saturating_sub(5)),
                    theme.accent,
                ),
            ]));
            lines
        }
        EditorStage::Applying => vec![Line::styled("applying…", theme.dim)],
        EditorStage::Yaml | EditorStage::Diff => Vec::new(),
    }
}
