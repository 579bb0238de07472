//! The notice line: the newest message for the operator (done, warnings such
//! as config problems, failures), until dismissed with esc on the table (one
//! at a time; `:notices` brings them all back).

use super::text;
use crate::app::state::{NoticeLevel, State};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::Line;
use ratatui::widgets::Paragraph;

/// Draws the newest notice, with how many more there are.
pub fn render(state: &State, frame: &mut Frame, area: Rect) {
    let Some(notice) = state.notices.last() else {
        return;
    };
    let theme = &state.theme;
    let (style, marker) = match notice.level {
        NoticeLevel::Info => (theme.ok, "✓"),
        NoticeLevel::Warning => (theme.warn, "⚠"),
        NoticeLevel::Error => (theme.error, "✖"),
    };
    let more = state.notices.len() - 1;
    // Short, so the message keeps its room; `:notices` is in the help.
    let suffix = if more > 0 {
        format!("  (+{more} more · esc dismisses one)")
    } else {
        "  (esc dismisses)".to_string()
    };
    let room = usize::from(area.width).saturating_sub(text::width(&suffix) + 3);
    let line = format!(" {marker} {}{suffix}", text::fit(&notice.text, room));
    frame.render_widget(
        Paragraph::new(Line::styled(
            text::fit(&line, usize::from(area.width)),
            style,
        )),
        area,
    );
}
