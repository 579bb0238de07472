//! Layering a config file over the defaults, one field at a time, so that one
//! bad value costs only that value.

use super::keyspec::parse_key_spec;
use super::position::toml_position;
use super::{
    AUTO_THEME, Config, ContextConfig, DEFAULT_THEME, FRAME_RATE_CAP_RANGE, LOG_BUFFER_LINES_RANGE,
    VaultConfig,
};
use crate::config::theme::Theme;
use crate::sanitize::Redactor;
use std::path::{Path, PathBuf};
use toml::{Table, Value};

/// Collects warnings in one format: ``config: `field`: reason``.
#[derive(Default)]
struct Warnings(Vec<String>);

impl Warnings {
    fn field(&mut self, field: &str, reason: impl std::fmt::Display) {
        self.0.push(format!("config: `{field}`: {reason}"));
    }

    fn unknown(&mut self, field: &str) {
        self.field(field, "unknown key (ignored)");
    }

    fn wrong_type(&mut self, field: &str, expected: &str, found: &Value) {
        self.field(
            field,
            format!(
                "expected {expected}, found {} (keeping the default)",
                found.type_str()
            ),
        );
    }
}

/// `text` (the file at `path`) layered over the defaults, with warnings.
pub(super) fn layer(path: &Path, text: &str, themes_dir: &Path) -> (Config, Vec<String>) {
    let mut config = Config::default();
    let mut warnings = Warnings::default();
    match toml::from_str::<Table>(text) {
        Ok(table) => apply_table(&mut config, table, &mut warnings),
        Err(error) => {
            let (line, column) = toml_position(text, &error);
            warnings.0.push(format!(
                "config {}: line {line}, column {column}: {}; using built-in defaults",
                path.display(),
                error.message().trim()
            ));
        }
    }
    check_theme(&mut config, themes_dir, &mut warnings);
    (config, warnings.0)
}

fn apply_table(config: &mut Config, table: Table, warnings: &mut Warnings) {
    for (key, value) in table {
        match key.as_str() {
            "theme" => match value {
                Value::String(name) if !name.trim().is_empty() => config.theme = name,
                Value::String(_) => warnings.field("theme", "empty (keeping the default)"),
                other => warnings.wrong_type("theme", "a theme name", &other),
            },
            "log_buffer_lines" => {
                if let Some(lines) = integer_in(&key, &value, &LOG_BUFFER_LINES_RANGE, warnings) {
                    config.log_buffer_lines = lines;
                }
            }
            "frame_rate_cap" => {
                if let Some(cap) = integer_in(&key, &value, &FRAME_RATE_CAP_RANGE, warnings) {
                    config.frame_rate_cap = cap;
                }
            }
            "redaction_patterns" => config.redaction_patterns = redaction_patterns(value, warnings),
            "keys" => match value {
                Value::Table(keys) => apply_keys(config, keys, warnings),
                other => warnings.wrong_type("keys", "a table of action = [keys]", &other),
            },
            "contexts" => match value {
                Value::Table(contexts) => apply_contexts(config, contexts, warnings),
                other => warnings.wrong_type("contexts", "a table of contexts", &other),
            },
            "vault" => match value {
                Value::Table(vault) => config.vault = vault_config(vault, warnings),
                other => warnings.wrong_type("vault", "a table", &other),
            },
            "glyphs" => match value {
                Value::String(set) if matches!(set.as_str(), "auto" | "unicode" | "ascii") => {
                    config.glyphs = set;
                }
                Value::String(set) => warnings.field(
                    "glyphs",
                    format!("`{set}` is not auto, unicode or ascii (keeping auto)"),
                ),
                other => warnings.wrong_type("glyphs", "auto, unicode or ascii", &other),
            },
            "mouse" => match value {
                Value::Boolean(on) => config.mouse = on,
                other => warnings.wrong_type("mouse", "true or false", &other),
            },
            "notify" => match value {
                Value::Table(notify) => apply_notify(config, notify, warnings),
                other => warnings.wrong_type("notify", "a table", &other),
            },
            _ => warnings.unknown(&key),
        }
    }
}

/// An integer within `range`, or a warning naming the field and the range.
fn integer_in<T>(
    field: &str,
    value: &Value,
    range: &std::ops::RangeInclusive<T>,
    warnings: &mut Warnings,
) -> Option<T>
where
    T: TryFrom<i64> + PartialOrd + std::fmt::Display + Copy,
{
    let Value::Integer(number) = value else {
        warnings.wrong_type(field, "an integer", value);
        return None;
    };
    match T::try_from(*number).ok().filter(|n| range.contains(n)) {
        Some(n) => Some(n),
        None => {
            warnings.field(
                field,
                format!(
                    "{number} is out of range {}..={} (keeping the default)",
                    range.start(),
                    range.end()
                ),
            );
            None
        }
    }
}

/// Strings of a string or an array of strings; anything else is warned about.
fn strings(field: &str, value: Value, warnings: &mut Warnings) -> Option<Vec<String>> {
    match value {
        Value::String(one) => Some(vec![one]),
        Value::Array(items) => {
            let mut out = Vec::with_capacity(items.len());
            for (index, item) in items.into_iter().enumerate() {
                match item {
                    Value::String(s) => out.push(s),
                    other => warnings.wrong_type(&format!("{field}[{index}]"), "a string", &other),
                }
            }
            Some(out)
        }
        other => {
            warnings.wrong_type(field, "an array of strings", &other);
            None
        }
    }
}

/// The patterns that compile the way the redactor needs; the others are
/// dropped with a warning each (the valid ones still protect).
fn redaction_patterns(value: Value, warnings: &mut Warnings) -> Vec<String> {
    let Some(patterns) = strings("redaction_patterns", value, warnings) else {
        return Vec::new();
    };
    patterns
        .into_iter()
        .enumerate()
        .filter_map(
            |(index, pattern)| match Redactor::new(std::slice::from_ref(&pattern)) {
                Ok(_) => Some(pattern),
                Err(error) => {
                    warnings.field(
                        &format!("redaction_patterns[{index}]"),
                        format!("{error} (ignored)"),
                    );
                    None
                }
            },
        )
        .collect()
}

/// Key overrides; specs that do not parse are dropped, and an action left
/// with no key at all keeps its built-in keys. An explicitly empty list is
/// kept (it unbinds the action).
fn apply_keys(config: &mut Config, keys: Table, warnings: &mut Warnings) {
    for (action, value) in keys {
        let field = format!("keys.{action}");
        let Some(specs) = strings(&field, value, warnings) else {
            continue;
        };
        let written = specs.len();
        let usable: Vec<String> = specs
            .into_iter()
            .filter(|spec| match parse_key_spec(spec) {
                Ok(_) => true,
                Err(reason) => {
                    warnings.field(&field, format!("{reason} (ignored)"));
                    false
                }
            })
            .collect();
        if written > 0 && usable.is_empty() {
            warnings.field(&field, "no usable key, keeping the built-in keys");
        } else {
            config.keys.insert(action, usable);
        }
    }
}

fn apply_contexts(config: &mut Config, contexts: Table, warnings: &mut Warnings) {
    for (context, value) in contexts {
        let field = format!("contexts.{context}");
        let Value::Table(settings) = value else {
            // Not a table (`contexts.prod = true`): read-only, to be safe.
            warnings.field(
                &field,
                format!(
                    "expected a table, found {}; opening this context read-only",
                    value.type_str()
                ),
            );
            config
                .contexts
                .insert(context, ContextConfig { readonly: true });
            continue;
        };
        let mut context_config = ContextConfig::default();
        for (key, value) in settings {
            let field = format!("{field}.{key}");
            match (key.as_str(), value) {
                ("readonly", Value::Boolean(readonly)) => context_config.readonly = readonly,
                // A mistyped `readonly` fails closed: the operator meant something.
                ("readonly", other) => {
                    context_config.readonly = true;
                    warnings.field(
                        &field,
                        format!(
                            "expected true or false, found {}; opening this context read-only",
                            other.type_str()
                        ),
                    );
                }
                _ => warnings.unknown(&field),
            }
        }
        config.contexts.insert(context, context_config);
    }
}

fn vault_config(vault: Table, warnings: &mut Warnings) -> VaultConfig {
    let mut config = VaultConfig::default();
    for (key, value) in vault {
        let field = format!("vault.{key}");
        let Value::String(text) = value else {
            if matches!(
                key.as_str(),
                "addr" | "namespace" | "cacert" | "token_helper"
            ) {
                warnings.wrong_type(&field, "a string", &value);
            } else {
                warnings.unknown(&field);
            }
            continue;
        };
        match key.as_str() {
            "addr" if text.starts_with("https://") || text.starts_with("http://") => {
                config.addr = Some(text);
            }
            "addr" => warnings.field(
                &field,
                format!("`{text}` is not an http:// or https:// address (keeping the default)"),
            ),
            "namespace" => config.namespace = Some(text),
            "cacert" => config.cacert = Some(expand_home(&text)),
            "token_helper" => config.token_helper = Some(expand_home(&text)),
            _ => warnings.unknown(&field),
        }
    }
    config
}

/// The `[notify]` table: `bell` and `title` (booleans), `desktop` (off,
/// osc9 or osc777). A bad value keeps that setting's default.
fn apply_notify(config: &mut Config, notify: Table, warnings: &mut Warnings) {
    for (key, value) in notify {
        let field = format!("notify.{key}");
        match (key.as_str(), value) {
            ("bell", Value::Boolean(on)) => config.notify.bell = on,
            ("title", Value::Boolean(on)) => config.notify.title = on,
            ("bell" | "title", other) => warnings.wrong_type(&field, "true or false", &other),
            ("desktop", Value::String(text)) => match text.parse() {
                Ok(desktop) => config.notify.desktop = desktop,
                Err(reason) => warnings.field(&field, format!("{reason} (keeping the default)")),
            },
            ("desktop", Value::Boolean(false)) => {
                config.notify.desktop = crate::config::DesktopNotify::Off;
            }
            ("desktop", other) => warnings.wrong_type(&field, "off, osc9 or osc777", &other),
            _ => warnings.unknown(&field),
        }
    }
}

/// `~/x` is `x` in the home directory.
fn expand_home(path: &str) -> PathBuf {
    let home = || directories::BaseDirs::new().map(|dirs| dirs.home_dir().to_owned());
    match path.strip_prefix("~/").zip(home()) {
        Some((rest, home)) => home.join(rest),
        None => PathBuf::from(path),
    }
}

/// A theme that does not load falls back to following the terminal's
/// background (`auto`). For `auto`, the user's `dark.toml` and `light.toml`
/// (which layer over the built-ins it picks) are checked.
fn check_theme(config: &mut Config, themes_dir: &Path, warnings: &mut Warnings) {
    let names: Vec<String> = if config.theme == AUTO_THEME {
        vec!["dark".to_owned(), "light".to_owned()]
    } else {
        vec![config.theme.clone()]
    };
    for name in names {
        if let Err(error) = Theme::load(&name, Some(themes_dir)) {
            let fallback = if config.theme == AUTO_THEME {
                format!("using the built-in `{name}` theme")
            } else {
                "following the terminal's background (`auto`)".to_owned()
            };
            warnings.field("theme", format!("{error}; {fallback}"));
            config.theme = DEFAULT_THEME.to_owned();
        }
    }
}
