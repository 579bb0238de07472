//! What the console knows of syntax highlighting: the language of a payload
//! ([`Syntax`], found by [`detect_syntax`]), the key a highlighted payload is
//! kept under ([`HighlightKey`]), what the highlighter sends back
//! ([`HighlightResult`]) and the console's [`HighlightCache`] of the answers.
//! The highlighter itself (syntect, a worker thread) is `crate::ui::highlight`.

mod cache;
mod detect;

pub use cache::HighlightCache;
pub use detect::detect_syntax;

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
