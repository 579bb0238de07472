//! Rendering: one file a view, plus theme and highlighting.
//!
//! [`view`] only reads the state: no IO, no locks, no highlighting, no
//! sorting. Everything expensive (filtering, sorting, sanitizing, parsing,
//! highlighting) happened before, in `update` or in the IO tasks; a frame
//! lays out only what is visible.

pub mod command_line;
pub mod countdown;
pub mod detail;
pub mod footer;
pub mod format;
pub mod header;
pub mod help;
pub mod highlight;
pub mod investigations;
pub mod layout;
pub mod notices;
pub mod placeholder;
pub mod proposal;
pub mod reasoning;
pub mod text;
pub mod theme;

use crate::app::state::{Screen, State};
use ratatui::Frame;

/// Draws the whole console for `state`.
pub fn view(state: &State, frame: &mut Frame) {
    let screen = frame.area();
    if screen.width == 0 || screen.height == 0 {
        return;
    }
    frame.render_widget(
        ratatui::widgets::Block::default().style(state.theme.base),
        screen,
    );
    let areas = layout::areas(screen, state);
    header::render(state, frame, areas.header);
    match state.screen() {
        Screen::Investigations => investigations::render(state, frame, areas.body),
        Screen::Detail => detail::render(state, frame, areas.body),
        Screen::Proposal { .. } => proposal::render(state, frame, areas.body),
        Screen::Placeholder(which) => placeholder::render(state, frame, areas.body, *which),
    }
    if let Some(area) = areas.notice {
        notices::render(state, frame, area);
    }
    footer::render(state, frame, areas.footer);
    command_line::render(state, frame, areas.footer);
    help::render(state, frame, screen);
}
