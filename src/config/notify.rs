//! How the console calls for attention when a proposal starts waiting for
//! the operator: the `[notify]` table of `config.toml`.

use serde::Serialize;

/// The `[notify]` settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct NotifyConfig {
    /// Ring the terminal bell (BEL) when a proposal starts waiting (default on).
    pub bell: bool,
    /// Keep the terminal's title at `kubevigil (N awaiting)` while the console
    /// runs, and give the old title back on exit (default on).
    pub title: bool,
    /// Send a desktop notification through the terminal (default off).
    pub desktop: DesktopNotify,
}

impl Default for NotifyConfig {
    fn default() -> NotifyConfig {
        NotifyConfig {
            bell: true,
            title: true,
            desktop: DesktopNotify::Off,
        }
    }
}

/// Which escape sequence carries a desktop notification.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum DesktopNotify {
    /// No desktop notification.
    Off,
    /// OSC 9 (iTerm2, WezTerm, Windows Terminal, kitty, foot, ghostty).
    Osc9,
    /// OSC 777 `notify` (urxvt, foot, ghostty, VTE terminals with the patch).
    Osc777,
}

impl std::str::FromStr for DesktopNotify {
    type Err = String;

    fn from_str(text: &str) -> Result<DesktopNotify, String> {
        match text.trim().to_ascii_lowercase().as_str() {
            "off" | "false" | "none" => Ok(DesktopNotify::Off),
            "osc9" => Ok(DesktopNotify::Osc9),
            "osc777" => Ok(DesktopNotify::Osc777),
            other => Err(format!("`{other}` is not off, osc9 or osc777")),
        }
    }
}
