//! What a successful decision, kill or halt did.

use crate::domain::{ActionProposal, Decision, Phase, ProposalState};

/// A decision written to the cluster.
#[derive(Debug, Clone)]
pub struct DecisionOutcome {
    /// The proposal as written.
    pub proposal: ActionProposal,
    /// The decision appended.
    pub decision: Decision,
    /// The proposal's state now.
    pub state: ProposalState,
    /// Approvals still required from other people (0 once approved).
    pub approvals_still_required: u32,
    /// What an edit changed (a unified diff), for an edited approval.
    pub edit_summary: Option<String>,
    /// Whether an unrelated change made us write a second time.
    pub retried_after_conflict: bool,
    /// What went wrong after the decision was written (the Event or the local
    /// audit line could not be recorded). The decision itself stands.
    pub warnings: Vec<String>,
}

impl DecisionOutcome {
    /// One line for the status bar, such as "approved payments/raise-mem: 1 more approval needed".
    pub fn message(&self) -> String {
        let name = format!(
            "{}/{}",
            self.proposal
                .metadata
                .namespace
                .as_deref()
                .unwrap_or_default(),
            self.proposal.metadata.name.as_deref().unwrap_or_default()
        );
        let done = super::record::past_tense(self.decision.verdict);
        let revoked = self
            .proposal
            .status
            .as_ref()
            .and_then(|s| s.credential.as_ref())
            .is_some_and(|c| c.revoked);
        match (self.state, self.approvals_still_required) {
            (ProposalState::Pending, 1) => format!("{done} {name}: 1 more approval needed"),
            (ProposalState::Pending, n) => format!("{done} {name}: {n} more approvals needed"),
            (state @ (ProposalState::Vetoed | ProposalState::Expired), _) if revoked => {
                format!("{done} {name}: now {state}; its write credential is revoked")
            }
            (state, _) => format!("{done} {name}: now {state}"),
        }
    }
}

/// What a kill did.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct KillOutcome {
    /// The Job's namespace.
    pub namespace: String,
    /// The Job.
    pub job: String,
    /// The investigation id.
    pub investigation: String,
    /// Proposals that were pending, or approved but not executed yet, and are
    /// now expired by the kill.
    pub expired: Vec<String>,
    /// Proposals that had already been decided (left as they were).
    pub already_decided: Vec<String>,
    /// Whether the Job was deleted now (false when it was already gone).
    pub job_deleted: bool,
    /// What could not be recorded (Events, audit lines); the kill stands.
    pub warnings: Vec<String>,
}

/// What a halt did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HaltOutcome {
    /// The namespace halted.
    pub namespace: String,
    /// The phase before the halt.
    pub previous_phase: Phase,
    /// Whether a TrustPolicy had to be created (there was none).
    pub policy_created: bool,
    /// Investigation Jobs suspended now.
    pub suspended: Vec<String>,
    /// Proposals expired by the halt: those pending, and those approved but
    /// not executed yet.
    pub expired: Vec<String>,
    /// What could not be recorded (Events, audit lines); the halt stands.
    pub warnings: Vec<String>,
}
