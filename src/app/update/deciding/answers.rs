//! What comes back from the decision tasks: recorded, refused, retried.

use super::*;
use crate::app::effect::Effect;
use crate::app::state::{Delivery, State};
use crate::app::update::Out;
use crate::cluster::decision_tasks::{DecisionEffect, DecisionEvent};

/// Applies what came back from a decision task.
pub(in crate::app::update) fn event(state: &mut State, event: DecisionEvent, out: &mut Out) {
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
        DecisionEvent::QueueChanged { id, result } => {
            crate::app::update::queue::done(state, id, result, out);
        }
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

pub(in crate::app::update) fn with_warnings(text: &mut String, warnings: &[String]) {
    if !warnings.is_empty() {
        text.push_str(&format!(" (but: {})", warnings.join("; ")));
    }
}

pub(in crate::app::update) fn decided(
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
