//! Runs a program (the `kubevigil` binary) in a 160x48 pseudo-terminal and
//! measures it from the outside, as the terminal sees it.
//!
//! - `perf_pty startup RUNS -- PROGRAM ARGS...`: time from spawning the
//!   process to the end of its first frame (the first synchronized update
//!   `ESC[?2026h` ... `ESC[?2026l` fully received), RUNS times.
//! - `perf_pty idle SETTLE MEASURE -- PROGRAM ARGS...`: waits SETTLE seconds,
//!   then for MEASURE seconds counts the frames drawn (synchronized updates),
//!   the bytes written and the CPU time used (utime + stime from
//!   `/proc/PID/stat`), and prints the peak resident memory (`VmHWM`).
//! - `perf_pty scale [--sizes 1000,10000,100000] [--settle SECONDS]
//!   [--idle SECONDS] [--load-timeout SECONDS] [--keys TEXT] [--warm SECONDS] [--quiet] -- KUBEVIGIL
//!   [CONSOLE ARGS...]`: measured like
//!   a user, once per size N: starts `KUBEVIGIL sandbox serve
//!   --investigations N` (waits until it has written its kubeconfig, and
//!   `--warm` seconds more, default 0, for the sandbox's own components to
//!   finish their first lists), then
//!   the console on it in the pseudo-terminal, and reports the time from
//!   spawning the console to its first frame, to the first frame with a table
//!   row on screen (the table's title `investigations V/T` with V > 0, read
//!   from a `vt100` screen fed every byte), and to the list fully loaded (T at
//!   least N and no `loading` on screen); then, `--settle` seconds (default
//!   10) after the load, the frames and bytes written per minute and the CPU
//!   share over `--idle` seconds (default 30), and `VmRSS`/`VmHWM` at the
//!   end; `--keys` are typed once the list is loaded (`S` shows the oldest
//!   rows first); `--quiet` serves the sandbox with `--quiet` (the seeded
//!   history only, no scenario agents: a cluster at rest, where idle means
//!   idle). Prints a Markdown table.
//!
//! Run with `cargo run --profile bench --example perf_pty -- ...`.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test, bench or example may panic on what it sets up

use portable_pty::{Child, CommandBuilder, PtySize, native_pty_system};
use std::error::Error;
use std::io::{Read, Write};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

type Outcome = Result<(), Box<dyn Error>>;

/// Start of a synchronized update: the runtime opens every frame with it.
const FRAME_START: &[u8] = b"\x1b[?2026h";
/// End of a synchronized update: the frame is complete.
const FRAME_END: &[u8] = b"\x1b[?2026l";

/// Everything the program wrote, and when the first frame was complete.
struct Output {
    bytes: Vec<u8>,
    first_frame: Option<Instant>,
    /// The terminal's screen, fed every byte.
    screen: vt100::Parser,
    /// When a table row was first on screen.
    first_rows: Option<Instant>,
    /// When the table first held at least `expected` rows with nothing loading.
    loaded: Option<Instant>,
    /// How many rows the table holds once loaded (`scale`).
    expected: Option<u64>,
}

impl Default for Output {
    fn default() -> Self {
        Output {
            bytes: Vec::new(),
            first_frame: None,
            screen: vt100::Parser::new(48, 160, 0),
            first_rows: None,
            loaded: None,
            expected: None,
        }
    }
}

impl Output {
    /// Takes `chunk` in, noting the first frame, the first rows and the load.
    fn feed(&mut self, chunk: &[u8]) {
        self.bytes.extend_from_slice(chunk);
        let now = Instant::now();
        if self.first_frame.is_none() {
            let start = find(&self.bytes, FRAME_START, 0);
            if start
                .and_then(|s| find(&self.bytes, FRAME_END, s))
                .is_some()
            {
                self.first_frame = Some(now);
            }
        }
        let Some(expected) = self.expected else {
            return;
        };
        if self.loaded.is_some() {
            return;
        }
        self.screen.process(chunk);
        let contents = self.screen.screen().contents();
        if let Some((visible, total)) = table_counts(&contents) {
            if visible > 0 && self.first_rows.is_none() {
                self.first_rows = Some(now);
            }
            if total >= expected && !contents.contains("loading") {
                self.loaded = Some(now);
            }
        }
    }
}

/// The counts of the table's title, `investigations V/T`.
fn table_counts(screen: &str) -> Option<(u64, u64)> {
    let rest = &screen[screen.find("investigations ")? + "investigations ".len()..];
    let number = |text: &str| -> Option<(u64, usize)> {
        let end = text
            .find(|c: char| !(c.is_ascii_digit() || c == ','))
            .unwrap_or(text.len());
        let digits: String = text[..end].chars().filter(char::is_ascii_digit).collect();
        Some((digits.parse().ok()?, end))
    };
    let (visible, end) = number(rest)?;
    let (total, _) = number(rest[end..].strip_prefix('/')?)?;
    Some((visible, total))
}

/// A program running in a pseudo-terminal.
struct Running {
    child: Box<dyn Child + Send + Sync>,
    writer: Arc<Mutex<Box<dyn Write + Send>>>,
    output: Arc<Mutex<Output>>,
    spawned: Instant,
    _master: Box<dyn portable_pty::MasterPty + Send>,
}

fn find(haystack: &[u8], needle: &[u8], from: usize) -> Option<usize> {
    haystack
        .get(from..)?
        .windows(needle.len())
        .position(|w| w == needle)
        .map(|at| at + from)
}

fn count(haystack: &[u8], needle: &[u8]) -> usize {
    haystack
        .windows(needle.len())
        .filter(|w| *w == needle)
        .count()
}

fn spawn(program: &[String]) -> Result<Running, Box<dyn Error>> {
    spawn_expecting(program, None)
}

fn spawn_expecting(program: &[String], expected: Option<u64>) -> Result<Running, Box<dyn Error>> {
    let (path, args) = program.split_first().ok_or("no program given after --")?;
    let pty = native_pty_system().openpty(PtySize {
        rows: 48,
        cols: 160,
        pixel_width: 0,
        pixel_height: 0,
    })?;
    let home = std::env::temp_dir().join(format!("kubevigil-perf-{}", std::process::id()));
    std::fs::create_dir_all(&home)?;
    let mut command = CommandBuilder::new(path);
    command.args(args);
    command.env("TERM", "xterm-256color");
    command.env("HOME", &home);
    command.env("XDG_CONFIG_HOME", home.join("config"));
    command.env("XDG_DATA_HOME", home.join("data"));
    command.cwd(&home);
    let mut reader = pty.master.try_clone_reader()?;
    let writer = Arc::new(Mutex::new(pty.master.take_writer()?));
    let answerer = Arc::clone(&writer);
    let output = Arc::new(Mutex::new(Output {
        expected,
        ..Output::default()
    }));
    let feed = Arc::clone(&output);
    let spawned = Instant::now();
    let child = pty.slave.spawn_command(command)?;
    std::thread::spawn(move || {
        let mut buf = [0u8; 16_384];
        let mut pending = Vec::new();
        while let Ok(n) = reader.read(&mut buf) {
            if n == 0 {
                break;
            }
            // Answer as a terminal with a black background would: the
            // console asks (OSC 11, then DA1) before its first frame.
            pending.extend_from_slice(&buf[..n]);
            let replies = terminal_answers(&mut pending);
            if !replies.is_empty()
                && let Ok(mut writer) = answerer.lock()
            {
                let _ = writer.write_all(&replies);
                let _ = writer.flush();
            }
            let Ok(mut out) = feed.lock() else { break };
            out.feed(&buf[..n]);
        }
    });
    Ok(Running {
        child,
        writer,
        output,
        spawned,
        _master: pty.master,
    })
}

/// What a terminal with a black background answers to the queries found in
/// `pending` (OSC 11 for the background, DA1 for its attributes); a
/// trailing partial query is kept for the next read.
fn terminal_answers(pending: &mut Vec<u8>) -> Vec<u8> {
    const OSC11: &[u8] = b"\x1b]11;?";
    const DA1: &[u8] = b"\x1b[c";
    let mut replies = Vec::new();
    let (mut at, mut consumed) = (0, 0);
    while at < pending.len() {
        let rest = &pending[at..];
        if rest.starts_with(OSC11) {
            replies.extend_from_slice(b"\x1b]11;rgb:0000/0000/0000\x1b\\");
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

/// utime + stime of `pid`, in clock ticks.
fn cpu_ticks(pid: u32) -> Result<u64, Box<dyn Error>> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat"))?;
    // Fields after the command name (which is in parentheses).
    let after = stat
        .rsplit_once(')')
        .map(|(_, rest)| rest)
        .ok_or("bad stat")?;
    let fields: Vec<&str> = after.split_whitespace().collect();
    // utime and stime are fields 14 and 15; `after` starts at field 3.
    let utime: u64 = fields.get(11).ok_or("no utime")?.parse()?;
    let stime: u64 = fields.get(12).ok_or("no stime")?.parse()?;
    Ok(utime + stime)
}

fn status_field(pid: u32, name: &str) -> Result<String, Box<dyn Error>> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status"))?;
    Ok(status
        .lines()
        .find_map(|line| line.strip_prefix(name))
        .map(|v| v.trim().to_string())
        .unwrap_or_default())
}

fn startup(runs: usize, program: &[String]) -> Outcome {
    let mut times = Vec::new();
    for run in 1..=runs {
        let mut running = spawn(program)?;
        let deadline = Instant::now() + Duration::from_secs(20);
        let first = loop {
            let first = running.output.lock().map_err(|_| "lock")?.first_frame;
            if first.is_some() || Instant::now() > deadline {
                break first;
            }
            std::thread::sleep(Duration::from_millis(1));
        };
        running.child.kill()?;
        let _ = running.child.wait();
        match first {
            Some(at) => {
                let elapsed = at.duration_since(running.spawned);
                println!(
                    "run {run}: first frame after {:.1} ms",
                    elapsed.as_secs_f64() * 1e3
                );
                times.push(elapsed);
            }
            None => println!("run {run}: no frame within 20 s"),
        }
        std::thread::sleep(Duration::from_millis(200));
    }
    times.sort_unstable();
    if let (Some(min), Some(max)) = (times.first(), times.last()) {
        println!(
            "start to first frame over {} runs: median {:.1} ms, min {:.1} ms, max {:.1} ms",
            times.len(),
            times[times.len() / 2].as_secs_f64() * 1e3,
            min.as_secs_f64() * 1e3,
            max.as_secs_f64() * 1e3
        );
    }
    Ok(())
}

fn idle(settle: u64, measure: u64, program: &[String]) -> Outcome {
    let mut running = spawn(program)?;
    let pid = running.child.process_id().ok_or("no pid")?;
    let ticks_per_second = 100.0; // USER_HZ on Linux
    std::thread::sleep(Duration::from_secs(settle));
    let snapshot = |running: &Running| -> Result<(usize, usize), Box<dyn Error>> {
        let out = running.output.lock().map_err(|_| "lock")?;
        Ok((out.bytes.len(), count(&out.bytes, FRAME_START)))
    };
    let (bytes_before, frames_before) = snapshot(&running)?;
    let ticks_before = cpu_ticks(pid)?;
    println!(
        "after {settle} s to settle: {frames_before} frames drawn, {bytes_before} bytes, CPU {:.2} s, VmRSS {}",
        ticks_before as f64 / ticks_per_second,
        status_field(pid, "VmRSS:")?
    );
    let started = Instant::now();
    std::thread::sleep(Duration::from_secs(measure));
    let wall = started.elapsed().as_secs_f64();
    let ticks_after = cpu_ticks(pid)?;
    let (bytes_after, frames_after) = snapshot(&running)?;
    let cpu = (ticks_after - ticks_before) as f64 / ticks_per_second;
    println!(
        "over the next {wall:.1} s: {} frames drawn, {} bytes written, CPU {cpu:.2} s = {:.2}% of one core",
        frames_after - frames_before,
        bytes_after - bytes_before,
        cpu / wall * 100.0
    );
    println!(
        "memory: VmRSS {}, VmHWM {}",
        status_field(pid, "VmRSS:")?,
        status_field(pid, "VmHWM:")?
    );
    running.child.kill()?;
    let _ = running.child.wait();
    Ok(())
}

/// What `scale` measured at one size.
struct ScaleRow {
    size: usize,
    first_frame: Option<Duration>,
    first_rows: Option<Duration>,
    loaded: Option<Duration>,
    idle_seconds: f64,
    frames: usize,
    bytes: usize,
    cpu_seconds: f64,
    rss: String,
    hwm: String,
}

/// A running `kubevigil sandbox serve`, killed when dropped.
struct Serving(std::process::Child);

impl Drop for Serving {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Starts `binary sandbox serve --investigations size` and waits until it
/// has written `kubeconfig` (it prints the path once the sandbox serves).
fn serve(
    binary: &str,
    size: usize,
    kubeconfig: &std::path::Path,
    quiet: bool,
) -> Result<Serving, Box<dyn Error>> {
    use std::io::BufRead;
    let _ = std::fs::remove_file(kubeconfig);
    let mut child = std::process::Command::new(binary)
        .args(["sandbox", "serve", "--investigations", &size.to_string()])
        .args(quiet.then_some("--quiet"))
        .arg("--kubeconfig-out")
        .arg(kubeconfig)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()?;
    let stdout = child.stdout.take().ok_or("no stdout")?;
    let serving = Serving(child);
    let mut lines = std::io::BufReader::new(stdout).lines();
    loop {
        match lines.next() {
            Some(Ok(line)) if line.starts_with("kubeconfig:") => break,
            Some(Ok(_)) => {}
            _ => return Err("the sandbox ended before it served".into()),
        }
    }
    // Keep draining its output so it never blocks on a full pipe.
    std::thread::spawn(move || for _ in lines {});
    Ok(serving)
}

fn scale_one(
    size: usize,
    (settle_seconds, idle_seconds, load_timeout, warm_seconds): (u64, u64, u64, u64),
    (keys, quiet): (&str, bool),
    program: &[String],
) -> Result<ScaleRow, Box<dyn Error>> {
    let (binary, console_args) = program.split_first().ok_or("no binary given after --")?;
    let dir = std::env::temp_dir().join(format!("kubevigil-perf-scale-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let kubeconfig = dir.join(format!("kubeconfig-{size}"));
    let started = Instant::now();
    let serving = serve(binary, size, &kubeconfig, quiet)?;
    eprintln!(
        "{size}: sandbox serving after {:.1} s",
        started.elapsed().as_secs_f64()
    );
    // A console usually meets a cluster that has been up for a while: let
    // the sandbox's own governors and launcher finish their first lists.
    std::thread::sleep(Duration::from_secs(warm_seconds));
    let mut console: Vec<String> = vec![
        binary.clone(),
        "--kubeconfig".into(),
        kubeconfig.display().to_string(),
    ];
    console.extend(console_args.iter().cloned());
    let mut running = spawn_expecting(&console, Some(size as u64))?;
    let pid = running.child.process_id().ok_or("no pid")?;
    let deadline = Instant::now() + Duration::from_secs(load_timeout);
    loop {
        let loaded = running.output.lock().map_err(|_| "lock")?.loaded;
        if loaded.is_some() || Instant::now() > deadline {
            break;
        }
        std::thread::sleep(Duration::from_millis(2));
    }
    let since_spawn = |at: Option<Instant>| at.map(|at| at.duration_since(running.spawned));
    let (first_frame, first_rows, loaded) = {
        let out = running.output.lock().map_err(|_| "lock")?;
        (
            since_spawn(out.first_frame),
            since_spawn(out.first_rows),
            since_spawn(out.loaded),
        )
    };
    let snapshot = |running: &Running| -> Result<(usize, usize), Box<dyn Error>> {
        let out = running.output.lock().map_err(|_| "lock")?;
        Ok((out.bytes.len(), count(&out.bytes, FRAME_START)))
    };
    if !keys.is_empty() {
        // Keys typed once the list is loaded (`S`: oldest first, say).
        let mut writer = running.writer.lock().map_err(|_| "writer lock")?;
        writer.write_all(keys.as_bytes())?;
        writer.flush()?;
    }
    // The first peeks at the rows' last lines and their answers come just
    // after the load; idle is what follows.
    std::thread::sleep(Duration::from_secs(settle_seconds));
    let (bytes_before, frames_before) = snapshot(&running)?;
    let ticks_before = cpu_ticks(pid)?;
    let measuring = Instant::now();
    std::thread::sleep(Duration::from_secs(idle_seconds));
    let wall = measuring.elapsed().as_secs_f64();
    let ticks_after = cpu_ticks(pid)?;
    let (bytes_after, frames_after) = snapshot(&running)?;
    let row = ScaleRow {
        size,
        first_frame,
        first_rows,
        loaded,
        idle_seconds: wall,
        frames: frames_after - frames_before,
        bytes: bytes_after - bytes_before,
        cpu_seconds: (ticks_after - ticks_before) as f64 / 100.0,
        rss: status_field(pid, "VmRSS:")?,
        hwm: status_field(pid, "VmHWM:")?,
    };
    running.child.kill()?;
    let _ = running.child.wait();
    drop(serving);
    Ok(row)
}

fn scale(options: &[String], program: &[String]) -> Outcome {
    let option = |name: &str| {
        options
            .iter()
            .position(|o| o == name)
            .and_then(|i| options.get(i + 1))
    };
    let sizes: Vec<usize> = match option("--sizes") {
        Some(list) => list
            .split(',')
            .map(|n| n.trim().replace('_', "").parse())
            .collect::<Result<_, _>>()?,
        None => vec![1_000, 10_000, 100_000],
    };
    let idle_seconds: u64 = option("--idle").map_or(Ok(30), |n| n.parse())?;
    let load_timeout: u64 = option("--load-timeout").map_or(Ok(120), |n| n.parse())?;
    let settle_seconds: u64 = option("--settle").map_or(Ok(10), |n| n.parse())?;
    let warm_seconds: u64 = option("--warm").map_or(Ok(0), |n| n.parse())?;
    let mut rows = Vec::new();
    for size in sizes {
        let row = scale_one(
            size,
            (settle_seconds, idle_seconds, load_timeout, warm_seconds),
            (
                option("--keys").map_or("", String::as_str),
                options.iter().any(|o| o == "--quiet"),
            ),
            program,
        )?;
        eprintln!(
            "{size}: first rows {:?}, loaded {:?}, {} frames / {} bytes in {:.1} s",
            row.first_rows, row.loaded, row.frames, row.bytes, row.idle_seconds
        );
        rows.push(row);
        std::thread::sleep(Duration::from_secs(1));
    }
    let ms = |d: Option<Duration>| {
        d.map_or("not seen".to_string(), |d| {
            format!("{:.0} ms", d.as_secs_f64() * 1e3)
        })
    };
    println!(
        "| investigations | first frame | first rows | fully loaded | idle frames/min | idle bytes/min | idle CPU | VmRSS | VmHWM |"
    );
    println!("|---|---|---|---|---|---|---|---|---|");
    for row in &rows {
        let per_minute = 60.0 / row.idle_seconds;
        println!(
            "| {} | {} | {} | {} | {:.1} | {:.0} | {:.2}% | {} | {} |",
            row.size,
            ms(row.first_frame),
            ms(row.first_rows),
            ms(row.loaded),
            row.frames as f64 * per_minute,
            row.bytes as f64 * per_minute,
            row.cpu_seconds / row.idle_seconds * 100.0,
            row.rss,
            row.hwm
        );
    }
    Ok(())
}

fn main() -> Outcome {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let split = args
        .iter()
        .position(|a| a == "--")
        .ok_or("usage: see the file's docs")?;
    let (options, program) = (&args[..split], &args[split + 1..]);
    match options.first().map(String::as_str) {
        Some("startup") => startup(options.get(1).and_then(|n| n.parse().ok()).unwrap_or(10), program),
        Some("idle") => idle(
            options.get(1).and_then(|n| n.parse().ok()).unwrap_or(20),
            options.get(2).and_then(|n| n.parse().ok()).unwrap_or(30),
            program,
        ),
        Some("scale") => scale(&options[1..], program),
        _ => Err("usage: perf_pty startup RUNS -- PROGRAM... | perf_pty idle SETTLE MEASURE -- PROGRAM... | perf_pty scale [--sizes 1000,10000,100000] [--settle SECONDS] [--idle SECONDS] [--load-timeout SECONDS] [--keys TEXT] [--warm SECONDS] [--quiet] -- KUBEVIGIL [ARGS...]".into()),
    }
}
