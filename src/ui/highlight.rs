//! Syntax highlighting of proposal payloads, cached and off the UI path.
//!
//! The view never highlights. It shows [`plain_lines`](crate::model::highlight::plain_lines) of a payload and asks
//! the [`Highlighter`] (a worker thread owning syntect's syntax and theme
//! sets) for the highlighted version, keyed by [`HighlightKey`](crate::model::highlight::HighlightKey). The worker
//! answers twice for anything longer than a screen: first the top screen
//! highlighted (`complete: false`), then the whole (`complete: true`). The
//! console keeps the answers in a [`HighlightCache`](crate::model::highlight::HighlightCache).
//!
//! YAML is parsed with kubevigil's own compact grammar
//! (`highlight/yaml.sublime-syntax`, run by syntect with the same scopes as
//! syntect's YAML grammar, so themes colour it the same way, but about five
//! times faster); JSON, diffs and shell use syntect's grammars.
//!
//! Text given to the highlighter must already be sanitized (escape sequences
//! and control characters removed, secrets redacted, invisible characters
//! revealed) by the caller: highlighting only adds colour, it never cleans.
//!
//! Pathological payloads are shown plain: more than
//! [`HighlightLimits::max_lines`] lines, a line longer than
//! [`HighlightLimits::max_line_chars`] characters, or a payload whose
//! highlighting overruns [`HighlightLimits::budget`] (the lines not yet
//! highlighted by then stay plain).

mod engine;
mod worker;

pub use engine::{HighlightEngine, HighlightLimits};
pub use worker::Highlighter;
