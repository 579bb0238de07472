//! The first status a proposal gets: what its namespace's TrustPolicy says.

use crate::domain::{
    ActionProposalSpec, ActionProposalStatus, CanonicalAction, Decision, DecisionSource, Phase,
    ProposalState, TrustPolicySpec, Verdict, action_digest,
};
use jiff::Timestamp;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::Time;

/// The rule that approves Autonomous proposals up to the risk ceiling.
pub const AUTONOMOUS_RULE: &str = "rule:autonomous-risk-ceiling";
/// The rule that vetoes action kinds the policy does not allow.
pub const ALLOWED_ACTIONS_RULE: &str = "rule:allowed-actions";
/// The rule that vetoes actions whose payload does not parse.
pub const CANONICAL_FORM_RULE: &str = "rule:canonical-form";
/// The rule that expires proposals nobody decided in time.
pub const TIMEOUT_RULE: &str = "rule:timeout";

/// The status a new proposal gets under `policy` (no policy means Shadow).
///
/// - Shadow and ReadOnlyAssist: `Recorded`; nothing will ever execute.
/// - LimitedWrite: `Pending`, waiting for `requiredApprovals` distinct people.
/// - Autonomous: `AutoApproved` by [`AUTONOMOUS_RULE`] when the risk is at or
///   under `autonomousRiskCeiling`, otherwise `Pending` like LimitedWrite.
/// - In the two write phases, an action kind missing from `allowedActions` is
///   `Vetoed` by [`ALLOWED_ACTIONS_RULE`], with a reason naming the kind; an
///   action whose payload does not parse is `Vetoed` by [`CANONICAL_FORM_RULE`].
/// - A rule approval carries the digest of the proposed action.
pub fn initial_status(
    spec: &ActionProposalSpec,
    policy: Option<&TrustPolicySpec>,
    now: Timestamp,
) -> ActionProposalStatus {
    let phase = policy.map(|p| p.phase).unwrap_or_default();
    let recorded = ActionProposalStatus {
        state: ProposalState::Recorded,
        phase: Some(phase),
        ..Default::default()
    };
    let Some(policy) = policy else {
        return recorded;
    };
    let required = policy.required_approvals.max(1);
    let pending = ActionProposalStatus {
        state: ProposalState::Pending,
        approvals_required: Some(required),
        phase: Some(phase),
        ..Default::default()
    };
    let problem = CanonicalAction::of(&spec.action).problem;
    match phase {
        Phase::Shadow | Phase::ReadOnlyAssist => recorded,
        _ if !policy.allowed_actions.contains(&spec.action.kind) => ActionProposalStatus {
            state: ProposalState::Vetoed,
            decisions: vec![rule_decision(
                ALLOWED_ACTIONS_RULE,
                Verdict::Veto,
                disallowed_reason(spec, policy, phase),
                now,
            )],
            ..pending
        },
        _ if problem.is_some() => ActionProposalStatus {
            state: ProposalState::Vetoed,
            decisions: vec![rule_decision(
                CANONICAL_FORM_RULE,
                Verdict::Veto,
                format!(
                    "the action cannot be approved: {}",
                    problem.unwrap_or_default()
                ),
                now,
            )],
            ..pending
        },
        Phase::LimitedWrite => pending,
        Phase::Autonomous if spec.risk <= policy.autonomous_risk_ceiling => ActionProposalStatus {
            state: ProposalState::AutoApproved,
            decisions: vec![Decision {
                action_digest: Some(action_digest(&spec.action)),
                ..rule_decision(
                    AUTONOMOUS_RULE,
                    Verdict::Approve,
                    format!(
                        "risk {} is within the Autonomous ceiling ({})",
                        spec.risk, policy.autonomous_risk_ceiling
                    ),
                    now,
                )
            }],
            approvals_required: Some(0),
            ..pending
        },
        Phase::Autonomous => pending,
    }
}

fn disallowed_reason(spec: &ActionProposalSpec, policy: &TrustPolicySpec, phase: Phase) -> String {
    let allowed: Vec<String> = policy
        .allowed_actions
        .iter()
        .map(ToString::to_string)
        .collect();
    let allowed = if allowed.is_empty() {
        "none".to_string()
    } else {
        allowed.join(", ")
    };
    format!(
        "action kind `{}` is not allowed in this namespace ({phase}; allowed: {allowed})",
        spec.action.kind
    )
}

/// A decision made by a rule at `now`.
pub(in crate::governor) fn rule_decision(
    by: &str,
    verdict: Verdict,
    reason: String,
    now: Timestamp,
) -> Decision {
    Decision {
        by: by.to_string(),
        verified: false,
        at: Time(now),
        verdict,
        reason: Some(reason),
        source: DecisionSource::Rule,
        edited: false,
        edited_action: None,
        action_digest: None,
    }
}

#[cfg(test)]
pub(in crate::governor) mod tests {
    use super::*;
    use crate::domain::{ActionKind, ActionTarget, ProposedAction, Risk};

    pub fn now() -> Timestamp {
        "2026-11-27T02:00:00Z".parse().expect("timestamp")
    }

    pub fn spec(kind: ActionKind, risk: Risk) -> ActionProposalSpec {
        ActionProposalSpec {
            investigation: "inv-1".into(),
            summary: "raise the memory limit".into(),
            rationale: String::new(),
            risk,
            reversible: true,
            action: ProposedAction {
                kind,
                target: ActionTarget {
                    api_version: "apps/v1".into(),
                    kind: "Deployment".into(),
                    namespace: "checkout".into(),
                    name: "checkout-api".into(),
                },
                patch: (kind == ActionKind::Patch)
                    .then(|| r#"{"spec":{"template":{"spec":{"containers":[{"name":"api","resources":{"limits":{"memory":"1Gi"}}}]}}}}"#.to_string()),
                patch_type: (kind == ActionKind::Patch).then(|| "strategic".to_string()),
                command: (kind == ActionKind::Exec).then(|| vec!["kill".to_string(), "-HUP".to_string(), "1".to_string()]),
                replicas: (kind == ActionKind::Scale).then_some(3),
            },
            preview: None,
            expires_at: None,
            rollback: None,
            credential_recipient: None,
        }
    }

    pub fn policy(phase: Phase) -> TrustPolicySpec {
        TrustPolicySpec {
            phase,
            required_approvals: 2,
            autonomous_risk_ceiling: Risk::Medium,
            ..Default::default()
        }
    }

    #[test]
    fn no_policy_means_shadow_and_recorded() {
        let status = initial_status(&spec(ActionKind::Patch, Risk::Low), None, now());
        assert_eq!(status.state, ProposalState::Recorded);
        assert_eq!(status.phase, Some(Phase::Shadow));
        assert!(status.decisions.is_empty());
    }

    #[test]
    fn shadow_and_read_only_assist_only_record() {
        for phase in [Phase::Shadow, Phase::ReadOnlyAssist] {
            let status = initial_status(
                &spec(ActionKind::Delete, Risk::Critical),
                Some(&policy(phase)),
                now(),
            );
            assert_eq!(status.state, ProposalState::Recorded, "{phase}");
            assert_eq!(status.phase, Some(phase));
        }
    }

    #[test]
    fn limited_write_waits_for_the_required_approvals() {
        let status = initial_status(
            &spec(ActionKind::Patch, Risk::Low),
            Some(&policy(Phase::LimitedWrite)),
            now(),
        );
        assert_eq!(status.state, ProposalState::Pending);
        assert_eq!(status.approvals_required, Some(2));
        assert!(status.decisions.is_empty());
    }

    #[test]
    fn autonomous_approves_up_to_the_ceiling_by_rule() {
        let status = initial_status(
            &spec(ActionKind::Patch, Risk::Medium),
            Some(&policy(Phase::Autonomous)),
            now(),
        );
        assert_eq!(status.state, ProposalState::AutoApproved);
        let decision = &status.decisions[0];
        assert_eq!(decision.by, AUTONOMOUS_RULE);
        assert_eq!(decision.source, DecisionSource::Rule);
        assert_eq!(decision.verdict, Verdict::Approve);
        assert_eq!(decision.at, Time(now()));
    }

    #[test]
    fn autonomous_above_the_ceiling_waits_for_people() {
        let status = initial_status(
            &spec(ActionKind::Patch, Risk::High),
            Some(&policy(Phase::Autonomous)),
            now(),
        );
        assert_eq!(status.state, ProposalState::Pending);
        assert_eq!(status.approvals_required, Some(2));
        assert!(status.decisions.is_empty());
    }

    #[test]
    fn a_disallowed_kind_is_vetoed_by_rule_naming_the_kind() {
        for phase in [Phase::LimitedWrite, Phase::Autonomous] {
            let status = initial_status(
                &spec(ActionKind::Delete, Risk::Low),
                Some(&policy(phase)),
                now(),
            );
            assert_eq!(status.state, ProposalState::Vetoed, "{phase}");
            let decision = &status.decisions[0];
            assert_eq!(decision.by, ALLOWED_ACTIONS_RULE);
            assert_eq!(decision.verdict, Verdict::Veto);
            let reason = decision.reason.as_deref().unwrap_or_default();
            assert!(reason.contains("`delete`"), "{reason}");
        }
    }
}
