//! Keys while a decision dialog is open: nothing else sees them. No single
//! stray key approves: `y` confirms (once all of the change has been on
//! screen, and only when the dialog is large enough to show it), the scroll
//! keys scroll, any other key cancels, and high risk needs the proposal's
//! name typed as well. A dialog whose proposal changes underneath it closes
//! (or, for a veto, updates) saying what changed.

use super::Out;
use super::deciding::{already_approved, open_approve, refusal, send, send_kill, send_resume};
use crate::app::geometry::dialog::DialogGeometry;
use crate::app::state::{DialogScroll, EditedAction, Modal, NoticeLevel, Shown, State};
use crate::domain::{CanonicalAction, ProposedAction, Verdict};
use crate::model::records::ProposalKey;
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui_textarea::TextArea;

/// The text of a textarea, lines joined, trimmed.
pub fn typed_text(area: &TextArea<'_>) -> String {
    area.lines().join("\n").trim().to_string()
}

fn is_plain(event: &KeyEvent, c: char) -> bool {
    event.code == KeyCode::Char(c)
        && !event
            .modifiers
            .intersects(KeyModifiers::CONTROL | KeyModifiers::ALT)
}

/// How the open dialog's scrolling part moves for `event`, in rows (a page
/// is the rows on screen), when `event` scrolls it. `letters`: j, k and
/// space scroll too (dialogs without a text field).
fn scroll_delta(event: &KeyEvent, letters: bool, page: usize) -> Option<isize> {
    let page = isize::try_from(page.max(1)).unwrap_or(isize::MAX);
    let ctrl = event
        .modifiers
        .intersects(KeyModifiers::CONTROL | KeyModifiers::ALT);
    match event.code {
        KeyCode::Down => Some(1),
        KeyCode::Up => Some(-1),
        KeyCode::PageDown => Some(page),
        KeyCode::PageUp => Some(-page),
        KeyCode::Char('j') if letters && !ctrl => Some(1),
        KeyCode::Char('k') if letters && !ctrl => Some(-1),
        KeyCode::Char(' ') if letters && !ctrl => Some(page),
        _ => None,
    }
}

/// Scrolls the open dialog by `delta` rows.
fn scroll_dialog(state: &mut State, geometry: &DialogGeometry, delta: isize) {
    if let Some(Modal::Approve { scroll, .. } | Modal::Veto { scroll, .. }) =
        state.decisions.modal.as_mut()
    {
        scroll.scroll_by(
            delta,
            geometry.inner_width,
            geometry.body_rows,
            geometry.view_rows,
        );
    }
}

/// Why `y` does not approve in the open approval dialog now, if it does not.
fn not_confirmable(
    state: &State,
    key: &ProposalKey,
    edited: Option<&EditedAction>,
    scroll: &DialogScroll,
    geometry: Option<&DialogGeometry>,
) -> Option<String> {
    let record = state.proposals.get(key)?;
    let problem = match edited {
        Some(edit) => edit.canonical.problem.clone(),
        None => record.action.problem.clone(),
    };
    if let Some(problem) = problem {
        return Some(format!(
            "this action cannot be approved: {problem}; close this and veto it (v) so the agent revises it"
        ));
    }
    let Some(geometry) = geometry.filter(|g| !g.too_small) else {
        return Some("the terminal is too small to show what you approve: make it larger".into());
    };
    let unseen = crate::app::geometry::dialog::unseen_rows(scroll, geometry);
    if unseen > 0 {
        return Some(format!(
            "not yet: {unseen} rows of the change have never been on screen; scroll to the end first"
        ));
    }
    None
}

/// Handles one key while a dialog is open.
pub(super) fn key(state: &mut State, event: KeyEvent, out: &mut Out) {
    let geometry = crate::app::geometry::dialog::geometry(state);
    let Some(modal) = state.decisions.modal.take() else {
        return;
    };
    out.redraw();
    let ctrl = event.modifiers.contains(KeyModifiers::CONTROL);
    let cancel = event.code == KeyCode::Esc || (ctrl && event.code == KeyCode::Char('c'));
    let too_small = geometry.is_some_and(|g| g.too_small);
    let page = geometry.map_or(1, |g| g.view_rows);
    match modal {
        Modal::Approve {
            key,
            shown,
            edited,
            scroll,
            typed: None,
            error,
        } => {
            if let (Some(delta), Some(geometry)) = (scroll_delta(&event, true, page), geometry) {
                // What the last y was refused for is said again, if still so.
                state.decisions.modal = Some(Modal::Approve {
                    key,
                    shown,
                    edited,
                    scroll,
                    typed: None,
                    error: None,
                });
                scroll_dialog(state, &geometry, delta);
                return;
            }
            if !is_plain(&event, 'y') {
                return;
            }
            if too_small {
                // The dialog already says y is not offered, and why.
                state.decisions.modal = Some(Modal::Approve {
                    key,
                    shown,
                    edited,
                    scroll,
                    typed: None,
                    error,
                });
                return;
            }
            let Some(record) = state.proposals.get(&key) else {
                let text = format!("{} is no longer in the cluster; nothing was sent", key.name);
                super::notice::notice(state, NoticeLevel::Warning, text, out);
                return;
            };
            let risk = record.risk;
            if let Some(why) =
                not_confirmable(state, &key, edited.as_deref(), &scroll, geometry.as_ref())
            {
                state.decisions.modal = Some(Modal::Approve {
                    key,
                    shown,
                    edited,
                    scroll,
                    typed: None,
                    error: Some(why),
                });
                return;
            }
            if risk.needs_second_confirmation() {
                let mut typed = TextArea::default();
                typed.set_placeholder_text(key.name.clone());
                state.decisions.modal = Some(Modal::Approve {
                    key,
                    shown,
                    edited,
                    scroll,
                    typed: Some(typed),
                    error: None,
                });
            } else {
                let action = edited.map(|edit| edit.action);
                send(state, &key, Verdict::Approve, None, action, &shown, out);
            }
        }
        Modal::Approve {
            key,
            shown,
            edited,
            scroll,
            typed: Some(mut typed),
            error,
        } => {
            if cancel {
                return;
            }
            if too_small {
                // The dialog says enter is not offered, and why; nothing is
                // typed into a field that is not on screen.
                state.decisions.modal = Some(Modal::Approve {
                    key,
                    shown,
                    edited,
                    scroll,
                    typed: Some(typed),
                    error,
                });
                return;
            }
            if let (Some(delta), Some(geometry)) = (scroll_delta(&event, false, page), geometry) {
                state.decisions.modal = Some(Modal::Approve {
                    key,
                    shown,
                    edited,
                    scroll,
                    typed: Some(typed),
                    error,
                });
                scroll_dialog(state, &geometry, delta);
                return;
            }
            if event.code == KeyCode::Enter {
                let refused = (typed_text(&typed) != key.name)
                    .then(|| format!("type {} exactly to approve (esc cancels)", key.name));
                match refused {
                    None => {
                        let action = edited.map(|edit| edit.action);
                        send(state, &key, Verdict::Approve, None, action, &shown, out);
                    }
                    Some(why) => {
                        state.decisions.modal = Some(Modal::Approve {
                            key,
                            shown,
                            edited,
                            scroll,
                            typed: Some(typed),
                            error: Some(why),
                        });
                    }
                }
                return;
            }
            typed.input(event);
            state.decisions.modal = Some(Modal::Approve {
                key,
                shown,
                edited,
                scroll,
                typed: Some(typed),
                error,
            });
        }
        Modal::Veto {
            key,
            shown,
            scroll,
            mut reason,
            error,
        } => {
            if cancel {
                return;
            }
            if too_small {
                // Nothing is typed into, or sent from, a field not on screen.
                state.decisions.modal = Some(Modal::Veto {
                    key,
                    shown,
                    scroll,
                    reason,
                    error,
                });
                return;
            }
            if let (Some(delta), Some(geometry)) = (
                scroll_delta(&event, false, page)
                    .filter(|_| matches!(event.code, KeyCode::PageUp | KeyCode::PageDown)),
                geometry,
            ) {
                state.decisions.modal = Some(Modal::Veto {
                    key,
                    shown,
                    scroll,
                    reason,
                    error,
                });
                scroll_dialog(state, &geometry, delta);
                return;
            }
            if event.code == KeyCode::Enter {
                let text = typed_text(&reason);
                if text.is_empty() {
                    state.decisions.modal = Some(Modal::Veto {
                        key,
                        shown,
                        scroll,
                        reason,
                        error: Some(
                            "a veto needs a reason: the agent reads it to revise its plan".into(),
                        ),
                    });
                } else {
                    send(state, &key, Verdict::Veto, Some(text), None, &shown, out);
                }
                return;
            }
            reason.input(event);
            // A new attempt: the old refusal no longer applies.
            state.decisions.modal = Some(Modal::Veto {
                key,
                shown,
                scroll,
                reason,
                error: None,
            });
        }
        Modal::Edit {
            key,
            shown,
            original,
            mut text,
            error,
        } => {
            if cancel {
                return;
            }
            if too_small {
                // Nothing is typed into, or checked from, a box not on screen.
                state.decisions.modal = Some(Modal::Edit {
                    key,
                    shown,
                    original,
                    text,
                    error,
                });
                return;
            }
            if ctrl && event.code == KeyCode::Char('s') {
                let edited_text = text.lines().join("\n");
                let refused = match crate::decide::validate_edit(&original, &edited_text) {
                    Ok(edited) => {
                        let edit = edited_action(&original, edited);
                        match state.proposals.get(&key).and_then(|record| {
                            already_approved(state, record, edit.canonical.short_digest())
                        }) {
                            Some(why) => why,
                            None => {
                                open_approve(state, key, shown, Some(Box::new(edit)), out);
                                return;
                            }
                        }
                    }
                    Err(refused) => refused.to_string(),
                };
                state.decisions.modal = Some(Modal::Edit {
                    key,
                    shown,
                    original,
                    text,
                    error: Some(refused),
                });
                return;
            }
            text.input(event);
            state.decisions.modal = Some(Modal::Edit {
                key,
                shown,
                original,
                text,
                error,
            });
        }
        Modal::Kill {
            namespace,
            job,
            investigation,
            mut typed,
            error,
        } => {
            if cancel {
                return;
            }
            if event.code == KeyCode::Enter && !too_small {
                if typed_text(&typed) == investigation {
                    send_kill(state, namespace, job, &investigation, out);
                } else {
                    let error = Some(format!(
                        "type {investigation} exactly to kill it (esc cancels)"
                    ));
                    state.decisions.modal = Some(Modal::Kill {
                        namespace,
                        job,
                        investigation,
                        typed,
                        error,
                    });
                }
                return;
            }
            if !too_small && event.code != KeyCode::Enter {
                typed.input(event);
            }
            state.decisions.modal = Some(Modal::Kill {
                namespace,
                job,
                investigation,
                typed,
                error,
            });
        }
        modal @ Modal::Halt { .. } => {
            super::halt_dialog::key(state, modal, event, cancel, too_small, out);
        }
        Modal::Resume {
            namespace,
            halted_from,
            phase_step,
        } => {
            let yes = is_plain(&event, 'y');
            match (phase_step, halted_from) {
                // First `y`: the Jobs; a known phase is asked about next.
                (false, Some(phase)) if yes => {
                    state.decisions.modal = Some(Modal::Resume {
                        namespace,
                        halted_from: Some(phase),
                        phase_step: true,
                    });
                }
                (false, None) if yes => send_resume(state, namespace, false, out),
                // Second step: `y` also restores the phase, `n` resumes the Jobs only.
                (true, _) if yes => send_resume(state, namespace, true, out),
                (true, _) if is_plain(&event, 'n') => send_resume(state, namespace, false, out),
                _ => {}
            }
        }
        Modal::AuditFilter => audit_filter_key(state, event, out),
        Modal::Queue(dialog) => super::queue::key(state, dialog, event, cancel, too_small, out),
    }
}

/// The checked edit of `original`, with its canonical form and the diff of
/// the canonical lines.
fn edited_action(original: &ProposedAction, edited: ProposedAction) -> EditedAction {
    let before = CanonicalAction::of(original);
    let canonical = CanonicalAction::of(&edited);
    let diff = if before.lines == canonical.lines {
        vec!["no change".to_string()]
    } else {
        let old = before.lines.join("\n") + "\n";
        let new = canonical.lines.join("\n") + "\n";
        similar::TextDiff::from_lines(&old, &new)
            .unified_diff()
            .context_radius(2)
            .header("runs now", "edited")
            .to_string()
            .lines()
            .map(|l| crate::sanitize::sanitize(l).into_owned())
            .collect()
    };
    EditedAction {
        action: edited,
        canonical,
        diff,
    }
}

/// What a stale dialog does: close saying why, or stay saying what changed.
enum Stale {
    Close(String),
    Update(String),
}

/// Whether the open dialog's proposal changed underneath it so that what it
/// shows no longer holds.
fn stale(state: &State) -> Option<Stale> {
    let (key, shown, verdict, what) = match state.decisions.modal.as_ref()? {
        Modal::Approve {
            key, shown, edited, ..
        } => (
            key,
            shown,
            Verdict::Approve,
            if edited.is_some() {
                "approval of your edit"
            } else {
                "approval"
            },
        ),
        Modal::Veto { key, shown, .. } => (key, shown, Verdict::Veto, "veto"),
        Modal::Edit { key, shown, .. } => (key, shown, Verdict::Approve, "edit"),
        _ => return None,
    };
    let name = &key.name;
    let Some(record) = state.proposals.get(key) else {
        return Some(Stale::Close(format!(
            "{name} was deleted while your {what} was open; nothing was sent"
        )));
    };
    if record.uid != shown.uid {
        return Some(Stale::Close(format!(
            "{name} was replaced by a new proposal of the same name while your {what} was open; nothing was sent: look at the new one"
        )));
    }
    if let Some(why) = refusal(state, record, verdict) {
        return Some(Stale::Close(format!(
            "closed your {what}, nothing was sent: {why}"
        )));
    }
    if record.state.is_pending()
        && let Some(expired) = record.expires_at.filter(|at| *at <= state.now)
    {
        return Some(Stale::Close(format!(
            "{name} expired at {} while your {what} was open (timeout means deny); nothing was sent",
            crate::app::geometry::format::clock(expired, &state.time_zone)
        )));
    }
    if record.action.digest != shown.digest {
        let by = record
            .action
            .edit
            .as_ref()
            .map(|e| format!(" by {}'s edit", e.by))
            .unwrap_or_default();
        let change = format!(
            "the action of {name} changed{by} while your {what} was open (you saw sha256:{}, now sha256:{} would run)",
            crate::domain::canonical::short_digest(&shown.digest),
            record.action.short_digest
        );
        return Some(if verdict == Verdict::Veto {
            Stale::Update(format!("{change}: the veto shows it now"))
        } else {
            Stale::Close(format!("{change}; nothing was sent: look again"))
        });
    }
    let mine = matches!(
        state.decisions.modal,
        Some(Modal::Approve { edited: None, .. })
    );
    if mine && let Some(why) = already_approved(state, record, &record.action.short_digest) {
        return Some(Stale::Close(format!("closed your approval: {why}")));
    }
    None
}

/// After every action: close (or update) the open dialog when its proposal
/// changed underneath it, saying what changed; then count the rows of its
/// change now on screen.
pub(super) fn sync(state: &mut State, out: &mut Out) {
    match stale(state) {
        Some(Stale::Close(why)) => {
            state.decisions.modal = None;
            super::notice::notice(state, NoticeLevel::Warning, why, out);
        }
        Some(Stale::Update(what)) => {
            if let Some(Modal::Veto {
                key, shown, scroll, ..
            }) = state.decisions.modal.as_mut()
                && let Some(record) = state.proposals.get(key)
            {
                *shown = Shown::of(record);
                *scroll = DialogScroll::default();
            }
            super::notice::notice(state, NoticeLevel::Warning, what, out);
        }
        None => {}
    }
    let Some(geometry) = crate::app::geometry::dialog::geometry(state) else {
        return;
    };
    if let Some(Modal::Approve { scroll, .. } | Modal::Veto { scroll, .. }) =
        state.decisions.modal.as_mut()
    {
        let before = *scroll;
        scroll.observe(geometry.inner_width, geometry.body_rows, geometry.view_rows);
        out.redraw_if(before != *scroll);
    }
}

fn audit_filter_key(state: &mut State, event: KeyEvent, out: &mut Out) {
    let ctrl = event.modifiers.contains(KeyModifiers::CONTROL);
    let audit = &mut state.decisions.audit;
    match event.code {
        KeyCode::Esc => {
            audit.filter.clear();
            audit.refilter();
        }
        KeyCode::Enter => {}
        KeyCode::Backspace => {
            audit.filter.pop();
            audit.refilter();
            state.decisions.modal = Some(Modal::AuditFilter);
        }
        KeyCode::Char(c) if !ctrl => {
            audit.filter.push(c);
            audit.refilter();
            state.decisions.modal = Some(Modal::AuditFilter);
        }
        _ => state.decisions.modal = Some(Modal::AuditFilter),
    }
    out.redraw();
}

/// Pasted text goes into the open dialog's text field.
pub(super) fn paste(state: &mut State, text: &str, out: &mut Out) {
    if crate::app::geometry::dialog::geometry(state).is_some_and(|g| g.too_small) {
        // Nothing goes into a field that is not on screen.
        return;
    }
    // The edited patch keeps the pasted lines; one-line fields get one line.
    let multiline = matches!(state.decisions.modal, Some(Modal::Edit { .. }));
    let clean = if multiline {
        text.lines()
            .map(|line| crate::sanitize::sanitize(line).into_owned())
            .collect::<Vec<_>>()
            .join("\n")
    } else {
        crate::sanitize::sanitize(text).into_owned()
    };
    let area = match state.decisions.modal.as_mut() {
        Some(Modal::Veto { reason, .. }) => Some(reason),
        Some(Modal::Edit { text, .. }) => Some(text),
        Some(Modal::Kill { typed, .. }) => Some(typed),
        Some(Modal::Queue(dialog)) => Some(&mut dialog.reason),
        Some(Modal::Approve {
            typed: Some(typed), ..
        }) => Some(typed),
        Some(Modal::Halt {
            reason: Some(reason),
            ..
        }) => Some(reason),
        Some(Modal::Halt {
            reason: None,
            typed,
            ..
        }) => Some(&mut **typed),
        _ => None,
    };
    if let Some(area) = area {
        area.insert_str(clean);
        out.redraw();
    }
}
