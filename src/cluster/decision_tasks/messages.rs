//! Messages between the console and the decision tasks (approve, veto, edit,
//! kill, halt, audit, presence): what the console asks for
//! ([`DecisionEffect`]) and what came back ([`DecisionEvent`]).

use crate::audit::AuditRecord;
use crate::decide::{
    DecideError, DecisionOutcome, HaltOutcome, Identity, KillOutcome, PendingDecision, Presence,
    QueueChange, QueueOutcome, ResumeOutcome,
};
use std::time::Duration;

/// Identifies one decision, kill or halt the console sent.
pub type TaskId = u64;

/// IO for deciding, run by the runtime in tasks.
#[derive(Debug, Clone, PartialEq)]
pub enum DecisionEffect {
    /// Record a decision for the first time (or again, with `retry`).
    Decide {
        /// Which decision.
        id: TaskId,
        /// What to record.
        request: Box<PendingDecision>,
        /// Whether it was tried before (an earlier answer may have been lost).
        retry: bool,
        /// Wait this long first (automatic retries after the cluster was unreachable).
        after: Option<Duration>,
    },
    /// Kill an investigation.
    Kill {
        /// Which kill.
        id: TaskId,
        /// Who kills.
        identity: Identity,
        /// The Job's namespace.
        namespace: String,
        /// The Job.
        job: String,
    },
    /// Halt a namespace.
    Halt {
        /// Which halt.
        id: TaskId,
        /// Who halts.
        identity: Identity,
        /// The namespace.
        namespace: String,
        /// Why.
        reason: Option<String>,
    },
    /// Resume a halted namespace.
    Resume {
        /// Which resume.
        id: TaskId,
        /// Who resumes.
        identity: Identity,
        /// The namespace.
        namespace: String,
        /// Also restore the phase before the halt (confirmed a second time).
        restore_phase: bool,
    },
    /// Bump, admit now or cancel a queued investigation.
    Queue {
        /// Which change.
        id: TaskId,
        /// Who changes the queue.
        identity: Identity,
        /// The Job's namespace.
        namespace: String,
        /// The Job.
        job: String,
        /// What to do.
        change: QueueChange,
    },
    /// Read the audit trail from the cluster (the last 7 days).
    LoadAudit {
        /// One namespace, or all.
        namespace: Option<String>,
    },
    /// Put text on the terminal's clipboard (OSC 52).
    Copy {
        /// The text.
        text: String,
    },
    /// Publish this console's presence and watch everyone else's.
    StartPresence {
        /// Who is here.
        identity: Identity,
        /// What the console shows now.
        viewing: Option<String>,
        /// Whether to publish this console's presence (false for a read-only
        /// console, which only watches).
        publish: bool,
    },
    /// What the console shows changed (for the presence Lease).
    SetViewing(Option<String>),
    /// Ask the cluster whether the user may record decisions.
    CheckMayDecide {
        /// The namespace in scope (`None`: all).
        namespace: Option<String>,
    },
}

/// What came back from a [`DecisionEffect`].
#[derive(Debug, Clone)]
pub enum DecisionEvent {
    /// A decision was written, or why not.
    Decided {
        /// Which decision.
        id: TaskId,
        /// The outcome or the failure.
        result: Result<Box<DecisionOutcome>, DecideError>,
    },
    /// A kill finished.
    Killed {
        /// Which kill.
        id: TaskId,
        /// The outcome or the failure.
        result: Result<KillOutcome, DecideError>,
    },
    /// A halt finished.
    Halted {
        /// Which halt.
        id: TaskId,
        /// The outcome or the failure.
        result: Result<HaltOutcome, DecideError>,
    },
    /// A resume finished.
    Resumed {
        /// Which resume.
        id: TaskId,
        /// The outcome or the failure.
        result: Result<ResumeOutcome, DecideError>,
    },
    /// A queue change finished.
    QueueChanged {
        /// Which change.
        id: TaskId,
        /// The outcome or the failure.
        result: Result<QueueOutcome, DecideError>,
    },
    /// The audit trail, oldest first, or why it could not be read.
    AuditLoaded(Result<Vec<AuditRecord>, String>),
    /// Everyone present now.
    Presence(Vec<Presence>),
    /// Who leads the governor replicas now.
    GovernorLeader(crate::governor::leader::LeaderView),
    /// Whether the user may record decisions (`None`: the cluster could not say).
    MayDecide(Option<bool>),
}

/// A copy to the clipboard that failed: the notice to show.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CopyFailed(pub String);
