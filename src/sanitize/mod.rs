//! Untrusted text to terminal-safe text.
//!
//! Everything an agent writes (reasoning lines, tool output, proposal payloads)
//! is untrusted. Before any of it reaches the terminal:
//!
//! - [`sanitize`] removes escape sequences and control characters, so an agent
//!   cannot clear the screen, retitle the window, write the clipboard (OSC 52)
//!   or forge console UI, and shows every character the terminal would join
//!   or place differently (bidi controls, zero-width characters, joiners,
//!   variation selectors, modifiers) as `⟨U+202E⟩`, so the console's grid
//!   and the terminal's agree cell for cell in every view;
//! - [`Redactor::redact`] replaces likely secrets with `[REDACTED:<kind>]`;
//! - [`reveal_invisible`] makes bidi controls and zero-width characters
//!   visible as `⟨U+202E⟩`, for text an operator approves, so what they read
//!   is what would run.
//!
//! [`clean`] is `sanitize` followed by `redact`: use it for every event line.
//! For text under review, use `reveal_invisible(&clean(line, redactor))` on
//! each line.

mod controls;
mod file_name;
mod invisible;
mod redact;
mod width;

#[cfg(test)]
mod properties;

pub use controls::{TAB_WIDTH, strip_controls};
pub use file_name::file_name_part;
pub use invisible::{has_invisible, is_invisible, reveal_invisible};
pub use redact::{RedactError, Redactor};
pub use width::{is_shown_as_code, width_true};

/// Makes untrusted text safe and width-true for a terminal: escape
/// sequences and control characters removed, tabs expanded and line breaks
/// made spaces ([`strip_controls`]), then every character a terminal would
/// join or place differently from ratatui shown as `⟨U+XXXX⟩`
/// ([`width_true`]): bidi controls, zero-width characters and joiners,
/// variation selectors, emoji modifiers, regional indicators and combining
/// marks with nothing to sit on. Text without any of these (the common
/// case) is returned borrowed. `sanitize(sanitize(x)) == sanitize(x)`.
pub fn sanitize(input: &str) -> std::borrow::Cow<'_, str> {
    match strip_controls(input) {
        std::borrow::Cow::Borrowed(text) => width_true(text),
        std::borrow::Cow::Owned(text) => std::borrow::Cow::Owned(width_true(&text).into_owned()),
    }
}

/// Sanitizes `input` ([`sanitize`]) and then redacts likely secrets from it
/// ([`Redactor::redact`]). Redaction runs second so an escape sequence cannot
/// split a secret and hide it from the patterns.
pub fn clean(input: &str, redactor: &Redactor) -> String {
    let safe = sanitize(input);
    redactor.redact(&safe).into_owned()
}
