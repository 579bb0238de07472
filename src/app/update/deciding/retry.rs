//! Decisions the cluster did not record: retried all at once, or discarded.

use super::*;
use crate::app::effect::Effect;
use crate::app::state::{Delivery, State, TrackedDecision};
use crate::app::update::Out;
use crate::cluster::decision_tasks::DecisionEffect;

pub(in crate::app::update) fn retry_all(state: &mut State, out: &mut Out) {
    let mut retried = 0;
    for tracked in &mut state.decisions.tracked {
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
pub(in crate::app::update) fn discard_failed(state: &mut State, out: &mut Out) {
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
