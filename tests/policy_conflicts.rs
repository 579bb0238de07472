//! Two people edit one trust policy, through the console's `update` against
//! the sandbox's API emulator: oncall-1 edits `data` (with the form or the
//! YAML editor), oncall-2 writes the policy meanwhile, oncall-1's apply meets
//! a 409. The editor reloads the policy as it is now, re-applies only
//! oncall-1's fields, names who changed what and where both changed the same
//! field, and nothing oncall-2 wrote is reverted unless oncall-1 saw it in
//! the review and confirmed again.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test, bench or example may panic on what it sets up

mod common;

use common::keys::{press, type_text};
use common::screen::screen;
use common::world::{audit_log, create_policy, emulator};
use crossterm::event::{KeyCode, KeyModifiers};
use kube::api::Api;
use kube::{Client, ResourceExt};
use kubevigil::app::action::Action;
use kubevigil::app::effect::Effect;
use kubevigil::app::fixtures::{StateBuilder, key_with};
use kubevigil::app::state::{EditorStage, State};
use kubevigil::app::update;
use kubevigil::audit::{AuditLog, LastChange};
use kubevigil::decide::Identity;
use kubevigil::domain::labels::LAST_CHANGE;
use kubevigil::domain::policy::POLICY_NAME;
use kubevigil::domain::{Phase, TrustPolicy, TrustPolicySpec};
use kubevigil::policy::{PolicyApplyError, PolicyChangeRequest, apply_policy};

const NS: &str = "data";

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime")
}

async fn read(client: &Client) -> TrustPolicy {
    Api::<TrustPolicy>::namespaced(client.clone(), NS)
        .get(POLICY_NAME)
        .await
        .expect("the policy")
}

/// oncall-1's console on `:policies`, the editor open on `policy`.
fn console(policy: &TrustPolicy) -> State {
    let mut state = StateBuilder::new().size(160, 48).build();
    let epoch = state.epoch;
    let record = kubevigil::cluster::trim::policy(policy).expect("a default policy");
    update(
        &mut state,
        Action::PoliciesChanged {
            epoch,
            applied: vec![record],
            deleted: Vec::new(),
        },
    );
    update(&mut state, Action::RunCommandLine("policies".into()));
    while state
        .policy_view
        .selected()
        .is_some_and(|row| row.namespace != NS)
    {
        press(&mut state, KeyCode::Char('j'));
    }
    press(&mut state, KeyCode::Char('e'));
    let editor = state.policy_view.editor.as_ref().expect("the editor opens");
    assert_eq!(editor.base_resource_version, policy.resource_version());
    state
}

/// Presses `y` on the review and returns the change sent.
fn apply_key(state: &mut State) -> PolicyChangeRequest {
    let effects = press(state, KeyCode::Char('y'));
    effects
        .into_iter()
        .find_map(|e| match e {
            Effect::ApplyPolicy(request) => Some(*request),
            _ => None,
        })
        .unwrap_or_else(|| panic!("y sent nothing:\n{}", screen(state)))
}

/// oncall-2 changes the policy as it is now, through the product's own path
/// (so the policy names them as its last changer).
async fn oncall_2_writes(
    client: &Client,
    audit: &AuditLog,
    change: impl FnOnce(&mut TrustPolicySpec),
) {
    let now = read(client).await;
    let mut spec = now.spec.clone();
    change(&mut spec);
    let request = PolicyChangeRequest {
        namespace: NS.into(),
        base: Some(now.spec.clone()),
        base_resource_version: now.resource_version(),
        spec,
        actor: Identity {
            user: "oncall-2".into(),
            groups: Vec::new(),
            verified: true,
        },
        reason: Some("meanwhile".into()),
        override_phase_rule: false,
        context: Some("sandbox".into()),
    };
    apply_policy(client, &request, audit)
        .await
        .expect("oncall-2's change is written");
}

/// Sends oncall-1's change as the runtime would and feeds the answer back.
async fn send(
    state: &mut State,
    client: &Client,
    audit: &AuditLog,
    request: &PolicyChangeRequest,
) -> bool {
    let result = apply_policy(client, request, audit).await;
    let conflicted = matches!(result, Err(PolicyApplyError::Conflict { .. }));
    update(state, Action::PolicyApplied(Box::new(result)));
    conflicted
}

fn last_change(policy: &TrustPolicy) -> LastChange {
    policy
        .annotations()
        .get(LAST_CHANGE)
        .and_then(|a| LastChange::parse(a))
        .expect("the last change is recorded")
}

#[test]
fn the_form_after_a_409_reapplies_only_my_fields_and_shows_theirs() {
    runtime().block_on(async {
        let server = emulator().await;
        let (_data, audit) = audit_log();
        let one = server.client("oncall-1").expect("client");
        let two = server.client("oncall-2").expect("client");
        let start = TrustPolicySpec {
            phase: Phase::ReadOnlyAssist,
            ..TrustPolicySpec::default()
        };
        let opened = create_policy(one.clone(), NS, start).await;

        // oncall-1 promotes data and lengthens the credential TTL to 600 s.
        let mut state = console(&opened);
        press(&mut state, KeyCode::Char('l'));
        for _ in 0..3 {
            press(&mut state, KeyCode::Char('j'));
        }
        for _ in 0..3 {
            press(&mut state, KeyCode::Backspace);
        }
        type_text(&mut state, "600");
        press(&mut state, KeyCode::Enter);
        type_text(&mut state, "20 good suggestions");
        press(&mut state, KeyCode::Enter);
        let first = apply_key(&mut state);

        // Meanwhile oncall-2 requires two approvals and shortens the TTL to 120 s.
        oncall_2_writes(&two, &audit, |s| {
            s.required_approvals = 2;
            s.credential_ttl_seconds = 120;
        })
        .await;
        assert!(send(&mut state, &one, &audit, &first).await, "a 409");
        let after = read(&one).await;
        assert_eq!(after.spec.required_approvals, 2, "nothing was overwritten");
        assert_eq!(after.spec.phase, Phase::ReadOnlyAssist);

        // The review: against the policy as it is now, naming oncall-2's changes.
        let editor = state.policy_view.editor.as_ref().expect("still open");
        assert_eq!(editor.stage, EditorStage::Diff);
        assert_eq!(editor.base_resource_version, after.resource_version());
        let shown = screen(&state);
        for expected in [
            "oncall-2 changed this policy at",
            "requiredApprovals 1 -> 2 (kept)",
            "✗ credentialTtlSeconds: oncall-2 set 120, you set 600 (was 300)",
            "- phase: ReadOnlyAssist",
            "+ phase: LimitedWrite",
            "  requiredApprovals: 2",
            "- credentialTtlSeconds: 120",
            "+ credentialTtlSeconds: 600",
        ] {
            assert!(shown.contains(expected), "{expected:?} missing:\n{shown}");
        }
        assert!(!shown.contains("- requiredApprovals"), "{shown}");

        // oncall-2 writes once more before oncall-1 confirms: another 409, another review.
        oncall_2_writes(&two, &audit, |s| s.proposal_timeout_seconds = 1800).await;
        let second = apply_key(&mut state);
        assert_eq!(second.spec.required_approvals, 2);
        assert!(
            send(&mut state, &one, &audit, &second).await,
            "a second 409"
        );
        let shown = screen(&state);
        assert!(
            shown.contains("proposalTimeoutSeconds 900 -> 1800 (kept)"),
            "{shown}"
        );
        assert!(
            !shown.contains("✗ credentialTtlSeconds"),
            "the TTL is now simply oncall-1's change against what oncall-1 saw: {shown}"
        );
        assert!(shown.contains("+ credentialTtlSeconds: 600"), "{shown}");

        // Confirmed again: written, with both people's changes.
        let third = apply_key(&mut state);
        assert!(!send(&mut state, &one, &audit, &third).await);
        assert!(state.policy_view.editor.is_none(), "{}", screen(&state));
        let written = read(&one).await;
        assert_eq!(written.spec.phase, Phase::LimitedWrite);
        assert_eq!(written.spec.credential_ttl_seconds, 600);
        assert_eq!(
            written.spec.required_approvals, 2,
            "oncall-2's change stands"
        );
        assert_eq!(written.spec.proposal_timeout_seconds, 1800);
        let change = last_change(&written);
        assert_eq!(change.by, "oncall-1");
        assert_eq!(
            change.what,
            "phase ReadOnlyAssist -> LimitedWrite; credentialTtlSeconds 120 -> 600"
        );
        server.shutdown().await;
    });
}

#[test]
fn the_yaml_editor_after_a_409_reapplies_only_my_fields() {
    runtime().block_on(async {
        let server = emulator().await;
        let (_data, audit) = audit_log();
        let one = server.client("oncall-1").expect("client");
        let two = server.client("oncall-2").expect("client");
        let start = TrustPolicySpec {
            phase: Phase::LimitedWrite,
            ..TrustPolicySpec::default()
        };
        let opened = create_policy(one.clone(), NS, start).await;

        // oncall-1, in the YAML: three concurrent investigations, unsealed credentials allowed.
        let mut state = console(&opened);
        press(&mut state, KeyCode::Char('y'));
        let lines: Vec<String> = state
            .policy_view
            .editor
            .as_ref()
            .map(|e| e.yaml.lines().to_vec())
            .unwrap_or_default();
        let at = lines
            .iter()
            .position(|l| l.starts_with("maxConcurrentInvestigations:"))
            .expect("the field is in the YAML");
        for _ in 0..at {
            press(&mut state, KeyCode::Down);
        }
        press(&mut state, KeyCode::End);
        press(&mut state, KeyCode::Backspace);
        type_text(&mut state, "3");
        press(&mut state, KeyCode::Enter);
        type_text(&mut state, "allowUnsealedCredentials: true");
        update(
            &mut state,
            key_with(KeyCode::Char('s'), KeyModifiers::CONTROL),
        );
        press(&mut state, KeyCode::Enter);
        let first = apply_key(&mut state);
        assert_eq!(first.spec.max_concurrent_investigations, 3);
        assert!(first.spec.allow_unsealed_credentials);

        // Meanwhile oncall-2 lowers the evidence bar and sets concurrency to 8.
        oncall_2_writes(&two, &audit, |s| {
            s.promotion.min_decisions = 5;
            s.max_concurrent_investigations = 8;
        })
        .await;
        assert!(send(&mut state, &one, &audit, &first).await, "a 409");
        let shown = screen(&state);
        for expected in [
            "promotion.minDecisions 20 -> 5 (kept)",
            "✗ maxConcurrentInvestigations: oncall-2 set 8, you set 3 (was 5)",
            "- maxConcurrentInvestigations: 8",
            "+ maxConcurrentInvestigations: 3",
            "+ allowUnsealedCredentials: true",
            "    minDecisions: 5",
        ] {
            assert!(shown.contains(expected), "{expected:?} missing:\n{shown}");
        }

        // Back to the YAML: it holds the rebased spec, not the stale one.
        press(&mut state, KeyCode::Char('n'));
        press(&mut state, KeyCode::Char('y'));
        let yaml = state
            .policy_view
            .editor
            .as_ref()
            .map(|e| e.yaml.lines().join("\n"))
            .unwrap_or_default();
        assert!(yaml.contains("minDecisions: 5"), "{yaml}");
        assert!(yaml.contains("maxConcurrentInvestigations: 3"), "{yaml}");
        update(
            &mut state,
            key_with(KeyCode::Char('s'), KeyModifiers::CONTROL),
        );
        press(&mut state, KeyCode::Enter);
        let second = apply_key(&mut state);
        assert!(!send(&mut state, &one, &audit, &second).await);
        let written = read(&one).await;
        assert_eq!(
            written.spec.promotion.min_decisions, 5,
            "oncall-2's change stands"
        );
        assert_eq!(written.spec.max_concurrent_investigations, 3);
        assert!(written.spec.allow_unsealed_credentials);
        assert_eq!(written.spec.phase, Phase::LimitedWrite);
        server.shutdown().await;
    });
}
