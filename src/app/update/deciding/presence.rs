//! After every action: the open dialog, presence (what this console shows,
//! for the presence Lease), the RBAC check and the inbox kept in step.

use super::*;
use crate::app::effect::Effect;
use crate::app::state::{Modal, Screen, State};
use crate::app::update::{Out, decision_modal};
use crate::cluster::decision_tasks::DecisionEffect;
use crate::decide::{viewing_investigation, viewing_proposal};

/// What the console shows, for the presence Lease.
pub(in crate::app::update) fn viewing_of(state: &State) -> Option<String> {
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
pub(in crate::app::update) fn sync(state: &mut State, out: &mut Out) {
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
