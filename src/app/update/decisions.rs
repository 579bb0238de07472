//! Deciding from the console: the keys that approve, veto, edit, copy, kill,
//! halt and retry; the approvals inbox and the audit view; and what comes
//! back from the decision tasks. All IO is a [`DecisionEffect`].

use super::{Out, decision_modal, stream};
use crate::app::command::Command;
use crate::app::effect::Effect;
use crate::app::state::{
    Delivery, EditedAction, Modal, NoticeLevel, Screen, Shown, State, TrackedDecision,
};
use crate::cluster::decision_tasks::{DecisionEffect, DecisionEvent};
use crate::decide::{
    Identity, PendingDecision, check_offered, viewing_investigation, viewing_proposal,
};
use crate::domain::{ActionKind, ActionProposalStatus, ProposalState, ProposedAction, Verdict};
use crate::governor::DecisionError;
use crate::model::records::{ProposalKey, ProposalRecord};
use ratatui_textarea::TextArea;
use ratatui_textarea::WrapMode;
use std::time::Duration;

/// How long the console waits before retrying a decision the cluster did not answer.
pub const AUTO_RETRY_AFTER: Duration = Duration::from_secs(10);

fn notice(state: &mut State, text: String, out: &mut Out) {
    super::notice::notice(state, NoticeLevel::Warning, text, out);
}

/// A success: shown as done, or as a warning when it came with warnings.
fn done(state: &mut State, text: String, warnings: &[String], out: &mut Out) {
    let level = if warnings.is_empty() {
        NoticeLevel::Info
    } else {
        NoticeLevel::Warning
    };
    super::notice::notice(state, level, text, out);
}

fn error(state: &mut State, text: String, out: &mut Out) {
    super::notice::notice(state, NoticeLevel::Error, text, out);
}

/// Runs a deciding command (approve, veto, edit, copy, kill, halt, retry, refresh).
pub(super) fn command(state: &mut State, command: Command, out: &mut Out) {
    if state.readonly && command.is_write() {
        return;
    }
    match command {
        Command::Approve => start_approve(state, out),
        Command::Veto => start_veto(state, out),
        Command::EditApprove => start_edit(state, out),
        Command::CopySuggestion => copy(state, out),
        Command::Kill => start_kill(state, out),
        Command::Halt => start_halt(state, out),
        Command::Resume => start_resume(state, out),
        Command::RetryDecisions => retry_all(state, out),
        Command::Refresh => {
            if matches!(state.screen(), Screen::Audit) {
                load_audit(state, out);
            }
        }
        _ => {}
    }
}

/// Why `verdict` cannot be given on `record` now, if it cannot. Every verdict
/// is offered on a pending proposal (as its phase allows); a veto also on an
/// approved one the agent has not executed yet, where it revokes the write
/// credential before the agent uses it.
pub fn refusal(state: &State, record: &ProposalRecord, verdict: Verdict) -> Option<String> {
    let status = ActionProposalStatus {
        state: record.state,
        phase: record.phase,
        ..ActionProposalStatus::default()
    };
    if let Err(error) = check_offered(
        &status,
        crate::app::geometry::focus::governing_phase(state, record),
        verdict,
    ) {
        return Some(error.to_string());
    }
    if verdict == Verdict::Veto && record.awaits_execution() {
        return None;
    }
    let reported = matches!(
        record.state,
        ProposalState::Executed | ProposalState::Failed
    ) || record.execution.is_some();
    if verdict == Verdict::Veto && reported {
        let refused = DecisionError::AlreadyExecuted {
            state: record.state,
        };
        return Some(format!("{}: {refused}", record.key.name));
    }
    if !record.state.is_pending() {
        let by = record
            .decisions
            .last()
            .map(|d| format!(" ({} by {})", d.verdict, d.by))
            .unwrap_or_default();
        return Some(format!(
            "{} is already {}{by}",
            record.key.name, record.state
        ));
    }
    None
}

/// Why approving `record` again is refused before anything is typed: the
/// user already approved the action whose short digest is `digest` (the
/// governor counts one person once per digest).
pub(super) fn already_approved(
    state: &State,
    record: &ProposalRecord,
    digest: &str,
) -> Option<String> {
    let me = state.identity.user.as_deref()?;
    let mine = record.decisions.iter().rev().find(|d| {
        d.verdict == Verdict::Approve
            && !d.by_rule
            && d.by == me
            && d.action_digest.as_deref() == Some(digest)
    })?;
    let still = record.approvals_required.unwrap_or(0);
    let more = match still {
        0 => String::new(),
        1 => "; it needs 1 more approval, from someone else".to_string(),
        n => format!("; it needs {n} more approvals, from others"),
    };
    Some(format!(
        "you already approved {} (sha256:{digest}) at {}{more}",
        record.key.name,
        crate::app::geometry::format::clock(mine.at, &state.time_zone)
    ))
}

/// The proposal to decide on, or a notice saying why there is none.
fn decidable(state: &mut State, verdict: Verdict, out: &mut Out) -> Option<ProposalKey> {
    let Some(key) = crate::app::geometry::focus::proposal_in_focus(state) else {
        let hint = if matches!(state.screen(), Screen::Detail) {
            "focus the proposals pane (tab) and pick a proposal first"
        } else {
            "open a proposal (or :approvals) to decide on it"
        };
        notice(state, hint.to_string(), out);
        return None;
    };
    let Some(record) = state.proposals.get(&key) else {
        notice(
            state,
            format!("proposal {} is no longer in the cluster", key.name),
            out,
        );
        return None;
    };
    if let Some(why) = refusal(state, record, verdict) {
        notice(state, why, out);
        return None;
    }
    if state
        .decisions
        .tracked
        .iter()
        .any(|t| t.request.proposal == key.name && t.request.namespace == key.namespace)
    {
        notice(
            state,
            format!(
                "your decision on {} is not recorded yet: see :approvals (R retries)",
                key.name
            ),
            out,
        );
        return None;
    }
    if state.identity.user.is_none() {
        notice(
            state,
            "who you are is not known yet; try again in a moment".into(),
            out,
        );
        return None;
    }
    Some(key)
}

fn start_approve(state: &mut State, out: &mut Out) {
    let Some(key) = decidable(state, Verdict::Approve, out) else {
        return;
    };
    let Some(record) = state.proposals.get(&key) else {
        return;
    };
    if let Some(why) = already_approved(state, record, &record.action.short_digest) {
        notice(state, why, out);
        return;
    }
    let shown = Shown::of(record);
    open_approve(state, key, shown, None, out);
}

/// Opens the approval confirmation on what `shown` says the operator saw
/// (after an edit, with the edited action and its diff).
pub(super) fn open_approve(
    state: &mut State,
    key: ProposalKey,
    shown: Shown,
    edited: Option<Box<EditedAction>>,
    out: &mut Out,
) {
    state.decisions.modal = Some(Modal::Approve {
        key,
        shown,
        edited,
        scroll: Default::default(),
        typed: None,
        error: None,
    });
    out.redraw();
}

fn start_veto(state: &mut State, out: &mut Out) {
    let Some(key) = decidable(state, Verdict::Veto, out) else {
        return;
    };
    let Some(record) = state.proposals.get(&key) else {
        return;
    };
    let approved = record.awaits_execution();
    let shown = Shown::of(record);
    let mut reason = TextArea::default();
    reason.set_placeholder_text(if approved {
        "why (required; the approval is withdrawn and the agent reads why)"
    } else {
        "why (required; the agent reads it and revises its plan)"
    });
    state.decisions.modal = Some(Modal::Veto {
        key,
        shown,
        scroll: Default::default(),
        reason,
        error: None,
    });
    out.redraw();
}

/// Opens the edit box on the action that runs now (after someone's edit,
/// the edited one), its text sanitized and long lines wrapped.
fn start_edit(state: &mut State, out: &mut Out) {
    let Some(key) = decidable(state, Verdict::Approve, out) else {
        return;
    };
    let Some(record) = state.proposals.get(&key) else {
        return;
    };
    if let Some(problem) = &record.action.problem {
        let text = format!(
            "{} cannot be edited or approved: {problem}; veto it (v) so the agent revises it",
            key.name
        );
        notice(state, text, out);
        return;
    }
    let original = record.effective_action.clone();
    let Some(editable) = crate::decide::edit_text(&original) else {
        let text = format!(
            "a {} has nothing to edit: approve (a) or veto (v) it as proposed",
            original.kind
        );
        notice(state, text, out);
        return;
    };
    let shown = Shown::of(record);
    let mut text = TextArea::new(edit_lines(&editable));
    text.set_wrap_mode(WrapMode::Glyph);
    state.decisions.modal = Some(Modal::Edit {
        key,
        shown,
        original,
        text,
        error: None,
    });
    out.redraw();
}

/// The lines the edit box starts with: a JSON payload pretty-printed (one
/// value per line, whatever whitespace the agent put in), each line
/// sanitized with invisible characters made visible.
fn edit_lines(editable: &str) -> Vec<String> {
    let trimmed = editable.trim_start();
    let pretty = if trimmed.starts_with('{') || trimmed.starts_with('[') {
        serde_json::from_str::<serde_json::Value>(editable)
            .ok()
            .and_then(|value| serde_json::to_string_pretty(&value).ok())
    } else {
        None
    };
    pretty
        .as_deref()
        .unwrap_or(editable)
        .lines()
        .map(|line| crate::sanitize::reveal_invisible(&crate::sanitize::sanitize(line)))
        .collect()
}

fn copy(state: &mut State, out: &mut Out) {
    let Some(key) = crate::app::geometry::focus::proposal_in_focus(state) else {
        notice(state, "open a proposal to copy its suggestion".into(), out);
        return;
    };
    let text = state.proposals.get(&key).and_then(copy_text);
    match text {
        Some(text) => {
            out.push(Effect::Decisions(DecisionEffect::Copy { text }));
            let text = format!(
                "copied the suggestion of {} to the clipboard (OSC 52)",
                key.name
            );
            done(state, text, &[], out);
        }
        None => notice(
            state,
            format!("{} has no patch or command to copy", key.name),
            out,
        ),
    }
}

/// What `c` copies: the patch as it would be applied (a JSON patch
/// pretty-printed), the command as one shell line, else the canonical
/// lines; sanitized. `None` when the action has no payload.
fn copy_text(record: &ProposalRecord) -> Option<String> {
    let canonical = record.change.as_ref()?;
    let action = &record.effective_action;
    Some(
        match (action.kind, action.patch.as_deref(), &action.command) {
            (ActionKind::Patch, Some(patch), _) => edit_lines(patch).join("\n"),
            (ActionKind::Exec, _, Some(command)) => command
                .iter()
                .map(|arg| shell_word(&crate::sanitize::sanitize(arg)))
                .collect::<Vec<_>>()
                .join(" "),
            _ => canonical.text.to_string(),
        },
    )
}

/// `arg` as one shell word: bare when it holds only plain characters,
/// single-quoted otherwise.
fn shell_word(arg: &str) -> String {
    let plain = !arg.is_empty()
        && arg
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "_./=:,@%+-".contains(c));
    if plain {
        arg.to_string()
    } else {
        format!("'{}'", arg.replace('\'', "'\\''"))
    }
}

/// The investigation the kill and halt keys act on: (Job namespace, Job, id, target namespace).
fn investigation_in_focus(state: &State) -> Option<(String, String, String, String)> {
    let row = match state.screen() {
        Screen::Investigations => state.table.selected_row(),
        Screen::Detail => state
            .detail
            .as_ref()
            .and_then(|d| state.table.get(&d.investigation)),
        _ => None,
    }?;
    let inv = &row.record.investigation;
    Some((
        inv.namespace.clone(),
        inv.job_name.clone(),
        inv.id.clone(),
        inv.target_namespace.clone(),
    ))
}

fn start_kill(state: &mut State, out: &mut Out) {
    let Some((namespace, job, investigation, _)) = investigation_in_focus(state) else {
        notice(state, "select an investigation to kill".into(), out);
        return;
    };
    let mut typed = TextArea::default();
    typed.set_placeholder_text(investigation.clone());
    state.decisions.modal = Some(Modal::Kill {
        namespace,
        job,
        investigation,
        typed,
        error: None,
    });
    out.redraw();
}

fn start_halt(state: &mut State, out: &mut Out) {
    let Some((_, _, _, namespace)) = investigation_in_focus(state) else {
        notice(
            state,
            "select an investigation whose namespace to halt".into(),
            out,
        );
        return;
    };
    state.decisions.modal = Some(Modal::Halt {
        namespace,
        reason: None,
    });
    out.redraw();
}

/// The resume key: the selected namespace in `:policies`, else the target
/// namespace of the investigation in focus. Asks `y` for its Jobs first.
fn start_resume(state: &mut State, out: &mut Out) {
    let namespace = match state.screen() {
        Screen::Policies => state.policy_view.selected().map(|r| r.namespace.clone()),
        _ => investigation_in_focus(state).map(|(_, _, _, target)| target),
    };
    let Some(namespace) = namespace else {
        notice(state, "select a namespace to resume".into(), out);
        return;
    };
    let halted_from = state.policies.get(&namespace).and_then(|p| p.halted_from);
    state.decisions.modal = Some(Modal::Resume {
        namespace,
        halted_from,
        phase_step: false,
    });
    out.redraw();
}

/// Sends a resume.
pub(super) fn send_resume(
    state: &mut State,
    namespace: String,
    restore_phase: bool,
    out: &mut Out,
) {
    let doing = format!("resuming {namespace}");
    send_stop(state, doing, out, |id, identity| DecisionEffect::Resume {
        id,
        identity,
        namespace,
        restore_phase,
    });
}

/// Who decides, as the decision records it.
fn identity(state: &State) -> Option<Identity> {
    let user = state.identity.user.clone()?;
    Some(Identity {
        user,
        groups: Vec::new(),
        verified: state.identity.verified,
    })
}

/// Sends a decision, bound to what the dialog showed (`shown`: the
/// proposal's uid and the digest of the action that would run, for an edit
/// the action the edit started from): it stays visibly tracked until the
/// cluster recorded it.
pub(super) fn send(
    state: &mut State,
    key: &ProposalKey,
    verdict: Verdict,
    reason: Option<String>,
    edited_action: Option<ProposedAction>,
    shown: &Shown,
    out: &mut Out,
) {
    let Some(identity) = identity(state) else {
        return;
    };
    let request = PendingDecision {
        identity,
        namespace: key.namespace.clone(),
        proposal: key.name.clone(),
        verdict,
        reason,
        edited_action,
        proposal_uid: shown.uid.clone(),
        shown_digest: Some(shown.digest.clone()),
        context: state.context.clone(),
        first_tried_at: state.now,
    };
    let id = state.decisions.take_id();
    state.decisions.tracked.push(TrackedDecision {
        id,
        request: request.clone(),
        delivery: Delivery::Sending,
    });
    out.push(Effect::Decisions(DecisionEffect::Decide {
        id,
        request: Box::new(request),
        retry: false,
        after: None,
    }));
    out.redraw();
}

/// Sends a kill.
pub(super) fn send_kill(
    state: &mut State,
    namespace: String,
    job: String,
    id_text: &str,
    out: &mut Out,
) {
    let doing = format!("killing {id_text}");
    send_stop(state, doing, out, |id, identity| DecisionEffect::Kill {
        id,
        identity,
        namespace,
        job,
    });
}

/// Sends a halt.
pub(super) fn send_halt(
    state: &mut State,
    namespace: String,
    reason: Option<String>,
    out: &mut Out,
) {
    let doing = format!("halting {namespace}");
    send_stop(state, doing, out, |id, identity| DecisionEffect::Halt {
        id,
        identity,
        namespace,
        reason,
    });
}

/// Sends a kill or halt made by `effect`, listed as `doing` until it answers.
fn send_stop(
    state: &mut State,
    doing: String,
    out: &mut Out,
    effect: impl FnOnce(u64, Identity) -> DecisionEffect,
) {
    let Some(identity) = identity(state) else {
        return;
    };
    let id = state.decisions.take_id();
    state.decisions.busy.push((id, doing));
    out.push(Effect::Decisions(effect(id, identity)));
    out.redraw();
}

fn retry_all(state: &mut State, out: &mut Out) {
    let mut retried = 0;
    for tracked in state.decisions.tracked.iter_mut() {
        if matches!(tracked.delivery, Delivery::Failed { .. }) {
            tracked.delivery = Delivery::Sending;
            out.push(Effect::Decisions(DecisionEffect::Decide {
                id: tracked.id,
                request: Box::new(tracked.request.clone()),
                retry: true,
                after: None,
            }));
            retried += 1;
        }
    }
    if retried == 0 {
        notice(state, "no unrecorded decision to retry".into(), out);
    } else {
        out.redraw();
    }
}

/// `:discard`: forgets the unrecorded decisions that failed for good
/// (refused, not retried by themselves), saying which. Decisions still being
/// sent or retried by themselves (the cluster was unreachable) stay: their
/// retry could still record them.
pub(super) fn discard_failed(state: &mut State, out: &mut Out) {
    let (gone, kept): (Vec<TrackedDecision>, Vec<TrackedDecision>) =
        state.decisions.tracked.drain(..).partition(|t| {
            matches!(
                t.delivery,
                Delivery::Failed {
                    auto_retry: false,
                    ..
                }
            )
        });
    state.decisions.tracked = kept;
    let staying = state.decisions.tracked.len();
    let still = if staying > 0 {
        format!(" ({staying} still being sent or retried by themselves stay)")
    } else {
        String::new()
    };
    if gone.is_empty() {
        notice(state, format!("no refused decision to discard{still}"), out);
        return;
    }
    let what: Vec<String> = gone.iter().map(|t| t.request.describe()).collect();
    let text = format!("discarded, never recorded: {}{still}", what.join("; "));
    notice(state, text, out);
}

/// Applies what came back from a decision task.
pub(super) fn event(state: &mut State, event: DecisionEvent, out: &mut Out) {
    match event {
        DecisionEvent::Decided { id, result } => decided(state, id, result, out),
        DecisionEvent::Killed { id, result } => {
            state.decisions.busy.retain(|(b, _)| *b != id);
            match result {
                Ok(outcome) => {
                    let mut text = format!(
                        "killed investigation {}: Job {}",
                        outcome.investigation,
                        if outcome.job_deleted {
                            "deleted"
                        } else {
                            "already gone"
                        }
                    );
                    if !outcome.expired.is_empty() {
                        text.push_str(&format!("; expired {}", outcome.expired.join(", ")));
                    }
                    with_warnings(&mut text, &outcome.warnings);
                    done(state, text, &outcome.warnings, out);
                }
                Err(e) => error(state, e.to_string(), out),
            }
        }
        DecisionEvent::Halted { id, result } => {
            state.decisions.busy.retain(|(b, _)| *b != id);
            match result {
                Ok(outcome) => {
                    let mut text = format!(
                        "halted {}: {} -> Shadow; {} Jobs suspended, {} proposals expired",
                        outcome.namespace,
                        outcome.previous_phase,
                        outcome.suspended.len(),
                        outcome.expired.len()
                    );
                    with_warnings(&mut text, &outcome.warnings);
                    done(state, text, &outcome.warnings, out);
                }
                Err(e) => error(state, e.to_string(), out),
            }
        }
        DecisionEvent::Resumed { id, result } => {
            state.decisions.busy.retain(|(b, _)| *b != id);
            match result {
                Ok(outcome) => {
                    let mut text = format!(
                        "resumed {}: {} Jobs un-suspended",
                        outcome.namespace,
                        outcome.resumed.len()
                    );
                    match (outcome.restored, &outcome.not_restored) {
                        (Some(phase), _) => text.push_str(&format!("; phase Shadow -> {phase}")),
                        (None, Some(why)) => text.push_str(&format!("; {why}")),
                        (None, None) => text.push_str("; phase left in Shadow"),
                    }
                    with_warnings(&mut text, &outcome.warnings);
                    done(state, text, &outcome.warnings, out);
                }
                Err(e) => error(state, e.to_string(), out),
            }
        }
        DecisionEvent::QueueChanged { id, result } => super::queue::done(state, id, result, out),
        DecisionEvent::AuditLoaded(result) => {
            let audit = &mut state.decisions.audit;
            audit.loading = false;
            match result {
                Ok(mut records) => {
                    records.reverse();
                    audit.records = records;
                    audit.error = None;
                    audit.refilter();
                }
                Err(e) => audit.error = Some(e),
            }
            out.redraw();
        }
        DecisionEvent::Presence(present) => {
            out.redraw_if(state.decisions.presence != present);
            state.decisions.presence = present;
        }
        DecisionEvent::GovernorLeader(view) => {
            let view = Some(view);
            out.redraw_if(state.decisions.governor_leader != view);
            state.decisions.governor_leader = view;
        }
        DecisionEvent::MayDecide(may) => {
            out.redraw_if(state.decisions.may_decide != may);
            state.decisions.may_decide = may;
        }
    }
}

fn with_warnings(text: &mut String, warnings: &[String]) {
    if !warnings.is_empty() {
        text.push_str(&format!(" (but: {})", warnings.join("; ")));
    }
}

fn decided(
    state: &mut State,
    id: u64,
    result: Result<Box<crate::decide::DecisionOutcome>, crate::decide::DecideError>,
    out: &mut Out,
) {
    out.redraw();
    match result {
        Ok(outcome) => {
            state.decisions.tracked.retain(|t| t.id != id);
            let mut text = outcome.message();
            if outcome.decision.edited {
                text.push_str(" (edited)");
            }
            with_warnings(&mut text, &outcome.warnings);
            done(state, text, &outcome.warnings, out);
        }
        Err(failure) if failure.pending().is_some() => {
            let message = failure.to_string();
            let auto_retry = failure.is_retryable();
            let mut request = None;
            if let Some(tracked) = state.decisions.tracked.iter_mut().find(|t| t.id == id) {
                tracked.delivery = Delivery::Failed {
                    message: message.clone(),
                    auto_retry,
                };
                request = Some(tracked.request.clone());
            }
            if auto_retry && let Some(request) = request {
                out.push(Effect::Decisions(DecisionEffect::Decide {
                    id,
                    request: Box::new(request),
                    retry: true,
                    after: Some(AUTO_RETRY_AFTER),
                }));
            }
            error(state, format!("{message} (R retries)"), out);
        }
        Err(failure) => {
            state.decisions.tracked.retain(|t| t.id != id);
            error(state, failure.to_string(), out);
        }
    }
}

/// Opens the approvals inbox.
pub(super) fn open_approvals(state: &mut State, out: &mut Out) {
    stream::close(state, out);
    state.screens.truncate(1);
    state.screens.push(Screen::Approvals);
    refresh_inbox(state);
    out.redraw();
}

/// Opens the audit view and reads the trail from the cluster.
pub(super) fn open_audit(state: &mut State, out: &mut Out) {
    stream::close(state, out);
    state.screens.truncate(1);
    state.screens.push(Screen::Audit);
    load_audit(state, out);
}

fn load_audit(state: &mut State, out: &mut Out) {
    state.decisions.audit.loading = true;
    out.push(Effect::Decisions(DecisionEffect::LoadAudit {
        namespace: state.namespace.clone(),
    }));
    out.redraw();
}

/// `/` on the audit view: type a filter.
pub(super) fn open_audit_filter(state: &mut State, out: &mut Out) {
    state.decisions.modal = Some(Modal::AuditFilter);
    out.redraw();
}

/// Moving and opening in the inbox and the audit view.
pub(super) fn screen_command(state: &mut State, command: Command, out: &mut Out) {
    let page = usize::from(
        crate::app::geometry::layout::body(state)
            .height
            .saturating_sub(3),
    )
    .max(1);
    let on_audit = matches!(state.screen(), Screen::Audit);
    let (cursor, len) = if on_audit {
        let audit = &state.decisions.audit;
        (audit.cursor, audit.visible.len())
    } else {
        (state.decisions.inbox_cursor, state.decisions.inbox.len())
    };
    let last = len.saturating_sub(1);
    let next = match command {
        Command::Up => cursor.saturating_sub(1),
        Command::Down => cursor + 1,
        Command::HalfPageUp => cursor.saturating_sub((page / 2).max(1)),
        Command::HalfPageDown => cursor + (page / 2).max(1),
        Command::PageUp => cursor.saturating_sub(page),
        Command::PageDown => cursor + page,
        Command::Top => 0,
        Command::Bottom => last,
        Command::Open if !on_audit => {
            if let Some(key) = state.decisions.inbox.get(cursor).cloned() {
                stream::open_proposal(state, key, out);
            }
            return;
        }
        _ => return,
    }
    .min(last);
    out.redraw_if(next != cursor);
    if on_audit {
        state.decisions.audit.cursor = next;
    } else {
        state.decisions.inbox_cursor = next;
    }
}

/// Recomputes the inbox: pending proposals, soonest expiry first, then highest
/// risk; after them the approved proposals whose agent has not executed yet
/// (still vetoable), newest first. Below it: what rules approved that has
/// since run or been stopped.
pub fn refresh_inbox(state: &mut State) {
    let mut pending: Vec<&ProposalRecord> = state
        .proposals
        .all_records()
        .filter(|p| p.state.is_pending())
        .collect();
    pending.sort_by(|a, b| {
        let expiry = |r: &ProposalRecord| (r.expires_at.is_none(), r.expires_at);
        expiry(a)
            .cmp(&expiry(b))
            .then(b.risk.cmp(&a.risk))
            .then(a.key.cmp(&b.key))
    });
    let newest_first = |a: &&ProposalRecord, b: &&ProposalRecord| {
        b.created.cmp(&a.created).then(a.key.cmp(&b.key))
    };
    let mut approved: Vec<&ProposalRecord> = state
        .proposals
        .all_records()
        .filter(|p| p.awaits_execution())
        .collect();
    approved.sort_by(newest_first);
    let inbox: Vec<ProposalKey> = pending
        .into_iter()
        .chain(approved)
        .map(|r| r.key.clone())
        .collect();
    // The cursor stays on the proposal it was on while the list re-sorts.
    let selected = state
        .decisions
        .inbox
        .get(state.decisions.inbox_cursor)
        .cloned();
    let cursor = selected
        .and_then(|key| inbox.iter().position(|k| *k == key))
        .unwrap_or(state.decisions.inbox_cursor);
    state.decisions.inbox_cursor = cursor.min(inbox.len().saturating_sub(1));
    state.decisions.inbox = inbox;
    let mut by_rule: Vec<&ProposalRecord> = state
        .proposals
        .all_records()
        .filter(|p| {
            !p.awaits_execution()
                && p.decisions
                    .iter()
                    .any(|d| d.by_rule && d.verdict == Verdict::Approve)
        })
        .collect();
    by_rule.sort_by(newest_first);
    state.decisions.auto_approved = by_rule
        .into_iter()
        .take(10)
        .map(|r| r.key.clone())
        .collect();
}

/// What the console shows, for the presence Lease.
fn viewing_of(state: &State) -> Option<String> {
    if let Some(Modal::Approve { key, .. } | Modal::Veto { key, .. } | Modal::Edit { key, .. }) =
        &state.decisions.modal
    {
        return Some(viewing_proposal(&key.namespace, &key.name));
    }
    match state.screen() {
        Screen::Proposal { key, .. } => Some(viewing_proposal(&key.namespace, &key.name)),
        Screen::Detail => state
            .detail
            .as_ref()
            .map(|d| viewing_investigation(&d.namespace, &d.investigation)),
        _ => None,
    }
}

/// After every action: keep the open dialog, presence, the RBAC check and
/// the inbox in step with the state.
pub(super) fn sync(state: &mut State, out: &mut Out) {
    decision_modal::sync(state, out);
    if let Some(identity) = identity(state) {
        let wanted = Some(format!("{}@{}", identity.user, state.context));
        if state.decisions.presence_user != wanted {
            state.decisions.presence_user = wanted;
            state.decisions.viewing = viewing_of(state);
            out.push(Effect::Decisions(DecisionEffect::StartPresence {
                identity,
                viewing: state.decisions.viewing.clone(),
                // A read-only console writes nothing, not even its Lease.
                publish: !state.readonly,
            }));
            out.push(Effect::Decisions(DecisionEffect::CheckMayDecide {
                namespace: state.namespace.clone(),
            }));
        }
    }
    let viewing = viewing_of(state);
    if viewing != state.decisions.viewing {
        state.decisions.viewing = viewing.clone();
        if state.decisions.presence_user.is_some() {
            out.push(Effect::Decisions(DecisionEffect::SetViewing(viewing)));
        }
    }
    if matches!(state.screen(), Screen::Approvals) {
        refresh_inbox(state);
    }
}
