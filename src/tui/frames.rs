//! Drawing frames: each one inside a synchronized update, and a table that
//! scrolled a little since the last frame scrolled by the terminal itself
//! ([`TableScroll`]). The console draws to standard output; benchmarks and
//! tests draw the same way into any writer.

use super::{ConsoleOutput, FrameHold, MuteSwitch, TablePosition, TableScroll};
use crossterm::terminal::{BeginSynchronizedUpdate, EndSynchronizedUpdate};
use ratatui::backend::CrosstermBackend;
use ratatui::layout::Rect;
use ratatui::{Frame, Terminal, TerminalOptions, Viewport};
use std::io::{self, Stdout, Write};

/// A terminal and what is remembered of its last frame.
pub struct FrameWriter<W: Write = Stdout> {
    terminal: Terminal<CrosstermBackend<ConsoleOutput<W>>>,
    scroll: TableScroll,
    glyphs: super::glyphs::GlyphSet,
    hold: FrameHold,
}

impl<W: Write> std::fmt::Debug for FrameWriter<W> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("FrameWriter")
    }
}

impl FrameWriter<Stdout> {
    /// Draws on standard output, filling the terminal.
    pub fn stdout() -> io::Result<FrameWriter<Stdout>> {
        let (mute, hold) = (MuteSwitch::default(), FrameHold::default());
        let output = ConsoleOutput::new(io::stdout(), mute.clone(), hold.clone());
        Ok(FrameWriter {
            terminal: Terminal::new(CrosstermBackend::new(output))?,
            scroll: TableScroll::new(mute),
            glyphs: super::glyphs::GlyphSet::default(),
            hold,
        })
    }
}

impl<W: Write> FrameWriter<W> {
    /// Draws into `writer` as onto a terminal of exactly `area` (for
    /// benchmarks and tests, which keep a handle on what `writer` receives).
    pub fn fixed(writer: W, area: Rect) -> io::Result<FrameWriter<W>> {
        let (mute, hold) = (MuteSwitch::default(), FrameHold::default());
        let backend = CrosstermBackend::new(ConsoleOutput::new(writer, mute.clone(), hold.clone()));
        let options = TerminalOptions {
            viewport: Viewport::Fixed(area),
        };
        Ok(FrameWriter {
            terminal: Terminal::with_options(backend, options)?,
            scroll: TableScroll::new(mute),
            glyphs: super::glyphs::GlyphSet::default(),
            hold,
        })
    }

    /// Draws every later frame with `glyphs` (ASCII stand-ins on a terminal
    /// whose font lacks the symbols).
    pub fn set_glyphs(&mut self, glyphs: super::glyphs::GlyphSet) {
        self.glyphs = glyphs;
    }

    /// Draws one frame with `render`, inside a synchronized update, and
    /// writes it only if it changes something on screen. `table` says where
    /// the investigations table is and how far it is scrolled (`None` when it
    /// is not on screen).
    pub fn draw(
        &mut self,
        table: Option<TablePosition>,
        render: impl FnOnce(&mut Frame),
    ) -> io::Result<()> {
        self.hold.hold();
        let drawn = self.draw_held(table, render);
        let released = self.hold.release(self.terminal.backend_mut());
        drawn.and(released)
    }

    /// [`FrameWriter::draw`] while the output holds the frame's bytes.
    fn draw_held(
        &mut self,
        table: Option<TablePosition>,
        render: impl FnOnce(&mut Frame),
    ) -> io::Result<()> {
        crossterm::queue!(self.terminal.backend_mut(), BeginSynchronizedUpdate)?;
        self.scroll.before_draw(&mut self.terminal, table)?;
        let glyphs = self.glyphs;
        let frame = self.terminal.draw(|frame| {
            render(frame);
            fit_to_right_edge(frame.buffer_mut());
            if glyphs == super::glyphs::GlyphSet::Ascii {
                super::glyphs::to_ascii(frame.buffer_mut());
            }
        })?;
        self.scroll.after_draw(frame.buffer, table);
        crossterm::execute!(self.terminal.backend_mut(), EndSynchronizedUpdate)?;
        Ok(())
    }

    /// Forgets what the screen shows (another program drew on it): the next
    /// frame clears the screen and draws everything.
    pub fn invalidate(&mut self) -> io::Result<()> {
        let mute = self.scroll.mute();
        self.scroll = TableScroll::new(mute.clone());
        // ratatui's own clear asks the terminal where its cursor is, which
        // needs the input reader; clear the screen here instead and tell
        // ratatui, through a muted flush, that it now shows a blank frame.
        crossterm::execute!(
            self.terminal.backend_mut(),
            crossterm::terminal::Clear(crossterm::terminal::ClearType::All)
        )?;
        let area = self.terminal.current_buffer_mut().area;
        *self.terminal.current_buffer_mut() = ratatui::buffer::Buffer::empty(area);
        mute.set(true);
        let told = self.terminal.flush();
        mute.set(false);
        told?;
        self.terminal.swap_buffers();
        Ok(())
    }

    /// The terminal (to show the cursor on the way out).
    pub fn terminal_mut(&mut self) -> &mut Terminal<CrosstermBackend<ConsoleOutput<W>>> {
        &mut self.terminal
    }
}

/// Blanks every symbol too wide for the columns left before the frame's
/// right edge (a wide character placed in the last column): a terminal
/// cannot draw it there, and would wrap it or drop it, so the console's grid
/// and the terminal's would disagree.
pub fn fit_to_right_edge(buffer: &mut ratatui::buffer::Buffer) {
    let area = buffer.area;
    let Some(last) = area.right().checked_sub(1) else {
        return;
    };
    for y in area.top()..area.bottom() {
        let cell = &mut buffer[(last, y)];
        if unicode_width::UnicodeWidthStr::width(cell.symbol()) > 1 {
            cell.set_symbol(" ");
        }
    }
}
