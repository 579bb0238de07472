//! The audit view: opening it, reading the trail, filtering it.

use crate::app::effect::Effect;
use crate::app::state::{Modal, Screen, State};
use crate::app::update::{Out, stream};
use crate::cluster::decision_tasks::DecisionEffect;

/// Opens the audit view and reads the trail from the cluster.
pub(in crate::app::update) fn open_audit(state: &mut State, out: &mut Out) {
    stream::close(state, out);
    state.screens.truncate(1);
    state.screens.push(Screen::Audit);
    load_audit(state, out);
}

pub(in crate::app::update) fn load_audit(state: &mut State, out: &mut Out) {
    state.decisions.audit.loading = true;
    out.push(Effect::Decisions(DecisionEffect::LoadAudit {
        namespace: state.namespace.clone(),
    }));
    out.redraw();
}

/// `/` on the audit view: type a filter.
pub(in crate::app::update) fn open_audit_filter(state: &mut State, out: &mut Out) {
    state.decisions.modal = Some(Modal::AuditFilter);
    out.redraw();
}
