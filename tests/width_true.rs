//! Issue 16, item 1: width-true text. Whatever an agent writes, what the
//! terminal shows is cell for cell what the console meant to draw: every
//! string passes through [`sanitize`] before it is drawn, the real frame
//! writer sends the frame to a terminal emulator (vt100), and the emulator's
//! grid is compared with ratatui's buffer, cell by cell. Zero-width, joiner,
//! variation-selector and bidi characters are shown visibly instead of
//! being left for the terminal to combine (or not) differently.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test, bench or example may panic on what it sets up

use kubevigil::sanitize::sanitize;
use kubevigil::tui::FrameWriter;
use proptest::prelude::*;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::Line;
use ratatui::widgets::{Paragraph, Widget, Wrap};
use std::io::Write;
use std::sync::{Arc, Mutex};

const COLUMNS: u16 = 24;
const ROWS: u16 = 8;

#[derive(Clone, Default)]
struct Bytes(Arc<Mutex<Vec<u8>>>);

impl Write for Bytes {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().expect("bytes").extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// The characters that make terminals and width tables disagree, and
/// ordinary ones around them.
fn piece() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => "[a-z ]{1,4}",
        1 => Just("\u{301}".to_string()),           // combining acute
        1 => Just("e\u{301}".to_string()),          // e + combining acute
        1 => Just("a\u{308}\u{323}".to_string()),   // two combining marks
        1 => Just("\u{200d}".to_string()),          // zero-width joiner
        1 => Just("👩\u{200d}🔬".to_string()),       // ZWJ emoji sequence
        1 => Just("👨\u{200d}👩\u{200d}👧".to_string()),
        1 => Just("❤\u{fe0f}".to_string()),         // variation selector 16
        1 => Just("☺\u{fe0e}".to_string()),         // variation selector 15
        1 => Just("👍🏽".to_string()),               // skin-tone modifier
        1 => Just("🇺🇸".to_string()),                // regional indicators
        1 => Just("🇺".to_string()),
        1 => Just("中文".to_string()),               // wide CJK
        1 => Just("ｶﾀｶﾅ".to_string()),               // half-width katakana
        1 => Just("\u{1100}\u{1161}\u{11a8}".to_string()), // Hangul jamo syllable
        1 => Just("\u{202e}".to_string()),          // bidi override
        1 => Just("\u{2066}".to_string()),
        1 => Just("\u{200b}".to_string()),          // zero-width space
        1 => Just("\u{ad}".to_string()),            // soft hyphen
        1 => Just("\u{1b}[31m".to_string()),        // escape sequence
        1 => Just("\u{7}\u{8}\t\r\n".to_string()),  // controls
        1 => Just("\u{9b}2J".to_string()),          // 8-bit CSI
        1 => Just("\u{e0041}".to_string()),         // tag character
        1 => Just("\u{a0}".to_string()),            // no-break space
        1 => Just("\u{300}x".to_string()),
        1 => Just("🧑🏾\u{200d}🚀".to_string()),
        1 => Just("ก\u{e31}".to_string()),          // Thai with a combining vowel
        1 => Just("\u{feff}".to_string()),
    ]
}

fn text() -> impl Strategy<Value = String> {
    prop::collection::vec(piece(), 1..12).prop_map(|pieces| pieces.concat())
}

/// Draws `text` (sanitized, as the console draws agent text) through the
/// real frame writer into vt100; returns the emulator and the buffer meant.
fn draw(text: &str) -> (vt100::Parser, Buffer) {
    let area = Rect::new(0, 0, COLUMNS, ROWS);
    let safe = sanitize(text).into_owned();
    let widget = || {
        Paragraph::new(vec![
            Line::from(safe.clone()),
            Line::from(format!("│{safe}│")),
        ])
        .wrap(Wrap { trim: false })
    };
    let bytes = Bytes::default();
    let mut frames = FrameWriter::fixed(bytes.clone(), area).expect("frames");
    frames
        .draw(None, |frame| frame.render_widget(widget(), frame.area()))
        .expect("a frame");
    let mut emulator = vt100::Parser::new(ROWS, COLUMNS, 0);
    emulator.process(&bytes.0.lock().expect("bytes"));
    let mut intended = Buffer::empty(area);
    widget().render(area, &mut intended);
    kubevigil::tui::fit_to_right_edge(&mut intended);
    (emulator, intended)
}

/// The first cell where the terminal and the buffer disagree.
fn first_difference(emulator: &vt100::Parser, intended: &Buffer) -> Option<String> {
    let screen = emulator.screen();
    for y in 0..ROWS {
        let mut x = 0;
        while x < COLUMNS {
            let meant = intended[(x, y)].symbol();
            let width = unicode_width::UnicodeWidthStr::width(meant).max(1);
            let cell = screen.cell(y, x).expect("a cell");
            let shown = if cell.contents().is_empty() {
                " ".to_string()
            } else {
                cell.contents().to_string()
            };
            if shown != meant {
                return Some(format!(
                    "row {y} column {x}: terminal {shown:?}, meant {meant:?}"
                ));
            }
            if width == 2 && !cell.is_wide() {
                return Some(format!(
                    "row {y} column {x}: {meant:?} is wide in the buffer, narrow on the terminal"
                ));
            }
            if width == 1 && cell.is_wide() {
                return Some(format!(
                    "row {y} column {x}: {meant:?} is narrow in the buffer, wide on the terminal"
                ));
            }
            x += u16::try_from(width).expect("small");
        }
    }
    None
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 400, ..ProptestConfig::default() })]

    #[test]
    fn the_terminal_shows_exactly_the_intended_grid(text in text()) {
        let (emulator, intended) = draw(&text);
        if let Some(difference) = first_difference(&emulator, &intended) {
            let safe = sanitize(&text);
            prop_assert!(false, "{difference}\ninput {text:?}\nsanitized {safe:?}");
        }
    }
}

#[test]
fn invisible_and_joining_characters_are_shown_not_combined() {
    let safe = sanitize("a\u{200d}b\u{202e}c\u{fe0f}d\u{200b}");
    assert_eq!(safe, "a⟨U+200D⟩b⟨U+202E⟩c⟨U+FE0F⟩d⟨U+200B⟩");
    // Ordinary accents in either normal form stay as they are read.
    assert_eq!(sanitize("café"), "café");
    assert_eq!(sanitize("cafe\u{301}"), "cafe\u{301}");
    // A combining mark with nothing to sit on is shown.
    assert_eq!(sanitize("\u{301}x"), "⟨U+0301⟩x");
}
