//! A local OpenBao dev server (`bao server -dev`) for the sandbox and the
//! tests: a free loopback port, a random root token, a home of its own (so
//! it never overwrites the operator's `~/.vault-token`, and servers started
//! side by side do not race on it), healthy before use, killed on drop. Also
//! the policies the sandbox sets up.
//!
//! The server never outlives kubevigil, however kubevigil ends: on Linux it
//! is started with a parent-death signal (`prctl(PR_SET_PDEATHSIG,
//! SIGKILL)`), so SIGKILL of kubevigil, or the SIGHUP of its terminal
//! closing (which the server itself would take as "reload"), kills it too.
//! The kernel sends that signal when the *thread* that started the child
//! ends, so the child is started and owned by a thread of its own that lives
//! exactly as long as the child ([`Keeper`]), not by whichever async worker
//! happened to run [`DevServer::start`].

use super::{Vault, VaultError, VaultSettings};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// How long a dev server may take to become healthy.
const START_TIMEOUT: Duration = Duration::from_secs(60);

/// A running `bao server -dev`, killed when dropped.
#[derive(Debug)]
pub struct DevServer {
    child: Option<Keeper>,
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
        let server = DevServer::spawn(bao, log)?;
        server.wait_healthy().await?;
        Ok(server)
    }

    /// Starts `bao` as [`DevServer::start`] does, without waiting for it: the
    /// address and root token are known at once, the server answers a few
    /// hundred milliseconds later ([`DevServer::wait_healthy`]).
    pub fn spawn(bao: &Path, log: &Path) -> Result<DevServer, VaultError> {
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
        let mut command = Command::new(bao);
        command
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
            .stderr(err);
        let child = Keeper::spawn(command).map_err(|e| failed(e.to_string()))?;
        let server = DevServer {
            child: Some(child),
            settings: VaultSettings {
                addr: addr.clone(),
                token: root_token,
                ..VaultSettings::default()
            },
            log: log.to_path_buf(),
            home,
        };
        Ok(server)
    }

    /// Waits until the server answers healthy; fails when it exits first or
    /// does not answer within the start timeout.
    pub async fn wait_healthy(&self) -> Result<(), VaultError> {
        let vault = self.vault()?;
        let deadline = Instant::now() + START_TIMEOUT;
        while !vault.is_healthy().await {
            let exited = self.child.as_ref().and_then(Keeper::try_wait);
            if exited.is_some() || Instant::now() > deadline {
                let tail = std::fs::read_to_string(&self.log).unwrap_or_default();
                let tail: String = tail.lines().rev().take(5).collect::<Vec<_>>().join(" | ");
                return Err(VaultError::Unreachable {
                    addr: self.settings.addr.clone(),
                    doing: "start the OpenBao dev server".to_string(),
                    reason: format!("the dev server did not become healthy: {tail}"),
                });
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
        Ok(())
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

    /// The server's process id, while it runs.
    pub fn pid(&self) -> Option<u32> {
        self.child.as_ref().map(|c| c.pid)
    }

    /// Kills the server now (it is also killed on drop).
    pub fn kill(&mut self) {
        if let Some(child) = self.child.take() {
            child.kill();
            let _ = std::fs::remove_dir_all(&self.home);
        }
    }
}

/// A child process started by, and owned by, a thread of its own that ends
/// only once the child is dead and reaped; with the parent-death signal set
/// in the child, the child dies with kubevigil and never with a passing
/// thread.
#[derive(Debug)]
struct Keeper {
    pid: u32,
    requests: mpsc::Sender<Request>,
}

/// What the keeper thread is asked to do with its child.
enum Request {
    /// Whether the child has exited (and how), without waiting.
    TryWait(mpsc::Sender<Option<ExitStatus>>),
    /// Kill the child, reap it, then answer and end.
    Kill(mpsc::Sender<()>),
}

impl Keeper {
    /// Spawns `command` from a new thread, with the parent-death signal set.
    fn spawn(mut command: Command) -> std::io::Result<Keeper> {
        die_with_parent(&mut command);
        let (started_tx, started_rx) = mpsc::channel::<std::io::Result<u32>>();
        let (requests, incoming) = mpsc::channel::<Request>();
        std::thread::Builder::new()
            .name("bao-keeper".into())
            .spawn(move || match command.spawn() {
                Ok(child) => {
                    let _ = started_tx.send(Ok(child.id()));
                    keep(child, &incoming);
                }
                Err(e) => {
                    let _ = started_tx.send(Err(e));
                }
            })?;
        let pid = started_rx.recv().map_err(|_| {
            std::io::Error::other("the keeper thread ended before starting the child")
        })??;
        Ok(Keeper { pid, requests })
    }

    /// How the child exited, when it has.
    fn try_wait(&self) -> Option<ExitStatus> {
        let (tx, rx) = mpsc::channel();
        self.requests.send(Request::TryWait(tx)).ok()?;
        rx.recv().ok().flatten()
    }

    /// Kills and reaps the child, waiting until it is gone.
    fn kill(self) {
        let (tx, rx) = mpsc::channel();
        if self.requests.send(Request::Kill(tx)).is_ok() {
            let _ = rx.recv();
        }
    }
}

/// The keeper thread: answers requests until asked to kill the child, or
/// until its [`Keeper`] is gone (dropped without a kill), then kills and
/// reaps it.
fn keep(mut child: Child, incoming: &mpsc::Receiver<Request>) {
    loop {
        match incoming.recv() {
            Ok(Request::TryWait(answer)) => {
                let _ = answer.send(child.try_wait().ok().flatten());
            }
            Ok(Request::Kill(done)) => {
                let _ = child.kill();
                let _ = child.wait();
                let _ = done.send(());
                return;
            }
            Err(mpsc::RecvError) => {
                let _ = child.kill();
                let _ = child.wait();
                return;
            }
        }
    }
}

/// Makes the child get SIGKILL when the thread that spawns it ends (Linux's
/// parent-death signal; elsewhere nothing is set and the server only dies
/// with an orderly shutdown). If kubevigil is already gone by the time the
/// child runs, the child does not start.
#[cfg(target_os = "linux")]
fn die_with_parent(command: &mut Command) {
    use std::os::unix::process::CommandExt;
    // SAFETY: getpid is async-signal-safe and called before the fork.
    let parent = unsafe { libc::getpid() };
    // SAFETY: between fork and exec only async-signal-safe calls are made
    // (prctl, getppid), with no allocation.
    unsafe {
        command.pre_exec(move || {
            let signal = libc::c_ulong::try_from(libc::SIGKILL).unwrap_or(9);
            if libc::prctl(libc::PR_SET_PDEATHSIG, signal, 0, 0, 0) == -1 {
                return Err(std::io::Error::last_os_error());
            }
            if libc::getppid() != parent {
                // kubevigil is already gone: do not start an orphan. (No
                // allocation here, so no io::Error::other.)
                return Err(std::io::Error::from_raw_os_error(libc::ESRCH));
            }
            Ok(())
        });
    }
}

#[cfg(not(target_os = "linux"))]
fn die_with_parent(_command: &mut Command) {}

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
/// write access under `secret/data/kubevigil/<namespace>/` only, and reading
/// the namespace's Kubernetes credential
/// (`secret/data/kubevigil-sandbox/kubernetes/<namespace>`, the sandbox's
/// stand-in for Vault's Kubernetes secrets engine).
pub fn namespace_write_policy(namespace: &str) -> String {
    format!(
        "path \"secret/data/kubevigil/{namespace}/*\" {{\n  capabilities = [\"create\", \"update\"]\n}}\npath \"secret/data/kubevigil-sandbox/kubernetes/{namespace}\" {{\n  capabilities = [\"read\"]\n}}\n"
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
