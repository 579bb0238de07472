//! Key specs as written in the config file: `a`, `G`, `ctrl-a`, `shift-tab`,
//! `f1`, `enter`, `esc`.

use crossterm::event::{KeyCode, KeyModifiers};

/// Parses a key spec: optional modifiers (`ctrl`, `alt`, `shift`, joined
/// with `-` or `+`) and a key: one character, `f1`-`f24`, or a name (`enter`,
/// `esc`, `tab`, `backtab`, `space`, `backspace`, `delete`, `insert`, `up`,
/// `down`, `left`, `right`, `home`, `end`, `pageup`/`pgup`,
/// `pagedown`/`pgdn`, `minus`, `plus`). `shift-tab` is `BackTab`; `shift-a`
/// is `A`. The error names the part that is wrong.
pub fn parse_key_spec(spec: &str) -> Result<(KeyCode, KeyModifiers), String> {
    let trimmed = spec.trim();
    if trimmed.is_empty() {
        return Err("empty key".to_owned());
    }
    let (modifier_part, key) = split_key(trimmed);
    let mut modifiers = KeyModifiers::NONE;
    for part in modifier_part.split(['-', '+']).filter(|p| !p.is_empty()) {
        modifiers |= match part.to_ascii_lowercase().as_str() {
            "ctrl" | "control" => KeyModifiers::CONTROL,
            "alt" | "meta" => KeyModifiers::ALT,
            "shift" => KeyModifiers::SHIFT,
            other => return Err(format!("unknown modifier `{other}` in `{spec}`")),
        };
    }
    let code = key_name(key).ok_or_else(|| format!("unknown key `{key}` in `{spec}`"))?;
    Ok(normalise(code, modifiers))
}

/// Splits `ctrl-alt-x` into (`ctrl-alt-`, `x`); a trailing `-` or `+` is the
/// key itself (`ctrl--` is ctrl and minus).
fn split_key(spec: &str) -> (&str, &str) {
    let body = spec.get(..spec.len().saturating_sub(1)).unwrap_or("");
    match body.rfind(['-', '+']) {
        Some(i) => (&spec[..i], &spec[i + 1..]),
        None => ("", spec),
    }
}

fn key_name(key: &str) -> Option<KeyCode> {
    let mut chars = key.chars();
    if let (Some(c), None) = (chars.next(), chars.next()) {
        return Some(KeyCode::Char(c));
    }
    let lower = key.to_ascii_lowercase();
    if let Some(number) = lower.strip_prefix('f').and_then(|n| n.parse::<u8>().ok()) {
        return (1..=24).contains(&number).then_some(KeyCode::F(number));
    }
    Some(match lower.as_str() {
        "enter" | "return" | "cr" => KeyCode::Enter,
        "esc" | "escape" => KeyCode::Esc,
        "tab" => KeyCode::Tab,
        "backtab" => KeyCode::BackTab,
        "space" => KeyCode::Char(' '),
        "backspace" | "bs" => KeyCode::Backspace,
        "delete" | "del" => KeyCode::Delete,
        "insert" | "ins" => KeyCode::Insert,
        "up" => KeyCode::Up,
        "down" => KeyCode::Down,
        "left" => KeyCode::Left,
        "right" => KeyCode::Right,
        "home" => KeyCode::Home,
        "end" => KeyCode::End,
        "pageup" | "pgup" => KeyCode::PageUp,
        "pagedown" | "pgdn" => KeyCode::PageDown,
        "minus" => KeyCode::Char('-'),
        "plus" => KeyCode::Char('+'),
        _ => return None,
    })
}

/// Folds shift into the key: `shift-a` is `A`, `shift-tab` is `BackTab`.
fn normalise(code: KeyCode, mut modifiers: KeyModifiers) -> (KeyCode, KeyModifiers) {
    let code = match code {
        KeyCode::Char(c) if modifiers.contains(KeyModifiers::SHIFT) => {
            KeyCode::Char(c.to_ascii_uppercase())
        }
        KeyCode::Tab if modifiers.contains(KeyModifiers::SHIFT) => KeyCode::BackTab,
        other => other,
    };
    if matches!(code, KeyCode::Char(_) | KeyCode::BackTab) {
        modifiers.remove(KeyModifiers::SHIFT);
    }
    (code, modifiers)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parsed(spec: &str) -> (KeyCode, KeyModifiers) {
        parse_key_spec(spec).unwrap_or_else(|e| panic!("{spec}: {e}"))
    }

    #[test]
    fn the_documented_specs_parse() {
        assert_eq!(
            parsed("ctrl-a"),
            (KeyCode::Char('a'), KeyModifiers::CONTROL)
        );
        assert_eq!(parsed("a"), (KeyCode::Char('a'), KeyModifiers::NONE));
        assert_eq!(parsed("shift-tab"), (KeyCode::BackTab, KeyModifiers::NONE));
        assert_eq!(parsed("f1"), (KeyCode::F(1), KeyModifiers::NONE));
        assert_eq!(parsed("enter"), (KeyCode::Enter, KeyModifiers::NONE));
        assert_eq!(parsed("esc"), (KeyCode::Esc, KeyModifiers::NONE));
        assert_eq!(
            parsed("Ctrl+Alt+Delete"),
            (KeyCode::Delete, KeyModifiers::CONTROL | KeyModifiers::ALT)
        );
    }

    #[test]
    fn shift_folds_into_the_character_and_dash_is_a_key() {
        assert_eq!(parsed("shift-g"), parsed("G"));
        assert_eq!(parsed("-"), (KeyCode::Char('-'), KeyModifiers::NONE));
        assert_eq!(
            parsed("ctrl--"),
            (KeyCode::Char('-'), KeyModifiers::CONTROL)
        );
        assert_eq!(parsed("alt-+"), (KeyCode::Char('+'), KeyModifiers::ALT));
    }

    #[test]
    fn bad_specs_name_the_wrong_part() {
        let error = parse_key_spec("hyper-x").expect_err("unknown modifier");
        assert!(error.contains("hyper"), "{error}");
        let error = parse_key_spec("ctrl-banana").expect_err("unknown key");
        assert!(error.contains("banana"), "{error}");
        assert!(parse_key_spec("f25").is_err());
        assert!(parse_key_spec("  ").is_err());
    }
}
