//! Trust policy rules: validation, promotion readiness from known proposals,
//! the one-phase-at-a-time rule, a concurrent edit against the sandbox, and
//! the three audit records of a change.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test, bench or example may panic on what it sets up

use jiff::{SignedDuration, Timestamp};
use k8s_openapi::api::core::v1::Event;
use kube::api::ListParams;
use kube::{Api, ResourceExt};
use kubevigil::audit::{
    AUDIT_LABEL, AuditAction, AuditLog, LastChange, collect_from_cluster, read_local,
};
use kubevigil::decide::Identity;
use kubevigil::domain::labels::LAST_CHANGE;
use kubevigil::domain::policy::POLICY_NAME;
use kubevigil::domain::{
    Phase, PromotionCriteria, ProposalState, Risk, TrustPolicy, TrustPolicySpec,
};
use kubevigil::policy::{
    FieldError, Observation, PhaseRuleError, PolicyApplyError, PolicyChangeRequest, apply_policy,
    assess, check_phase_change, evidence, parse_spec_yaml, validate,
};
use kubevigil::sandbox::{Sandbox, SandboxOptions};

fn refused(change: impl FnOnce(&mut TrustPolicySpec)) -> Vec<String> {
    let mut spec = TrustPolicySpec::default();
    change(&mut spec);
    validate(&spec).iter().map(ToString::to_string).collect()
}

#[test]
fn each_invalid_field_is_refused_with_its_message() {
    let cases: Vec<(Vec<String>, &str)> = vec![
        (
            refused(|s| s.required_approvals = 0),
            "requiredApprovals: 0 is outside 1..=2 people",
        ),
        (
            refused(|s| s.required_approvals = 3),
            "requiredApprovals: 3 is outside 1..=2 people",
        ),
        (
            refused(|s| s.proposal_timeout_seconds = 59),
            "proposalTimeoutSeconds: 59 is outside 60..=86400 s",
        ),
        (
            refused(|s| s.proposal_timeout_seconds = 86_401),
            "proposalTimeoutSeconds: 86401 is outside 60..=86400 s",
        ),
        (
            refused(|s| s.credential_ttl_seconds = 29),
            "credentialTtlSeconds: 29 is outside 30..=3600 s",
        ),
        (
            refused(|s| s.credential_ttl_seconds = 3_601),
            "credentialTtlSeconds: 3601 is outside 30..=3600 s",
        ),
        (
            refused(|s| {
                s.proposal_timeout_seconds = 120;
                s.credential_ttl_seconds = 300;
            }),
            "credentialTtlSeconds: 300 s is longer than the proposal timeout (120 s)",
        ),
        (
            refused(|s| s.autonomous_risk_ceiling = Risk::Critical),
            "autonomousRiskCeiling: critical actions always need a person: the ceiling is at most high",
        ),
        (
            refused(|s| s.max_concurrent_investigations = 0),
            "maxConcurrentInvestigations: 0 is outside 1..=50",
        ),
        (
            refused(|s| {
                s.phase = Phase::LimitedWrite;
                s.allowed_actions.clear();
            }),
            "allowedActions: no action kind is allowed, so every proposal in LimitedWrite would be vetoed; use ReadOnlyAssist instead",
        ),
        (
            refused(|s| s.allowed_actions.push(kubevigil::domain::ActionKind::Patch)),
            "allowedActions: patch is listed twice",
        ),
        (
            refused(|s| s.vault_policy = Some("bad policy!".into())),
            "vaultPolicy: must be 1 to 128 of A-Z a-z 0-9 - _ . /",
        ),
        (
            refused(|s| s.promotion.min_decisions = 0),
            "promotion.minDecisions: 0 is outside 1..=10000",
        ),
        (
            refused(|s| s.promotion.max_veto_rate_percent = 101),
            "promotion.maxVetoRatePercent: 101 is outside 0..=100 %",
        ),
        (
            refused(|s| s.promotion.observation_window_hours = 0),
            "promotion.observationWindowHours: 0 is outside 1..=2160 h",
        ),
    ];
    for (errors, expected) in cases {
        assert_eq!(errors, vec![expected.to_string()]);
    }
    assert!(validate(&TrustPolicySpec::default()).is_empty());
}

#[test]
fn yaml_with_an_unknown_phase_or_field_is_refused_by_name() {
    assert_eq!(
        parse_spec_yaml("phase: Yolo\n").err(),
        Some(FieldError::new(
            "phase",
            "unknown phase \"Yolo\": one of Shadow, ReadOnlyAssist, LimitedWrite, Autonomous"
        ))
    );
    assert_eq!(
        parse_spec_yaml("phase: Shadow\npromotion:\n  minDecision: 3\n").err(),
        Some(FieldError::new("promotion.minDecision", "unknown field"))
    );
    assert_eq!(
        parse_spec_yaml("requiredApprovals: 2\n")
            .err()
            .map(|e| e.field),
        Some("phase".into())
    );
    // allowUnsealedCredentials is known, and refused by name when not a yes/no.
    assert_eq!(
        parse_spec_yaml("phase: Shadow\nallowUnsealedCredentials: maybe\n")
            .err()
            .map(|e| e.field),
        Some("allowUnsealedCredentials".into())
    );
    let unsealed =
        parse_spec_yaml("phase: Shadow\nallowUnsealedCredentials: true\n").expect("valid");
    assert!(unsealed.allow_unsealed_credentials);
    assert!(
        !parse_spec_yaml("phase: Shadow\n")
            .expect("valid")
            .allow_unsealed_credentials,
        "refused unless said"
    );
    let parsed = parse_spec_yaml("phase: limited write\nrequiredApprovals: 2\n").expect("valid");
    assert_eq!(
        (parsed.phase, parsed.required_approvals),
        (Phase::LimitedWrite, 2)
    );
}

fn now() -> Timestamp {
    "2026-11-27T02:00:00Z".parse().expect("timestamp")
}

fn seen(state: ProposalState, hours_ago: i64, waited_seconds: Option<i64>) -> Observation {
    let created = now() - SignedDuration::from_hours(hours_ago);
    Observation {
        created: Some(created),
        state,
        decided_by_person_at: waited_seconds.map(|s| created + SignedDuration::from_secs(s)),
        killed: false,
    }
}

#[test]
fn promotion_readiness_is_computed_from_the_proposals() {
    let criteria = PromotionCriteria::default();
    // 12 decisions in the window: 8 executed, 1 failed, 1 approved, 1 vetoed, 1 expired;
    // and one vetoed proposal from before the window that must not count.
    let mut observed: Vec<Observation> = (0..8)
        .map(|i| seen(ProposalState::Executed, 2, Some(60 + i * 10)))
        .collect();
    observed.push(seen(ProposalState::Failed, 3, Some(200)));
    observed.push(seen(ProposalState::Approved, 3, Some(300)));
    observed.push(seen(ProposalState::Vetoed, 4, Some(400)));
    observed.push(seen(ProposalState::Expired, 5, None));
    observed.push(seen(ProposalState::Vetoed, 24 * 8, Some(10)));
    let counted = evidence(&observed, criteria.observation_window_hours, now());
    assert_eq!(counted.proposals, 12);
    assert_eq!(counted.decisions(), 12);
    assert_eq!((counted.executed, counted.failed), (8, 1));
    assert_eq!((counted.vetoed, counted.expired), (1, 1));
    assert_eq!(counted.veto_rate_percent(), Some(17));
    assert_eq!(counted.median_decision_seconds, Some(110));
    let assessment = assess(Phase::LimitedWrite, &criteria, &counted);
    assert_eq!(
        assessment.summary(),
        "not ready: 12 of 20 decisions; veto rate 17% > 10%"
    );

    // Twenty clean decisions: ready for Autonomous.
    let clean: Vec<Observation> = (0..20)
        .map(|_| seen(ProposalState::Executed, 1, Some(30)))
        .collect();
    let counted = evidence(&clean, 168, now());
    assert_eq!(
        assess(Phase::LimitedWrite, &criteria, &counted).summary(),
        "ready for Autonomous"
    );

    // Too many vetoes and failures in Autonomous: demote.
    let mut bad: Vec<Observation> = (0..3)
        .map(|_| seen(ProposalState::Vetoed, 1, Some(30)))
        .collect();
    bad.extend((0..3).map(|_| seen(ProposalState::Failed, 1, None)));
    let counted = evidence(&bad, 168, now());
    let assessment = assess(Phase::Autonomous, &criteria, &counted);
    assert!(assessment.suggests_demotion());
    assert_eq!(
        assessment.summary(),
        "demote to LimitedWrite: 3 vetoes > 2 allowed (10% of 20); 3 failed executions > 2 allowed (10% of 20)"
    );

    // In the observation phases the evidence is what was seen.
    let recorded: Vec<Observation> = (0..7)
        .map(|_| seen(ProposalState::Recorded, 1, None))
        .collect();
    let counted = evidence(&recorded, 168, now());
    assert_eq!(
        assess(Phase::ReadOnlyAssist, &criteria, &counted).summary(),
        "not ready: 7 of 20 proposals observed"
    );
}

#[test]
fn promotion_moves_one_phase_at_a_time_unless_overridden_with_a_reason() {
    assert_eq!(
        check_phase_change(Phase::ReadOnlyAssist, Phase::LimitedWrite, None),
        Ok(())
    );
    assert_eq!(
        check_phase_change(Phase::Shadow, Phase::LimitedWrite, None),
        Err(PhaseRuleError::SkipsPhases {
            from: Phase::Shadow,
            to: Phase::LimitedWrite,
            skipped: "ReadOnlyAssist".into()
        })
    );
    assert_eq!(
        check_phase_change(Phase::Shadow, Phase::Autonomous, None)
            .map_err(|e| e.to_string()),
        Err("phase: Shadow -> Autonomous skips ReadOnlyAssist, LimitedWrite; promote one phase at a time, or override with a reason".to_string())
    );
    assert_eq!(
        check_phase_change(Phase::Shadow, Phase::Autonomous, Some("  ")),
        Err(PhaseRuleError::OverrideNeedsReason)
    );
    assert_eq!(
        check_phase_change(
            Phase::Shadow,
            Phase::Autonomous,
            Some("mirror of staging, trusted for a year")
        ),
        Ok(())
    );
    // Taking trust away is always allowed.
    assert_eq!(
        check_phase_change(Phase::Autonomous, Phase::Shadow, None),
        Ok(())
    );
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime")
}

async fn quiet_sandbox() -> Sandbox {
    Sandbox::start(SandboxOptions {
        scenarios: false,
        ..SandboxOptions::default()
    })
    .await
    .expect("sandbox starts")
}

fn person(user: &str) -> Identity {
    Identity {
        user: user.into(),
        groups: Vec::new(),
        verified: true,
    }
}

async fn current(sandbox: &Sandbox, namespace: &str) -> TrustPolicy {
    let client = sandbox.api().client("oncall-1").expect("client");
    Api::<TrustPolicy>::namespaced(client, namespace)
        .get(POLICY_NAME)
        .await
        .expect("the policy")
}

fn promote(policy: &TrustPolicy, user: &str, to: Phase, why: &str) -> PolicyChangeRequest {
    PolicyChangeRequest {
        namespace: policy.namespace().unwrap_or_default(),
        base: Some(policy.spec.clone()),
        base_resource_version: policy.resource_version(),
        spec: TrustPolicySpec {
            phase: to,
            ..policy.spec.clone()
        },
        actor: person(user),
        reason: Some(why.into()),
        override_phase_rule: false,
        context: Some("sandbox".into()),
    }
}

#[test]
fn a_concurrent_edit_is_shown_and_never_overwritten() {
    let runtime = runtime();
    runtime.block_on(async {
        let sandbox = quiet_sandbox().await;
        let dir = tempfile::tempdir().expect("tempdir");
        let audit = AuditLog::open(dir.path().join("audit.jsonl")).expect("audit log");
        let seen_by_both = current(&sandbox, "data").await;
        assert_eq!(seen_by_both.spec.phase, Phase::ReadOnlyAssist);
        let first = promote(&seen_by_both, "oncall-1", Phase::LimitedWrite, "20 good suggestions");
        let second = PolicyChangeRequest {
            spec: TrustPolicySpec {
                required_approvals: 2,
                ..seen_by_both.spec.clone()
            },
            ..promote(&seen_by_both, "oncall-2", Phase::ReadOnlyAssist, "two people")
        };
        let one = sandbox.api().client("oncall-1").expect("client");
        let two = sandbox.api().client("oncall-2").expect("client");
        apply_policy(&one, &first, &audit).await.expect("the first change is applied");
        let lost = apply_policy(&two, &second, &audit).await;
        match lost {
            Err(PolicyApplyError::Conflict { changed_by, what, current, .. }) => {
                assert_eq!(changed_by.as_deref(), Some("oncall-1"));
                assert_eq!(what.as_deref(), Some("phase ReadOnlyAssist -> LimitedWrite"));
                assert_eq!(current.map(|c| c.phase), Some(Phase::LimitedWrite));
            }
            other => panic!("expected a conflict, got {other:?}"),
        }
        let message = apply_policy(&two, &second, &audit).await.err().map(|e| e.to_string());
        assert_eq!(
            message.as_deref(),
            Some("oncall-1 changed the trust policy of data while you were editing (phase ReadOnlyAssist -> LimitedWrite); nothing was overwritten")
        );
        let after = current(&sandbox, "data").await;
        assert_eq!(after.spec.phase, Phase::LimitedWrite, "the first change stands");
        assert_eq!(after.spec.required_approvals, 1, "the second was not written");
        sandbox.shutdown().await;
    });
}

#[test]
fn a_change_is_recorded_as_an_event_an_annotation_and_a_local_log_line() {
    let runtime = runtime();
    runtime.block_on(async {
        let sandbox = quiet_sandbox().await;
        let dir = tempfile::tempdir().expect("tempdir");
        let log_path = dir.path().join("audit.jsonl");
        let audit = AuditLog::open(&log_path).expect("audit log");
        let client = sandbox.api().client("oncall-1").expect("client");
        let before = current(&sandbox, "platform").await;
        let mut request = promote(&before, "oncall-1", Phase::LimitedWrite, "staging mirror, agents proved out");
        // Skipping ReadOnlyAssist needs the override and its reason.
        let refused = apply_policy(&client, &request, &audit).await.err();
        assert!(matches!(refused, Some(PolicyApplyError::PhaseRule(PhaseRuleError::SkipsPhases { .. }))));
        request.override_phase_rule = true;
        let applied = apply_policy(&client, &request, &audit).await.expect("applied");
        assert!(applied.warnings.is_empty(), "{:?}", applied.warnings);
        assert_eq!(applied.change.what, "phase Shadow -> LimitedWrite (one-phase rule overridden)");

        // The annotation.
        let after = current(&sandbox, "platform").await;
        let change = after.annotations().get(LAST_CHANGE).and_then(|a| LastChange::parse(a)).expect("annotation");
        assert_eq!(change.by, "oncall-1");
        assert_eq!(change.action, AuditAction::PolicyChange);
        assert_eq!(change.why.as_deref(), Some("staging mirror, agents proved out"));

        // The Event on the policy.
        let events: Api<Event> = Api::namespaced(client.clone(), "platform");
        let listed = events.list(&ListParams::default().labels(&format!("{AUDIT_LABEL}=true"))).await.expect("events");
        let event = listed.items.iter().find(|e| e.reason.as_deref() == Some("PolicyChanged")).expect("a PolicyChanged event");
        assert_eq!(event.involved_object.kind.as_deref(), Some("TrustPolicy"));
        assert_eq!(event.involved_object.name.as_deref(), Some(POLICY_NAME));
        assert_eq!(
            event.message.as_deref(),
            Some("oncall-1 changed the trust policy of platform: phase Shadow -> LimitedWrite (one-phase rule overridden): staging mirror, agents proved out")
        );

        // The local log line.
        let (records, malformed) = read_local(&log_path).expect("log");
        assert_eq!(malformed, 0);
        assert_eq!(records.len(), 1);
        assert_eq!(records[0].action, AuditAction::PolicyChange);
        assert_eq!(records[0].object, "trustpolicy/default");
        assert_eq!(records[0].namespace, "platform");

        // What :audit and the export read: one record, with the context from the Event.
        let since = Timestamp::now() - SignedDuration::from_hours(1);
        let trail = collect_from_cluster(&client, Some("platform"), since).await.expect("trail");
        let changes: Vec<_> = trail.iter().filter(|r| r.action == AuditAction::PolicyChange).collect();
        assert_eq!(changes.len(), 1, "{trail:?}");
        assert_eq!(changes[0].context.as_deref(), Some("sandbox"));
        sandbox.shutdown().await;
    });
}

#[test]
fn a_policy_can_be_created_where_none_exists() {
    let runtime = runtime();
    runtime.block_on(async {
        let sandbox = quiet_sandbox().await;
        let dir = tempfile::tempdir().expect("tempdir");
        let audit = AuditLog::open(dir.path().join("audit.jsonl")).expect("audit log");
        let client = sandbox.api().client("oncall-1").expect("client");
        let policies: Api<TrustPolicy> = Api::namespaced(client.clone(), "web");
        policies.delete(POLICY_NAME, &Default::default()).await.expect("deleted");
        let request = PolicyChangeRequest {
            namespace: "web".into(),
            base: None,
            base_resource_version: None,
            spec: TrustPolicySpec {
                phase: Phase::ReadOnlyAssist,
                ..TrustPolicySpec::default()
            },
            actor: person("oncall-1"),
            reason: None,
            override_phase_rule: false,
            context: None,
        };
        let applied = apply_policy(&client, &request, &audit).await.expect("created");
        assert!(applied.created);
        assert_eq!(applied.change.what, "created: phase ReadOnlyAssist");
        // A second create from the same (empty) starting point conflicts.
        let again = apply_policy(&client, &PolicyChangeRequest { actor: person("oncall-2"), ..request }, &audit).await;
        assert!(matches!(again, Err(PolicyApplyError::Conflict { ref changed_by, .. }) if changed_by.as_deref() == Some("oncall-1")), "{again:?}");
        sandbox.shutdown().await;
    });
}
