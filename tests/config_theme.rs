//! Configuration, themes and highlighting, as an operator meets them: a config
//! file with mistakes, a partial user theme, NO_COLOR and 256-colour
//! terminals, and payloads that arrive highlighted without blocking the view.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test, bench or example may panic on what it sets up

use kubevigil::config::theme::{
    BUILTIN_THEMES, ColorDepth, STYLE_KEYS, SYNTAX_THEMES, Theme, ThemeError, detect_color_depth,
};
use kubevigil::config::{self, Config, ConfigPaths, EXAMPLE_CONFIG, LoadedConfig};
use kubevigil::domain::{InvestigationState, Phase, Risk};
use kubevigil::model::highlight::{
    HighlightCache, HighlightKey, HighlightResult, Syntax, detect_syntax, plain_lines,
};
use kubevigil::ui::highlight::{HighlightEngine, HighlightLimits, Highlighter};
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::Line;
use std::path::{Path, PathBuf};
use std::sync::mpsc::{Receiver, channel};
use std::sync::{Arc, OnceLock};
use std::time::Duration;

// ---------------------------------------------------------------- helpers

/// A config directory with `config.toml` holding `text`.
fn config_dir(text: &str) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("config.toml");
    std::fs::write(&path, text).expect("write config");
    (dir, path)
}

fn write_theme(config_dir: &Path, name: &str, text: &str) {
    let themes = config_dir.join("themes");
    std::fs::create_dir_all(&themes).expect("themes dir");
    std::fs::write(themes.join(format!("{name}.toml")), text).expect("write theme");
}

fn warnings_mentioning<'a>(loaded: &'a LoadedConfig, needle: &str) -> Vec<&'a String> {
    loaded
        .warnings
        .iter()
        .filter(|w| w.contains(needle))
        .collect()
}

fn env<'a>(vars: &'a [(&'a str, &'a str)]) -> impl Fn(&str) -> Option<String> + 'a {
    move |key| {
        vars.iter()
            .find(|(k, _)| *k == key)
            .map(|(_, v)| (*v).to_owned())
    }
}

fn yaml_manifest(lines: usize) -> String {
    let mut text = String::from(
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: api\nspec:\n  containers:\n",
    );
    let mut n = 0;
    while text.lines().count() < lines {
        text.push_str(&format!(
            "  - name: sidecar-{n}\n    image: \"registry.example/sidecar:{n}\" # pinned\n    resources:\n      limits: {{cpu: 250m, memory: 128Mi}}\n"
        ));
        n += 1;
    }
    text.lines().take(lines).collect::<Vec<_>>().join("\n") + "\n"
}

fn has_colour(line: &Line<'_>) -> bool {
    line.spans
        .iter()
        .any(|s| s.style.fg.is_some_and(|c| c != Color::Reset))
}

/// One engine for the engine tests: loading syntect is slow in debug builds.
fn engine() -> &'static HighlightEngine {
    static ENGINE: OnceLock<HighlightEngine> = OnceLock::new();
    ENGINE.get_or_init(|| HighlightEngine::load("base16-ocean.dark"))
}

fn generous() -> HighlightLimits {
    HighlightLimits {
        budget: Duration::from_secs(120),
        ..HighlightLimits::default()
    }
}

fn collect_results(
    theme: &str,
    limits: HighlightLimits,
) -> (Highlighter, Receiver<HighlightResult>) {
    let (sender, receiver) = channel();
    let highlighter = Highlighter::spawn_with_limits(
        theme,
        limits,
        Box::new(move |result| {
            let _ = sender.send(result);
        }),
    );
    (highlighter, receiver)
}

const WAIT: Duration = Duration::from_secs(120);

// ---------------------------------------------------------------- config

#[test]
fn a_missing_config_file_gives_the_defaults_without_a_warning() {
    let dir = tempfile::tempdir().expect("tempdir");
    let loaded = config::load_from(&dir.path().join("config.toml"));
    assert_eq!(loaded.config, Config::default());
    assert!(loaded.warnings.is_empty(), "{:?}", loaded.warnings);
    assert_eq!(loaded.source, None);
    assert_eq!(
        loaded.config.theme, "auto",
        "the theme follows the terminal"
    );
    assert!(loaded.config.mouse);
    assert_eq!(loaded.config.log_buffer_lines, 10_000);
    assert_eq!(loaded.config.frame_rate_cap, 60);
}

#[test]
fn a_full_config_file_sets_every_field() {
    let (dir, path) = config_dir(
        r#"
theme = "light"
log_buffer_lines = 50000
frame_rate_cap = 30
redaction_patterns = ["(?i)x-api-key:\\s*(?P<secret>\\S+)"]

[keys]
approve = ["a", "ctrl-a"]
quit = "q"

[contexts.prod-eu-1]
readonly = true

[contexts.dev]
readonly = false

[vault]
addr = "https://vault.example.com:8200"
namespace = "oncall"
cacert = "/etc/ssl/vault-ca.pem"
token_helper = "~/bin/helper"
"#,
    );
    let loaded = config::load_from(&path);
    assert!(loaded.warnings.is_empty(), "{:?}", loaded.warnings);
    assert_eq!(loaded.source.as_deref(), Some(path.as_path()));
    let config = &loaded.config;
    assert_eq!(config.theme, "light");
    assert_eq!(config.log_buffer_lines, 50_000);
    assert_eq!(config.frame_rate_cap, 30);
    assert_eq!(config.redaction_patterns.len(), 1);
    assert_eq!(config.keys["approve"], vec!["a", "ctrl-a"]);
    assert_eq!(config.keys["quit"], vec!["q"]);
    assert!(config.context_readonly("prod-eu-1"));
    assert!(!config.context_readonly("dev"));
    assert!(!config.context_readonly("unknown"));
    assert_eq!(
        config.vault.addr.as_deref(),
        Some("https://vault.example.com:8200")
    );
    assert_eq!(config.vault.namespace.as_deref(), Some("oncall"));
    assert_eq!(
        config.vault.cacert.as_deref(),
        Some(Path::new("/etc/ssl/vault-ca.pem"))
    );
    let helper = config.vault.token_helper.clone().expect("token helper");
    assert!(
        helper.ends_with("bin/helper") && !helper.starts_with("~"),
        "{helper:?}"
    );
    assert_eq!(loaded.themes_dir(), Some(dir.path().join("themes")));
}

#[test]
fn an_unknown_key_is_named_and_the_rest_still_applies() {
    let (_dir, path) =
        config_dir("them = \"light\"\nframe_rate_cap = 20\n[vault]\nadress = \"x\"\n");
    let loaded = config::load_from(&path);
    assert_eq!(
        warnings_mentioning(&loaded, "`them`").len(),
        1,
        "{:?}",
        loaded.warnings
    );
    assert_eq!(
        warnings_mentioning(&loaded, "`vault.adress`").len(),
        1,
        "{:?}",
        loaded.warnings
    );
    assert_eq!(loaded.config.frame_rate_cap, 20);
    assert_eq!(loaded.config.theme, "auto");
}

#[test]
fn a_bad_value_is_named_with_its_reason_and_keeps_its_default() {
    let (_dir, path) = config_dir(
        "log_buffer_lines = 5\nframe_rate_cap = \"fast\"\ntheme = \"light\"\n[vault]\naddr = \"vault:8200\"\n[contexts.prod]\nreadonly = \"yes\"\n",
    );
    let loaded = config::load_from(&path);
    let lines = warnings_mentioning(&loaded, "log_buffer_lines");
    assert_eq!(lines.len(), 1, "{:?}", loaded.warnings);
    assert!(lines[0].contains("100..=1000000"), "{}", lines[0]);
    let cap = warnings_mentioning(&loaded, "frame_rate_cap");
    assert!(
        cap[0].contains("integer") && cap[0].contains("string"),
        "{}",
        cap[0]
    );
    assert_eq!(warnings_mentioning(&loaded, "vault.addr").len(), 1);
    assert_eq!(
        warnings_mentioning(&loaded, "contexts.prod.readonly").len(),
        1
    );
    assert_eq!(loaded.config.log_buffer_lines, 10_000);
    assert_eq!(loaded.config.frame_rate_cap, 60);
    assert_eq!(loaded.config.vault.addr, None);
    // A mistyped readonly fails closed, and the warning says so.
    assert!(loaded.config.context_readonly("prod"));
    assert!(
        warnings_mentioning(&loaded, "contexts.prod.readonly")[0]
            .contains("found string; opening this context read-only"),
        "{:?}",
        loaded.warnings
    );
    assert_eq!(
        loaded.config.theme, "light",
        "good values beside bad ones still apply"
    );
}

#[test]
fn a_context_that_is_not_a_table_opens_read_only() {
    let (_dir, path) = config_dir("[contexts]\nprod = \"readonly\"\n");
    let loaded = config::load_from(&path);
    assert!(loaded.config.context_readonly("prod"));
    assert_eq!(warnings_mentioning(&loaded, "contexts.prod").len(), 1);
}

#[test]
fn limits_are_inclusive() {
    let (_dir, path) = config_dir("log_buffer_lines = 1000000\nframe_rate_cap = 240\n");
    let loaded = config::load_from(&path);
    assert!(loaded.warnings.is_empty(), "{:?}", loaded.warnings);
    assert_eq!(loaded.config.log_buffer_lines, 1_000_000);
    let (_dir, path) = config_dir("log_buffer_lines = 99\nframe_rate_cap = 0\n");
    assert_eq!(config::load_from(&path).warnings.len(), 2);
}

#[test]
fn a_redaction_pattern_that_does_not_compile_is_dropped_and_the_others_kept() {
    let (_dir, path) = config_dir("redaction_patterns = [\"tok_[a-z]+\", \"(unclosed\", \"x*\"]\n");
    let loaded = config::load_from(&path);
    assert_eq!(loaded.config.redaction_patterns, vec!["tok_[a-z]+"]);
    assert_eq!(
        warnings_mentioning(&loaded, "redaction_patterns[1]").len(),
        1,
        "{:?}",
        loaded.warnings
    );
    assert_eq!(
        warnings_mentioning(&loaded, "redaction_patterns[2]").len(),
        1,
        "matches empty"
    );
}

#[test]
fn key_specs_that_do_not_parse_are_dropped_with_a_warning() {
    let (_dir, path) =
        config_dir("[keys]\napprove = [\"a\", \"hyper-x\"]\nveto = [\"banana\"]\nhelp = []\n");
    let loaded = config::load_from(&path);
    assert_eq!(loaded.config.keys["approve"], vec!["a"]);
    assert!(
        !loaded.config.keys.contains_key("veto"),
        "all keys bad: built-in keys stay"
    );
    assert_eq!(
        loaded.config.keys["help"],
        Vec::<String>::new(),
        "an explicit empty list unbinds"
    );
    assert!(
        !warnings_mentioning(&loaded, "hyper").is_empty(),
        "{:?}",
        loaded.warnings
    );
    assert!(
        !warnings_mentioning(&loaded, "banana").is_empty(),
        "{:?}",
        loaded.warnings
    );
}

#[test]
fn a_file_that_does_not_parse_is_reported_with_line_and_column_and_all_defaults_apply() {
    let (_dir, path) = config_dir("theme = \"light\"\nframe_rate_cap = = 30\n");
    let loaded = config::load_from(&path);
    assert_eq!(loaded.config, Config::default());
    assert_eq!(loaded.warnings.len(), 1, "{:?}", loaded.warnings);
    assert!(
        loaded.warnings[0].contains("line 2, column"),
        "{}",
        loaded.warnings[0]
    );
    assert!(
        loaded.warnings[0].contains("defaults"),
        "{}",
        loaded.warnings[0]
    );
}

#[test]
fn an_unknown_theme_falls_back_to_auto_and_a_user_theme_is_accepted() {
    let (_dir, path) = config_dir("theme = \"solarised-typo\"\n");
    let loaded = config::load_from(&path);
    assert_eq!(loaded.config.theme, "auto");
    assert!(loaded.warnings[0].contains("following the terminal's background"));
    assert_eq!(
        warnings_mentioning(&loaded, "solarised-typo").len(),
        1,
        "{:?}",
        loaded.warnings
    );

    let (dir, path) = config_dir("theme = \"night-shift\"\n");
    write_theme(
        dir.path(),
        "night-shift",
        "base = \"dark\"\n[palette]\nblue = \"#0000ff\"\n",
    );
    let loaded = config::load_from(&path);
    assert!(loaded.warnings.is_empty(), "{:?}", loaded.warnings);
    assert_eq!(loaded.config.theme, "night-shift");
    let theme = loaded.theme();
    assert_eq!(theme.name, "night-shift");
    assert_eq!(theme.title.fg, Some(Color::Rgb(0, 0, 255)));
}

#[test]
fn a_broken_user_theme_is_reported_and_the_console_still_gets_a_theme() {
    let (dir, path) = config_dir("theme = \"mine\"\n");
    write_theme(
        dir.path(),
        "mine",
        "[styles]\nselected = { bg = \"purpleish\" }\n",
    );
    let loaded = config::load_from(&path);
    assert_eq!(loaded.config.theme, "auto");
    let warning = warnings_mentioning(&loaded, "styles.selected.bg");
    assert_eq!(warning.len(), 1, "{:?}", loaded.warnings);
    assert_eq!(loaded.theme(), Theme::builtin("dark").expect("dark"));
}

#[test]
fn auto_picks_light_or_dark_by_the_background_and_user_overrides_still_layer() {
    use kubevigil::config::theme::Background;
    let (dir, path) = config_dir("");
    let loaded = config::load_from(&path);
    assert!(loaded.follows_background());
    assert_eq!(loaded.theme_for(Some(Background::Light)).name, "light");
    assert_eq!(loaded.theme_for(Some(Background::Dark)).name, "dark");
    assert_eq!(loaded.theme_for(None).name, "dark", "no answer: dark");
    // A user's light.toml layers over the built-in light one `auto` picks.
    write_theme(dir.path(), "light", "[palette]\nblue = \"#0000ff\"\n");
    let loaded = config::load_from(&path);
    assert!(loaded.warnings.is_empty(), "{:?}", loaded.warnings);
    let light = loaded.theme_for(Some(Background::Light));
    assert_eq!(light.title.fg, Some(Color::Rgb(0, 0, 255)));
    // A theme named in the file is never swapped.
    let (_dir, path) = config_dir("theme = \"mono\"\nmouse = false\n");
    let loaded = config::load_from(&path);
    assert!(!loaded.follows_background() && !loaded.config.mouse);
    assert_eq!(loaded.theme_for(Some(Background::Light)).name, "mono");
    // A mouse setting that is not a boolean is named and keeps the default.
    let (_dir, path) = config_dir("mouse = \"yes\"\n");
    let loaded = config::load_from(&path);
    assert!(loaded.config.mouse);
    assert_eq!(
        warnings_mentioning(&loaded, "`mouse`").len(),
        1,
        "{:?}",
        loaded.warnings
    );
}

#[test]
fn the_example_config_is_the_defaults_and_its_commented_settings_are_valid() {
    let (_dir, path) = config_dir(EXAMPLE_CONFIG);
    let loaded = config::load_from(&path);
    assert!(loaded.warnings.is_empty(), "{:?}", loaded.warnings);
    assert_eq!(loaded.config, Config::default());

    // Uncomment every setting line ("# key = ..." and "# [table]").
    let uncommented: String = EXAMPLE_CONFIG
        .lines()
        .map(|line| match line.strip_prefix("# ") {
            Some(rest)
                if rest.starts_with('[')
                    || rest
                        .split_once(" = ")
                        .is_some_and(|(k, _)| !k.contains(' ')) =>
            {
                rest.to_owned()
            }
            _ => line.to_owned(),
        })
        .collect::<Vec<_>>()
        .join("\n");
    let (_dir, path) = config_dir(&uncommented);
    let loaded = config::load_from(&path);
    assert!(
        loaded.warnings.is_empty(),
        "{:?}\n{uncommented}",
        loaded.warnings
    );
    let defaults = Config::default();
    assert_eq!(loaded.config.theme, defaults.theme);
    assert_eq!(loaded.config.log_buffer_lines, defaults.log_buffer_lines);
    assert_eq!(loaded.config.frame_rate_cap, defaults.frame_rate_cap);
    assert!(!loaded.config.keys.is_empty() && loaded.config.vault.addr.is_some());
    assert_eq!(loaded.config.redaction_patterns.len(), 1);
}

#[test]
fn xdg_config_home_and_xdg_data_home_move_the_files() {
    let paths = ConfigPaths::discover_with(&env(&[
        ("XDG_CONFIG_HOME", "/srv/oncall/config"),
        ("XDG_DATA_HOME", "/srv/oncall/data"),
    ]))
    .expect("paths");
    assert_eq!(
        paths.config_file,
        Path::new("/srv/oncall/config/kubevigil/config.toml")
    );
    assert_eq!(
        paths.themes_dir,
        Path::new("/srv/oncall/config/kubevigil/themes")
    );
    assert_eq!(paths.data_dir, Path::new("/srv/oncall/data/kubevigil"));
    assert_eq!(
        paths.audit_log,
        Path::new("/srv/oncall/data/kubevigil/audit.jsonl")
    );

    // A relative XDG path is ignored, as the XDG spec says.
    if let Some(paths) = ConfigPaths::discover_with(&env(&[("XDG_CONFIG_HOME", "relative/dir")])) {
        assert!(paths.config_file.is_absolute(), "{:?}", paths.config_file);
        assert!(paths.config_file.ends_with("kubevigil/config.toml"));
    }
    // The real lookup finds the same layout.
    if let Some(paths) = ConfigPaths::discover() {
        assert!(paths.config_file.ends_with("kubevigil/config.toml"));
        assert_eq!(paths.labelled().len(), 5);
    }
}

#[test]
fn key_specs_parse_like_the_config_documents_them() {
    use crossterm::event::{KeyCode, KeyModifiers};
    assert_eq!(
        config::parse_key_spec("ctrl-a"),
        Ok((KeyCode::Char('a'), KeyModifiers::CONTROL))
    );
    assert_eq!(
        config::parse_key_spec("shift-tab"),
        Ok((KeyCode::BackTab, KeyModifiers::NONE))
    );
    assert_eq!(
        config::parse_key_spec("f1"),
        Ok((KeyCode::F(1), KeyModifiers::NONE))
    );
    assert!(config::parse_key_spec("ctrl-").is_err());
}

// ---------------------------------------------------------------- themes

#[test]
fn every_builtin_theme_parses_and_names_a_real_syntax_theme() {
    let syntect_themes = syntect::highlighting::ThemeSet::load_defaults().themes;
    for name in SYNTAX_THEMES {
        assert!(
            syntect_themes.contains_key(name),
            "{name} is not a syntect theme"
        );
    }
    for name in BUILTIN_THEMES {
        let theme = Theme::builtin(name).unwrap_or_else(|| panic!("{name} does not compile"));
        assert_eq!(theme.name, name);
        assert_eq!(Theme::load(name, None).expect("load"), theme);
        assert_eq!(theme.styles().len(), STYLE_KEYS.len());
        assert_ne!(theme.selected, theme.base, "{name}: selection must show");
    }
    assert!(Theme::builtin("nope").is_none());
    assert_eq!(Theme::default().name, "dark");
}

#[test]
fn a_partial_user_theme_overrides_only_what_it_names() {
    let dir = tempfile::tempdir().expect("tempdir");
    write_theme(
        dir.path(),
        "mine",
        "base = \"dark\"\n[palette]\nblue = \"#5f87ff\"\n[styles]\nselected = { bg = \"#303030\" }\n",
    );
    let dark = Theme::builtin("dark").expect("dark");
    let mine = Theme::load("mine", Some(&dir.path().join("themes"))).expect("mine");
    let blue = Some(Color::Rgb(0x5f, 0x87, 0xff));
    // The palette entry moves every style that uses it.
    assert_eq!(mine.title.fg, blue);
    assert_eq!(mine.border_focused.fg, blue);
    assert_eq!(mine.state_running.fg, blue);
    // A named style is replaced whole.
    assert_eq!(
        mine.selected,
        Style::default().bg(Color::Rgb(0x30, 0x30, 0x30))
    );
    // Everything else is dark's.
    for ((key, ours), (_, theirs)) in mine.styles().into_iter().zip(dark.styles()) {
        let uses_blue = theirs.fg == dark.title.fg || theirs.bg == dark.title.fg;
        if key != "selected" && !uses_blue {
            assert_eq!(ours, theirs, "{key} changed");
        }
    }
    assert_eq!(mine.syntax_theme, dark.syntax_theme);
}

#[test]
fn a_user_file_named_like_a_builtin_layers_over_that_builtin() {
    let dir = tempfile::tempdir().expect("tempdir");
    write_theme(
        dir.path(),
        "light",
        "[styles]\nerror = { fg = \"#ff0000\", modifiers = [\"underlined\"] }\nwarn = { fg = \"red\" }\nok = { fg = \"light-green\" }\n",
    );
    let theme = Theme::load("light", Some(&dir.path().join("themes"))).expect("light");
    let light = Theme::builtin("light").expect("light");
    assert_eq!(
        theme.error,
        Style::default()
            .fg(Color::Rgb(255, 0, 0))
            .add_modifier(Modifier::UNDERLINED)
    );
    // A palette entry wins over the ANSI colour of the same name: light's red.
    assert_eq!(theme.warn.fg, light.error.fg);
    assert_eq!(theme.ok.fg, Some(Color::LightGreen));
    assert_eq!(theme.base, light.base);
    assert_eq!(theme.syntax_theme, "InspiredGitHub");
}

#[test]
fn a_bad_colour_is_an_error_naming_the_key() {
    let dir = tempfile::tempdir().expect("tempdir");
    let themes = dir.path().join("themes");
    let cases = [
        (
            "[styles]\nselected = { bg = \"#12345\" }\n",
            "styles.selected.bg",
        ),
        ("[palette]\nblue = \"bleu\"\n", "palette.blue"),
        (
            "[styles]\nerror = { modifiers = [\"blinky\"] }\n",
            "styles.error.modifiers",
        ),
        ("[styles]\nselectd = { bg = \"red\" }\n", "styles.selectd"),
        ("base = \"solarized\"\n", "base"),
        ("syntax_theme = \"monokai\"\n", "syntax_theme"),
    ];
    for (text, key) in cases {
        write_theme(dir.path(), "broken", text);
        match Theme::load("broken", Some(&themes)) {
            Err(error @ ThemeError::Invalid { .. }) => {
                let ThemeError::Invalid { key: named, .. } = &error else {
                    unreachable!()
                };
                assert_eq!(named, key, "{text}");
                assert!(error.to_string().contains(key), "{error}");
            }
            other => panic!("{text}: expected an Invalid error naming {key}, got {other:?}"),
        }
    }
    write_theme(
        dir.path(),
        "broken",
        "[styles]\nselected = { colour = \"red\" }\n",
    );
    let error = Theme::load("broken", Some(&themes)).expect_err("unknown field");
    assert!(
        matches!(error, ThemeError::Syntax { line: 2, .. }),
        "{error:?}"
    );
    assert!(error.to_string().contains("colour"), "{error}");
}

#[test]
fn a_theme_that_does_not_exist_says_where_it_looked() {
    let dir = tempfile::tempdir().expect("tempdir");
    let error = Theme::load("ghost", Some(dir.path())).expect_err("missing");
    assert!(matches!(error, ThemeError::NotFound { .. }));
    assert!(error.to_string().contains("ghost.toml"), "{error}");
    assert!(Theme::load("../../etc/passwd", Some(dir.path())).is_err());
}

#[test]
fn no_color_means_mono_and_mono_has_no_colours() {
    let depth = detect_color_depth(&env(&[
        ("NO_COLOR", "1"),
        ("COLORTERM", "truecolor"),
        ("TERM", "xterm-256color"),
    ]));
    assert_eq!(depth, ColorDepth::Mono);
    assert_eq!(
        detect_color_depth(&env(&[("TERM", "xterm-256color")])),
        ColorDepth::Ansi256
    );
    assert_eq!(
        detect_color_depth(&env(&[("COLORTERM", "truecolor")])),
        ColorDepth::TrueColor
    );
    assert_eq!(
        detect_color_depth(&env(&[("TERM", "dumb")])),
        ColorDepth::Mono
    );
    assert_eq!(
        detect_color_depth(&env(&[("TERM", "vt220")])),
        ColorDepth::Ansi16
    );

    assert!(Theme::builtin("mono").expect("mono").colors().is_empty());
    for name in BUILTIN_THEMES {
        let mono = Theme::builtin(name)
            .expect("theme")
            .adapted(ColorDepth::Mono);
        assert!(mono.colors().is_empty(), "{name}: {:?}", mono.colors());
        assert_eq!(
            mono.syntax_theme, "none",
            "{name}: highlighting must be colourless too"
        );
    }
}

#[test]
fn the_selection_and_badges_stay_visible_in_mono() {
    for name in BUILTIN_THEMES {
        let mono = Theme::builtin(name)
            .expect("theme")
            .adapted(ColorDepth::Mono);
        for (what, style) in [
            ("selected", mono.selected),
            ("phase badge", mono.phase(Phase::Autonomous)),
            ("critical risk", mono.risk(Risk::Critical)),
            ("invisible character", mono.invisible_char),
            ("header", mono.header),
        ] {
            assert!(
                style.add_modifier.contains(Modifier::REVERSED),
                "{name}: {what} is {style:?}"
            );
        }
        assert!(
            !mono.base.add_modifier.contains(Modifier::REVERSED),
            "{name}: base must not be reversed"
        );
        assert_ne!(mono.error, mono.base, "{name}: errors must stand out");
    }
}

#[test]
fn the_256_and_16_colour_mappings_use_only_palette_colours() {
    for name in BUILTIN_THEMES {
        let theme = Theme::builtin(name).expect("theme");
        let indexed = theme.clone().adapted(ColorDepth::Ansi256);
        assert!(
            indexed
                .colors()
                .iter()
                .all(|c| !matches!(c, Color::Rgb(..))),
            "{name}: {:?}",
            indexed.colors()
        );
        assert!(indexed.syntax_theme.ends_with(":ansi256") || indexed.syntax_theme == "none");
        let named = theme.clone().adapted(ColorDepth::Ansi16);
        assert!(
            named
                .colors()
                .iter()
                .all(|c| !matches!(c, Color::Rgb(..) | Color::Indexed(_))),
            "{name}: {:?}",
            named.colors()
        );
        assert_eq!(theme.clone().adapted(ColorDepth::TrueColor), theme);
    }
    let dark16 = Theme::builtin("dark")
        .expect("dark")
        .adapted(ColorDepth::Ansi16);
    assert!(
        matches!(dark16.error.fg, Some(Color::Red | Color::LightRed)),
        "{:?}",
        dark16.error
    );
    assert!(
        matches!(dark16.ok.fg, Some(Color::Green | Color::LightGreen)),
        "{:?}",
        dark16.ok
    );
}

#[test]
fn phases_risks_and_states_have_their_own_styles() {
    let theme = Theme::builtin("dark").expect("dark");
    assert_eq!(theme.phase(Phase::Shadow), theme.phase_shadow);
    assert_eq!(theme.phase(Phase::LimitedWrite), theme.phase_limited);
    assert_eq!(theme.risk(Risk::High), theme.risk_high);
    assert_eq!(
        theme.investigation_state(InvestigationState::Failed),
        theme.state_failed
    );
    assert_eq!(
        theme.investigation_state(InvestigationState::Suspended),
        theme.warn
    );
    let phases: Vec<Style> = Phase::ALL.iter().map(|p| theme.phase(*p)).collect();
    assert!(
        phases.windows(2).all(|w| w[0] != w[1]),
        "phase badges must differ"
    );
}

// ---------------------------------------------------------------- highlighting

#[test]
fn payload_languages_are_detected() {
    assert_eq!(
        detect_syntax("{\"spec\":{\"replicas\":3}}", None),
        Syntax::Json
    );
    assert_eq!(detect_syntax("spec:\n  replicas: 3\n", None), Syntax::Yaml);
    assert_eq!(
        detect_syntax("diff --git a/x b/x\n--- a/x\n+++ b/x\n", None),
        Syntax::Diff
    );
    assert_eq!(
        detect_syntax("kubectl delete pod api-0 -n shop", None),
        Syntax::Shell
    );
    assert_eq!(detect_syntax("just words", None), Syntax::Plain);
    assert_eq!(detect_syntax("spec: {}", Some("json")), Syntax::Json);
}

#[test]
fn the_cache_hits_misses_and_forgets_the_least_recently_used() {
    let mut cache = HighlightCache::new(2);
    let result = |text: &str, complete: bool| HighlightResult {
        key: HighlightKey::of(text, Syntax::Yaml),
        lines: Arc::new(plain_lines(text)),
        complete,
    };
    let (a, b, c) = (
        result("a: 1", true),
        result("b: 2", true),
        result("c: 3", true),
    );
    assert!(cache.get(&a.key).is_none(), "miss before insert");
    cache.insert(a.clone());
    cache.insert(b.clone());
    assert_eq!(cache.get(&a.key).expect("hit")[0].to_string(), "a: 1");
    cache.insert(c.clone()); // b is the least recently used now
    assert_eq!(cache.len(), 2);
    assert!(cache.get(&b.key).is_none(), "b evicted");
    assert!(cache.get(&a.key).is_some() && cache.get(&c.key).is_some());
    assert!(
        cache.get(&HighlightKey::of("a: 1", Syntax::Json)).is_none(),
        "syntax is part of the key"
    );

    // A late partial result never replaces the complete one.
    let mut partial = result("a: 1", false);
    partial.lines = Arc::new(vec![Line::raw("stale")]);
    cache.insert(partial);
    assert!(cache.is_complete(&a.key));
    assert_eq!(cache.get(&a.key).expect("hit")[0].to_string(), "a: 1");
    assert_eq!(HighlightCache::new(0).capacity(), 1);
}

#[test]
fn yaml_is_highlighted_line_for_line() {
    let text = yaml_manifest(120);
    let mut first_screen = None;
    let lines = engine().highlight(&text, Syntax::Yaml, &generous(), &mut |l| {
        first_screen = Some(l);
    });
    assert_eq!(lines.len(), 120);
    for (ours, original) in lines.iter().zip(text.lines()) {
        assert_eq!(
            ours.to_string(),
            original,
            "highlighting must not change the text"
        );
    }
    assert!(lines.iter().all(has_colour), "every line coloured");
    let first_screen = first_screen.expect("a first screen for a long payload");
    assert_eq!(
        first_screen.len(),
        120,
        "the first screen result still has every line"
    );
    assert!(first_screen[..60].iter().all(has_colour));
    assert!(
        first_screen[60..].iter().all(|l| !has_colour(l)),
        "the rest is plain until done"
    );
}

/// The colour of the first span whose text (trimmed) is `text`.
fn colour_of(lines: &[Line<'static>], text: &str) -> Option<Color> {
    lines
        .iter()
        .flat_map(|l| l.spans.iter())
        .find(|s| s.content.trim() == text)
        .and_then(|s| s.style.fg)
}

#[test]
fn yaml_block_scalars_are_strings_until_the_indentation_ends_them() {
    assert!(
        engine().has_fast_yaml(),
        "kubevigil's YAML grammar must load"
    );
    for indent in [2, 40] {
        let pad = " ".repeat(indent);
        let text = format!(
            "data:\n{pad}run.sh: |\n{pad}  echo ready: yes\n{pad}  # not a comment\n\n{pad}  exit 1\n{pad}next: 2 # a comment\nquoted: \"s\"\n"
        );
        let lines = engine().highlight(&text, Syntax::Yaml, &generous(), &mut |_| {});
        let key = colour_of(&lines, "data").expect("key colour");
        let block = colour_of(&lines, "echo ready: yes");
        assert!(
            block.is_some(),
            "indent {indent}: block text has its own span"
        );
        assert_eq!(colour_of(&lines, "run.sh"), Some(key), "indent {indent}");
        assert_eq!(
            colour_of(&lines, "next"),
            Some(key),
            "indent {indent}: the block ended"
        );
        assert_eq!(
            block,
            colour_of(&lines, "s"),
            "indent {indent}: block text is a string"
        );
        assert_eq!(
            colour_of(&lines, "# not a comment"),
            block,
            "indent {indent}: inside the block"
        );
        assert_ne!(
            colour_of(&lines, "# a comment"),
            block,
            "indent {indent}: a real comment"
        );
        assert_ne!(block, Some(key));
    }
}

#[test]
fn pathological_payloads_come_back_plain() {
    let many = "k: v\n".repeat(20_001);
    let lines = engine().highlight(&many, Syntax::Yaml, &generous(), &mut |_| {
        panic!("no partial")
    });
    assert_eq!(lines.len(), 20_001);
    assert!(lines.iter().all(|l| !has_colour(l)));

    let long = format!("key: {}\nother: 1\n", "x".repeat(4_001));
    let lines = engine().highlight(&long, Syntax::Yaml, &generous(), &mut |_| {});
    assert_eq!(lines, plain_lines(&long));

    let slow = HighlightLimits {
        budget: Duration::ZERO,
        ..HighlightLimits::default()
    };
    let text = yaml_manifest(100);
    let lines = engine().highlight(&text, Syntax::Yaml, &slow, &mut |_| {});
    assert_eq!(lines, plain_lines(&text), "over budget: plain");
}

#[test]
fn the_worker_delivers_a_first_screen_then_the_whole_then_answers_repeats_from_memory() {
    let (highlighter, results) = collect_results("base16-ocean.dark:ansi256", generous());
    let text: Arc<str> = yaml_manifest(200).into();
    let key = HighlightKey::of(&text, Syntax::Yaml);
    highlighter.request(key, Arc::clone(&text));
    highlighter.request(key, Arc::clone(&text)); // in flight: ignored

    let first = results.recv_timeout(WAIT).expect("first screen");
    assert_eq!((first.key, first.complete), (key, false));
    assert_eq!(first.lines.len(), 200);
    let whole = results.recv_timeout(WAIT).expect("whole");
    assert_eq!((whole.key, whole.complete), (key, true));
    assert_eq!(whole.lines.len(), 200);
    assert!(whole.lines.iter().all(has_colour));
    let colours: Vec<Color> = whole
        .lines
        .iter()
        .flat_map(|l| l.spans.iter().filter_map(|s| s.style.fg))
        .collect();
    assert!(
        colours.iter().all(|c| matches!(c, Color::Indexed(_))),
        "256-colour terminal: indexed only"
    );
    assert!(
        results.recv_timeout(Duration::from_millis(300)).is_err(),
        "the duplicate request was ignored"
    );

    highlighter.request(key, Arc::clone(&text));
    let again = results.recv_timeout(WAIT).expect("answered again");
    assert!(again.complete, "from memory: straight to the whole");
    assert_eq!(again.lines, whole.lines);
}

#[test]
fn the_worker_falls_back_to_plain_for_pathological_and_colourless_requests() {
    let (highlighter, results) = collect_results("none", generous());
    let text: Arc<str> = "spec:\n  replicas: 3\n".into();
    let key = HighlightKey::of(&text, Syntax::Yaml);
    highlighter.request(key, Arc::clone(&text));
    let result = results.recv_timeout(WAIT).expect("result");
    assert!(result.complete);
    assert_eq!(*result.lines, plain_lines(&text), "mono: no colour");

    let (highlighter, results) = collect_results("base16-ocean.dark", HighlightLimits::default());
    let huge: Arc<str> = "a: b\n".repeat(25_000).into();
    let key = HighlightKey::of(&huge, Syntax::Yaml);
    highlighter.request(key, Arc::clone(&huge));
    let result = results.recv_timeout(WAIT).expect("result");
    assert!(result.complete, "no partial for a payload shown plain");
    assert_eq!(result.lines.len(), 25_000);
    assert!(result.lines.iter().all(|l| !has_colour(l)));
}

#[test]
fn notify_settings_default_to_bell_and_title_and_name_a_bad_value() {
    let (_dir, path) = config_dir("");
    let loaded = config::load_from(&path);
    assert!(loaded.config.notify.bell && loaded.config.notify.title);
    assert_eq!(loaded.config.notify.desktop, config::DesktopNotify::Off);

    let (_dir, path) = config_dir("[notify]\nbell = false\ndesktop = \"osc777\"\n");
    let loaded = config::load_from(&path);
    assert!(!loaded.config.notify.bell && loaded.config.notify.title);
    assert_eq!(loaded.config.notify.desktop, config::DesktopNotify::Osc777);

    let (_dir, path) = config_dir("[notify]\ntitle = \"yes\"\ndesktop = \"growl\"\nbel = true\n");
    let loaded = config::load_from(&path);
    assert!(loaded.config.notify.title, "a bad value keeps the default");
    assert_eq!(loaded.config.notify.desktop, config::DesktopNotify::Off);
    assert_eq!(warnings_mentioning(&loaded, "`notify.title`").len(), 1);
    let desktop = warnings_mentioning(&loaded, "`notify.desktop`");
    assert!(desktop[0].contains("off, osc9 or osc777"), "{}", desktop[0]);
    assert_eq!(warnings_mentioning(&loaded, "`notify.bel`").len(), 1);
}

#[test]
fn glyphs_are_auto_unicode_or_ascii() {
    let (_dir, path) = config_dir("glyphs = \"ascii\"\n");
    assert_eq!(config::load_from(&path).config.glyphs, "ascii");
    let (_dir, path) = config_dir("glyphs = \"emoji\"\n");
    let loaded = config::load_from(&path);
    assert_eq!(loaded.config.glyphs, "auto");
    assert!(warnings_mentioning(&loaded, "`glyphs`")[0].contains("auto, unicode or ascii"));
}
