//! Views the command line accepts but that arrive in a later release.

use super::layout;
use crate::app::state::{Placeholder, State};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::Line;
use ratatui::widgets::{Paragraph, Wrap};

/// Draws the placeholder of `which`.
pub fn render(state: &State, frame: &mut Frame, area: Rect, which: Placeholder) {
    let theme = &state.theme;
    let lines = vec![
        Line::styled(format!(":{}", which.title()), theme.title),
        Line::from(""),
        Line::styled("coming in a later release", theme.base),
        Line::styled("esc goes back · :investigations for the table", theme.dim),
    ];
    let target = layout::centered(area, area.width.min(60), 4);
    frame.render_widget(
        Paragraph::new(lines)
            .alignment(ratatui::layout::Alignment::Center)
            .wrap(Wrap { trim: true }),
        target,
    );
}
