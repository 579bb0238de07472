//! The cluster document view (`y` YAML, `l` raw log): its title row (which
//! lines of how many) and the rows of the document
//! ([`crate::app::geometry::cluster_doc`]) in view.

use super::text;
use crate::app::geometry::cluster_doc::{height, visible_rows};
use crate::app::state::{Screen, State};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

/// Draws the document on top of the stack into the body area.
pub fn render(state: &State, frame: &mut Frame, area: Rect) {
    let Some(Screen::Document { scroll }) = state.screens.last() else {
        return;
    };
    let Some(doc) = state.document.as_ref() else {
        return;
    };
    if area.height == 0 {
        return;
    }
    let theme = &state.theme;
    let total = height(state, doc, area.width);
    let last = (*scroll + usize::from(area.height.saturating_sub(1))).min(total);
    let label = format!(
        "─ {} · lines {}–{last} of {total} ",
        doc.title(),
        (*scroll + 1).min(total)
    );
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
    let lines = visible_rows(
        state,
        doc,
        text_area.width,
        *scroll,
        usize::from(text_area.height),
    );
    frame.render_widget(Paragraph::new(lines).style(theme.base), text_area);
}
