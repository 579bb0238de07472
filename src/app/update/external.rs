//! ctrl-e and ctrl-o: the document on screen opened in `$EDITOR` or
//! `$PAGER`, outside the console. The runner suspends the console (leaves
//! the alternate screen and raw mode), runs the program on a read-only
//! temporary copy and restores the console after; the editor's changes
//! are applied nowhere, and the notice says so.

use super::Out;
use crate::app::effect::{Effect, ExternalDocument, ExternalProgram};
use crate::app::state::{NoticeLevel, Screen, State};
use crate::model::records::{EntryKind, LogEntry};

/// Opens the document on screen in `program`.
pub(super) fn open(state: &mut State, program: ExternalProgram, out: &mut Out) {
    let found = match state.screen() {
        Screen::Document { .. } => state.document.as_ref().map(|doc| {
            let name = format!(
                "{}-{}-{}.{}",
                match doc.kind {
                    crate::app::state::DocumentKind::Yaml => "job",
                    crate::app::state::DocumentKind::Log => "log",
                },
                doc.namespace,
                doc.job_name,
                match doc.kind {
                    crate::app::state::DocumentKind::Yaml => "yaml",
                    crate::app::state::DocumentKind::Log => "log",
                }
            );
            (name, doc.text())
        }),
        Screen::Detail => state.detail.as_ref().map(|detail| {
            let name = format!("reasoning-{}.txt", detail.investigation);
            (name, Some(stream_text(detail.active_buffer().iter_from(0))))
        }),
        Screen::Proposal { key, .. } => state.proposals.get(key).map(|record| {
            let mut text = format!(
                "# {} · {}\n# digest {}\n",
                record.action.headline, record.action.count_label, record.action.digest
            );
            if let Some(change) = &record.change {
                text.push_str(&change.text);
                text.push('\n');
            }
            (
                format!("proposal-{}-{}.txt", key.namespace, key.name),
                Some(text),
            )
        }),
        _ => None,
    };
    let (file_name, text) = match found {
        Some((name, Some(text))) => (name, text),
        Some((_, None)) => {
            let text =
                "the document is not here yet (or could not be read): nothing to open".into();
            return super::notice::notice(state, NoticeLevel::Warning, text, out);
        }
        None => {
            let text = format!(
                "{} opens a document: a Job's YAML (y), a pod log (l), an investigation's reasoning or a proposal",
                program.label()
            );
            return super::notice::notice(state, NoticeLevel::Warning, text, out);
        }
    };
    let file_name = crate::sanitize::file_name_part(&file_name);
    out.push(Effect::External(ExternalDocument {
        program,
        file_name,
        // Every line came sanitized from the screen's records; once more
        // per line keeps the file inert whatever it was built from.
        text: text
            .lines()
            .map(|line| format!("{}\n", crate::sanitize::sanitize(line)))
            .collect(),
    }));
}

/// The console is back from the editor or pager.
pub(super) fn closed(
    state: &mut State,
    program: ExternalProgram,
    result: Result<(), String>,
    out: &mut Out,
) {
    out.redraw();
    match (result, program) {
        (Ok(()), ExternalProgram::Pager) => {}
        (Ok(()), ExternalProgram::Editor) => super::notice::notice(
            state,
            NoticeLevel::Info,
            "the editor had a read-only copy: edits are not applied anywhere".into(),
            out,
        ),
        (Err(why), _) => super::notice::notice(
            state,
            NoticeLevel::Error,
            format!("{} failed: {why}", program.label()),
            out,
        ),
    }
}

/// The reasoning stream as plain text, one event a line (tool input and
/// output indented below their line), with each line's time.
pub fn stream_text<'a>(entries: impl Iterator<Item = &'a LogEntry>) -> String {
    let mut text = String::new();
    for entry in entries {
        let at = entry
            .ts()
            .or(entry.logged_at())
            .map(|t| format!("{t:.0} "))
            .unwrap_or_default();
        let head = match &entry.kind {
            EntryKind::Usage {
                input_tokens,
                output_tokens,
                cost_usd,
                ..
            } => format!("usage +{input_tokens} in +{output_tokens} out tokens ${cost_usd:.4}"),
            EntryKind::ToolResult { id, is_error, .. } => {
                format!("↳ result {id}{}", if *is_error { " (error)" } else { "" })
            }
            kind => kind.glance().unwrap_or_default(),
        };
        text.push_str(&format!("{at}{head}\n"));
        let body = match &entry.kind {
            EntryKind::ToolCall(call) => Some(&call.input_lines),
            EntryKind::ToolResult { lines, .. } => Some(lines),
            _ => None,
        };
        for line in body
            .into_iter()
            .flat_map(crate::model::lines::TextLines::iter)
        {
            text.push_str(&format!("    {line}\n"));
        }
    }
    text
}
