//! End-to-end, issue 16 items 5 and 6, against the sandbox in a PTY: `y`
//! shows the investigation's Job YAML (and its Pod, without
//! managedFields), `l` its raw pod log; ctrl-o hands the log to `$PAGER`
//! (a script that copies its file to a marker) with the console
//! suspended (a SIGINT to the foreground group meanwhile is the pager's),
//! and the console comes back drawn as it was; a failing
//! `$EDITOR` is one notice; `E` writes the transcript, decisions included,
//! and a second `E` never overwrites the first file.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test, bench or example may panic on what it sets up

mod common;

use common::pty::{Terminal, runtime};
use kube::Api;
use kube::api::ListParams;
use kubevigil::domain::ActionProposal;
use kubevigil::sandbox::{Sandbox, SandboxOptions};
use std::os::unix::fs::PermissionsExt;
use std::time::{Duration, Instant};

const PATIENCE: Duration = Duration::from_secs(90);

/// The screen's rows below the header (two rows at most), which a clock
/// and live counts do not change.
fn below_header(screen: &str) -> Vec<String> {
    screen.lines().skip(2).map(str::to_string).collect()
}

fn count(haystack: &[u8], needle: &[u8]) -> usize {
    haystack
        .windows(needle.len())
        .filter(|w| *w == needle)
        .count()
}

#[test]
fn yaml_log_pager_editor_and_export_from_the_console() {
    let runtime = runtime();
    let _entered = runtime.enter();
    let sandbox = runtime
        .block_on(Sandbox::start(SandboxOptions {
            speed: 50.0,
            flaky: false,
            scenarios: false,
            ..SandboxOptions::default()
        }))
        .expect("sandbox starts");
    let handle = sandbox
        .start_investigation("certificate", "checkout")
        .expect("fired");
    let id = handle.investigation.id.clone();
    let job = handle.investigation.job.clone();
    // Wait until the governor has decided the scenario's proposals (by rule,
    // in the Autonomous checkout), so the transcript has decisions.
    let client = sandbox.api().client("oncall-1").expect("client");
    let start = Instant::now();
    let decided = loop {
        let listed = runtime
            .block_on(
                Api::<ActionProposal>::namespaced(client.clone(), "checkout")
                    .list(&ListParams::default()),
            )
            .expect("proposals");
        let decided: Vec<ActionProposal> = listed
            .items
            .into_iter()
            .filter(|p| p.spec.investigation == id && !p.decisions().is_empty())
            .collect();
        if !decided.is_empty() {
            break decided;
        }
        assert!(start.elapsed() < PATIENCE, "no decision on {id}");
        std::thread::sleep(Duration::from_millis(300));
    };

    let dir = tempfile::tempdir().expect("tempdir");
    let kubeconfig = dir.path().join("kubeconfig");
    sandbox
        .write_kubeconfig(&kubeconfig, "oncall-1")
        .expect("kubeconfig");
    let marker = dir.path().join("paged.txt");
    let pager = dir.path().join("pager.sh");
    std::fs::write(
        &pager,
        // As a ctrl-c in the pager would, interrupt the whole foreground
        // group (the console included) before copying the file.
        "#!/bin/sh\ntrap '' INT\nkill -INT 0\ncat \"$1\" > \"$MARKER.part\" && mv \"$MARKER.part\" \"$MARKER\"\n",
    )
    .expect("pager script");
    std::fs::set_permissions(&pager, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    let (path, pager_path, marker_path) = (
        kubeconfig.to_string_lossy().to_string(),
        pager.to_string_lossy().to_string(),
        marker.to_string_lossy().to_string(),
    );
    let mut term = Terminal::spawn(
        &["--kubeconfig", &path, "--context", "oncall-1"],
        140,
        40,
        &[
            ("PAGER", pager_path.as_str()),
            ("MARKER", marker_path.as_str()),
            ("VISUAL", ""),
            ("EDITOR", "false"),
        ],
    );
    term.wait_for_text("certificate-", PATIENCE);
    term.type_keys("/certificate\r");

    // y: the Job, then its Pod, as YAML, managedFields left out.
    term.type_keys("y");
    let screen = term.wait_for("the Job's YAML", PATIENCE, |s| {
        s.contains("kind: Job") && s.contains(&format!("name: {job}"))
    });
    assert!(screen.contains("apiVersion: batch/v1"), "{screen}");
    assert!(!screen.contains("managedFields:"), "{screen}");
    // The view is a snapshot: the Job can finish a moment before its Pod's
    // status says so, so fetch again (`r`) until the Pod has succeeded.
    let start = Instant::now();
    loop {
        term.type_keys("G");
        std::thread::sleep(Duration::from_millis(500));
        let screen = term.contents();
        if screen.contains("containerStatuses:") && screen.contains("phase: Succeeded") {
            break;
        }
        assert!(
            start.elapsed() < PATIENCE,
            "its Pod below it, succeeded; the screen was:\n{screen}"
        );
        term.type_keys("r");
        std::thread::sleep(Duration::from_millis(500));
    }

    // l: the raw log, the protocol's JSON lines as the agent printed them.
    term.type_keys("l");
    let log = term.wait_for("the raw pod log", PATIENCE, |s| {
        s.contains("pod log of") && s.contains("\"type\":")
    });
    assert!(log.contains("the last"), "{log}");

    // ctrl-o: the pager gets the log; the console steps aside and comes back.
    let before = below_header(&log);
    let raw_before = term.raw();
    term.type_keys("\u{f}");
    let start = Instant::now();
    while !marker.exists() {
        assert!(start.elapsed() < PATIENCE, "the pager never ran");
        std::thread::sleep(Duration::from_millis(100));
    }
    let paged = std::fs::read_to_string(&marker).expect("the paged text");
    assert!(paged.contains("\"type\":"), "{paged}");
    term.wait_for("the log view drawn again", PATIENCE, |s| {
        below_header(s) == before
    });
    assert!(
        term.is_running(),
        "the pager's SIGINT was the pager's, not the console's"
    );
    let raw = term.raw();
    let after = &raw[raw_before.len()..];
    let left = after
        .windows(8)
        .position(|w| w == b"\x1b[?1049l")
        .expect("the console left the alternate screen for the pager");
    assert!(
        count(&after[left..], b"\x1b[?1049h") >= 1,
        "and entered it again after"
    );
    assert!(
        count(&after[left..], b"\x1b[?25h") >= 1,
        "the cursor was shown to the pager"
    );

    // ctrl-e with an editor that fails: one notice, the console is back.
    term.type_keys("\u{5}");
    term.wait_for("the editor's failure said", PATIENCE, |s| {
        s.contains("$EDITOR failed: false exited with status 1")
    });

    // Back to the table, drawn again.
    term.type_keys("q");
    term.wait_for("the table again", PATIENCE, |s| {
        s.contains("investigations") && s.contains("certificate-") && !s.contains("pod log of")
    });

    // E: the transcript, with every decision, in the console's directory;
    // a second E writes a second file.
    let home = std::env::temp_dir().join(format!("kubevigil-pty-{}", std::process::id()));
    let first = home.join(format!("kubevigil-{id}.md"));
    let second = home.join(format!("kubevigil-{id}-1.md"));
    let _ = std::fs::remove_file(&first);
    let _ = std::fs::remove_file(&second);
    term.type_keys("E");
    term.wait_for("the export said", PATIENCE, |s| {
        s.contains(&format!("wrote the transcript of {id}"))
    });
    let md = std::fs::read_to_string(&first).expect("the transcript file");
    assert!(md.starts_with(&format!("# Investigation {id}")), "{md}");
    for proposal in &decided {
        for decision in proposal.decisions() {
            assert!(
                md.contains(&decision.by),
                "who decided: {}\n{md}",
                decision.by
            );
        }
        assert!(
            md.contains(&proposal.effective_action().digest()),
            "the action by digest"
        );
    }
    term.type_keys("E");
    let start = Instant::now();
    while !second.exists() {
        assert!(
            start.elapsed() < PATIENCE,
            "the second export wrote no second file"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    assert_eq!(
        std::fs::read_to_string(&first).expect("the first file"),
        md,
        "the first file was not overwritten"
    );
    term.quit();
    let _ = std::fs::remove_file(&first);
    let _ = std::fs::remove_file(&second);
    runtime.block_on(sandbox.shutdown());
}
