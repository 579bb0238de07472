//! Snapshots of the deciding views at 160x48, 80x24 and 40x12: the approvals
//! inbox (with who else is here and an unrecorded decision), the approval
//! confirmations (normal and critical risk, naming it; a JSON patch hiding an operation
//! behind whitespace or a long string, scrolled; the edited action a second
//! approver sees; an action that does not parse), the veto and edit text
//! fields, an approved proposal not run yet and its veto, the halt dialog
//! refusing a mistyped namespace name, and the audit view.
//! A property test reads every operation of any JSON patch in the approve
//! dialog, scrolled through with its keys.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test, bench or example may panic on what it sets up

mod common;

use common::keys::{decided, forbidden_status_write, press, type_text};
use common::scene::oom_investigation;
use common::screen::{draw, screen};
use crossterm::event::KeyCode;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{ObjectMeta, Time};
use kubevigil::app::action::Action;
use kubevigil::app::effect::Effect;
use kubevigil::app::fixtures::{StateBuilder, at, proposal};
use kubevigil::app::state::{Modal, State};
use kubevigil::app::update;
use kubevigil::audit::{AuditAction, AuditRecord};
use kubevigil::cluster::decision_tasks::{DecisionEffect, DecisionEvent};
use kubevigil::decide::Presence;
use kubevigil::domain::canonical::quote;
use kubevigil::domain::{
    ActionKind, ActionProposal, ActionProposalSpec, ActionProposalStatus, ActionTarget, Decision,
    DecisionSource, Phase, ProposalState, ProposedAction, Risk, Verdict, action_digest,
};
use kubevigil::model::records::{DecisionRecord, ProposalRecord};

const SIZES: [(u16, u16); 3] = [(160, 48), (80, 24), (40, 12)];

fn snapshot_at_every_size(name: &str, scene: impl Fn(u16, u16) -> State) {
    for (columns, rows) in SIZES {
        let state = scene(columns, rows);
        insta::assert_snapshot!(format!("{name}_{columns}x{rows}"), screen(&state));
    }
}

fn world(columns: u16, rows: u16, risk: Risk) -> State {
    let mut state = StateBuilder::new()
        .size(columns, rows)
        .policy("kubevigil-agents", Phase::LimitedWrite)
        .investigation(oom_investigation())
        .proposal(proposal(
            "raise-mem-7f3a",
            "oom-7f3a9c",
            risk,
            ProposalState::Pending,
        ))
        .proposal(proposal(
            "restart-api-7f3a",
            "oom-7f3a9c",
            Risk::Low,
            ProposalState::Pending,
        ))
        .proposal(approved_by_rule())
        .build();
    update(
        &mut state,
        Action::Decisions(DecisionEvent::Presence(vec![Presence {
            user: "oncall-2".into(),
            console_id: "console-2".into(),
            viewing: Some("proposal kubevigil-agents/raise-mem-7f3a".into()),
            renewed_at: at(-5),
            expires_at: at(25),
        }])),
    );
    update(&mut state, Action::RunCommandLine("approvals".into()));
    state
}

/// A proposal the Autonomous rule approved, its agent not run yet.
fn approved_by_rule() -> ProposalRecord {
    let mut record = proposal(
        "scale-out-7f3a",
        "oom-7f3a9c",
        Risk::Low,
        ProposalState::AutoApproved,
    );
    record.approvals_required = Some(0);
    record.decisions.push(DecisionRecord {
        by: "rule:autonomous-risk-ceiling".into(),
        verified: false,
        at: at(-60),
        verdict: Verdict::Approve,
        reason: Some("low risk: within the Autonomous ceiling".into()),
        by_rule: true,
        edited: false,
        action_digest: Some(record.action.short_digest.clone()),
    });
    record
}

#[test]
fn approvals_inbox() {
    snapshot_at_every_size("inbox", |c, r| {
        // The second proposal: approve it (on a terminal large enough to
        // show it) and have the cluster refuse.
        let mut state = world(160, 48, Risk::High);
        press(&mut state, KeyCode::Down);
        press(&mut state, KeyCode::Char('a'));
        press(&mut state, KeyCode::Char('y'));
        let id = state.decisions.tracked[0].id;
        let pending = state.decisions.tracked[0].request.clone();
        decided(&mut state, id, Err(forbidden_status_write(pending)));
        update(&mut state, Action::Resize(c, r));
        state
    });
}

#[test]
fn approve_confirmation() {
    snapshot_at_every_size("confirm_approve", |c, r| {
        let mut state = world(c, r, Risk::Medium);
        press(&mut state, KeyCode::Char('a'));
        state
    });
}

#[test]
fn high_risk_confirmation_asks_for_the_name() {
    snapshot_at_every_size("confirm_high_risk", |c, r| {
        let mut state = world(c, r, Risk::Critical);
        press(&mut state, KeyCode::Char('a'));
        press(&mut state, KeyCode::Char('y'));
        // Too small to show the change, y does not lead to the name: any
        // other key would close the dialog.
        if matches!(
            state.decisions.modal,
            Some(Modal::Approve { typed: Some(_), .. })
        ) {
            type_text(&mut state, "raise-");
        }
        state
    });
}

#[test]
fn halt_asks_for_the_namespaces_name() {
    snapshot_at_every_size("halt_typed_name", |c, r| {
        let mut state = world(c, r, Risk::Medium);
        update(&mut state, Action::RunCommandLine("investigations".into()));
        press(&mut state, KeyCode::Char('H'));
        type_text(&mut state, "pay");
        press(&mut state, KeyCode::Enter);
        state
    });
}

#[test]
fn veto_reason() {
    snapshot_at_every_size("veto", |c, r| {
        let mut state = world(c, r, Risk::Medium);
        press(&mut state, KeyCode::Char('v'));
        press(&mut state, KeyCode::Enter);
        type_text(&mut state, "the cache is cold");
        state
    });
}

#[test]
fn an_auto_approved_proposal_offers_only_the_veto() {
    snapshot_at_every_size("approved_proposal", |c, r| {
        let mut state = world(c, r, Risk::Medium);
        // The third row: approved by rule, its agent has not run it yet.
        press(&mut state, KeyCode::Down);
        press(&mut state, KeyCode::Down);
        press(&mut state, KeyCode::Enter);
        state
    });
}

#[test]
fn vetoing_an_approved_proposal_says_it_revokes_the_credential() {
    snapshot_at_every_size("veto_approved", |c, r| {
        let mut state = world(c, r, Risk::Medium);
        press(&mut state, KeyCode::Down);
        press(&mut state, KeyCode::Down);
        press(&mut state, KeyCode::Char('v'));
        type_text(&mut state, "not during the freeze");
        state
    });
}

#[test]
fn edit_before_approving() {
    snapshot_at_every_size("edit", |c, r| {
        let mut state = world(c, r, Risk::Medium);
        press(&mut state, KeyCode::Char('e'));
        type_text(&mut state, "x: [");
        update(
            &mut state,
            kubevigil::app::fixtures::key_with(
                KeyCode::Char('s'),
                crossterm::event::KeyModifiers::CONTROL,
            ),
        );
        state
    });
}

fn record(
    seconds: i64,
    actor: &str,
    action: AuditAction,
    object: &str,
    reason: Option<&str>,
) -> AuditRecord {
    AuditRecord {
        at: at(seconds),
        actor: actor.into(),
        verified: !actor.starts_with("rule:"),
        action,
        namespace: "payments".into(),
        object: object.into(),
        investigation: Some("oom-7f3a9c".into()),
        reason: reason.map(String::from),
        edited: false,
        context: Some("sandbox".into()),
        server: None,
        detail: None,
    }
}

#[test]
fn audit_view() {
    snapshot_at_every_size("audit", |c, r| {
        let mut state = world(c, r, Risk::Medium);
        update(&mut state, Action::RunCommandLine("audit".into()));
        update(
            &mut state,
            Action::Decisions(DecisionEvent::AuditLoaded(Ok(vec![
                record(
                    -600,
                    "oncall-2",
                    AuditAction::Veto,
                    "actionproposal/scale-7f3a",
                    Some("scale the cache first"),
                ),
                record(
                    -300,
                    "rule:timeout",
                    AuditAction::Expire,
                    "actionproposal/drain-7f3a",
                    Some("no decision before the proposal timeout"),
                ),
                record(
                    -60,
                    "oncall-1",
                    AuditAction::Approve,
                    "actionproposal/raise-mem-7f3a",
                    None,
                ),
            ]))),
        );
        type_text(&mut state, "/");
        type_text(&mut state, "oncall");
        state
    });
}

// ---- the approve dialog shows all of the action that runs ----

const NAME: &str = "annotate-api-7f3a";

fn json_action(patch: &str) -> ProposedAction {
    ProposedAction {
        kind: ActionKind::Patch,
        target: ActionTarget {
            api_version: "apps/v1".into(),
            kind: "Deployment".into(),
            namespace: "payments".into(),
            name: "api".into(),
        },
        patch: Some(patch.into()),
        patch_type: Some("json".into()),
        command: None,
        replicas: None,
    }
}

/// A pending proposal as the agent wrote it, needing `required` approvals.
fn object(action: ProposedAction, required: u32) -> ActionProposal {
    ActionProposal {
        metadata: ObjectMeta {
            name: Some(NAME.into()),
            namespace: Some("kubevigil-agents".into()),
            uid: Some("5d41402a-uid".into()),
            creation_timestamp: Some(Time(at(-120))),
            ..ObjectMeta::default()
        },
        spec: ActionProposalSpec {
            investigation: "oom-7f3a9c".into(),
            summary: "Scale payments/api to 3 replicas and note why".into(),
            rationale: "Two replicas cannot take the morning load.".into(),
            risk: Risk::Medium,
            reversible: true,
            action,
            preview: None,
            expires_at: Some(Time(at(270))),
            rollback: None,
            credential_recipient: None,
        },
        status: Some(ActionProposalStatus {
            state: ProposalState::Pending,
            approvals_required: Some(required),
            phase: Some(Phase::LimitedWrite),
            ..ActionProposalStatus::default()
        }),
    }
}

fn record_of(object: &ActionProposal) -> ProposalRecord {
    kubevigil::cluster::trim::proposal_record(
        "kubevigil-agents",
        NAME,
        object,
        &kubevigil::sanitize::Redactor::default(),
    )
}

/// oncall-1's console with `object` open in the approve dialog.
fn approving(columns: u16, rows: u16, object: &ActionProposal) -> State {
    let mut state = StateBuilder::new()
        .size(columns, rows)
        .policy("kubevigil-agents", Phase::LimitedWrite)
        .investigation(oom_investigation())
        .proposal(record_of(object))
        .build();
    update(&mut state, Action::RunCommandLine("approvals".into()));
    press(&mut state, KeyCode::Char('a'));
    state
}

/// Scrolls the open dialog to its end with space (at most 500 pages).
fn scroll_to_the_end(state: &mut State) {
    for _ in 0..500 {
        let Some(geometry) = kubevigil::app::geometry::dialog::geometry(state) else {
            return;
        };
        let offset = match &state.decisions.modal {
            Some(Modal::Approve { scroll, .. }) => scroll.offset,
            _ => return,
        };
        if geometry.too_small || offset >= geometry.max_offset() {
            return;
        }
        press(state, KeyCode::Char(' '));
    }
}

const FIRST_OP: &str = r#"{"op":"replace","path":"/spec/replicas","value":3}"#;
const SECOND_OP: &str =
    r#"{"op":"add","path":"/metadata/annotations/kubevigil~1why","value":"morning load"}"#;

#[test]
fn approve_a_patch_hiding_its_second_operation_behind_whitespace() {
    // Valid JSON: 5000 spaces between the operations push the second one
    // far past the edge of the raw text.
    let patch = format!("[{FIRST_OP},{}{SECOND_OP}]", " ".repeat(5000));
    let object = object(json_action(&patch), 1);
    snapshot_at_every_size("approve_whitespace_patch", |c, r| approving(c, r, &object));
}

#[test]
fn approve_a_patch_whose_long_string_pushes_its_second_operation_down() {
    // The first operation's value is 5000 spaces long: wrapped, it takes
    // more rows than any dialog has; the second operation comes after it.
    let first = format!(
        r#"{{"op":"add","path":"/metadata/annotations/note","value":"{}"}}"#,
        " ".repeat(5000)
    );
    let object = object(json_action(&format!("[{first},{SECOND_OP}]")), 1);
    snapshot_at_every_size("approve_long_string_opened", |c, r| {
        approving(c, r, &object)
    });
    snapshot_at_every_size("approve_long_string_scrolled", |c, r| {
        let mut state = approving(c, r, &object);
        scroll_to_the_end(&mut state);
        state
    });
}

#[test]
fn a_second_approver_sees_the_edited_action_and_the_diff() {
    let proposed = json_action(&format!("[{FIRST_OP}]"));
    let edited = json_action(&format!(
        r#"[{{"op":"replace","path":"/spec/replicas","value":4}},{SECOND_OP}]"#
    ));
    let mut object = object(proposed, 2);
    if let Some(status) = object.status.as_mut() {
        status.approvals_required = Some(1);
        status.decisions = vec![Decision {
            by: "oncall-2".into(),
            verified: true,
            at: Time(at(-60)),
            verdict: Verdict::Approve,
            reason: None,
            source: DecisionSource::Manual,
            edited: true,
            action_digest: Some(action_digest(&edited)),
            edited_action: Some(edited),
        }];
    }
    snapshot_at_every_size("approve_edited_second_approver", |c, r| {
        approving(c, r, &object)
    });
}

#[test]
fn an_action_that_does_not_parse_is_flagged_and_offers_no_y() {
    let broken = format!("[{FIRST_OP},{{\"op\":\"add\",\"path\":\"/x\"");
    let object = object(json_action(&broken), 1);
    snapshot_at_every_size("approve_not_approvable", |c, r| approving(c, r, &object));
}

mod every_operation_in_the_dialog {
    use super::*;
    use proptest::prelude::*;

    fn whitespace() -> impl Strategy<Value = String> {
        prop_oneof![
            6 => "[ \t\r\n]{0,3}",
            1 => (0usize..6000).prop_map(|n| " ".repeat(n)),
            1 => "[ \t\r\n]{0,120}",
        ]
    }

    fn path() -> impl Strategy<Value = String> {
        prop_oneof![
            "(/[a-z0-9~_.-]{1,12}){1,6}",
            "(/[a-zA-Z0-9 \"\\\\é界\u{202e}-]{0,60}){1,3}",
            (1usize..300).prop_map(|n| format!("/metadata/annotations/{}", "k".repeat(n))),
        ]
    }

    fn value() -> impl Strategy<Value = String> {
        prop_oneof![
            any::<i64>().prop_map(|n| n.to_string()),
            "[a-zA-Z0-9 é界\"\\\\]{0,2500}"
                .prop_map(|s| serde_json::to_string(&s).unwrap_or_default()),
            (0usize..5000).prop_map(|n| serde_json::to_string(&" ".repeat(n)).unwrap_or_default()),
            ("[a-z]{1,10}", "[a-z ]{0,200}").prop_map(|(k, v)| {
                serde_json::json!({ k: v, "list": [1, 2, v.clone()] }).to_string()
            }),
        ]
    }

    const OPS: [&str; 6] = ["add", "remove", "replace", "move", "copy", "test"];

    /// One operation as JSON, `w` between every token.
    fn operation_json(op: &str, path: &str, value: &str, from: &str, w: &[String]) -> String {
        let ws = |i: usize| w[i % w.len()].as_str();
        let string = |s: &str| serde_json::to_string(s).unwrap_or_default();
        let mut json = format!(
            "{{{}\"op\"{}:{}{}{},{}\"path\"{}:{}{}",
            ws(0),
            ws(1),
            ws(2),
            string(op),
            ws(3),
            ws(4),
            ws(5),
            ws(6),
            string(path)
        );
        match op {
            "remove" => {}
            "move" | "copy" => json.push_str(&format!(
                ",{}\"from\"{}:{}{}",
                ws(7),
                ws(8),
                ws(9),
                string(from)
            )),
            _ => json.push_str(&format!(
                ",{}\"value\"{}:{}{}",
                ws(10),
                ws(11),
                ws(12),
                value
            )),
        }
        json.push_str(&format!("{}}}", ws(13)));
        json
    }

    /// The text of every row of the dialog's scrolling part, read page by
    /// page as the space key scrolls it, each row at its index.
    fn scrolled_through(state: &mut State) -> Vec<String> {
        let mut rows: Vec<Option<String>> = Vec::new();
        for _ in 0..2000 {
            let geometry = kubevigil::app::geometry::dialog::geometry(state).expect("a dialog");
            assert!(!geometry.too_small, "the dialog fits");
            rows.resize(geometry.body_rows, None);
            let offset = match &state.decisions.modal {
                Some(Modal::Approve { scroll, .. }) => scroll.offset,
                _ => panic!("the approve dialog is open"),
            };
            let buffer = draw(state);
            let body = geometry.body;
            for y in 0..body.height {
                let row: String = (body.x..body.right())
                    .map(|x| buffer[(x, body.y + y)].symbol().to_string())
                    .collect();
                rows[offset + usize::from(y)] = Some(row);
            }
            if offset >= geometry.max_offset() {
                break;
            }
            press(state, KeyCode::Char(' '));
        }
        rows.into_iter()
            .map(|r| r.expect("every row was on screen"))
            .collect()
    }

    /// Wrapped rows joined back into the lines they came from.
    fn joined(rows: &[String]) -> Vec<String> {
        let mut lines: Vec<String> = Vec::new();
        for row in rows {
            match row.strip_prefix("  ↪ ") {
                Some(rest) => {
                    if let Some(last) = lines.last_mut() {
                        last.push_str(rest);
                    }
                }
                None => lines.push(row.clone()),
            }
        }
        lines
    }

    fn approves(effects: &[Effect]) -> bool {
        effects
            .iter()
            .any(|e| matches!(e, Effect::Decisions(DecisionEffect::Decide { .. })))
    }

    fn without_spaces(text: &str) -> String {
        text.chars().filter(|c| *c != ' ').collect()
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 32, ..ProptestConfig::default() })]

        #[test]
        fn every_op_and_path_is_in_the_dialog_once_scrolled_through(
            ops in proptest::collection::vec((0usize..6, path(), value(), path()), 1..30),
            ws in proptest::collection::vec(whitespace(), 1..16),
            size in prop_oneof![Just((80u16, 24u16)), Just((60, 20)), Just((160, 48))],
        ) {
            let parts: Vec<String> = ops
                .iter()
                .enumerate()
                .map(|(i, (op, path, value, from))| {
                    let shifted: Vec<String> =
                        ws.iter().cycle().skip(i).take(ws.len()).cloned().collect();
                    operation_json(OPS[*op], path, value, from, &shifted)
                })
                .collect();
            let patch = format!("{}[{}]{}", ws[0], parts.join(","), ws[ws.len() - 1]);
            let object = object(json_action(&patch), 1);
            let record = record_of(&object);
            prop_assert!(record.action.problem.is_none(), "valid: {:?}", record.action.problem);
            prop_assert_eq!(record.action.operations, ops.len());
            // y right away approves only a change that fits at once.
            let mut unscrolled = approving(size.0, size.1, &object);
            let early = press(&mut unscrolled, KeyCode::Char('y'));
            let mut state = approving(size.0, size.1, &object);
            let rows = scrolled_through(&mut state);
            let all = without_spaces(&joined(&rows).join("\n"));
            for (i, (op, path, _, _)) in ops.iter().enumerate() {
                let plain = !path.is_empty()
                    && path.chars().all(|c| c.is_ascii_alphanumeric() || "/-_.~".contains(c));
                let shown = if plain { path.clone() } else { quote(path) };
                let needle = without_spaces(&format!("{}. {} {shown}", i + 1, OPS[*op]));
                prop_assert!(all.contains(&needle), "operation {} ({}) not in:\n{}", i + 1, needle, all);
            }
            let fits = rows.len()
                == kubevigil::app::geometry::dialog::geometry(&state).map_or(0, |g| g.view_rows);
            prop_assert_eq!(approves(&early), fits);
            let sent = press(&mut state, KeyCode::Char('y'));
            prop_assert!(approves(&sent), "y approves once scrolled through");
        }
    }
}
