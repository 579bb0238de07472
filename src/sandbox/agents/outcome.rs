//! How an investigation ended, and how the agent says so.

use crate::domain::Phase;
use std::fmt;

/// How a simulated investigation ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Every write it proposed was approved and executed.
    Executed,
    /// An approved write failed when executed.
    ExecutionFailed {
        /// What went wrong.
        message: String,
    },
    /// The approved write was not executed and no result was reported: its
    /// credential could not be used (intercepted).
    NotExecuted {
        /// Why.
        message: String,
    },
    /// A person or rule vetoed, and there was no safer revision left.
    Vetoed {
        /// Who vetoed.
        by: String,
        /// Why.
        reason: String,
    },
    /// The proposal expired before anything ran: nobody decided in time, or
    /// it was approved but no write credential came (timeout means deny).
    Expired,
    /// The proposal was killed (investigation killed or namespace halted).
    Killed {
        /// Who killed it.
        by: String,
    },
    /// The phase only records proposals (Shadow, ReadOnlyAssist).
    Recorded {
        /// The phase in force.
        phase: Phase,
    },
    /// The Job or the proposal was deleted; the agent stopped at once.
    Stopped,
    /// The agent failed part-way (a simulated crash, for realism).
    Crashed,
}

impl Outcome {
    /// Whether the agent believes the problem is fixed.
    pub fn resolved(&self) -> bool {
        *self == Outcome::Executed
    }

    /// The conclusion the agent prints, given the root cause it found and
    /// what it proposed.
    pub fn conclusion(&self, cause: &str, proposed: &str) -> String {
        match self {
            Outcome::Executed => {
                format!("Root cause: {cause}. Fixed: {proposed}. Verified after the change.")
            }
            Outcome::ExecutionFailed { message } => format!(
                "Root cause: {cause}. The approved change failed: {message}. Nothing else was changed; handing over to on-call."
            ),
            Outcome::NotExecuted { message } => format!(
                "Root cause: {cause}. The approved change was not executed: {message} Nothing was changed; handing over to on-call."
            ),
            Outcome::Vetoed { by, reason } => format!(
                "Root cause: {cause}. {by} vetoed the fix (\"{reason}\"), so nothing was changed. Handing over to on-call with the evidence above."
            ),
            Outcome::Expired => format!(
                "Root cause: {cause}. The proposal expired before anything was executed (no decision in time, or no write credential), and a timeout means no: nothing was changed."
            ),
            Outcome::Killed { by } => {
                format!("Stopped by {by}: the proposal was killed and nothing was changed.")
            }
            Outcome::Recorded { phase } => format!(
                "Root cause: {cause}. This namespace is in {phase}: the proposal was recorded for comparison with what on-call does, not executed. Suggested fix: {proposed}."
            ),
            Outcome::Stopped => "Stopped: the investigation was deleted.".to_string(),
            Outcome::Crashed => "The agent failed before reaching a conclusion.".to_string(),
        }
    }
}

impl fmt::Display for Outcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Outcome::Executed => f.write_str("executed"),
            Outcome::ExecutionFailed { .. } => f.write_str("execution failed"),
            Outcome::NotExecuted { .. } => f.write_str("not executed"),
            Outcome::Vetoed { by, .. } => write!(f, "vetoed by {by}"),
            Outcome::Expired => f.write_str("expired"),
            Outcome::Killed { by } => write!(f, "killed by {by}"),
            Outcome::Recorded { phase } => write!(f, "recorded ({phase})"),
            Outcome::Stopped => f.write_str("stopped"),
            Outcome::Crashed => f.write_str("crashed"),
        }
    }
}
