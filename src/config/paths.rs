//! Where kubevigil keeps its files.

use directories::ProjectDirs;
use std::path::{Path, PathBuf};

/// Every file and directory kubevigil reads or writes on this machine.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigPaths {
    /// The config file (`config.toml`).
    pub config_file: PathBuf,
    /// User themes, `<name>.toml`.
    pub themes_dir: PathBuf,
    /// Data kubevigil writes.
    pub data_dir: PathBuf,
    /// The local audit log (JSON lines).
    pub audit_log: PathBuf,
    /// The audit log of `kubevigil demo`, kept apart from the real one.
    pub demo_audit_log: PathBuf,
}

impl ConfigPaths {
    /// The platform's directories for kubevigil (on Linux
    /// `~/.config/kubevigil` and `~/.local/share/kubevigil`), with an absolute
    /// `XDG_CONFIG_HOME` / `XDG_DATA_HOME` honoured on every platform.
    /// `None` when there is no home directory to put them in.
    pub fn discover() -> Option<ConfigPaths> {
        Self::discover_with(&|key| std::env::var(key).ok())
    }

    /// [`ConfigPaths::discover`] with the environment looked up through `env`.
    pub fn discover_with(env: &dyn Fn(&str) -> Option<String>) -> Option<ConfigPaths> {
        let xdg = |key: &str| {
            env(key)
                .map(PathBuf::from)
                .filter(|dir| dir.is_absolute())
                .map(|dir| dir.join("kubevigil"))
        };
        let project = || ProjectDirs::from("io", "kubevigil", "kubevigil");
        let config_dir = match xdg("XDG_CONFIG_HOME") {
            Some(dir) => dir,
            None => project()?.config_dir().to_owned(),
        };
        let data_dir = match xdg("XDG_DATA_HOME") {
            Some(dir) => dir,
            None => project()?.data_dir().to_owned(),
        };
        Some(ConfigPaths::under(&config_dir, &data_dir))
    }

    /// The layout under a given config directory and data directory.
    pub fn under(config_dir: &Path, data_dir: &Path) -> ConfigPaths {
        ConfigPaths {
            config_file: config_dir.join("config.toml"),
            themes_dir: config_dir.join("themes"),
            data_dir: data_dir.to_owned(),
            audit_log: data_dir.join("audit.jsonl"),
            demo_audit_log: data_dir.join("demo-audit.jsonl"),
        }
    }

    /// Every path with a label, for `kubevigil paths`.
    pub fn labelled(&self) -> [(&'static str, &Path); 5] {
        [
            ("config file", &self.config_file),
            ("themes", &self.themes_dir),
            ("data", &self.data_dir),
            ("audit log", &self.audit_log),
            ("demo audit log", &self.demo_audit_log),
        ]
    }
}

/// The user themes directory that belongs with a config file: `themes/`
/// beside it.
pub fn themes_dir_for(config_file: &Path) -> PathBuf {
    config_file
        .parent()
        .unwrap_or_else(|| Path::new("."))
        .join("themes")
}
