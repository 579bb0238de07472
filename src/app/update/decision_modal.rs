//! Keys while a decision dialog is open: nothing else sees them. No single
//! stray key approves: `y` confirms, any other key cancels, and high risk
//! needs the proposal's name typed as well.

use super::Out;
use super::decisions::{open_approve, send, send_halt, send_kill};
use crate::app::state::{Modal, State};
use crate::domain::Verdict;
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

/// Handles one key while a dialog is open.
pub(super) fn key(state: &mut State, event: KeyEvent, out: &mut Out) {
    let Some(modal) = state.decisions.modal.take() else {
        return;
    };
    out.redraw();
    let ctrl = event.modifiers.contains(KeyModifiers::CONTROL);
    let cancel = event.code == KeyCode::Esc || (ctrl && event.code == KeyCode::Char('c'));
    match modal {
        Modal::Approve {
            key,
            edited,
            typed: None,
            ..
        } => {
            if !is_plain(&event, 'y') {
                return;
            }
            let risk = state.proposals.get(&key).map(|r| r.risk);
            if risk.is_some_and(|r| r.needs_second_confirmation()) {
                let mut typed = TextArea::default();
                typed.set_placeholder_text(key.name.clone());
                state.decisions.modal = Some(Modal::Approve {
                    key,
                    edited,
                    typed: Some(typed),
                    error: None,
                });
            } else {
                let action = edited.map(|(action, _)| action);
                send(state, &key, Verdict::Approve, None, action, out);
            }
        }
        Modal::Approve {
            key,
            edited,
            typed: Some(mut typed),
            error,
        } => {
            if cancel {
                return;
            }
            if event.code == KeyCode::Enter {
                if typed_text(&typed) == key.name {
                    let action = edited.map(|(action, _)| action);
                    send(state, &key, Verdict::Approve, None, action, out);
                } else {
                    let error = Some(format!(
                        "type {} exactly to approve (esc cancels)",
                        key.name
                    ));
                    state.decisions.modal = Some(Modal::Approve {
                        key,
                        edited,
                        typed: Some(typed),
                        error,
                    });
                }
                return;
            }
            typed.input(event);
            state.decisions.modal = Some(Modal::Approve {
                key,
                edited,
                typed: Some(typed),
                error,
            });
        }
        Modal::Veto {
            key, mut reason, ..
        } => {
            if cancel {
                return;
            }
            if event.code == KeyCode::Enter {
                let text = typed_text(&reason);
                if text.is_empty() {
                    state.decisions.modal = Some(Modal::Veto {
                        key,
                        reason,
                        error: Some(
                            "a veto needs a reason: the agent reads it to revise its plan".into(),
                        ),
                    });
                } else {
                    send(state, &key, Verdict::Veto, Some(text), None, out);
                }
                return;
            }
            reason.input(event);
            // A new attempt: the old refusal no longer applies.
            state.decisions.modal = Some(Modal::Veto {
                key,
                reason,
                error: None,
            });
        }
        Modal::Edit {
            key,
            original,
            mut text,
            error,
        } => {
            if cancel {
                return;
            }
            let submit = ctrl && event.code == KeyCode::Char('s');
            match original {
                Some(original) if submit => {
                    let edited_text = text.lines().join("\n");
                    match crate::decide::validate_edit(&original, &edited_text) {
                        Ok(edited) => {
                            let diff = crate::decide::describe_edit(&original, &edited);
                            open_approve(state, key, Some((edited, diff)), out);
                        }
                        Err(refused) => {
                            state.decisions.modal = Some(Modal::Edit {
                                key,
                                original: Some(original),
                                text,
                                error: Some(refused.to_string()),
                            });
                        }
                    }
                }
                Some(original) => {
                    text.input(event);
                    state.decisions.modal = Some(Modal::Edit {
                        key,
                        original: Some(original),
                        text,
                        error,
                    });
                }
                None => {
                    state.decisions.modal = Some(Modal::Edit {
                        key,
                        original: None,
                        text,
                        error,
                    });
                }
            }
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
            if event.code == KeyCode::Enter {
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
            typed.input(event);
            state.decisions.modal = Some(Modal::Kill {
                namespace,
                job,
                investigation,
                typed,
                error,
            });
        }
        Modal::Halt {
            namespace,
            reason: None,
        } => {
            if is_plain(&event, 'y') {
                let mut reason = TextArea::default();
                reason.set_placeholder_text("why (recorded with the halt)");
                state.decisions.modal = Some(Modal::Halt {
                    namespace,
                    reason: Some(reason),
                });
            }
        }
        Modal::Halt {
            namespace,
            reason: Some(mut reason),
        } => {
            if cancel {
                return;
            }
            if event.code == KeyCode::Enter {
                let text = typed_text(&reason);
                send_halt(state, namespace, (!text.is_empty()).then_some(text), out);
                return;
            }
            reason.input(event);
            state.decisions.modal = Some(Modal::Halt {
                namespace,
                reason: Some(reason),
            });
        }
        Modal::AuditFilter => audit_filter_key(state, event, out),
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
        Some(Modal::Approve {
            typed: Some(typed), ..
        }) => Some(typed),
        Some(Modal::Halt {
            reason: Some(reason),
            ..
        }) => Some(reason),
        _ => None,
    };
    if let Some(area) = area {
        area.insert_str(clean);
        out.redraw();
    }
}
