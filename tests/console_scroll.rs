//! Scrolling the investigations table through the real frame writer: a j or
//! k that scrolls the table writes a row, not a page (the terminal scrolls
//! its own region), and what the terminal then shows, parsed by a terminal
//! emulator, is exactly the frame the console meant to draw.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test, bench or example may panic on what it sets up

mod common;

use common::screen::screen;
use crossterm::event::KeyCode;
use kubevigil::app::fixtures::{StateBuilder, key};
use kubevigil::app::state::State;
use kubevigil::app::update;
use kubevigil::domain::Phase;
use kubevigil::tui::FrameWriter;
use ratatui::layout::Rect;
use std::io::Write;
use std::sync::{Arc, Mutex};

const COLUMNS: u16 = 160;
const ROWS: u16 = 48;

/// A writer whose bytes the test can take.
#[derive(Clone, Default)]
struct Bytes(Arc<Mutex<Vec<u8>>>);

impl Bytes {
    fn take(&self) -> Vec<u8> {
        std::mem::take(&mut *self.0.lock().expect("bytes"))
    }
}

impl Write for Bytes {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().expect("bytes").extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// The console drawing into a terminal emulator.
struct Screen {
    frames: FrameWriter<Bytes>,
    bytes: Bytes,
    emulator: vt100::Parser,
}

impl Screen {
    fn new() -> Screen {
        let bytes = Bytes::default();
        let frames =
            FrameWriter::fixed(bytes.clone(), Rect::new(0, 0, COLUMNS, ROWS)).expect("frames");
        Screen {
            frames,
            bytes,
            emulator: vt100::Parser::new(ROWS, COLUMNS, 0),
        }
    }

    /// Draws `state`; returns the bytes written.
    fn draw(&mut self, state: &State) -> usize {
        self.frames
            .draw(
                kubevigil::app::geometry::layout::table_position(state),
                |frame| kubevigil::ui::view(state, frame),
            )
            .expect("a frame");
        let written = self.bytes.take();
        self.emulator.process(&written);
        written.len()
    }

    fn shown(&self) -> Vec<String> {
        self.emulator
            .screen()
            .rows(0, COLUMNS)
            .map(|row| row.trim_end().to_string())
            .collect()
    }
}

/// The frame `state` should look like, drawn on a test backend.
fn intended(state: &State) -> Vec<String> {
    screen(state).lines().map(str::to_string).collect()
}

fn world() -> State {
    StateBuilder::new()
        .size(COLUMNS, ROWS)
        .policy("payments", Phase::LimitedWrite)
        .many_investigations(500)
        .build()
}

#[test]
fn moving_down_and_up_through_the_table_writes_a_row_per_move_and_shows_the_right_rows() {
    let mut state = world();
    let mut screen = Screen::new();
    screen.draw(&state);
    assert_eq!(screen.shown(), intended(&state));
    let mut scrolled = 0;
    let mut most = 0;
    for code in std::iter::repeat_n(KeyCode::Char('j'), 120)
        .chain(std::iter::repeat_n(KeyCode::Char('k'), 120))
    {
        let offset = state.table.offset;
        update(&mut state, key(code));
        let bytes = screen.draw(&state);
        if state.table.offset != offset {
            scrolled += 1;
        }
        most = most.max(bytes);
        assert_eq!(
            screen.shown(),
            intended(&state),
            "after {code:?} (offset {offset} -> {})",
            state.table.offset
        );
    }
    assert!(
        scrolled >= 150,
        "the walk scrolled the table {scrolled} times"
    );
    // The highlight runs across the whole row (issue 16), so a move repaints
    // the old row and the new one in full, and the title names the selected
    // row's phase: about 1.3 KB at 160 columns, where the two-column
    // highlight it replaced needed under 600 bytes.
    assert!(most < 1500, "a move wrote {most} bytes");
}

#[test]
fn a_jump_of_a_page_or_more_is_drawn_whole_and_correct() {
    let mut state = world();
    let mut screen = Screen::new();
    screen.draw(&state);
    for code in [
        KeyCode::PageDown,
        KeyCode::PageDown,
        KeyCode::Char('G'),
        KeyCode::Char('g'),
        KeyCode::PageDown,
        KeyCode::PageUp,
    ] {
        update(&mut state, key(code));
        screen.draw(&state);
        assert_eq!(screen.shown(), intended(&state), "after {code:?}");
    }
}

#[test]
fn scrolling_after_another_view_was_open_starts_from_a_whole_frame() {
    let mut state = world();
    let mut screen = Screen::new();
    screen.draw(&state);
    update(&mut state, key(KeyCode::Char('?')));
    screen.draw(&state);
    update(&mut state, key(KeyCode::Esc));
    for _ in 0..50 {
        update(&mut state, key(KeyCode::Char('j')));
    }
    screen.draw(&state);
    assert_eq!(screen.shown(), intended(&state));
    update(&mut state, key(KeyCode::Char('j')));
    screen.draw(&state);
    assert_eq!(screen.shown(), intended(&state));
}
