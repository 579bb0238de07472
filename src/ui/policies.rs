//! The trust policies view: every namespace in scope with its policy (or
//! "Shadow (no policy)"), the evidence over its observation window, and its
//! readiness for the next phase, and whether it allows unsealed write
//! credentials. The rows were computed in `update`.

use super::{format, text};
use crate::app::state::{PolicyRow, State};
use jiff::SignedDuration;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

/// A column of the policies table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PolicyColumn {
    /// The namespace.
    Namespace,
    /// The phase, or "Shadow (no policy)".
    Phase,
    /// Required approvals.
    Approvals,
    /// Proposal timeout.
    Timeout,
    /// Credential TTL.
    Ttl,
    /// Autonomous risk ceiling.
    Ceiling,
    /// Write credentials sealed to the agent, or unsealed allowed.
    Credentials,
    /// Proposals in the window.
    Proposals,
    /// Approved.
    Approved,
    /// Vetoed.
    Vetoed,
    /// Expired.
    Expired,
    /// Executed.
    Executed,
    /// Failed executions.
    Failed,
    /// Median time to decision.
    Median,
    /// Veto rate.
    VetoRate,
    /// Readiness (takes the remaining room).
    Readiness,
}

impl PolicyColumn {
    /// Left to right.
    const ORDER: [PolicyColumn; 16] = [
        PolicyColumn::Namespace,
        PolicyColumn::Phase,
        PolicyColumn::Approvals,
        PolicyColumn::Timeout,
        PolicyColumn::Ttl,
        PolicyColumn::Ceiling,
        PolicyColumn::Credentials,
        PolicyColumn::Proposals,
        PolicyColumn::Approved,
        PolicyColumn::Vetoed,
        PolicyColumn::Expired,
        PolicyColumn::Executed,
        PolicyColumn::Failed,
        PolicyColumn::Median,
        PolicyColumn::VetoRate,
        PolicyColumn::Readiness,
    ];

    /// The heading.
    pub fn title(self) -> &'static str {
        match self {
            PolicyColumn::Namespace => "NAMESPACE",
            PolicyColumn::Phase => "PHASE",
            PolicyColumn::Approvals => "REQ",
            PolicyColumn::Timeout => "TIMEOUT",
            PolicyColumn::Ttl => "TTL",
            PolicyColumn::Ceiling => "CEIL",
            PolicyColumn::Credentials => "CREDS",
            PolicyColumn::Proposals => "PROPS",
            PolicyColumn::Approved => "APPRVD",
            PolicyColumn::Vetoed => "VETOED",
            PolicyColumn::Expired => "EXPIRED",
            PolicyColumn::Executed => "EXEC",
            PolicyColumn::Failed => "FAILED",
            PolicyColumn::Median => "MEDIAN",
            PolicyColumn::VetoRate => "VETO%",
            PolicyColumn::Readiness => "READINESS",
        }
    }
}

/// Columns by priority with their widths: what fits at a width is shown.
const PRIORITY: [(PolicyColumn, usize); 16] = [
    (PolicyColumn::Namespace, 12),
    (PolicyColumn::Phase, 18),
    (PolicyColumn::Readiness, 20),
    (PolicyColumn::VetoRate, 5),
    (PolicyColumn::Approvals, 3),
    (PolicyColumn::Proposals, 5),
    (PolicyColumn::Timeout, 7),
    (PolicyColumn::Ttl, 5),
    (PolicyColumn::Ceiling, 6),
    (PolicyColumn::Credentials, 8),
    (PolicyColumn::Approved, 6),
    (PolicyColumn::Vetoed, 6),
    (PolicyColumn::Expired, 7),
    (PolicyColumn::Failed, 6),
    (PolicyColumn::Executed, 5),
    (PolicyColumn::Median, 6),
];

/// The columns shown at `width`, left to right; readiness takes the rest.
pub fn columns(width: u16) -> Vec<(PolicyColumn, usize)> {
    let width = usize::from(width);
    let mut chosen = Vec::new();
    let mut used = 1;
    for (column, columns) in PRIORITY {
        let columns = if width < 60 && column == PolicyColumn::Namespace {
            10
        } else {
            columns
        };
        if used + columns < width {
            chosen.push((column, columns));
            used += columns + 1;
        }
    }
    chosen.sort_by_key(|(column, _)| PolicyColumn::ORDER.iter().position(|c| c == column));
    let spare = width.saturating_sub(used);
    if let Some((_, columns)) = chosen
        .iter_mut()
        .find(|(c, _)| *c == PolicyColumn::Readiness)
    {
        *columns += spare;
    }
    chosen
}

/// A configured duration in its largest whole unit: `15m`, `1h`, `90s`, `1h30m`.
pub fn setting_duration(seconds: u32) -> String {
    match seconds {
        s if s > 0 && s % 3600 == 0 => format!("{}h", s / 3600),
        s if s >= 3600 && s % 60 == 0 => format!("{}h{}m", s / 3600, s / 60 % 60),
        s if s > 0 && s % 60 == 0 => format!("{}m", s / 60),
        s => format!("{s}s"),
    }
}

/// The text of one cell.
pub fn cell(row: &PolicyRow, column: PolicyColumn) -> String {
    let evidence = &row.evidence;
    let spec = row.spec.as_ref();
    let seconds = |s: u32| setting_duration(s);
    let none = || "—".to_string();
    match column {
        PolicyColumn::Namespace => row.namespace.clone(),
        PolicyColumn::Phase => match spec {
            Some(_) if row.halted_from.is_some() => "Shadow (halted)".to_string(),
            Some(spec) if demoted_into(row) => format!("{} ↓", spec.phase),
            Some(spec) => spec.phase.to_string(),
            None => "Shadow (no policy)".to_string(),
        },
        PolicyColumn::Approvals => spec
            .map(|s| s.required_approvals.to_string())
            .unwrap_or_else(none),
        PolicyColumn::Timeout => spec
            .map(|s| seconds(s.proposal_timeout_seconds))
            .unwrap_or_else(none),
        PolicyColumn::Ttl => spec
            .map(|s| seconds(s.credential_ttl_seconds))
            .unwrap_or_else(none),
        PolicyColumn::Ceiling => spec
            .map(|s| s.autonomous_risk_ceiling.to_string())
            .unwrap_or_else(none),
        PolicyColumn::Credentials => match spec {
            Some(s) if s.allow_unsealed_credentials => "unsealed".to_string(),
            Some(_) => "sealed".to_string(),
            None => none(),
        },
        PolicyColumn::Proposals => evidence.proposals.to_string(),
        PolicyColumn::Approved => evidence.approved.to_string(),
        PolicyColumn::Vetoed => evidence.vetoed.to_string(),
        PolicyColumn::Expired => evidence.expired.to_string(),
        PolicyColumn::Executed => evidence.executed.to_string(),
        PolicyColumn::Failed => evidence.failed.to_string(),
        PolicyColumn::Median => evidence
            .median_decision_seconds
            .map(|s| format::compact_duration(SignedDuration::from_secs(s)))
            .unwrap_or_else(none),
        PolicyColumn::VetoRate => evidence
            .veto_rate_percent()
            .map(|p| format!("{p}%"))
            .unwrap_or_else(none),
        PolicyColumn::Readiness => row.assessment.short(),
    }
}

/// Whether the governor's last demotion put the namespace in the phase it is in.
fn demoted_into(row: &PolicyRow) -> bool {
    row.last_demotion
        .as_ref()
        .is_some_and(|d| Some(d.to) == row.spec.as_ref().map(|s| s.phase))
}

fn allows_unsealed(row: &PolicyRow) -> bool {
    row.spec
        .as_ref()
        .is_some_and(|s| s.allow_unsealed_credentials)
}

fn cell_style(state: &State, row: &PolicyRow, column: PolicyColumn) -> Style {
    let theme = &state.theme;
    match column {
        PolicyColumn::Phase if demoted_into(row) => theme.error,
        PolicyColumn::Phase if row.halted_from.is_some() => theme.warn,
        PolicyColumn::Phase => theme.phase(row.phase()),
        PolicyColumn::Readiness if row.assessment.suggests_demotion() => theme.error,
        PolicyColumn::Readiness if row.assessment.is_ready() => theme.ok,
        PolicyColumn::Readiness => theme.dim,
        PolicyColumn::Failed if row.evidence.failed > 0 => theme.warn,
        PolicyColumn::Credentials if allows_unsealed(row) => theme.warn,
        PolicyColumn::Approvals
        | PolicyColumn::Timeout
        | PolicyColumn::Ttl
        | PolicyColumn::Ceiling
        | PolicyColumn::Credentials
            if row.spec.is_none() =>
        {
            theme.dim
        }
        _ => theme.base,
    }
}

/// Draws the policies table into the body area.
pub fn render(state: &State, frame: &mut Frame, area: Rect) {
    if area.height == 0 || area.width == 0 {
        return;
    }
    let theme = &state.theme;
    let view = &state.policy_view;
    let mut lines: Vec<Line<'static>> = Vec::new();
    let label = format!("─ trust policies {} ", view.rows.len());
    let fill = usize::from(area.width).saturating_sub(text::width(&label));
    lines.push(Line::from(vec![
        Span::styled(text::fit(&label, usize::from(area.width)), theme.title),
        Span::styled("─".repeat(fill), theme.border),
    ]));
    let columns = columns(area.width);
    let mut heading = String::from(" ");
    for (column, width) in &columns {
        heading.push_str(&text::pad(column.title(), *width));
        heading.push(' ');
    }
    lines.push(Line::styled(heading, theme.title));
    if view.rows.is_empty() {
        lines.push(Line::styled(" no namespaces seen yet", theme.dim));
    }
    let page = usize::from(area.height.saturating_sub(2)).max(1);
    let offset = view.cursor.saturating_sub(page - 1);
    for (i, row) in view.rows.iter().enumerate().skip(offset).take(page) {
        let selected = i == view.cursor;
        let mut spans = vec![if selected {
            Span::styled("▌", theme.selected)
        } else {
            Span::raw(" ")
        }];
        for (column, width) in &columns {
            let style = if selected && *column == PolicyColumn::Namespace {
                theme.selected
            } else {
                cell_style(state, row, *column)
            };
            spans.push(Span::styled(text::pad(&cell(row, *column), *width), style));
            spans.push(Span::raw(" "));
        }
        lines.push(Line::from(spans));
    }
    let room = usize::from(area.height).saturating_sub(lines.len());
    let details = details(state, usize::from(area.width));
    if room > details.len() {
        lines.push(Line::from(""));
        lines.extend(details);
    }
    frame.render_widget(Paragraph::new(lines).style(theme.base), area);
}

/// " demotion: failed executions > 20% or vetoes > 50% over 24h (at least 5 samples)".
fn demotion_line(row: &PolicyRow) -> String {
    let Some(criteria) = row.spec.as_ref().and_then(|s| s.demotion.as_ref()) else {
        return " demotion: none set (the governor never demotes this namespace)".to_string();
    };
    let mut rules = Vec::new();
    if let Some(max) = criteria.max_failed_execution_rate_percent {
        rules.push(format!("failed executions > {max}%"));
    }
    if let Some(max) = criteria.max_veto_rate_percent {
        rules.push(format!("vetoes > {max}%"));
    }
    if rules.is_empty() {
        return " demotion: no rate set (never demoted)".to_string();
    }
    format!(
        " demotion by the governor, one phase: {} over {}h (at least {} samples)",
        rules.join(" or "),
        criteria.observation_window_hours,
        criteria.min_samples
    )
}

/// The selected namespace's criteria, credentials and last change, and the
/// last result; a line too long for `width` ends in `…`.
fn details(state: &State, width: usize) -> Vec<Line<'static>> {
    let theme = &state.theme;
    let mut lines = Vec::new();
    if let Some(row) = state.policy_view.selected() {
        let criteria = row
            .spec
            .as_ref()
            .map(|s| s.promotion.clone())
            .unwrap_or_default();
        lines.push(Line::styled(
            format!(" {}: {}", row.namespace, row.assessment.summary()),
            if row.assessment.suggests_demotion() {
                theme.error
            } else {
                theme.base
            },
        ));
        if let Some(demotion) = row.last_demotion.as_ref() {
            let evidence = &demotion.evidence;
            let style = if demoted_into(row) {
                theme.error
            } else {
                theme.dim
            };
            lines.push(Line::styled(
                format!(
                    " demoted by the governor at {}: {} -> {}",
                    format::clock(demotion.at.0, &state.time_zone),
                    demotion.from,
                    demotion.to,
                ),
                style,
            ));
            lines.push(Line::styled(format!("   {}", demotion.reason), style));
            lines.push(Line::styled(
                format!(
                    "   evidence over {}h: {} executions, {} failed; {} decisions, {} vetoed or expired",
                    evidence.window_hours,
                    evidence.executions,
                    evidence.failed,
                    evidence.decisions,
                    evidence.refused
                ),
                style,
            ));
        }
        if let Some(before) = row.halted_from {
            lines.push(Line::styled(
                format!(
                    " halted (was {before}): U resumes its investigations, then asks whether to restore {before}"
                ),
                theme.warn,
            ));
        }
        lines.push(Line::styled(demotion_line(row), theme.dim));
        lines.push(Line::styled(
            format!(
                " evidence over {}h · promotion needs {} decisions, veto rate ≤ {}%",
                criteria.observation_window_hours,
                criteria.min_decisions,
                criteria.max_veto_rate_percent
            ),
            theme.dim,
        ));
        lines.push(if allows_unsealed(row) {
            Line::styled(
                " unsealed credentials: allowed — a proposal naming no credentialRecipient gets its wrapping token in plain text in its status",
                theme.warn,
            )
        } else {
            Line::styled(
                " unsealed credentials: refused (default) — minting needs the proposal's credentialRecipient",
                theme.dim,
            )
        });
        let change = state
            .policies
            .get(&row.namespace)
            .and_then(|p| p.last_change.as_ref());
        if let Some(change) = change {
            let why = change
                .why
                .as_deref()
                .map(|w| format!(": {w}"))
                .unwrap_or_default();
            let who = if change.verified {
                change.by.clone()
            } else {
                format!("{} (unverified)", change.by)
            };
            lines.push(Line::styled(
                format!(
                    " last change {} by {who}: {}{why}",
                    format::clock(change.at, &state.time_zone),
                    change.what
                ),
                theme.dim,
            ));
        }
    }
    if let Some(result) = &state.policy_view.last_result {
        lines.push(Line::styled(format!(" {result}"), theme.ok));
    }
    lines
        .into_iter()
        .map(|line| {
            let style = line.style;
            let text: String = line.spans.iter().map(|s| s.content.as_ref()).collect();
            Line::styled(text::fit(&text, width), style)
        })
        .collect()
}
