//! The decision dialogs drawn over the view: approve (with the typed name for
//! high risk), veto with its reason (saying, for an approved proposal not run
//! yet, that its credential is revoked), edit before approving, kill and halt.

use super::{layout, text};
use crate::app::records::{ProposalKey, ProposalRecord};
use crate::app::state::{Modal, State};
use crate::domain::{Phase, ProposalState};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph};
use ratatui_textarea::TextArea;

/// What vetoing an approved proposal not executed yet does, in words.
pub const VETO_AFTER_APPROVAL: &str = "withdraws the approval before the agent runs it: with Vault, \
     the minted write credential is revoked, so the agent's write fails; refused if the agent \
     already reported a result";

/// One dialog's content: lines above a text field, the field, lines below.
struct Dialog<'s> {
    title: String,
    above: Vec<Line<'static>>,
    /// Lines right above the field (kept, like `below`, when rows are short).
    prompt: Vec<Line<'static>>,
    field: Option<(&'s TextArea<'static>, u16)>,
    below: Vec<Line<'static>>,
}

fn fact(state: &State, label: &str, value: String, style: Style) -> Line<'static> {
    Line::from(vec![
        Span::styled(format!("{label:<10}"), state.theme.dim),
        Span::styled(value, style),
    ])
}

/// What approving will do, in words.
pub fn approval_effect(state: &State, record: &ProposalRecord) -> String {
    let still = record.approvals_required.unwrap_or(1);
    if still > 1 {
        let more = still - 1;
        let plural = if more == 1 { "" } else { "s" };
        return format!("records your approval; {more} more approval{plural} needed");
    }
    let _ = state;
    "approves it: with Vault configured, a single-use write credential is minted for the \
     agent; the agent executes it and reports the result"
        .to_string()
}

fn proposal_facts(state: &State, key: &ProposalKey) -> Vec<Line<'static>> {
    let theme = &state.theme;
    let Some(record) = state.proposals.get(key) else {
        return vec![Line::styled(
            format!("{} is no longer in the cluster", key.name),
            theme.warn,
        )];
    };
    let phase = super::approvals::governing_phase(state, record);
    let mut lines = vec![
        Line::styled(record.summary.clone(), theme.title),
        fact(
            state,
            "proposal",
            format!("{}/{}", key.namespace, key.name),
            theme.accent,
        ),
        fact(state, "target", record.target.clone(), theme.base),
        fact(
            state,
            "change",
            match &record.patch_type {
                Some(kind) => format!("{} ({kind})", record.kind),
                None => record.kind.to_string(),
            },
            theme.base,
        ),
        Line::from(vec![
            Span::styled(format!("{:<10}", "risk"), theme.dim),
            Span::styled(
                format!(" {} ", record.risk.to_string().to_uppercase()),
                theme.risk(record.risk),
            ),
            Span::raw(" "),
            if record.reversible {
                Span::styled("reversible", theme.ok)
            } else {
                Span::styled("IRREVERSIBLE", theme.error)
            },
        ]),
    ];
    let mut phase_text = phase.to_string();
    if record.state == ProposalState::AutoApproved {
        phase_text.push_str(" · approved by rule");
    } else if phase == Phase::LimitedWrite || phase == Phase::Autonomous {
        phase_text.push_str(&format!(
            " · {} approvals",
            super::approvals::approvals_progress(record)
        ));
    }
    lines.push(fact(state, "phase", phase_text, theme.phase(phase)));
    lines
}

fn change_lines(state: &State, key: &ProposalKey, max: usize) -> Vec<Line<'static>> {
    let Some(payload) = state.proposals.get(key).and_then(|r| r.change.as_ref()) else {
        return Vec::new();
    };
    let mut lines: Vec<Line<'static>> = payload
        .plain
        .iter()
        .take(max)
        .map(|l| {
            let mut spans = vec![Span::raw("  ")];
            spans.extend(l.spans.iter().cloned());
            Line::from(spans)
        })
        .collect();
    if payload.plain.len() > max {
        lines.push(Line::styled(
            format!(
                "  … {} more lines (see the proposal)",
                payload.plain.len() - max
            ),
            state.theme.dim,
        ));
    }
    lines
}

fn diff_lines(state: &State, diff: &str, max: usize) -> Vec<Line<'static>> {
    let theme = &state.theme;
    diff.lines()
        .take(max)
        .map(|l| {
            let style = if l.starts_with('+') {
                theme.diff_add
            } else if l.starts_with('-') {
                theme.diff_remove
            } else if l.starts_with("@@") {
                theme.diff_hunk
            } else {
                theme.base
            };
            Line::styled(format!("  {}", crate::sanitize::sanitize(l)), style)
        })
        .collect()
}

fn error_line(state: &State, error: &Option<String>) -> Vec<Line<'static>> {
    error
        .iter()
        .map(|e| Line::styled(format!("✖ {e}"), state.theme.error))
        .collect()
}

fn hint(state: &State, text: &str) -> Line<'static> {
    Line::styled(text.to_string(), state.theme.key_hint)
}

fn dialog<'s>(state: &'s State, modal: &'s Modal, rows: u16) -> Option<Dialog<'s>> {
    let theme = &state.theme;
    let room = usize::from(rows.saturating_sub(14)).max(2);
    Some(match modal {
        Modal::Approve {
            key,
            edited,
            typed,
            error,
        } => {
            let mut above = proposal_facts(state, key);
            match edited {
                Some((_, diff)) => {
                    above.push(Line::styled("your edit:", theme.title));
                    above.extend(diff_lines(state, diff, room));
                }
                None => above.extend(change_lines(state, key, room.min(8))),
            }
            let mut below = Vec::new();
            let mut prompt = Vec::new();
            if let Some(record) = state.proposals.get(key) {
                prompt.push(Line::from(vec![
                    Span::styled(format!("{:<10}", "approving"), theme.dim),
                    Span::styled(approval_effect(state, record), theme.warn),
                ]));
            }
            let field = match typed {
                None => {
                    below.push(hint(state, "press y to approve · any other key cancels"));
                    None
                }
                Some(area) => {
                    prompt.push(Line::styled(
                        format!(
                            "high risk: type the proposal's name ({}) to approve:",
                            key.name
                        ),
                        theme.error,
                    ));
                    below.extend(error_line(state, error));
                    below.push(hint(state, "enter approves · esc cancels"));
                    Some((area, 1))
                }
            };
            Dialog {
                title: if edited.is_some() {
                    " approve the edited proposal? ".into()
                } else {
                    " approve this proposal? ".into()
                },
                above,
                prompt,
                field,
                below,
            }
        }
        Modal::Veto { key, reason, error } => {
            let above = proposal_facts(state, key);
            let approved = state
                .proposals
                .get(key)
                .is_some_and(|r| r.awaits_execution());
            // What the veto does keeps its rows when the dialog is short.
            let mut prompt = Vec::new();
            if approved {
                prompt.push(Line::from(vec![
                    Span::styled(format!("{:<10}", "vetoing"), theme.dim),
                    Span::styled(VETO_AFTER_APPROVAL, theme.warn),
                ]));
            }
            prompt.push(Line::styled(
                "reason (required; written to the proposal, the agent reads it and revises):",
                theme.title,
            ));
            let mut below = error_line(state, error);
            below.push(hint(state, "enter vetoes · esc cancels"));
            Dialog {
                title: if approved {
                    " veto this approved proposal before it runs ".into()
                } else {
                    " veto this proposal ".into()
                },
                above,
                prompt,
                field: Some((reason, 3)),
                below,
            }
        }
        Modal::Edit {
            key,
            original,
            text,
            error,
        } => {
            let mut above = vec![
                Line::styled(
                    state
                        .proposals
                        .get(key)
                        .map(|r| r.summary.clone())
                        .unwrap_or_else(|| key.name.clone()),
                    theme.title,
                ),
                Line::styled(
                    "edit the patch or command (YAML or JSON); the kind and the target stay",
                    theme.dim,
                ),
            ];
            let mut below = error_line(state, error);
            let field = match original {
                None => {
                    above.push(Line::styled(
                        "reading the action from the cluster…",
                        theme.dim,
                    ));
                    None
                }
                Some(_) => Some((text, rows.saturating_sub(12).clamp(1, 16))),
            };
            below.push(hint(
                state,
                "ctrl-s checks it and asks to approve · esc cancels",
            ));
            Dialog {
                title: format!(" edit {} before approving ", key.name),
                above,
                prompt: Vec::new(),
                field,
                below,
            }
        }
        Modal::Kill {
            namespace,
            job,
            investigation,
            typed,
            error,
        } => {
            let above = vec![
                Line::styled(
                    format!(
                        "deletes Job {namespace}/{job} and its pods, and expires its pending and approved-but-not-executed proposals"
                    ),
                    theme.warn,
                ),
                Line::styled(
                    format!("type the investigation id ({investigation}) to confirm:"),
                    theme.title,
                ),
            ];
            let mut below = error_line(state, error);
            below.push(hint(state, "enter kills · esc cancels"));
            Dialog {
                title: format!(" kill investigation {investigation} "),
                above,
                prompt: Vec::new(),
                field: Some((typed, 1)),
                below,
            }
        }
        Modal::Halt { namespace, reason } => {
            let mut above = vec![Line::styled(
                format!(
                    "sets {namespace}'s TrustPolicy to Shadow, suspends its running investigations and expires its pending and approved-but-not-executed proposals"
                ),
                theme.warn,
            )];
            let (field, below) = match reason {
                None => (
                    None,
                    vec![hint(state, "press y to continue · any other key cancels")],
                ),
                Some(area) => {
                    above.push(Line::styled(
                        "reason (recorded with the halt):",
                        theme.title,
                    ));
                    (
                        Some((area, 2)),
                        vec![hint(state, "enter halts · esc cancels")],
                    )
                }
            };
            Dialog {
                title: format!(" halt namespace {namespace} "),
                above,
                prompt: Vec::new(),
                field,
                below,
            }
        }
        Modal::AuditFilter => return None,
    })
}

/// Draws the open dialog, if any, over everything but the help overlay.
pub fn render(state: &State, frame: &mut Frame, screen: Rect) {
    let Some(modal) = state.decisions.modal.as_ref() else {
        return;
    };
    let Some(dialog) = dialog(state, modal, screen.height) else {
        return;
    };
    let width = screen
        .width
        .saturating_sub(4)
        .min(100)
        .max(screen.width.min(20));
    let inner_width = width.saturating_sub(2);
    let wrapped = |lines: Vec<Line<'static>>| -> Vec<Line<'static>> {
        lines
            .into_iter()
            .flat_map(|l| text::wrap(l, inner_width, 2))
            .collect()
    };
    let above = wrapped(dialog.above);
    let below = wrapped(dialog.below);
    let prompt = wrapped(dialog.prompt);
    let field_rows = dialog.field.as_ref().map_or(0, |(_, rows)| *rows);
    let wanted = u16::try_from(above.len() + prompt.len() + below.len())
        .unwrap_or(u16::MAX)
        .saturating_add(field_rows)
        .saturating_add(2);
    let area = layout::centered(screen, width, wanted.min(screen.height));
    frame.render_widget(Clear, area);
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(state.theme.border_focused)
        .title(Span::styled(dialog.title, state.theme.title))
        .style(state.theme.base);
    let inner = block.inner(area);
    frame.render_widget(block, area);
    // The field and the hints below it matter most: they keep their rows.
    let below_rows = u16::try_from(below.len())
        .unwrap_or(u16::MAX)
        .min(inner.height);
    let field_rows = field_rows.min(inner.height - below_rows);
    let prompt_rows = u16::try_from(prompt.len())
        .unwrap_or(u16::MAX)
        .min(inner.height - below_rows - field_rows);
    let above_rows = inner.height - below_rows - field_rows - prompt_rows;
    let above_area = Rect::new(inner.x, inner.y, inner.width, above_rows);
    let prompt_area = Rect::new(inner.x, above_area.bottom(), inner.width, prompt_rows);
    let field_area = Rect::new(inner.x, prompt_area.bottom(), inner.width, field_rows);
    let below_area = Rect::new(inner.x, field_area.bottom(), inner.width, below_rows);
    frame.render_widget(Paragraph::new(above), above_area);
    frame.render_widget(Paragraph::new(prompt), prompt_area);
    if let Some((area, _)) = dialog.field {
        frame.render_widget(area, field_area);
    }
    frame.render_widget(Paragraph::new(below), below_area);
}
