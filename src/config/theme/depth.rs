//! Colour depth: what the terminal can show, and fitting colours to it.

use super::NO_SYNTAX_THEME;
use ratatui::style::{Color, Modifier, Style};

/// How many colours the terminal can show.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum ColorDepth {
    /// 24-bit RGB.
    #[default]
    TrueColor,
    /// The xterm 256-colour palette.
    Ansi256,
    /// The 16 named ANSI colours.
    Ansi16,
    /// No colour at all (`NO_COLOR`, `TERM=dumb`): modifiers only.
    Mono,
}

impl ColorDepth {
    /// The suffix recorded on a syntax theme name, if any.
    pub fn suffix(self) -> Option<&'static str> {
        match self {
            ColorDepth::TrueColor | ColorDepth::Mono => None,
            ColorDepth::Ansi256 => Some("ansi256"),
            ColorDepth::Ansi16 => Some("ansi16"),
        }
    }

    /// Splits a syntax theme name as written by [`Theme::adapted`](super::Theme::adapted)
    /// into the syntect theme name and the colour depth.
    pub fn split_syntax_theme(spec: &str) -> (&str, ColorDepth) {
        if spec == NO_SYNTAX_THEME {
            return (spec, ColorDepth::Mono);
        }
        for depth in [ColorDepth::Ansi256, ColorDepth::Ansi16] {
            if let Some(name) = depth
                .suffix()
                .and_then(|suffix| spec.strip_suffix(suffix))
                .and_then(|rest| rest.strip_suffix(':'))
            {
                return (name, depth);
            }
        }
        (spec, ColorDepth::TrueColor)
    }
}

/// The colour depth of the terminal, from the environment (`env` looks a
/// variable up; pass `&|k| std::env::var(k).ok()`).
///
/// In order: `NO_COLOR` set and not empty (as no-color.org specifies) gives
/// `Mono`; `COLORTERM` of `truecolor` or `24bit` gives `TrueColor`; a `TERM`
/// ending in `256color` gives `Ansi256`; `TERM=dumb` gives `Mono`; anything
/// else `Ansi16`.
pub fn detect_color_depth(env: &dyn Fn(&str) -> Option<String>) -> ColorDepth {
    if env("NO_COLOR").is_some_and(|value| !value.is_empty()) {
        return ColorDepth::Mono;
    }
    let colorterm = env("COLORTERM").unwrap_or_default().to_ascii_lowercase();
    if colorterm == "truecolor" || colorterm == "24bit" {
        return ColorDepth::TrueColor;
    }
    let term = env("TERM").unwrap_or_default().to_ascii_lowercase();
    if term.ends_with("256color") {
        ColorDepth::Ansi256
    } else if term == "dumb" {
        ColorDepth::Mono
    } else {
        ColorDepth::Ansi16
    }
}

/// The syntax theme name for `depth`: any earlier suffix replaced,
/// `none` for `Mono`.
pub(super) fn syntax_theme_for(spec: &str, depth: ColorDepth) -> String {
    let (name, _) = ColorDepth::split_syntax_theme(spec);
    match (depth, depth.suffix()) {
        (ColorDepth::Mono, _) => NO_SYNTAX_THEME.to_owned(),
        _ if name == NO_SYNTAX_THEME => NO_SYNTAX_THEME.to_owned(),
        (_, Some(suffix)) => format!("{name}:{suffix}"),
        (_, None) => name.to_owned(),
    }
}

/// Applies `map` to every colour of `style`.
pub(super) fn map_style(style: Style, map: fn(Color) -> Color) -> Style {
    Style {
        fg: style.fg.map(map),
        bg: style.bg.map(map),
        underline_color: style.underline_color.map(map),
        ..style
    }
}

/// `style` without colour. A background of its own (one that differs from
/// the screen's, `base_bg`) becomes reverse video so it still stands out.
pub(super) fn monochrome(style: Style, base_bg: Option<Color>) -> Style {
    let own_background = style
        .bg
        .is_some_and(|bg| bg != Color::Reset && Some(bg) != base_bg);
    let mut plain = Style {
        fg: None,
        bg: None,
        underline_color: None,
        ..style
    };
    if own_background {
        plain = plain.add_modifier(Modifier::REVERSED);
    }
    plain
}

/// The levels of each channel in the xterm 6x6x6 colour cube.
const CUBE_LEVELS: [u8; 6] = [0, 95, 135, 175, 215, 255];

/// The nearest colour of the xterm palette's fixed part (16-255: the colour
/// cube and the grey ramp); the first 16 are left alone because terminals
/// let users redefine them.
pub fn to_ansi256(color: Color) -> Color {
    match color {
        Color::Rgb(r, g, b) => Color::Indexed(nearest_256(r, g, b)),
        other => other,
    }
}

/// The nearest of the 16 named ANSI colours, chosen by hue so that a red
/// stays red and a grey stays grey.
pub fn to_ansi16(color: Color) -> Color {
    match color {
        Color::Rgb(r, g, b) => nearest_16(r, g, b),
        Color::Indexed(index) if index < 16 => NAMED[usize::from(index)],
        Color::Indexed(index) => {
            let (r, g, b) = rgb_of_index(index);
            nearest_16(r, g, b)
        }
        other => other,
    }
}

/// The 16 named colours in index order.
const NAMED: [Color; 16] = [
    Color::Black,
    Color::Red,
    Color::Green,
    Color::Yellow,
    Color::Blue,
    Color::Magenta,
    Color::Cyan,
    Color::Gray,
    Color::DarkGray,
    Color::LightRed,
    Color::LightGreen,
    Color::LightYellow,
    Color::LightBlue,
    Color::LightMagenta,
    Color::LightCyan,
    Color::White,
];

fn nearest_level(channel: u8) -> usize {
    CUBE_LEVELS
        .iter()
        .enumerate()
        .min_by_key(|(_, level)| channel.abs_diff(**level))
        .map_or(0, |(i, _)| i)
}

fn distance(a: (u8, u8, u8), b: (u8, u8, u8)) -> u32 {
    let d = |x: u8, y: u8| u32::from(x.abs_diff(y)).pow(2);
    // Weighted towards green, as the eye is.
    2 * d(a.0, b.0) + 4 * d(a.1, b.1) + 3 * d(a.2, b.2)
}

fn nearest_256(r: u8, g: u8, b: u8) -> u8 {
    let (ri, gi, bi) = (nearest_level(r), nearest_level(g), nearest_level(b));
    let cube = (CUBE_LEVELS[ri], CUBE_LEVELS[gi], CUBE_LEVELS[bi]);
    // 16 + 36r + 6g + b is at most 231.
    let cube_index = (16 + 36 * ri + 6 * gi + bi) as u8;
    let average = (u16::from(r) + u16::from(g) + u16::from(b)) / 3;
    let grey_step = (average.saturating_sub(3) / 10).min(23) as u8;
    let grey_level = 8 + 10 * grey_step;
    let grey = (grey_level, grey_level, grey_level);
    if distance((r, g, b), grey) < distance((r, g, b), cube) {
        232 + grey_step
    } else {
        cube_index
    }
}

fn rgb_of_index(index: u8) -> (u8, u8, u8) {
    match index {
        16..=231 => {
            let i = usize::from(index - 16);
            (
                CUBE_LEVELS[i / 36],
                CUBE_LEVELS[(i / 6) % 6],
                CUBE_LEVELS[i % 6],
            )
        }
        232..=255 => {
            let level = 8 + 10 * (index - 232);
            (level, level, level)
        }
        // The usual xterm defaults of the first 16; only reached for them.
        _ => [
            (0, 0, 0),
            (205, 0, 0),
            (0, 205, 0),
            (205, 205, 0),
            (0, 0, 238),
            (205, 0, 205),
            (0, 205, 205),
            (229, 229, 229),
            (127, 127, 127),
            (255, 0, 0),
            (0, 255, 0),
            (255, 255, 0),
            (92, 92, 255),
            (255, 0, 255),
            (0, 255, 255),
            (255, 255, 255),
        ][usize::from(index)],
    }
}

fn nearest_16(r: u8, g: u8, b: u8) -> Color {
    let max = r.max(g).max(b);
    let min = r.min(g).min(b);
    if max - min < 48 {
        let luma = (299 * u32::from(r) + 587 * u32::from(g) + 114 * u32::from(b)) / 1000;
        return match luma {
            0..48 => Color::Black,
            48..150 => Color::DarkGray,
            150..230 => Color::Gray,
            _ => Color::White,
        };
    }
    let lightness = (u16::from(max) + u16::from(min)) / 2;
    let bright = lightness >= 140 || max >= 240;
    let (normal, light) = match hue_degrees(r, g, b) {
        h if !(20..330).contains(&h) => (Color::Red, Color::LightRed),
        20..70 => (Color::Yellow, Color::LightYellow),
        70..165 => (Color::Green, Color::LightGreen),
        165..200 => (Color::Cyan, Color::LightCyan),
        200..260 => (Color::Blue, Color::LightBlue),
        _ => (Color::Magenta, Color::LightMagenta),
    };
    if bright { light } else { normal }
}

/// The hue of a colour in degrees, 0..360 (0 for greys).
fn hue_degrees(r: u8, g: u8, b: u8) -> u16 {
    let max = r.max(g).max(b);
    let chroma = f32::from(max - r.min(g).min(b));
    if chroma == 0.0 {
        return 0;
    }
    let (rf, gf, bf) = (f32::from(r), f32::from(g), f32::from(b));
    let sector = if r == max {
        ((gf - bf) / chroma).rem_euclid(6.0)
    } else if g == max {
        (bf - rf) / chroma + 2.0
    } else {
        (rf - gf) / chroma + 4.0
    };
    // In 0..=360 by construction, so the cast cannot truncate.
    ((sector * 60.0).round() as u16) % 360
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env<'a>(vars: &'a [(&'a str, &'a str)]) -> impl Fn(&str) -> Option<String> + 'a {
        move |key| {
            vars.iter()
                .find(|(k, _)| *k == key)
                .map(|(_, v)| (*v).to_owned())
        }
    }

    #[test]
    fn depth_follows_the_environment_in_order() {
        let cases: [(&[(&str, &str)], ColorDepth); 7] = [
            (
                &[("NO_COLOR", "1"), ("COLORTERM", "truecolor")],
                ColorDepth::Mono,
            ),
            (
                &[("NO_COLOR", ""), ("COLORTERM", "truecolor")],
                ColorDepth::TrueColor,
            ),
            (
                &[("COLORTERM", "24bit"), ("TERM", "xterm")],
                ColorDepth::TrueColor,
            ),
            (&[("TERM", "tmux-256color")], ColorDepth::Ansi256),
            (&[("TERM", "dumb")], ColorDepth::Mono),
            (&[("TERM", "linux")], ColorDepth::Ansi16),
            (&[], ColorDepth::Ansi16),
        ];
        for (vars, expected) in cases {
            assert_eq!(detect_color_depth(&env(vars)), expected, "{vars:?}");
        }
    }

    #[test]
    fn reds_stay_red_and_greys_stay_grey_in_16_colours() {
        assert_eq!(to_ansi16(Color::Rgb(0xe0, 0x6c, 0x75)), Color::LightRed);
        assert_eq!(to_ansi16(Color::Rgb(0xca, 0x12, 0x43)), Color::Red);
        assert_eq!(to_ansi16(Color::Rgb(0x98, 0xc3, 0x79)), Color::LightGreen);
        assert_eq!(to_ansi16(Color::Rgb(0x61, 0xaf, 0xef)), Color::LightBlue);
        assert_eq!(to_ansi16(Color::Rgb(0x80, 0x80, 0x80)), Color::DarkGray);
        assert_eq!(to_ansi16(Color::Rgb(0, 0, 0)), Color::Black);
        assert_eq!(to_ansi16(Color::Indexed(9)), Color::LightRed);
        assert_eq!(to_ansi16(Color::Indexed(196)), Color::LightRed);
    }

    #[test]
    fn the_256_mapping_lands_on_exact_cube_and_grey_colours() {
        assert_eq!(to_ansi256(Color::Rgb(255, 0, 0)), Color::Indexed(196));
        assert_eq!(to_ansi256(Color::Rgb(0, 0, 0)), Color::Indexed(16));
        assert_eq!(
            to_ansi256(Color::Rgb(0x80, 0x80, 0x80)),
            Color::Indexed(244)
        );
        assert_eq!(to_ansi256(Color::Red), Color::Red);
        for index in 16..=255u8 {
            let (r, g, b) = rgb_of_index(index);
            assert_eq!(
                to_ansi256(Color::Rgb(r, g, b)),
                Color::Indexed(index),
                "{index}"
            );
        }
    }

    #[test]
    fn syntax_theme_names_carry_the_depth() {
        assert_eq!(
            syntax_theme_for("InspiredGitHub", ColorDepth::Ansi256),
            "InspiredGitHub:ansi256"
        );
        assert_eq!(
            syntax_theme_for("InspiredGitHub:ansi256", ColorDepth::Ansi16),
            "InspiredGitHub:ansi16"
        );
        assert_eq!(
            syntax_theme_for("InspiredGitHub:ansi16", ColorDepth::TrueColor),
            "InspiredGitHub"
        );
        assert_eq!(
            syntax_theme_for("base16-ocean.dark", ColorDepth::Mono),
            "none"
        );
        assert_eq!(
            ColorDepth::split_syntax_theme("Solarized (dark):ansi16"),
            ("Solarized (dark)", ColorDepth::Ansi16)
        );
    }
}
