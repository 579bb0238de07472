//! Theme files: TOML to resolved styles, with partial user files layered over
//! the built-in theme they name.

use super::{BUILTIN_THEMES, NO_SYNTAX_THEME, STYLE_KEYS, SYNTAX_THEMES, Theme, ThemeError};
use crate::config::toml_position;
use ratatui::style::{Color, Modifier, Style};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::str::FromStr;

/// One theme file as written: every part optional.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct ThemeFile {
    /// The built-in theme a partial file starts from.
    base: Option<String>,
    /// The syntect theme for highlighting.
    syntax_theme: Option<String>,
    /// Named colours.
    #[serde(default)]
    palette: BTreeMap<String, String>,
    /// Styles by key.
    #[serde(default)]
    styles: BTreeMap<String, StyleSpec>,
}

/// One style as written.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct StyleSpec {
    fg: Option<String>,
    bg: Option<String>,
    underline_color: Option<String>,
    #[serde(default)]
    modifiers: Vec<String>,
}

/// Refuses theme names that could escape the themes directory.
pub(super) fn check_name(name: &str) -> Result<(), ThemeError> {
    let acceptable = !name.is_empty()
        && !name.starts_with('.')
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
    if acceptable {
        Ok(())
    } else {
        Err(ThemeError::Invalid {
            name: name.to_owned(),
            key: "theme".to_owned(),
            reason: "a theme name may hold only letters, digits, `-`, `_` and `.`".to_owned(),
        })
    }
}

/// Compiles the theme `name` from `text`. With `default_base`, `text` is a
/// partial user file layered over its `base` (or `default_base`); without,
/// it is a complete built-in theme.
pub(super) fn compile(
    name: &str,
    text: &str,
    default_base: Option<&str>,
) -> Result<Theme, ThemeError> {
    let file = parse(name, text)?;
    check_palette(name, &file.palette)?;
    check_style_keys(name, &file.styles)?;
    let merged = match default_base {
        None => file,
        Some(default_base) => {
            let base_name = file.base.clone().unwrap_or_else(|| default_base.to_owned());
            let base_source =
                super::builtin_source(&base_name).ok_or_else(|| ThemeError::Invalid {
                    name: name.to_owned(),
                    key: "base".to_owned(),
                    reason: format!(
                        "`{base_name}` is not a built-in theme ({})",
                        BUILTIN_THEMES.join(", ")
                    ),
                })?;
            layer(parse(&base_name, base_source)?, file)
        }
    };
    resolve(name, merged)
}

fn parse(name: &str, text: &str) -> Result<ThemeFile, ThemeError> {
    toml::from_str(text).map_err(|error| {
        let (line, column) = toml_position(text, &error);
        ThemeError::Syntax {
            name: name.to_owned(),
            line,
            column,
            message: error.message().trim().to_owned(),
        }
    })
}

/// `over`'s palette entries and styles replace those of `base`, one by one.
fn layer(mut base: ThemeFile, over: ThemeFile) -> ThemeFile {
    base.palette.extend(over.palette);
    base.styles.extend(over.styles);
    if over.syntax_theme.is_some() {
        base.syntax_theme = over.syntax_theme;
    }
    base
}

fn check_palette(name: &str, palette: &BTreeMap<String, String>) -> Result<(), ThemeError> {
    for (entry, value) in palette {
        parse_color(value).map_err(|reason| ThemeError::Invalid {
            name: name.to_owned(),
            key: format!("palette.{entry}"),
            reason,
        })?;
    }
    Ok(())
}

fn check_style_keys(name: &str, styles: &BTreeMap<String, StyleSpec>) -> Result<(), ThemeError> {
    match styles
        .keys()
        .find(|key| !STYLE_KEYS.contains(&key.as_str()))
    {
        Some(unknown) => Err(ThemeError::Invalid {
            name: name.to_owned(),
            key: format!("styles.{unknown}"),
            reason: format!("unknown style (known: {})", STYLE_KEYS.join(", ")),
        }),
        None => Ok(()),
    }
}

fn resolve(name: &str, file: ThemeFile) -> Result<Theme, ThemeError> {
    let invalid = |key: String, reason: String| ThemeError::Invalid {
        name: name.to_owned(),
        key,
        reason,
    };
    let syntax_theme = file
        .syntax_theme
        .unwrap_or_else(|| NO_SYNTAX_THEME.to_owned());
    if syntax_theme != NO_SYNTAX_THEME && !SYNTAX_THEMES.contains(&syntax_theme.as_str()) {
        return Err(invalid(
            "syntax_theme".to_owned(),
            format!(
                "unknown syntax theme `{syntax_theme}` (known: {NO_SYNTAX_THEME}, {})",
                SYNTAX_THEMES.join(", ")
            ),
        ));
    }
    let mut styles = BTreeMap::new();
    for (key, spec) in &file.styles {
        let style = resolve_style(spec, &file.palette)
            .map_err(|(field, reason)| invalid(format!("styles.{key}.{field}"), reason))?;
        styles.insert(key.clone(), style);
    }
    Theme::from_styles(name, syntax_theme, &mut styles)
        .map_err(|key| invalid(format!("styles.{key}"), "missing".to_owned()))
}

/// Resolves one style; an error names the field (`fg`, `modifiers`, ...).
fn resolve_style(
    spec: &StyleSpec,
    palette: &BTreeMap<String, String>,
) -> Result<Style, (&'static str, String)> {
    let color = |field: &'static str,
                 value: &Option<String>|
     -> Result<Option<Color>, (&'static str, String)> {
        let Some(value) = value else { return Ok(None) };
        let literal = palette.get(value).unwrap_or(value);
        parse_color(literal)
            .map(Some)
            .map_err(|reason| (field, reason))
    };
    let mut style = Style {
        fg: color("fg", &spec.fg)?,
        bg: color("bg", &spec.bg)?,
        underline_color: color("underline_color", &spec.underline_color)?,
        ..Style::default()
    };
    for modifier in &spec.modifiers {
        style.add_modifier |= parse_modifier(modifier).map_err(|reason| ("modifiers", reason))?;
    }
    Ok(style)
}

/// Parses a colour literal: `#rrggbb`, an ANSI name, an index, `reset`/`default`.
pub(super) fn parse_color(value: &str) -> Result<Color, String> {
    let trimmed = value.trim();
    if trimmed.eq_ignore_ascii_case("default") {
        return Ok(Color::Reset);
    }
    Color::from_str(trimmed).map_err(|_| {
        format!(
            "`{value}` is not a colour or a palette entry (use #rrggbb, a name such as red or light-blue, 0-255, or reset)"
        )
    })
}

fn parse_modifier(value: &str) -> Result<Modifier, String> {
    Ok(
        match value.trim().to_ascii_lowercase().replace('-', "_").as_str() {
            "bold" => Modifier::BOLD,
            "dim" => Modifier::DIM,
            "italic" => Modifier::ITALIC,
            "underline" | "underlined" => Modifier::UNDERLINED,
            "reverse" | "reversed" => Modifier::REVERSED,
            "crossed_out" | "strikethrough" => Modifier::CROSSED_OUT,
            "slow_blink" | "blink" => Modifier::SLOW_BLINK,
            "rapid_blink" => Modifier::RAPID_BLINK,
            "hidden" => Modifier::HIDDEN,
            _ => {
                return Err(format!(
                    "`{value}` is not a modifier (bold, dim, italic, underlined, reversed, crossed_out, slow_blink, rapid_blink, hidden)"
                ));
            }
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn colours_parse_in_every_spelling_and_junk_is_refused() {
        assert_eq!(parse_color("#ff0000"), Ok(Color::Rgb(255, 0, 0)));
        assert_eq!(parse_color("light-red"), Ok(Color::LightRed));
        assert_eq!(parse_color("default"), Ok(Color::Reset));
        assert_eq!(parse_color("42"), Ok(Color::Indexed(42)));
        assert!(parse_color("#ff00").is_err());
        assert!(parse_color("chartreuse-ish").is_err());
    }

    #[test]
    fn unknown_modifier_is_named() {
        let error = parse_modifier("sparkly").expect_err("not a modifier");
        assert!(error.contains("sparkly"), "{error}");
    }

    #[test]
    fn names_that_could_escape_the_directory_are_refused() {
        assert!(check_name("../etc/passwd").is_err());
        assert!(check_name(".hidden").is_err());
        assert!(check_name("a/b").is_err());
        assert!(check_name("my-theme_2.v1").is_ok());
    }
}
