//! ctrl-e / ctrl-o: a document opened in the operator's editor or pager.
//! The text goes to a read-only file in a private temporary directory
//! (removed after); the program is run as git runs `$EDITOR`, through
//! `sh -c 'exec <program> "$1"'`, so a variable holding arguments (`code
//! --wait`, `less -R`) works and the file name is never parsed by the
//! shell. The caller suspends the console around it.

use crate::app::effect::{ExternalDocument, ExternalProgram};
use std::os::unix::fs::{DirBuilderExt, PermissionsExt};
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};

/// The command line of `program`: `$VISUAL`, `$EDITOR` or `vi`; `$PAGER` or `less`.
pub fn command_line(program: ExternalProgram) -> String {
    let from = |names: &[&str]| {
        names
            .iter()
            .filter_map(|name| std::env::var(name).ok())
            .map(|value| value.trim().to_string())
            .find(|value| !value.is_empty())
    };
    match program {
        ExternalProgram::Editor => from(&["VISUAL", "EDITOR"]).unwrap_or_else(|| "vi".into()),
        ExternalProgram::Pager => from(&["PAGER"]).unwrap_or_else(|| "less".into()),
    }
}

/// Writes the document to a read-only temporary file, runs the program on
/// it and waits for it; `Err` says why it failed, in one line.
pub async fn run(document: &ExternalDocument) -> Result<(), String> {
    let dir = private_dir().map_err(|e| format!("cannot make a temporary file: {e}"))?;
    let result = run_in(&dir, document).await;
    let _ = std::fs::remove_dir_all(&dir);
    result
}

async fn run_in(dir: &std::path::Path, document: &ExternalDocument) -> Result<(), String> {
    let path = dir.join(&document.file_name);
    std::fs::write(&path, &document.text)
        .and_then(|()| std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o400)))
        .map_err(|e| format!("cannot write the temporary file: {e}"))?;
    let program = command_line(document.program);
    let status = tokio::process::Command::new("sh")
        .arg("-c")
        .arg(format!("exec {program} \"$1\""))
        .arg("sh")
        .arg(&path)
        .kill_on_drop(true)
        .status()
        .await
        .map_err(|e| format!("cannot run {program}: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!(
            "{} exited with {}",
            crate::sanitize::sanitize(&program),
            status
                .code()
                .map_or_else(|| "a signal".to_string(), |c| format!("status {c}"))
        ))
    }
}

/// A new directory only this user may enter, under the temporary directory.
fn private_dir() -> std::io::Result<PathBuf> {
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
    let dir = std::env::temp_dir().join(format!("kubevigil-{}-{n}", std::process::id()));
    std::fs::DirBuilder::new().mode(0o700).create(&dir)?;
    Ok(dir)
}
