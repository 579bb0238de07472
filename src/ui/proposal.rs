//! A proposal's detail: summary, rationale, risk and reversibility badges,
//! the expiry countdown, the target, the decisions so far, and the change,
//! diff and dry run highlighted (plain until the highlighter answers). An
//! approved proposal not executed yet says that a veto still stops it.

use super::{format, text};
use crate::app::command::Command;
use crate::app::keymap::Scope;
use crate::app::records::{Payload, ProposalRecord};
use crate::app::state::{Screen, State};
use crate::domain::{Phase, Verdict};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use std::sync::Arc;

/// Code lines are indented this much.
const CODE_INDENT: &str = "    ";

/// A part of the document: lines of its own, or a shared payload.
enum Section {
    Own(Vec<Line<'static>>),
    Code(Arc<Vec<Line<'static>>>),
}

impl Section {
    fn len(&self) -> usize {
        match self {
            Section::Own(lines) => lines.len(),
            Section::Code(lines) => lines.len(),
        }
    }
}

fn prose(text_lines: &[String], width: u16, style: ratatui::style::Style) -> Vec<Line<'static>> {
    text_lines
        .iter()
        .flat_map(|l| text::wrap(Line::styled(format!("  {l}"), style), width, 2))
        .collect()
}

fn heading(title: String, state: &State) -> Line<'static> {
    Line::styled(title, state.theme.title)
}

fn payload_section(state: &State, payload: &Payload) -> Section {
    let lines = state
        .highlights
        .get(&payload.key)
        .unwrap_or_else(|| Arc::clone(&payload.plain));
    Section::Code(lines)
}

fn payload_title(label: &str, payload: &Payload, state: &State) -> Vec<Line<'static>> {
    let mut spans = vec![Span::styled(
        format!("{label} ({})", payload.syntax.label()),
        state.theme.title,
    )];
    if payload.had_invisible {
        spans.push(Span::styled(
            "  ⚠ invisible characters revealed as ⟨U+…⟩",
            state.theme.invisible_char,
        ));
    }
    vec![Line::from(""), Line::from(spans)]
}

fn verdict_mark(verdict: Verdict) -> &'static str {
    match verdict {
        Verdict::Approve => "✔ approved",
        Verdict::Veto => "✖ vetoed",
        Verdict::Expire => "⌛ expired",
        Verdict::Kill => "☠ killed",
    }
}

/// The whole document of a proposal at `width`.
fn document(state: &State, record: &ProposalRecord, width: u16) -> Vec<Section> {
    let theme = &state.theme;
    let mut top: Vec<Line<'static>> = Vec::new();
    top.extend(text::wrap(
        Line::styled(format!(" {}", record.summary), theme.title),
        width,
        1,
    ));
    let mut badges: Vec<Span<'static>> = vec![
        Span::raw(" "),
        Span::styled(
            format!(" {} RISK ", record.risk.to_string().to_uppercase()),
            theme.risk(record.risk),
        ),
        Span::raw(" "),
    ];
    badges.push(if record.reversible {
        Span::styled(" REVERSIBLE ", theme.ok)
    } else {
        Span::styled(" IRREVERSIBLE ", theme.error)
    });
    badges.push(Span::raw(" "));
    let state_style = if record.state.is_pending() {
        theme.warn
    } else {
        theme.dim
    };
    badges.push(Span::styled(format!(" {} ", record.state), state_style));
    let phase = record
        .phase
        .unwrap_or_else(|| state.phase_of(&record.target_namespace));
    badges.push(Span::raw(" "));
    badges.push(Span::styled(
        format!(" {} ", phase.badge()),
        theme.phase(phase),
    ));
    if let Some(expires) = record.expires_at {
        let countdown = if record.state.is_pending() {
            if expires > state.now {
                format!(
                    "  expires in {} ({})",
                    format::time_left(state.now, Some(expires)),
                    format::clock(expires, &state.time_zone)
                )
            } else {
                "  expired".to_string()
            }
        } else {
            format!("  expiry {}", format::clock(expires, &state.time_zone))
        };
        let style = if record.state.is_pending() {
            theme.warn
        } else {
            theme.dim
        };
        badges.push(Span::styled(countdown, style));
    }
    top.extend(text::wrap(Line::from(badges), width, 1));
    let mut facts = vec![
        ("target", record.target.clone()),
        (
            "action",
            match (&record.patch_type, record.replicas) {
                (Some(kind), _) => format!("{} ({kind})", record.kind),
                (None, Some(replicas)) => format!("{} to {replicas} replicas", record.kind),
                _ => record.kind.to_string(),
            },
        ),
        ("investigation", record.investigation.clone()),
    ];
    if let Some(required) = record.approvals_required.filter(|n| *n > 0) {
        facts.push(("approvals", format!("{required} more needed")));
    }
    if let Some(credential) = credential_fact(state, record) {
        facts.push(("credential", credential));
    }
    if let Some(execution) = &record.execution {
        facts.push(("execution", execution.clone()));
    }
    if let Some(rollback) = &record.rollback {
        facts.push(("rollback", rollback.clone()));
    }
    for (label, value) in facts {
        top.extend(text::wrap(
            Line::from(vec![
                Span::styled(format!(" {label:<14}"), theme.dim),
                Span::styled(value, theme.base),
            ]),
            width,
            15,
        ));
    }
    if record.awaits_execution() {
        let line = if state.readonly {
            " approved, not executed yet: the agent may run it at any moment".to_string()
        } else {
            format!(
                " approved, not executed yet: {} vetoes it and revokes the minted write credential before the agent uses it",
                state.keymap.hint(Scope::Proposal, Command::Veto)
            )
        };
        top.extend(text::wrap(Line::styled(line, theme.warn), width, 1));
    } else if !phase.allows_approval() {
        let why = match phase {
            Phase::Shadow => "Shadow: proposals are recorded for comparison, never executed",
            _ => "ReadOnlyAssist: proposals are suggestions to copy; approving is not offered",
        };
        top.push(Line::styled(format!(" {why}"), theme.dim));
    }
    if !record.rationale.is_empty() {
        top.push(Line::from(""));
        top.push(heading(" rationale".into(), state));
        top.extend(prose(&record.rationale, width, theme.base));
    }
    top.push(Line::from(""));
    top.push(heading(
        format!(" decisions ({})", record.decisions.len()),
        state,
    ));
    if record.decisions.is_empty() {
        top.push(Line::styled("  none yet", theme.dim));
    }
    for decision in &record.decisions {
        let who = if decision.by_rule {
            format!("{} (rule)", decision.by)
        } else if decision.verified {
            decision.by.clone()
        } else {
            format!("{} (unverified)", decision.by)
        };
        let mut line = format!(
            "  {} {} {who}",
            format::clock(decision.at, &state.time_zone),
            verdict_mark(decision.verdict)
        );
        if decision.edited {
            line.push_str(" (edited)");
        }
        if let Some(reason) = &decision.reason {
            line.push_str(&format!(": {reason}"));
        }
        let style = match decision.verdict {
            Verdict::Approve => theme.ok,
            _ => theme.warn,
        };
        top.extend(text::wrap(Line::styled(line, style), width, 4));
    }
    let mut sections = vec![Section::Own(top)];
    let blocks = [
        ("change", record.change.as_ref()),
        ("preview diff", record.diff.as_ref()),
        ("dry run", record.dry_run.as_ref()),
    ];
    for (label, payload) in blocks {
        if let Some(payload) = payload {
            sections.push(Section::Own(payload_title(
                &format!(" {label}"),
                payload,
                state,
            )));
            sections.push(payload_section(state, payload));
        }
    }
    if record.change.is_none() && record.diff.is_none() && record.dry_run.is_none() {
        sections.push(Section::Own(vec![
            Line::from(""),
            Line::styled(" no patch, command or preview given", theme.dim),
        ]));
    }
    sections
}

/// Rows of the proposal's document at `width`.
pub fn document_height(state: &State, record: &ProposalRecord, width: u16) -> usize {
    document(state, record, width)
        .iter()
        .map(Section::len)
        .sum()
}

/// Draws the proposal on top of the stack into the body area.
pub fn render(state: &State, frame: &mut Frame, area: Rect) {
    let Some(Screen::Proposal { key, scroll }) = state.screens.last() else {
        return;
    };
    if area.height == 0 {
        return;
    }
    let theme = &state.theme;
    let record = state.proposals.get(key);
    let position = record
        .map(|r| {
            let total = document_height(state, r, area.width);
            let last = (*scroll + usize::from(area.height.saturating_sub(1))).min(total);
            format!("· lines {}–{last} of {total} ", (*scroll + 1).min(total))
        })
        .unwrap_or_default();
    let label = format!("─ proposal {} · {} {position}", key.name, key.namespace);
    let title = Line::from(vec![
        Span::styled(text::fit(&label, usize::from(area.width)), theme.title),
        Span::styled(
            "─".repeat(usize::from(area.width).saturating_sub(text::width(&label))),
            theme.border,
        ),
    ]);
    frame.render_widget(
        Paragraph::new(title),
        Rect::new(area.x, area.y, area.width, 1),
    );
    let text_area = Rect::new(area.x, area.y + 1, area.width, area.height - 1);
    let Some(record) = record else {
        frame.render_widget(
            Paragraph::new(Line::styled(
                " this proposal is no longer in the cluster (esc goes back)",
                theme.warn,
            )),
            text_area,
        );
        return;
    };
    let height = usize::from(text_area.height);
    let mut skip = *scroll;
    let mut lines: Vec<Line<'static>> = Vec::with_capacity(height);
    for section in document(state, record, text_area.width) {
        if lines.len() >= height {
            break;
        }
        let len = section.len();
        if skip >= len {
            skip -= len;
            continue;
        }
        let want = height - lines.len();
        match section {
            Section::Own(own) => lines.extend(own.into_iter().skip(skip).take(want)),
            Section::Code(code) => lines.extend(code.iter().skip(skip).take(want).map(|line| {
                let mut spans = Vec::with_capacity(line.spans.len() + 1);
                spans.push(Span::raw(CODE_INDENT));
                spans.extend(line.spans.iter().cloned());
                Line::from(spans).style(line.style)
            })),
        }
        skip = 0;
    }
    frame.render_widget(Paragraph::new(lines).style(theme.base), text_area);
}

/// What the proposal's write credential is: minted when, its accessor, its
/// lifetime, how it is handed over, and whether it is still live.
fn credential_fact(state: &State, record: &ProposalRecord) -> Option<String> {
    let Some(credential) = &record.credential else {
        return record.state.is_approved().then(|| {
            if state.vault.status == crate::app::state::VaultStatus::Off {
                "none (Vault is off: the agent gets no write credential from kubevigil)".into()
            } else {
                "none minted yet: the agent has no write credential until it is".into()
            }
        });
    };
    let accessor: String = credential.accessor.chars().take(12).collect();
    let ttl = i64::try_from(credential.ttl_seconds).unwrap_or(i64::MAX);
    let lifetime = format::compact_duration(jiff::SignedDuration::from_secs(ttl));
    let handed = if credential.encrypted {
        "wrapped, age-encrypted to the agent"
    } else {
        "wrapped"
    };
    let minted = credential
        .minted_at
        .map(|at| format!("minted {} · ", format::clock(at, &state.time_zone)))
        .unwrap_or_default();
    let ends = credential
        .minted_at
        .and_then(|at| at.checked_add(jiff::SignedDuration::from_secs(ttl)).ok());
    let now = if credential.revoked {
        "revoked".to_string()
    } else if record.execution.is_some() {
        // Its uses (a lookup and the write) went to the reported write.
        "spent by the agent's write".to_string()
    } else {
        match ends {
            Some(end) if end <= state.now => "expired".to_string(),
            Some(end) => format!("live until {}", format::clock(end, &state.time_zone)),
            None => "live".to_string(),
        }
    };
    Some(format!(
        "{minted}accessor {accessor} · ttl {lifetime} · {handed} · {now}"
    ))
}
