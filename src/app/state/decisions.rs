//! What the console keeps for deciding: the open confirmation, decisions on
//! their way or not yet recorded, who else is here, the approvals inbox and
//! the audit view.

use crate::app::decisions::TaskId;
use crate::app::records::ProposalKey;
use crate::audit::AuditRecord;
use crate::decide::{PendingDecision, Presence};
use crate::domain::ProposedAction;
use ratatui_textarea::TextArea;

/// A modal dialog that takes every key while open.
#[derive(Debug, Clone)]
pub enum Modal {
    /// Confirm an approval: `y` confirms, any other key cancels. High and
    /// critical risk then need the proposal's name typed in `typed`.
    Approve {
        /// The proposal.
        key: ProposalKey,
        /// The edited action and the diff of the edit, for an edit before approving.
        edited: Option<(ProposedAction, String)>,
        /// The second confirmation (high and critical risk), once `y` was pressed.
        typed: Option<TextArea<'static>>,
        /// Why the typed name was refused.
        error: Option<String>,
    },
    /// A veto: the reason is required.
    Veto {
        /// The proposal.
        key: ProposalKey,
        /// The reason typed so far.
        reason: TextArea<'static>,
        /// Why the reason was refused.
        error: Option<String>,
    },
    /// Editing the action before approving it.
    Edit {
        /// The proposal.
        key: ProposalKey,
        /// The action as the agent wrote it (`None` while it is read from the cluster).
        original: Option<ProposedAction>,
        /// The text being edited.
        text: TextArea<'static>,
        /// Why the edit was refused ("line 3: not valid YAML: ...").
        error: Option<String>,
    },
    /// The kill switch: the investigation id must be typed.
    Kill {
        /// The Job's namespace.
        namespace: String,
        /// The Job.
        job: String,
        /// The investigation id.
        investigation: String,
        /// What was typed.
        typed: TextArea<'static>,
        /// Why the typed id was refused.
        error: Option<String>,
    },
    /// Halting a namespace: `y` first, then an optional reason.
    Halt {
        /// The namespace.
        namespace: String,
        /// The reason, once `y` was pressed.
        reason: Option<TextArea<'static>>,
    },
    /// Typing the audit view's filter.
    AuditFilter,
}

/// Where a decision stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Delivery {
    /// Sent; no answer yet.
    Sending,
    /// Not recorded: the message says why; `R` tries again.
    Failed {
        /// What went wrong, for the operator.
        message: String,
        /// Whether the console retries by itself (the cluster was unreachable).
        auto_retry: bool,
    },
}

/// A decision the console sent and that is not recorded yet.
#[derive(Debug, Clone, PartialEq)]
pub struct TrackedDecision {
    /// Which decision.
    pub id: TaskId,
    /// What to record (kept to retry).
    pub request: PendingDecision,
    /// Where it stands.
    pub delivery: Delivery,
}

/// The audit view.
#[derive(Debug, Clone, Default)]
pub struct AuditView {
    /// Every record, newest first.
    pub records: Vec<AuditRecord>,
    /// Indices into `records` that pass the filter.
    pub visible: Vec<usize>,
    /// The filter, as typed.
    pub filter: String,
    /// The cursor, in `visible`.
    pub cursor: usize,
    /// Whether a load is under way.
    pub loading: bool,
    /// Why the last load failed.
    pub error: Option<String>,
}

impl AuditView {
    /// Recomputes `visible` from the filter (case-insensitive, any column).
    pub fn refilter(&mut self) {
        let needle = self.filter.trim().to_lowercase();
        self.visible = self
            .records
            .iter()
            .enumerate()
            .filter(|(_, r)| {
                needle.is_empty()
                    || [
                        r.actor.as_str(),
                        &r.action.to_string(),
                        r.namespace.as_str(),
                        r.object.as_str(),
                        r.reason.as_deref().unwrap_or_default(),
                    ]
                    .iter()
                    .any(|field| field.to_lowercase().contains(&needle))
            })
            .map(|(i, _)| i)
            .collect();
        self.cursor = self.cursor.min(self.visible.len().saturating_sub(1));
    }
}

/// Everything about deciding.
#[derive(Debug, Clone, Default)]
pub struct DecisionsState {
    /// The open dialog.
    pub modal: Option<Modal>,
    /// Decisions sent and not recorded yet (on their way, or failed and kept to retry).
    pub tracked: Vec<TrackedDecision>,
    /// Kills and halts on their way: (id, what).
    pub busy: Vec<(TaskId, String)>,
    /// The id the next decision, kill or halt gets.
    pub next_id: TaskId,
    /// Everyone present (this user included), from the presence Leases.
    pub presence: Vec<Presence>,
    /// The user presence was started for.
    pub presence_user: Option<String>,
    /// What this console shows, as published in its presence Lease.
    pub viewing: Option<String>,
    /// Whether RBAC lets the user record decisions (`None`: unknown).
    pub may_decide: Option<bool>,
    /// The approvals inbox: pending proposals, soonest expiry first, then
    /// highest risk; then approved proposals not executed yet (still
    /// vetoable), newest first.
    pub inbox: Vec<ProposalKey>,
    /// The cursor in the inbox.
    pub inbox_cursor: usize,
    /// Proposals a rule approved (Autonomous) that have since run or been
    /// stopped, newest first, shown below the inbox (those not run yet are in
    /// the inbox, where they can be vetoed).
    pub auto_approved: Vec<ProposalKey>,
    /// The audit view.
    pub audit: AuditView,
}

impl DecisionsState {
    /// A fresh id.
    pub fn take_id(&mut self) -> TaskId {
        self.next_id += 1;
        self.next_id
    }

    /// Decisions not recorded that wait for the operator's retry (`R`) or an automatic one.
    pub fn failed(&self) -> impl Iterator<Item = &TrackedDecision> {
        self.tracked
            .iter()
            .filter(|t| matches!(t.delivery, Delivery::Failed { .. }))
    }
}
