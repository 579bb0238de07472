//! The help overlay, generated from the keymap so it lists every key, and
//! from the command table so it lists every `:` command.

use crate::app::geometry::help::{area, lines};
use crate::app::state::State;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph};

/// Draws the overlay when it is open.
pub fn render(state: &State, frame: &mut Frame, screen: Rect) {
    let Some(scroll) = state.help else {
        return;
    };
    let area = area(screen);
    if area.width < 3 || area.height < 3 {
        return;
    }
    let theme = &state.theme;
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(theme.border_focused)
        .title(Span::styled(
            " keys · esc closes · j/k scroll ",
            theme.title,
        ))
        .style(theme.base);
    let inner = block.inner(area);
    let visible: Vec<Line<'static>> = lines(state)
        .into_iter()
        .skip(scroll)
        .take(usize::from(inner.height))
        .collect();
    frame.render_widget(Clear, area);
    frame.render_widget(block, area);
    frame.render_widget(Paragraph::new(visible), inner);
}
