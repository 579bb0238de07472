//! Rendering: one file a view, plus theme and highlighting.
//!
//! [`view`] only reads the state: no IO, no locks, no highlighting, no
//! sorting. Everything expensive (filtering, sorting, sanitizing, parsing,
//! highlighting) happened before, in `update` or in the IO tasks; a frame
//! lays out only what is visible.

pub mod approvals;
pub mod audit;
pub mod cluster_doc;
pub mod command_line;
pub mod confirm;
pub mod decision_bar;
pub mod detail;
pub mod footer;
pub mod header;
pub mod help;
pub mod highlight;
pub mod investigations;
pub mod notices;
pub mod picture;
pub mod policies;
pub mod policy_editor;
pub mod proposal;
pub mod queue;
pub mod reasoning;
pub mod vault_token;

// What `ui` draws is laid out and measured by `app::geometry`; the views
// name those modules as their siblings.
use crate::app::geometry::{format, layout, text};
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
        Screen::Policies => policies::render(state, frame, areas.body),
        Screen::Approvals => approvals::render(state, frame, areas.body),
        Screen::Audit => audit::render(state, frame, areas.body),
        Screen::Document { .. } => cluster_doc::render(state, frame, areas.body),
    }
    if let Some(area) = areas.notice {
        notices::render(state, frame, area);
    }
    footer::render(state, frame, areas.footer);
    command_line::render(state, frame, areas.footer);
    if state.screen() == &Screen::Policies {
        policy_editor::render(state, frame, areas.body);
    }
    confirm::render(state, frame, screen);
    help::render(state, frame, screen);
}
