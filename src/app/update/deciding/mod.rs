//! Deciding from the console, one file a feature: approve and veto
//! ([`verdict`]), edit ([`edit`]), copy ([`copy`]), kill, halt and resume
//! ([`stop`]), retrying and discarding ([`retry`]), what comes back from the
//! decision tasks ([`answers`]), the approvals inbox ([`inbox`]), the audit
//! view ([`audit_view`]) and presence ([`presence`]). All IO is a
//! [`DecisionEffect`].

mod answers;
mod audit_view;
mod copy;
mod edit;
mod inbox;
mod presence;
mod retry;
mod stop;
mod verdict;

pub(super) use self::{
    answers::*, audit_view::*, copy::*, edit::*, inbox::*, presence::*, retry::*, stop::*,
    verdict::*,
};

use crate::app::command::Command;
use crate::app::state::{NoticeLevel, Screen, State};
use crate::app::update::Out;
use crate::decide::Identity;
use std::time::Duration;

/// How long the console waits before retrying a decision the cluster did not answer.
pub const AUTO_RETRY_AFTER: Duration = Duration::from_secs(10);

pub(in crate::app::update) fn notice(state: &mut State, text: String, out: &mut Out) {
    super::notice::notice(state, NoticeLevel::Warning, text, out);
}

/// A success: shown as done, or as a warning when it came with warnings.
pub(in crate::app::update) fn done(
    state: &mut State,
    text: String,
    warnings: &[String],
    out: &mut Out,
) {
    let level = if warnings.is_empty() {
        NoticeLevel::Info
    } else {
        NoticeLevel::Warning
    };
    super::notice::notice(state, level, text, out);
}

pub(in crate::app::update) fn error(state: &mut State, text: String, out: &mut Out) {
    super::notice::notice(state, NoticeLevel::Error, text, out);
}

/// Runs a deciding command (approve, veto, edit, copy, kill, halt, retry, refresh).
pub(in crate::app::update) fn command(state: &mut State, command: Command, out: &mut Out) {
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

/// Who decides, as the decision records it.
pub(in crate::app::update) fn identity(state: &State) -> Option<Identity> {
    let user = state.identity.user.clone()?;
    Some(Identity {
        user,
        groups: Vec::new(),
        verified: state.identity.verified,
    })
}
