//! Asking the terminal for its background colour (OSC 11), so `theme =
//! "auto"` can pick a light or a dark theme before the first frame.
//!
//! `terminal-colorsaurus` sends the query followed by a device-attributes
//! request (DA1), which every terminal answers: a terminal that does not
//! know OSC 11 is recognised as soon as its DA1 answer arrives, so only a
//! terminal that answers nothing at all costs the whole timeout. It talks
//! to the controlling terminal in raw mode of its own and restores it, and
//! sends nothing where that would misbehave (`TERM=dumb`, GNU screen).

use crate::config::theme::Background;
use std::time::Duration;

/// How long to wait for the terminal's answer. A local terminal answers in
/// well under a millisecond and one over SSH within a round trip (and one
/// that does not know OSC 11 says so in its DA1 answer), so this is only
/// reached by a terminal that answers nothing, or a link slower than half a
/// second; the console then starts with the dark theme. It is generous on
/// purpose: an answer arriving after the console started reading keys would
/// be read as key presses.
pub const BACKGROUND_QUERY_TIMEOUT: Duration = Duration::from_millis(500);

/// The terminal's background, or `None` when it did not say in time (or
/// there is no terminal to ask).
pub fn detect_background(timeout: Duration) -> Option<Background> {
    let mut options = terminal_colorsaurus::QueryOptions::default();
    options.timeout = timeout;
    let colour = terminal_colorsaurus::background_color(options).ok()?;
    let (red, green, blue) = colour.scale_to_8bit();
    Some(Background::of_rgb(red, green, blue))
}
