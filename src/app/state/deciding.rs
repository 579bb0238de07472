//! What the console keeps for deciding: the open confirmation, decisions on
//! their way or not yet recorded, who else is here, the approvals inbox and
//! the audit view.

use crate::audit::AuditRecord;
use crate::cluster::decision_tasks::TaskId;
use crate::decide::{PendingDecision, Presence};
use crate::domain::{CanonicalAction, ProposedAction};
use crate::model::records::{ProposalKey, ProposalRecord};
use ratatui_textarea::TextArea;

/// What a decision dialog showed when it opened: the decision it sends is
/// bound to it (the cluster refuses it when the proposal was replaced or
/// another action would run), and the dialog closes when it no longer holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Shown {
    /// The proposal's uid.
    pub uid: Option<String>,
    /// The digest (`sha256:<hex>`) of the action that would run: for an
    /// edit, the action the edit started from.
    pub digest: String,
}

impl Shown {
    /// What `record` shows now.
    pub fn of(record: &ProposalRecord) -> Shown {
        Shown {
            uid: record.uid.clone(),
            digest: record.action.digest.clone(),
        }
    }
}

/// How far a dialog's scrolling part is scrolled, and how much of it has
/// been on screen: an approval is confirmed only once all of it has.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct DialogScroll {
    /// The first row on screen.
    pub offset: usize,
    /// Rows `0..seen` have all been on screen (scrolling moves at most a
    /// page at a time, so what was seen has no gaps).
    pub seen: usize,
    /// The inner width and the row count `seen` was counted at: when the
    /// text reflows, what was seen is counted again (all of it stays seen
    /// once it was).
    pub measured: Option<(u16, usize)>,
}

impl DialogScroll {
    /// Whether every row has been on screen.
    pub fn seen_all(&self) -> bool {
        self.measured.is_some_and(|(_, rows)| self.seen >= rows)
    }

    /// Counts what is on screen now, with `rows` rows at `inner_width`
    /// columns, `view` of them on screen: the offset is kept in range and
    /// the rows on screen count as seen. When the text reflowed (another
    /// width or row count), what was seen is counted again from the top,
    /// unless all of it had been seen.
    pub fn observe(&mut self, inner_width: u16, rows: usize, view: usize) {
        let now = (inner_width, rows);
        match self.measured {
            Some(before) if before == now => {}
            Some(_) if self.seen_all() => {
                self.measured = Some(now);
                self.seen = rows;
            }
            _ => {
                self.measured = Some(now);
                self.seen = 0;
                self.offset = 0;
            }
        }
        self.offset = self.offset.min(rows.saturating_sub(view));
        self.seen = self.seen.max(self.offset + view).min(rows);
    }

    /// Scrolls by `delta` rows (within range) and counts what comes on screen.
    pub fn scroll_by(&mut self, delta: isize, inner_width: u16, rows: usize, view: usize) {
        self.observe(inner_width, rows, view);
        let max = rows.saturating_sub(view);
        self.offset = self.offset.saturating_add_signed(delta).min(max);
        self.observe(inner_width, rows, view);
    }
}

/// The operator's edit of the action, checked, waiting to be approved.
#[derive(Debug, Clone, PartialEq)]
pub struct EditedAction {
    /// The edited action, as it is sent.
    pub action: ProposedAction,
    /// Its canonical form (what runs, all of it; [`crate::domain::canonical`]).
    pub canonical: CanonicalAction,
    /// A unified diff from the canonical lines of the action the edit
    /// started from to the edited ones (`no change` when equal).
    pub diff: Vec<String>,
}

/// A modal dialog that takes every key while open.
#[derive(Debug, Clone)]
pub enum Modal {
    /// Confirm an approval: `y` confirms (once all of the change has been on
    /// screen), the scroll keys scroll, any other key cancels. High and
    /// critical risk then need the proposal's name typed in `typed`.
    Approve {
        /// The proposal.
        key: ProposalKey,
        /// What the dialog was opened on: the decision is bound to it.
        shown: Shown,
        /// The edited action, for an edit before approving.
        edited: Option<Box<EditedAction>>,
        /// How far the change is scrolled and how much was seen.
        scroll: DialogScroll,
        /// The second confirmation (high and critical risk), once `y` was pressed.
        typed: Option<TextArea<'static>>,
        /// Why the last key did not confirm.
        error: Option<String>,
    },
    /// A veto: the reason is required.
    Veto {
        /// The proposal.
        key: ProposalKey,
        /// What the dialog was opened on.
        shown: Shown,
        /// How far the change is scrolled.
        scroll: DialogScroll,
        /// The reason typed so far.
        reason: TextArea<'static>,
        /// Why the reason was refused.
        error: Option<String>,
    },
    /// Editing the action before approving it.
    Edit {
        /// The proposal.
        key: ProposalKey,
        /// What the edit started from.
        shown: Shown,
        /// The action that runs now (after an earlier edit, the edited one):
        /// what is edited.
        original: ProposedAction,
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
    /// Halting a namespace: its name typed first (as kill's id), then an
    /// optional reason.
    Halt {
        /// The namespace.
        namespace: String,
        /// The reason, once the namespace's name was typed.
        reason: Option<TextArea<'static>>,
        /// The namespace's name as typed.
        typed: Box<TextArea<'static>>,
        /// Why the typed name was refused.
        error: Option<String>,
    },
    /// Resuming a halted namespace: `y` un-suspends its Jobs; then, when the
    /// phase before the halt is known, a second `y` also restores it.
    Resume {
        /// The namespace.
        namespace: String,
        /// The phase before the halt, when known.
        halted_from: Option<crate::domain::Phase>,
        /// Whether the Jobs were confirmed and the phase is asked now.
        phase_step: bool,
    },
    /// Typing the audit view's filter.
    AuditFilter,
    /// Admitting a queued investigation now (a reason required), or
    /// cancelling one (enter confirms; the reason is optional).
    Queue(Box<super::queue::QueueDialog>),
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
    /// Who leads the governor replicas, from their Lease (`None`: not read yet).
    pub governor_leader: Option<crate::governor::leader::LeaderView>,
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
