//! Deciding from the console, driven through `update` as the runtime would:
//! what is confirmed, what is refused, and that nothing is silently lost.

mod common;

use common::keys::{decided, forbidden_status_write, press, type_text};
use common::scene::oom_investigation;
use common::screen::screen as screen_text;
use crossterm::event::{KeyCode, KeyModifiers};
use kubevigil::app::action::Action;
use kubevigil::app::decisions::{DecisionEffect, DecisionEvent};
use kubevigil::app::effect::Effect;
use kubevigil::app::fixtures::{StateBuilder, at, key, key_with, proposal};
use kubevigil::app::state::{Delivery, Modal, State};
use kubevigil::app::update;
use kubevigil::decide::{DecideError, PendingDecision, Right, Rights};
use kubevigil::domain::{
    ActionKind, ActionTarget, Phase, ProposalState, ProposedAction, Risk, Verdict,
};
use kubevigil::governor::DecisionError;

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
    assert!(screen_text(&state).contains("type the proposal's name"));
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
    let help: String = kubevigil::ui::help::lines(&state)
        .iter()
        .map(|l| l.to_string())
        .collect::<Vec<_>>()
        .join("\n");
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

fn patch_action() -> ProposedAction {
    ProposedAction {
        kind: ActionKind::Patch,
        target: ActionTarget {
            api_version: "apps/v1".into(),
            kind: "Deployment".into(),
            namespace: "payments".into(),
            name: "api".into(),
        },
        patch: Some("spec:\n  replicas: 2\n".into()),
        patch_type: Some("merge".into()),
        command: None,
        replicas: None,
    }
}

#[test]
fn an_edit_is_validated_then_confirmed_with_its_diff() {
    let mut state = inbox(world(Risk::Low));
    let effects = press(&mut state, KeyCode::Char('e'));
    assert!(
        effects
            .iter()
            .any(|e| matches!(e, Effect::Decisions(DecisionEffect::LoadAction { .. })))
    );
    let key_of = state.decisions.inbox[0].clone();
    update(
        &mut state,
        Action::Decisions(DecisionEvent::ActionLoaded {
            key: key_of,
            result: Ok(patch_action()),
        }),
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
    // Change the replica count: go to the end of the text and rewrite it.
    update(&mut state, key_with(KeyCode::End, KeyModifiers::CONTROL));
    press(&mut state, KeyCode::Down);
    press(&mut state, KeyCode::End);
    press(&mut state, KeyCode::Backspace);
    type_text(&mut state, "3");
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
        screen.contains("+  replicas: 3"),
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
            .is_some_and(|p| p.contains("replicas: 3"))
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
    let key_of = state.decisions.inbox[0].clone();
    update(
        &mut state,
        Action::Decisions(DecisionEvent::ActionLoaded {
            key: key_of,
            result: Ok(patch_action()),
        }),
    );
    // Replace the whole text with a pasted two-line patch (with a stray escape).
    update(
        &mut state,
        key_with(KeyCode::Char('a'), KeyModifiers::CONTROL),
    );
    for _ in 0..40 {
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
