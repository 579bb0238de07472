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
//!
//! Run with `cargo run --profile bench --example perf_pty -- ...`.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test, bench or example may panic on what it sets up

use portable_pty::{Child, CommandBuilder, PtySize, native_pty_system};
use std::error::Error;
use std::io::Read;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

type Outcome = Result<(), Box<dyn Error>>;

/// Start of a synchronized update: the runtime opens every frame with it.
const FRAME_START: &[u8] = b"\x1b[?2026h";
/// End of a synchronized update: the frame is complete.
const FRAME_END: &[u8] = b"\x1b[?2026l";

/// Everything the program wrote, and when the first frame was complete.
#[derive(Default)]
struct Output {
    bytes: Vec<u8>,
    first_frame: Option<Instant>,
}

/// A program running in a pseudo-terminal.
struct Running {
    child: Box<dyn Child + Send + Sync>,
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
    let output = Arc::new(Mutex::new(Output::default()));
    let feed = Arc::clone(&output);
    let spawned = Instant::now();
    let child = pty.slave.spawn_command(command)?;
    std::thread::spawn(move || {
        let mut buf = [0u8; 16_384];
        while let Ok(n) = reader.read(&mut buf) {
            if n == 0 {
                break;
            }
            let Ok(mut out) = feed.lock() else { break };
            out.bytes.extend_from_slice(&buf[..n]);
            if out.first_frame.is_none() {
                let start = find(&out.bytes, FRAME_START, 0);
                if start.and_then(|s| find(&out.bytes, FRAME_END, s)).is_some() {
                    out.first_frame = Some(Instant::now());
                }
            }
        }
    });
    Ok(Running {
        child,
        output,
        spawned,
        _master: pty.master,
    })
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
        _ => Err("usage: perf_pty startup RUNS -- PROGRAM... | perf_pty idle SETTLE MEASURE -- PROGRAM...".into()),
    }
}
