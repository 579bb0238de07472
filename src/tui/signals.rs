//! SIGTERM and SIGHUP (an SSH session that drops) end the console cleanly,
//! so the terminal is restored; the process then exits with 128 + the
//! signal's number, as a shell reports a process a signal ended.

use crate::app::action::Action;
use crate::app::command::Command;
use std::sync::atomic::{AtomicBool, AtomicI32, Ordering};
use tokio::signal::unix::{SignalKind, signal};
use tokio::sync::mpsc::Sender;
use tokio::task::JoinHandle;

/// SIGHUP: the terminal went away.
pub const SIGHUP: i32 = 1;
/// SIGINT: `kill -INT`, or ctrl-c outside raw mode.
pub const SIGINT: i32 = 2;
/// SIGQUIT.
pub const SIGQUIT: i32 = 3;
/// SIGTERM: asked to stop.
pub const SIGTERM: i32 = 15;

/// The first terminating signal this process received (0: none).
static RECEIVED: AtomicI32 = AtomicI32::new(0);

/// Whether the console is suspended for an editor or a pager: ctrl-c and
/// ctrl-\\ there are that program's (the terminal sends SIGINT and SIGQUIT
/// to the whole foreground group), not a request to leave the console.
static SUSPENDED: AtomicBool = AtomicBool::new(false);

/// Says whether the console is suspended for an editor or a pager.
pub fn set_suspended(suspended: bool) {
    SUSPENDED.store(suspended, Ordering::SeqCst);
}

/// Notes that `signal` asked this process to stop (the first one counts).
pub fn note_signal(signal: i32) {
    let _ = RECEIVED.compare_exchange(0, signal, Ordering::SeqCst, Ordering::SeqCst);
}

/// The signal that asked this process to stop, if one did: the process
/// should exit with 128 + its number.
pub fn signal_received() -> Option<i32> {
    match RECEIVED.load(Ordering::SeqCst) {
        0 => None,
        signal => Some(signal),
    }
}

/// Waits for SIGTERM, SIGHUP, SIGINT or SIGQUIT, notes which
/// ([`signal_received`]) and returns it. Waits forever if the handlers
/// cannot be installed.
pub async fn wait_for_termination() -> i32 {
    let (Ok(mut term), Ok(mut hup), Ok(mut int), Ok(mut quit)) = (
        signal(SignalKind::terminate()),
        signal(SignalKind::hangup()),
        signal(SignalKind::interrupt()),
        signal(SignalKind::quit()),
    ) else {
        return std::future::pending().await;
    };
    let received = tokio::select! {
        _ = term.recv() => SIGTERM,
        _ = hup.recv() => SIGHUP,
        _ = int.recv() => SIGINT,
        _ = quit.recv() => SIGQUIT,
    };
    note_signal(received);
    received
}

/// Sends a quit action on SIGTERM, SIGHUP, SIGINT (a `kill -INT`; ctrl-c
/// in raw mode is a key) or SIGQUIT, and notes the signal. While the
/// console is suspended for an editor or a pager, SIGINT and SIGQUIT are
/// that program's and are let pass.
pub fn spawn_signals(tx: Sender<Action>) -> JoinHandle<()> {
    tokio::spawn(async move {
        let (Ok(mut term), Ok(mut hup), Ok(mut int), Ok(mut quit)) = (
            signal(SignalKind::terminate()),
            signal(SignalKind::hangup()),
            signal(SignalKind::interrupt()),
            signal(SignalKind::quit()),
        ) else {
            return;
        };
        let received = loop {
            let received = tokio::select! {
                _ = term.recv() => SIGTERM,
                _ = hup.recv() => SIGHUP,
                _ = int.recv() => SIGINT,
                _ = quit.recv() => SIGQUIT,
            };
            if matches!(received, SIGINT | SIGQUIT) && SUSPENDED.load(Ordering::SeqCst) {
                continue;
            }
            break received;
        };
        note_signal(received);
        let _ = tx.send(Action::Command(Command::Quit)).await;
    })
}
