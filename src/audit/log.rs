//! The local audit log: one JSON object a line, appended and fsynced.

use super::AuditRecord;
use crate::{Error, Result};
use std::fs::{File, OpenOptions};
use std::io::{BufRead, BufReader, ErrorKind, Write};
use std::path::{Path, PathBuf};
use std::sync::{Mutex, PoisonError};

/// An open, append-only JSON-lines audit log (by default `audit.jsonl` in the
/// data directory, see `crate::config`). Cheap to share behind an `Arc`; appends
/// from several tasks are serialised.
#[derive(Debug)]
pub struct AuditLog {
    path: PathBuf,
    file: Mutex<File>,
}

impl AuditLog {
    /// Opens (creating it and its parent directories if needed) the log at `path`
    /// for appending. On Unix a new file is readable by its owner only.
    pub fn open(path: impl Into<PathBuf>) -> Result<AuditLog> {
        let path = path.into();
        if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            std::fs::create_dir_all(parent)
                .map_err(|e| Error::io(format!("creating {}", parent.display()), e))?;
        }
        let mut options = OpenOptions::new();
        options.create(true).append(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        let file = options
            .open(&path)
            .map_err(|e| Error::io(format!("opening the audit log {}", path.display()), e))?;
        Ok(AuditLog {
            path,
            file: Mutex::new(file),
        })
    }

    /// Opens the log where kubevigil keeps it: `audit.jsonl` in the data
    /// directory ([`ConfigPaths::discover`](crate::config::ConfigPaths::discover),
    /// which honours `XDG_DATA_HOME`).
    pub fn open_default() -> Result<AuditLog> {
        let paths = crate::config::ConfigPaths::discover().ok_or_else(|| Error::Invalid {
            field: "audit log".to_string(),
            reason: "there is no home or data directory to keep it in; set XDG_DATA_HOME"
                .to_string(),
        })?;
        AuditLog::open(paths.audit_log)
    }

    /// Where the log is.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Appends `record` as one line and waits until it is on disk (`sync_data`).
    pub fn append(&self, record: &AuditRecord) -> Result<()> {
        let mut line =
            serde_json::to_vec(record).map_err(|e| Error::Serialization(e.to_string()))?;
        line.push(b'\n');
        let mut file = self.file.lock().unwrap_or_else(PoisonError::into_inner);
        let context = || format!("appending to the audit log {}", self.path.display());
        file.write_all(&line).map_err(|e| Error::io(context(), e))?;
        file.sync_data().map_err(|e| Error::io(context(), e))
    }
}

/// Every record in the log at `path`, oldest first, and how many lines could not
/// be read as a record (kept out, counted so the console can say so). A missing
/// log is empty.
pub fn read_local(path: &Path) -> Result<(Vec<AuditRecord>, usize)> {
    let file = match File::open(path) {
        Ok(file) => file,
        Err(e) if e.kind() == ErrorKind::NotFound => return Ok((Vec::new(), 0)),
        Err(e) => return Err(Error::io(format!("reading {}", path.display()), e)),
    };
    let mut records = Vec::new();
    let mut malformed = 0;
    for line in BufReader::new(file).split(b'\n') {
        let line = line.map_err(|e| Error::io(format!("reading {}", path.display()), e))?;
        if line.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        match serde_json::from_slice::<AuditRecord>(&line) {
            Ok(record) => records.push(record),
            Err(_) => malformed += 1,
        }
    }
    Ok((records, malformed))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::audit::AuditAction;

    pub(crate) fn record(actor: &str, action: AuditAction) -> AuditRecord {
        AuditRecord {
            at: "2026-11-27T02:14:07Z".parse().expect("timestamp"),
            actor: actor.into(),
            verified: true,
            action,
            namespace: "payments".into(),
            object: "actionproposal/raise-mem".into(),
            investigation: Some("inv-9".into()),
            reason: Some("memory, with \"quotes\", commas\nand a newline".into()),
            edited: false,
            context: Some("prod".into()),
            detail: None,
        }
    }

    #[test]
    fn appends_survive_reopening_and_bad_lines_are_counted() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("nested/dirs/audit.jsonl");
        let first = record("oncall-1", AuditAction::Approve);
        let second = record("oncall-2", AuditAction::Veto);
        AuditLog::open(&path)
            .and_then(|log| log.append(&first))
            .expect("first append");
        let log = AuditLog::open(&path).expect("reopen");
        log.append(&second).expect("second append");
        let mut raw = std::fs::read_to_string(&path).expect("read");
        assert_eq!(raw.lines().count(), 2, "one line a record:\n{raw}");
        raw.push_str("not json\n\n{\"at\":1}\n");
        std::fs::write(&path, raw).expect("damage");
        let (records, malformed) = read_local(&path).expect("read back");
        assert_eq!(records, vec![first, second]);
        assert_eq!(malformed, 2);
    }

    #[test]
    fn a_missing_log_is_empty() {
        let dir = tempfile::tempdir().expect("tempdir");
        let read = read_local(&dir.path().join("none.jsonl")).expect("missing is fine");
        assert_eq!(read, (Vec::new(), 0));
    }

    #[cfg(unix)]
    #[test]
    fn the_log_is_private_to_its_owner() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().expect("tempdir");
        let log = AuditLog::open(dir.path().join("audit.jsonl")).expect("open");
        let mode = std::fs::metadata(log.path())
            .expect("stat")
            .permissions()
            .mode();
        assert_eq!(mode & 0o077, 0, "mode {mode:o}");
    }
}
