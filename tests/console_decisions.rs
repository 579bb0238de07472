//! Deciding from the console, driven through `update` as the runtime would:
//! what is confirmed, what is refused, and that nothing is silently lost.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test, bench or example may panic on what it sets up

mod common;

use common::keys::{decided, forbidden_status_write, press, type_text};
use common::scene::oom_investigation;
use common::screen::screen as screen_text;
use crossterm::event::{KeyCode, KeyModifiers};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{ObjectMeta, Time};
use kubevigil::app::action::Action;
use kubevigil::app::effect::Effect;
use kubevigil::app::fixtures::{StateBuilder, at, key, key_with, proposal};
use kubevigil::app::state::{Delivery, Modal, State};
use kubevigil::app::update;
use kubevigil::cluster::decision_tasks::DecisionEffect;
use kubevigil::decide::{DecideError, PendingDecision, Right, Rights};
use kubevigil::domain::{
    ActionKind, ActionProposal, ActionProposalSpec, ActionProposalStatus, ActionTarget, Decision,
    DecisionSource, Phase, ProposalState, ProposedAction, Risk, Verdict, action_digest,
};
use kubevigil::governor::DecisionError;
use kubevigil::model::records::ProposalRecord;

const NAME: &str = "raise-mem-7f3a";

fn world(risk: Risk) -> StateBuilder {
    StateBuilder::new()
        .investigation(oom_investigation())
        .proposal(proposal(NAME, "oom-7f3a9c", risk, ProposalState::Pending))
}

fn inbox(builder: StateBuilder) -> State {
    let mut state = builder.build();
    update(&mut state, Action::RunCommandLine("approvals".into()));
    state
}

fn decisions_sent(effects: &[Effect]) -> Vec<PendingDecision> {
    effects
        .iter()
        .filter_map(|e| match e {
            Effect::Decisions(DecisionEffect::Decide { request, .. }) => Some((**request).clone()),
            _ => None,
        })
        .collect()
}

fn notices(state: &State) -> String {
    state
        .notices
        .iter()
        .map(|n| n.text.clone())
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn approving_asks_first_and_only_y_confirms() {
    let mut state = inbox(world(Risk::Medium));
    assert_eq!(
        state.decisions.inbox.len(),
        1,
        "the inbox lists the pending proposal"
    );
    press(&mut state, KeyCode::Char('a'));
    assert!(matches!(state.decisions.modal, Some(Modal::Approve { .. })));
    assert!(screen_text(&state).contains("press y to approve"));
    let stray = press(&mut state, KeyCode::Char('a'));
    assert!(state.decisions.modal.is_none(), "a stray key cancels");
    assert!(
        decisions_sent(&stray).is_empty(),
        "a stray key approves nothing"
    );
    let enter = {
        press(&mut state, KeyCode::Char('a'));
        press(&mut state, KeyCode::Enter)
    };
    assert!(decisions_sent(&enter).is_empty(), "enter is not y");

    press(&mut state, KeyCode::Char('a'));
    let sent = decisions_sent(&press(&mut state, KeyCode::Char('y')));
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0].verdict, Verdict::Approve);
    assert_eq!(sent[0].proposal, NAME);
    assert_eq!(sent[0].identity.user, "oncall-1");
    assert_eq!(state.decisions.tracked.len(), 1);
    assert_eq!(state.decisions.tracked[0].delivery, Delivery::Sending);
}

#[test]
fn high_risk_needs_the_proposals_name_typed() {
    let mut state = inbox(world(Risk::High));
    press(&mut state, KeyCode::Char('a'));
    let after_y = press(&mut state, KeyCode::Char('y'));
    assert!(
        decisions_sent(&after_y).is_empty(),
        "y alone does not approve high risk"
    );
    assert!(screen_text(&state).contains("high risk: type the proposal's name"));
    type_text(&mut state, "raise-mem");
    let wrong = press(&mut state, KeyCode::Enter);
    assert!(
        decisions_sent(&wrong).is_empty(),
        "a wrong name approves nothing"
    );
    assert!(screen_text(&state).contains(&format!("type {NAME} exactly")));
    let sent = decisions_sent(&type_text(&mut state, "-7f3a"));
    assert!(sent.is_empty());
    let sent = decisions_sent(&press(&mut state, KeyCode::Enter));
    assert_eq!(sent.len(), 1, "the typed name approves");
    assert!(state.decisions.modal.is_none());
}

#[test]
fn the_name_prompt_names_the_proposals_own_risk() {
    for (risk, said, not_said) in [
        (Risk::High, "high risk:", "critical risk"),
        (Risk::Critical, "critical risk:", "high risk"),
    ] {
        let mut state = inbox(world(risk));
        press(&mut state, KeyCode::Char('a'));
        press(&mut state, KeyCode::Char('y'));
        let screen = screen_text(&state);
        assert!(screen.contains(said), "{risk}:\n{screen}");
        assert!(!screen.contains(not_said), "{risk}:\n{screen}");
    }
}

#[test]
fn a_veto_without_a_reason_is_refused() {
    let mut state = inbox(world(Risk::Low));
    press(&mut state, KeyCode::Char('v'));
    let empty = press(&mut state, KeyCode::Enter);
    assert!(decisions_sent(&empty).is_empty());
    assert!(screen_text(&state).contains("a veto needs a reason"));
    type_text(&mut state, "scale the cache first");
    let sent = decisions_sent(&press(&mut state, KeyCode::Enter));
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0].verdict, Verdict::Veto);
    assert_eq!(sent[0].reason.as_deref(), Some("scale the cache first"));
}

fn approve_once(state: &mut State) -> u64 {
    press(state, KeyCode::Char('a'));
    press(state, KeyCode::Char('y'));
    state.decisions.tracked[0].id
}

#[test]
fn a_conflict_says_who_decided_first_and_forgets_our_attempt() {
    let mut state = inbox(world(Risk::Low));
    let id = approve_once(&mut state);
    decided(
        &mut state,
        id,
        Err(DecideError::Conflict {
            decided_by: "oncall-2".into(),
            verdict: Verdict::Approve,
            at: at(-3),
        }),
    );
    assert!(state.decisions.tracked.is_empty());
    assert!(
        notices(&state).contains("oncall-2 already approved this at"),
        "{}",
        notices(&state)
    );
}

#[test]
fn forbidden_and_unreachable_decisions_stay_visibly_pending_and_retry() {
    let mut state = inbox(world(Risk::Low));
    let id = approve_once(&mut state);
    let request = state.decisions.tracked[0].request.clone();
    decided(&mut state, id, Err(forbidden_status_write(request.clone())));
    assert_eq!(state.decisions.tracked.len(), 1, "nothing is dropped");
    let screen = screen_text(&state);
    assert!(screen.contains("NOT RECORDED"), "{screen}");
    assert!(
        screen.contains("kubevigil-operator"),
        "the missing right is named:\n{screen}"
    );
    let retried = update(&mut state, key(KeyCode::Char('R')));
    let again: Vec<bool> = retried
        .iter()
        .filter_map(|e| match e {
            Effect::Decisions(DecisionEffect::Decide { retry, .. }) => Some(*retry),
            _ => None,
        })
        .collect();
    assert_eq!(again, vec![true], "R retries the decision");

    let unreachable = decided(
        &mut state,
        id,
        Err(DecideError::Unreachable {
            doing: request.describe(),
            cause: "connection refused".into(),
            pending: Some(Box::new(request)),
        }),
    );
    assert!(
        unreachable.iter().any(|e| matches!(
            e,
            Effect::Decisions(DecisionEffect::Decide {
                after: Some(_),
                retry: true,
                ..
            })
        )),
        "an unreachable cluster is retried by itself"
    );
    assert!(matches!(
        state.decisions.tracked[0].delivery,
        Delivery::Failed {
            auto_retry: true,
            ..
        }
    ));
}

#[test]
fn read_only_mode_removes_every_write_key() {
    let mut state = inbox(world(Risk::Low).readonly(true));
    for c in ['a', 'v', 'e', 'R'] {
        let effects = press(&mut state, KeyCode::Char(c));
        assert!(state.decisions.modal.is_none(), "{c} opens nothing");
        assert!(decisions_sent(&effects).is_empty());
    }
    update(&mut state, Action::RunCommandLine("investigations".into()));
    press(&mut state, KeyCode::Char('K'));
    press(&mut state, KeyCode::Char('H'));
    assert!(
        state.decisions.modal.is_none(),
        "kill and halt are gone too"
    );
    let help: String = kubevigil::app::geometry::help::lines(&state)
        .iter()
        .map(std::string::ToString::to_string)
        .collect::<Vec<_>>()
        .join("\n");
    // The keys (the phases explained at the end say what approving means).
    let help = help.split(" trust phases").next().unwrap_or_default();
    for word in [
        "approve",
        "veto",
        "kill the investigation",
        "halt the namespace",
        "retry",
    ] {
        assert!(!help.contains(word), "help still lists {word}:\n{help}");
    }
    assert!(screen_text(&state).contains("READ-ONLY"));
}

#[test]
fn read_only_assist_offers_copying_not_approving() {
    let mut state = inbox(world(Risk::Low).policy("kubevigil-agents", Phase::ReadOnlyAssist));
    press(&mut state, KeyCode::Enter);
    let effects = press(&mut state, KeyCode::Char('a'));
    assert!(decisions_sent(&effects).is_empty());
    assert!(state.decisions.modal.is_none());
    assert!(
        notices(&state).contains("approving is not offered in ReadOnlyAssist"),
        "the screen says why: {}",
        notices(&state)
    );
    let footer = screen_text(&state);
    assert!(!footer.contains("<a> approve"), "{footer}");
    // `c` asks which form; `c` again copies the change itself.
    press(&mut state, KeyCode::Char('c'));
    let copied: Vec<String> = press(&mut state, KeyCode::Char('c'))
        .into_iter()
        .filter_map(|e| match e {
            Effect::Decisions(DecisionEffect::Copy { text }) => Some(text),
            _ => None,
        })
        .collect();
    assert_eq!(copied.len(), 1);
    assert!(copied[0].contains("memory: 1Gi"), "{copied:?}");
}

#[test]
fn an_edit_is_validated_then_confirmed_with_its_diff() {
    let mut state = inbox(world(Risk::Low));
    let effects = press(&mut state, KeyCode::Char('e'));
    assert!(
        decisions_sent(&effects).is_empty(),
        "the edit box opens on the action the console holds"
    );
    let Some(Modal::Edit { text, .. }) = &state.decisions.modal else {
        panic!("the edit box is open");
    };
    assert_eq!(
        text.lines().last().map(String::as_str),
        Some("            memory: 1Gi")
    );
    // Break the YAML at the start of the text.
    type_text(&mut state, ": :");
    let refused = update(
        &mut state,
        key_with(KeyCode::Char('s'), KeyModifiers::CONTROL),
    );
    assert!(
        decisions_sent(&refused).is_empty(),
        "an invalid edit sends nothing"
    );
    let screen = screen_text(&state);
    assert!(screen.contains("line 1: not valid YAML"), "{screen}");
    for _ in 0..3 {
        press(&mut state, KeyCode::Backspace);
    }
    // Change the memory limit: go to the end of the text and rewrite it.
    for _ in 0..10 {
        press(&mut state, KeyCode::Down);
    }
    press(&mut state, KeyCode::End);
    for _ in 0..3 {
        press(&mut state, KeyCode::Backspace);
    }
    type_text(&mut state, "2Gi");
    update(
        &mut state,
        key_with(KeyCode::Char('s'), KeyModifiers::CONTROL),
    );
    assert!(matches!(
        state.decisions.modal,
        Some(Modal::Approve {
            edited: Some(_),
            ..
        })
    ));
    let screen = screen_text(&state);
    assert!(
        screen.contains("+              memory: \"2Gi\"")
            && screen.contains("-              memory: \"1Gi\""),
        "the diff is shown:\n{screen}"
    );
    let sent = decisions_sent(&press(&mut state, KeyCode::Char('y')));
    assert_eq!(sent.len(), 1);
    let edited = sent[0]
        .edited_action
        .as_ref()
        .expect("the edited action is sent");
    assert!(
        edited
            .patch
            .as_deref()
            .is_some_and(|p| p.contains("memory: 2Gi"))
    );
    let record = state
        .proposals
        .find("kubevigil-agents", NAME)
        .expect("record");
    assert_eq!(
        sent[0].shown_digest.as_deref(),
        Some(record.action.digest.as_str()),
        "bound to the action the edit started from"
    );
}

#[test]
fn kill_needs_the_investigation_id_typed() {
    let mut state = world(Risk::Low).build();
    press(&mut state, KeyCode::Char('K'));
    assert!(matches!(state.decisions.modal, Some(Modal::Kill { .. })));
    type_text(&mut state, "oom");
    let wrong = press(&mut state, KeyCode::Enter);
    assert!(
        !wrong
            .iter()
            .any(|e| matches!(e, Effect::Decisions(DecisionEffect::Kill { .. })))
    );
    type_text(&mut state, "-7f3a9c");
    let killed = press(&mut state, KeyCode::Enter);
    assert!(killed.iter().any(|e| matches!(
        e,
        Effect::Decisions(DecisionEffect::Kill { job, .. }) if job == "inv-oom-7f3a9c"
    )));
}

#[test]
fn halt_needs_the_namespaces_name_typed_then_a_reason() {
    let mut state = world(Risk::Low).build();
    press(&mut state, KeyCode::Char('H'));
    assert!(matches!(state.decisions.modal, Some(Modal::Halt { .. })));
    assert!(
        screen_text(&state).contains("type the namespace's name (payments)"),
        "{}",
        screen_text(&state)
    );
    let halted = |effects: &[Effect]| {
        effects
            .iter()
            .any(|e| matches!(e, Effect::Decisions(DecisionEffect::Halt { .. })))
    };
    // y alone no longer halts: it is only a letter of a wrong name.
    press(&mut state, KeyCode::Char('y'));
    let wrong = press(&mut state, KeyCode::Enter);
    assert!(!halted(&wrong), "a wrong name halts nothing");
    assert!(screen_text(&state).contains("type payments exactly to halt it"));
    assert!(
        state.decisions.modal.is_some(),
        "a wrong name keeps the dialog"
    );
    press(&mut state, KeyCode::Backspace);
    type_text(&mut state, "payments");
    let named = press(&mut state, KeyCode::Enter);
    assert!(
        !halted(&named),
        "the name leads to the reason, not the halt"
    );
    assert!(screen_text(&state).contains("reason (recorded with the halt)"));
    type_text(&mut state, "checking by hand");
    let sent = press(&mut state, KeyCode::Enter);
    assert!(sent.iter().any(|e| matches!(
        e,
        Effect::Decisions(DecisionEffect::Halt { namespace, reason, .. })
            if namespace == "payments" && reason.as_deref() == Some("checking by hand")
    )));
    assert!(state.decisions.modal.is_none());
}

#[test]
fn the_header_says_when_rbac_allows_no_decisions() {
    let mut state = world(Risk::Low).build();
    // Every namespace in view answers no to every right.
    let epoch = state.epoch;
    for namespace in state.scope_namespaces() {
        let rights = Rights::from_answers(Right::ALL.map(|r| (r, Some(false))));
        update(
            &mut state,
            Action::Rights {
                epoch,
                namespace,
                rights,
            },
        );
    }
    assert!(screen_text(&state).contains("oncall-1: read-only by RBAC"));
}

#[test]
fn the_inbox_cursor_stays_on_its_proposal_when_the_list_resorts() {
    let mut state = inbox(world(Risk::Low).proposal(proposal(
        "second-7f3a",
        "oom-7f3a9c",
        Risk::Low,
        ProposalState::Pending,
    )));
    press(&mut state, KeyCode::Down);
    let chosen = state.decisions.inbox[state.decisions.inbox_cursor].clone();
    let mut urgent = proposal(
        "urgent-7f3a",
        "oom-7f3a9c",
        Risk::Critical,
        ProposalState::Pending,
    );
    urgent.expires_at = Some(at(30));
    let epoch = state.epoch;
    update(
        &mut state,
        Action::ProposalsChanged {
            epoch,
            applied: vec![urgent],
            deleted: Vec::new(),
        },
    );
    assert_eq!(
        state.decisions.inbox[0].name, "urgent-7f3a",
        "soonest expiry first"
    );
    assert_eq!(
        state.decisions.inbox[state.decisions.inbox_cursor], chosen,
        "the cursor did not jump to another proposal"
    );
}

/// A console whose one proposal alice approved and its agent has not run yet.
fn approved_not_run() -> State {
    let mut state = StateBuilder::new()
        .investigation(oom_investigation())
        .proposal(proposal(
            NAME,
            "oom-7f3a9c",
            Risk::Medium,
            ProposalState::Approved,
        ))
        .build();
    update(&mut state, Action::RunCommandLine("approvals".into()));
    state
}

#[test]
fn an_approved_proposal_not_run_yet_offers_the_veto_and_not_approval() {
    let mut state = approved_not_run();
    assert_eq!(
        state.decisions.inbox.len(),
        1,
        "the inbox lists it while its agent has not run it"
    );
    let inbox = screen_text(&state);
    assert!(inbox.contains("1 approved, not run yet"), "{inbox}");
    assert!(inbox.contains("<v> veto before it runs"), "{inbox}");
    assert!(!inbox.contains("<a> approve"), "{inbox}");
    assert!(!inbox.contains("edit+approve"), "{inbox}");

    press(&mut state, KeyCode::Enter);
    let detail = screen_text(&state);
    assert!(
        detail.contains("v vetoes it and revokes the minted write credential"),
        "the proposal says what a veto does now:\n{detail}"
    );
    assert!(!detail.contains("<a> approve"), "{detail}");

    let approving = press(&mut state, KeyCode::Char('a'));
    assert!(decisions_sent(&approving).is_empty());
    assert!(state.decisions.modal.is_none(), "approve opens nothing");
    assert!(
        notices(&state).contains(&format!("{NAME} is already Approved (Approve by alice)")),
        "{}",
        notices(&state)
    );
    let editing = press(&mut state, KeyCode::Char('e'));
    assert!(decisions_sent(&editing).is_empty());
    assert!(
        state.decisions.modal.is_none(),
        "edit+approve opens nothing"
    );

    press(&mut state, KeyCode::Char('v'));
    assert!(matches!(state.decisions.modal, Some(Modal::Veto { .. })));
    let dialog = screen_text(&state);
    assert!(
        dialog.contains("veto this approved proposal before it runs"),
        "{dialog}"
    );
    assert!(
        dialog.contains("is revoked, so the agent's write fails"),
        "{dialog}"
    );
    let empty = press(&mut state, KeyCode::Enter);
    assert!(decisions_sent(&empty).is_empty(), "still needs a reason");
    type_text(&mut state, "wrong deployment");
    let sent = decisions_sent(&press(&mut state, KeyCode::Enter));
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0].verdict, Verdict::Veto);
    assert_eq!(sent[0].proposal, NAME);
    assert_eq!(sent[0].reason.as_deref(), Some("wrong deployment"));
}

#[test]
fn a_veto_after_the_agent_reported_is_refused_saying_so() {
    let mut state = approved_not_run();
    press(&mut state, KeyCode::Enter);
    // The agent reports while the operator reads the proposal.
    let epoch = state.epoch;
    update(
        &mut state,
        Action::ProposalsChanged {
            epoch,
            applied: vec![proposal(
                NAME,
                "oom-7f3a9c",
                Risk::Medium,
                ProposalState::Executed,
            )],
            deleted: Vec::new(),
        },
    );
    let screen = screen_text(&state);
    assert!(!screen.contains("veto before it runs"), "{screen}");
    assert!(!screen.contains("not executed yet"), "{screen}");
    let vetoing = press(&mut state, KeyCode::Char('v'));
    assert!(decisions_sent(&vetoing).is_empty());
    assert!(state.decisions.modal.is_none());
    assert!(
        notices(&state).contains(&format!(
            "{NAME}: the agent already reported this proposal Executed: a veto can no longer stop it"
        )),
        "{}",
        notices(&state)
    );
    press(&mut state, KeyCode::Char('q'));
    assert!(
        state.decisions.inbox.is_empty(),
        "back in the inbox, it is gone once run"
    );
}

#[test]
fn a_veto_the_cluster_refuses_because_the_agent_ran_first_says_so() {
    let mut state = approved_not_run();
    press(&mut state, KeyCode::Char('v'));
    type_text(&mut state, "wrong deployment");
    press(&mut state, KeyCode::Enter);
    let id = state.decisions.tracked[0].id;
    decided(
        &mut state,
        id,
        Err(DecideError::Refused(DecisionError::AlreadyExecuted {
            state: ProposalState::Executed,
        })),
    );
    assert!(state.decisions.tracked.is_empty(), "nothing to retry");
    assert!(
        notices(&state).contains("the agent already reported this proposal Executed"),
        "{}",
        notices(&state)
    );
}

#[test]
fn a_patch_pasted_into_the_edit_keeps_its_lines() {
    let mut state = inbox(world(Risk::Low));
    press(&mut state, KeyCode::Char('e'));
    // Replace the whole text with a pasted two-line patch (with a stray escape).
    update(
        &mut state,
        key_with(KeyCode::Char('a'), KeyModifiers::CONTROL),
    );
    for _ in 0..200 {
        press(&mut state, KeyCode::Delete);
        press(&mut state, KeyCode::Backspace);
    }
    update(
        &mut state,
        Action::Paste("spec:\n  replicas: 5\u{1b}[2J\r\n".into()),
    );
    let Some(Modal::Edit { text, .. }) = &state.decisions.modal else {
        panic!("the edit dialog is open");
    };
    let lines: Vec<&str> = text.lines().iter().map(String::as_str).collect();
    assert!(
        lines.starts_with(&["spec:", "  replicas: 5"]),
        "pasted lines are kept, escapes dropped: {lines:?}"
    );
}

#[test]
fn a_read_only_console_watches_presence_without_publishing_its_own() {
    for readonly in [false, true] {
        let mut state = StateBuilder::new().readonly(readonly).user(None).build();
        let effects = update(
            &mut state,
            Action::Identity {
                user: "alice".into(),
                verified: true,
            },
        );
        let published: Vec<bool> = effects
            .iter()
            .filter_map(|e| match e {
                Effect::Decisions(DecisionEffect::StartPresence { publish, .. }) => Some(*publish),
                _ => None,
            })
            .collect();
        assert_eq!(published, vec![!readonly], "read-only: {readonly}");
    }
}

#[test]
fn refused_decisions_can_be_discarded_saying_which_but_retrying_ones_stay() {
    let mut state = inbox(world(Risk::Low));
    let id = approve_once(&mut state);
    let request = state.decisions.tracked[0].request.clone();
    decided(&mut state, id, Err(forbidden_status_write(request.clone())));
    update(&mut state, Action::RunCommandLine("discard".into()));
    assert!(
        state.decisions.tracked.is_empty(),
        "the refused one is gone"
    );
    let said = notices(&state);
    assert!(
        said.contains(&format!(
            "discarded, never recorded: {}",
            request.describe()
        )),
        "{said}"
    );

    let id = approve_once(&mut state);
    let request = state.decisions.tracked[0].request.clone();
    decided(
        &mut state,
        id,
        Err(DecideError::Unreachable {
            doing: request.describe(),
            cause: "connection refused".into(),
            pending: Some(Box::new(request)),
        }),
    );
    update(&mut state, Action::RunCommandLine("discard".into()));
    assert_eq!(
        state.decisions.tracked.len(),
        1,
        "its retry could still record it"
    );
    assert!(
        notices(&state).contains(
            "no refused decision to discard (1 still being sent or retried by themselves stay)"
        ),
        "{}",
        notices(&state)
    );
}

// ---- what the approve and veto dialogs show, and what they are bound to ----

const UID: &str = "2c9a6f0e-uid-one";

/// A JSON patch of `ops` operations, each setting a long annotation: far
/// more rows than any dialog has.
fn long_json_patch(ops: usize) -> String {
    let ops: Vec<String> = (0..ops)
        .map(|i| {
            format!(
                r#"{{"op":"add","path":"/metadata/annotations/note-{i}","value":"{}"}}"#,
                "why ".repeat(40)
            )
        })
        .collect();
    format!("[{}]", ops.join(","))
}

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

/// The proposal as the agent wrote it, with uid [`UID`], pending, needing
/// `required` approvals.
fn object(action: ProposedAction, risk: Risk, required: u32) -> ActionProposal {
    ActionProposal {
        metadata: ObjectMeta {
            name: Some(NAME.into()),
            namespace: Some("kubevigil-agents".into()),
            uid: Some(UID.into()),
            creation_timestamp: Some(Time(at(-120))),
            ..ObjectMeta::default()
        },
        spec: ActionProposalSpec {
            investigation: "oom-7f3a9c".into(),
            summary: "Annotate payments/api with why it restarts".into(),
            rationale: "The notes help the next on-call.".into(),
            risk,
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

/// The console's record of `object`, through the real ingest code.
fn record_of(object: &ActionProposal) -> ProposalRecord {
    kubevigil::cluster::trim::proposal_record(
        "kubevigil-agents",
        NAME,
        object,
        &kubevigil::sanitize::Redactor::default(),
    )
}

fn approval(by: &str, action: &ProposedAction, edited: Option<ProposedAction>) -> Decision {
    let digest = action_digest(edited.as_ref().unwrap_or(action));
    Decision {
        by: by.into(),
        verified: true,
        at: Time(at(-30)),
        verdict: Verdict::Approve,
        reason: None,
        source: DecisionSource::Manual,
        edited: edited.is_some(),
        edited_action: edited,
        action_digest: Some(digest),
    }
}

/// A console of `columns` x `rows` with `object` in the approvals inbox.
fn console_with(object: &ActionProposal, columns: u16, rows: u16) -> State {
    let mut state = StateBuilder::new()
        .size(columns, rows)
        .investigation(oom_investigation())
        .proposal(record_of(object))
        .build();
    update(&mut state, Action::RunCommandLine("approvals".into()));
    state
}

/// The watcher reports `object` changed.
fn changed(state: &mut State, object: &ActionProposal) {
    let epoch = state.epoch;
    update(
        state,
        Action::ProposalsChanged {
            epoch,
            applied: vec![record_of(object)],
            deleted: Vec::new(),
        },
    );
}

fn modal_error(state: &State) -> Option<String> {
    match &state.decisions.modal {
        Some(Modal::Approve { error, .. }) => error.clone(),
        _ => None,
    }
}

#[test]
fn y_does_not_approve_until_all_of_the_change_was_on_screen() {
    let object = object(json_action(&long_json_patch(30)), Risk::Medium, 1);
    let mut state = console_with(&object, 80, 24);
    press(&mut state, KeyCode::Char('a'));
    let screen = screen_text(&state);
    assert!(
        screen.contains("scroll to the end to approve:"),
        "the dialog says why y is not offered yet:\n{screen}"
    );
    assert!(!screen.contains("press y to approve"), "{screen}");
    let early = press(&mut state, KeyCode::Char('y'));
    assert!(
        decisions_sent(&early).is_empty(),
        "y before the end approves nothing"
    );
    assert!(
        modal_error(&state).is_some_and(|e| e.contains("never been on screen")),
        "{:?}",
        modal_error(&state)
    );
    // Scroll down a row, back up, then page to the end.
    press(&mut state, KeyCode::Char('j'));
    press(&mut state, KeyCode::Char('k'));
    press(&mut state, KeyCode::Down);
    press(&mut state, KeyCode::PageDown);
    let mut pages = 0;
    while !screen_text(&state).contains("press y to approve") {
        let no_y = press(&mut state, KeyCode::Char(' '));
        assert!(decisions_sent(&no_y).is_empty());
        pages += 1;
        assert!(pages < 100, "space reaches the end");
    }
    assert!(pages > 1, "the change takes several pages at 80x24");
    // Scrolling back up does not take back what was seen.
    press(&mut state, KeyCode::PageUp);
    press(&mut state, KeyCode::Up);
    let sent = decisions_sent(&press(&mut state, KeyCode::Char('y')));
    assert_eq!(sent.len(), 1, "y approves once all of it was on screen");
}

#[test]
fn a_change_that_fits_is_approved_with_y_right_away() {
    let object = object(json_action(&long_json_patch(1)), Risk::Medium, 1);
    let mut state = console_with(&object, 160, 48);
    press(&mut state, KeyCode::Char('a'));
    assert!(screen_text(&state).contains("press y to approve"));
    let sent = decisions_sent(&press(&mut state, KeyCode::Char('y')));
    assert_eq!(sent.len(), 1);
}

#[test]
fn a_dialog_too_small_to_show_the_change_offers_no_y() {
    for risk in [Risk::Medium, Risk::Critical] {
        let object = object(json_action(&long_json_patch(2)), risk, 1);
        let mut state = console_with(&object, 40, 12);
        press(&mut state, KeyCode::Char('a'));
        let screen = screen_text(&state);
        assert!(screen.contains("too small"), "{screen}");
        assert!(screen.contains("make the terminal"), "{screen}");
        assert!(!screen.contains("press y"), "{screen}");
        let refused = press(&mut state, KeyCode::Char('y'));
        assert!(
            decisions_sent(&refused).is_empty(),
            "{risk}: y approves nothing"
        );
        assert!(
            matches!(
                state.decisions.modal,
                Some(Modal::Approve { typed: None, .. })
            ),
            "{risk}: y neither approves nor asks for the name"
        );
        // Made larger, it shows the change and y works again.
        update(&mut state, Action::Resize(160, 48));
        let screen = screen_text(&state);
        assert!(screen.contains("press y to approve"), "{screen}");
    }
}

#[test]
fn the_typed_name_is_refused_when_the_dialog_became_too_small() {
    let object = object(json_action(&long_json_patch(1)), Risk::Critical, 1);
    let mut state = console_with(&object, 160, 48);
    press(&mut state, KeyCode::Char('a'));
    press(&mut state, KeyCode::Char('y'));
    type_text(&mut state, NAME);
    update(&mut state, Action::Resize(40, 12));
    let screen = screen_text(&state);
    assert!(screen.contains("too small"), "{screen}");
    let refused = press(&mut state, KeyCode::Enter);
    assert!(decisions_sent(&refused).is_empty());
    update(&mut state, Action::Resize(160, 48));
    let screen = screen_text(&state);
    assert!(
        screen.contains("critical risk: type the proposal's name"),
        "{screen}"
    );
    assert!(
        screen.contains("the change that runs"),
        "what is approved is on screen:\n{screen}"
    );
    let sent = decisions_sent(&press(&mut state, KeyCode::Enter));
    assert_eq!(sent.len(), 1);
}

#[test]
fn a_change_that_does_not_parse_is_flagged_and_not_approvable() {
    let broken = r#"[{"op":"add","path":"/metadata/labels/a","value":"1"},"#;
    let object = object(json_action(broken), Risk::Low, 1);
    let mut state = console_with(&object, 160, 48);
    press(&mut state, KeyCode::Char('a'));
    let screen = screen_text(&state);
    assert!(screen.contains("NOT APPROVABLE"), "{screen}");
    assert!(!screen.contains("press y"), "{screen}");
    let refused = press(&mut state, KeyCode::Char('y'));
    assert!(decisions_sent(&refused).is_empty());
    assert!(
        modal_error(&state).is_some_and(|e| e.contains("cannot be approved")),
        "{:?}",
        modal_error(&state)
    );
    press(&mut state, KeyCode::Esc);
    press(&mut state, KeyCode::Char('e'));
    assert!(state.decisions.modal.is_none(), "nor edited");
    assert!(
        notices(&state).contains("cannot be edited or approved"),
        "{}",
        notices(&state)
    );
}

#[test]
fn a_decision_carries_the_uid_and_the_digest_it_was_shown() {
    let object = object(json_action(&long_json_patch(1)), Risk::Low, 1);
    let digest = action_digest(&object.spec.action);
    let mut state = console_with(&object, 160, 48);
    press(&mut state, KeyCode::Char('a'));
    let sent = decisions_sent(&press(&mut state, KeyCode::Char('y')));
    assert_eq!(sent[0].proposal_uid.as_deref(), Some(UID));
    assert_eq!(sent[0].shown_digest.as_deref(), Some(digest.as_str()));

    let mut state = console_with(&object, 160, 48);
    press(&mut state, KeyCode::Char('v'));
    type_text(&mut state, "not now");
    let sent = decisions_sent(&press(&mut state, KeyCode::Enter));
    assert_eq!(
        sent[0].proposal_uid.as_deref(),
        Some(UID),
        "a veto is bound too"
    );
}

#[test]
fn an_edit_starts_from_the_action_that_runs_after_someone_elses_edit() {
    let proposed = json_action(r#"[{"op":"replace","path":"/spec/replicas","value":3}]"#);
    let theirs = json_action(r#"[{"op":"replace","path":"/spec/replicas","value":4}]"#);
    let mut object = object(proposed.clone(), Risk::Low, 2);
    if let Some(status) = object.status.as_mut() {
        status.decisions = vec![approval("oncall-2", &proposed, Some(theirs.clone()))];
        status.approvals_required = Some(1);
    }
    let runs = action_digest(&theirs);
    let mut state = console_with(&object, 160, 48);
    press(&mut state, KeyCode::Char('e'));
    let Some(Modal::Edit { text, original, .. }) = &state.decisions.modal else {
        panic!("the edit box is open");
    };
    assert_eq!(
        original, &theirs,
        "the edited action is edited, not the proposed one"
    );
    assert!(
        text.lines().iter().any(|l| l.contains("\"value\": 4")),
        "{:?}",
        text.lines()
    );
    assert!(screen_text(&state).contains("you edit the action that runs now: edited by oncall-2"));
    // 4 -> 5.
    update(&mut state, key_with(KeyCode::End, KeyModifiers::CONTROL));
    for _ in 0..12 {
        press(&mut state, KeyCode::Up);
    }
    let Some(Modal::Edit { text, .. }) = &state.decisions.modal else {
        panic!("the edit box is open");
    };
    let lines: Vec<String> = text.lines().to_vec();
    let row = lines
        .iter()
        .position(|l| l.contains("\"value\": 4"))
        .expect("value row");
    update(&mut state, key_with(KeyCode::Home, KeyModifiers::CONTROL));
    for _ in 0..row {
        press(&mut state, KeyCode::Down);
    }
    press(&mut state, KeyCode::End);
    press(&mut state, KeyCode::Backspace);
    type_text(&mut state, "5");
    update(
        &mut state,
        key_with(KeyCode::Char('s'), KeyModifiers::CONTROL),
    );
    let screen = screen_text(&state);
    assert!(
        screen.contains("-1. replace /spec/replicas = 4"),
        "{screen}"
    );
    assert!(
        screen.contains("+1. replace /spec/replicas = 5"),
        "{screen}"
    );
    let sent = decisions_sent(&press(&mut state, KeyCode::Char('y')));
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0].shown_digest.as_deref(), Some(runs.as_str()));
    assert!(
        sent[0]
            .edited_action
            .as_ref()
            .and_then(|a| a.patch.as_deref())
            .is_some_and(|p| p.contains('5')),
        "{:?}",
        sent[0].edited_action
    );
}

#[test]
fn approving_twice_is_refused_before_anything_is_typed() {
    let action = json_action(&long_json_patch(1));
    let mut object = object(action.clone(), Risk::Critical, 2);
    if let Some(status) = object.status.as_mut() {
        status.decisions = vec![approval("oncall-1", &action, None)];
        status.approvals_required = Some(1);
    }
    let mut state = console_with(&object, 160, 48);
    let effects = press(&mut state, KeyCode::Char('a'));
    assert!(decisions_sent(&effects).is_empty());
    assert!(
        state.decisions.modal.is_none(),
        "no dialog, nothing to type"
    );
    let said = notices(&state);
    assert!(
        said.contains(&format!("you already approved {NAME}")),
        "{said}"
    );
    assert!(
        said.contains("1 more approval, from someone else"),
        "{said}"
    );

    // An approval of another action (before someone's edit) does not count:
    // approving the action that runs now is offered.
    let edited = json_action(&long_json_patch(2));
    if let Some(status) = object.status.as_mut() {
        status
            .decisions
            .push(approval("oncall-2", &action, Some(edited)));
    }
    let mut state = console_with(&object, 160, 48);
    press(&mut state, KeyCode::Char('a'));
    assert!(matches!(state.decisions.modal, Some(Modal::Approve { .. })));
}

/// Opens the approve dialog (or, `veto`, the veto) on the proposal, then
/// the watcher reports `after`; returns the notices.
fn dialog_then(veto: bool, before: &ActionProposal, after: Option<&ActionProposal>) -> State {
    let mut state = console_with(before, 160, 48);
    press(&mut state, KeyCode::Char(if veto { 'v' } else { 'a' }));
    assert!(state.decisions.modal.is_some());
    match after {
        Some(after) => changed(&mut state, after),
        None => {
            let epoch = state.epoch;
            update(
                &mut state,
                Action::ProposalsChanged {
                    epoch,
                    applied: Vec::new(),
                    deleted: vec![kubevigil::model::records::ProposalKey::new(
                        "kubevigil-agents",
                        NAME,
                    )],
                },
            );
        }
    }
    state
}

#[test]
fn a_dialog_whose_proposal_changes_underneath_closes_saying_what_changed() {
    let action = json_action(&long_json_patch(1));
    let before = object(action.clone(), Risk::Medium, 2);

    let mut decided = before.clone();
    if let Some(status) = decided.status.as_mut() {
        status.state = ProposalState::Vetoed;
        status.decisions = vec![Decision {
            verdict: Verdict::Veto,
            reason: Some("wrong pod".into()),
            edited: false,
            edited_action: None,
            action_digest: None,
            ..approval("oncall-2", &action, None)
        }];
    }
    let mut expired = before.clone();
    if let Some(status) = expired.status.as_mut() {
        status.state = ProposalState::Expired;
    }
    let mut replaced = before.clone();
    replaced.metadata.uid = Some("another-uid".into());
    let mut edited = before.clone();
    if let Some(status) = edited.status.as_mut() {
        status.decisions = vec![approval(
            "oncall-2",
            &action,
            Some(json_action(&long_json_patch(3))),
        )];
        status.approvals_required = Some(1);
    }
    let cases = [
        (Some(&decided), "is already Vetoed (Veto by oncall-2)"),
        (Some(&expired), "is already Expired"),
        (
            Some(&replaced),
            "was replaced by a new proposal of the same name",
        ),
        (Some(&edited), "changed by oncall-2's edit"),
        (None, "was deleted while your approval was open"),
    ];
    for (after, says) in cases {
        let state = dialog_then(false, &before, after);
        assert!(state.decisions.modal.is_none(), "{says}: the dialog closed");
        assert!(
            notices(&state).contains(says),
            "{says}: {}",
            notices(&state)
        );
        assert!(
            notices(&state).contains("nothing was sent"),
            "{}",
            notices(&state)
        );
    }

    // Someone else's approval of the same action updates it instead.
    let mut one_more = before.clone();
    if let Some(status) = one_more.status.as_mut() {
        status.decisions = vec![approval("oncall-2", &action, None)];
        status.approvals_required = Some(1);
    }
    let state = dialog_then(false, &before, Some(&one_more));
    assert!(matches!(state.decisions.modal, Some(Modal::Approve { .. })));
    assert!(
        screen_text(&state).contains("1 of 2 approvals"),
        "{}",
        screen_text(&state)
    );

    // A veto dialog stays open on an edit, showing the new action.
    let state = dialog_then(true, &before, Some(&edited));
    assert!(matches!(state.decisions.modal, Some(Modal::Veto { .. })));
    assert!(
        notices(&state).contains("the veto shows it now"),
        "{}",
        notices(&state)
    );
    assert!(
        screen_text(&state).contains("edited    by oncall-2"),
        "{}",
        screen_text(&state)
    );
}

#[test]
fn a_dialog_closes_when_its_proposal_times_out() {
    let object = object(json_action(&long_json_patch(1)), Risk::Medium, 1);
    let mut state = console_with(&object, 160, 48);
    press(&mut state, KeyCode::Char('a'));
    update(&mut state, Action::Tick(at(200)));
    assert!(state.decisions.modal.is_some());
    let effects = update(&mut state, Action::Tick(at(271)));
    assert!(decisions_sent(&effects).is_empty());
    assert!(state.decisions.modal.is_none());
    assert!(
        notices(&state)
            .contains("expired at 02:18:37 while your approval was open (timeout means deny)"),
        "{}",
        notices(&state)
    );
}

#[test]
fn a_replaced_proposal_or_a_changed_action_is_an_error_notice() {
    let refusals = [
        DecideError::Replaced {
            namespace: "kubevigil-agents".into(),
            name: NAME.into(),
        },
        DecideError::ActionChanged {
            name: NAME.into(),
            shown: "0123456789ab".into(),
            now: "ba9876543210".into(),
            by: " after an edit by oncall-2".into(),
        },
    ];
    for refusal in refusals {
        let mut state = inbox(world(Risk::Low));
        let id = approve_once(&mut state);
        let expected = refusal.to_string();
        decided(&mut state, id, Err(refusal));
        assert!(
            state.decisions.tracked.is_empty(),
            "not kept to retry: {expected}"
        );
        let last = state.notices.last().expect("a notice");
        assert_eq!(last.level, kubevigil::app::state::NoticeLevel::Error);
        assert_eq!(last.text, expected);
    }
}

fn object_of(action: ProposedAction) -> ActionProposal {
    object(action, Risk::Low, 1)
}

#[test]
fn the_edit_box_shows_every_operation_and_wraps_long_lines() {
    // The second operation hides 5000 spaces to the right of the first.
    let patch = format!(
        r#"[{{"op":"replace","path":"/spec/replicas","value":3}},{}{{"op":"add","path":"/metadata/annotations/hidden","value":"x"}}]"#,
        " ".repeat(5000)
    );
    let mut state = console_with(&object_of(json_action(&patch)), 80, 24);
    press(&mut state, KeyCode::Char('e'));
    let screen = screen_text(&state);
    assert!(
        screen.contains("\"/metadata/annotations/hidden\""),
        "the edit box starts pretty-printed:\n{screen}"
    );

    // A long YAML line wraps: its end is on screen.
    let mut merge = json_action(&format!(
        "metadata:\n  annotations:\n    note: {}END\n",
        "why-".repeat(60)
    ));
    merge.patch_type = Some("merge".into());
    let mut state = console_with(&object_of(merge), 80, 24);
    press(&mut state, KeyCode::Char('e'));
    let screen = screen_text(&state);
    assert!(screen.contains("why-END"), "the long line wraps:\n{screen}");
}
