//! What the header and footer say about deciding: who else is here, the
//! user's rights, unrecorded decisions, and the deciding keys on offer.

use crate::app::command::Command;
use crate::app::state::{Screen, State};
use crate::domain::{Phase, ProposalState};
use ratatui::text::Span;

/// "reviewing payments/ap-1" for a presence's viewing text.
fn activity(viewing: &str) -> String {
    if let Some(proposal) = viewing.strip_prefix("proposal ") {
        format!("reviewing {proposal}")
    } else if let Some(investigation) = viewing.strip_prefix("investigation ") {
        format!("watching {investigation}")
    } else {
        viewing.to_string()
    }
}

/// "oncall-2 (reviewing payments/ap-x)" for everyone else present.
pub fn also_here(state: &State) -> Vec<String> {
    let me = state.identity.user.as_deref().unwrap_or_default();
    state
        .decisions
        .presence
        .iter()
        .filter(|p| p.user != me && p.is_current(state.now))
        .map(|p| match &p.viewing {
            Some(viewing) => format!("{} ({})", p.user, activity(viewing)),
            None => p.user.clone(),
        })
        .collect()
}

/// Spans appended to the header: RBAC read-only, unrecorded decisions, who else is here.
pub fn header_spans(state: &State) -> Vec<Span<'static>> {
    let theme = &state.theme;
    let mut spans = Vec::new();
    if !state.readonly && state.read_only_by_rbac() {
        let user = state.identity.user.clone().unwrap_or_else(|| "you".into());
        spans.push(Span::styled(" │ ", theme.header));
        spans.push(Span::styled(
            format!(" {user}: read-only by RBAC "),
            theme.header_warning,
        ));
    }
    let unrecorded = state.decisions.failed().count();
    if unrecorded > 0 {
        spans.push(Span::styled(" │ ", theme.header));
        spans.push(Span::styled(
            format!(" ✖ {unrecorded} not recorded (R retries) "),
            theme.header_warning,
        ));
    }
    let others = also_here(state);
    if !others.is_empty() {
        spans.push(Span::styled(" │ ", theme.header));
        spans.push(Span::styled(
            format!("also here: {}", others.join(", ")),
            theme.header.patch(theme.ok),
        ));
    }
    spans
}

/// The deciding keys the footer offers first on this screen (those on the
/// proposal in focus), given the phase and mode: approve, veto and edit on a
/// pending proposal; only veto on an approved one the agent has not executed
/// yet (it revokes the write credential).
pub fn footer_hints(state: &State) -> Vec<(Command, &'static str)> {
    let mut hints = Vec::new();
    let write = !state.readonly;
    let proposal = crate::app::geometry::focus::proposal_in_focus(state)
        .and_then(|key| state.proposals.get(&key));
    if let Some(record) = proposal {
        let phase = crate::app::geometry::focus::governing_phase(state, record);
        let pending = record.state == ProposalState::Pending;
        if write && pending && phase.allows_approval() {
            hints.push((Command::Approve, "approve"));
        }
        if write && pending && phase != Phase::Shadow && phase != Phase::ReadOnlyAssist {
            hints.push((Command::Veto, "veto"));
            hints.push((Command::EditApprove, "edit+approve"));
        }
        if write && record.awaits_execution() {
            hints.push((Command::Veto, "veto before it runs"));
        }
        if record.change.is_some() {
            hints.push((Command::CopySuggestion, "copy"));
        }
    }
    hints
}

/// The deciding keys the footer offers last: kill, halt, refresh, retry.
pub fn footer_tail_hints(state: &State) -> Vec<(Command, &'static str)> {
    let mut hints = Vec::new();
    let write = !state.readonly;
    match state.screen() {
        Screen::Investigations | Screen::Detail if write => {
            hints.push((Command::Kill, "kill"));
            hints.push((Command::Halt, "halt ns"));
        }
        Screen::Audit => hints.push((Command::Refresh, "refresh")),
        _ => {}
    }
    if write && state.decisions.failed().next().is_some() {
        hints.push((Command::RetryDecisions, "retry"));
    }
    hints
}
