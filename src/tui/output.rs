//! Where frames go: standard output, with a mute switch so that ratatui can
//! be told what the screen already shows (after the terminal scrolled a
//! region itself) without writing it again, and a hold so that a frame that
//! changes nothing on screen is never written at all.

use std::io::{self, Stdout, Write};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

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
    hold: FrameHold,
}

/// Holds a [`ConsoleOutput`]'s bytes from outside the terminal that owns it,
/// for the length of one frame: [`FrameHold::release`] then writes them,
/// unless the frame changed nothing on screen.
#[derive(Debug, Clone, Default)]
pub struct FrameHold(Arc<Mutex<Option<Vec<u8>>>>);

impl FrameHold {
    /// Keeps what is written from now on until [`FrameHold::release`].
    pub fn hold(&self) {
        lock(&self.0).get_or_insert_with(Vec::new).clear();
    }

    /// The held bytes, to write through `out`, unless they change nothing
    /// on screen (a frame whose cells all equal the last one's): an idle
    /// console then writes no bytes at all.
    pub fn release(&self, out: &mut impl Write) -> io::Result<()> {
        let Some(held) = lock(&self.0).take() else {
            return Ok(());
        };
        if changes_nothing(&held) {
            return Ok(());
        }
        out.write_all(&held)?;
        out.flush()
    }
}

fn lock(held: &Mutex<Option<Vec<u8>>>) -> MutexGuard<'_, Option<Vec<u8>>> {
    held.lock().unwrap_or_else(PoisonError::into_inner)
}

/// What every frame writes even when no cell changed: the synchronized
/// update's start and end, ratatui's closing style reset and its hiding of a
/// cursor already hidden.
const UNCHANGED_FRAME_PARTS: [&[u8]; 7] = [
    b"\x1b[?2026h",
    b"\x1b[?2026l",
    b"\x1b[39m",
    b"\x1b[49m",
    b"\x1b[59m",
    b"\x1b[0m",
    b"\x1b[?25l",
];

/// Whether `bytes` are only [`UNCHANGED_FRAME_PARTS`]: the frame changed
/// nothing the terminal shows.
fn changes_nothing(mut bytes: &[u8]) -> bool {
    while !bytes.is_empty() {
        match UNCHANGED_FRAME_PARTS
            .iter()
            .find(|part| bytes.starts_with(part))
        {
            Some(part) => bytes = &bytes[part.len()..],
            None => return false,
        }
    }
    true
}

impl<W: Write> ConsoleOutput<W> {
    /// `writer`, muted while `switch` says so, held while `hold` does.
    pub fn new(writer: W, switch: MuteSwitch, hold: FrameHold) -> ConsoleOutput<W> {
        ConsoleOutput {
            writer,
            switch,
            hold,
        }
    }
}

impl<W: Write> Write for ConsoleOutput<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        if self.switch.is_muted() {
            return Ok(buf.len());
        }
        if let Some(held) = lock(&self.hold.0).as_mut() {
            held.extend_from_slice(buf);
            return Ok(buf.len());
        }
        self.writer.write(buf)
    }

    fn flush(&mut self) -> io::Result<()> {
        if self.switch.is_muted() || lock(&self.hold.0).is_some() {
            return Ok(());
        }
        self.writer.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_held_frame_that_changes_no_cell_is_not_written() {
        let hold = FrameHold::default();
        let mut out = ConsoleOutput::new(Vec::new(), MuteSwitch::default(), hold.clone());
        hold.hold();
        out.write_all(b"\x1b[?2026h\x1b[39m\x1b[49m\x1b[59m\x1b[0m\x1b[?25l\x1b[?2026l")
            .unwrap();
        hold.release(&mut out).unwrap();
        assert!(out.writer.is_empty());
        hold.hold();
        out.write_all(b"\x1b[?2026h\x1b[4;56H5\x1b[0m\x1b[?2026l")
            .unwrap();
        assert!(out.writer.is_empty(), "held until released");
        hold.release(&mut out).unwrap();
        assert_eq!(out.writer, b"\x1b[?2026h\x1b[4;56H5\x1b[0m\x1b[?2026l");
        out.write_all(b"x").unwrap();
        assert!(out.writer.ends_with(b"x"), "written at once when not held");
    }
}
