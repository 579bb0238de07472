//! Transcripts for the post-mortem: everything one investigation did and
//! everything decided about it, gathered from the cluster and written as
//! Markdown (for people) or JSON lines (for tools).
//!
//! A transcript holds the trigger (the alert and its labels), every
//! reasoning event the agent printed, every proposal with the canonical
//! action that runs and the rollback, every decision with who, why and the
//! digest it was about, the credentials (the investigation's Vault identity
//! and each approval's minted token: accessors, TTLs, revocations), the
//! Kubernetes Events about it, and the outcome. It is the forensic record
//! the seed's review asks for.
//!
//! Everything an agent (or anyone who may patch a status) wrote is
//! untrusted: both formats pass every text through the same sanitizing the
//! audit export uses (escape sequences and control characters removed, bidi
//! and zero-width characters shown as `⟨U+XXXX⟩`), and the Markdown puts
//! free text only inside code fences longer than any backtick run in it, or
//! in table cells with `|`, `<`, `>` and `&` escaped, so no agent text can
//! become markup.

mod collect;
mod event_text;
mod jsonl;
mod markdown;
mod model;

pub use collect::collect;
pub use model::{ClusterEvent, JobOutcome, ReasoningLog, Transcript};

use crate::{Error, Result};
use std::io::Write;

/// The file formats of a transcript.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, clap::ValueEnum)]
pub enum TranscriptFormat {
    /// Markdown, for a post-mortem document.
    Md,
    /// One JSON object a line, each with a `type`.
    Jsonl,
}

/// Writes `transcript` to `writer` in `format`.
pub fn write<W: Write>(
    transcript: &Transcript,
    format: TranscriptFormat,
    mut writer: W,
) -> Result<()> {
    let text = match format {
        TranscriptFormat::Md => markdown::render(transcript),
        TranscriptFormat::Jsonl => jsonl::render(transcript),
    };
    writer
        .write_all(text.as_bytes())
        .and_then(|()| writer.flush())
        .map_err(|e| Error::io("writing the transcript", e))
}

/// `text` as it may be shown: see [`crate::audit::readable_text`].
fn readable(text: &str) -> String {
    crate::audit::readable_text(text)
}
