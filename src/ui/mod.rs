//! Rendering: one file a view, plus theme and highlighting.

pub mod highlight;
pub mod theme;
