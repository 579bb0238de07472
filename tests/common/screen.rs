//! Draws the console's [`State`] on a ratatui `TestBackend` and reads the
//! result back as text, as the view tests and their snapshots compare it.

#![allow(dead_code)]

use kubevigil::app::state::State;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::buffer::Buffer;

/// The frame the console draws for `state`, at `state.size`.
pub fn draw(state: &State) -> Buffer {
    let (columns, rows) = state.size;
    let mut terminal = Terminal::new(TestBackend::new(columns, rows)).expect("a test terminal");
    terminal
        .draw(|frame| kubevigil::ui::view(state, frame))
        .expect("a frame");
    terminal.backend().buffer().clone()
}

/// The buffer's rows, each trimmed at the end, every row followed by `\n`.
pub fn text(buffer: &Buffer) -> String {
    let area = buffer.area;
    let mut out = String::new();
    for y in 0..area.height {
        let mut row = String::new();
        for x in 0..area.width {
            row.push_str(buffer[(x, y)].symbol());
        }
        out.push_str(row.trim_end());
        out.push('\n');
    }
    out
}

/// What the console shows for `state`, as [`text`].
pub fn screen(state: &State) -> String {
    text(&draw(state))
}
