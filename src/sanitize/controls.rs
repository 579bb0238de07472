//! Removal of terminal escape sequences and control characters.
//!
//! Decisions, for one event line rendered on one terminal row:
//! - Tabs expand to the next multiple of [`TAB_WIDTH`] display columns,
//!   counted from the start of the text, so tab-separated tool output stays
//!   aligned.
//! - Line breaks inside the line (LF, CR, CRLF, VT, FF, NEL, U+2028, U+2029)
//!   each become one space: a CR can no longer hide the start of a line by
//!   returning the cursor over it.
//! - Escape sequences are removed whole: CSI (7-bit `ESC [` and 8-bit U+009B)
//!   with its parameters; OSC, DCS, SOS, PM and APC strings up to BEL, ST
//!   (`ESC \` or U+009C), CAN or SUB, or the end of the text when
//!   unterminated; `ESC` with intermediates and a final byte (such as
//!   `ESC ( B` or `ESC # 8`); two-character escapes (`ESC c`, `ESC 7`...).
//! - Every other C0 control, DEL and C1 control (U+0080..U+009F) is dropped.

use std::borrow::Cow;
use std::iter::Peekable;
use std::str::Chars;
use unicode_width::UnicodeWidthChar;

/// Tab stops are every this many display columns.
pub const TAB_WIDTH: usize = 4;

const ESC: char = '\u{1b}';
const BEL: char = '\u{07}';
const CAN: char = '\u{18}';
const SUB: char = '\u{1a}';
const CSI_8BIT: char = '\u{9b}';
const ST_8BIT: char = '\u{9c}';

/// Makes untrusted text safe to write to a terminal: strips escape sequences
/// and control characters, expands tabs and turns line breaks into spaces (see
/// the module documentation for the exact rules).
///
/// Text that needs no change (the common case: printable ASCII, or any UTF-8
/// without controls) is returned borrowed, after one scan of its bytes.
/// The result never contains a C0 control, DEL or a C1 control, and
/// `strip_controls(strip_controls(x)) == strip_controls(x)`.
pub fn strip_controls(input: &str) -> Cow<'_, str> {
    if needs_sanitizing(input.as_bytes()) {
        Cow::Owned(sanitize_slow(input))
    } else {
        Cow::Borrowed(input)
    }
}

/// Whether any byte starts a control character or a line break we rewrite.
/// C1 controls are `C2 80..=C2 9F` in UTF-8; U+2028/U+2029 are `E2 80 A8/A9`.
fn needs_sanitizing(bytes: &[u8]) -> bool {
    bytes.iter().enumerate().any(|(i, &b)| match b {
        0x00..=0x1f | 0x7f => true,
        0xc2 => matches!(bytes.get(i + 1), Some(0x80..=0x9f)),
        0xe2 => bytes.get(i + 1) == Some(&0x80) && matches!(bytes.get(i + 2), Some(0xa8 | 0xa9)),
        _ => false,
    })
}

fn sanitize_slow(input: &str) -> String {
    let mut out = String::with_capacity(input.len());
    let mut column = 0usize;
    let mut chars = input.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\t' => {
                let spaces = TAB_WIDTH - column % TAB_WIDTH;
                out.extend(std::iter::repeat_n(' ', spaces));
                column += spaces;
            }
            '\r' => {
                if chars.peek() == Some(&'\n') {
                    chars.next();
                }
                out.push(' ');
                column += 1;
            }
            '\n' | '\u{0b}' | '\u{0c}' | '\u{85}' | '\u{2028}' | '\u{2029}' => {
                out.push(' ');
                column += 1;
            }
            ESC => skip_escape(&mut chars),
            CSI_8BIT => skip_control_sequence(&mut chars),
            // DCS, SOS, OSC, PM, APC in their 8-bit forms.
            '\u{90}' | '\u{98}' | '\u{9d}' | '\u{9e}' | '\u{9f}' => skip_string(&mut chars),
            c if c.is_control() => {}
            c => {
                out.push(c);
                column += c.width().unwrap_or(0);
            }
        }
    }
    out
}

/// Consumes what follows an ESC that belongs to its sequence.
fn skip_escape(chars: &mut Peekable<Chars<'_>>) {
    match chars.peek().copied() {
        Some('[') => {
            chars.next();
            skip_control_sequence(chars);
        }
        Some(']' | 'P' | 'X' | '^' | '_') => {
            chars.next();
            skip_string(chars);
        }
        Some('\u{20}'..='\u{2f}') => {
            while chars
                .next_if(|c| ('\u{20}'..='\u{2f}').contains(c))
                .is_some()
            {}
            chars.next_if(|c| ('\u{30}'..='\u{7e}').contains(c));
        }
        Some('\u{30}'..='\u{7e}') => {
            chars.next();
        }
        // A lone ESC, or ESC before a control or non-ASCII character: drop the
        // ESC only and let the next character be judged on its own.
        _ => {}
    }
}

/// Consumes the parameters, intermediates and final byte of a CSI sequence.
/// Anything else (a control, non-ASCII) ends it without being consumed.
fn skip_control_sequence(chars: &mut Peekable<Chars<'_>>) {
    while let Some(&c) = chars.peek() {
        match c {
            '\u{20}'..='\u{3f}' => {
                chars.next();
            }
            '\u{40}'..='\u{7e}' => {
                chars.next();
                return;
            }
            _ => return,
        }
    }
}

/// Consumes a control string (OSC, DCS, SOS, PM, APC) and its terminator.
/// An ESC ends the string without being consumed, so `ESC \` (ST) or any
/// other escape after it is removed by the caller's next step.
fn skip_string(chars: &mut Peekable<Chars<'_>>) {
    while let Some(&c) = chars.peek() {
        match c {
            ESC => return,
            BEL | ST_8BIT | CAN | SUB => {
                chars.next();
                return;
            }
            _ => {
                chars.next();
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn assert_clean(input: &str, expected: &str) {
        assert_eq!(strip_controls(input), expected, "sanitizing {input:?}");
    }

    #[test]
    fn printable_text_is_borrowed_unchanged() {
        let line = "kubectl -n payments get pods -o wide | grep CrashLoop";
        assert!(matches!(strip_controls(line), Cow::Borrowed(s) if s == line));
        let unicode = "ポッドが再起動しています — naïve café ✓";
        assert!(matches!(strip_controls(unicode), Cow::Borrowed(s) if s == unicode));
    }

    #[test]
    fn screen_clear_and_cursor_home_are_removed() {
        assert_clean("\x1b[2J\x1b[Hall good", "all good");
    }

    #[test]
    fn clipboard_write_is_removed_with_its_payload() {
        assert_clean("before\x1b]52;c;SGVsbG8=\x07after", "beforeafter");
        assert_clean("a\x1b]52;c;cm0gLXJmIC8K\x1b\\b", "ab");
    }

    #[test]
    fn title_change_is_removed() {
        assert_clean("\x1b]0;pwned\x1b\\status ok", "status ok");
        assert_clean("\x1b]2;pwned\x07status ok", "status ok");
    }

    #[test]
    fn eight_bit_csi_and_osc_are_removed() {
        assert_clean("\u{9b}31mred\u{9b}0m", "red");
        assert_clean("x\u{9d}0;title\u{9c}y", "xy");
        assert_clean("x\u{90}q payload\u{9c}y", "xy");
        assert_clean("x\u{9f}apc payload\u{9c}y", "xy");
    }

    #[test]
    fn dcs_apc_pm_sos_are_removed() {
        assert_clean("a\x1bP1$r0m\x1b\\b", "ab");
        assert_clean("a\x1b_hidden\x1b\\b", "ab");
        assert_clean("a\x1b^hidden\x1b\\b", "ab");
        assert_clean("a\x1bXhidden\x1b\\b", "ab");
    }

    #[test]
    fn unterminated_string_swallows_the_rest() {
        assert_clean("ok\x1b]52;c;SGVsbG8=", "ok");
    }

    #[test]
    fn single_character_and_charset_escapes_are_removed() {
        assert_clean("a\x1bcb", "ab"); // RIS: full reset
        assert_clean("a\x1b7b\x1b8c", "abc"); // save / restore cursor
        assert_clean("a\x1b(Bb", "ab"); // designate charset
        assert_clean("a\x1b#8b", "ab"); // DECALN: fill the screen with E
        assert_clean("trailing\x1b", "trailing");
    }

    #[test]
    fn sgr_colours_are_removed_but_text_kept() {
        assert_clean("\x1b[1;31mERROR\x1b[0m: OOMKilled", "ERROR: OOMKilled");
        assert_clean("\x1b[38;2;255;0;0mred\x1b[m", "red");
    }

    #[test]
    fn carriage_return_cannot_hide_text() {
        assert_clean(
            "kubectl get pods\rrm -rf /data",
            "kubectl get pods rm -rf /data",
        );
        assert_clean("one\r\ntwo\nthree", "one two three");
        assert_clean("a\u{2028}b\u{85}c", "a b c");
    }

    #[test]
    fn backspace_and_other_controls_are_dropped() {
        assert_clean("safe\x08\x08\x08\x08evil", "safeevil");
        assert_clean("a\x00b\x7fc\u{80}d\u{81}e", "abcde");
    }

    #[test]
    fn tabs_expand_to_the_next_stop() {
        assert_clean("\tx", "    x");
        assert_clean("ab\tc", "ab  c");
        assert_clean("abcd\te", "abcd    e");
        assert_clean("NAME\tREADY\tSTATUS", "NAME    READY   STATUS");
        // Wide characters count two columns.
        assert_clean("日\tx", "日  x");
    }

    #[test]
    fn bidi_controls_are_not_this_functions_business() {
        // They are not control characters; reveal_invisible handles them.
        let line = "kubectl delete pod \u{202e}txt.galf";
        assert_clean(line, line);
    }
}
