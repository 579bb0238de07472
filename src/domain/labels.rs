//! Label and annotation keys that make up the Job side of the agent contract.

/// Label on an investigation Job (and its pods): the investigation id.
pub const INVESTIGATION: &str = "kubevigil.io/investigation";
/// Label or annotation: the namespace being investigated, whose TrustPolicy governs.
pub const TARGET_NAMESPACE: &str = "kubevigil.io/target-namespace";
/// Annotation: the alert that started the investigation.
pub const TRIGGER: &str = "kubevigil.io/trigger";
/// Label or annotation: the severity of the triggering alert.
pub const SEVERITY: &str = "kubevigil.io/severity";
/// Annotation written by the launcher when it admits the Job: the target
/// namespace's TrustPolicy phase then (`Shadow`, `ReadOnlyAssist`,
/// `LimitedWrite`, `Autonomous`), the phase the investigation ran under.
pub const PHASE: &str = "kubevigil.io/phase";
/// Annotation: accessor of the investigation's Vault token.
pub const VAULT_ACCESSOR: &str = "kubevigil.io/vault-accessor";
/// Annotation on a TrustPolicy: the last change made to it (who, what, why) as JSON.
pub const LAST_CHANGE: &str = "kubevigil.io/last-change";
/// Label selector that matches every investigation Job.
pub const INVESTIGATION_SELECTOR: &str = "kubevigil.io/investigation";

/// Label on a launched Job: the Alertmanager fingerprint (hex) of its alert.
pub const ALERT_FINGERPRINT: &str = "kubevigil.io/alert-fingerprint";
/// Label on a launched Job: the alertname, made a valid label value (max 63).
pub const ALERTNAME: &str = "kubevigil.io/alertname";
/// Label on a launched Job: [`ADMISSION_QUEUED`] or [`ADMISSION_ADMITTED`]
/// (absent on Jobs the launcher did not make).
pub const ADMISSION: &str = "kubevigil.io/admission";
/// Value of [`ADMISSION`]: created suspended, waiting for room.
pub const ADMISSION_QUEUED: &str = "queued";
/// Value of [`ADMISSION`]: admitted (identity minted, unsuspended).
pub const ADMISSION_ADMITTED: &str = "admitted";
/// Annotation on a queued Job: why it waits, in words ("namespace payments at
/// 3/3", "cluster at 20/20", "namespace payments halted"); removed on admission.
pub const QUEUE_REASON: &str = "kubevigil.io/queue-reason";
/// Annotation: the alert's `startsAt` (RFC 3339); with the fingerprint, the dedup key.
pub const ALERT_STARTS_AT: &str = "kubevigil.io/alert-starts-at";
/// Annotation: when the alert's resolved notification came (RFC 3339).
pub const ALERT_RESOLVED_AT: &str = "kubevigil.io/alert-resolved-at";
/// Annotation written by an operator (RFC 3339): bumped Jobs are admitted
/// first, the earliest bump first.
pub const PRIORITY_BUMPED_AT: &str = "kubevigil.io/priority-bumped-at";
/// Annotation written by the console, JSON `{"by","at","reason"}`: admit this
/// queued Job at once, past every cap.
pub const ADMIT_OVERRIDE: &str = "kubevigil.io/admit-override";
/// Annotation written by the console before it deletes a Job, JSON
/// `{"by","at","reason"}`: the launcher ignores a Job that has it.
pub const CANCELLED: &str = "kubevigil.io/cancelled";
/// Annotation written by an agent whose identity would not unwrap: the reason
/// (a possible interception of the wrapping token).
pub const IDENTITY_UNWRAP_FAILED: &str = "kubevigil.io/identity-unwrap-failed";
/// Annotation written by the launcher once it has revoked the Job's Vault
/// token (RFC 3339), so a new leader does not revoke it again.
pub const VAULT_REVOKED_AT: &str = "kubevigil.io/vault-revoked-at";
/// Label selector that matches every Job the launcher made.
pub const LAUNCHED_SELECTOR: &str = "kubevigil.io/admission";
