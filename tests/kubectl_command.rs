//! Issue 16 item 5: the `kubectl` command `c` offers for a proposal's
//! action. The action is agent-written, so the line is pasted into a shell
//! only if nothing in it can leave its word: these tests run each line
//! through a real `sh` (with `kubectl` a shell function that prints its
//! arguments) and check that the shell sees exactly the intended argv, for
//! hostile fixed payloads and for arbitrary generated ones.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test, bench or example may panic on what it sets up

use kubevigil::domain::kubectl::kubectl_command;
use kubevigil::domain::{ActionKind, ActionTarget, ProposedAction};
use proptest::prelude::*;
use serde_json::{Value, json};
use std::process::Command;

fn action(kind: ActionKind) -> ProposedAction {
    ProposedAction {
        kind,
        target: ActionTarget {
            api_version: "apps/v1".into(),
            kind: "Deployment".into(),
            namespace: "payments".into(),
            name: "api".into(),
        },
        patch: None,
        patch_type: Some("merge".into()),
        command: None,
        replicas: None,
    }
}

/// The arguments `kubectl` receives when `sh` runs `line`, and whether
/// anything else ran (a marker file the payloads try to create).
fn argv_in_sh(line: &str) -> Vec<String> {
    let dir = tempfile::tempdir().unwrap();
    let script = format!("kubectl() {{ printf '%s\\0' \"$@\"; }}\n{line}\n");
    let out = Command::new("sh")
        .arg("-c")
        .arg(&script)
        .current_dir(dir.path())
        .output()
        .expect("sh runs");
    assert!(out.status.success(), "sh failed on {line:?}: {out:?}");
    assert!(
        std::fs::read_dir(dir.path()).unwrap().next().is_none(),
        "the line created a file: {line:?}"
    );
    let mut args: Vec<String> = String::from_utf8(out.stdout)
        .unwrap()
        .split('\0')
        .map(String::from)
        .collect();
    assert_eq!(args.pop().as_deref(), Some(""), "NUL-terminated");
    args
}

fn patch_line(value: &Value) -> String {
    let mut patch = action(ActionKind::Patch);
    patch.patch = Some(value.to_string());
    kubectl_command(&patch).expect("a patch that parses has a command")
}

fn check_patch(value: &Value) {
    let line = patch_line(value);
    assert!(
        line.chars().all(|c| c.is_ascii() && !c.is_ascii_control()),
        "only printable ASCII: {line:?}"
    );
    let argv = argv_in_sh(&line);
    assert_eq!(
        argv[..7],
        [
            "patch",
            "deployment.v1.apps",
            "api",
            "-n",
            "payments",
            "--type=merge",
            "-p"
        ],
        "{line}"
    );
    assert_eq!(argv.len(), 8, "one word for the patch: {argv:?}");
    let sent: Value = serde_json::from_str(&argv[7]).expect("the patch is JSON");
    assert_eq!(&sent, value, "the shell passed the patch unchanged");
}

const HOSTILE: &[&str] = &[
    "'; touch pwned; echo '",
    "'\\''; touch pwned #",
    "$(touch pwned)",
    "`touch pwned`",
    "\"; touch pwned; \"",
    "line one\ntouch pwned\n",
    "\\'; touch pwned",
    "a'b'c''d'''",
    "${IFS}touch${IFS}pwned",
    "\u{1b}]52;c;dG91Y2ggcHduZWQ=\u{7}",
    "\u{202e}'; touch pwned #\u{202c}",
    "!! !$ ~ * ? [ ] { } < > | & ;",
    "\0zero",
];

#[test]
fn hostile_patches_stay_one_word() {
    for text in HOSTILE {
        check_patch(&json!({"metadata": {"annotations": {"note": text}}}));
        check_patch(&json!({"metadata": {"annotations": {*text: "key"}}}));
    }
}

#[test]
fn hostile_exec_arguments_stay_their_own_words_or_are_refused() {
    for text in HOSTILE {
        let mut exec = action(ActionKind::Exec);
        exec.command = Some(vec!["sh".into(), "-c".into(), (*text).to_string()]);
        match kubectl_command(&exec) {
            Ok(line) => {
                let argv = argv_in_sh(&line);
                assert_eq!(
                    argv,
                    [
                        "exec",
                        "deployment.v1.apps/api",
                        "-n",
                        "payments",
                        "--",
                        "sh",
                        "-c",
                        text
                    ]
                );
            }
            Err(why) => assert!(
                text.chars().any(|c| c.is_control() || c == '\u{202e}'),
                "{text:?} refused: {why}"
            ),
        }
    }
}

#[test]
fn hostile_targets_are_refused() {
    for text in HOSTILE.iter().chain(&["-A", "--all", "", "a b", "x/y"]) {
        for field in 0..3 {
            let mut delete = action(ActionKind::Delete);
            match field {
                0 => delete.target.name = (*text).to_string(),
                1 => delete.target.namespace = (*text).to_string(),
                _ => delete.target.kind = (*text).to_string(),
            }
            assert!(
                kubectl_command(&delete).is_err(),
                "{text:?} as a target accepted"
            );
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    /// Any text in a patch reaches kubectl as the same JSON, in one word.
    #[test]
    fn any_patch_text_stays_one_word(text in any::<String>(), key in "\\PC{0,12}") {
        check_patch(&json!({"metadata": {"annotations": {"note": text, key: "v"}}}));
    }

    /// Any exec argument is one word the shell passes on unchanged, or refused.
    #[test]
    fn any_exec_argument_stays_one_word(args in proptest::collection::vec(any::<String>(), 1..4)) {
        let mut exec = action(ActionKind::Exec);
        exec.command = Some(args.clone());
        if let Ok(line) = kubectl_command(&exec) {
            prop_assert!(!args.iter().any(|a| a.contains('\0')));
            let argv = argv_in_sh(&line);
            prop_assert_eq!(&argv[..5], ["exec", "deployment.v1.apps/api", "-n", "payments", "--"]);
            prop_assert_eq!(&argv[5..], &args[..]);
        }
    }

    /// A target name is accepted only when it is one plain word.
    #[test]
    fn any_target_name_is_one_word_or_refused(name in any::<String>()) {
        let mut restart = action(ActionKind::RolloutRestart);
        restart.target.name = name.clone();
        if let Ok(line) = kubectl_command(&restart) {
            let argv = argv_in_sh(&line);
            prop_assert_eq!(argv, vec![
                "rollout".to_string(),
                "restart".to_string(),
                format!("deployment.v1.apps/{name}"),
                "-n".to_string(),
                "payments".to_string(),
            ]);
        }
    }
}
