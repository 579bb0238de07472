//! `E` / `:export`: an investigation's transcript gathered from the cluster
//! (as `kubevigil investigation export` gathers it) and written to a file
//! that did not exist: never over another file.

use crate::app::effect::ExportRequest;
use crate::transcript::TranscriptFormat;
use std::fs::OpenOptions;
use std::io::{ErrorKind, Write};
use std::path::{Path, PathBuf};

/// How many numbered names are tried after the default one.
const MAX_SUFFIX: u32 = 99;

/// Gathers and writes the transcript; the notice's sentence, or why not.
pub async fn write(client: &kube::Client, request: ExportRequest) -> Result<String, String> {
    let id = crate::sanitize::sanitize(&request.investigation).into_owned();
    let transcript = crate::transcript::collect(
        client,
        Some(&request.namespace),
        &request.investigation,
        request.server.as_deref(),
    )
    .await
    .map_err(|e| e.to_string())?;
    let mut bytes = Vec::new();
    crate::transcript::write(&transcript, request.format, &mut bytes).map_err(|e| e.to_string())?;
    let path = match &request.path {
        Some(path) => create_new(Path::new(path), &bytes).map_err(|e| match e.kind() {
            ErrorKind::AlreadyExists => {
                format!("{path} exists: not overwritten (give another path)")
            }
            _ => format!("{path}: {e}"),
        })?,
        None => write_default(&id, request.format, &bytes)?,
    };
    Ok(format!(
        "wrote the transcript of {id} ({} events, {} proposals, {} audit records) to {}",
        transcript.reasoning.events.len(),
        transcript.proposals.len(),
        transcript.audit.len(),
        crate::sanitize::sanitize(&path.display().to_string())
    ))
}

/// `./kubevigil-<id>.<ext>`, or `-1`, `-2`... added when taken.
fn write_default(id: &str, format: TranscriptFormat, bytes: &[u8]) -> Result<PathBuf, String> {
    let ext = match format {
        TranscriptFormat::Md => "md",
        TranscriptFormat::Jsonl => "jsonl",
    };
    let stem = crate::sanitize::file_name_part(id);
    for n in 0..=MAX_SUFFIX {
        let name = if n == 0 {
            format!("kubevigil-{stem}.{ext}")
        } else {
            format!("kubevigil-{stem}-{n}.{ext}")
        };
        match create_new(Path::new(&name), bytes) {
            Ok(path) => return Ok(path),
            Err(e) if e.kind() == ErrorKind::AlreadyExists => {}
            Err(e) => return Err(format!("{name}: {e}")),
        }
    }
    Err(format!(
        "kubevigil-{stem}.{ext} and {MAX_SUFFIX} numbered names exist: give a path (:export md PATH)"
    ))
}

/// Writes `bytes` to `path`, which must not exist; the path written, made absolute.
fn create_new(path: &Path, bytes: &[u8]) -> std::io::Result<PathBuf> {
    let mut file = OpenOptions::new().write(true).create_new(true).open(path)?;
    file.write_all(bytes)?;
    file.sync_all()?;
    Ok(std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf()))
}
