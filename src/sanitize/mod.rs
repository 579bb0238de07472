//! Untrusted text to terminal-safe text.
//!
//! Everything an agent writes (reasoning lines, tool output, proposal payloads)
//! is untrusted. Before any of it reaches the terminal:
//!
//! - [`sanitize`] removes escape sequences and control characters, so an agent
//!   cannot clear the screen, retitle the window, write the clipboard (OSC 52)
//!   or forge console UI;
//! - [`Redactor::redact`] replaces likely secrets with `[REDACTED:<kind>]`;
//! - [`reveal_invisible`] makes bidi controls and zero-width characters
//!   visible as `⟨U+202E⟩`, for text an operator approves, so what they read
//!   is what would run.
//!
//! [`clean`] is `sanitize` followed by `redact`: use it for every event line.
//! For text under review, use `reveal_invisible(&clean(line, redactor))` on
//! each line.

mod controls;
mod invisible;
mod redact;

#[cfg(test)]
mod properties;

pub use controls::{TAB_WIDTH, sanitize};
pub use invisible::{has_invisible, is_invisible, reveal_invisible};
pub use redact::{RedactError, Redactor};

/// Sanitizes `input` ([`sanitize`]) and then redacts likely secrets from it
/// ([`Redactor::redact`]). Redaction runs second so an escape sequence cannot
/// split a secret and hide it from the patterns.
pub fn clean(input: &str, redactor: &Redactor) -> String {
    let safe = sanitize(input);
    redactor.redact(&safe).into_owned()
}
