//! Runs the real `kubevigil` binary in a pseudo-terminal and reads its screen
//! through a VT100 emulator, as a person at a terminal would see it.

use kubevigil::sandbox::Sandbox;
use portable_pty::{CommandBuilder, PtySize, native_pty_system};
use std::io::{Read, Write};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// What the program asked the terminal to do besides drawing.
#[derive(Default)]
pub struct Requests {
    /// Window titles it set (OSC 0/2).
    pub titles: Vec<Vec<u8>>,
    /// Clipboard writes it asked for (OSC 52).
    pub clipboard_writes: Vec<Vec<u8>>,
    /// How many times it rang the bell.
    pub bells: usize,
    /// Other OSC sequences (desktop notifications: OSC 9, OSC 777), their
    /// parameters joined with `;`.
    pub other_osc: Vec<Vec<u8>>,
}

impl vt100::Callbacks for Requests {
    fn set_window_title(&mut self, _: &mut vt100::Screen, title: &[u8]) {
        self.titles.push(title.to_vec());
    }
    fn copy_to_clipboard(&mut self, _: &mut vt100::Screen, _ty: &[u8], data: &[u8]) {
        self.clipboard_writes.push(data.to_vec());
    }
    fn audible_bell(&mut self, _: &mut vt100::Screen) {
        self.bells += 1;
    }
    fn unhandled_osc(&mut self, _: &mut vt100::Screen, params: &[&[u8]]) {
        self.other_osc.push(params.join(&b';'));
    }
}

/// The background colour a terminal reports by default (OSC 11): black.
pub const DARK_BACKGROUND: &str = "rgb:0000/0000/0000";

/// The answers a terminal gives to the queries the console may send at
/// start (`ESC ] 11 ; ?` for the background colour, `ESC [ c` for device
/// attributes), found in what the program wrote so far (`pending`, of which
/// a trailing partial query is kept for the next read).
fn answer_queries(pending: &mut Vec<u8>, background: Option<&str>) -> Vec<u8> {
    const OSC11: &[u8] = b"\x1b]11;?";
    const DA1: &[u8] = b"\x1b[c";
    let mut replies = Vec::new();
    let mut consumed = 0;
    let mut at = 0;
    while at < pending.len() {
        let rest = &pending[at..];
        if rest.starts_with(OSC11) {
            if let Some(colour) = background {
                replies.extend_from_slice(format!("\x1b]11;{colour}\x1b\\").as_bytes());
            }
            at += OSC11.len();
            consumed = at;
        } else if rest.starts_with(DA1) {
            replies.extend_from_slice(b"\x1b[?62;22c");
            at += DA1.len();
            consumed = at;
        } else {
            at += 1;
        }
    }
    let keep_from = consumed.max(pending.len().saturating_sub(OSC11.len()));
    pending.drain(..keep_from);
    replies
}

/// A running program in a pseudo-terminal, with its screen.
pub struct Terminal {
    screen: Arc<Mutex<vt100::Parser<Requests>>>,
    raw: Arc<Mutex<Vec<u8>>>,
    writer: Arc<Mutex<Box<dyn Write + Send>>>,
    child: Box<dyn portable_pty::Child + Send + Sync>,
    _master: Box<dyn portable_pty::MasterPty + Send>,
}

impl Terminal {
    /// Starts the kubevigil binary with `args` in a `cols` x `rows` terminal
    /// with a black background (which it reports when asked).
    pub fn spawn(args: &[&str], cols: u16, rows: u16, env: &[(&str, &str)]) -> Terminal {
        Terminal::spawn_on(args, cols, rows, env, Some(DARK_BACKGROUND))
    }

    /// Starts the kubevigil binary in a terminal that reports `background`
    /// (an XParseColor spec such as `rgb:ffff/ffff/ffff`) when asked with
    /// OSC 11, or that ignores the question (`None`; it still answers the
    /// device-attributes query, as every terminal does).
    pub fn spawn_on(
        args: &[&str],
        cols: u16,
        rows: u16,
        env: &[(&str, &str)],
        background: Option<&'static str>,
    ) -> Terminal {
        let pty = native_pty_system()
            .openpty(PtySize {
                rows,
                cols,
                pixel_width: 0,
                pixel_height: 0,
            })
            .expect("open a pty");
        let mut cmd = CommandBuilder::new(env!("CARGO_BIN_EXE_kubevigil"));
        cmd.args(args);
        cmd.env("TERM", "xterm-256color");
        let home = std::env::temp_dir().join(format!("kubevigil-pty-{}", std::process::id()));
        cmd.env("XDG_CONFIG_HOME", home.join("config"));
        cmd.env("XDG_DATA_HOME", home.join("data"));
        std::fs::create_dir_all(&home).expect("a home for the console");
        cmd.env("HOME", &home);
        cmd.cwd(&home);
        for (k, v) in env {
            cmd.env(k, v);
        }
        let child = pty.slave.spawn_command(cmd).expect("spawn kubevigil");
        let mut reader = pty.master.try_clone_reader().expect("pty reader");
        let writer = Arc::new(Mutex::new(pty.master.take_writer().expect("pty writer")));
        let answerer = Arc::clone(&writer);
        let screen = Arc::new(Mutex::new(vt100::Parser::new_with_callbacks(
            rows,
            cols,
            0,
            Requests::default(),
        )));
        let feed = Arc::clone(&screen);
        let raw = Arc::new(Mutex::new(Vec::new()));
        let record = Arc::clone(&raw);
        std::thread::spawn(move || {
            let mut buf = [0u8; 8192];
            let mut pending = Vec::new();
            while let Ok(n) = reader.read(&mut buf) {
                if n == 0 {
                    break;
                }
                pending.extend_from_slice(&buf[..n]);
                let replies = answer_queries(&mut pending, background);
                if !replies.is_empty() {
                    let mut writer = answerer.lock().expect("writer lock");
                    let _ = writer.write_all(&replies);
                    let _ = writer.flush();
                }
                record
                    .lock()
                    .expect("raw lock")
                    .extend_from_slice(&buf[..n]);
                feed.lock().expect("screen lock").process(&buf[..n]);
            }
        });
        Terminal {
            screen,
            raw,
            writer,
            child,
            _master: pty.master,
        }
    }

    /// Starts the console against `sandbox` as `user` (through a kubeconfig in
    /// the returned directory, which must outlive the console).
    pub fn spawn_against(
        sandbox: &Sandbox,
        user: &str,
        cols: u16,
        rows: u16,
    ) -> (Terminal, tempfile::TempDir) {
        let dir = tempfile::tempdir().expect("tempdir");
        let kubeconfig = dir.path().join("kubeconfig");
        sandbox
            .write_kubeconfig(&kubeconfig, user)
            .expect("kubeconfig written");
        let path = kubeconfig.to_string_lossy().to_string();
        let term = Terminal::spawn(&["--kubeconfig", &path, "--context", user], cols, rows, &[]);
        (term, dir)
    }

    /// Once an investigation of `scenario` is listed, filters the table to it
    /// and opens it.
    pub fn open_investigation(&mut self, scenario: &str, patience: Duration) {
        self.wait_for_text(&format!("{scenario}-"), patience);
        self.type_keys(&format!("/{scenario}"));
        self.wait_for_text("filter", patience);
        self.type_keys("\r");
        self.type_keys("\r");
    }

    /// Types `:q` and Enter, and checks the console exits within 20 s.
    pub fn quit(&mut self) {
        self.type_keys(":q\r");
        assert!(
            self.wait_exit(Duration::from_secs(20)),
            "the console quits on :q"
        );
    }

    /// The screen's text, rows joined by newlines.
    pub fn contents(&self) -> String {
        self.screen.lock().expect("screen lock").screen().contents()
    }

    /// The screen with its colours and attributes, as escape sequences.
    pub fn contents_formatted(&self) -> Vec<u8> {
        self.screen
            .lock()
            .expect("screen lock")
            .screen()
            .contents_formatted()
    }

    /// The foreground and background colour of the cell at `row`, `col`.
    pub fn cell_colors(&self, row: u16, col: u16) -> Option<(vt100::Color, vt100::Color)> {
        let parser = self.screen.lock().expect("screen lock");
        let cell = parser.screen().cell(row, col)?;
        Some((cell.fgcolor(), cell.bgcolor()))
    }

    /// Window titles the program set so far.
    pub fn titles(&self) -> Vec<Vec<u8>> {
        self.screen
            .lock()
            .expect("screen lock")
            .callbacks()
            .titles
            .clone()
    }

    /// Every byte the program wrote to the terminal so far.
    pub fn raw(&self) -> Vec<u8> {
        self.raw.lock().expect("raw lock").clone()
    }

    /// How many times the program rang the bell so far.
    pub fn bells(&self) -> usize {
        self.screen.lock().expect("screen lock").callbacks().bells
    }

    /// OSC sequences other than titles and clipboard writes, so far.
    pub fn other_osc(&self) -> Vec<Vec<u8>> {
        self.screen
            .lock()
            .expect("screen lock")
            .callbacks()
            .other_osc
            .clone()
    }

    /// Clipboard writes the program asked for so far.
    pub fn clipboard_writes(&self) -> Vec<Vec<u8>> {
        self.screen
            .lock()
            .expect("screen lock")
            .callbacks()
            .clipboard_writes
            .clone()
    }

    /// Types `text` as keystrokes.
    pub fn type_keys(&mut self, text: &str) {
        let mut writer = self.writer.lock().expect("writer lock");
        writer.write_all(text.as_bytes()).expect("write keys");
        writer.flush().expect("flush keys");
    }

    /// Waits until the screen satisfies `check`, panicking with the screen after `timeout`.
    pub fn wait_for(&self, what: &str, timeout: Duration, check: impl Fn(&str) -> bool) -> String {
        let start = Instant::now();
        loop {
            let text = self.contents();
            if check(&text) {
                return text;
            }
            assert!(
                start.elapsed() <= timeout,
                "timed out after {timeout:?} waiting for {what}; the screen was:\n{text}"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// Waits until `needle` appears on screen.
    pub fn wait_for_text(&self, needle: &str, timeout: Duration) -> String {
        self.wait_for(needle, timeout, |s| s.contains(needle))
    }

    /// The program's process id.
    pub fn pid(&self) -> u32 {
        self.child.process_id().expect("a running child has a pid")
    }

    /// The program's exit code, once it has exited.
    pub fn exit_code(&mut self) -> Option<u32> {
        self.child.try_wait().ok().flatten().map(|s| s.exit_code())
    }

    /// Whether the program is still running.
    pub fn is_running(&mut self) -> bool {
        matches!(self.child.try_wait(), Ok(None))
    }

    /// Waits for the program to exit, killing it after `timeout`; returns whether it exited by itself.
    pub fn wait_exit(&mut self, timeout: Duration) -> bool {
        let start = Instant::now();
        while start.elapsed() < timeout {
            if !self.is_running() {
                return true;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = self.child.kill();
        false
    }
}

impl Drop for Terminal {
    fn drop(&mut self) {
        let _ = self.child.kill();
    }
}

/// A two-worker runtime for a test that drives a sandbox from plain threads.
pub fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime")
}
