//! A local OpenBao dev server (`bao server -dev`) for the sandbox and the
//! tests: a free loopback port, a random root token, a home of its own (so
//! it never overwrites the operator's `~/.vault-token`, and servers started
//! side by side do not race on it), healthy before use, killed on drop. Also
//! the policies the sandbox sets up.

use super::{Vault, VaultError, VaultSettings};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// How long a dev server may take to become healthy.
const START_TIMEOUT: Duration = Duration::from_secs(60);

/// A running `bao server -dev`, killed when dropped.
#[derive(Debug)]
pub struct DevServer {
    child: Option<Child>,
    settings: VaultSettings,
    log: PathBuf,
    /// The server's `HOME`, where dev mode writes its `.vault-token`.
    home: PathBuf,
}

impl DevServer {
    /// Starts `bao` (a path to the binary) as a dev server on a free loopback
    /// port with a random root token, its output going to `log`, and waits
    /// until it answers healthy.
    pub async fn start(bao: &Path, log: &Path) -> Result<DevServer, VaultError> {
        let port = free_port()?;
        let root_token = format!("root-{:032x}", rand::random::<u128>());
        let addr = format!("http://127.0.0.1:{port}");
        let failed = |reason: String| VaultError::Unreachable {
            addr: addr.clone(),
            doing: format!("start {} server -dev", bao.display()),
            reason,
        };
        let home =
            std::env::temp_dir().join(format!("kubevigil-bao-home-{}-{port}", std::process::id()));
        std::fs::create_dir_all(&home).map_err(|e| failed(e.to_string()))?;
        let out = std::fs::File::create(log).map_err(|e| failed(e.to_string()))?;
        let err = out.try_clone().map_err(|e| failed(e.to_string()))?;
        let child = Command::new(bao)
            .args([
                "server",
                "-dev",
                &format!("-dev-root-token-id={root_token}"),
                &format!("-dev-listen-address=127.0.0.1:{port}"),
            ])
            .env_remove("VAULT_ADDR")
            .env_remove("BAO_ADDR")
            .env("HOME", &home)
            .stdin(Stdio::null())
            .stdout(out)
            .stderr(err)
            .spawn()
            .map_err(|e| failed(e.to_string()))?;
        let mut server = DevServer {
            child: Some(child),
            settings: VaultSettings {
                addr: addr.clone(),
                token: root_token,
                namespace: None,
                cacert: None,
            },
            log: log.to_path_buf(),
            home,
        };
        let vault = server.vault()?;
        let deadline = Instant::now() + START_TIMEOUT;
        while !vault.is_healthy().await {
            let exited = server
                .child
                .as_mut()
                .and_then(|c| c.try_wait().ok().flatten());
            if exited.is_some() || Instant::now() > deadline {
                let tail = std::fs::read_to_string(log).unwrap_or_default();
                let tail: String = tail.lines().rev().take(5).collect::<Vec<_>>().join(" | ");
                return Err(failed(format!(
                    "the dev server did not become healthy: {tail}"
                )));
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        Ok(server)
    }

    /// Settings acting with the root token.
    pub fn settings(&self) -> &VaultSettings {
        &self.settings
    }

    /// A client acting with the root token.
    pub fn vault(&self) -> Result<Vault, VaultError> {
        Vault::connect(self.settings.clone())
    }

    /// Where the server's output goes.
    pub fn log(&self) -> &Path {
        &self.log
    }

    /// Kills the server now (it is also killed on drop).
    pub fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
            let _ = std::fs::remove_dir_all(&self.home);
        }
    }
}

impl Drop for DevServer {
    fn drop(&mut self) {
        self.kill();
    }
}

/// The `bao` binary: `explicit` when given, else the first `bao` on PATH.
pub fn find_bao(explicit: Option<&Path>) -> Option<PathBuf> {
    if let Some(path) = explicit {
        return is_executable(path).then(|| path.to_path_buf());
    }
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join("bao"))
        .find(|candidate| is_executable(candidate))
}

/// The HCL of the write policy kubevigil's sandbox gives namespace `namespace`:
/// write access under `secret/data/kubevigil/<namespace>/` only.
pub fn namespace_write_policy(namespace: &str) -> String {
    format!(
        "path \"secret/data/kubevigil/{namespace}/*\" {{\n  capabilities = [\"create\", \"update\"]\n}}\n"
    )
}

/// The policy the sandbox gives every investigation's own token.
pub const INVESTIGATION_POLICY: &str = "kubevigil-investigation";

/// The HCL of [`INVESTIGATION_POLICY`]: read-only diagnostics under
/// `secret/data/kubevigil/diagnostics/`, nothing else (writes come only from
/// the credentials approvals mint).
pub fn investigation_policy() -> String {
    "path \"secret/data/kubevigil/diagnostics/*\" {\n  capabilities = [\"read\"]\n}\n".to_string()
}

impl Vault {
    /// Writes [`INVESTIGATION_POLICY`] ([`investigation_policy`]).
    pub async fn write_investigation_policy(&self) -> Result<(), VaultError> {
        self.put_policy(INVESTIGATION_POLICY, &investigation_policy())
            .await
    }

    /// Writes `kubevigil-write-<namespace>` ([`namespace_write_policy`]).
    pub async fn write_namespace_policy(&self, namespace: &str) -> Result<(), VaultError> {
        self.put_policy(
            &format!("kubevigil-write-{namespace}"),
            &namespace_write_policy(namespace),
        )
        .await
    }
}

fn is_executable(path: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    path.metadata()
        .is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
}

/// A loopback port nobody listens on right now.
fn free_port() -> Result<u16, VaultError> {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .map(|address| address.port())
        .map_err(|e| VaultError::Client(format!("no free loopback port: {e}")))
}
