//! `update(&mut State, Action) -> Vec<Effect>`: the only place the state
//! changes. Pure: no IO, no clock, no locks; everything it needs is in the
//! state or the action, and everything it wants done is an [`Effect`].
//!
//! An action that changes nothing visible returns no [`Effect::Redraw`], so
//! a no-op key draws no frame.

mod attention;
mod clock;
mod command_line;
mod commands;
mod data;
mod deciding;
mod decision_modal;
mod deeplink;
mod documents;
mod export;
mod external;
mod input;
mod mouse;
mod notice;
mod peek;
mod policies;
mod queue;
mod scroll;
mod stream;
mod vault_lookups;

pub use command_line::completions;

use super::action::Action;
use super::effect::Effect;
use super::state::State;

/// Effects collected while handling one action, plus whether to redraw.
#[derive(Debug, Default)]
pub(crate) struct Out {
    effects: Vec<Effect>,
    redraw: bool,
}

impl Out {
    /// Something visible changed.
    pub(crate) fn redraw(&mut self) {
        self.redraw = true;
    }

    /// Redraws when `changed`.
    pub(crate) fn redraw_if(&mut self, changed: bool) {
        self.redraw |= changed;
    }

    /// Asks the runtime for an effect.
    pub(crate) fn push(&mut self, effect: Effect) {
        self.effects.push(effect);
    }

    fn finish(mut self) -> Vec<Effect> {
        if self.redraw {
            self.effects.push(Effect::Redraw);
        }
        self.effects
    }
}

/// Applies one action to the state and returns what the runtime must do.
pub fn update(state: &mut State, action: Action) -> Vec<Effect> {
    let mut out = Out::default();
    match action {
        Action::Key(key) => input::key(state, key, &mut out),
        Action::Paste(text) => input::paste(state, &text, &mut out),
        Action::Mouse(event) => mouse::mouse(state, event, &mut out),
        Action::Resize(columns, rows) => resize(state, columns, rows, &mut out),
        Action::Tick(now) => clock::tick(state, now, &mut out),
        Action::Command(command) => commands::run(state, command, &mut out),
        Action::RunCommandLine(line) => command_line::execute(state, &line, &mut out),
        Action::Identity { user, verified } => {
            let identity = super::state::Identity {
                user: Some(crate::sanitize::sanitize(&user).into_owned()),
                verified,
            };
            out.redraw_if(state.identity != identity);
            state.identity = identity;
            attention::review(state, &mut out);
        }
        Action::InvestigationsListed { epoch, records } => {
            let batch = data::Batch::Listed;
            data::investigations(state, epoch, records, Vec::new(), batch, &mut out);
        }
        Action::InvestigationsPage {
            epoch,
            records,
            first,
            total,
        } => {
            let total = total.and_then(|t| usize::try_from(t).ok());
            let batch = data::Batch::Page { first, total };
            data::investigations(state, epoch, records, Vec::new(), batch, &mut out);
        }
        Action::InvestigationsChanged {
            epoch,
            applied,
            deleted,
        } => {
            let batch = data::Batch::Changed;
            data::investigations(state, epoch, applied, deleted, batch, &mut out);
        }
        Action::ProposalsListed { epoch, records } => {
            data::proposals(state, epoch, records, Vec::new(), true, &mut out);
        }
        Action::ProposalsChanged {
            epoch,
            applied,
            deleted,
        } => data::proposals(state, epoch, applied, deleted, false, &mut out),
        Action::PoliciesListed { epoch, records } => {
            data::policies(state, epoch, records, Vec::new(), true, &mut out);
        }
        Action::PoliciesChanged {
            epoch,
            applied,
            deleted,
        } => data::policies(state, epoch, applied, deleted, false, &mut out),
        Action::SourceDisconnected {
            epoch,
            source,
            since,
            error,
        } => data::disconnected(state, epoch, source, since, error, &mut out),
        Action::SourceForbidden {
            epoch,
            source,
            namespace,
        } => data::forbidden(state, epoch, source, namespace, &mut out),
        Action::SourceConnected { epoch, source } => {
            data::connected(state, epoch, source, &mut out);
        }
        Action::StreamStarted { stream, pod } => stream::started(state, stream, pod, &mut out),
        Action::StreamWaiting { stream, reason } => {
            stream::waiting(state, stream, reason, &mut out);
        }
        Action::LogLines { stream, entries } => stream::lines(state, stream, entries, &mut out),
        Action::StreamEnded { stream, error } => stream::ended(state, stream, error, &mut out),
        Action::OlderLines { stream, result } => stream::older(state, stream, result, &mut out),
        Action::Highlighted(result) => data::highlighted(state, result, &mut out),
        Action::ContextSwitched {
            context,
            readonly,
            kubeconfig_user,
            namespace,
            contexts,
            server,
        } => {
            state.connection.server = server;
            data::context_switched(
                state,
                (context, namespace),
                readonly,
                kubeconfig_user,
                contexts,
                &mut out,
            );
        }
        Action::Rights {
            epoch,
            namespace,
            rights,
        } => data::rights(state, epoch, namespace, rights, &mut out),
        Action::CredentialsReloaded { epoch, error } => {
            data::credentials_reloaded(state, epoch, error, &mut out);
        }
        Action::PolicyApplied(result) => policies::applied(state, *result, &mut out),
        Action::Notice(text) => {
            notice::notice(state, super::state::NoticeLevel::Error, text, &mut out);
        }
        Action::Decisions(event) => deciding::event(state, event, &mut out),
        Action::Vault(event) => vault_lookups::event(state, event, &mut out),
        Action::Peeked(peeks) => peek::peeked(state, peeks, &mut out),
        Action::DocumentFetched(answer) => documents::fetched(state, answer, &mut out),
        Action::ExternalClosed { program, result } => {
            external::closed(state, program, result, &mut out);
        }
        Action::TranscriptExported(result) => export::exported(state, result, &mut out),
    }
    policies::refresh(state, &mut out);
    deciding::sync(state, &mut out);
    vault_lookups::sync(state, &mut out);
    peek::sync(state, &mut out);
    clock::sync_ticking(state, &mut out);
    out.finish()
}

fn resize(state: &mut State, columns: u16, rows: u16, out: &mut Out) {
    if state.size == (columns, rows) {
        return;
    }
    state.size = (columns, rows);
    let page = crate::app::geometry::layout::table_page(state);
    state.table.scroll_into_view(page);
    scroll::stream_into_view(state);
    scroll::clamp_proposal(state);
    documents::clamp(state);
    out.redraw();
}
