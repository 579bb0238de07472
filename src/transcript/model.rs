//! What a transcript holds: plain data, gathered by [`super::collect`] and
//! rendered by the Markdown and JSON-lines writers.

use crate::audit::AuditRecord;
use crate::domain::protocol::ReasoningEvent;
use crate::domain::{ActionProposal, Investigation};
use jiff::Timestamp;

/// Everything one investigation did and everything decided about it.
#[derive(Debug, Clone)]
pub struct Transcript {
    /// The investigation as the console shows it (trigger, severity, state, identity accessor).
    pub investigation: Investigation,
    /// The Job's `kubevigil.io/*` labels and annotations (the alert's
    /// fingerprint, name, start and resolution, the template, queue marks,
    /// the identity's revocation), sorted by key.
    pub marks: Vec<(String, String)>,
    /// How the Job ended, or where it stands.
    pub outcome: JobOutcome,
    /// What the agent printed.
    pub reasoning: ReasoningLog,
    /// The proposals the agent made, oldest first.
    pub proposals: Vec<ActionProposal>,
    /// Decisions and operator actions about the investigation, from the
    /// audit trail (kills and queue changes included), oldest first.
    pub audit: Vec<AuditRecord>,
    /// The Kubernetes Events about the Job and its proposals, oldest first.
    pub events: Vec<ClusterEvent>,
    /// When the transcript was gathered.
    pub gathered_at: Timestamp,
    /// The API server it was gathered from.
    pub server: Option<String>,
}

/// How the Job ended, or where it stands.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct JobOutcome {
    /// When the Job finished, if it has.
    pub finished: Option<Timestamp>,
    /// The Job's conditions: type, reason and message.
    pub conditions: Vec<(String, String, String)>,
}

/// The agent's reasoning log, as read from its pod.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ReasoningLog {
    /// The pod the log was read from.
    pub pod: Option<String>,
    /// Every line, parsed (a line that is not an event is kept as text).
    pub events: Vec<ReasoningEvent>,
    /// Why the log could not be read (the pod was removed, no right to read logs).
    pub unavailable: Option<String>,
}

/// One Kubernetes Event about the investigation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClusterEvent {
    /// When it was last seen.
    pub at: Option<Timestamp>,
    /// `Normal` or `Warning`.
    pub type_: String,
    /// The reason, such as `AdmittedByOverride`.
    pub reason: String,
    /// The object it is about, as `kind/name`.
    pub object: String,
    /// What it says.
    pub message: String,
    /// Who reported it.
    pub source: String,
}
