//! What the operator approves is what runs, and is seen whole: the proposal
//! view shows the canonical action that runs (headline, count of operations,
//! short digest), all of it, long lines wrapped with a `↪` marker; after an
//! edit the edited action, who edited it when and the diff; a patch that does
//! not parse raw and flagged; each decision with the digest it was about and
//! whether it still counts; why there is no write credential in the error
//! colour (an intercepted credential as a security alarm). The approvals
//! inbox says the same on its entries and previews the canonical action with
//! an explicit "+N more lines" marker. Snapshots of a `TestBackend` at
//! several sizes, a tiny one included, and a property test that every
//! operation of any valid JSON patch can be read in the proposal view.

mod common;

use common::keys::press;
use common::screen::{draw, text};
use crossterm::event::KeyCode;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{ObjectMeta, Time};
use kubevigil::app::action::Action;
use kubevigil::app::fixtures::{StateBuilder, at};
use kubevigil::app::state::{Modal, Screen, State};
use kubevigil::app::update;
use kubevigil::cluster::trim::proposal_record;
use kubevigil::cluster::vault_watch::VaultEvent;
use kubevigil::domain::canonical::{quote, short_digest};
use kubevigil::domain::{
    ActionKind, ActionProposal, ActionProposalSpec, ActionProposalStatus, ActionTarget, Decision,
    DecisionSource, ExecutionResult, MintedCredential, NoCredential, NoCredentialReason, Phase,
    Preview, ProposalState, ProposedAction, Risk, Verdict, action_digest,
};
use kubevigil::model::records::{ProposalKey, ProposalRecord};
use kubevigil::sanitize::Redactor;
use kubevigil::vault::VaultIdentity;
use ratatui::buffer::Buffer;

const SIZES: [(u16, u16); 3] = [(160, 48), (80, 24), (40, 12)];
const NAMESPACE: &str = "kubevigil-agents";

/// A JSON patch of the storefront Deployment.
fn json_patch(patch: &str) -> ProposedAction {
    ProposedAction {
        kind: ActionKind::Patch,
        target: ActionTarget {
            api_version: "apps/v1".into(),
            kind: "Deployment".into(),
            namespace: "web".into(),
            name: "storefront".into(),
        },
        patch: Some(patch.to_string()),
        patch_type: Some("json".into()),
        command: None,
        replicas: None,
    }
}

/// A proposal of `action` in LimitedWrite, as the cluster would hold it.
fn object(
    name: &str,
    action: ProposedAction,
    state: ProposalState,
    decisions: Vec<Decision>,
    approvals_required: u32,
) -> ActionProposal {
    ActionProposal {
        metadata: ObjectMeta {
            name: Some(name.to_string()),
            namespace: Some(NAMESPACE.to_string()),
            uid: Some(format!("uid-{name}")),
            creation_timestamp: Some(Time(at(-120))),
            ..ObjectMeta::default()
        },
        spec: ActionProposalSpec {
            investigation: "rollout-lgfvh9".into(),
            summary: "Scale storefront back to 3 replicas".into(),
            rationale: "The rollout left 1 replica serving all traffic.".into(),
            risk: Risk::Medium,
            reversible: true,
            action,
            preview: None,
            expires_at: Some(Time(at(270))),
            rollback: None,
            credential_recipient: Some("age1recipient".into()),
        },
        status: Some(ActionProposalStatus {
            state,
            decisions,
            approvals_required: Some(approvals_required),
            phase: Some(Phase::LimitedWrite),
            ..ActionProposalStatus::default()
        }),
    }
}

fn record(object: &ActionProposal) -> ProposalRecord {
    let name = object.metadata.name.as_deref().unwrap_or_default();
    proposal_record(NAMESPACE, name, object, &Redactor::default())
}

/// `by`'s approval of `action` (edited when `edited_action` is given).
fn approval(
    by: &str,
    seconds: i64,
    action: &ProposedAction,
    edited_action: Option<ProposedAction>,
) -> Decision {
    let runs = edited_action.as_ref().unwrap_or(action);
    Decision {
        by: by.into(),
        verified: true,
        at: Time(at(seconds)),
        verdict: Verdict::Approve,
        reason: None,
        source: DecisionSource::Manual,
        edited: edited_action.is_some(),
        action_digest: Some(action_digest(runs)),
        edited_action,
    }
}

fn vault_on() -> VaultEvent {
    VaultEvent::Identity {
        addr: "https://vault.example:8200".into(),
        result: Ok(VaultIdentity {
            display_name: "oidc-oncall-2".into(),
            entity_id: "7d2f0a4e-51c9-4b1e-9a55-0c4d1e2f3a4b".into(),
            policies: vec!["default".into(), "kubevigil-operator".into()],
        }),
    }
}

/// `records`' world as `user` sees it, at `columns` x `rows`.
fn world(columns: u16, rows: u16, user: &str, records: Vec<ProposalRecord>) -> State {
    let mut builder = StateBuilder::new()
        .size(columns, rows)
        .user(Some((user, true)))
        .policy("web", Phase::LimitedWrite)
        .vault(vault_on());
    for record in records {
        builder = builder.proposal(record);
    }
    builder.build()
}

/// The proposal view of `record` as `user` sees it.
fn proposal_view(columns: u16, rows: u16, user: &str, record: ProposalRecord) -> State {
    let key = record.key.clone();
    let mut state = world(columns, rows, user, vec![record]);
    state.screens.push(Screen::Proposal { key, scroll: 0 });
    state
}

fn snapshot_at_every_size(name: &str, scene: impl Fn(u16, u16) -> State) {
    for (columns, rows) in SIZES {
        let state = scene(columns, rows);
        insta::assert_snapshot!(format!("{name}_{columns}x{rows}"), text(&draw(&state)));
    }
}

/// Every row of the proposal view's document, scrolled through a page at a
/// time with the page-down key, as the operator would read it.
fn scrolled_through(state: &mut State) -> Vec<String> {
    let mut rows: Vec<String> = Vec::new();
    loop {
        let Some(Screen::Proposal { scroll, .. }) = state.screens.last().cloned() else {
            return rows;
        };
        let screen = text(&draw(state));
        let area = kubevigil::app::geometry::layout::proposal_text_area(state);
        let text_rows: Vec<&str> = screen
            .lines()
            .skip(usize::from(area.y))
            .take(usize::from(area.height))
            .collect();
        for (i, row) in text_rows.iter().enumerate() {
            let at = scroll + i;
            if at >= rows.len() {
                rows.push((*row).to_string());
            }
        }
        press(state, KeyCode::PageDown);
        if matches!(state.screens.last(), Some(Screen::Proposal { scroll: next, .. }) if *next == scroll)
        {
            return rows;
        }
    }
}

/// The document's logical lines: each row marked `↪` joined to the row before it.
fn joined(rows: &[String]) -> Vec<String> {
    let mut lines: Vec<String> = Vec::new();
    for row in rows {
        // A continuation row of spaces alone ends in `↪` once trimmed.
        match row.strip_prefix("  ↪ ").or_else(|| row.strip_prefix("  ↪")) {
            Some(rest) if !lines.is_empty() => {
                if let Some(last) = lines.last_mut() {
                    last.push_str(rest);
                }
            }
            _ => lines.push(row.clone()),
        }
    }
    lines
}

/// `text` with every run of whitespace (line breaks and the indent of
/// wrapped rows included) made one space.
fn squash(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn without_spaces(text: &str) -> String {
    text.chars().filter(|c| *c != ' ').collect()
}

/// The style of the first cell of the first row holding `needle`.
fn style_of(buffer: &Buffer, needle: &str) -> Option<ratatui::style::Style> {
    let area = buffer.area;
    for y in 0..area.height {
        let row: String = (0..area.width).map(|x| buffer[(x, y)].symbol()).collect();
        if let Some(byte) = row.find(needle) {
            let column = row[..byte].chars().count();
            // Wide characters take a cell and a blank after them; this test's
            // needles follow ASCII text, so characters and cells line up.
            let x = u16::try_from(column).unwrap_or(0);
            return Some(buffer[(x, y)].style());
        }
    }
    None
}

// A JSON patch whose first operation is followed by 5,000 spaces: the
// second operation used to sit past the screen edge, cut with no marker.
fn long_patch() -> ProposalRecord {
    let patch = format!(
        r#"[{{"op":"replace","path":"/spec/replicas","value":3}}{},{{"op":"add","path":"/spec/template/spec/containers/0/env/-","value":{{"name":"EXFIL_URL","value":"https://attacker.example/collect?token=$(VAULT_TOKEN)&also=a-long-query-string-that-goes-on-and-on-past-any-screen-edge"}}}}]"#,
        " ".repeat(5000)
    );
    let mut object = object(
        "scale-storefront-1",
        json_patch(&patch),
        ProposalState::Pending,
        Vec::new(),
        1,
    );
    object.spec.preview = Some(Preview {
        diff: Some(format!(
            "--- a/deployment.yaml\n+++ b/deployment.yaml\n@@ -8,1 +8,1 @@\n-  replicas: 1\n+  replicas: 3\n+        - name: EXFIL_URL{}value: https://attacker.example/collect\n",
            " ".repeat(120)
        )),
        dry_run: None,
    });
    record(&object)
}

#[test]
fn a_long_json_patch_shows_both_operations_canonically() {
    snapshot_at_every_size("long_patch", |c, r| {
        proposal_view(c, r, "oncall-2", long_patch())
    });
    let mut state = proposal_view(80, 24, "oncall-2", long_patch());
    let first = text(&draw(&state));
    assert!(first.contains("1. replace /spec/replicas = 3"), "{first}");
    assert!(
        first.contains("2. add /spec/template/spec/containers/0/env/- ="),
        "{first}"
    );
    assert!(squash(&first).contains("2 operations · sha256 "), "{first}");
    let lines = joined(&scrolled_through(&mut state));
    let all = lines.join("\n");
    assert!(
        all.contains("https://attacker.example/collect?token=$(VAULT_TOKEN)&also=a-long-query-string-that-goes-on-and-on-past-any-screen-edge"),
        "the long value is wrapped, never cut:\n{all}"
    );
    assert!(
        without_spaces(&all).contains("+-name:EXFIL_URLvalue:https://attacker.example/collect"),
        "the preview diff's long line is wrapped, never cut:\n{all}"
    );
}

#[test]
fn the_scroll_bound_covers_the_wrapped_height() {
    for (columns, rows) in [(80, 12), (100, 30), (90, 9)] {
        let mut state = proposal_view(columns, rows, "oncall-2", long_patch());
        let all_rows = scrolled_through(&mut state);
        press(&mut state, KeyCode::Char('G'));
        let screen = text(&draw(&state));
        let title = screen
            .lines()
            .find(|l| l.starts_with("─ proposal"))
            .unwrap_or_default()
            .to_string();
        let total = all_rows.len();
        assert!(
            title.contains(&format!("–{total} of {total}")),
            "at the bottom the view ends at the document's last row: {title}\n{screen}"
        );
        assert!(
            screen.contains("↪ https://attacker.example/collect")
                || screen.contains("value: https://attacker.example/collect"),
            "the preview's last wrapped row is reachable:\n{screen}"
        );
    }
}

fn edited() -> (ProposalRecord, String, String) {
    let proposed = json_patch(r#"[{"op":"replace","path":"/spec/replicas","value":3}]"#);
    let edit = json_patch(
        r#"[{"op":"replace","path":"/spec/replicas","value":2},{"op":"add","path":"/metadata/labels/approved-by","value":"oncall-1"}]"#,
    );
    let decisions = vec![
        approval("oncall-3", -100, &proposed, None),
        approval("oncall-1", -60, &proposed, Some(edit.clone())),
    ];
    let object = object(
        "scale-storefront-2",
        proposed.clone(),
        ProposalState::Pending,
        decisions,
        1,
    );
    (
        record(&object),
        short_digest(&action_digest(&proposed)).to_string(),
        short_digest(&action_digest(&edit)).to_string(),
    )
}

#[test]
fn a_second_approver_sees_the_edited_action_who_edited_it_and_the_diff() {
    snapshot_at_every_size("edited", |c, r| proposal_view(c, r, "oncall-2", edited().0));
    let (record, proposed, runs) = edited();
    let mut state = proposal_view(160, 48, "oncall-2", record);
    let screen = text(&draw(&state));
    assert!(
        screen.contains(&format!("2 operations · sha256 {runs}")),
        "{screen}"
    );
    assert!(
        screen.contains("edited        by oncall-1 at 02:13:07"),
        "{screen}"
    );
    assert!(
        screen.contains(&format!("the agent proposed sha256 {proposed}")),
        "{screen}"
    );
    assert!(
        screen.contains(&format!(
            "✔ approved oncall-3 · sha256 {proposed} — no longer counts: the action was edited since"
        )),
        "{screen}"
    );
    assert!(
        screen.contains(&format!("✔ approved oncall-1 (edited) · sha256 {runs}\n")),
        "the editor's approval is of the edited action and counts:\n{screen}"
    );
    let all = joined(&scrolled_through(&mut state)).join("\n");
    // The change that runs is the edited one; the original appears only as
    // the removed side of the diff.
    let change = all
        .split(" change that runs")
        .nth(1)
        .and_then(|rest| rest.split(" edit: by").next())
        .unwrap_or_default();
    assert!(change.contains("1. replace /spec/replicas = 2"), "{change}");
    assert!(
        change.contains("2. add /metadata/labels/approved-by = \"oncall-1\""),
        "{change}"
    );
    assert!(
        !change.contains("= 3"),
        "the original is not shown as what runs:\n{change}"
    );
    assert!(all.contains("-1. replace /spec/replicas = 3"), "{all}");
    assert!(all.contains("+1. replace /spec/replicas = 2"), "{all}");
}

#[test]
fn the_approvals_count_only_approvals_of_the_action_that_runs() {
    let (record, _, _) = edited();
    assert_eq!(
        kubevigil::app::geometry::focus::approvals_progress(&record),
        "1 of 2"
    );
}

fn unparsed() -> ProposalRecord {
    let object = object(
        "scale-storefront-3",
        json_patch(
            r#"[{"op":"replace","path":"/spec/replicas","value":3}, {"op":"add","path":"/spec/x" "value":1}]"#,
        ),
        ProposalState::Pending,
        Vec::new(),
        1,
    );
    record(&object)
}

#[test]
fn a_patch_that_does_not_parse_is_shown_raw_and_flagged_not_approvable() {
    snapshot_at_every_size("not_approvable", |c, r| {
        proposal_view(c, r, "oncall-2", unparsed())
    });
    let state = proposal_view(160, 48, "oncall-2", unparsed());
    let buffer = draw(&state);
    let screen = text(&buffer);
    assert!(
        screen.contains("✖ NOT APPROVABLE: the patch does not parse"),
        "{screen}"
    );
    assert!(
        screen.contains(r#"{"op":"add","path":"/spec/x" "value":1}"#),
        "the raw text is shown:\n{screen}"
    );
    assert_eq!(
        style_of(&buffer, "✖ NOT APPROVABLE").map(|s| s.fg),
        Some(state.theme.error.fg)
    );
}

fn without_credential(reason: NoCredentialReason, message: &str, executed: bool) -> ProposalRecord {
    let proposed = json_patch(r#"[{"op":"replace","path":"/spec/replicas","value":3}]"#);
    let state = if executed {
        ProposalState::Executed
    } else {
        ProposalState::Approved
    };
    let mut object = object(
        "scale-storefront-4",
        proposed.clone(),
        state,
        vec![approval("oncall-1", -60, &proposed, None)],
        0,
    );
    if let Some(status) = object.status.as_mut() {
        status.no_credential = Some(NoCredential {
            reason,
            message: message.into(),
            at: Some(Time(at(-59))),
        });
        if executed {
            status.execution = Some(ExecutionResult {
                succeeded: true,
                message: "deployment.apps/storefront patched".into(),
                at: Some(Time(at(-30))),
            });
        }
        if reason == NoCredentialReason::Intercepted {
            status.credential = Some(MintedCredential {
                wrapping_token: None,
                encrypted_wrapping_token: Some("age-encrypted".into()),
                wrapped_accessor: "hmT0q8Zt1vXbW2".into(),
                ttl_seconds: 300,
                minted_at: Some(Time(at(-59))),
                revoked: false,
            });
        }
    }
    record(&object)
}

const MINT_FAILED: &str = "minting failed: permission denied: the console's token may not create tokens with policy kubevigil-write-web";

#[test]
fn why_there_is_no_write_credential_is_said_in_the_error_colour() {
    let cases = [
        (
            "mint_failed",
            without_credential(NoCredentialReason::MintFailed, MINT_FAILED, false),
            "credential no write credential: minting failed: permission denied: the console's token may not create tokens with policy kubevigil-write-web; the agent will not write",
        ),
        (
            "no_recipient",
            without_credential(
                NoCredentialReason::NoRecipient,
                "the proposal names no credentialRecipient and its TrustPolicy does not allow unsealed credentials: nothing was minted (the agent must name an age recipient)",
                false,
            ),
            "credential no write credential: the proposal names no credentialRecipient to seal it to, and its TrustPolicy does not allow unsealed credentials; nothing was minted, the agent will not write",
        ),
        (
            "vault_off",
            without_credential(
                NoCredentialReason::VaultOff,
                "approved by a console with Vault off (oncall-1): no write credential exists",
                false,
            ),
            "credential none (Vault off) approved, not executed yet: v vetoes it before the agent runs it (Vault off: there is no credential to revoke)",
        ),
        (
            "vault_off_executed",
            without_credential(NoCredentialReason::VaultOff, "", true),
            "credential none (Vault off) · executed without a Vault credential",
        ),
        (
            "intercepted",
            without_credential(
                NoCredentialReason::Intercepted,
                "the wrapping token was already unwrapped: response wrapping reports it used",
                false,
            ),
            "⚠ SECURITY: the write credential was unwrapped by someone other than the agent",
        ),
    ];
    for (name, record, expected) in cases {
        let state = proposal_view(160, 48, "oncall-2", record.clone());
        let buffer = draw(&state);
        let screen = text(&buffer);
        assert!(squash(&screen).contains(expected), "{name}:\n{screen}");
        let needle = expected
            .strip_prefix("credential ")
            .unwrap_or(expected)
            .chars()
            .take(16)
            .collect::<String>();
        assert_eq!(
            style_of(&buffer, &needle).map(|s| s.fg),
            Some(state.theme.error.fg),
            "{name}: {needle:?} in the error colour"
        );
        insta::assert_snapshot!(
            format!("no_credential_{name}_80x24"),
            text(&draw(&proposal_view(80, 24, "oncall-2", record)))
        );
    }
    snapshot_at_every_size("intercepted", |c, r| {
        proposal_view(
            c,
            r,
            "oncall-2",
            without_credential(
                NoCredentialReason::Intercepted,
                "the wrapping token was already unwrapped: response wrapping reports it used",
                false,
            ),
        )
    });
    let state = proposal_view(
        160,
        48,
        "oncall-2",
        without_credential(NoCredentialReason::Intercepted, "unwrapped", false),
    );
    let alarm = style_of(&draw(&state), "⚠ SECURITY").unwrap_or_default();
    assert!(
        alarm
            .add_modifier
            .contains(ratatui::style::Modifier::REVERSED),
        "the alarm stands out: {alarm:?}"
    );
}

/// The inbox: a pending proposal with a 60-operation patch (its preview does
/// not fit) and an approved one whose credential could not be minted.
fn inbox(columns: u16, rows: u16) -> State {
    let ops: Vec<String> = (0..60)
        .map(|i| format!(r#"{{"op":"add","path":"/metadata/labels/l{i}","value":"v{i}"}}"#))
        .collect();
    let many = object(
        "label-storefront-5",
        json_patch(&format!("[{}]", ops.join(","))),
        ProposalState::Pending,
        Vec::new(),
        1,
    );
    let mut state = world(
        columns,
        rows,
        "oncall-2",
        vec![
            record(&many),
            without_credential(NoCredentialReason::MintFailed, MINT_FAILED, false),
        ],
    );
    update(&mut state, Action::RunCommandLine("approvals".into()));
    state
}

#[test]
fn the_inbox_says_when_no_credential_was_minted_and_previews_the_action() {
    snapshot_at_every_size("inbox_mint_failed", inbox);
    let state = inbox(160, 48);
    let buffer = draw(&state);
    let screen = text(&buffer);
    assert!(
        screen.contains("✖ no write credential: minting failed: permission denied"),
        "{screen}"
    );
    assert_eq!(
        style_of(&buffer, "✖ no write credential").map(|s| s.fg),
        Some(state.theme.error.fg)
    );
    assert!(
        screen.contains("what runs if label-storefront-5 is approved"),
        "{screen}"
    );
    assert!(screen.contains("60 operations · sha256 "), "{screen}");
    assert!(
        screen.contains("1. add /metadata/labels/l0 = \"v0\""),
        "{screen}"
    );
    assert!(
        screen.contains("more lines — enter opens the proposal to see all of it"),
        "the preview says what it does not show:\n{screen}"
    );

    // Approving from the inbox goes through the approve dialog.
    let mut state = inbox(160, 48);
    press(&mut state, KeyCode::Char('a'));
    assert!(
        matches!(state.decisions.modal, Some(Modal::Approve { .. })),
        "{:?}",
        state.decisions.modal
    );

    // The approved entry under the cursor: its preview fits whole.
    let mut state = inbox(160, 48);
    press(&mut state, KeyCode::Down);
    let screen = text(&draw(&state));
    assert!(
        screen.contains("what runs if scale-storefront-4 is approved"),
        "{screen}"
    );
    assert!(screen.contains("1. replace /spec/replicas = 3"), "{screen}");
    assert!(!screen.contains("more lines —"), "{screen}");
}

#[test]
fn the_preview_marker_counts_exactly_the_lines_not_shown() {
    for rows in 19..60 {
        let state = inbox(80, rows);
        let screen = text(&draw(&state));
        assert!(
            screen.contains("what runs if label-storefront-5"),
            "at 80x{rows}:\n{screen}"
        );
        let shown = (0..60)
            .filter(|i| screen.contains(&format!("add /metadata/labels/l{i} = \"v{i}\"")))
            .count();
        let hidden: usize = screen
            .lines()
            .find_map(|l| l.trim_start().strip_prefix('+'))
            .and_then(|rest| rest.split(' ').next())
            .and_then(|n| n.parse().ok())
            .unwrap_or(0);
        assert_eq!(shown + hidden, 60, "at 80x{rows}:\n{screen}");
    }
}

#[test]
fn the_audit_shows_the_digest_a_decision_was_about() {
    let (edited_record, proposed, runs) = edited();
    let key: ProposalKey = edited_record.key.clone();
    let mut state = world(160, 48, "oncall-2", vec![edited_record]);
    let records: Vec<kubevigil::audit::AuditRecord> = [("oncall-3", -100), ("oncall-1", -60)]
        .into_iter()
        .map(|(by, seconds)| kubevigil::audit::AuditRecord {
            at: at(seconds),
            actor: by.into(),
            verified: true,
            action: kubevigil::audit::AuditAction::Approve,
            namespace: key.namespace.clone(),
            object: format!("actionproposal/{}", key.name),
            investigation: None,
            reason: None,
            edited: by == "oncall-1",
            context: None,
            server: None,
            detail: None,
        })
        .collect();
    update(&mut state, Action::RunCommandLine("audit".into()));
    update(
        &mut state,
        Action::Decisions(
            kubevigil::cluster::decision_tasks::DecisionEvent::AuditLoaded(Ok(records)),
        ),
    );
    let screen = text(&draw(&state));
    assert!(screen.contains("DIGEST"), "{screen}");
    assert!(screen.contains(&runs), "{screen}");
    assert!(screen.contains(&proposed), "{screen}");
}

mod every_operation {
    use super::*;
    use proptest::prelude::*;

    fn whitespace() -> impl Strategy<Value = String> {
        prop_oneof![
            6 => "[ \t\r\n]{0,3}",
            1 => (0usize..6000).prop_map(|n| " ".repeat(n)),
            1 => "[ \t\r\n]{0,200}",
        ]
    }

    fn path() -> impl Strategy<Value = String> {
        prop_oneof![
            "(/[a-z0-9~_.-]{1,12}){1,6}",
            "(/[a-zA-Z0-9 \"\\\\é界-]{0,80}){1,3}",
            (1usize..400).prop_map(|n| format!("/metadata/annotations/{}", "k".repeat(n))),
        ]
    }

    fn value() -> impl Strategy<Value = String> {
        prop_oneof![
            any::<i32>().prop_map(|n| n.to_string()),
            "[a-zA-Z0-9 é界\"\\\\]{0,3000}"
                .prop_map(|s| serde_json::to_string(&s).unwrap_or_default()),
            ("[a-z]{1,10}", "[a-z ]{0,300}").prop_map(|(k, v)| {
                serde_json::json!({ k: v, "nested": { "list": [1, 2, v.clone()] } }).to_string()
            }),
        ]
    }

    const OPS: [&str; 6] = ["add", "remove", "replace", "move", "copy", "test"];

    fn operation() -> impl Strategy<Value = (String, String, String, String)> {
        (0usize..6, path(), value(), path())
            .prop_map(|(op, path, value, from)| (OPS[op].to_string(), path, value, from))
    }

    /// The operation as JSON, whitespace `ws` around every token.
    fn operation_json(op: &str, path: &str, value: &str, from: &str, ws: &[String]) -> String {
        let w = |i: usize| ws[i % ws.len()].as_str();
        let string = |s: &str| serde_json::to_string(s).unwrap_or_default();
        let mut json = format!(
            "{{{}\"op\"{}:{}{}{},{}\"path\"{}:{}{}",
            w(0),
            w(1),
            w(2),
            string(op),
            w(3),
            w(4),
            w(5),
            w(6),
            string(path)
        );
        match op {
            "remove" => {}
            "move" | "copy" => {
                json.push_str(&format!(",{}\"from\":{}{}", w(7), w(8), string(from)))
            }
            _ => json.push_str(&format!(",{}\"value\"{}:{}{}", w(9), w(10), w(11), value)),
        }
        json.push_str(&format!("{}}}", w(12)));
        json
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 40, ..ProptestConfig::default() })]

        #[test]
        fn every_op_and_path_can_be_read_in_the_proposal_view(
            ops in proptest::collection::vec(operation(), 1..25),
            ws in proptest::collection::vec(whitespace(), 1..20),
            size in prop_oneof![Just((80u16, 24u16)), Just((41, 13)), Just((160, 48))],
        ) {
            let parts: Vec<String> = ops
                .iter()
                .enumerate()
                .map(|(i, (op, path, value, from))| {
                    let shifted: Vec<String> = ws.iter().cycle().skip(i).take(ws.len()).cloned().collect();
                    operation_json(op, path, value, from, &shifted)
                })
                .collect();
            let patch = format!("{}[{}{}]{}", ws[0], parts.join(&format!("{},", ws[ws.len() - 1])), ws[0], ws[ws.len() / 2]);
            let record = record(&object(
                "fuzzed-1",
                json_patch(&patch),
                ProposalState::Pending,
                Vec::new(),
                1,
            ));
            prop_assert!(record.action.problem.is_none(), "a valid patch: {:?}", record.action.problem);
            prop_assert_eq!(record.action.operations, ops.len());
            let mut state = proposal_view(size.0, size.1, "oncall-2", record);
            let all = without_spaces(&joined(&scrolled_through(&mut state)).join("\n"));
            for (i, (op, path, _, _)) in ops.iter().enumerate() {
                let plain = !path.is_empty()
                    && path.chars().all(|c| c.is_ascii_alphanumeric() || "/-_.~".contains(c));
                let shown = if plain { path.clone() } else { quote(path) };
                let needle = without_spaces(&format!("{}. {op} {shown}", i + 1));
                prop_assert!(all.contains(&needle), "operation {} ({needle}) not found in:\n{all}", i + 1);
            }
        }
    }
}
