//! Making invisible characters visible in text an operator approves.
//!
//! Bidi controls can make a command read differently from what runs (U+202E
//! before a reversed pod name in `kubectl delete pod`); zero-width characters
//! can make two different names look the same, or smuggle instructions past a
//! reviewer (Unicode tag characters). In proposal payloads and diffs every
//! such character is shown as `⟨U+XXXX⟩`.

use std::fmt::Write as _;

/// Whether `c` is a bidi control, a zero-width or otherwise invisible
/// formatting character that [`reveal_invisible`] makes visible.
///
/// The set: bidi controls U+061C, U+200E, U+200F, U+202A..U+202E,
/// U+2066..U+2069; zero-width U+200B..U+200D, U+2060..U+2064, U+FEFF, U+180E;
/// soft hyphen U+00AD, combining grapheme joiner U+034F, deprecated format
/// characters U+206A..U+206F, interlinear annotation U+FFF9..U+FFFB, Hangul
/// fillers U+115F, U+1160, U+3164, U+FFA0, tag characters U+E0000..U+E007F and
/// variation selectors supplement U+E0100..U+E01EF.
pub fn is_invisible(c: char) -> bool {
    matches!(
        c,
        '\u{061c}'
            | '\u{200e}'
            | '\u{200f}'
            | '\u{202a}'..='\u{202e}'
            | '\u{2066}'..='\u{2069}'
            | '\u{200b}'..='\u{200d}'
            | '\u{2060}'..='\u{2064}'
            | '\u{feff}'
            | '\u{180e}'
            | '\u{00ad}'
            | '\u{034f}'
            | '\u{206a}'..='\u{206f}'
            | '\u{fff9}'..='\u{fffb}'
            | '\u{115f}'
            | '\u{1160}'
            | '\u{3164}'
            | '\u{ffa0}'
            | '\u{e0000}'..='\u{e007f}'
            | '\u{e0100}'..='\u{e01ef}'
    )
}

/// Whether `input` holds any character [`is_invisible`] names.
pub fn has_invisible(input: &str) -> bool {
    !input.is_ascii() && input.chars().any(is_invisible)
}

/// Replaces every invisible character (see [`is_invisible`]) with a visible
/// placeholder such as `⟨U+202E⟩`; everything else is kept as it is.
pub fn reveal_invisible(input: &str) -> String {
    if !has_invisible(input) {
        return input.to_owned();
    }
    let mut out = String::with_capacity(input.len() + 16);
    for c in input.chars() {
        if is_invisible(c) {
            // Writing to a String cannot fail.
            let _ = write!(out, "⟨U+{:04X}⟩", u32::from(c));
        } else {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bidi_override_in_a_kubectl_command_is_shown() {
        // Displays as "kubectl delete pod flag.txt" in a bidi-aware terminal.
        let hostile = "kubectl delete pod \u{202e}txt.galf\u{202c}";
        assert!(has_invisible(hostile));
        assert_eq!(
            reveal_invisible(hostile),
            "kubectl delete pod ⟨U+202E⟩txt.galf⟨U+202C⟩"
        );
    }

    #[test]
    fn zero_width_characters_in_names_are_shown() {
        let lookalike = "pay\u{200b}ments";
        assert_eq!(reveal_invisible(lookalike), "pay⟨U+200B⟩ments");
        assert_eq!(reveal_invisible("\u{feff}x\u{2060}"), "⟨U+FEFF⟩x⟨U+2060⟩");
        assert_eq!(reveal_invisible("a\u{180e}b"), "a⟨U+180E⟩b");
    }

    #[test]
    fn every_listed_bidi_control_is_revealed() {
        let controls = [
            '\u{202a}', '\u{202b}', '\u{202c}', '\u{202d}', '\u{202e}', '\u{2066}', '\u{2067}',
            '\u{2068}', '\u{2069}', '\u{200e}', '\u{200f}', '\u{061c}', '\u{200b}', '\u{200c}',
            '\u{200d}', '\u{2060}', '\u{feff}', '\u{180e}',
        ];
        for c in controls {
            let revealed = reveal_invisible(&c.to_string());
            assert_eq!(revealed, format!("⟨U+{:04X}⟩", u32::from(c)));
        }
    }

    #[test]
    fn tag_characters_smuggling_text_are_shown() {
        // "hi" written in Unicode tag characters, invisible in most fonts.
        let smuggled = "ok\u{e0068}\u{e0069}";
        assert_eq!(reveal_invisible(smuggled), "ok⟨U+E0068⟩⟨U+E0069⟩");
    }

    #[test]
    fn ordinary_text_is_unchanged() {
        for text in ["replicas: 3", "mémoire — 内存 ✓", "שלום עולם", ""] {
            assert!(!has_invisible(text));
            assert_eq!(reveal_invisible(text), text);
        }
    }
}
