//! Syntax highlighting of proposal payloads, cached and off the UI path.
//!
//! The view never highlights. It shows [`plain_lines`] of a payload and asks
//! the [`Highlighter`] (a worker thread owning syntect's syntax and theme
//! sets) for the highlighted version, keyed by [`HighlightKey`]. The worker
//! answers twice for anything longer than a screen: first the top screen
//! highlighted (`complete: false`), then the whole (`complete: true`). The
//! console keeps the answers in a [`HighlightCache`].
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

mod cache;
mod detect;
mod engine;
mod worker;

pub use cache::HighlightCache;
pub use detect::detect_syntax;
pub use engine::{HighlightEngine, HighlightLimits};
pub use worker::Highlighter;

use ratatui::text::Line;
use std::collections::hash_map::RandomState;
use std::hash::BuildHasher;
use std::sync::{Arc, OnceLock};

/// The language of a payload.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Syntax {
    /// YAML (manifests, merge patches written as YAML).
    Yaml,
    /// JSON (patches, dry-run results).
    Json,
    /// A unified diff (previews).
    Diff,
    /// A shell command (exec actions).
    Shell,
    /// Anything else: shown without colour.
    #[default]
    Plain,
}

impl Syntax {
    /// A short name for titles: `yaml`, `json`, `diff`, `shell`, `text`.
    pub fn label(self) -> &'static str {
        match self {
            Syntax::Yaml => "yaml",
            Syntax::Json => "json",
            Syntax::Diff => "diff",
            Syntax::Shell => "shell",
            Syntax::Plain => "text",
        }
    }
}

/// Identifies one payload in one language: the cache key.
///
/// The content hash is keyed with a random per-process secret, so an agent
/// cannot craft two payloads that collide and make the console show the
/// highlighted text of one in place of the other.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub struct HighlightKey {
    /// A keyed hash of the text.
    pub content_hash: u64,
    /// The language it is highlighted as.
    pub syntax: Syntax,
}

impl HighlightKey {
    /// The key of `text` highlighted as `syntax`.
    pub fn of(text: &str, syntax: Syntax) -> HighlightKey {
        static HASH_STATE: OnceLock<RandomState> = OnceLock::new();
        let state = HASH_STATE.get_or_init(RandomState::new);
        HighlightKey {
            content_hash: state.hash_one(text),
            syntax,
        }
    }
}

/// What the highlighter sends back for one request.
#[derive(Debug, Clone, PartialEq)]
pub struct HighlightResult {
    /// The request's key.
    pub key: HighlightKey,
    /// Every line of the payload, one `Line` per text line. In a partial
    /// result the lines past the first screen are still plain.
    pub lines: Arc<Vec<Line<'static>>>,
    /// `false` for the early first-screen result, `true` for the final one.
    pub complete: bool,
}

/// `text` as unstyled lines: what the view shows until the highlight arrives.
pub fn plain_lines(text: &str) -> Vec<Line<'static>> {
    text.lines()
        .map(|line| Line::raw(line.to_owned()))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_differ_by_text_and_by_syntax() {
        let yaml = HighlightKey::of("a: 1", Syntax::Yaml);
        assert_eq!(yaml, HighlightKey::of("a: 1", Syntax::Yaml));
        assert_ne!(yaml, HighlightKey::of("a: 2", Syntax::Yaml));
        assert_ne!(yaml, HighlightKey::of("a: 1", Syntax::Plain));
    }

    #[test]
    fn plain_lines_keep_every_line_and_no_style() {
        let lines = plain_lines("one\n\nthree\n");
        assert_eq!(lines.len(), 3);
        assert_eq!(lines[2].to_string(), "three");
        assert!(
            lines
                .iter()
                .all(|l| l.style == ratatui::style::Style::default())
        );
    }
}
