//! Issue 16, item 8: packaging conventions. Shell completions and a manual
//! page come from the command line's own declaration; run as the kubectl
//! plugin (`kubectl-vigil`, the name krew links) the program names itself
//! `kubectl vigil`; the krew manifest template is complete.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test, bench or example may panic on what it sets up

use std::path::Path;
use std::process::{Command, Output};

fn kubevigil(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_kubevigil"))
        .args(args)
        .env("NO_COLOR", "1")
        .output()
        .expect("run kubevigil")
}

fn stdout(out: &Output) -> String {
    String::from_utf8(out.stdout.clone()).expect("UTF-8")
}

#[test]
fn completions_cover_every_command_in_each_shell() {
    for (shell, marker) in [
        ("bash", "_kubevigil()"),
        ("zsh", "#compdef kubevigil"),
        ("fish", "complete -c kubevigil"),
    ] {
        let out = kubevigil(&["completions", shell]);
        assert!(out.status.success(), "{shell}: {out:?}");
        let script = stdout(&out);
        assert!(script.contains(marker), "{shell}: {script}");
        for command in [
            "demo",
            "governor",
            "investigation",
            "audit",
            "completions",
            "man",
        ] {
            assert!(script.contains(command), "{shell} completes `{command}`");
        }
    }
    let out = kubevigil(&["completions", "tcsh"]);
    assert_eq!(
        out.status.code(),
        Some(2),
        "an unknown shell is a usage error"
    );
}

#[test]
fn bash_accepts_the_completion_script() {
    let out = kubevigil(&["completions", "bash"]);
    let dir = tempfile::tempdir().expect("tempdir");
    let script = dir.path().join("kubevigil.bash");
    std::fs::write(&script, out.stdout).expect("write");
    let checked = Command::new("bash")
        .arg("-n")
        .arg(&script)
        .output()
        .expect("bash -n");
    assert!(checked.status.success(), "{checked:?}");
}

#[test]
fn the_manual_page_documents_the_commands() {
    let out = kubevigil(&["man"]);
    assert!(out.status.success(), "{out:?}");
    let page = stdout(&out);
    assert!(
        page.starts_with(".ie \\n(.g") || page.contains(".TH kubevigil 1"),
        "{page}"
    );
    assert!(page.contains(".TH kubevigil 1"), "{page}");
    assert!(page.contains("investigation"), "{page}");
    let dir = tempfile::tempdir().expect("tempdir");
    let out = kubevigil(&["man", "--dir", dir.path().to_str().expect("path")]);
    assert!(out.status.success(), "{out:?}");
    for page in [
        "kubevigil.1",
        "kubevigil-demo.1",
        "kubevigil-investigation-export.1",
    ] {
        assert!(dir.path().join(page).is_file(), "{page} written");
    }
    if Path::new("/usr/bin/man").exists() {
        let rendered = Command::new("man")
            .arg(dir.path().join("kubevigil.1"))
            .env("MANPAGER", "cat")
            .env("MANWIDTH", "80")
            .output()
            .expect("man");
        if rendered.status.success() {
            assert!(String::from_utf8_lossy(&rendered.stdout).contains("kubevigil"));
        }
    }
}

#[cfg(unix)]
#[test]
fn run_as_kubectl_vigil_it_names_itself_kubectl_vigil() {
    let dir = tempfile::tempdir().expect("tempdir");
    let plugin = dir.path().join("kubectl-vigil");
    std::os::unix::fs::symlink(env!("CARGO_BIN_EXE_kubevigil"), &plugin).expect("symlink");
    let help = Command::new(&plugin).arg("--help").output().expect("run");
    assert!(help.status.success());
    let text = String::from_utf8_lossy(&help.stdout);
    assert!(text.contains("Usage: kubectl vigil [OPTIONS]"), "{text}");
    let wrong = Command::new(&plugin)
        .args(["--no-such-flag"])
        .env("NO_COLOR", "1")
        .output()
        .expect("run");
    assert_eq!(wrong.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&wrong.stderr);
    assert!(
        stderr.ends_with("hint: see 'kubectl vigil --help'\n"),
        "{stderr}"
    );

    // Through kubectl's own plugin discovery, when kubectl is installed.
    let path = format!(
        "{}:{}",
        dir.path().display(),
        std::env::var("PATH").unwrap_or_default()
    );
    if let Ok(out) = Command::new("kubectl")
        .args(["vigil", "crds"])
        .env("PATH", &path)
        .output()
    {
        assert!(out.status.success(), "{out:?}");
        assert!(String::from_utf8_lossy(&out.stdout).contains("kind: CustomResourceDefinition"));
    }
}

#[test]
fn the_krew_manifest_template_is_a_complete_plugin() {
    let text = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/krew/vigil.yaml"),
    )
    .expect("the template");
    let manifest: serde_json::Value = serde_saphyr::from_str(&text).expect("YAML");
    assert_eq!(
        manifest["apiVersion"],
        "krew.googlecontainertools.github.com/v1alpha2"
    );
    assert_eq!(manifest["kind"], "Plugin");
    assert_eq!(manifest["metadata"]["name"], "vigil");
    assert!(
        manifest["spec"]["shortDescription"]
            .as_str()
            .is_some_and(|d| d.len() < 80)
    );
    let platforms = manifest["spec"]["platforms"].as_array().expect("platforms");
    assert!(platforms.len() >= 2);
    for platform in platforms {
        assert_eq!(platform["bin"], "kubevigil");
        assert!(
            platform["sha256"]
                .as_str()
                .is_some_and(|s| s.contains("{{SHA256_"))
        );
        assert!(
            platform["uri"]
                .as_str()
                .is_some_and(|u| u.contains("{{VERSION}}"))
        );
        assert!(platform["selector"]["matchLabels"]["os"].is_string());
    }
}
