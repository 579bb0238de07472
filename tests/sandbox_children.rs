//! `kubevigil sandbox serve`, the real binary: what it prints (every context
//! of the kubeconfig it writes) and its OpenBao dev server, which never
//! outlives it: not when it is killed with SIGKILL (the parent-death
//! signal), not when its terminal hangs up (SIGHUP to the whole process
//! group, which `bao` itself takes as "reload").

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test, bench or example may panic on what it sets up

mod common;

use common::bao::bao_binary;
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// How long `sandbox serve` may take to start (OpenBao included).
const START: Duration = Duration::from_secs(90);
/// How soon the OpenBao child must be gone once its parent is.
const GONE_WITHIN: Duration = Duration::from_secs(1);

/// A running `kubevigil sandbox serve` and what it printed until ready.
struct Serve {
    child: Child,
    printed: Vec<String>,
    _dir: tempfile::TempDir,
    kubeconfig: std::path::PathBuf,
}

impl Serve {
    /// Starts it in a process group of its own (as a shell job is), with
    /// `--bao` when given, and waits for "Press Ctrl-C to stop."; without
    /// `bao`, PATH holds no `bao`, so Vault is off.
    fn start(bao: Option<&std::path::Path>) -> Serve {
        use std::os::unix::process::CommandExt;
        let dir = tempfile::tempdir().expect("tempdir");
        let kubeconfig = dir.path().join("kubeconfig");
        let mut command = Command::new(env!("CARGO_BIN_EXE_kubevigil"));
        command
            .args(["sandbox", "serve", "--kubeconfig-out"])
            .arg(&kubeconfig)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .process_group(0);
        match bao {
            Some(bao) => {
                command.arg("--bao").arg(bao);
            }
            None => {
                command.env("PATH", "/usr/bin:/bin");
            }
        }
        let mut child = command.spawn().expect("start kubevigil sandbox serve");
        let stdout = child.stdout.take().expect("stdout");
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if tx.send(line).is_err() {
                    return;
                }
            }
        });
        let deadline = Instant::now() + START;
        let mut printed = Vec::new();
        while !printed
            .iter()
            .any(|l: &String| l.starts_with("Press Ctrl-C"))
        {
            let left = deadline.saturating_duration_since(Instant::now());
            match rx.recv_timeout(left) {
                Ok(line) => printed.push(line),
                Err(_) => {
                    let _ = child.kill();
                    panic!("sandbox serve did not get ready; it printed {printed:#?}");
                }
            }
        }
        Serve {
            child,
            printed,
            _dir: dir,
            kubeconfig,
        }
    }

    fn pid(&self) -> i32 {
        i32::try_from(self.child.id()).expect("a pid")
    }

    /// The one child process (OpenBao) and its command name.
    fn only_child(&self) -> (i32, String) {
        let children: Vec<(i32, String)> = processes()
            .into_iter()
            .filter(|p| p.ppid == self.pid() && p.state != 'Z')
            .map(|p| (p.pid, p.comm))
            .collect();
        assert_eq!(
            children.len(),
            1,
            "sandbox serve runs exactly one child: {children:?}"
        );
        children[0].clone()
    }
}

impl Drop for Serve {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// One line of /proc/<pid>/stat: pid, command name, state, parent.
#[derive(Debug)]
struct Process {
    pid: i32,
    comm: String,
    state: char,
    ppid: i32,
}

fn process(pid: i32) -> Option<Process> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The name is in parentheses and may itself hold spaces or parentheses.
    let open = stat.find('(')?;
    let close = stat.rfind(')')?;
    let mut rest = stat[close + 1..].split_whitespace();
    let state = rest.next()?.chars().next()?;
    let ppid = rest.next()?.parse().ok()?;
    Some(Process {
        pid,
        comm: stat[open + 1..close].to_string(),
        state,
        ppid,
    })
}

fn processes() -> Vec<Process> {
    std::fs::read_dir("/proc")
        .map(|dir| {
            dir.filter_map(|entry| entry.ok()?.file_name().to_str()?.parse().ok())
                .filter_map(process)
                .collect()
        })
        .unwrap_or_default()
}

/// Whether `pid` is dead: gone, or a zombie nobody has reaped yet (where
/// PID 1 reaps lazily, as in some containers).
fn dead(pid: i32) -> bool {
    process(pid).is_none_or(|p| matches!(p.state, 'Z' | 'X'))
}

/// Waits up to [`GONE_WITHIN`] for `pid` to die; kills it if it does not
/// (so a failing test leaves no orphan behind) and says how long it lived.
fn gone_within_a_second(pid: i32) -> Result<Duration, String> {
    let start = Instant::now();
    while start.elapsed() < GONE_WITHIN {
        if dead(pid) {
            return Ok(start.elapsed());
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    let left = process(pid);
    // SAFETY: kill(2) on a pid this test started (through sandbox serve).
    unsafe { libc::kill(pid, libc::SIGKILL) };
    Err(format!(
        "OpenBao ({pid}) outlived its parent by more than {GONE_WITHIN:?}: {left:?}"
    ))
}

#[test]
fn sandbox_serve_prints_every_context_of_the_kubeconfig_it_writes() {
    let serve = Serve::start(None);
    let written = kube::config::Kubeconfig::read_from(&serve.kubeconfig)
        .expect("sandbox serve writes a kubeconfig");
    let line = serve
        .printed
        .iter()
        .find(|l| l.starts_with("contexts:"))
        .unwrap_or_else(|| panic!("no contexts line in {:#?}", serve.printed));
    let printed: Vec<&str> = line
        .trim_start_matches("contexts:")
        .split(", ")
        .map(|c| c.split(" (").next().unwrap_or_default().trim())
        .collect();
    let names: Vec<&str> = written.contexts.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(printed, names, "{line}");
    assert_eq!(
        names,
        [
            "oncall-1",
            "oncall-2",
            "viewer",
            "agent",
            "governor",
            "payments-dev"
        ]
    );
    assert!(
        line.contains("oncall-1 (current)") && line.contains("payments-dev (namespace payments)"),
        "{line}"
    );
    assert_eq!(written.current_context.as_deref(), Some("oncall-1"));
}

#[test]
fn openbao_dies_with_sandbox_serve_killed_by_sigkill() {
    let mut serve = Serve::start(Some(&bao_binary()));
    let (bao, comm) = serve.only_child();
    assert_eq!(comm, "bao", "the child is OpenBao");
    serve.child.kill().expect("SIGKILL sandbox serve");
    serve.child.wait().expect("reap sandbox serve");
    let lived = gone_within_a_second(bao).unwrap_or_else(|e| panic!("{e}"));
    eprintln!("OpenBao died {lived:?} after its parent");
    remove_leftovers(serve.pid());
}

/// What a killed sandbox serve (`pid`) could not clean up itself: its
/// OpenBao's home and log in the temporary directory.
fn remove_leftovers(pid: i32) {
    let temp = std::env::temp_dir();
    let home = format!("kubevigil-bao-home-{pid}-");
    for entry in std::fs::read_dir(&temp).into_iter().flatten().flatten() {
        if entry.file_name().to_string_lossy().starts_with(&home) {
            let _ = std::fs::remove_dir_all(entry.path());
        }
    }
    let _ = std::fs::remove_file(temp.join(format!("kubevigil-bao-{pid}.log")));
}

#[test]
fn openbao_dies_with_sandbox_serve_when_its_terminal_hangs_up() {
    let mut serve = Serve::start(Some(&bao_binary()));
    let (bao, comm) = serve.only_child();
    assert_eq!(comm, "bao", "the child is OpenBao");
    // A terminal hanging up sends SIGHUP to its foreground process group:
    // sandbox serve and OpenBao both get it.
    // SAFETY: killpg(2) on the process group this test created.
    let sent = unsafe { libc::killpg(serve.pid(), libc::SIGHUP) };
    assert_eq!(sent, 0, "SIGHUP sent to the group");
    let lived = gone_within_a_second(bao).unwrap_or_else(|e| panic!("{e}"));
    eprintln!("OpenBao died {lived:?} after the hangup");
    let deadline = Instant::now() + Duration::from_secs(10);
    while serve.child.try_wait().ok().flatten().is_none() && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(20));
    }
    let status = serve.child.try_wait().ok().flatten();
    assert!(status.is_some(), "sandbox serve ends on SIGHUP");
}
