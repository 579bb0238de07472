//! Where everything goes. Pure functions of the terminal size and the
//! state, shared by the views (`ui`) and by `update` (which needs page
//! heights to keep cursors on screen).

use crate::app::state::{Screen, State};
use crate::cluster::vault_watch::TokenLookup;
use ratatui::layout::Rect;

/// Terminals at least this wide get the header on one line.
pub const WIDE_HEADER: u16 = 120;
/// Terminals at least this wide show the proposals pane beside the stream.
pub const SIDE_PANE_WIDTH: u16 = 120;
/// Width of the proposals pane when beside the stream.
pub const PROPOSALS_PANE_COLUMNS: u16 = 46;

/// The frame's main areas.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Areas {
    /// The header (one or two rows).
    pub header: Rect,
    /// The notice line, when there is a notice.
    pub notice: Option<Rect>,
    /// The view.
    pub body: Rect,
    /// The footer: key hints or the open prompt.
    pub footer: Rect,
}

/// The whole screen.
pub fn screen(state: &State) -> Rect {
    Rect::new(0, 0, state.size.0, state.size.1)
}

/// Rows of the header at this width.
pub fn header_rows(width: u16) -> u16 {
    if width >= WIDE_HEADER { 1 } else { 2 }
}

/// Splits `area` into header, notice, body and footer.
pub fn areas(area: Rect, state: &State) -> Areas {
    let mut remaining = area.height;
    // While the cluster cannot be reached the header takes two rows at any
    // width: the cause is the one thing that must not be cut off.
    let header_h = if state.reconnecting_since().is_some() {
        2
    } else {
        header_rows(area.width)
    }
    .min(remaining);
    remaining -= header_h;
    let footer_h = 1.min(remaining);
    remaining -= footer_h;
    let notice_h = u16::from(!state.notices.is_empty()).min(remaining.saturating_sub(1));
    remaining -= notice_h;
    let header = Rect::new(area.x, area.y, area.width, header_h);
    let body = Rect::new(area.x, area.y + header_h, area.width, remaining);
    let notice = (notice_h > 0).then(|| Rect::new(area.x, body.bottom(), area.width, notice_h));
    let footer = Rect::new(
        area.x,
        area.y + area.height - footer_h,
        area.width,
        footer_h,
    );
    Areas {
        header,
        notice,
        body,
        footer,
    }
}

/// The body area for the current state.
pub fn body(state: &State) -> Rect {
    areas(screen(state), state).body
}

/// Where the table's rows are and how far it is scrolled.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TablePosition {
    /// The rows that show investigations.
    pub rows: Rect,
    /// The index of the first investigation shown.
    pub offset: usize,
}

/// Where the table's investigation rows are and how far it is scrolled,
/// while the table is on screen with nothing drawn over it.
pub fn table_position(state: &State) -> Option<TablePosition> {
    if *state.screen() != Screen::Investigations || state.help.is_some() {
        return None;
    }
    let body = body(state);
    (body.height > 2).then(|| TablePosition {
        rows: Rect::new(body.x, body.y + 2, body.width, body.height - 2),
        offset: state.table.offset,
    })
}

/// Rows of investigations visible in the table (title and column headings excluded).
pub fn table_page(state: &State) -> usize {
    usize::from(body(state).height.saturating_sub(2)).max(1)
}

/// The detail view's areas.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DetailAreas {
    /// The investigation's Job status.
    pub info: Rect,
    /// The reasoning pane, title row included.
    pub stream: Rect,
    /// Where reasoning lines go (below the title and the dropped-lines row).
    pub stream_text: Rect,
    /// The proposals pane, when there is room.
    pub proposals: Option<Rect>,
}

/// Rows of the Job status block at this body height.
fn info_rows(body: Rect, state: &State) -> u16 {
    match body.height {
        20.. if token_described(state) => 5,
        16.. => 4,
        14..=15 => 3,
        _ => 1,
    }
}

/// Splits the detail view's body.
pub fn detail(body: Rect, state: &State) -> DetailAreas {
    let info_h = info_rows(body, state).min(body.height);
    let info = Rect::new(body.x, body.y, body.width, info_h);
    let rest = Rect::new(body.x, body.y + info_h, body.width, body.height - info_h);
    let has_proposals = state.detail.as_ref().is_some_and(|d| {
        !state
            .proposals
            .for_investigation(&d.investigation)
            .is_empty()
    });
    let (stream, proposals) = if !has_proposals {
        (rest, None)
    } else if rest.width >= SIDE_PANE_WIDTH {
        let pane = PROPOSALS_PANE_COLUMNS.min(rest.width / 2);
        (
            Rect::new(rest.x, rest.y, rest.width - pane, rest.height),
            Some(Rect::new(rest.right() - pane, rest.y, pane, rest.height)),
        )
    } else if rest.height >= 14 {
        let count = state
            .detail
            .as_ref()
            .map(|d| state.proposals.for_investigation(&d.investigation).len())
            .unwrap_or(0);
        let pane = u16::try_from(count)
            .unwrap_or(u16::MAX)
            .saturating_add(1)
            .min(5);
        (
            Rect::new(rest.x, rest.y, rest.width, rest.height - pane),
            Some(Rect::new(rest.x, rest.bottom() - pane, rest.width, pane)),
        )
    } else {
        (rest, None)
    };
    let dropped_row = u16::from(shows_dropped_row(state));
    let text_top = (1 + dropped_row).min(stream.height);
    let stream_text = Rect::new(
        stream.x,
        stream.y + text_top,
        stream.width,
        stream.height - text_top,
    );
    DetailAreas {
        info,
        stream,
        stream_text,
        proposals,
    }
}

/// Whether the reasoning pane shows the "older lines dropped" row.
pub fn shows_dropped_row(state: &State) -> bool {
    state
        .detail
        .as_ref()
        .is_some_and(|d| d.active_buffer().dropped() > 0)
}

/// Where reasoning lines go on screen now.
pub fn stream_text_area(state: &State) -> Rect {
    detail(body(state), state).stream_text
}

/// Where the proposal document goes (below its title row).
pub fn proposal_text_area(state: &State) -> Rect {
    let body = body(state);
    let top = 1.min(body.height);
    Rect::new(body.x, body.y + top, body.width, body.height - top)
}

/// Whether the detail view is the screen on top.
pub fn detail_on_top(state: &State) -> bool {
    matches!(state.screen(), Screen::Detail)
}

/// A rectangle of `columns` x `rows` centred in `area` (clamped to it).
pub fn centered(area: Rect, columns: u16, rows: u16) -> Rect {
    let columns = columns.min(area.width);
    let rows = rows.min(area.height);
    Rect::new(
        area.x + (area.width - columns) / 2,
        area.y + (area.height - rows) / 2,
        columns,
        rows,
    )
}

/// Whether Vault described the watched token (its policies and metadata
/// then get a row of their own in the detail view when there is room).
pub fn token_described(state: &State) -> bool {
    state
        .vault
        .token
        .as_ref()
        .is_some_and(|t| matches!(t.last, Some((_, TokenLookup::Found(_)))))
}
