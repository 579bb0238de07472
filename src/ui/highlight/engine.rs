//! The synchronous highlighting core the worker runs: syntect's sets loaded
//! once, text in, styled lines out.
//!
//! It is public for benches and tests; the console uses it only through
//! [`Highlighter`](super::Highlighter). Never call it on the UI thread.

use crate::config::theme::{ColorDepth, NO_SYNTAX_THEME, to_ansi16, to_ansi256};
use crate::model::highlight::{Syntax, plain_lines};
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use std::time::{Duration, Instant};
use syntect::easy::HighlightLines;
use syntect::highlighting::{FontStyle, Theme as SyntectTheme, ThemeSet};
use syntect::parsing::{SyntaxDefinition, SyntaxReference, SyntaxSet, SyntaxSetBuilder};
use syntect::util::LinesWithEndings;

/// kubevigil's own YAML grammar: the scopes of syntect's, at a tenth of the cost.
const FAST_YAML_GRAMMAR: &str = include_str!("yaml.sublime-syntax");

/// The syntect theme used when a theme names one syntect does not have.
const FALLBACK_SYNTAX_THEME: &str = "base16-ocean.dark";

/// How often (in lines) the time budget is checked.
const BUDGET_CHECK_EVERY: usize = 16;

/// When to give up and show a payload plain.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HighlightLimits {
    /// Payloads with more lines than this are shown plain (default 20,000).
    pub max_lines: usize,
    /// Payloads with a line longer than this many characters are shown
    /// plain (default 4,000).
    pub max_line_chars: usize,
    /// Time allowed to highlight one payload; lines not reached by then stay
    /// plain (default 200 ms).
    pub budget: Duration,
    /// How many lines the early first-screen result holds (default 60).
    pub first_screen_lines: usize,
}

impl Default for HighlightLimits {
    fn default() -> Self {
        HighlightLimits {
            max_lines: 20_000,
            max_line_chars: 4_000,
            budget: Duration::from_millis(200),
            first_screen_lines: 60,
        }
    }
}

/// syntect's syntaxes and one theme, ready to highlight.
#[derive(Debug)]
pub struct HighlightEngine {
    syntaxes: SyntaxSet,
    fast_yaml: Option<SyntaxSet>,
    theme: Option<SyntectTheme>,
    depth: ColorDepth,
}

impl HighlightEngine {
    /// Loads syntect's default syntaxes and the theme named by
    /// `syntax_theme` (as in [`Theme::syntax_theme`](crate::config::theme::Theme::syntax_theme),
    /// with an optional `:ansi256`/`:ansi16` suffix; `none` for no colour),
    /// and compiles the payload languages once so the first request is fast.
    /// Takes tens of milliseconds.
    pub fn load(syntax_theme: &str) -> HighlightEngine {
        let (name, depth) = ColorDepth::split_syntax_theme(syntax_theme);
        let theme = (name != NO_SYNTAX_THEME).then(|| {
            let mut themes = ThemeSet::load_defaults().themes;
            let wanted = themes.remove(name);
            wanted.or_else(|| themes.remove(FALLBACK_SYNTAX_THEME))
        });
        let engine = HighlightEngine {
            syntaxes: SyntaxSet::load_defaults_newlines(),
            fast_yaml: fast_yaml_syntaxes(),
            theme: theme.flatten(),
            depth,
        };
        engine.warm_up();
        engine
    }

    /// Highlights `text` as `syntax`: one `Line` per text line. When the text
    /// is longer than a screen, `on_first_screen` is called once with the
    /// first screen highlighted and the rest still plain. Pathological
    /// payloads come back plain (see [`HighlightLimits`]).
    pub fn highlight(
        &self,
        text: &str,
        syntax: Syntax,
        limits: &HighlightLimits,
        on_first_screen: &mut dyn FnMut(Vec<Line<'static>>),
    ) -> Vec<Line<'static>> {
        let Some(line_count) = acceptable_line_count(text, limits) else {
            return plain_lines(text);
        };
        let Some(theme) = &self.theme else {
            return plain_lines(text);
        };
        let Some((syntaxes, reference)) = self.syntax_reference(syntax) else {
            return match syntax {
                Syntax::Diff => simple_diff_lines(text),
                _ => plain_lines(text),
            };
        };
        let started = Instant::now();
        let mut highlighter = HighlightLines::new(reference, theme);
        let mut lines = Vec::with_capacity(line_count);
        for (index, line) in LinesWithEndings::from(text).enumerate() {
            if index == limits.first_screen_lines && index < line_count {
                on_first_screen(with_plain_rest(&lines, text, index));
            }
            let over_budget = index % BUDGET_CHECK_EVERY == 0 && started.elapsed() > limits.budget;
            let regions = if over_budget {
                None
            } else {
                highlighter.highlight_line(line, syntaxes).ok()
            };
            match regions {
                Some(regions) => lines.push(self.styled_line(&regions)),
                None => return with_plain_rest(&lines, text, index),
            }
        }
        lines
    }

    /// Whether YAML uses kubevigil's fast grammar (it always should; the
    /// stock grammar is the fallback if it failed to load).
    pub fn has_fast_yaml(&self) -> bool {
        self.fast_yaml.is_some()
    }

    /// The syntax set and grammar for `syntax`.
    fn syntax_reference(&self, syntax: Syntax) -> Option<(&SyntaxSet, &SyntaxReference)> {
        if let (Syntax::Yaml, Some(fast)) = (syntax, &self.fast_yaml) {
            return fast.syntaxes().first().map(|reference| (fast, reference));
        }
        let extension = match syntax {
            Syntax::Yaml => "yaml",
            Syntax::Json => "json",
            Syntax::Diff => "diff",
            Syntax::Shell => "sh",
            Syntax::Plain => return None,
        };
        let reference = self.syntaxes.find_syntax_by_extension(extension)?;
        Some((&self.syntaxes, reference))
    }

    /// One line of syntect regions as spans, adjacent equal styles merged,
    /// the line ending dropped. Backgrounds are left to the view.
    fn styled_line(&self, regions: &[(syntect::highlighting::Style, &str)]) -> Line<'static> {
        let mut spans: Vec<Span<'static>> = Vec::with_capacity(regions.len());
        for (syntect_style, piece) in regions {
            let piece = piece.trim_end_matches(['\n', '\r']);
            if piece.is_empty() {
                continue;
            }
            let style = self.style_of(*syntect_style);
            match spans.last_mut() {
                Some(last) if last.style == style => last.content.to_mut().push_str(piece),
                _ => spans.push(Span::styled(piece.to_owned(), style)),
            }
        }
        Line::from(spans)
    }

    fn style_of(&self, style: syntect::highlighting::Style) -> Style {
        let rgb = Color::Rgb(style.foreground.r, style.foreground.g, style.foreground.b);
        let fg = match self.depth {
            ColorDepth::TrueColor => rgb,
            ColorDepth::Ansi256 => to_ansi256(rgb),
            ColorDepth::Ansi16 => to_ansi16(rgb),
            ColorDepth::Mono => Color::Reset,
        };
        let mut modifiers = Modifier::empty();
        if style.font_style.contains(FontStyle::BOLD) {
            modifiers |= Modifier::BOLD;
        }
        if style.font_style.contains(FontStyle::ITALIC) {
            modifiers |= Modifier::ITALIC;
        }
        if style.font_style.contains(FontStyle::UNDERLINE) {
            modifiers |= Modifier::UNDERLINED;
        }
        Style::default().fg(fg).add_modifier(modifiers)
    }

    /// Compiles the regexes of every payload language once.
    fn warm_up(&self) {
        let samples = [
            (
                Syntax::Yaml,
                "spec:\n  replicas: 3 # more\n  - name: \"x\"\n",
            ),
            (
                Syntax::Json,
                "{\"op\": \"add\", \"value\": [1, true, null]}\n",
            ),
            (Syntax::Diff, "--- a\n+++ b\n@@ -1 +1 @@\n-a\n+b\n"),
            (
                Syntax::Shell,
                "kubectl scale deploy/api --replicas=3 -n \"$NS\"\n",
            ),
        ];
        let limits = HighlightLimits {
            budget: Duration::MAX,
            ..HighlightLimits::default()
        };
        for (syntax, sample) in samples {
            let _ = self.highlight(sample, syntax, &limits, &mut |_| {});
        }
    }
}

/// Block scalars indented up to this many spaces get a context of their own.
const BLOCK_SCALAR_INDENTS: usize = 32;

/// The block scalar contexts of the YAML grammar: `block-start` finds the
/// indentation of the first line and sets the `block-body-<n>` context for
/// it, which keeps every line indented at least `n` spaces (and blank lines)
/// and pops at the first line indented less.
fn block_scalar_contexts() -> String {
    let mut contexts = String::from("  block-start:\n    - match: '^[ \\t]*\\n'\n");
    for indent in 1..=BLOCK_SCALAR_INDENTS {
        contexts.push_str(&format!(
            "    - match: '^ {{{indent}}}(\\S.*)'\n      captures:\n        1: string.unquoted.block.yaml\n      set: block-body-{indent}\n"
        ));
    }
    contexts.push_str(
        "    - match: '^([ \\t]+)'\n      set: block-deep\n    - match: '^'\n      pop: true\n",
    );
    for indent in 1..=BLOCK_SCALAR_INDENTS {
        contexts.push_str(&format!(
            "  block-body-{indent}:\n    - match: '^ {{{indent}}}.*'\n      scope: string.unquoted.block.yaml\n    - match: '^[ \\t]*\\n'\n    - match: '^'\n      pop: true\n"
        ));
    }
    contexts
}

/// kubevigil's YAML grammar in a set of its own, or `None` (with a log line)
/// if it does not load.
fn fast_yaml_syntaxes() -> Option<SyntaxSet> {
    let grammar = format!("{FAST_YAML_GRAMMAR}\n{}", block_scalar_contexts());
    match SyntaxDefinition::load_from_str(&grammar, true, None) {
        Ok(definition) => {
            let mut builder = SyntaxSetBuilder::new();
            builder.add(definition);
            Some(builder.build())
        }
        Err(error) => {
            tracing::warn!(%error, "kubevigil's YAML grammar does not load; using syntect's");
            None
        }
    }
}

/// The number of lines, or `None` when the payload is too big to highlight.
fn acceptable_line_count(text: &str, limits: &HighlightLimits) -> Option<usize> {
    let mut count = 0;
    for line in text.lines() {
        count += 1;
        let too_long =
            line.len() > limits.max_line_chars && line.chars().count() > limits.max_line_chars;
        if count > limits.max_lines || too_long {
            return None;
        }
    }
    Some(count)
}

/// `done` followed by the lines of `text` from `from` on, plain.
fn with_plain_rest(done: &[Line<'static>], text: &str, from: usize) -> Vec<Line<'static>> {
    let mut lines = done.to_vec();
    lines.extend(
        text.lines()
            .skip(from)
            .map(|line| Line::raw(line.to_owned())),
    );
    lines
}

/// A diff coloured without syntect: additions green, removals red, hunk
/// headers cyan, file headers bold.
fn simple_diff_lines(text: &str) -> Vec<Line<'static>> {
    text.lines()
        .map(|line| {
            let style = if line.starts_with("+++ ")
                || line.starts_with("--- ")
                || line.starts_with("diff ")
            {
                Style::default().add_modifier(Modifier::BOLD)
            } else if line.starts_with('+') {
                Style::default().fg(Color::Green)
            } else if line.starts_with('-') {
                Style::default().fg(Color::Red)
            } else if line.starts_with("@@") {
                Style::default().fg(Color::Cyan)
            } else {
                Style::default()
            };
            Line::from(Span::styled(line.to_owned(), style))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn simple_diff_colours_additions_and_removals() {
        let lines = simple_diff_lines("--- a\n+++ b\n@@ -1 +1 @@\n-old\n+new\n same");
        assert_eq!(lines[3].spans[0].style.fg, Some(Color::Red));
        assert_eq!(lines[4].spans[0].style.fg, Some(Color::Green));
        assert_eq!(lines[2].spans[0].style.fg, Some(Color::Cyan));
        assert_eq!(lines[5].spans[0].style, Style::default());
    }

    #[test]
    fn limits_refuse_too_many_lines_and_too_long_lines() {
        let limits = HighlightLimits {
            max_lines: 3,
            max_line_chars: 5,
            ..HighlightLimits::default()
        };
        assert_eq!(acceptable_line_count("a\nb\nc", &limits), Some(3));
        assert_eq!(acceptable_line_count("a\nb\nc\nd", &limits), None);
        assert_eq!(acceptable_line_count("abcdef", &limits), None);
        // Five characters of two bytes each are still five characters.
        assert_eq!(acceptable_line_count("ééééé", &limits), Some(1));
    }
}
