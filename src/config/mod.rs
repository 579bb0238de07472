//! Configuration: built-in defaults with the user's config file layered over them.
//!
//! The file is TOML (`config.toml` in the directory [`ConfigPaths::discover`]
//! finds) and every field is optional. Loading never fails: an unknown key, a
//! bad value or a file that does not parse becomes a warning for the operator
//! and the affected setting keeps its built-in default (yazi-style). The
//! defaults are shipped, with comments, as [`EXAMPLE_CONFIG`].

mod keyspec;
pub mod kubeconfig;
mod layer;
pub mod notify;
mod paths;
mod position;
pub mod scope;
pub mod theme;

pub use keyspec::parse_key_spec;
pub use kubeconfig::{KubeconfigError, KubeconfigFiles};
pub use notify::{DesktopNotify, NotifyConfig};
pub use paths::{ConfigPaths, themes_dir_for};
pub(crate) use position::toml_position;
pub use scope::{NamespaceScope, scope_label};

use crate::config::theme::Theme;
use serde::Serialize;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// The commented example configuration: every setting with its default.
pub const EXAMPLE_CONFIG: &str = include_str!("../../assets/config.example.toml");

/// The theme name that follows the terminal's background: `light` on a
/// light background, else `dark`.
pub const AUTO_THEME: &str = "auto";
/// The default theme: follow the terminal's background.
pub const DEFAULT_THEME: &str = AUTO_THEME;
/// The default number of reasoning lines kept per stream.
pub const DEFAULT_LOG_BUFFER_LINES: usize = 10_000;
/// The accepted range of `log_buffer_lines`.
pub const LOG_BUFFER_LINES_RANGE: std::ops::RangeInclusive<usize> = 100..=1_000_000;
/// The default frame rate cap (frames per second).
pub const DEFAULT_FRAME_RATE_CAP: u32 = 60;
/// The accepted range of `frame_rate_cap`.
pub const FRAME_RATE_CAP_RANGE: std::ops::RangeInclusive<u32> = 1..=240;

/// The console's settings, after layering the config file over the defaults.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Config {
    /// The theme: `auto` (the default: `light` or `dark` by the terminal's
    /// background), a built-in name or a user theme file name.
    pub theme: String,
    /// Reasoning lines kept per stream (default 10,000; 100 to 1,000,000).
    pub log_buffer_lines: usize,
    /// Extra secret-redaction regexes, on top of the built-in ones.
    pub redaction_patterns: Vec<String>,
    /// Key overrides: action name to key specs such as `ctrl-a`, `a`,
    /// `shift-tab`, `f1`, `enter`, `esc`. They replace the built-in keys of
    /// that action. Specs that do not parse were dropped with a warning.
    pub keys: BTreeMap<String, Vec<String>>,
    /// Settings per kube context, by context name.
    pub contexts: BTreeMap<String, ContextConfig>,
    /// How to reach Vault (or OpenBao).
    pub vault: VaultConfig,
    /// The most frames drawn per second (default 60; 1 to 240).
    pub frame_rate_cap: u32,
    /// How the console calls for attention when a proposal starts waiting.
    pub notify: NotifyConfig,
    /// The glyph set: `auto` (ASCII on the Linux console, TERM=linux),
    /// `unicode` or `ascii`.
    pub glyphs: String,
    /// Whether the mouse wheel scrolls and a click selects (default on;
    /// the terminal's own text selection then needs shift held).
    pub mouse: bool,
}

impl Default for Config {
    fn default() -> Config {
        Config {
            theme: DEFAULT_THEME.to_owned(),
            log_buffer_lines: DEFAULT_LOG_BUFFER_LINES,
            redaction_patterns: Vec::new(),
            keys: BTreeMap::new(),
            contexts: BTreeMap::new(),
            vault: VaultConfig::default(),
            frame_rate_cap: DEFAULT_FRAME_RATE_CAP,
            notify: NotifyConfig::default(),
            glyphs: "auto".to_owned(),
            mouse: true,
        }
    }
}

impl Config {
    /// Whether the console must not write in this kube context.
    pub fn context_readonly(&self, context: &str) -> bool {
        self.contexts.get(context).is_some_and(|c| c.readonly)
    }
}

/// Settings for one kube context.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ContextConfig {
    /// Open this context read-only: no approvals, vetoes or policy edits.
    pub readonly: bool,
}

/// How to reach Vault. Unset fields fall back to the usual `VAULT_*`
/// environment variables where the Vault client reads them.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct VaultConfig {
    /// The server address, such as `https://vault.example.com:8200`.
    pub addr: Option<String>,
    /// The Vault Enterprise / OpenBao namespace.
    pub namespace: Option<String>,
    /// A CA certificate (PEM) to trust for the server (`~` is expanded).
    pub cacert: Option<PathBuf>,
    /// A Vault token helper program to get the operator's token from (`~` is expanded).
    pub token_helper: Option<PathBuf>,
}

/// A loaded configuration with what the operator should be told about it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoadedConfig {
    /// The settings.
    pub config: Config,
    /// Problems found, one sentence each, naming the key and the reason.
    pub warnings: Vec<String>,
    /// The file the settings came from (`None`: built-in defaults only).
    pub source: Option<PathBuf>,
}

impl LoadedConfig {
    /// The built-in defaults, with no file.
    pub fn defaults() -> LoadedConfig {
        LoadedConfig {
            config: Config::default(),
            warnings: Vec::new(),
            source: None,
        }
    }

    /// The directory user themes are read from: `themes/` beside the config
    /// file, or the discovered one when there is no file.
    pub fn themes_dir(&self) -> Option<PathBuf> {
        match &self.source {
            Some(file) => Some(themes_dir_for(file)),
            None => ConfigPaths::discover().map(|paths| paths.themes_dir),
        }
    }

    /// The configured theme for a terminal whose background is not known
    /// (`auto` gives `dark`); see [`Self::theme_for`].
    pub fn theme(&self) -> Theme {
        self.theme_for(None)
    }

    /// Whether the theme follows the terminal's background (`theme = "auto"`),
    /// so the console should ask the terminal for it.
    pub fn follows_background(&self) -> bool {
        self.config.theme == AUTO_THEME
    }

    /// The configured theme, loaded from the user's file or the built-ins
    /// (not yet adapted to the terminal); `auto` is `light` on a light
    /// `background` and `dark` otherwise (a user `light.toml` or `dark.toml`
    /// still layers over it). Never fails: a theme that does not load
    /// (already reported in [`LoadedConfig::warnings`]) falls back to the
    /// built-in theme of that name, else to `dark`.
    pub fn theme_for(&self, background: Option<theme::Background>) -> Theme {
        let name = theme::Background::theme_name(&self.config.theme, background);
        Theme::load(name, self.themes_dir().as_deref())
            .ok()
            .or_else(|| Theme::builtin(name))
            .unwrap_or_default()
    }
}

/// Loads the configuration from the discovered config file. A missing file
/// (or no home directory) gives the defaults without a warning.
pub fn load() -> LoadedConfig {
    match ConfigPaths::discover() {
        Some(paths) => load_from(&paths.config_file),
        None => LoadedConfig::defaults(),
    }
}

/// Loads the configuration from `path`, layered over the defaults. A missing
/// file gives the defaults without a warning; every other problem is a
/// warning (see the module documentation). User themes are looked for in
/// [`themes_dir_for`]`(path)`.
pub fn load_from(path: &Path) -> LoadedConfig {
    let text = match std::fs::read_to_string(path) {
        Ok(text) => text,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
            // Still check the default theme: a broken user `dark.toml` is worth a word.
            let (config, warnings) = layer::layer(path, "", &themes_dir_for(path));
            return LoadedConfig {
                config,
                warnings,
                source: None,
            };
        }
        Err(error) => {
            let mut loaded = LoadedConfig::defaults();
            loaded.warnings.push(format!(
                "config {}: cannot be read ({error}); using built-in defaults",
                path.display()
            ));
            return loaded;
        }
    };
    let (config, warnings) = layer::layer(path, &text, &themes_dir_for(path));
    LoadedConfig {
        config,
        warnings,
        source: Some(path.to_owned()),
    }
}
