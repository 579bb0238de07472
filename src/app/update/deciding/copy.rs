//! `c`: the action copied as it would run (the patch, the command line).

use super::*;
use crate::app::effect::Effect;
use crate::app::state::State;
use crate::app::update::Out;
use crate::cluster::decision_tasks::DecisionEffect;
use crate::domain::ActionKind;
use crate::model::records::ProposalRecord;

pub(in crate::app::update) fn copy(state: &mut State, out: &mut Out) {
    let Some(key) = crate::app::state::proposal_in_focus(state) else {
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

/// `arg` as one shell word: bare when it holds only plain characters,
/// single-quoted otherwise.
pub(in crate::app::update) fn shell_word(arg: &str) -> String {
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
