//! Prometheus's `promtool` for tests: found on PATH, else installed with the
//! Debian package `prometheus` (`apt-get install -y prometheus`, after an
//! `apt-get update` when the first try fails), once per process.

#![allow(dead_code)]

use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::OnceLock;

/// The `promtool` binary, installing it when missing.
pub fn promtool() -> PathBuf {
    static FOUND: OnceLock<PathBuf> = OnceLock::new();
    FOUND
        .get_or_init(|| {
            if let Some(found) = on_path() {
                return found;
            }
            let install = || {
                Command::new("apt-get")
                    .args(["install", "-y", "prometheus"])
                    .env("DEBIAN_FRONTEND", "noninteractive")
                    .stdout(Stdio::null())
                    .status()
                    .is_ok_and(|s| s.success())
            };
            if !install() {
                let _ = Command::new("apt-get")
                    .arg("update")
                    .stdout(Stdio::null())
                    .status();
                assert!(install(), "apt-get install -y prometheus failed");
            }
            on_path().expect("promtool after installing prometheus")
        })
        .clone()
}

fn on_path() -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join("promtool"))
        .find(|candidate| candidate.is_file())
}

/// Runs `promtool check metrics` on `text`; returns its exit status and output.
pub fn check_metrics(text: &str) -> (bool, String) {
    let mut child = Command::new(promtool())
        .args(["check", "metrics"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run promtool");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(text.as_bytes())
        .expect("write the metrics");
    let output = child.wait_with_output().expect("promtool ends");
    let said = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    (output.status.success(), said)
}

/// Runs `promtool check rules` on the file at `path`.
pub fn check_rules(path: &std::path::Path) -> (bool, String) {
    let output = Command::new(promtool())
        .args(["check", "rules"])
        .arg(path)
        .output()
        .expect("run promtool");
    let said = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    (output.status.success(), said)
}
