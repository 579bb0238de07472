//! What each trust phase offers the operator.

use super::DecideError;
use crate::domain::{ActionProposalStatus, Phase, ProposalState, Verdict};

/// Whether `verdict` is offered on a proposal with `status` in a namespace now
/// in `phase`. Shadow and ReadOnlyAssist proposals are recorded only;
/// approving is offered only in LimitedWrite and Autonomous. A decided proposal
/// passes here and is refused later as a conflict, naming who decided.
pub fn check_offered(
    status: &ActionProposalStatus,
    phase: Phase,
    verdict: Verdict,
) -> Result<(), DecideError> {
    if status.state == ProposalState::Recorded {
        let judged = status.phase.unwrap_or(phase);
        let message = match (judged, verdict) {
            (Phase::ReadOnlyAssist, Verdict::Approve) => approval_not_offered(judged),
            (Phase::ReadOnlyAssist, _) => {
                "this is a ReadOnlyAssist suggestion: nothing will execute, so there is nothing to veto".to_string()
            }
            _ => format!(
                "this proposal was recorded only (in {judged}): nothing will execute, so there is nothing to approve or veto"
            ),
        };
        return Err(DecideError::NotOffered {
            phase: judged,
            message,
        });
    }
    if verdict == Verdict::Approve && status.state.is_pending() && !phase.allows_approval() {
        return Err(DecideError::NotOffered {
            phase,
            message: approval_not_offered(phase),
        });
    }
    Ok(())
}

/// Why approving is not offered in `phase` (Shadow and ReadOnlyAssist).
fn approval_not_offered(phase: Phase) -> String {
    match phase {
        Phase::ReadOnlyAssist => {
            "approving is not offered in ReadOnlyAssist: copy the suggestion instead".to_string()
        }
        _ => format!(
            "approving is not offered in {phase}: proposals are recorded only, never executed"
        ),
    }
}
