//! Width-true text: what ratatui counts and what the terminal draws agree.
//!
//! ratatui places text by grapheme cluster and the width tables of
//! `unicode-width`; a terminal places it code point by code point with its
//! own tables. They agree on ordinary characters, wide CJK and a letter
//! followed by combining marks, and disagree on everything that joins or
//! modifies: zero-width joiner sequences (👩‍🔬), variation selectors (❤️),
//! skin-tone modifiers, regional-indicator pairs (flags), a combining mark
//! with no letter before it. Where they disagree, the grid the console keeps
//! and the grid the terminal shows drift by a column, which leaves stale
//! cells and splits words. So [`width_true`] shows every such character as
//! `⟨U+XXXX⟩`, as proposal views show bidi controls, and keeps the rest.

use super::invisible::is_invisible;
use std::borrow::Cow;
use std::fmt::Write as _;
use unicode_width::UnicodeWidthChar;

/// Whether `c` is shown as `⟨U+XXXX⟩` wherever it stands: invisible
/// formatting characters (bidi, zero-width, joiners, tags; see
/// [`is_invisible`]), variation selectors, emoji modifiers and regional
/// indicators, and the Hangul jamo that terminals and width tables join
/// differently.
pub fn is_shown_as_code(c: char) -> bool {
    is_invisible(c)
        || matches!(
            c,
            '\u{fe00}'..='\u{fe0f}'
                | '\u{1f3fb}'..='\u{1f3ff}'
                | '\u{1f1e6}'..='\u{1f1ff}'
                | '\u{1160}'..='\u{11ff}'
                | '\u{d7b0}'..='\u{d7ff}'
                | '\u{20e3}'
        )
}

/// `input` with every character terminals and ratatui would place
/// differently shown as `⟨U+XXXX⟩` (see the module documentation). A
/// combining mark is kept when it follows a character it can sit on, and
/// shown when it has none. Control characters are not this function's
/// business: it runs after [`super::sanitize`] has removed them.
pub fn width_true(input: &str) -> Cow<'_, str> {
    if input.is_ascii() || !input.chars().any(needs_care) {
        return Cow::Borrowed(input);
    }
    let mut out = String::with_capacity(input.len() + 16);
    let mut has_base = false;
    for c in input.chars() {
        if is_shown_as_code(c) {
            let _ = write!(out, "⟨U+{:04X}⟩", u32::from(c));
            has_base = true;
        } else if c.width() == Some(0) {
            if has_base {
                out.push(c);
            } else {
                let _ = write!(out, "⟨U+{:04X}⟩", u32::from(c));
                has_base = true;
            }
        } else {
            out.push(c);
            has_base = c != ' ';
        }
    }
    if out == input {
        Cow::Borrowed(input)
    } else {
        Cow::Owned(out)
    }
}

fn needs_care(c: char) -> bool {
    is_shown_as_code(c) || c.width() == Some(0)
}
