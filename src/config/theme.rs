//! Colour themes.
//!
//! A theme is a TOML file with a `[palette]` of named colours and a `[styles]`
//! table with one style for every part of the console (see `themes/dark.toml`
//! for the format). Four themes are built in (`dark`, `light`,
//! `high-contrast`, `mono`). A user theme, `<themes_dir>/<name>.toml`, is a
//! *partial* file layered over a built-in one, gitui-style: it names its
//! parent with `base = "dark"` (by default the built-in theme of the same
//! name, else `dark`) and overrides only the palette entries and styles it
//! names.
//!
//! `theme = "auto"` (the default) picks `light` or `dark` by the terminal's
//! [`Background`], which the console asks the terminal for at start.
//!
//! [`Theme::adapted`] fits a theme to what the terminal can show
//! ([`detect_color_depth`]): RGB becomes the nearest of 256 or 16 colours, and
//! [`ColorDepth::Mono`] (for `NO_COLOR`) drops colour but keeps bold, reverse
//! and underline so selection and badges stay readable.

mod background;
mod depth;
mod file;

pub use background::Background;
pub use depth::{ColorDepth, detect_color_depth, to_ansi16, to_ansi256};

use crate::domain::{InvestigationState, Phase, Risk};
use ratatui::style::{Color, Modifier, Style};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use thiserror::Error;

/// The names of the built-in themes.
pub const BUILTIN_THEMES: [&str; 4] = ["dark", "light", "high-contrast", "mono"];

/// The `syntax_theme` value that turns highlighting colours off.
pub const NO_SYNTAX_THEME: &str = "none";

/// The syntect themes a theme may name in `syntax_theme` (syntect's defaults),
/// besides [`NO_SYNTAX_THEME`].
pub const SYNTAX_THEMES: [&str; 7] = [
    "base16-ocean.dark",
    "base16-eighties.dark",
    "base16-mocha.dark",
    "base16-ocean.light",
    "InspiredGitHub",
    "Solarized (dark)",
    "Solarized (light)",
];

/// The source of a built-in theme, by name.
fn builtin_source(name: &str) -> Option<&'static str> {
    Some(match name {
        "dark" => include_str!("../../themes/dark.toml"),
        "light" => include_str!("../../themes/light.toml"),
        "high-contrast" => include_str!("../../themes/high-contrast.toml"),
        "mono" => include_str!("../../themes/mono.toml"),
        _ => return None,
    })
}

/// Why a theme could not be loaded.
#[derive(Debug, Error)]
pub enum ThemeError {
    /// No built-in theme and no user file has this name.
    #[error(
        "theme `{name}` not found: it is not built in ({}) and {}",
        BUILTIN_THEMES.join(", "),
        searched.as_ref().map_or_else(
            || "there is no themes directory".to_owned(),
            |path| format!("there is no {}", path.display())
        )
    )]
    NotFound {
        /// The name asked for.
        name: String,
        /// The user file that was looked for, if there is a themes directory.
        searched: Option<PathBuf>,
    },
    /// The user theme file exists but could not be read.
    #[error("theme file {}: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The underlying failure.
        source: std::io::Error,
    },
    /// The file is not valid TOML, or has a key or value of the wrong shape.
    #[error("theme `{name}`: line {line}, column {column}: {message}")]
    Syntax {
        /// The theme.
        name: String,
        /// 1-based line of the problem.
        line: usize,
        /// 1-based column of the problem.
        column: usize,
        /// What is wrong.
        message: String,
    },
    /// A value is not acceptable, such as a colour that does not parse.
    #[error("theme `{name}`: `{key}`: {reason}")]
    Invalid {
        /// The theme.
        name: String,
        /// The key, such as `styles.selected.bg` or `palette.red`.
        key: String,
        /// Why it was refused.
        reason: String,
    },
}

/// Declares [`Theme`] with one `Style` field per style key, and the list of
/// those keys, from a single list so the two cannot drift apart.
macro_rules! declare_theme {
    ($( $(#[$doc:meta])* $field:ident ),* $(,)?) => {
        /// A resolved colour theme: one ratatui [`Style`] for every part of the
        /// console. Get one with [`Theme::builtin`] or [`Theme::load`], then fit
        /// it to the terminal with [`Theme::adapted`].
        #[derive(Debug, Clone, PartialEq, Eq)]
        pub struct Theme {
            /// The theme's name, as asked for.
            pub name: String,
            $( $(#[$doc])* pub $field: Style, )*
            /// The syntect theme used for highlighting, or `none`. After
            /// [`Theme::adapted`] it carries the colour depth as a suffix
            /// (`base16-ocean.dark:ansi256`), which the highlighter honours.
            pub syntax_theme: String,
        }

        /// Every key of a theme's `[styles]` table.
        pub const STYLE_KEYS: &[&str] = &[$(stringify!($field)),*];

        impl Theme {
            /// Builds a theme from resolved styles; every key must be present.
            fn from_styles(
                name: &str,
                syntax_theme: String,
                styles: &mut BTreeMap<String, Style>,
            ) -> Result<Theme, String> {
                let mut take = |key: &str| styles.remove(key).ok_or_else(|| key.to_owned());
                Ok(Theme {
                    name: name.to_owned(),
                    $( $field: take(stringify!($field))?, )*
                    syntax_theme,
                })
            }

            /// Applies `change` to every style.
            fn map_styles(mut self, change: impl Fn(Style) -> Style) -> Theme {
                $( self.$field = change(self.$field); )*
                self
            }

            /// A theme with `style` everywhere.
            fn uniform(name: &str, style: Style, syntax_theme: &str) -> Theme {
                Theme {
                    name: name.to_owned(),
                    $( $field: style, )*
                    syntax_theme: syntax_theme.to_owned(),
                }
            }

            /// The style of one `[styles]` key, by name.
            pub fn style(&self, key: &str) -> Option<Style> {
                match key {
                    $( stringify!($field) => Some(self.$field), )*
                    _ => None,
                }
            }

            /// Every style with its `[styles]` key, in [`STYLE_KEYS`] order.
            pub fn styles(&self) -> Vec<(&'static str, Style)> {
                vec![$( (stringify!($field), self.$field) ),*]
            }
        }
    };
}

declare_theme! {
    /// Normal text, and the background of the whole screen.
    base,
    /// The header bar.
    header,
    /// The header bar while something needs attention (read-only, disconnected).
    header_warning,
    /// Borders of panes that do not have focus.
    border,
    /// The border of the focused pane.
    border_focused,
    /// Pane titles.
    title,
    /// The selected row.
    selected,
    /// Secondary text: ages, counts, hints.
    dim,
    /// Emphasis that is not a warning.
    accent,
    /// Keys in the footer and the help overlay.
    key_hint,
    /// Good news.
    ok,
    /// Something needs attention.
    warn,
    /// Something failed.
    error,
    /// Data that may be out of date (a watcher is disconnected).
    stale,
    /// The Shadow phase badge.
    phase_shadow,
    /// The ReadOnlyAssist phase badge.
    phase_assist,
    /// The LimitedWrite phase badge.
    phase_limited,
    /// The Autonomous phase badge.
    phase_autonomous,
    /// Low risk.
    risk_low,
    /// Medium risk.
    risk_medium,
    /// High risk.
    risk_high,
    /// Critical risk.
    risk_critical,
    /// A running investigation.
    state_running,
    /// A finished investigation.
    state_succeeded,
    /// A failed investigation.
    state_failed,
    /// An investigation that has not started.
    state_pending,
    /// Reasoning: a thought.
    event_thought,
    /// Reasoning: a tool call.
    event_tool_call,
    /// Reasoning: a tool result.
    event_tool_result,
    /// Reasoning: a hypothesis.
    event_hypothesis,
    /// Reasoning: a proposal.
    event_proposal,
    /// Reasoning: the conclusion.
    event_conclusion,
    /// Reasoning: token usage and cost.
    event_usage,
    /// Reasoning: an error the agent reported.
    event_error,
    /// Reasoning: plain text (non-JSON lines, unknown event types).
    event_text,
    /// An added line in a diff.
    diff_add,
    /// A removed line in a diff.
    diff_remove,
    /// A hunk header (`@@ ... @@`) in a diff.
    diff_hunk,
    /// A search match.
    search_match,
    /// A revealed invisible character (bidi control, zero-width) in text under review.
    invisible_char,
}

impl Theme {
    /// A built-in theme by name (see [`BUILTIN_THEMES`]).
    pub fn builtin(name: &str) -> Option<Theme> {
        let source = builtin_source(name)?;
        file::compile(name, source, None).ok()
    }

    /// The theme `name`: the user file `<themes_dir>/<name>.toml` layered over
    /// its base if there is one, else the built-in theme of that name.
    pub fn load(name: &str, themes_dir: Option<&Path>) -> Result<Theme, ThemeError> {
        file::check_name(name)?;
        let user_file = themes_dir.map(|dir| dir.join(format!("{name}.toml")));
        if let Some(path) = user_file.as_ref().filter(|p| p.is_file()) {
            let text = std::fs::read_to_string(path).map_err(|source| ThemeError::Io {
                path: path.clone(),
                source,
            })?;
            let default_base = if builtin_source(name).is_some() {
                name
            } else {
                "dark"
            };
            return file::compile(name, &text, Some(default_base));
        }
        match builtin_source(name) {
            Some(source) => file::compile(name, source, None),
            None => Err(ThemeError::NotFound {
                name: name.to_owned(),
                searched: user_file,
            }),
        }
    }

    /// The badge style of a trust phase.
    pub fn phase(&self, phase: Phase) -> Style {
        match phase {
            Phase::Shadow => self.phase_shadow,
            Phase::ReadOnlyAssist => self.phase_assist,
            Phase::LimitedWrite => self.phase_limited,
            Phase::Autonomous => self.phase_autonomous,
        }
    }

    /// The style of a risk level.
    pub fn risk(&self, risk: Risk) -> Style {
        match risk {
            Risk::Low => self.risk_low,
            Risk::Medium => self.risk_medium,
            Risk::High => self.risk_high,
            Risk::Critical => self.risk_critical,
        }
    }

    /// The style of an investigation's state. A suspended (halted)
    /// investigation uses [`Theme::warn`].
    pub fn investigation_state(&self, state: InvestigationState) -> Style {
        match state {
            InvestigationState::Queued | InvestigationState::Pending => self.state_pending,
            InvestigationState::Running => self.state_running,
            InvestigationState::Suspended => self.warn,
            InvestigationState::Succeeded => self.state_succeeded,
            InvestigationState::Failed => self.state_failed,
        }
    }

    /// This theme fitted to a terminal's colour depth: RGB and indexed
    /// colours map to the nearest of the 240 fixed xterm colours (`Ansi256`)
    /// or to the 16 named ANSI colours by hue (`Ansi16`), so red stays red.
    /// `Mono` drops every colour and keeps the modifiers; a style that had a
    /// background of its own (selection, badges, search matches) becomes
    /// reverse video so it still stands out. The depth is also recorded in
    /// [`Theme::syntax_theme`] for the highlighter.
    pub fn adapted(self, depth: ColorDepth) -> Theme {
        let base_bg = self.base.bg;
        let syntax_theme = depth::syntax_theme_for(&self.syntax_theme, depth);
        let mut theme = match depth {
            ColorDepth::TrueColor => self,
            ColorDepth::Ansi256 => self.map_styles(|s| depth::map_style(s, depth::to_ansi256)),
            ColorDepth::Ansi16 => self.map_styles(|s| depth::map_style(s, depth::to_ansi16)),
            ColorDepth::Mono => self.map_styles(|s| depth::monochrome(s, base_bg)),
        };
        theme.syntax_theme = syntax_theme;
        theme
    }

    /// Every colour used by any style of this theme.
    pub fn colors(&self) -> Vec<Color> {
        self.styles()
            .into_iter()
            .flat_map(|(_, s)| [s.fg, s.bg, s.underline_color])
            .flatten()
            .collect()
    }

    /// A last-resort theme that needs no file: terminal colours, reverse
    /// video for the selection and the header.
    fn fallback() -> Theme {
        let emphasised = Style::default().add_modifier(Modifier::REVERSED);
        Theme {
            selected: emphasised,
            header: emphasised,
            search_match: emphasised,
            invisible_char: emphasised,
            ..Theme::uniform("fallback", Style::default(), NO_SYNTAX_THEME)
        }
    }
}

impl Default for Theme {
    /// The built-in `dark` theme.
    fn default() -> Theme {
        Theme::builtin("dark").unwrap_or_else(Theme::fallback)
    }
}
