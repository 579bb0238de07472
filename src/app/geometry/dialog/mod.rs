//! The decision dialogs drawn over the view, composed and measured (`ui::confirm`
//! draws them), one file a dialog beside its keys in `update/decision_modal/`:
//! [`approve`] (with the typed name for high risk), [`veto`] with its reason
//! (saying, for an approved proposal not run yet, that its credential is
//! revoked), [`edit`] before approving, [`kill`], [`halt`], [`resume`] and
//! the [`queue`] dialogs (admit now, cancel). Here: what they share, and
//! where a dialog goes.
//!
//! The approve and veto dialogs show all of the action that runs
//! ([`change`]): what is decided on (the proposal, the action's headline,
//! its count of operations and its digest) stays on screen, and the change
//! below it (every line, long lines wrapped with a `↪` on their continuation
//! rows) scrolls when it does not fit. `update` reads the same [`geometry`]:
//! `y` confirms only once every row has been on screen, and a dialog too
//! small to show what is decided on offers no confirming key and asks for a
//! larger terminal.

mod approve;
mod change;
mod edit;
mod halt;
mod kill;
mod queue;
mod resume;
mod veto;

pub use approve::approval_effect;
pub use change::{CONTINUED, change_rows};
pub use veto::VETO_AFTER_APPROVAL;

use super::{layout, text};
use crate::app::state::{DialogScroll, Modal, State};
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui_textarea::TextArea;

/// The fewest rows the scrolling part of the approve and veto dialogs may
/// have when it does not fit whole: with fewer, the dialog is too small.
pub const MIN_SCROLL_ROWS: usize = 3;

/// What the view and `update` agree on about the open dialog.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DialogGeometry {
    /// The dialog's rectangle on screen.
    pub area: Rect,
    /// Columns inside its border.
    pub inner_width: u16,
    /// Where its scrolling part is on screen.
    pub body: Rect,
    /// Rows of its scrolling part (the change and what goes with it), wrapped.
    pub body_rows: usize,
    /// How many of those rows are on screen at once.
    pub view_rows: usize,
    /// Too small to show what is decided on: its confirming key is not offered.
    pub too_small: bool,
    /// The terminal rows the dialog needs at this width.
    pub rows_needed: u16,
}

impl DialogGeometry {
    /// Whether the scrolling part does not fit whole.
    pub fn scrolls(&self) -> bool {
        self.view_rows < self.body_rows
    }

    /// The largest scroll offset.
    pub fn max_offset(&self) -> usize {
        self.body_rows.saturating_sub(self.view_rows)
    }
}

/// How many rows of the scrolling part have never been on screen, for a
/// dialog scrolled as `scroll` says.
pub fn unseen_rows(scroll: &DialogScroll, geometry: &DialogGeometry) -> usize {
    let offset = scroll.offset.min(geometry.max_offset());
    let on_screen = offset + geometry.view_rows;
    let seen = if scroll.measured == Some((geometry.inner_width, geometry.body_rows)) {
        scroll.seen.max(on_screen)
    } else {
        on_screen
    };
    geometry.body_rows.saturating_sub(seen)
}

/// One dialog's content, wrapped to its width.
pub struct Content<'s> {
    /// The title on its top border.
    pub title: String,
    /// What is decided on: always on screen.
    pub head: Vec<Line<'static>>,
    /// What scrolls: the change and what goes with it.
    pub body: Vec<Line<'static>>,
    /// Rows right above the field.
    pub prompt: Vec<Line<'static>>,
    /// The text field, if any, and its rows.
    pub field: Option<(&'s TextArea<'static>, u16)>,
    /// The fewest body rows on screen when the body does not fit whole.
    pub min_body: usize,
    /// "what you approve", for the too-small notice.
    pub decides: &'static str,
    /// The confirming key ("y", "enter"), for the too-small notice.
    pub confirm_key: &'static str,
    /// What cancels, for the too-small notice.
    pub cancel: &'static str,
}

/// A built dialog: its content, its bottom rows and where it all goes.
pub struct Built<'s> {
    /// What the dialog says.
    pub content: Content<'s>,
    /// Its bottom rows (errors, hints), wrapped.
    pub below: Vec<Line<'static>>,
    /// Where it all goes.
    pub geometry: DialogGeometry,
}

fn fact(state: &State, label: &str, value: String, style: Style) -> Line<'static> {
    Line::from(vec![
        Span::styled(format!("{label:<10}"), state.theme.dim),
        Span::styled(value, style),
    ])
}

fn dialog_width(screen: Rect) -> u16 {
    screen
        .width
        .saturating_sub(4)
        .min(100)
        .max(screen.width.min(20))
}

/// `lines` wrapped at `width`, continuation rows indented by two.
pub fn wrapped(lines: Vec<Line<'static>>, width: u16) -> Vec<Line<'static>> {
    lines
        .into_iter()
        .flat_map(|l| text::wrap(l, width, 2))
        .collect()
}

fn error_lines(state: &State, error: &Option<String>) -> Vec<Line<'static>> {
    error
        .iter()
        .map(|e| Line::styled(format!("✖ {e}"), state.theme.error))
        .collect()
}

/// A key hint line.
pub fn hint(state: &State, text: &str) -> Line<'static> {
    Line::styled(text.to_string(), state.theme.key_hint)
}

fn content<'s>(state: &'s State, modal: &'s Modal, width: u16, rows: u16) -> Option<Content<'s>> {
    match modal {
        Modal::Approve { .. } => approve::content(state, modal, width),
        Modal::Veto { .. } => veto::content(state, modal, width),
        Modal::Edit { .. } => edit::content(state, modal, width, rows),
        Modal::Kill { .. } => kill::content(state, modal, width),
        Modal::Halt { .. } => halt::content(state, modal, width),
        Modal::Resume { .. } => resume::content(state, modal, width),
        Modal::AuditFilter => None,
        Modal::Queue(dialog) => Some(queue::content(state, dialog, width)),
    }
}

/// The rows under the field: why the last key did not confirm, and the keys.
fn below_lines(
    state: &State,
    modal: &Modal,
    geometry: Option<&DialogGeometry>,
) -> Vec<Line<'static>> {
    match modal {
        Modal::Approve { .. } => approve::below(state, modal, geometry),
        Modal::Veto { .. } => veto::below(state, modal, geometry),
        Modal::Edit { .. } => edit::below(state, modal, geometry),
        Modal::Kill { .. } => kill::below(state, modal, geometry),
        Modal::Halt { .. } => halt::below(state, modal, geometry),
        Modal::Resume { .. } => resume::below(state, modal, geometry),
        Modal::AuditFilter => Vec::new(),
        Modal::Queue(dialog) => queue::below(state, dialog),
    }
}

fn arrange(screen: Rect, content: &Content<'_>, below: &[Line<'static>]) -> DialogGeometry {
    let width = dialog_width(screen);
    let inner_width = width.saturating_sub(2);
    let field_rows = content
        .field
        .as_ref()
        .map_or(0, |(_, rows)| usize::from(*rows));
    let fixed = content.head.len() + content.prompt.len() + field_rows + below.len();
    let available = usize::from(screen.height.saturating_sub(2));
    let body_rows = content.body.len();
    let view_rows = body_rows.min(available.saturating_sub(fixed));
    let too_small = fixed > available || (view_rows < body_rows && view_rows < content.min_body);
    let needed = fixed + body_rows.min(content.min_body) + 2;
    let rows = if too_small {
        screen.height
    } else {
        u16::try_from(fixed + view_rows + 2).unwrap_or(u16::MAX)
    };
    let view_rows = if too_small { 0 } else { view_rows };
    let area = layout::centered(screen, width, rows.min(screen.height));
    let head_rows = u16::try_from(content.head.len()).unwrap_or(u16::MAX);
    let body = Rect::new(
        area.x.saturating_add(1),
        area.y.saturating_add(1).saturating_add(head_rows),
        inner_width,
        u16::try_from(view_rows).unwrap_or(u16::MAX),
    )
    .intersection(screen);
    DialogGeometry {
        area,
        inner_width,
        body,
        body_rows,
        view_rows,
        too_small,
        rows_needed: u16::try_from(needed).unwrap_or(u16::MAX),
    }
}

/// The open dialog composed for `screen`, and where it goes.
pub fn build<'s>(state: &'s State, modal: &'s Modal, screen: Rect) -> Option<Built<'s>> {
    let width = dialog_width(screen).saturating_sub(2);
    let content = content(state, modal, width, screen.height)?;
    // The hints say how much is left to see, which depends on the rows they
    // leave: settle them (they rarely change their own height).
    let mut below = wrapped(below_lines(state, modal, None), width);
    let mut geometry = arrange(screen, &content, &below);
    for _ in 0..3 {
        below = wrapped(below_lines(state, modal, Some(&geometry)), width);
        let next = arrange(screen, &content, &below);
        if next == geometry {
            break;
        }
        geometry = next;
    }
    Some(Built {
        content,
        below,
        geometry,
    })
}

/// Where the open dialog goes and how much of its scrolling part shows, as
/// the view draws it; `None` when no dialog is open.
pub fn geometry(state: &State) -> Option<DialogGeometry> {
    let modal = state.decisions.modal.as_ref()?;
    build(state, modal, layout::screen(state)).map(|b| b.geometry)
}

/// How far the open dialog's scrolling part is scrolled.
pub fn scroll_offset(modal: &Modal) -> usize {
    match modal {
        Modal::Approve { scroll, .. } | Modal::Veto { scroll, .. } => scroll.offset,
        _ => 0,
    }
}
