//! The audit view: decisions and operator actions recorded in the cluster,
//! newest first, filtered with `/`. On wide terminals a decision shows the
//! short digest of the action it was about, when its proposal is still known.

use super::{format, text};
use crate::app::state::{Modal, State};
use crate::audit::{AuditAction, AuditRecord};
use crate::model::records::ProposalKey;
use crate::sanitize::{reveal_invisible, sanitize};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

fn columns(width: usize) -> Vec<(&'static str, usize)> {
    if width >= 120 {
        vec![
            ("TIME", 9),
            ("ACTOR", 14),
            ("ACTION", 13),
            ("NAMESPACE", 12),
            ("OBJECT", 40),
            ("DIGEST", 12),
            ("REASON", 0),
        ]
    } else if width >= 60 {
        vec![
            ("TIME", 9),
            ("ACTOR", 10),
            ("ACTION", 8),
            ("OBJECT", 30),
            ("REASON", 0),
        ]
    } else {
        vec![("TIME", 9), ("ACTION", 8), ("OBJECT", 0)]
    }
}

fn cell(state: &State, record: &AuditRecord, column: &str) -> String {
    match column {
        "TIME" => format::clock(record.at, &state.time_zone),
        "ACTOR" if record.verified || record.actor.starts_with("rule:") => record.actor.clone(),
        "ACTOR" => format!("{}?", record.actor),
        "ACTION" if record.edited => format!("{} (edited)", record.action),
        "ACTION" => record.action.to_string(),
        "NAMESPACE" => record.namespace.clone(),
        "OBJECT" if columns_without_namespace(state) => {
            format!("{}/{}", record.namespace, record.object)
        }
        "OBJECT" => record.object.clone(),
        "REASON" => record.reason.clone().unwrap_or_default(),
        "DIGEST" => decision_digest(state, record).unwrap_or_default(),
        _ => String::new(),
    }
}

/// The short digest of the action a decision was about, as its proposal
/// (still in the console's model) records it.
fn decision_digest(state: &State, record: &AuditRecord) -> Option<String> {
    let verdict_like = matches!(
        record.action,
        AuditAction::Approve | AuditAction::Veto | AuditAction::Expire | AuditAction::Kill
    );
    let name = record
        .object
        .strip_prefix("actionproposal/")
        .filter(|_| verdict_like)?;
    let proposal = state.proposals.get(&ProposalKey::new(
        crate::sanitize::sanitize(&record.namespace),
        crate::sanitize::sanitize(name),
    ))?;
    let actor = crate::sanitize::sanitize(&record.actor);
    proposal
        .decisions
        .iter()
        .find(|d| {
            d.at == record.at && d.by == actor && AuditAction::from(d.verdict) == record.action
        })?
        .action_digest
        .clone()
}

fn columns_without_namespace(state: &State) -> bool {
    state.size.0 < 120
}

fn row(state: &State, record: &AuditRecord, width: usize) -> String {
    let mut out = String::from(" ");
    for (name, size) in columns(width) {
        // Decision text is untrusted (anyone who may patch a proposal's status
        // can write it): shown inert, with bidi and zero-width characters revealed.
        let value = reveal_invisible(&sanitize(&cell(state, record, name)));
        if size == 0 {
            out.push_str(&value);
        } else {
            out.push_str(&text::pad(&text::fit(&value, size), size));
            out.push(' ');
        }
    }
    text::fit(&out, width)
}

/// Draws the audit view into the body area.
pub fn render(state: &State, frame: &mut Frame, area: Rect) {
    if area.height == 0 {
        return;
    }
    let theme = &state.theme;
    let audit = &state.decisions.audit;
    let width = usize::from(area.width);
    let mut label = format!("─ audit {}/{} ", audit.visible.len(), audit.records.len());
    if audit.loading {
        label.push_str("· loading… ");
    }
    if !audit.filter.is_empty() {
        label.push_str(&format!("· filter /{} ", audit.filter));
    }
    let mut lines = vec![Line::from(vec![
        Span::styled(text::fit(&label, width), theme.title),
        Span::styled(
            "─".repeat(width.saturating_sub(text::width(&label))),
            theme.border,
        ),
    ])];
    let filtering = matches!(state.decisions.modal, Some(Modal::AuditFilter));
    let rows = usize::from(area.height).saturating_sub(2 + usize::from(filtering));
    if let Some(error) = &audit.error {
        let error = sanitize(error);
        lines.push(Line::styled(format!(" ✖ {error} (r retries)"), theme.error));
    } else if audit.visible.is_empty() && !audit.loading {
        let empty = if audit.records.is_empty() {
            " no decisions recorded in the last 7 days"
        } else {
            " nothing matches the filter"
        };
        lines.push(Line::styled(empty, theme.dim));
    } else {
        let heading: String = columns(width)
            .iter()
            .map(|(name, size)| {
                if *size == 0 {
                    name.to_string()
                } else {
                    format!("{} ", text::pad(name, *size))
                }
            })
            .collect();
        lines.push(Line::styled(
            text::fit(&format!(" {heading}"), width),
            theme.dim,
        ));
        let first = audit.cursor.saturating_sub(rows.saturating_sub(1));
        for (i, index) in audit.visible.iter().enumerate().skip(first).take(rows) {
            let Some(record) = audit.records.get(*index) else {
                continue;
            };
            let line = row(state, record, width);
            lines.push(if i == audit.cursor {
                Line::styled(text::pad(&line, width), theme.selected)
            } else {
                Line::styled(line, theme.base)
            });
        }
    }
    frame.render_widget(Paragraph::new(lines).style(theme.base), area);
    if filtering && area.height > 1 {
        let bottom = Rect::new(area.x, area.bottom() - 1, area.width, 1);
        frame.render_widget(
            Paragraph::new(Line::from(vec![
                Span::styled("/", theme.key_hint),
                Span::styled(format!("{}▏", audit.filter), theme.base),
                Span::styled("  enter keeps · esc clears", theme.dim),
            ])),
            bottom,
        );
    }
}
