//! The terminal: the guard that always restores it (on return, error, panic,
//! SIGTERM and SIGHUP), the input task and the signal task.

mod guard;
mod input;
mod signals;

pub use guard::{ConsoleTerminal, TerminalGuard, restore};
pub use input::spawn_input;
pub use signals::spawn_signals;
