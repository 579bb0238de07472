//! `E` and `:export [md|jsonl] [PATH]`: the investigation in focus written
//! as a transcript for the post-mortem (as `kubevigil investigation export`
//! writes it) to `./kubevigil-<id>.md` or the path given. The runner never
//! overwrites: a default name that is taken gets `-1`, `-2`... added, a
//! path given that exists is refused. A notice says where it went.

use super::Out;
use crate::app::effect::{Effect, ExportRequest};
use crate::app::state::{NoticeLevel, State};
use crate::transcript::TranscriptFormat;

/// Starts writing the transcript; `argument` is what followed `:export`.
pub(super) fn start(state: &mut State, argument: Option<&str>, out: &mut Out) {
    let Some((investigation, namespace, _)) = super::documents::investigation_in_focus(state)
    else {
        let text = "select an investigation to export its transcript".to_string();
        return super::notice::notice(state, NoticeLevel::Warning, text, out);
    };
    let mut format = TranscriptFormat::Md;
    let mut path = None;
    let mut words = argument.unwrap_or_default().split_whitespace().peekable();
    match words.peek().copied() {
        Some("md" | "markdown") => {
            words.next();
        }
        Some("jsonl" | "json") => {
            format = TranscriptFormat::Jsonl;
            words.next();
        }
        _ => {}
    }
    let rest: Vec<&str> = words.collect();
    if !rest.is_empty() {
        path = Some(rest.join(" "));
    }
    let text = format!("writing the transcript of {investigation}…");
    super::notice::notice(state, NoticeLevel::Info, text, out);
    out.push(Effect::ExportTranscript(ExportRequest {
        investigation,
        namespace,
        format,
        path,
        server: state.connection.server.clone(),
    }));
}

/// The runner wrote it (the notice's sentence) or could not (why).
pub(super) fn exported(state: &mut State, result: Result<String, String>, out: &mut Out) {
    match result {
        Ok(text) => super::notice::notice(state, NoticeLevel::Info, text, out),
        Err(why) => super::notice::notice(
            state,
            NoticeLevel::Error,
            format!("transcript not written: {why}"),
            out,
        ),
    }
}
