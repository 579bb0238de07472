//! The policy editor, drawn over the policies view: the form of common
//! fields, the whole spec as YAML, the reason, and the diff to confirm.

use super::{layout, text};
use crate::app::state::{EditorStage, FormField, PolicyEditor, State};
use crate::policy::DiffLine;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph};

/// The editor's widest width, borders included.
const MAX_COLUMNS: u16 = 76;

/// Draws the editor, when one is open, centred in `area`.
pub fn render(state: &State, frame: &mut Frame, area: Rect) {
    let Some(editor) = state.policy_view.editor.as_ref() else {
        return;
    };
    let theme = &state.theme;
    let width = usize::from(area.width.min(MAX_COLUMNS).saturating_sub(2));
    let mut footer = problems(state, editor, width);
    footer.push(Line::styled(text::fit(hint(editor), width), theme.key_hint));
    let content = match editor.stage {
        EditorStage::Form => FormField::ALL.len(),
        EditorStage::Yaml => editor.yaml.lines().len() + 1,
        EditorStage::Reason => 2 + usize::from(editor.override_phase_rule),
        EditorStage::Diff => editor.diff.len() + 1,
        EditorStage::Applying => 1,
    };
    let rows = u16::try_from(content + footer.len() + 2).unwrap_or(u16::MAX);
    let target = layout::centered(area, area.width.min(MAX_COLUMNS), area.height.min(rows));
    if target.width < 4 || target.height < 3 {
        return;
    }
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
    let inner = block.inner(target);
    frame.render_widget(Clear, target);
    frame.render_widget(block, target);
    let footer_rows = u16::try_from(footer.len())
        .unwrap_or(u16::MAX)
        .min(inner.height);
    let body = Rect::new(inner.x, inner.y, inner.width, inner.height - footer_rows);
    let bottom = Rect::new(inner.x, body.bottom(), inner.width, footer_rows);
    match editor.stage {
        EditorStage::Yaml => frame.render_widget(&editor.yaml, body),
        _ => {
            let lines = body_lines(state, editor, width, usize::from(body.height));
            frame.render_widget(Paragraph::new(lines), body);
        }
    }
    frame.render_widget(Paragraph::new(footer), bottom);
}

/// Validation errors and what the cluster said, wrapped.
fn problems(state: &State, editor: &PolicyEditor, width: usize) -> Vec<Line<'static>> {
    let theme = &state.theme;
    let mut lines: Vec<Line<'static>> = editor
        .errors
        .iter()
        .flat_map(|e| wrapped(format!("✗ {e}"), theme.error, width))
        .collect();
    if let Some(message) = &editor.message {
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
        EditorStage::Diff => "y apply · n back",
        EditorStage::Applying => "waiting for the cluster · esc close",
    }
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
            let value_style = if *field == FormField::Phase {
                theme.phase(editor.form.phase)
            } else {
                theme.accent
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

fn body_lines(
    state: &State,
    editor: &PolicyEditor,
    width: usize,
    rows: usize,
) -> Vec<Line<'static>> {
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
        EditorStage::Diff => diff_lines(state, editor, width, rows),
        EditorStage::Applying => vec![Line::styled("applying…", theme.dim)],
        EditorStage::Yaml => Vec::new(),
    }
}

/// The diff, with the reason; only changed lines when the whole does not fit.
fn diff_lines(
    state: &State,
    editor: &PolicyEditor,
    width: usize,
    rows: usize,
) -> Vec<Line<'static>> {
    let theme = &state.theme;
    let reason = editor.reason.trim();
    let why = if reason.is_empty() {
        "why: (none given)".to_string()
    } else {
        format!("why: {reason}")
    };
    let room = rows.saturating_sub(1);
    let whole = editor.diff.len() <= room;
    let mut lines: Vec<Line<'static>> = editor
        .diff
        .iter()
        .filter(|line| whole || !matches!(line, DiffLine::Same(_)))
        .map(|line| {
            let (sign, body, style) = match line {
                DiffLine::Same(body) => (' ', body, theme.dim),
                DiffLine::Removed(body) => ('-', body, theme.diff_remove),
                DiffLine::Added(body) => ('+', body, theme.diff_add),
            };
            Line::styled(text::fit(&format!("{sign} {body}"), width), style)
        })
        .collect();
    lines.insert(0, Line::styled(text::fit(&why, width), theme.title));
    lines
}
