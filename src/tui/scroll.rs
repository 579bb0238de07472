//! Moving through the investigations table without redrawing it: when the
//! table scrolled by a few rows since the last frame, the terminal scrolls
//! those rows itself (a scroll region) and ratatui is told that the screen
//! now shows the previous frame shifted, so the next frame writes only the
//! rows that came into view and the cells that really changed. A j/k that
//! scrolls the table then writes a row, not the whole page.

use super::{ConsoleOutput, MuteSwitch};
pub use crate::app::geometry::layout::TablePosition;
use ratatui::Terminal;
use ratatui::backend::{Backend, CrosstermBackend};
use ratatui::buffer::{Buffer, Cell};
use ratatui::layout::Rect;
use std::io::{self, Write};

/// The last frame drawn while the table was on screen.
#[derive(Debug)]
pub struct TableScroll {
    last: Option<(TablePosition, Buffer)>,
    mute: MuteSwitch,
}

impl TableScroll {
    /// Scrolls with the terminal whose output `mute` silences.
    pub fn new(mute: MuteSwitch) -> TableScroll {
        TableScroll { last: None, mute }
    }

    /// The switch that mutes the terminal's output.
    pub fn mute(&self) -> MuteSwitch {
        self.mute.clone()
    }

    /// Before a frame: when the table is still in the same place but
    /// scrolled by fewer rows than it shows, scrolls the terminal's table
    /// rows by as much and makes ratatui's previous frame match the screen.
    pub fn before_draw<W: Write>(
        &mut self,
        terminal: &mut Terminal<CrosstermBackend<ConsoleOutput<W>>>,
        now: Option<TablePosition>,
    ) -> io::Result<()> {
        let (Some(now), Some((then, previous))) = (now, self.last.take()) else {
            return Ok(());
        };
        let Some(delta) = scroll_delta(then, now) else {
            return Ok(());
        };
        if previous.area != terminal.current_buffer_mut().area {
            return Ok(());
        }
        let region = now.rows.y..now.rows.bottom();
        let amount = u16::try_from(delta.unsigned_abs()).unwrap_or(u16::MAX);
        if delta > 0 {
            terminal.backend_mut().scroll_region_up(region, amount)?;
        } else {
            terminal.backend_mut().scroll_region_down(region, amount)?;
        }
        *terminal.current_buffer_mut() = shifted(&previous, now.rows, delta);
        self.mute.set(true);
        let told = terminal.flush();
        self.mute.set(false);
        told?;
        terminal.swap_buffers();
        Ok(())
    }

    /// After a frame: remembers it while the table is on screen.
    pub fn after_draw(&mut self, frame: &Buffer, now: Option<TablePosition>) {
        self.last = now.map(|position| (position, frame.clone()));
    }
}

/// Rows to scroll (positive: the content moves up), when scrolling helps.
fn scroll_delta(then: TablePosition, now: TablePosition) -> Option<i64> {
    if then.rows != now.rows {
        return None;
    }
    let delta = i64::try_from(now.offset).ok()? - i64::try_from(then.offset).ok()?;
    (delta != 0 && delta.unsigned_abs() < u64::from(now.rows.height)).then_some(delta)
}

/// `frame` as the terminal shows it after scrolling `rows` by `delta`: rows
/// move up (or down), and the rows scrolled in are blank.
fn shifted(frame: &Buffer, rows: Rect, delta: i64) -> Buffer {
    let mut out = frame.clone();
    let height = i64::from(rows.height);
    let blank = blank_like(frame, rows);
    for y in 0..height {
        let source = y + delta;
        for x in rows.left()..rows.right() {
            let target_y = rows.y + u16::try_from(y).unwrap_or(0);
            let cell = if (0..height).contains(&source) {
                let source_y = rows.y + u16::try_from(source).unwrap_or(0);
                frame[(x, source_y)].clone()
            } else {
                blank.clone()
            };
            out[(x, target_y)] = cell;
        }
    }
    out
}

/// The cell a scrolled-in row is made of. The terminal shows a blank on the
/// default background; a blank's foreground colour is invisible, so when the
/// table's own blank cells (its bottom-right corner) differ from that only in
/// foreground, assume theirs and spare rewriting the spaces of the new row.
fn blank_like(frame: &Buffer, rows: Rect) -> Cell {
    let mut blank = Cell::default();
    if rows.is_empty() {
        return blank;
    }
    let corner = &frame[(rows.right() - 1, rows.bottom() - 1)];
    let invisible_difference = corner.symbol() == " "
        && corner.bg == blank.bg
        && corner.modifier.is_empty()
        && corner.underline_color == blank.underline_color;
    if invisible_difference {
        blank.fg = corner.fg;
    }
    blank
}

#[cfg(test)]
mod tests {
    use super::*;
    use ratatui::text::Line;
    use ratatui::widgets::Widget;

    fn frame(lines: &[&str]) -> Buffer {
        let width = u16::try_from(lines[0].len()).expect("narrow");
        let height = u16::try_from(lines.len()).expect("short");
        let mut buffer = Buffer::empty(Rect::new(0, 0, width, height));
        for (y, line) in lines.iter().enumerate() {
            let y = u16::try_from(y).expect("short");
            Line::from(*line).render(Rect::new(0, y, width, 1), &mut buffer);
        }
        buffer
    }

    #[test]
    fn scrolling_up_moves_rows_up_and_blanks_the_bottom() {
        let before = frame(&["head", "row0", "row1", "row2", "foot"]);
        let rows = Rect::new(0, 1, 4, 3);
        let after = shifted(&before, rows, 1);
        assert_eq!(after, frame(&["head", "row1", "row2", "    ", "foot"]));
        let back = shifted(&before, rows, -2);
        assert_eq!(back, frame(&["head", "    ", "    ", "row0", "foot"]));
    }

    #[test]
    fn only_a_partial_scroll_of_the_same_table_is_done_by_the_terminal() {
        let at = |offset| TablePosition {
            rows: Rect::new(0, 3, 160, 40),
            offset,
        };
        assert_eq!(scroll_delta(at(10), at(11)), Some(1));
        assert_eq!(scroll_delta(at(11), at(10)), Some(-1));
        assert_eq!(scroll_delta(at(10), at(10)), None);
        assert_eq!(scroll_delta(at(0), at(40)), None, "a whole page is redrawn");
        let moved = TablePosition {
            rows: Rect::new(0, 4, 160, 39),
            offset: 11,
        };
        assert_eq!(scroll_delta(at(10), moved), None, "the table moved");
    }
}
