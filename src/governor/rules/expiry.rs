//! When a proposal has waited too long.

use crate::domain::{ActionProposalSpec, ActionProposalStatus};
use jiff::Timestamp;

/// Whether the proposal is still waiting (no status counts as waiting) and its
/// `expiresAt` has passed at `now`. A proposal without `expiresAt` never expires.
pub fn is_expired(
    spec: &ActionProposalSpec,
    status: Option<&ActionProposalStatus>,
    now: Timestamp,
) -> bool {
    let waiting = status.is_none_or(|s| s.state.is_pending());
    waiting && spec.expires_at.as_ref().is_some_and(|at| at.0 <= now)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{ActionKind, ProposalState, Risk};
    use crate::governor::rules::initial::tests::{now, spec};
    use jiff::SignedDuration;
    use k8s_openapi::apimachinery::pkg::apis::meta::v1::Time;

    #[test]
    fn a_pending_proposal_expires_at_its_deadline() {
        let mut spec = spec(ActionKind::Patch, Risk::Low);
        spec.expires_at = Some(Time(now()));
        let pending = ActionProposalStatus::default();
        let before = now() - SignedDuration::from_secs(1);
        assert!(!is_expired(&spec, Some(&pending), before));
        assert!(is_expired(&spec, Some(&pending), now()));
        assert!(
            is_expired(&spec, None, now()),
            "no status yet counts as waiting"
        );
    }

    #[test]
    fn decided_or_open_ended_proposals_never_expire() {
        let mut spec = spec(ActionKind::Patch, Risk::Low);
        let later = now() + SignedDuration::from_secs(3600);
        assert!(!is_expired(&spec, None, later), "no expiresAt");
        spec.expires_at = Some(Time(now()));
        let approved = ActionProposalStatus {
            state: ProposalState::Approved,
            ..Default::default()
        };
        assert!(!is_expired(&spec, Some(&approved), later));
    }
}
