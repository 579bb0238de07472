//! SIGTERM and SIGHUP (an SSH session that drops) end the console cleanly,
//! so the terminal is restored.

use crate::app::action::Action;
use crate::app::command::Command;
use tokio::signal::unix::{SignalKind, signal};
use tokio::sync::mpsc::Sender;
use tokio::task::JoinHandle;

/// Sends a quit action on SIGTERM, SIGHUP, SIGINT (a `kill -INT`; ctrl-c
/// in raw mode is a key) or SIGQUIT.
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
        tokio::select! {
            _ = term.recv() => {}
            _ = hup.recv() => {}
            _ = int.recv() => {}
            _ = quit.recv() => {}
        }
        let _ = tx.send(Action::Command(Command::Quit)).await;
    })
}
