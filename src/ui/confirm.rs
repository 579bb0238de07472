//! Draws the decision dialog composed and measured by
//! [`crate::app::geometry::dialog`] over the view: what is decided on stays
//! on screen, the change below it scrolls, and a dialog too small to show
//! what is decided on says so instead.

use super::layout;
use crate::app::geometry::dialog::{
    Built, Content, DialogGeometry, build, hint, scroll_offset, wrapped,
};
use crate::app::state::State;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph};

/// Draws the open dialog, if any, over everything but the help overlay.
pub fn render(state: &State, frame: &mut Frame, screen: Rect) {
    let Some(modal) = state.decisions.modal.as_ref() else {
        return;
    };
    let Some(built) = build(state, modal, screen) else {
        return;
    };
    let Built {
        content,
        below,
        geometry,
    } = built;
    if geometry.too_small {
        render_too_small(state, frame, screen, &content, &geometry);
        return;
    }
    let area = geometry.area;
    frame.render_widget(Clear, area);
    let mut block = Block::default()
        .borders(Borders::ALL)
        .border_style(state.theme.border_focused)
        .title(Span::styled(content.title.clone(), state.theme.title))
        .style(state.theme.base);
    let offset = scroll_offset(modal).min(geometry.max_offset());
    if geometry.scrolls() {
        block = block.title_bottom(
            Line::from(Span::styled(
                format!(
                    " rows {}-{} of {} ",
                    offset + 1,
                    offset + geometry.view_rows,
                    geometry.body_rows
                ),
                state.theme.dim,
            ))
            .right_aligned(),
        );
    }
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let rows = |n: usize| u16::try_from(n).unwrap_or(u16::MAX);
    let head_area = Rect::new(inner.x, inner.y, inner.width, rows(content.head.len()));
    let body_area = geometry.body;
    let prompt_area = Rect::new(
        inner.x,
        body_area.bottom(),
        inner.width,
        rows(content.prompt.len()),
    );
    let field_rows = content.field.as_ref().map_or(0, |(_, r)| *r);
    let field_area = Rect::new(inner.x, prompt_area.bottom(), inner.width, field_rows);
    let below_area = Rect::new(inner.x, field_area.bottom(), inner.width, rows(below.len()));
    frame.render_widget(Paragraph::new(content.head), head_area);
    let body: Vec<Line<'static>> = content
        .body
        .into_iter()
        .skip(offset)
        .take(geometry.view_rows)
        .collect();
    frame.render_widget(Paragraph::new(body), body_area);
    frame.render_widget(Paragraph::new(content.prompt), prompt_area);
    if let Some((area, _)) = content.field {
        frame.render_widget(area, field_area);
    }
    frame.render_widget(Paragraph::new(below), below_area);
}

/// A dialog too small to show what is decided on: it says so and asks for
/// a larger terminal; its confirming key is not offered.
fn render_too_small(
    state: &State,
    frame: &mut Frame,
    screen: Rect,
    content: &Content<'_>,
    geometry: &DialogGeometry,
) {
    let theme = &state.theme;
    let lines = wrapped(
        vec![
            Line::styled(
                format!(
                    "too small to show {}: {} is not offered",
                    content.decides, content.confirm_key
                ),
                theme.error,
            ),
            Line::styled(
                format!(
                    "make the terminal larger: at least {} rows at {} columns",
                    geometry.rows_needed, screen.width
                ),
                theme.warn,
            ),
            hint(state, content.cancel),
        ],
        geometry.inner_width,
    );
    let rows = u16::try_from(lines.len() + 2).unwrap_or(u16::MAX);
    let area = layout::centered(screen, geometry.area.width, rows);
    frame.render_widget(Clear, area);
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(state.theme.border_focused)
        .title(Span::styled(content.title.clone(), theme.title))
        .style(theme.base);
    let inner = block.inner(area);
    frame.render_widget(block, area);
    frame.render_widget(Paragraph::new(lines), inner);
}
