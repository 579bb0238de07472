//! Issue 16, item 6: transcripts for the post-mortem. `kubevigil
//! investigation export ID` writes the whole investigation — trigger,
//! reasoning, proposals with the action that runs, every decision with who
//! and why, credentials and the outcome — and everything an agent wrote in
//! it is inert in both formats.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test, bench or example may panic on what it sets up

mod common;

use common::world::{emulator, sandbox_with_bao};
use kube::Api;
use kube::api::ListParams;
use kubevigil::domain::ActionProposal;
use kubevigil::transcript::{TranscriptFormat, collect, write};
use serde_json::{Value, json};
use std::process::Command;

fn render(transcript: &kubevigil::transcript::Transcript, format: TranscriptFormat) -> String {
    let mut out = Vec::new();
    write(transcript, format, &mut out).expect("write");
    String::from_utf8(out).expect("UTF-8")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sandbox_investigation_transcript_holds_every_decision_and_credential() {
    let sandbox = sandbox_with_bao().await;
    let handle = sandbox
        .start_investigation("certificate", "checkout")
        .expect("fired");
    let inv = handle.investigation.clone();
    let outcome = tokio::time::timeout(std::time::Duration::from_secs(120), handle.task)
        .await
        .expect("the agent finishes in time")
        .expect("the agent task");
    assert!(outcome.is_ok(), "{outcome:?}");
    let client = sandbox.api().client("oncall-1").expect("client");
    let proposals: Vec<ActionProposal> =
        Api::<ActionProposal>::namespaced(client.clone(), "checkout")
            .list(&ListParams::default())
            .await
            .expect("proposals")
            .items
            .into_iter()
            .filter(|p| p.spec.investigation == inv.id)
            .collect();
    let decisions: Vec<_> = proposals
        .iter()
        .flat_map(|p| p.decisions().to_vec())
        .collect();
    assert!(
        decisions.len() >= 2,
        "the scenario is decided by rule twice: {decisions:?}"
    );

    let transcript = collect(&client, Some("checkout"), &inv.id, None)
        .await
        .expect("the transcript");
    let md = render(&transcript, TranscriptFormat::Md);
    assert!(
        md.starts_with(&format!("# Investigation {}", inv.id)),
        "{md}"
    );
    assert!(
        md.contains("CertManagerCertExpirySoon"),
        "the trigger: {md}"
    );
    assert!(
        md.contains("| Complete | CompletionsReached |"),
        "the outcome: {md}"
    );
    for proposal in &proposals {
        let effective = proposal.effective_action();
        assert!(
            md.contains(&effective.digest()),
            "the action that runs, by digest"
        );
        for decision in proposal.decisions() {
            assert!(md.contains(&decision.by), "who decided: {}", decision.by);
            assert!(
                md.contains(&format!("| {} |", decision.verdict)),
                "the verdict {}",
                decision.verdict
            );
        }
        if let Some(credential) = proposal.status.as_ref().and_then(|s| s.credential.as_ref()) {
            assert!(
                md.contains(&credential.wrapped_accessor),
                "the minted credential's accessor"
            );
            assert!(
                md.contains(&format!("{} s", credential.ttl_seconds)),
                "its TTL"
            );
        }
    }
    assert!(
        md.contains("rotationPolicy: \"Always\""),
        "the canonical action: {md}"
    );
    assert!(md.contains("## Reasoning ("), "{md}");
    assert!(md.contains("hypothesis"), "reasoning events: {md}");
    assert!(
        md.contains("kubevigil.io/vault-revoked-at"),
        "the identity's revocation"
    );

    let jsonl = render(&transcript, TranscriptFormat::Jsonl);
    let lines: Vec<Value> = jsonl
        .lines()
        .map(|l| serde_json::from_str(l).expect("each line is JSON"))
        .collect();
    let of_type = |t: &str| lines.iter().filter(|l| l["type"] == t).count();
    assert_eq!(of_type("investigation"), 1);
    assert_eq!(of_type("outcome"), 1);
    assert_eq!(of_type("proposal"), proposals.len());
    assert_eq!(of_type("decision"), decisions.len(), "every decision, once");
    assert!(of_type("credential") >= 1, "the minted credential");
    assert!(of_type("reasoning") > 5);
    assert_eq!(lines[0]["type"], "investigation");
    sandbox.shutdown().await;
}

/// What an agent could put in any text it writes.
const HOSTILE: &str = "\u{1b}]0;pwned\u{7}\u{1b}[2J<script>alert(1)</script> | [x](http://evil) ```\n# heading\u{202e}txt\u{200d}";

fn assert_inert(text: &str, what: &str) {
    assert!(
        !text.chars().any(|c| (c.is_control() && c != '\n')
            || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' | '\u{200b}'..='\u{200f}')),
        "{what}: a control or invisible character survived: {text:?}"
    );
    // (The canonical action may show the escape as quoted text, `\u{1b}]0;pwned`:
    // visible and inert, which the control check above already proves.)
    assert!(
        text.contains("⟨U+202E⟩"),
        "{what}: the bidi override is shown: {text}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hostile_text_in_a_transcript_is_inert_and_never_markup() {
    let api = emulator().await;
    api.seed(vec![
        json!({
            "apiVersion": "batch/v1", "kind": "Job",
            "metadata": {
                "name": "inv-evil", "namespace": "payments",
                "labels": {"kubevigil.io/investigation": "evil-1"},
                "annotations": {"kubevigil.io/trigger": HOSTILE},
            },
            "spec": {"template": {"spec": {"containers": [{"name": "agent", "image": "a"}], "restartPolicy": "Never"}}},
        }),
        json!({
            "apiVersion": "v1", "kind": "Pod",
            "metadata": {"name": "inv-evil-x", "namespace": "payments",
                          "labels": {"kubevigil.io/investigation": "evil-1", "job-name": "inv-evil"}},
            "spec": {"containers": [{"name": "agent", "image": "a"}]},
            "status": {"phase": "Succeeded"},
        }),
        json!({
            "apiVersion": "kubevigil.io/v1alpha1", "kind": "ActionProposal",
            "metadata": {"name": "evil-p", "namespace": "payments"},
            "spec": {
                "investigation": "evil-1", "summary": HOSTILE, "rationale": HOSTILE,
                "risk": "low", "reversible": true,
                "action": {"kind": "scale", "target": {"apiVersion": "apps/v1", "kind": "Deployment",
                           "namespace": "payments", "name": HOSTILE}, "replicas": 2},
            },
            "status": {"state": "Vetoed", "decisions": [
                {"by": HOSTILE, "at": "2026-12-06T00:00:00Z", "verdict": "Veto", "reason": HOSTILE},
            ]},
        }),
    ]);
    api.append_log(
        "payments",
        "inv-evil-x",
        &format!(
            "{{\"type\":\"thought\",\"text\":{}}}",
            serde_json::to_string(HOSTILE).expect("json")
        ),
    );
    api.append_log("payments", "inv-evil-x", HOSTILE);
    let client = api.client("oncall-1").expect("client");
    let transcript = collect(&client, Some("payments"), "evil-1", None)
        .await
        .expect("the transcript");
    assert_eq!(
        transcript.reasoning.events.len(),
        3,
        "{:?}",
        transcript.reasoning
    );
    let md = render(&transcript, TranscriptFormat::Md);
    assert_inert(&md, "markdown");
    let prose = outside_fences(&md);
    assert!(
        !prose.contains("<script>"),
        "HTML outside a fence is escaped: {prose}"
    );
    assert!(prose.contains("&lt;script&gt;"), "{prose}");
    assert!(
        !prose.lines().any(|l| l.starts_with("# heading")),
        "a heading cannot be injected: {prose}"
    );
    assert!(
        !md.lines().any(|l| l == "```"),
        "no fence of the agent's can close ours: {md}"
    );
    let jsonl = render(&transcript, TranscriptFormat::Jsonl);
    assert_inert(&jsonl, "jsonl");
    for line in jsonl.lines() {
        let value: Value = serde_json::from_str(line).expect("JSON");
        assert_inert_value(&value);
    }
}

/// The Markdown outside its code fences (a fence closes only with a line of
/// the same backticks that opened it).
fn outside_fences(md: &str) -> String {
    let mut prose = String::new();
    let mut open: Option<String> = None;
    for line in md.lines() {
        match &open {
            Some(fence) if line == fence => open = None,
            Some(_) => {}
            None if line.starts_with("```") => {
                open = Some(line.chars().take_while(|&c| c == '`').collect());
            }
            None => {
                prose.push_str(line);
                prose.push('\n');
            }
        }
    }
    assert!(open.is_none(), "every fence closes");
    prose
}

fn assert_inert_value(value: &Value) {
    match value {
        Value::String(s) => assert!(!s.contains('\u{1b}') && !s.contains('\u{202e}'), "{s:?}"),
        Value::Array(items) => items.iter().for_each(assert_inert_value),
        Value::Object(map) => map.values().for_each(assert_inert_value),
        _ => {}
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_command_names_what_is_missing_and_exits_1() {
    let api = emulator().await;
    let dir = tempfile::tempdir().expect("tempdir");
    let kubeconfig = dir.path().join("config");
    std::fs::write(&kubeconfig, api.kubeconfig_yaml("oncall-1")).expect("kubeconfig");
    let out = tokio::task::spawn_blocking(move || {
        Command::new(env!("CARGO_BIN_EXE_kubevigil"))
            .args([
                "investigation",
                "export",
                "nope-1",
                "-n",
                "payments",
                "--kubeconfig",
            ])
            .arg(&kubeconfig)
            .env("NO_COLOR", "1")
            .output()
            .expect("run")
    })
    .await
    .expect("join");
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(
        stderr,
        "error: investigation nope-1 not found in namespace payments\nhint: -A looks in every namespace\n"
    );
    let bad = Command::new(env!("CARGO_BIN_EXE_kubevigil"))
        .args(["investigation", "export", "a b", "--format", "md"])
        .env("NO_COLOR", "1")
        .env("KUBECONFIG", dir.path().join("config"))
        .output()
        .expect("run");
    assert_eq!(bad.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&bad.stderr)
            .starts_with("error: investigation: `a b` is not an investigation id"),
        "{}",
        String::from_utf8_lossy(&bad.stderr)
    );
}
