//! `c`: the action copied as it would run, after a small choice: `c` (or
//! enter) the change itself (the patch, the command line), `k` the
//! equivalent `kubectl` command ([`crate::domain::kubectl`]).

use super::*;
use crate::app::effect::Effect;
use crate::app::state::State;
use crate::app::update::Out;
use crate::cluster::decision_tasks::DecisionEffect;
use crate::domain::ActionKind;
use crate::model::records::ProposalRecord;
use crossterm::event::KeyCode;

use crate::domain::kubectl::shell_word;

/// `c`: asks which form to copy (the change or the kubectl command).
pub(in crate::app::update) fn copy(state: &mut State, out: &mut Out) {
    let Some(key) = crate::app::state::proposal_in_focus(state) else {
        notice(state, "open a proposal to copy its suggestion".into(), out);
        return;
    };
    if state.proposals.get(&key).and_then(copy_text).is_none() {
        notice(
            state,
            format!("{} has no patch or command to copy", key.name),
            out,
        );
        return;
    }
    state.copy_choice = Some(key);
    out.redraw();
}

/// The key that answers the copy choice: `c` or enter copies the change,
/// `k` the kubectl command, anything else cancels.
pub(in crate::app::update) fn choice_key(state: &mut State, code: KeyCode, out: &mut Out) {
    let Some(key) = state.copy_choice.take() else {
        return;
    };
    out.redraw();
    let Some(record) = state.proposals.get(&key) else {
        notice(
            state,
            format!("{} is no longer in the cluster", key.name),
            out,
        );
        return;
    };
    let (text, what) = match code {
        KeyCode::Char('c') | KeyCode::Enter => (
            copy_text(record).ok_or_else(|| "it has no patch or command".to_string()),
            "the change",
        ),
        KeyCode::Char('k') => (
            crate::domain::kubectl::kubectl_command(&record.effective_action),
            "a kubectl command",
        ),
        _ => return,
    };
    match text {
        Ok(text) => {
            out.push(Effect::Decisions(DecisionEffect::Copy { text }));
            let text = format!("copied {what} of {} to the clipboard (OSC 52)", key.name);
            done(state, text, &[], out);
        }
        Err(why) => notice(
            state,
            format!("cannot copy {what} of {}: {why}", key.name),
            out,
        ),
    }
}

/// What `c` copies: the patch as it would be applied (a JSON patch
/// pretty-printed), the command as one shell line, else the canonical
/// lines; sanitized. `None` when the action has no payload.
pub(in crate::app::update) fn copy_text(record: &ProposalRecord) -> Option<String> {
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
