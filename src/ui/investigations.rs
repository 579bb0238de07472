//! The investigations table. Only the visible slice of the order kept by
//! `update` is rendered: a frame costs the same with 1,000 or 100,000 rows.

use super::{format, text};
use crate::app::geometry::countdown;
use crate::app::state::{Column, Row, State};
use crate::domain::InvestigationState;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

/// Column widths and which columns fit, most important first.
const PRIORITY: [(Column, usize); 10] = [
    (Column::Id, 16),
    (Column::State, 9),
    (Column::Phase, 8),
    (Column::TimeLeft, 7),
    (Column::Target, 12),
    (Column::Pending, 4),
    (Column::Age, 6),
    (Column::Trigger, 9),
    (Column::Cost, 8),
    (Column::LastLine, 12),
];

/// The PHASE column's width when a row on screen shows two phases
/// (`LIMITED→SHADOW`: the longest badge twice and the arrow).
pub const TWO_PHASES_WIDTH: usize = 15;

/// The columns shown at `width`, left to right, with their widths. The
/// last line (or else the trigger) takes the remaining room.
pub fn columns(width: u16) -> Vec<(Column, usize)> {
    columns_for(width, false)
}

/// [`columns`], the PHASE column widened to [`TWO_PHASES_WIDTH`] when
/// `two_phases` (a row on screen ran under another phase than its
/// namespace's now).
pub fn columns_for(width: u16, two_phases: bool) -> Vec<(Column, usize)> {
    let width = usize::from(width);
    let mut chosen: Vec<(Column, usize)> = Vec::new();
    let mut used = 1;
    for (column, columns) in PRIORITY {
        // Ids such as `certificate-qhgx2z` fit whole on wide terminals.
        let columns = match column {
            Column::Id if width >= 100 => 20,
            Column::Phase if two_phases => TWO_PHASES_WIDTH,
            _ => columns,
        };
        if used + columns < width {
            chosen.push((column, columns));
            used += columns + 1;
        }
    }
    chosen.sort_by_key(|(column, _)| Column::ALL.iter().position(|c| c == column));
    // The trigger grows to 36 columns, the last line takes the rest.
    let mut spare = width.saturating_sub(used);
    for (column, cap) in [(Column::Trigger, 36), (Column::LastLine, usize::MAX)] {
        if let Some((_, columns)) = chosen.iter_mut().find(|(c, _)| *c == column) {
            let grow = spare.min(cap.saturating_sub(*columns));
            *columns += grow;
            spare -= grow;
        }
    }
    if let Some((_, columns)) = chosen.last_mut() {
        *columns += spare;
    }
    chosen
}

/// Draws the table into the body area.
pub fn render(state: &State, frame: &mut Frame, area: Rect) {
    if area.height == 0 || area.width == 0 {
        return;
    }
    let theme = &state.theme;
    let table = &state.table;
    let mut lines: Vec<Line<'static>> = Vec::with_capacity(usize::from(area.height));
    lines.push(title(state, area.width));
    let page = usize::from(area.height.saturating_sub(2));
    // Widened only while a row on screen needs both phases.
    let two_phases = table
        .slice(table.offset, page)
        .any(|row| row.phase_now_if_moved().is_some());
    let columns = columns_for(area.width, two_phases);
    if area.height >= 2 {
        let mut heading = String::from(" ");
        for (column, width) in &columns {
            let mut name = column.title().to_string();
            if *column == table.sort {
                name.push(if table.reverse { '↑' } else { '↓' });
            }
            heading.push_str(&text::pad(&name, *width));
            heading.push(' ');
        }
        lines.push(Line::styled(heading, theme.title));
    }
    if table.visible_len() == 0 && area.height >= 3 {
        lines.push(Line::styled(empty_message(state), theme.dim));
    }
    let stale = state.investigations_stale();
    for (i, row) in table.slice(table.offset, page).enumerate() {
        let selected = table.offset + i == table.selected();
        lines.push(row_line(state, row, &columns, selected, stale));
    }
    frame.render_widget(Paragraph::new(lines).style(theme.base), area);
}

fn empty_message(state: &State) -> String {
    if !state.table.filter().is_empty() {
        format!(
            " no investigation matches “{}” (esc clears the filter)",
            state.table.filter()
        )
    } else if state.table.rows().is_empty() {
        match (
            state.connection_error(),
            state
                .sources
                .get(&crate::model::records::Source::Investigations),
        ) {
            // Never "none yet" while the cluster cannot be asked.
            (Some(cause), _) => format!(
                " cannot reach {}: {cause}",
                state.connection.server.as_deref().unwrap_or("the cluster")
            ),
            (None, Some(crate::app::state::SourceState::Connecting)) => " connecting…".to_string(),
            _ => " no investigations yet".to_string(),
        }
    } else {
        " nothing to show".to_string()
    }
}

fn title(state: &State, width: u16) -> Line<'static> {
    let theme = &state.theme;
    let table = &state.table;
    let mut label = format!(
        "─ investigations {}/{} ",
        format::count(table.visible_len() as u64),
        format::count(table.rows().len() as u64)
    );
    if let Some(loading) = table.loading() {
        // While a listing is under way: how far it has come.
        let loaded = format::count(loading.loaded as u64);
        match loading.total {
            Some(total) if total >= loading.loaded => {
                label.push_str(&format!(
                    "· loading {loaded}/{} ",
                    format::count(total as u64)
                ));
            }
            _ => label.push_str(&format!("· loading {loaded}… ")),
        }
    }
    if !table.filter().is_empty() {
        label.push_str(&format!("· filter “{}” ", table.filter()));
    }
    if state.investigations_stale() {
        label.push_str("· STALE ");
    }
    if let Some(waiting) = super::queue::selected_waiting(state) {
        label.push_str(&format!("· {waiting} "));
    } else if let Some(row) = table.selected_row() {
        // The tooltip row: what the selected row's phase lets its agent do
        // (now; and which phase it ran under, where that differs).
        if let Some(now) = row.phase_now_if_moved() {
            label.push_str(&format!(
                "· ran under {}, now {}: {} ",
                row.ran_under().badge(),
                now.badge(),
                now.meaning()
            ));
        } else {
            label.push_str(&format!(
                "· {}: {} ",
                row.phase.badge(),
                row.phase.meaning()
            ));
        }
    }
    let fill = usize::from(width).saturating_sub(text::width(&label));
    Line::from(vec![
        Span::styled(text::fit(&label, usize::from(width)), theme.title),
        Span::styled("─".repeat(fill), theme.border),
    ])
}

/// The text of one cell.
pub fn cell(state: &State, row: &Row, column: Column) -> String {
    let inv = &row.record.investigation;
    match column {
        Column::Id => inv.id.clone(),
        Column::Target => inv.target_namespace.to_string(),
        Column::Phase => match row.phase_now_if_moved() {
            Some(now) => format!("{}→{}", row.ran_under().badge(), now.badge()),
            None => row.ran_under().badge().to_string(),
        },
        Column::State if inv.state == InvestigationState::Queued => {
            super::queue::state_cell(state, row)
        }
        Column::State => inv.state.to_string(),
        Column::Age => countdown::age_cell(state, row),
        Column::TimeLeft => countdown::time_left_cell(state, row),
        Column::Pending => {
            if row.pending > 0 {
                row.pending.to_string()
            } else {
                "·".into()
            }
        }
        Column::Cost => row.cost.map(format::cost).unwrap_or_else(|| "—".into()),
        Column::Trigger => inv.trigger.to_string(),
        Column::LastLine => super::queue::waiting_cell(state, row)
            .or_else(|| row.last_line.as_deref().map(str::to_owned))
            .unwrap_or_else(|| "—".into()),
    }
}

fn cell_style(state: &State, row: &Row, column: Column) -> Style {
    let theme = &state.theme;
    let inv = &row.record.investigation;
    match column {
        Column::Phase => theme.phase(row.ran_under()),
        Column::State => theme.investigation_state(inv.state),
        Column::Pending if row.pending > 0 => theme.warn,
        Column::TimeLeft if inv.state == InvestigationState::Running => theme.accent,
        Column::Cost | Column::LastLine | Column::Age => theme.dim,
        _ => theme.base,
    }
}

/// Columns drawn wholly in the selection style on the row under the cursor;
/// the rest of that row keeps its colours on the selection's background, so
/// the highlight runs across the whole row and badges stay readable.
const SELECTED_COLUMNS: [Column; 2] = [Column::Id, Column::Target];

fn row_line(
    state: &State,
    row: &Row,
    columns: &[(Column, usize)],
    selected: bool,
    stale: bool,
) -> Line<'static> {
    let theme = &state.theme;
    // The selection's background and modifiers, laid over every other cell.
    let across = selected.then(|| {
        let mut style = ratatui::style::Style::default().add_modifier(theme.selected.add_modifier);
        style.bg = theme.selected.bg;
        style
    });
    let over = |style: ratatui::style::Style| match across {
        Some(across) => style.patch(across),
        None => style,
    };
    let mut spans = Vec::with_capacity(columns.len() * 2 + 2);
    spans.push(if selected {
        Span::styled("▌", theme.selected)
    } else {
        Span::raw(" ")
    });
    for (column, width) in columns {
        let content = cell(state, row, *column);
        let highlighted = selected && SELECTED_COLUMNS.contains(column);
        let style = if highlighted {
            theme.selected
        } else if stale {
            over(theme.stale)
        } else {
            over(cell_style(state, row, *column))
        };
        let gap_style = if highlighted {
            theme.selected
        } else {
            over(theme.base)
        };
        if *column == Column::Phase {
            // The phase it ran under as a badge; the namespace's phase now,
            // where it moved since, dimmed beside it.
            let ran = row.ran_under().badge();
            let badge = text::fit(ran, *width);
            let mut rest = width.saturating_sub(text::width(&badge));
            spans.push(Span::styled(badge, style));
            if let Some(now) = row.phase_now_if_moved().filter(|_| rest > 0) {
                let moved = text::fit(&format!("→{}", now.badge()), rest);
                rest = rest.saturating_sub(text::width(&moved));
                let dim = if stale { theme.stale } else { theme.dim };
                spans.push(Span::styled(moved, over(dim)));
            }
            spans.push(Span::styled(" ".repeat(rest + 1), over(theme.base)));
        } else {
            spans.push(Span::styled(text::pad(&content, *width), style));
            spans.push(Span::styled(" ", gap_style));
        }
    }
    Line::from(spans)
}
