//! Mouse reporting, when `mouse` is on: button presses and the wheel only,
//! in SGR encoding (`?1000` + `?1006`). Motion is not asked for (crossterm's
//! `EnableMouseCapture` also turns on any-motion tracking, which sends
//! bytes for every move of the pointer, over SSH too).

use crossterm::Command;
use std::sync::atomic::{AtomicBool, Ordering};

/// Whether mouse reporting is on now (so restoring the terminal turns it off).
static REPORTING: AtomicBool = AtomicBool::new(false);

/// Turns on reporting of button presses and the wheel.
#[derive(Debug, Clone, Copy)]
pub struct EnableMouseButtons;

impl Command for EnableMouseButtons {
    fn write_ansi(&self, f: &mut impl std::fmt::Write) -> std::fmt::Result {
        f.write_str("\x1b[?1000h\x1b[?1006h")
    }
}

/// Turns mouse reporting off again.
#[derive(Debug, Clone, Copy)]
pub struct DisableMouseButtons;

impl Command for DisableMouseButtons {
    fn write_ansi(&self, f: &mut impl std::fmt::Write) -> std::fmt::Result {
        f.write_str("\x1b[?1006l\x1b[?1000l")
    }
}

/// Turns mouse reporting on (the terminal's own selection then needs shift held).
pub fn enable_mouse(out: &mut impl std::io::Write) -> std::io::Result<()> {
    crossterm::execute!(out, EnableMouseButtons)?;
    REPORTING.store(true, Ordering::SeqCst);
    Ok(())
}

/// Turns mouse reporting off if it is on. Safe to call more than once.
pub fn disable_mouse(out: &mut impl std::io::Write) -> std::io::Result<()> {
    if REPORTING.swap(false, Ordering::SeqCst) {
        crossterm::execute!(out, DisableMouseButtons)?;
    }
    Ok(())
}
