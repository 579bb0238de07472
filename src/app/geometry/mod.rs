//! Where things go on screen and how many rows they take, shared by
//! `update` (page sizes, scroll bounds, "every row has been on screen", the
//! proposal the keys act on) and by `ui`, which draws exactly this.
//!
//! Nothing here draws: no `Frame`, no widget is rendered. To measure text
//! that wraps, a module composes the lines (styled ratatui `Line`s, plain
//! data) that `ui` then draws unchanged, so the two can never disagree about
//! a height. It reads the [`State`](crate::app::state::State) and never
//! imports `update`, `ui` or the terminal.

pub mod cluster_doc;
pub mod countdown;
pub mod dialog;
pub mod document;
pub mod entries;
pub mod focus;
pub mod format;
pub mod help;
pub mod layout;
pub mod review;
pub mod text;
