//! The investigation detail view: the Job's status and resources, the
//! reasoning stream, and the investigation's proposals.

use super::{format, layout, reasoning, text};
use crate::app::state::{DetailFocus, State};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

/// Draws the detail view into the body area.
pub fn render(state: &State, frame: &mut Frame, area: Rect) {
    let Some(detail) = state.detail.as_ref() else {
        return;
    };
    let areas = layout::detail(area, state);
    render_info(state, frame, areas.info);
    reasoning::render(state, frame, areas.stream, areas.stream_text);
    if let Some(pane) = areas.proposals {
        let beside = pane.y == areas.stream.y;
        render_proposals(
            state,
            frame,
            pane,
            detail.focus == DetailFocus::Proposals,
            beside,
        );
    }
}

fn render_info(state: &State, frame: &mut Frame, area: Rect) {
    let Some(detail) = state.detail.as_ref() else {
        return;
    };
    if area.height == 0 {
        return;
    }
    let theme = &state.theme;
    let row = state.table.get(&detail.investigation);
    let mut title: Vec<Span<'static>> = vec![Span::styled(
        format!("─ {} ", detail.investigation),
        theme.title,
    )];
    let mut facts: Vec<Span<'static>> = Vec::new();
    let mut resources: Vec<Span<'static>> = Vec::new();
    let mut vault: (Vec<Span<'static>>, Vec<Span<'static>>) = Default::default();
    if let Some(row) = row {
        let inv = &row.record.investigation;
        title.push(Span::styled(
            format!("{} ", inv.target_namespace),
            theme.accent,
        ));
        title.push(Span::styled(
            format!(" {} ", row.phase.badge()),
            theme.phase(row.phase),
        ));
        title.push(Span::styled(format!(" {} ", inv.trigger), theme.title));
        let queued = inv.state == crate::domain::InvestigationState::Queued;
        let state_text = match super::queue::waiting_cell(state, row) {
            Some(waiting) if queued => format!(" QUEUED {waiting}"),
            _ => format!(" {}", inv.state),
        };
        facts.push(Span::styled(
            state_text,
            theme.investigation_state(inv.state),
        ));
        if let Some(pod) = &detail.pod {
            facts.push(Span::styled(format!(" · pod {pod}"), theme.base));
        }
        if let Some(started) = inv.started {
            facts.push(Span::styled(
                format!(
                    " · {} {} ({} ago)",
                    if queued { "queued since" } else { "started" },
                    format::clock(started, &state.time_zone),
                    format::age(state.now, Some(started))
                ),
                theme.base,
            ));
        }
        if let Some(deadline) = inv.deadline {
            let left = if inv.state.is_active() {
                format!(" ({} left)", format::time_left(state.now, Some(deadline)))
            } else {
                String::new()
            };
            facts.push(Span::styled(
                format!(
                    " · deadline {}{left}",
                    format::clock(deadline, &state.time_zone)
                ),
                theme.base,
            ));
        }
        if !inv.severity.is_empty() {
            facts.push(Span::styled(
                format!(" · severity {}", inv.severity),
                theme.base,
            ));
        }
        let limits = row.record.resources.as_deref().unwrap_or("no limits set");
        resources.push(Span::styled(format!(" limits {limits}"), theme.dim));
        if let Some(sa) = &row.record.service_account {
            resources.push(Span::styled(format!(" · service account {sa}"), theme.dim));
        }
        resources.push(Span::styled(
            format!(" · job {}/{}", inv.namespace, inv.job_name),
            theme.dim,
        ));
        vault = super::vault_token::token_rows(state, inv);
    } else {
        facts.push(Span::styled(
            " the Job is gone from the cluster",
            theme.warn,
        ));
    }
    let usage = detail.buffer.usage;
    let cost = if usage.events > 0 {
        format!(
            " · cost {} ({} in / {} out tokens)",
            format::cost(usage.cost_usd),
            format::count(usage.input_tokens),
            format::count(usage.output_tokens)
        )
    } else {
        " · cost — (no usage reported yet)".to_string()
    };
    let title_width: usize = title.iter().map(|s| text::width(&s.content)).sum();
    title.push(Span::styled(
        "─".repeat(usize::from(area.width).saturating_sub(title_width)),
        theme.border,
    ));
    let lines = if area.height >= 3 {
        resources.push(Span::styled(cost, reasoning::cost_style(theme)));
        let mut lines = vec![Line::from(title), Line::from(facts)];
        let (mut token, described) = vault;
        if area.height >= 5 {
            lines.push(Line::from(token));
            lines.push(Line::from(described));
        } else if area.height >= 4 {
            token.extend(described);
            lines.push(Line::from(token));
        }
        lines.push(Line::from(resources));
        lines
    } else {
        vec![Line::from(title)]
    };
    frame.render_widget(Paragraph::new(lines).style(theme.base), area);
}

fn render_proposals(state: &State, frame: &mut Frame, area: Rect, focused: bool, beside: bool) {
    let Some(detail) = state.detail.as_ref() else {
        return;
    };
    if area.height == 0 {
        return;
    }
    let theme = &state.theme;
    let proposals = state.proposals.for_investigation(&detail.investigation);
    let pending = proposals.iter().filter(|p| p.state.is_pending()).count();
    let border = if focused {
        theme.border_focused
    } else {
        theme.border
    };
    let (corner, edge) = if beside { ("┬", "│") } else { ("─", " ") };
    let label = format!(
        "{corner} proposals {} ({pending} pending) · tab focuses ",
        proposals.len()
    );
    let mut lines = vec![Line::from(vec![
        Span::styled(text::fit(&label, usize::from(area.width)), theme.title),
        Span::styled(
            "─".repeat(usize::from(area.width).saturating_sub(text::width(&label))),
            border,
        ),
    ])];
    let rows = usize::from(area.height.saturating_sub(1));
    let cursor = detail
        .proposal_cursor
        .min(proposals.len().saturating_sub(1));
    let first = cursor.saturating_sub(rows.saturating_sub(1));
    let width = usize::from(area.width.saturating_sub(1));
    for (i, proposal) in proposals.iter().enumerate().skip(first).take(rows) {
        let countdown = match proposal.expires_at {
            Some(at) if proposal.state.is_pending() => {
                format!(" {}", format::time_left(state.now, Some(at)))
            }
            _ => String::new(),
        };
        let head = format!(
            "{} {:<8} {:<8}{countdown} ",
            if focused && i == cursor { "▶" } else { " " },
            proposal.state.to_string(),
            proposal.risk.to_string()
        );
        let summary = text::fit(&proposal.summary, width.saturating_sub(text::width(&head)));
        let line = if focused && i == cursor {
            Line::styled(
                text::pad(&format!("{edge}{head}{summary}"), usize::from(area.width)),
                theme.selected,
            )
        } else {
            Line::from(vec![
                Span::styled(edge, border),
                Span::styled(head, theme.risk(proposal.risk)),
                Span::styled(summary, theme.base),
            ])
        };
        lines.push(line);
    }
    frame.render_widget(Paragraph::new(lines).style(theme.base), area);
}
