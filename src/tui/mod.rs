//! The terminal: the guard that always restores it (on return, error, panic,
//! SIGTERM and SIGHUP), the input task, the signal task, and scrolling the
//! table with the terminal's own scroll region.

pub mod attention;
pub mod background;
mod frames;
pub mod glyphs;
mod guard;
mod input;
pub mod mouse;
mod output;
mod scroll;
mod signals;

pub use frames::{FrameWriter, fit_to_right_edge};
pub use guard::{TerminalGuard, require_terminal, restore, resume, suspend};
pub use input::spawn_input;
pub use output::{ConsoleOutput, FrameHold, MuteSwitch};
pub use scroll::{TablePosition, TableScroll};
pub use signals::{
    SIGHUP, SIGINT, SIGQUIT, SIGTERM, note_signal, signal_received, spawn_signals,
    wait_for_termination,
};
