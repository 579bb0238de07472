//! The proposal view: its title row (which lines of how many) and the rows
//! of its document ([`crate::app::geometry::document`]) in view.

use super::text;
use crate::app::geometry::document::{document_height, visible_rows};
use crate::app::state::{Screen, State};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

/// Draws the proposal on top of the stack into the body area.
pub fn render(state: &State, frame: &mut Frame, area: Rect) {
    let Some(Screen::Proposal { key, scroll }) = state.screens.last() else {
        return;
    };
    if area.height == 0 {
        return;
    }
    let theme = &state.theme;
    let record = state.proposals.get(key);
    let position = record
        .map(|r| {
            let total = document_height(state, r, area.width);
            let last = (*scroll + usize::from(area.height.saturating_sub(1))).min(total);
            format!("· lines {}–{last} of {total} ", (*scroll + 1).min(total))
        })
        .unwrap_or_default();
    let label = format!("─ proposal {} · {} {position}", key.name, key.namespace);
    let title = Line::from(vec![
        Span::styled(text::fit(&label, usize::from(area.width)), theme.title),
        Span::styled(
            "─".repeat(usize::from(area.width).saturating_sub(text::width(&label))),
            theme.border,
        ),
    ]);
    frame.render_widget(
        Paragraph::new(title),
        Rect::new(area.x, area.y, area.width, 1),
    );
    let text_area = Rect::new(area.x, area.y + 1, area.width, area.height - 1);
    let Some(record) = record else {
        frame.render_widget(
            Paragraph::new(Line::styled(
                " this proposal is no longer in the cluster (esc goes back)",
                theme.warn,
            )),
            text_area,
        );
        return;
    };
    let lines = visible_rows(
        state,
        record,
        text_area.width,
        *scroll,
        usize::from(text_area.height),
    );
    frame.render_widget(Paragraph::new(lines).style(theme.base), text_area);
}
