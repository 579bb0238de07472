//! The audit trail of decisions: one record per approval, veto, expiry, kill,
//! halt or policy change.
//!
//! Every decision is kept in three places: in the proposal's status (the
//! cluster's own record), as a Kubernetes Event on the decided object, and as a
//! line in the local JSON-lines log of the console that made it ([`AuditLog`],
//! fsynced). [`collect_from_cluster`] rebuilds the trail from the cluster for a
//! post-incident review, and [`export`] writes it as JSON lines or CSV.

mod change;
mod cluster;
mod export;
mod log;
mod record;
mod since;

pub use crate::domain::change::{AuditAction, LastChange};
pub use change::ChangeRecord;
pub use cluster::{
    AUDIT_LABEL, AUDIT_RECORD_ANNOTATION, collect_from_cluster, export_from_cluster, export_scoped,
};
pub use export::{ExportFormat, export, import};
pub use log::{AuditLog, read_local, set_audit_cluster, stamped, use_audit_file};
pub use record::{AuditRecord, readable_text};
pub use since::{parse_since, since_ago};
