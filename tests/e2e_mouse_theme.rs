//! End-to-end, issue 16 item 7: the theme follows the terminal's background
//! (asked with OSC 11, with a timeout) unless one is set, and the mouse wheel
//! scrolls and a click selects (off with `mouse = false`).

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test, bench or example may panic on what it sets up

mod common;

use common::pty::{DARK_BACKGROUND, Terminal, runtime};
use kubevigil::config::theme::{Theme, detect_color_depth};
use kubevigil::sandbox::{Sandbox, SandboxOptions};
use ratatui::style::Color;
use std::time::{Duration, Instant};

const PATIENCE: Duration = Duration::from_secs(90);
const WHITE: &str = "rgb:ffff/ffff/ffff";

fn sandbox_with(scenarios: &[(&str, &str)]) -> (tokio::runtime::Runtime, Sandbox) {
    let runtime = runtime();
    let sandbox = runtime
        .block_on(Sandbox::start(SandboxOptions {
            speed: 1.0,
            flaky: false,
            scenarios: false,
            ..SandboxOptions::default()
        }))
        .expect("sandbox starts");
    for (scenario, namespace) in scenarios {
        let _entered = runtime.enter();
        sandbox
            .start_investigation(scenario, namespace)
            .expect("fired");
    }
    (runtime, sandbox)
}

/// The console on `sandbox`, in a terminal with `background` and the
/// config file `config` (if any).
fn console(
    sandbox: &Sandbox,
    background: Option<&'static str>,
    config: Option<&str>,
) -> (Terminal, tempfile::TempDir) {
    let dir = tempfile::tempdir().expect("tempdir");
    let kubeconfig = dir.path().join("kubeconfig");
    sandbox
        .write_kubeconfig(&kubeconfig, "oncall-1")
        .expect("kubeconfig");
    let path = kubeconfig.to_string_lossy().to_string();
    let config_dir = dir.path().join("config").join("kubevigil");
    std::fs::create_dir_all(&config_dir).expect("config dir");
    if let Some(text) = config {
        std::fs::write(config_dir.join("config.toml"), text).expect("config written");
    }
    let xdg = dir.path().join("config").to_string_lossy().to_string();
    let term = Terminal::spawn_on(
        &["--kubeconfig", &path, "--context", "oncall-1"],
        160,
        40,
        &[("XDG_CONFIG_HOME", &xdg)],
        background,
    );
    (term, dir)
}

/// The header's background in `theme`, fitted to the test terminal as the
/// console fits it.
fn header_background(theme: &str) -> vt100::Color {
    let env = |name: &str| match name {
        "TERM" => Some("xterm-256color".to_owned()),
        other => std::env::var(other).ok(),
    };
    let theme = Theme::builtin(theme)
        .expect("built in")
        .adapted(detect_color_depth(&env));
    match theme.header.bg {
        Some(Color::Indexed(index)) => vt100::Color::Idx(index),
        Some(Color::Rgb(r, g, b)) => vt100::Color::Rgb(r, g, b),
        other => panic!("the header has a background colour: {other:?}"),
    }
}

fn header_colour_once_drawn(term: &Terminal) -> vt100::Color {
    term.wait_for_text("─ investigations", PATIENCE);
    term.cell_colors(0, 159).expect("a cell").1
}

#[test]
fn the_theme_follows_the_terminal_background_unless_one_is_set() {
    let (_runtime, sandbox) = sandbox_with(&[]);
    assert_ne!(header_background("light"), header_background("dark"));

    let (mut term, _dir) = console(&sandbox, Some(WHITE), None);
    assert_eq!(
        header_colour_once_drawn(&term),
        header_background("light"),
        "a white terminal gets the light theme"
    );
    term.quit();

    let (mut term, _dir) = console(&sandbox, Some(DARK_BACKGROUND), None);
    assert_eq!(header_colour_once_drawn(&term), header_background("dark"));
    term.quit();

    // A terminal that never answers OSC 11 (but answers DA1, as all do)
    // is recognised at once: dark theme, no wait for the timeout.
    let started = Instant::now();
    let (mut term, _dir) = console(&sandbox, None, None);
    assert_eq!(header_colour_once_drawn(&term), header_background("dark"));
    assert!(
        started.elapsed() < PATIENCE,
        "the console started without an answer"
    );
    term.quit();

    // A theme set in the config is kept, and the terminal is not asked.
    let (mut term, _dir) = console(&sandbox, Some(WHITE), Some("theme = \"dark\"\n"));
    assert_eq!(header_colour_once_drawn(&term), header_background("dark"));
    assert!(
        !contains(&term.raw(), b"\x1b]11;?"),
        "a set theme does not ask the terminal"
    );
    term.quit();
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

/// SGR mouse report of a left press at the 0-based cell `col`, `row`.
fn click(col: u16, row: u16) -> String {
    format!(
        "\x1b[<0;{};{}M\x1b[<0;{};{}m",
        col + 1,
        row + 1,
        col + 1,
        row + 1
    )
}

/// SGR mouse report of one notch of the wheel, down or up.
fn wheel(down: bool, col: u16, row: u16) -> String {
    let button = if down { 65 } else { 64 };
    format!("\x1b[<{button};{};{}M", col + 1, row + 1)
}

/// The investigation id shown on screen row `row`.
fn id_on_row(screen: &str, row: usize) -> String {
    let line = screen.lines().nth(row).expect("the row is on screen");
    line.split_whitespace()
        .next()
        .expect("the row starts with its id")
        .trim_start_matches(['▶', '>', '│', ' '])
        .to_owned()
}

#[test]
fn the_wheel_moves_the_selection_and_a_click_selects_then_opens() {
    let (_runtime, sandbox) = sandbox_with(&[
        ("firewall", "payments"),
        ("crashloop", "data"),
        ("certificate", "checkout"),
    ]);
    let (mut term, _dir) = console(&sandbox, Some(DARK_BACKGROUND), None);
    assert!(
        contains(&term.raw(), b"\x1b[?1000h") || {
            term.wait_for_text("─ investigations", PATIENCE);
            contains(&term.raw(), b"\x1b[?1000h")
        },
        "mouse reporting is on by default"
    );
    // The header takes one row at 160 columns, then the table's title and
    // its column headings: the investigations start on row 3.
    let screen = term.wait_for("three investigations", PATIENCE, |s| {
        s.contains("payments") && s.contains("data") && s.contains("checkout")
    });
    let third = id_on_row(&screen, 5);
    let second = id_on_row(&screen, 4);
    assert!(third.starts_with("inv-") || !third.is_empty(), "{screen}");

    // A click on the third row selects it; a second click opens it.
    term.type_keys(&click(20, 5));
    term.type_keys(&click(20, 5));
    term.wait_for("the clicked investigation open", PATIENCE, |s| {
        s.contains("reasoning") && s.contains(&format!("─ {third}"))
    });
    term.type_keys("\x1b");
    term.wait_for_text("─ investigations", PATIENCE);

    // One notch of the wheel up moves the selection one row: to the second.
    term.type_keys(&wheel(false, 20, 10));
    std::thread::sleep(Duration::from_millis(300));
    term.type_keys("\r");
    term.wait_for("the row above open", PATIENCE, |s| {
        s.contains("reasoning") && s.contains(&format!("─ {second}"))
    });
    term.type_keys("\x1b");
    term.wait_for_text("─ investigations", PATIENCE);
    term.quit();
    assert!(
        contains(&term.raw(), b"\x1b[?1000l"),
        "mouse reporting is turned off on exit"
    );
}

#[test]
fn mouse_false_leaves_the_mouse_to_the_terminal() {
    let (_runtime, sandbox) = sandbox_with(&[("firewall", "payments")]);
    let (mut term, _dir) = console(&sandbox, Some(DARK_BACKGROUND), Some("mouse = false\n"));
    term.wait_for_text("payments", PATIENCE);
    // A click where a row is does nothing: the terminal keeps its selection.
    term.type_keys(&click(20, 3));
    term.type_keys(&click(20, 3));
    std::thread::sleep(Duration::from_millis(500));
    assert!(
        !term.contents().contains("reasoning"),
        "{}",
        term.contents()
    );
    assert!(!contains(&term.raw(), b"\x1b[?1000h"));
    term.quit();
}
