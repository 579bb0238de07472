//! The local audit log: one JSON object a line, appended and fsynced.

use super::AuditRecord;
use crate::{Error, Result};
use std::borrow::Cow;
use std::collections::BTreeMap;
use std::fs::{File, OpenOptions};
use std::io::{BufRead, BufReader, ErrorKind, Write};
use std::path::{Path, PathBuf};
use std::sync::{Mutex, PoisonError, RwLock};

/// Where this process keeps its audit log, and which cluster its records are
/// about: set once at start (and on a context switch) by whoever knows.
#[derive(Debug)]
struct Session {
    /// Instead of the data directory's `audit.jsonl` (`kubevigil demo`).
    file: Option<PathBuf>,
    /// The API server of each kube context used so far.
    servers: BTreeMap<String, String>,
    /// The kube context in use.
    current: Option<String>,
}

static SESSION: RwLock<Session> = RwLock::new(Session {
    file: None,
    servers: BTreeMap::new(),
    current: None,
});

/// Sends this process's audit log ([`AuditLog::open_default`]) to `path`
/// instead of the data directory's `audit.jsonl`: `kubevigil demo` keeps
/// its simulated decisions apart from real ones.
pub fn use_audit_file(path: PathBuf) {
    SESSION.write().unwrap_or_else(PoisonError::into_inner).file = Some(path);
}

/// Tells the audit log which cluster this process now works on: the kube
/// `context` and its API `server`. A record appended without a context is
/// stamped with this one, and a record of a known context with its server,
/// so every local record names the cluster it was made on.
pub fn set_audit_cluster(context: Option<&str>, server: Option<&str>) {
    let mut session = SESSION.write().unwrap_or_else(PoisonError::into_inner);
    session.current = context.map(str::to_string);
    if let (Some(context), Some(server)) = (context, server) {
        session
            .servers
            .insert(context.to_string(), server.to_string());
    }
}

/// `record` with the context and server it lacks filled in from `session`.
fn stamp<'r>(record: &'r AuditRecord, session: &Session) -> Cow<'r, AuditRecord> {
    let context = record.context.clone().or_else(|| session.current.clone());
    let server = record.server.clone().or_else(|| {
        context
            .as_ref()
            .and_then(|c| session.servers.get(c))
            .cloned()
    });
    if context == record.context && server == record.server {
        return Cow::Borrowed(record);
    }
    Cow::Owned(AuditRecord {
        context,
        server,
        ..record.clone()
    })
}

/// `record` with the context and server this process works on filled in
/// where it has none ([`set_audit_cluster`]): what an Event's copy of a record
/// carries, with or without a local log.
pub fn stamped(record: &AuditRecord) -> AuditRecord {
    let session = SESSION.read().unwrap_or_else(PoisonError::into_inner);
    stamp(record, &session).into_owned()
}

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
    /// which honours `XDG_DATA_HOME`), or the file [`use_audit_file`] chose.
    pub fn open_default() -> Result<AuditLog> {
        let chosen = SESSION
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .file
            .clone();
        if let Some(path) = chosen {
            return AuditLog::open(path);
        }
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

    /// `record` with the context and server this process works on filled in
    /// where it has none ([`set_audit_cluster`]), as [`AuditLog::append`] writes it.
    pub fn stamped(&self, record: &AuditRecord) -> AuditRecord {
        stamped(record)
    }

    /// Appends `record` as one line and waits until it is on disk
    /// (`sync_data`). A record without a context or server gets this
    /// process's ([`set_audit_cluster`]).
    pub fn append(&self, record: &AuditRecord) -> Result<()> {
        let record = self.stamped(record);
        let mut line =
            serde_json::to_vec(&record).map_err(|e| Error::Serialization(e.to_string()))?;
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
            server: Some("https://prod.example:6443".into()),
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
    fn records_are_stamped_with_the_cluster_they_were_made_on() {
        let session = Session {
            file: None,
            servers: BTreeMap::from([
                ("prod".to_string(), "https://prod:6443".to_string()),
                ("lab".to_string(), "https://lab:6443".to_string()),
            ]),
            current: Some("lab".into()),
        };
        let made_in_prod = record("oncall-1", AuditAction::Approve);
        let made_in_prod = AuditRecord {
            server: None,
            ..made_in_prod
        };
        let stamped = stamp(&made_in_prod, &session);
        assert_eq!(
            stamped.context.as_deref(),
            Some("prod"),
            "its own context is kept"
        );
        assert_eq!(stamped.server.as_deref(), Some("https://prod:6443"));
        let no_context = AuditRecord {
            context: None,
            ..made_in_prod.clone()
        };
        let stamped = stamp(&no_context, &session);
        assert_eq!(
            stamped.context.as_deref(),
            Some("lab"),
            "the current context"
        );
        assert_eq!(stamped.server.as_deref(), Some("https://lab:6443"));
        let complete = record("oncall-1", AuditAction::Veto);
        assert!(matches!(stamp(&complete, &session), Cow::Borrowed(_)));
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
