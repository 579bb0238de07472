//! Pictures of the console for the README and the docs: a drawn frame (a
//! ratatui [`Buffer`], the very cells the terminal would get) written as an
//! SVG image, one monospace text run per stretch of cells that share a
//! style, with their colours and weight. `tests/pictures.rs` regenerates the
//! pictures in `docs/images/` from the program's own frames and fails when a
//! committed one is stale.

use ratatui::buffer::Buffer;
use ratatui::style::{Color, Modifier};
use std::fmt::Write as _;

/// Width of one cell, in SVG units (a 14 px monospace font's advance).
const CELL_WIDTH: f64 = 8.4;
/// Height of one row.
const ROW_HEIGHT: f64 = 17.0;
/// The default colours of the terminal the picture pretends to be.
const DEFAULT_FG: &str = "#d0d0d0";
const DEFAULT_BG: &str = "#1c1c1c";

/// `buffer` as an SVG document, titled `title` (for screen readers).
pub fn svg(buffer: &Buffer, title: &str) -> String {
    let area = buffer.area;
    let width = f64::from(area.width) * CELL_WIDTH;
    let height = f64::from(area.height) * ROW_HEIGHT;
    let mut out = String::new();
    let _ = writeln!(
        out,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{width:.0}" height="{height:.0}" viewBox="0 0 {width:.1} {height:.1}" role="img">"#
    );
    let _ = writeln!(out, "<title>{}</title>", escape(title));
    let _ = writeln!(
        out,
        r#"<rect width="100%" height="100%" fill="{DEFAULT_BG}"/>"#
    );
    let _ = writeln!(
        out,
        r#"<g font-family="'DejaVu Sans Mono','Menlo','Consolas',monospace" font-size="14px" xml:space="preserve">"#
    );
    for y in area.top()..area.bottom() {
        let mut x = area.left();
        while x < area.right() {
            let style = run_style(buffer, x, y);
            let start = x;
            let mut text = String::new();
            let mut columns = 0u16;
            while x < area.right() && run_style(buffer, x, y) == style {
                let symbol = buffer[(x, y)].symbol();
                let width = unicode_width::UnicodeWidthStr::width(symbol).max(1);
                text.push_str(symbol);
                let step = u16::try_from(width).unwrap_or(1);
                columns += step;
                x += step;
            }
            let (fg, bg, bold) = style;
            let left = f64::from(start - area.left()) * CELL_WIDTH;
            let top = f64::from(y - area.top()) * ROW_HEIGHT;
            let span = f64::from(columns) * CELL_WIDTH;
            if bg != DEFAULT_BG {
                let _ = writeln!(
                    out,
                    r#"<rect x="{left:.1}" y="{top:.1}" width="{span:.1}" height="{ROW_HEIGHT:.1}" fill="{bg}"/>"#
                );
            }
            if !text.trim().is_empty() {
                let weight = if bold { r#" font-weight="bold""# } else { "" };
                let _ = writeln!(
                    out,
                    r#"<text x="{left:.1}" y="{:.1}" fill="{fg}" textLength="{span:.1}"{weight}>{}</text>"#,
                    top + ROW_HEIGHT * 0.78,
                    escape(&text)
                );
            }
        }
    }
    out.push_str("</g>\n</svg>\n");
    out
}

/// The foreground, background and boldness of the cell at `(x, y)`.
fn run_style(buffer: &Buffer, x: u16, y: u16) -> (String, String, bool) {
    let cell = &buffer[(x, y)];
    let reversed = cell.modifier.contains(Modifier::REVERSED);
    let mut fg = hex(cell.fg).unwrap_or_else(|| DEFAULT_FG.to_string());
    let mut bg = hex(cell.bg).unwrap_or_else(|| DEFAULT_BG.to_string());
    if reversed {
        std::mem::swap(&mut fg, &mut bg);
    }
    (fg, bg, cell.modifier.contains(Modifier::BOLD))
}

/// A colour as `#rrggbb`; `None` for the terminal's default.
fn hex(color: Color) -> Option<String> {
    let (r, g, b) = match color {
        Color::Reset => return None,
        Color::Rgb(r, g, b) => (r, g, b),
        Color::Indexed(i) => indexed(i),
        Color::Black => (0x1c, 0x1c, 0x1c),
        Color::Red => (0xcd, 0x31, 0x31),
        Color::Green => (0x0d, 0xbc, 0x79),
        Color::Yellow => (0xe5, 0xe5, 0x10),
        Color::Blue => (0x24, 0x72, 0xc8),
        Color::Magenta => (0xbc, 0x3f, 0xbc),
        Color::Cyan => (0x11, 0xa8, 0xcd),
        Color::Gray => (0xb0, 0xb0, 0xb0),
        Color::DarkGray => (0x66, 0x66, 0x66),
        Color::LightRed => (0xf1, 0x4c, 0x4c),
        Color::LightGreen => (0x23, 0xd1, 0x8b),
        Color::LightYellow => (0xf5, 0xf5, 0x43),
        Color::LightBlue => (0x3b, 0x8e, 0xea),
        Color::LightMagenta => (0xd6, 0x70, 0xd6),
        Color::LightCyan => (0x29, 0xb8, 0xdb),
        Color::White => (0xe5, 0xe5, 0xe5),
    };
    Some(format!("#{r:02x}{g:02x}{b:02x}"))
}

/// The xterm 256-colour palette.
fn indexed(i: u8) -> (u8, u8, u8) {
    const BASE: [(u8, u8, u8); 16] = [
        (0x00, 0x00, 0x00),
        (0xcd, 0x00, 0x00),
        (0x00, 0xcd, 0x00),
        (0xcd, 0xcd, 0x00),
        (0x00, 0x00, 0xee),
        (0xcd, 0x00, 0xcd),
        (0x00, 0xcd, 0xcd),
        (0xe5, 0xe5, 0xe5),
        (0x7f, 0x7f, 0x7f),
        (0xff, 0x00, 0x00),
        (0x00, 0xff, 0x00),
        (0xff, 0xff, 0x00),
        (0x5c, 0x5c, 0xff),
        (0xff, 0x00, 0xff),
        (0x00, 0xff, 0xff),
        (0xff, 0xff, 0xff),
    ];
    match i {
        0..=15 => BASE[usize::from(i)],
        16..=231 => {
            let n = i - 16;
            let level = |v: u8| if v == 0 { 0 } else { 55 + v * 40 };
            (level(n / 36), level((n / 6) % 6), level(n % 6))
        }
        _ => {
            let v = 8 + (i - 232) * 10;
            (v, v, v)
        }
    }
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

#[cfg(test)]
mod tests {
    use super::*;
    use ratatui::layout::Rect;
    use ratatui::style::Style;

    #[test]
    fn cells_become_styled_text_runs_with_markup_escaped() {
        let mut buffer = Buffer::empty(Rect::new(0, 0, 12, 1));
        buffer.set_string(0, 0, "<a> ", Style::default().fg(Color::Rgb(255, 0, 0)));
        buffer.set_string(4, 0, "ok", Style::default().add_modifier(Modifier::BOLD));
        let picture = svg(&buffer, "t & t");
        assert!(picture.contains("<title>t &amp; t</title>"), "{picture}");
        assert!(
            picture.contains(r##"fill="#ff0000" textLength="33.6">&lt;a&gt; </text>"##),
            "{picture}"
        );
        assert!(picture.contains(r#"font-weight="bold">ok"#), "{picture}");
    }
}
