//! Issue 16 item 5, the console side: `y` and `l` ask the runner for the
//! investigation's Job and Pod YAML and its raw pod log, show the answer
//! scrollable (snapshots at 160x48, 80x24, 40x12 and a tiny 20x6), inert
//! whatever the cluster held, and say a refusal in words; ctrl-e/ctrl-o
//! hand the document on screen to the editor or pager; `c` asks between
//! the change and a kubectl command; `E` and `:export` ask for the
//! transcript.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test, bench or example may panic on what it sets up

mod common;

use common::keys::{press, type_text};
use common::scene::oom_investigation;
use common::screen::{draw, text};
use crossterm::event::{KeyCode, KeyModifiers};
use kubevigil::app::action::Action;
use kubevigil::app::effect::{Effect, ExternalProgram};
use kubevigil::app::fixtures::{StateBuilder, key_with, proposal};
use kubevigil::app::state::{Screen, State};
use kubevigil::app::update;
use kubevigil::cluster::decision_tasks::DecisionEffect;
use kubevigil::cluster::objects::{DocumentFetched, DocumentRequest, FetchedDocument, Wanted};
use kubevigil::domain::{ProposalState, Risk};
use kubevigil::transcript::TranscriptFormat;

const SIZES: [(u16, u16); 4] = [(160, 48), (80, 24), (40, 12), (20, 6)];

fn one_investigation(columns: u16, rows: u16) -> State {
    StateBuilder::new()
        .size(columns, rows)
        .log_buffer_lines(500)
        .investigation(oom_investigation())
        .proposal(proposal(
            "raise-mem-7f3a",
            "oom-7f3a9c",
            Risk::High,
            ProposalState::Pending,
        ))
        .build()
}

fn requests(effects: &[Effect]) -> Vec<DocumentRequest> {
    effects
        .iter()
        .filter_map(|e| match e {
            Effect::FetchDocument(request) => Some(request.clone()),
            _ => None,
        })
        .collect()
}

const JOB_YAML: &str = "apiVersion: batch/v1
kind: Job
metadata:
  annotations:
    kubevigil.io/trigger: 'KubePodCrashLooping: payments/api'
  labels:
    kubevigil.io/investigation: oom-7f3a9c
  name: inv-oom-7f3a9c
  namespace: kubevigil-agents
spec:
  backoffLimit: 0
  template:
    spec:
      containers:
      - image: ghcr.io/kubevigil/sim-agent:1
        name: agent
status:
  active: 1
---
apiVersion: v1
kind: Pod
metadata:
  name: inv-oom-7f3a9c-x7k2p
  namespace: kubevigil-agents
status:
  phase: Running";

/// `y` pressed and the runner's answer delivered.
fn yaml_open(columns: u16, rows: u16) -> State {
    let mut state = one_investigation(columns, rows);
    let asked = requests(&press(&mut state, KeyCode::Char('y')));
    assert_eq!(asked.len(), 1);
    update(
        &mut state,
        Action::DocumentFetched(DocumentFetched {
            request: asked[0].request,
            result: Ok(FetchedDocument {
                lines: JOB_YAML.lines().map(String::from).collect(),
                notes: vec!["managedFields are left out, as kubectl does".into()],
            }),
        }),
    );
    state
}

#[test]
fn y_asks_for_the_selected_investigations_job_and_pod() {
    let mut state = one_investigation(120, 30);
    let asked = requests(&press(&mut state, KeyCode::Char('y')));
    assert_eq!(asked.len(), 1, "one request");
    let request = &asked[0];
    assert_eq!(request.wanted, Wanted::Yaml);
    assert_eq!(request.investigation, "oom-7f3a9c");
    assert_eq!(request.namespace, "kubevigil-agents");
    assert_eq!(request.job_name, "inv-oom-7f3a9c");
    assert!(matches!(state.screen(), Screen::Document { .. }));
    assert!(text(&draw(&state)).contains("fetching from the cluster"));
    // From the investigation's own view too, and `l` asks for the log's
    // last lines, as many as the stream keeps.
    press(&mut state, KeyCode::Esc);
    press(&mut state, KeyCode::Enter);
    assert_eq!(state.screen(), &Screen::Detail);
    let asked = requests(&press(&mut state, KeyCode::Char('l')));
    assert_eq!(asked[0].wanted, Wanted::Log { tail_lines: 500 });
    assert_eq!(asked[0].investigation, "oom-7f3a9c");
    // Back goes to the stream, and the document is forgotten.
    press(&mut state, KeyCode::Char('q'));
    assert_eq!(state.screen(), &Screen::Detail);
    assert!(state.document.is_none());
}

#[test]
fn the_yaml_is_highlighted_and_the_log_is_not() {
    let mut state = one_investigation(120, 30);
    let asked = requests(&press(&mut state, KeyCode::Char('y')))[0].request;
    let effects = update(
        &mut state,
        Action::DocumentFetched(DocumentFetched {
            request: asked,
            result: Ok(FetchedDocument {
                lines: vec!["kind: Job".into()],
                notes: Vec::new(),
            }),
        }),
    );
    assert!(
        effects.iter().any(|e| matches!(
            e,
            Effect::Highlight { syntax: kubevigil::model::highlight::Syntax::Yaml, text, .. }
                if text.as_ref() == "kind: Job"
        )),
        "{effects:?}"
    );
    let asked = requests(&press(&mut state, KeyCode::Char('l')))[0].request;
    let effects = update(
        &mut state,
        Action::DocumentFetched(DocumentFetched {
            request: asked,
            result: Ok(FetchedDocument {
                lines: vec!["{\"type\":\"thought\",\"text\":\"hm\"}".into()],
                notes: vec![
                    "pod inv-oom-7f3a9c-x7k2p · the last 1 line of its log (at most 500), raw"
                        .into(),
                ],
            }),
        }),
    );
    assert!(
        !effects
            .iter()
            .any(|e| matches!(e, Effect::Highlight { .. }))
    );
    insta::assert_snapshot!(
        "document_log_80x12",
        text(&draw(&{
            let mut shown = state;
            update(&mut shown, Action::Resize(80, 12));
            shown
        }))
    );
}

#[test]
fn the_yaml_view_at_every_size() {
    for (columns, rows) in SIZES {
        let state = yaml_open(columns, rows);
        insta::assert_snapshot!(
            format!("document_yaml_{columns}x{rows}"),
            text(&draw(&state))
        );
    }
    // Nothing panics on a terminal of one cell.
    let state = yaml_open(1, 1);
    let _ = draw(&state);
}

#[test]
fn the_document_scrolls_like_the_others() {
    let mut state = yaml_open(80, 12);
    let top = text(&draw(&state));
    assert!(top.contains("lines 1–"), "{top}");
    press(&mut state, KeyCode::Char('j'));
    assert_eq!(state.screens.last(), Some(&Screen::Document { scroll: 1 }));
    press(&mut state, KeyCode::Char('G'));
    let bottom = text(&draw(&state));
    assert!(bottom.contains("phase: Running"), "{bottom}");
    assert!(!bottom.contains("apiVersion: batch/v1"), "{bottom}");
    press(&mut state, KeyCode::Char('g'));
    assert_eq!(state.screens.last(), Some(&Screen::Document { scroll: 0 }));
    // A resize keeps the scroll inside the document.
    press(&mut state, KeyCode::Char('G'));
    update(&mut state, Action::Resize(80, 60));
    assert_eq!(state.screens.last(), Some(&Screen::Document { scroll: 0 }));
}

#[test]
fn a_stale_answer_is_dropped_and_a_refusal_is_said() {
    let mut state = one_investigation(100, 20);
    let first = requests(&press(&mut state, KeyCode::Char('y')))[0].request;
    let second = requests(&press(&mut state, KeyCode::Char('l')))[0].request;
    assert_ne!(first, second);
    update(
        &mut state,
        Action::DocumentFetched(DocumentFetched {
            request: first,
            result: Ok(FetchedDocument {
                lines: vec!["kind: Job".into()],
                notes: Vec::new(),
            }),
        }),
    );
    assert!(
        !text(&draw(&state)).contains("kind: Job"),
        "the answer to y came after l"
    );
    update(
        &mut state,
        Action::DocumentFetched(DocumentFetched {
            request: second,
            result: Err("oncall-1 may not get pods/log in kubevigil-agents: ask for the kubevigil-operator role".into()),
        }),
    );
    let screen = text(&draw(&state));
    assert!(
        screen.contains("may not get pods/log in kubevigil-agents"),
        "{screen}"
    );
}

#[test]
fn what_the_cluster_holds_reaches_the_screen_inert() {
    let mut state = one_investigation(120, 20);
    let asked = requests(&press(&mut state, KeyCode::Char('l')))[0].request;
    update(
        &mut state,
        Action::DocumentFetched(DocumentFetched {
            request: asked,
            result: Ok(FetchedDocument {
                lines: vec![
                    "plain \u{1b}]0;pwned\u{7} line".into(),
                    "clear \u{1b}[2J screen".into(),
                    "hidden\u{202e}txet".into(),
                ],
                notes: vec!["pod \u{1b}[31mred\u{1b}[0m".into()],
            }),
        }),
    );
    let buffer = draw(&state);
    for cell in buffer.content() {
        assert!(
            !cell.symbol().chars().any(char::is_control),
            "a control character reached the screen"
        );
    }
    let screen = text(&buffer);
    assert!(screen.contains("⟨U+202E⟩"), "{screen}");
    assert!(!screen.contains("pwned\u{7}"), "{screen}");
}

#[test]
fn ctrl_o_and_ctrl_e_hand_the_document_to_the_pager_and_the_editor() {
    let mut state = yaml_open(100, 30);
    let effects = update(
        &mut state,
        key_with(KeyCode::Char('o'), KeyModifiers::CONTROL),
    );
    let opened: Vec<_> = effects
        .iter()
        .filter_map(|e| match e {
            Effect::External(doc) => Some(doc.clone()),
            _ => None,
        })
        .collect();
    assert_eq!(opened.len(), 1);
    assert_eq!(opened[0].program, ExternalProgram::Pager);
    assert!(opened[0].text.contains("kind: Job"));
    assert!(opened[0].text.contains("# managedFields are left out"));
    assert_eq!(
        opened[0].file_name,
        "job-kubevigil-agents-inv-oom-7f3a9c.yaml"
    );
    let effects = update(
        &mut state,
        key_with(KeyCode::Char('e'), KeyModifiers::CONTROL),
    );
    assert!(
        effects
            .iter()
            .any(|e| matches!(e, Effect::External(d) if d.program == ExternalProgram::Editor))
    );
    // Back from the editor: the notice says nothing was applied.
    update(
        &mut state,
        Action::ExternalClosed {
            program: ExternalProgram::Editor,
            result: Ok(()),
        },
    );
    assert!(
        state
            .notices
            .iter()
            .any(|n| n.text.contains("edits are not applied"))
    );
    // A pager that fails is one line, and the console is still here.
    let effects = update(
        &mut state,
        Action::ExternalClosed {
            program: ExternalProgram::Pager,
            result: Err("nonexistent-pager exited with status 127".into()),
        },
    );
    assert!(effects.contains(&Effect::Redraw));
    assert!(
        state
            .notices
            .iter()
            .any(|n| n.text == "$PAGER failed: nonexistent-pager exited with status 127")
    );
    // On the table there is no document: the notice says where there is one.
    let mut table = one_investigation(100, 30);
    let effects = update(
        &mut table,
        key_with(KeyCode::Char('o'), KeyModifiers::CONTROL),
    );
    assert!(!effects.iter().any(|e| matches!(e, Effect::External(_))));
    assert!(
        table
            .notices
            .iter()
            .any(|n| n.text.contains("opens a document"))
    );
}

#[test]
fn the_reasoning_stream_and_a_proposal_open_as_text() {
    let mut state = one_investigation(140, 40);
    kubevigil::app::fixtures::open_with_log(
        &mut state,
        &[r#"{"type":"thought","text":"memory grows under load"}"#],
    );
    let effects = update(
        &mut state,
        key_with(KeyCode::Char('o'), KeyModifiers::CONTROL),
    );
    let Some(Effect::External(doc)) = effects.iter().find(|e| matches!(e, Effect::External(_)))
    else {
        panic!("the stream opens: {effects:?}");
    };
    assert!(doc.text.contains("memory grows under load"), "{}", doc.text);
    assert_eq!(doc.file_name, "reasoning-oom-7f3a9c.txt");
    // The proposal's action, from its view.
    press(&mut state, KeyCode::Tab);
    press(&mut state, KeyCode::Enter);
    assert!(matches!(state.screen(), Screen::Proposal { .. }));
    let effects = update(
        &mut state,
        key_with(KeyCode::Char('e'), KeyModifiers::CONTROL),
    );
    let Some(Effect::External(doc)) = effects.iter().find(|e| matches!(e, Effect::External(_)))
    else {
        panic!("the proposal opens: {effects:?}");
    };
    assert!(
        doc.text
            .contains("patch (strategic) apps/v1 Deployment payments/api"),
        "{}",
        doc.text
    );
    assert!(doc.text.contains("1Gi"), "{}", doc.text);
}

#[test]
fn copy_offers_the_change_or_a_kubectl_command() {
    let mut state = one_investigation(140, 40);
    press(&mut state, KeyCode::Enter);
    press(&mut state, KeyCode::Tab);
    press(&mut state, KeyCode::Enter);
    assert!(
        press(&mut state, KeyCode::Char('c'))
            .iter()
            .all(|e| !matches!(e, Effect::Decisions(_)))
    );
    let footer = text(&draw(&state));
    assert!(footer.contains("<k> a kubectl command"), "{footer}");
    let copied = |effects: Vec<Effect>| -> Vec<String> {
        effects
            .into_iter()
            .filter_map(|e| match e {
                Effect::Decisions(DecisionEffect::Copy { text }) => Some(text),
                _ => None,
            })
            .collect()
    };
    let kubectl = copied(press(&mut state, KeyCode::Char('k')));
    assert_eq!(
        kubectl,
        [
            "kubectl patch deployment.v1.apps api -n payments --type=strategic -p '{\"spec\":{\"template\":{\"spec\":{\"containers\":[{\"name\":\"api\",\"resources\":{\"limits\":{\"memory\":\"1Gi\"}}}]}}}}'"
        ]
    );
    assert!(state.copy_choice.is_none());
    press(&mut state, KeyCode::Char('c'));
    let change = copied(press(&mut state, KeyCode::Char('c')));
    assert_eq!(change.len(), 1);
    assert!(change[0].contains("memory: 1Gi") && !change[0].contains("kubectl"));
    // Any other key leaves the choice without copying.
    press(&mut state, KeyCode::Char('c'));
    assert!(copied(press(&mut state, KeyCode::Esc)).is_empty());
    assert!(state.copy_choice.is_none());
}

#[test]
fn export_asks_for_the_transcript_of_the_investigation_in_focus() {
    let mut state = one_investigation(120, 30);
    let exports = |effects: Vec<Effect>| -> Vec<_> {
        effects
            .into_iter()
            .filter_map(|e| match e {
                Effect::ExportTranscript(request) => Some(request),
                _ => None,
            })
            .collect()
    };
    let asked = exports(press(&mut state, KeyCode::Char('E')));
    assert_eq!(asked.len(), 1);
    assert_eq!(asked[0].investigation, "oom-7f3a9c");
    assert_eq!(asked[0].namespace, "kubevigil-agents");
    assert_eq!(asked[0].format, TranscriptFormat::Md);
    assert_eq!(asked[0].path, None);
    let mut effects = press(&mut state, KeyCode::Char(':'));
    effects.extend(type_text(&mut state, "export jsonl /tmp/post mortem.jsonl"));
    effects.extend(press(&mut state, KeyCode::Enter));
    let asked = exports(effects);
    assert_eq!(asked[0].format, TranscriptFormat::Jsonl);
    assert_eq!(asked[0].path.as_deref(), Some("/tmp/post mortem.jsonl"));
    update(
        &mut state,
        Action::TranscriptExported(Ok(
            "wrote the transcript of oom-7f3a9c to /x/kubevigil-oom-7f3a9c.md".into(),
        )),
    );
    assert!(text(&draw(&state)).contains("wrote the transcript of oom-7f3a9c"));
}
