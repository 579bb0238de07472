//! What the approve and veto dialogs decide on and scroll through: the
//! proposal, the action's headline, count and digest (the head), then the
//! summary, risk and phase, the edit's diff and every line of the change,
//! long lines wrapped with [`CONTINUED`] on their continuation rows.

use super::{fact, wrapped};
use crate::app::geometry::format;
use crate::app::geometry::{focus, text};
use crate::app::state::{EditedAction, State};
use crate::domain::{Phase, ProposalState};
use crate::model::records::{ProposalKey, ProposalRecord};
use ratatui::style::Style;
use ratatui::text::{Line, Span};

/// Marks the continuation rows of a wrapped line of the change.
pub const CONTINUED: &str = "↪ ";

/// One line of the change (or of a diff), indented by two columns and
/// wrapped at `width`: nothing is cut, every continuation row starts with
/// [`CONTINUED`].
pub fn change_rows(line: Line<'static>, width: u16, marker: Style) -> Vec<Line<'static>> {
    let room = width.saturating_sub(2).max(4);
    text::wrap(line, room, 2)
        .into_iter()
        .enumerate()
        .map(|(i, row)| {
            let mut spans = vec![Span::raw("  ")];
            if i == 0 {
                spans.extend(row.spans);
            } else {
                spans.push(Span::styled(CONTINUED, marker));
                // The indent `wrap` put there is replaced by the marker.
                let mut rest = row.spans.into_iter().peekable();
                if rest
                    .peek()
                    .is_some_and(|s| !s.content.is_empty() && s.content.trim().is_empty())
                {
                    rest.next();
                }
                spans.extend(rest);
            }
            Line::from(spans).style(row.style)
        })
        .collect()
}

fn diff_style(state: &State, line: &str) -> Style {
    let theme = &state.theme;
    if line.starts_with("@@") {
        theme.diff_hunk
    } else if line.starts_with('+') && !line.starts_with("+++") {
        theme.diff_add
    } else if line.starts_with('-') && !line.starts_with("---") {
        theme.diff_remove
    } else {
        theme.base
    }
}

fn diff_rows(state: &State, diff: &[String], width: u16) -> Vec<Line<'static>> {
    diff.iter()
        .flat_map(|l| {
            let clean = crate::sanitize::sanitize(l).into_owned();
            let style = diff_style(state, &clean);
            change_rows(Line::styled(clean, style), width, state.theme.dim)
        })
        .collect()
}

/// What is decided on: the proposal, the action (headline, count, digest),
/// the edit that made it the action that runs, and why it cannot be approved.
pub(super) fn head_lines(
    state: &State,
    key: &ProposalKey,
    record: &ProposalRecord,
    edited: Option<&EditedAction>,
    shown_digest: &str,
) -> Vec<Line<'static>> {
    let theme = &state.theme;
    let mut lines = vec![
        fact(
            state,
            "proposal",
            format!("{}/{}", key.namespace, key.name),
            theme.accent,
        ),
        fact(state, "target", record.target.clone(), theme.base),
    ];
    let problem = match edited {
        Some(edit) => {
            let canonical = &edit.canonical;
            lines.push(fact(
                state,
                "action",
                format!(
                    "{} · {} · sha256:{}",
                    crate::sanitize::sanitize(&canonical.headline),
                    canonical.count_label(edit.action.kind),
                    canonical.short_digest()
                ),
                theme.base,
            ));
            lines.push(fact(
                state,
                "edited",
                format!(
                    "by you, from the action that runs now (sha256:{})",
                    crate::domain::canonical::short_digest(shown_digest)
                ),
                theme.warn,
            ));
            canonical
                .problem
                .as_deref()
                .map(|p| crate::sanitize::sanitize(p).into_owned())
        }
        None => {
            let action = &record.action;
            lines.push(fact(
                state,
                "action",
                format!(
                    "{} · {} · sha256:{}",
                    action.headline, action.count_label, action.short_digest
                ),
                theme.base,
            ));
            if let Some(edit) = &action.edit {
                lines.push(fact(
                    state,
                    "edited",
                    format!(
                        "by {} at {}: the edited action runs (proposed: sha256:{})",
                        edit.by,
                        format::clock(edit.at, &state.time_zone),
                        edit.proposed_digest
                    ),
                    theme.warn,
                ));
            }
            action.problem.clone()
        }
    };
    if let Some(problem) = problem {
        lines.push(Line::styled(
            format!("✖ NOT APPROVABLE, shown as written: {problem}"),
            theme.error,
        ));
    }
    lines
}

/// The risk and the phase it is judged under.
fn judgement_lines(state: &State, record: &ProposalRecord) -> Vec<Line<'static>> {
    let theme = &state.theme;
    let phase = focus::governing_phase(state, record);
    let mut phase_text = phase.to_string();
    if record.state == ProposalState::AutoApproved {
        phase_text.push_str(" · approved by rule");
    } else if phase == Phase::LimitedWrite || phase == Phase::Autonomous {
        phase_text.push_str(&format!(
            " · {} approvals",
            focus::approvals_progress(record)
        ));
    }
    vec![
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
        fact(state, "phase", phase_text, theme.phase(phase)),
    ]
}

/// The scrolling part: the summary, risk and phase, the edit's diff, then
/// every line of the change.
pub(super) fn body_lines(
    state: &State,
    record: &ProposalRecord,
    edited: Option<&EditedAction>,
    width: u16,
) -> Vec<Line<'static>> {
    let theme = &state.theme;
    let mut lines = wrapped(
        vec![Line::styled(record.summary.clone(), theme.title)],
        width,
    );
    lines.extend(wrapped(judgement_lines(state, record), width));
    let (diff_title, diff, change, count, problem) = match edited {
        Some(edit) => (
            Some("your edit, from the action that runs now:".to_string()),
            Some(edit.diff.as_slice()),
            edit.canonical
                .lines
                .iter()
                .map(|l| Line::raw(crate::sanitize::sanitize(l).into_owned()))
                .collect::<Vec<_>>(),
            edit.canonical.count_label(edit.action.kind),
            edit.canonical.problem.is_some(),
        ),
        None => (
            record
                .action
                .edit
                .as_ref()
                .map(|e| format!("{}'s edit, from the action as proposed:", e.by)),
            record.action.edit.as_ref().map(|e| e.diff.as_slice()),
            record
                .change
                .as_ref()
                .map(|p| p.plain.iter().cloned().collect())
                .unwrap_or_default(),
            record.action.count_label.clone(),
            record.action.problem.is_some(),
        ),
    };
    if let (Some(title), Some(diff)) = (diff_title, diff) {
        lines.extend(wrapped(vec![Line::styled(title, theme.title)], width));
        lines.extend(diff_rows(state, diff, width));
    }
    if !change.is_empty() {
        let title = if problem {
            "the payload as written (it does not parse):".to_string()
        } else {
            format!("the change that runs ({count}, every line):")
        };
        lines.extend(wrapped(vec![Line::styled(title, theme.title)], width));
        for line in change {
            lines.extend(change_rows(line, width, theme.dim));
        }
    }
    lines
}

pub(super) fn gone(state: &State, key: &ProposalKey) -> Vec<Line<'static>> {
    vec![Line::styled(
        format!("{} is no longer in the cluster", key.name),
        state.theme.warn,
    )]
}
