//! The terminal's background, light or dark, and the theme `auto` picks for it.

use crate::config::AUTO_THEME;

/// Whether the terminal draws on a light or a dark background (as the
/// terminal answered when asked, OSC 11).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Background {
    /// Light text on a dark background.
    Dark,
    /// Dark text on a light background.
    Light,
}

impl Background {
    /// The background of a colour with these 8-bit channels: light when its
    /// perceived lightness (CIE L*, from the sRGB luminance) is above half.
    pub fn of_rgb(red: u8, green: u8, blue: u8) -> Background {
        let linear = |channel: u8| {
            let c = f64::from(channel) / 255.0;
            if c <= 0.04045 {
                c / 12.92
            } else {
                ((c + 0.055) / 1.055).powf(2.4)
            }
        };
        let luminance = 0.2126 * linear(red) + 0.7152 * linear(green) + 0.0722 * linear(blue);
        let lightness = if luminance <= 216.0 / 24389.0 {
            luminance * 24389.0 / 27.0
        } else {
            luminance.cbrt() * 116.0 - 16.0
        };
        if lightness > 50.0 {
            Background::Light
        } else {
            Background::Dark
        }
    }

    /// The theme to load for the configured `theme` name: `auto` becomes
    /// `light` on a light background and `dark` otherwise (also when the
    /// terminal did not say); any other name is kept.
    pub fn theme_name(configured: &str, background: Option<Background>) -> &str {
        if configured != AUTO_THEME {
            return configured;
        }
        match background {
            Some(Background::Light) => "light",
            Some(Background::Dark) | None => "dark",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Background;

    #[test]
    fn white_and_solarized_light_are_light_black_and_solarized_dark_are_dark() {
        assert_eq!(Background::of_rgb(255, 255, 255), Background::Light);
        assert_eq!(Background::of_rgb(0xfd, 0xf6, 0xe3), Background::Light);
        assert_eq!(Background::of_rgb(0, 0, 0), Background::Dark);
        assert_eq!(Background::of_rgb(0x00, 0x2b, 0x36), Background::Dark);
        // Mid grey sits just above half lightness (L* 53.6).
        assert_eq!(Background::of_rgb(128, 128, 128), Background::Light);
        assert_eq!(Background::of_rgb(100, 100, 100), Background::Dark);
    }

    #[test]
    fn auto_follows_the_background_and_a_named_theme_never_does() {
        assert_eq!(
            Background::theme_name("auto", Some(Background::Light)),
            "light"
        );
        assert_eq!(
            Background::theme_name("auto", Some(Background::Dark)),
            "dark"
        );
        assert_eq!(Background::theme_name("auto", None), "dark");
        assert_eq!(
            Background::theme_name("mono", Some(Background::Light)),
            "mono"
        );
    }
}
