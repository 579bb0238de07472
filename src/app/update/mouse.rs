//! The mouse (when `mouse` is on): the wheel scrolls the view under it as
//! the arrow keys would, and a left click on a table row selects it (a click
//! on the row already selected opens it). Dialogs, prompts, the help and the
//! policy editor keep the keyboard's undivided attention: the mouse does
//! nothing while one is open.

use super::{Out, commands};
use crate::app::command::Command;
use crate::app::geometry::layout::table_position;
use crate::app::state::{Screen, State};
use crossterm::event::{MouseButton, MouseEvent, MouseEventKind};

/// Lines one notch of the wheel moves in text (the reasoning stream, a
/// proposal, a list); the table moves one row a notch.
const WHEEL_LINES: usize = 3;

/// Handles one mouse event.
pub(super) fn mouse(state: &mut State, event: MouseEvent, out: &mut Out) {
    let busy = state.decisions.modal.is_some()
        || state.prompt.is_some()
        || state.help.is_some()
        || state.asking_quit
        || (state.policy_view.editor.is_some() && state.screen() == &Screen::Policies);
    if busy {
        return;
    }
    match event.kind {
        MouseEventKind::ScrollDown => wheel(state, Command::Down, out),
        MouseEventKind::ScrollUp => wheel(state, Command::Up, out),
        MouseEventKind::Down(MouseButton::Left) => click(state, event.column, event.row, out),
        _ => {}
    }
}

fn wheel(state: &mut State, command: Command, out: &mut Out) {
    let times = if state.screen() == &Screen::Investigations {
        1
    } else {
        WHEEL_LINES
    };
    for _ in 0..times {
        commands::run(state, command, out);
    }
}

/// A click on an investigation row selects it; on the selected row, opens it.
fn click(state: &mut State, column: u16, row: u16, out: &mut Out) {
    let Some(table) = table_position(state) else {
        return;
    };
    let rows = table.rows;
    let inside = (rows.x..rows.right()).contains(&column) && (rows.y..rows.bottom()).contains(&row);
    if !inside {
        return;
    }
    let position = table.offset + usize::from(row - rows.y);
    if position >= state.table.visible_len() {
        return;
    }
    if position == state.table.selected() {
        commands::run(state, Command::Open, out);
        return;
    }
    let page = crate::app::geometry::layout::table_page(state);
    if state.table.select(position, page) {
        out.redraw();
    }
}

#[cfg(test)]
mod tests {
    use crate::app::action::Action;
    use crate::app::fixtures::StateBuilder;
    use crate::app::state::Screen;
    use crate::app::update::update;
    use crossterm::event::{KeyModifiers, MouseButton, MouseEvent, MouseEventKind};

    fn at(kind: MouseEventKind, column: u16, row: u16) -> Action {
        Action::Mouse(MouseEvent {
            kind,
            column,
            row,
            modifiers: KeyModifiers::NONE,
        })
    }

    #[test]
    fn clicks_outside_the_rows_and_under_an_overlay_change_nothing() {
        let mut state = StateBuilder::new()
            .size(120, 30)
            .many_investigations(50)
            .build();
        let left = MouseEventKind::Down(MouseButton::Left);
        // The header, the table title and the column headings.
        for row in [0, 1, 2] {
            assert!(
                update(&mut state, at(left, 10, row)).is_empty(),
                "row {row}"
            );
        }
        assert_eq!(state.table.selected(), 0);
        // The fifth row (screen row 3 is the first): selected, not opened.
        assert!(!update(&mut state, at(left, 10, 7)).is_empty());
        assert_eq!(state.table.selected(), 4);
        assert_eq!(state.screen(), &Screen::Investigations);
        // The help overlay keeps the mouse out.
        update(
            &mut state,
            Action::Command(crate::app::command::Command::Help),
        );
        assert!(update(&mut state, at(MouseEventKind::ScrollDown, 10, 10)).is_empty());
        assert_eq!(state.table.selected(), 4);
    }

    #[test]
    fn the_wheel_moves_the_table_a_row_a_notch_and_stops_at_the_ends() {
        let mut state = StateBuilder::new()
            .size(120, 30)
            .many_investigations(3)
            .build();
        for _ in 0..5 {
            update(&mut state, at(MouseEventKind::ScrollDown, 10, 10));
        }
        assert_eq!(state.table.selected(), 2);
        update(&mut state, at(MouseEventKind::ScrollUp, 10, 10));
        assert_eq!(state.table.selected(), 1);
    }
}
