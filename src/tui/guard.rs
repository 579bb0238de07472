//! Raw mode and the alternate screen, entered once and always left.

use crossterm::event::{DisableBracketedPaste, EnableBracketedPaste};
use crossterm::terminal::{
    EndSynchronizedUpdate, EnterAlternateScreen, LeaveAlternateScreen, disable_raw_mode,
    enable_raw_mode,
};
use crossterm::{cursor, execute};
use std::io::stdout;
use std::sync::Once;

/// Owns the terminal while the console runs; dropping it restores the
/// terminal. A panic hook restores it too, before the panic is printed.
pub struct TerminalGuard {
    frames: Option<super::FrameWriter>,
}

impl std::fmt::Debug for TerminalGuard {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("TerminalGuard")
    }
}

impl TerminalGuard {
    /// Enters raw mode and the alternate screen, hides the cursor and turns
    /// on bracketed paste.
    pub fn enter() -> crate::Result<TerminalGuard> {
        require_terminal()?;
        install_panic_hook();
        enable_raw_mode().map_err(|e| match e.raw_os_error() {
            // ENXIO, ENOTTY: no controlling terminal after all.
            Some(6 | 25) => {
                crate::Error::NoTerminal("there is no terminal to read keys from".into())
            }
            _ => crate::Error::io("entering raw mode", e),
        })?;
        let entered = execute!(
            stdout(),
            EnterAlternateScreen,
            EnableBracketedPaste,
            cursor::Hide
        );
        if let Err(error) = entered {
            restore();
            return Err(crate::Error::io("entering the alternate screen", error));
        }
        match super::FrameWriter::stdout() {
            Ok(frames) => Ok(TerminalGuard {
                frames: Some(frames),
            }),
            Err(error) => {
                restore();
                Err(crate::Error::io("opening the terminal", error))
            }
        }
    }

    /// Where frames are drawn.
    pub fn frames(&mut self) -> Option<&mut super::FrameWriter> {
        self.frames.as_mut()
    }
}

impl Drop for TerminalGuard {
    fn drop(&mut self) {
        restore();
        if let Some(mut frames) = self.frames.take()
            && frames.terminal_mut().show_cursor().is_err()
        {
            // The terminal is gone (SIGHUP): ratatui would complain on stderr
            // about the cursor when dropped; there is nothing left to restore.
            std::mem::forget(frames);
        }
    }
}

/// Fails with [`crate::Error::NoTerminal`] unless standard output is a
/// terminal: the console draws there. (Keys are read from standard input,
/// or from the controlling terminal when standard input is redirected;
/// without either, entering raw mode fails with the same error.)
pub fn require_terminal() -> crate::Result<()> {
    use std::io::IsTerminal;
    if stdout().is_terminal() {
        Ok(())
    } else {
        Err(crate::Error::NoTerminal(
            "standard output is not a terminal".into(),
        ))
    }
}

/// Leaves raw mode and the alternate screen and shows the cursor. Safe to
/// call more than once, and when the terminal is gone (errors are ignored).
pub fn restore() {
    let _ = super::mouse::disable_mouse(&mut stdout());
    let _ = execute!(
        stdout(),
        EndSynchronizedUpdate,
        DisableBracketedPaste,
        LeaveAlternateScreen,
        cursor::Show
    );
    let _ = disable_raw_mode();
}

/// Hands the terminal to another program (an editor, a pager): leaves the
/// alternate screen and raw mode and shows the cursor, as on exit. Keys go
/// to that program only once the input task has been stopped.
pub fn suspend() {
    super::signals::set_suspended(true);
    restore();
}

/// Takes the terminal back after [`suspend`]: raw mode, the alternate
/// screen, bracketed paste, the cursor hidden. The caller redraws in full
/// ([`super::FrameWriter::invalidate`]).
pub fn resume() -> crate::Result<()> {
    let result = enable_raw_mode()
        .and_then(|()| {
            execute!(
                stdout(),
                EnterAlternateScreen,
                EnableBracketedPaste,
                cursor::Hide
            )
        })
        .map_err(|e| crate::Error::io("taking the terminal back", e));
    super::signals::set_suspended(false);
    result
}

/// Restores the terminal before the previous panic hook prints the panic.
fn install_panic_hook() {
    static INSTALL: Once = Once::new();
    INSTALL.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            restore();
            previous(info);
        }));
    });
}
