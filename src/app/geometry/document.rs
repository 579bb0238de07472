//! A proposal's document, composed (`ui::proposal` draws it) and measured: summary, rationale, risk and reversibility badges,
//! the expiry countdown, the target, the action that runs (its headline, its
//! count of operations and its digest), the edit that made it so, the
//! decisions so far (each with the digest it was about and whether it still
//! counts), and the change, diff and dry run highlighted (plain until the
//! highlighter answers). Every line of code wraps, continuation rows marked
//! `↪`, so nothing is cut at the screen edge. An approved proposal not
//! executed yet says that a veto still stops it; a proposal without a write
//! credential says why in the error colour, and an intercepted credential is
//! a security alarm.

use super::{format, text};
use crate::app::command::Command;
use crate::app::keymap::Scope;
use crate::app::state::{State, VaultStatus};
use crate::domain::{NoCredentialReason, Phase, ProposalState, Verdict};
use crate::model::records::{DecisionRecord, Payload, ProposalRecord};
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use std::sync::Arc;

/// Code lines are indented this much.
const CODE_INDENT: &str = "    ";
/// Columns of [`CODE_INDENT`].
const CODE_INDENT_WIDTH: u16 = 4;

/// What the proposal view and the approvals inbox say of an intercepted credential.
pub const INTERCEPTED_ALARM: &str =
    "⚠ SECURITY: the write credential was unwrapped by someone other than the agent";

/// A part of the document: lines of its own (already wrapped), or lines of
/// code (a shared payload) wrapped when drawn.
enum Section {
    Own(Vec<Line<'static>>),
    Code {
        lines: Arc<Vec<Line<'static>>>,
        /// Their height once wrapped at the document's width.
        rows: usize,
    },
}

impl Section {
    fn code(lines: Arc<Vec<Line<'static>>>, width: u16) -> Section {
        let rows = lines.iter().map(|line| code_rows(line, width)).sum();
        Section::Code { lines, rows }
    }

    fn len(&self) -> usize {
        match self {
            Section::Own(lines) => lines.len(),
            Section::Code { rows, .. } => *rows,
        }
    }
}

/// `line` indented as code, borrowing its text.
fn indented<'a>(line: &'a Line<'_>) -> Line<'a> {
    let mut spans = Vec::with_capacity(line.spans.len() + 1);
    spans.push(Span::raw(CODE_INDENT));
    spans.extend(
        line.spans
            .iter()
            .map(|s| Span::styled(s.content.as_ref(), s.style)),
    );
    Line::from(spans).style(line.style)
}

/// Rows a line of code takes at `width`, as [`wrap_code`] draws it.
pub fn code_rows(line: &Line<'_>, width: u16) -> usize {
    text::wrapped_rows(&indented(line), width, CODE_INDENT_WIDTH)
}

/// A line of code indented and wrapped at `width`: nothing is cut, and every
/// continuation row starts with `↪` (dim) where the indent was, so a wrapped
/// line never reads as a line (an operation) of its own.
pub fn wrap_code(line: &Line<'_>, width: u16, marker: Style) -> Vec<Line<'static>> {
    let mut spans = Vec::with_capacity(line.spans.len() + 1);
    spans.push(Span::raw(CODE_INDENT));
    spans.extend(
        line.spans
            .iter()
            .map(|s| Span::styled(s.content.to_string(), s.style)),
    );
    let mut rows = text::wrap(
        Line::from(spans).style(line.style),
        width,
        CODE_INDENT_WIDTH,
    );
    for row in rows.iter_mut().skip(1) {
        if let Some(first) = row.spans.first_mut() {
            let columns = text::width(&first.content);
            let shown = if columns >= 2 {
                format!("{}↪ ", " ".repeat(columns - 2))
            } else {
                " ".repeat(columns)
            };
            *first = Span::styled(shown, marker);
        }
    }
    rows
}

fn prose(text_lines: &[String], width: u16, style: Style) -> Vec<Line<'static>> {
    text_lines
        .iter()
        .flat_map(|l| text::wrap(Line::styled(format!("  {l}"), style), width, 2))
        .collect()
}

fn heading(title: String, state: &State) -> Line<'static> {
    Line::styled(title, state.theme.title)
}

fn payload_lines(state: &State, payload: &Payload) -> Arc<Vec<Line<'static>>> {
    state
        .highlights
        .get(&payload.key)
        .unwrap_or_else(|| Arc::clone(&payload.plain))
}

/// The blank line and title above a payload: `label`, then `note` in
/// `note_style`, and the invisible-characters warning when it applies.
fn payload_title(
    state: &State,
    label: (String, Style),
    payload: &Payload,
    note: Option<(String, Style)>,
    width: u16,
) -> Vec<Line<'static>> {
    let mut spans = vec![Span::styled(label.0, label.1)];
    if let Some((note, style)) = note {
        spans.push(Span::styled(note, style));
    }
    if payload.had_invisible {
        spans.push(Span::styled(
            "  ⚠ invisible characters revealed as ⟨U+…⟩",
            state.theme.invisible_char,
        ));
    }
    let mut lines = vec![Line::from("")];
    lines.extend(text::wrap(Line::from(spans), width, 2));
    lines
}

fn verdict_mark(verdict: Verdict) -> &'static str {
    match verdict {
        Verdict::Approve => "✔ approved",
        Verdict::Veto => "✖ vetoed",
        Verdict::Expire => "⌛ expired",
        Verdict::Kill => "☠ killed",
    }
}

/// Whether the agent has run (or tried to run) the proposal.
fn was_executed(record: &ProposalRecord) -> bool {
    record.execution.is_some()
        || matches!(
            record.state,
            ProposalState::Executed | ProposalState::Failed
        )
}

/// What the proposal's `status.noCredential` says, in one sentence: why it
/// has no usable write credential. The views show it in the error colour; an
/// intercepted credential is [`INTERCEPTED_ALARM`].
pub fn no_credential_text(record: &ProposalRecord) -> Option<String> {
    let note = record.no_credential.as_ref()?;
    let message = note.message.trim();
    Some(match note.reason {
        NoCredentialReason::MintFailed => {
            let detail = message
                .strip_prefix("minting failed:")
                .map(str::trim)
                .unwrap_or(message);
            if detail.is_empty() {
                "no write credential: minting failed; the agent will not write".to_string()
            } else {
                format!("no write credential: minting failed: {detail}; the agent will not write")
            }
        }
        // The reason says it all (and the governor's message, which names
        // credentials, may come back redacted).
        NoCredentialReason::NoRecipient => "no write credential: the proposal names no credentialRecipient to seal it to, and its TrustPolicy does not allow unsealed credentials; nothing was minted, the agent will not write".to_string(),
        NoCredentialReason::VaultOff if was_executed(record) => {
            "executed without a Vault credential (Vault off)".to_string()
        }
        NoCredentialReason::VaultOff => "credential: none (Vault off)".to_string(),
        NoCredentialReason::Intercepted => INTERCEPTED_ALARM.to_string(),
    })
}

/// Whether the proposal's credential was intercepted: a security alarm.
pub fn is_intercepted(record: &ProposalRecord) -> bool {
    record
        .no_credential
        .as_ref()
        .is_some_and(|n| n.reason == NoCredentialReason::Intercepted)
}

/// The security alarm of an intercepted credential: its headline (error
/// colour, bold, reversed), what the agent reported, and what to do.
fn alarm(state: &State, record: &ProposalRecord, width: u16) -> Vec<Line<'static>> {
    let theme = &state.theme;
    let Some(note) = record
        .no_credential
        .as_ref()
        .filter(|_| is_intercepted(record))
    else {
        return Vec::new();
    };
    let loud = theme
        .error
        .add_modifier(Modifier::BOLD | Modifier::REVERSED);
    let mut lines = text::wrap(
        Line::styled(format!(" {INTERCEPTED_ALARM} "), loud),
        width,
        1,
    );
    let mut said = Vec::new();
    if !note.message.trim().is_empty() {
        said.push(format!("the agent reported: {}", note.message.trim()));
    }
    if record.awaits_execution() && !state.readonly {
        said.push(format!(
            "treat it as compromised: {} vetoes the proposal and revokes the credential",
            state.keymap.hint(Scope::Proposal, Command::Veto)
        ));
    } else {
        said.push("treat it as compromised: revoke it and find out who read it".to_string());
    }
    for line in said {
        lines.extend(text::wrap(
            Line::styled(
                format!("   {line}"),
                theme.error.add_modifier(Modifier::BOLD),
            ),
            width,
            3,
        ));
    }
    lines
}

/// One decision: when, what, who, the digest it was about, and whether it
/// still counts toward the approvals (only approvals of the digest that runs do).
fn decision_line(
    state: &State,
    record: &ProposalRecord,
    decision: &DecisionRecord,
    width: u16,
) -> Vec<Line<'static>> {
    let theme = &state.theme;
    let who = if decision.by_rule {
        format!("{} (rule)", decision.by)
    } else if decision.verified {
        decision.by.clone()
    } else {
        format!("{} (unverified)", decision.by)
    };
    let style = match decision.verdict {
        Verdict::Approve => theme.ok,
        _ => theme.warn,
    };
    let mut spans = vec![Span::styled(
        format!(
            "  {} {} {who}",
            format::clock(decision.at, &state.time_zone),
            verdict_mark(decision.verdict)
        ),
        style,
    )];
    if decision.edited {
        spans.push(Span::styled(" (edited)", style));
    }
    if let Some(digest) = &decision.action_digest {
        spans.push(Span::styled(format!(" · sha256 {digest}"), theme.dim));
    }
    let counts_toward_approvals = decision.verdict == Verdict::Approve && !decision.by_rule;
    if counts_toward_approvals {
        let runs = record.action.short_digest.as_str();
        let why_not = match decision.action_digest.as_deref() {
            Some(digest) if digest == runs => None,
            Some(_) => Some(match &record.action.edit {
                Some(edit) if decision.at <= edit.at => {
                    "no longer counts: the action was edited since"
                }
                _ => "does not count: it was about another action than the one that runs",
            }),
            None => Some("does not count: it names no action digest"),
        };
        if let Some(why_not) = why_not {
            spans.push(Span::styled(format!(" — {why_not}"), theme.warn));
        }
    }
    if let Some(reason) = &decision.reason {
        spans.push(Span::styled(format!(": {reason}"), style));
    }
    text::wrap(Line::from(spans), width, 4)
}

/// The diff from the action the agent proposed to the edited one that runs.
fn edit_section(state: &State, record: &ProposalRecord, width: u16) -> Vec<Line<'static>> {
    let theme = &state.theme;
    let Some(edit) = &record.action.edit else {
        return Vec::new();
    };
    let mut lines = vec![Line::from("")];
    lines.extend(text::wrap(
        Line::from(vec![
            Span::styled(" edit", theme.title),
            Span::styled(
                format!(
                    ": by {} at {}, from the proposed action (sha256 {}) to the one that runs (sha256 {})",
                    edit.by,
                    format::clock(edit.at, &state.time_zone),
                    edit.proposed_digest,
                    record.action.short_digest
                ),
                theme.warn,
            ),
        ]),
        width,
        2,
    ));
    for line in &edit.diff {
        let style = if line.starts_with("+++") || line.starts_with("---") {
            theme.dim
        } else if line.starts_with('+') {
            theme.diff_add
        } else if line.starts_with('-') {
            theme.diff_remove
        } else if line.starts_with("@@") {
            theme.diff_hunk
        } else {
            theme.base
        };
        lines.extend(wrap_code(
            &Line::styled(line.clone(), style),
            width,
            theme.dim,
        ));
    }
    lines
}

/// The credential fact: the minted credential, or why there is none (error colour).
fn credential_fact(state: &State, record: &ProposalRecord) -> Option<(String, Style)> {
    let theme = &state.theme;
    match record.no_credential.as_ref().map(|n| n.reason) {
        Some(NoCredentialReason::VaultOff) => {
            let text = if was_executed(record) {
                "none (Vault off) · executed without a Vault credential"
            } else {
                "none (Vault off)"
            };
            return Some((text.to_string(), theme.error));
        }
        Some(NoCredentialReason::Intercepted) => {
            let minted = minted_credential(state, record)
                .map(|m| format!("{m} · "))
                .unwrap_or_default();
            return Some((
                format!("{minted}⚠ INTERCEPTED: unwrapped by someone other than the agent"),
                theme.error.add_modifier(Modifier::BOLD),
            ));
        }
        Some(_) => return no_credential_text(record).map(|text| (text, theme.error)),
        None => {}
    }
    if let Some(minted) = minted_credential(state, record) {
        return Some((minted, theme.base));
    }
    record.state.is_approved().then(|| {
        let text = if state.vault.status == VaultStatus::Off {
            "none (Vault is off: the agent gets no write credential from kubevigil)"
        } else {
            "none minted yet: the agent has no write credential until it is"
        };
        (text.to_string(), theme.base)
    })
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
    top.extend(alarm(state, record, width));
    if let Some(problem) = &record.action.problem {
        top.extend(text::wrap(
            Line::styled(
                format!(
                    " ✖ NOT APPROVABLE: {problem}. The change is shown raw below; the agent could not have meant it, so it cannot be approved"
                ),
                theme.error,
            ),
            width,
            3,
        ));
    }
    let action = &record.action;
    let mut facts: Vec<(&str, Vec<Span<'static>>)> = vec![
        (
            "target",
            vec![Span::styled(record.target.clone(), theme.base)],
        ),
        (
            "action",
            vec![
                Span::styled(action.headline.clone(), theme.base),
                Span::styled(format!(" · {}", action.count_label), theme.base),
                Span::styled(format!(" · sha256 {}", action.short_digest), theme.accent),
            ],
        ),
    ];
    if let Some(edit) = &action.edit {
        facts.push((
            "edited",
            vec![Span::styled(
                format!(
                    "by {} at {}: the action above is the edited one (the agent proposed sha256 {}; diff below)",
                    edit.by,
                    format::clock(edit.at, &state.time_zone),
                    edit.proposed_digest
                ),
                theme.warn,
            )],
        ));
    }
    facts.push((
        "investigation",
        vec![Span::styled(record.investigation.clone(), theme.base)],
    ));
    if let Some(required) = record.approvals_required.filter(|n| *n > 0) {
        facts.push((
            "approvals",
            vec![Span::styled(format!("{required} more needed"), theme.base)],
        ));
    }
    if let Some((credential, style)) = credential_fact(state, record) {
        facts.push(("credential", vec![Span::styled(credential, style)]));
    }
    if let Some(execution) = &record.execution {
        facts.push((
            "execution",
            vec![Span::styled(execution.clone(), theme.base)],
        ));
    }
    if let Some(rollback) = &record.rollback {
        facts.push(("rollback", vec![Span::styled(rollback.clone(), theme.base)]));
    }
    // Values line up after the labels, unless that leaves them too narrow.
    let aligned = width >= 60;
    for (label, value) in facts {
        let label = if aligned {
            format!(" {label:<14}")
        } else {
            format!(" {label} ")
        };
        let mut spans = vec![Span::styled(label, theme.dim)];
        spans.extend(value);
        top.extend(text::wrap(
            Line::from(spans),
            width,
            if aligned { 15 } else { 3 },
        ));
    }
    let reason = record.no_credential.as_ref().map(|n| n.reason);
    let veto = state.keymap.hint(Scope::Proposal, Command::Veto);
    if record.awaits_execution() {
        let line = match reason {
            Some(NoCredentialReason::MintFailed | NoCredentialReason::NoRecipient) => {
                let mut line = " approved, without a write credential: the agent waits for one or for the proposal to expire".to_string();
                if !state.readonly {
                    line.push_str(&format!("; {veto} vetoes it"));
                }
                line
            }
            Some(NoCredentialReason::VaultOff) if !state.readonly => format!(
                " approved, not executed yet: {veto} vetoes it before the agent runs it (Vault off: there is no credential to revoke)"
            ),
            _ if state.readonly => {
                " approved, not executed yet: the agent may run it at any moment".to_string()
            }
            _ => format!(
                " approved, not executed yet: {veto} vetoes it and revokes the minted write credential before the agent uses it"
            ),
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
        top.extend(decision_line(state, record, decision, width));
    }
    let mut sections = vec![Section::Own(top)];
    if let Some(change) = &record.change {
        let (label, note) = if action.problem.is_some() {
            (
                (" change, NOT APPROVABLE".to_string(), theme.error),
                Some((
                    ": shown raw, as the agent wrote it".to_string(),
                    theme.error,
                )),
            )
        } else {
            let note = action.edit.as_ref().map(|edit| {
                (
                    format!(
                        " · edited by {} at {}",
                        edit.by,
                        format::clock(edit.at, &state.time_zone)
                    ),
                    theme.warn,
                )
            });
            (
                (
                    " change that runs (canonical: one operation per line)".to_string(),
                    theme.title,
                ),
                note,
            )
        };
        sections.push(Section::Own(payload_title(
            state, label, change, note, width,
        )));
        sections.push(Section::code(payload_lines(state, change), width));
    }
    let edit = edit_section(state, record, width);
    if !edit.is_empty() {
        sections.push(Section::Own(edit));
    }
    let previews = [
        (" preview diff", record.diff.as_ref()),
        (" dry run", record.dry_run.as_ref()),
    ];
    for (label, payload) in previews {
        let Some(payload) = payload else {
            continue;
        };
        let note = action.edit.as_ref().map(|_| {
            (
                " · the agent's, of the action it proposed (before the edit)".to_string(),
                theme.warn,
            )
        });
        let label = (format!("{label} ({})", payload.syntax.label()), theme.title);
        sections.push(Section::Own(payload_title(
            state, label, payload, note, width,
        )));
        sections.push(Section::code(payload_lines(state, payload), width));
    }
    if record.change.is_none() && record.diff.is_none() && record.dry_run.is_none() {
        sections.push(Section::Own(vec![
            Line::from(""),
            Line::styled(" no patch, command or preview given", theme.dim),
        ]));
    }
    sections
}

/// Rows of the proposal's document at `width`, every line wrapped as drawn:
/// the proposal view scrolls within this.
pub fn document_height(state: &State, record: &ProposalRecord, width: u16) -> usize {
    document(state, record, width)
        .iter()
        .map(Section::len)
        .sum()
}

/// The document's rows from `skip`, at most `height` of them, at `width`.
pub fn visible_rows(
    state: &State,
    record: &ProposalRecord,
    width: u16,
    mut skip: usize,
    height: usize,
) -> Vec<Line<'static>> {
    let mut lines: Vec<Line<'static>> = Vec::with_capacity(height);
    for section in document(state, record, width) {
        if lines.len() >= height {
            break;
        }
        let len = section.len();
        if skip >= len {
            skip -= len;
            continue;
        }
        match section {
            Section::Own(own) => {
                let want = height - lines.len();
                lines.extend(own.into_iter().skip(skip).take(want));
            }
            Section::Code { lines: code, .. } => {
                for line in code.iter() {
                    if lines.len() >= height {
                        break;
                    }
                    let rows = code_rows(line, width);
                    if skip >= rows {
                        skip -= rows;
                        continue;
                    }
                    let want = height - lines.len();
                    lines.extend(
                        wrap_code(line, width, state.theme.dim)
                            .into_iter()
                            .skip(skip)
                            .take(want),
                    );
                    skip = 0;
                }
            }
        }
        skip = 0;
    }
    lines
}

/// The minted credential: when, its accessor, its lifetime, how it is handed
/// over, and whether it is still live.
fn minted_credential(state: &State, record: &ProposalRecord) -> Option<String> {
    let credential = record.credential.as_ref()?;
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
