//! The glyph set: Unicode symbols where the terminal's font has them, ASCII
//! where it may not (the Linux console, TERM=linux, whose fonts lack ⚙, ◆,
//! ⟳, ↳ and most arrows; a serial console). The console draws with Unicode
//! and, in ASCII mode, every frame is translated cell by cell just before it
//! is written, so no view needs to know: each symbol becomes one ASCII
//! character of the same width.

use ratatui::buffer::Buffer;

/// Which glyphs frames are drawn with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum GlyphSet {
    /// Unicode symbols, as drawn.
    #[default]
    Unicode,
    /// ASCII only.
    Ascii,
}

impl GlyphSet {
    /// The set for the config's `glyphs` setting (`auto`, `unicode`,
    /// `ascii`) on terminal `term`: `auto` picks ASCII on the Linux console
    /// (TERM=linux) and on terminals that name themselves VT100/VT220.
    pub fn choose(setting: &str, term: Option<&str>) -> GlyphSet {
        match setting {
            "ascii" => GlyphSet::Ascii,
            "unicode" => GlyphSet::Unicode,
            _ => match term {
                Some("linux" | "vt100" | "vt102" | "vt220" | "ansi") => GlyphSet::Ascii,
                _ => GlyphSet::Unicode,
            },
        }
    }
}

/// The ASCII stand-in for a one-column symbol (`None`: keep it).
pub fn ascii_for(symbol: &str) -> Option<&'static str> {
    Some(match symbol {
        "·" | "…" | "░" | "◌" => ".",
        "─" | "—" | "–" | "━" => "-",
        "│" | "▏" | "▌" | "┃" => "|",
        "┌" | "┐" | "└" | "┘" | "├" | "┤" | "┬" | "┴" | "┼" => "+",
        "⚠" | "⚑" | "❗" => "!",
        "✖" | "✗" | "✘" | "☠" => "x",
        "✓" | "✔" => "v",
        "█" => "#",
        "▸" | "▶" | "↪" | "→" | "⟩" | "»" => ">",
        "◂" | "←" | "⟨" | "«" => "<",
        "↓" | "▾" | "▼" => "v",
        "↑" | "▲" => "^",
        "⟳" => "~",
        "⚙" => "$",
        "◆" | "●" => "*",
        "↳" => "=",
        "⏳" | "⌛" => "%",
        "⊘" => "0",
        "≤" => "<",
        "“" | "”" => "\"",
        "⏎" => "/",
        _ => return None,
    })
}

/// Translates every symbol of `buffer` that has an ASCII stand-in.
pub fn to_ascii(buffer: &mut Buffer) {
    for cell in &mut buffer.content {
        if !cell.symbol().is_ascii()
            && let Some(ascii) = ascii_for(cell.symbol())
        {
            cell.set_symbol(ascii);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use unicode_width::UnicodeWidthStr;

    #[test]
    fn the_linux_console_gets_ascii_unless_told_otherwise() {
        assert_eq!(GlyphSet::choose("auto", Some("linux")), GlyphSet::Ascii);
        assert_eq!(
            GlyphSet::choose("auto", Some("xterm-256color")),
            GlyphSet::Unicode
        );
        assert_eq!(GlyphSet::choose("auto", None), GlyphSet::Unicode);
        assert_eq!(
            GlyphSet::choose("unicode", Some("linux")),
            GlyphSet::Unicode
        );
        assert_eq!(GlyphSet::choose("ascii", Some("xterm")), GlyphSet::Ascii);
    }

    #[test]
    fn every_stand_in_is_one_ascii_column_for_one_column() {
        for symbol in [
            "·", "…", "─", "│", "┌", "⚠", "✖", "✓", "█", "▸", "◂", "↓", "↑", "⟳", "⚙", "◆", "●",
            "↳", "⏳", "⟨", "⟩", "↪", "⏎",
        ] {
            let ascii = ascii_for(symbol).expect(symbol);
            assert!(
                ascii.is_ascii() && ascii.width() == 1,
                "{symbol} -> {ascii}"
            );
            if symbol.width() == 1 {
                assert_eq!(ascii.width(), symbol.width(), "{symbol}");
            }
        }
    }
}
