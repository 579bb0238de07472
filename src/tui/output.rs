//! Where frames go: standard output, with a mute switch so that ratatui can
//! be told what the screen already shows (after the terminal scrolled a
//! region itself) without writing it again.

use std::io::{self, Stdout, Write};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

/// Mutes a [`ConsoleOutput`] from outside the terminal that owns it.
#[derive(Debug, Clone, Default)]
pub struct MuteSwitch(Arc<AtomicBool>);

impl MuteSwitch {
    /// While muted, everything written is dropped.
    pub fn set(&self, muted: bool) {
        self.0.store(muted, Ordering::Relaxed);
    }

    fn is_muted(&self) -> bool {
        self.0.load(Ordering::Relaxed)
    }
}

/// A writer (standard output for the console) that can be muted.
#[derive(Debug)]
pub struct ConsoleOutput<W: Write = Stdout> {
    writer: W,
    switch: MuteSwitch,
}

impl<W: Write> ConsoleOutput<W> {
    /// `writer`, muted while `switch` says so.
    pub fn new(writer: W, switch: MuteSwitch) -> ConsoleOutput<W> {
        ConsoleOutput { writer, switch }
    }
}

impl<W: Write> Write for ConsoleOutput<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        if self.switch.is_muted() {
            return Ok(buf.len());
        }
        self.writer.write(buf)
    }

    fn flush(&mut self) -> io::Result<()> {
        if self.switch.is_muted() {
            return Ok(());
        }
        self.writer.flush()
    }
}
