//! Why a decision was refused.

use crate::domain::ProposalState;
use thiserror::Error;

/// A decision that the rules refuse to record.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum DecisionError {
    /// The proposal is no longer waiting for a decision.
    #[error("already {state} by {by}: decisions are final")]
    AlreadyDecided {
        /// Who made the decision that ended the wait (a user, `rule:<name>`, or the phase).
        by: String,
        /// The state the proposal is in.
        state: ProposalState,
    },
    /// This person has already approved; one person counts once.
    #[error(
        "{by} has already approved this proposal; a second approval must come from someone else"
    )]
    AlreadyApproved {
        /// The person who tried to approve twice.
        by: String,
    },
    /// A veto or kill came after the agent reported the result: the write
    /// already happened (or was tried), so there is nothing left to stop.
    #[error(
        "the agent already reported this proposal {state}: a veto can no longer stop it; undo it with a new proposal (its rollback) instead"
    )]
    AlreadyExecuted {
        /// The state the agent reported (`Executed` or `Failed`), or the
        /// approved state when the agent reported a result without changing it.
        state: ProposalState,
    },
    /// An approval named another action than the one it would approve: the
    /// action changed (was edited) after the approver looked at it.
    #[error(
        "the action changed since it was shown (approved {approved}, but {current} would run): look at it again"
    )]
    DigestMismatch {
        /// The short digest the approval named (or `none`).
        approved: String,
        /// The short digest of the action the approval would let run.
        current: String,
    },
    /// The action's payload does not parse: the agent could not have meant it.
    #[error("this action cannot be approved: {problem}")]
    NotApprovable {
        /// Why its payload does not parse.
        problem: String,
    },
    /// A veto was given without saying why.
    #[error("a veto needs a reason, so the agent can revise and the audit trail can explain it")]
    ReasonRequired,
}
