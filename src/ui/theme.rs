//! Colour themes.
