//! Measures the in-process performance bars of design.md section 4 and
//! prints the figures: frame render percentiles, sustained reasoning ingest
//! on one thread with frame times while ingesting, bytes written per cursor
//! move through the real crossterm backend, and the time to the first frame
//! of a state built from the defaults.
//!
//! Run with `cargo run --profile bench --example perf_report` (optimized, as
//! `cargo bench`). Figures are from `std::time::Instant`.

use crossterm::event::KeyCode;
use kubevigil::app::effect::Effect;
use kubevigil::app::fixtures::{EVERY_EVENT, StateBuilder, key, open_with_log, raw_log_lines};
use kubevigil::app::state::State;
use kubevigil::app::{Action, update};
use kubevigil::cluster::logline;
use kubevigil::model::records::LogEntry;
use kubevigil::sanitize::Redactor;
use kubevigil::tui::FrameWriter;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::layout::Rect;
use std::cell::Cell;
use std::error::Error;
use std::hint::black_box;
use std::io::Write;
use std::rc::Rc;
use std::time::{Duration, Instant};

/// The terminal size the bars are set at.
const COLUMNS: u16 = 160;
/// The terminal size the bars are set at.
const ROWS: u16 = 48;

type Outcome = Result<(), Box<dyn Error>>;

fn main() -> Outcome {
    let started = Instant::now();
    first_frame(started)?;
    println!();
    render_percentiles()?;
    println!();
    ingest()?;
    println!();
    bytes_per_move()?;
    Ok(())
}

/// Time from `main` to the first frame of a console state built from the
/// default config (no cluster: the first frame is drawn before any data).
fn first_frame(started: Instant) -> Outcome {
    let config = kubevigil::config::LoadedConfig::defaults();
    let theme = config.theme();
    let state = State::new(kubevigil::app::state::StateOptions {
        context: "sandbox".into(),
        namespace: None,
        readonly: false,
        theme,
        keymap: kubevigil::app::keymap::Keymap::builtin(),
        log_buffer_lines: config.config.log_buffer_lines,
        contexts: Vec::new(),
        notices: config.warnings.clone(),
        now: jiff::Timestamp::now(),
        time_zone: jiff::tz::TimeZone::system(),
        size: (COLUMNS, ROWS),
    });
    let (mut terminal, written) = counting_terminal()?;
    draw_synchronized(&mut terminal, &written, &state)?;
    let elapsed = started.elapsed();
    println!("== start to first frame (in process, from main, default state)");
    println!("first frame drawn after {}", ms(elapsed));
    Ok(())
}

fn ms(duration: Duration) -> String {
    format!("{:.3} ms", duration.as_secs_f64() * 1_000.0)
}

/// p50, p90, p99 and max of `samples`.
fn percentiles(samples: &mut [Duration]) -> String {
    samples.sort_unstable();
    let at = |p: f64| {
        let index = ((samples.len() as f64 - 1.0) * p).round() as usize;
        samples.get(index).copied().unwrap_or_default()
    };
    let mean = samples.iter().sum::<Duration>() / u32::try_from(samples.len().max(1)).unwrap_or(1);
    format!(
        "p50 {}  p90 {}  p99 {}  max {}  mean {}",
        ms(at(0.50)),
        ms(at(0.90)),
        ms(at(0.99)),
        ms(at(1.0)),
        ms(mean)
    )
}

/// 2,000 frames each with 1,000, 10,000 and 100,000 investigations; the
/// cursor moves (j or k, untimed) before every frame so each frame differs.
fn render_percentiles() -> Outcome {
    println!("== render a frame, 160x48 TestBackend, 2,000 frames after 200 warm-up frames");
    let mut p50s = Vec::new();
    for count in [1_000usize, 10_000, 100_000] {
        let built = Instant::now();
        let mut state = StateBuilder::new().many_investigations(count).build();
        let build_time = built.elapsed();
        let mut terminal = Terminal::new(TestBackend::new(COLUMNS, ROWS))?;
        let mut samples = Vec::with_capacity(2_000);
        for frame in 0..2_200 {
            let code = if frame % 40 < 20 {
                KeyCode::Char('j')
            } else {
                KeyCode::Char('k')
            };
            update(&mut state, key(code));
            let drawn = Instant::now();
            terminal.draw(|f| kubevigil::ui::view(&state, f))?;
            if frame >= 200 {
                samples.push(drawn.elapsed());
            }
        }
        let summary = percentiles(&mut samples);
        p50s.push((count, samples[samples.len() / 2]));
        println!(
            "{count:>7} investigations: {summary}   (state built in {})",
            ms(build_time)
        );
    }
    if let (Some((_, small)), Some((_, large))) = (p50s.first(), p50s.last()) {
        let ratio = large.as_secs_f64() / small.as_secs_f64().max(f64::MIN_POSITIVE);
        println!("p50 of 100,000 / p50 of 1,000 = {ratio:.3}");
    }
    Ok(())
}

/// 500,000 lines on one thread in 2,048-line batches into a full buffer of
/// the open investigation, first without frames, then with one frame of the
/// detail view after every batch (more than the 60 fps cap would draw).
fn ingest() -> Outcome {
    const LINES: usize = 500_000;
    const BATCH: usize = 2_048;
    let buffer_lines = kubevigil::config::DEFAULT_LOG_BUFFER_LINES;
    println!(
        "== reasoning ingest, one thread: {LINES} lines, batches of {BATCH}, buffer {buffer_lines} lines (full)"
    );
    let redactor = Redactor::default();
    let raw = raw_log_lines(LINES);
    let bytes: usize = raw.iter().map(Vec::len).sum();
    println!("average raw line {} bytes", bytes / LINES);
    for with_frames in [false, true] {
        let mut state = StateBuilder::new()
            .many_investigations(10_000)
            .log_buffer_lines(buffer_lines)
            .build();
        let fill: Vec<&str> = EVERY_EVENT
            .iter()
            .copied()
            .cycle()
            .take(buffer_lines)
            .collect();
        let stream = open_with_log(&mut state, &fill);
        let mut terminal = Terminal::new(TestBackend::new(COLUMNS, ROWS))?;
        let mut frames = Vec::new();
        let mut loop_shares = Vec::new();
        let (mut parse_time, mut update_time) = (Duration::ZERO, Duration::ZERO);
        let first_seq = buffer_lines as u64;
        let started = Instant::now();
        for (n, chunk) in raw.chunks(BATCH).enumerate() {
            let parsing = Instant::now();
            let base = first_seq + (n * BATCH) as u64;
            let entries: Vec<LogEntry> = chunk
                .iter()
                .enumerate()
                .map(|(i, line)| logline::entry(base + i as u64, line, &redactor))
                .collect();
            parse_time += parsing.elapsed();
            let updating = Instant::now();
            let effects = update(&mut state, Action::LogLines { stream, entries });
            let updated = updating.elapsed();
            update_time += updated;
            if with_frames && effects.contains(&Effect::Redraw) {
                let drawing = Instant::now();
                terminal.draw(|f| kubevigil::ui::view(&state, f))?;
                let drawn = drawing.elapsed();
                frames.push(drawn);
                loop_shares.push(updated + drawn);
            }
        }
        let total = started.elapsed();
        let rate = LINES as f64 / total.as_secs_f64();
        let held = state.detail.as_ref().map_or(0, |d| d.buffer.len());
        let dropped = state.detail.as_ref().map_or(0, |d| d.buffer.dropped());
        println!(
            "{}: {} total, {:.0} lines/s (parse+sanitize {}, update {}); buffer holds {held}, dropped {dropped}",
            if with_frames {
                "with a frame per batch"
            } else {
                "without frames        "
            },
            ms(total),
            rate,
            ms(parse_time),
            ms(update_time),
        );
        println!(
            "    per line: parse+sanitize {:.2} us, update {:.2} us",
            parse_time.as_secs_f64() * 1e6 / LINES as f64,
            update_time.as_secs_f64() * 1e6 / LINES as f64
        );
        if with_frames {
            println!(
                "    frames while ingesting ({}): {}",
                frames.len(),
                percentiles(&mut frames)
            );
            println!(
                "    update of one batch + its frame: {}",
                percentiles(&mut loop_shares)
            );
        }
        black_box(&state);
    }
    Ok(())
}

/// Counts the bytes written to it (shared, so it can be read while the
/// terminal owns the writer).
#[derive(Debug, Default)]
struct CountingWriter {
    written: ByteCount,
}

impl Write for CountingWriter {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.written.set(self.written.get() + bytes.len());
        Ok(bytes.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

type Counting = FrameWriter<CountingWriter>;

/// The byte count of a [`CountingWriter`], shared with whoever reads it.
type ByteCount = Rc<Cell<usize>>;

fn counting_terminal() -> Result<(Counting, ByteCount), Box<dyn Error>> {
    let writer = CountingWriter::default();
    let written = Rc::clone(&writer.written);
    let frames = FrameWriter::fixed(writer, Rect::new(0, 0, COLUMNS, ROWS))?;
    Ok((frames, written))
}

/// One frame as the runtime draws it: through the same [`FrameWriter`]
/// (synchronized update, scroll region when the table scrolled a little).
fn draw_synchronized(
    frames: &mut Counting,
    written: &ByteCount,
    state: &State,
) -> Result<usize, Box<dyn Error>> {
    let before = written.get();
    frames.draw(
        kubevigil::app::geometry::layout::table_position(state),
        |f| kubevigil::ui::view(state, f),
    )?;
    Ok(written.get() - before)
}

/// Bytes written per j/k move with 10,000 investigations through the real
/// crossterm backend, as the runtime draws (synchronized update included).
fn bytes_per_move() -> Outcome {
    println!("== bytes per cursor move, 160x48, 10,000 investigations, the runtime's FrameWriter");
    let mut state = StateBuilder::new().many_investigations(10_000).build();
    let (mut terminal, written) = counting_terminal()?;
    let first = draw_synchronized(&mut terminal, &written, &state)?;
    println!("first full frame: {first} bytes");
    let mut moves = Vec::new();
    let keys = [
        KeyCode::Char('j'),
        KeyCode::Char('j'),
        KeyCode::Char('k'),
        KeyCode::Down,
        KeyCode::Up,
    ];
    for code in keys.iter().cycle().take(200) {
        let effects = update(&mut state, key(*code));
        if effects.contains(&Effect::Redraw) {
            moves.push(draw_synchronized(&mut terminal, &written, &state)?);
        } else {
            moves.push(0);
        }
    }
    moves.sort_unstable();
    let mean = moves.iter().sum::<usize>() as f64 / moves.len() as f64;
    println!(
        "{} moves (j j k Down Up, repeated): min {} max {} mean {:.1} bytes",
        moves.len(),
        moves.first().copied().unwrap_or(0),
        moves.last().copied().unwrap_or(0),
        mean
    );
    // Moving down past the last visible row scrolls the table: the terminal
    // scrolls its region and only the row that came into view is written.
    let mut scrolling = Vec::new();
    for _ in 0..200 {
        update(&mut state, key(KeyCode::Char('j')));
        scrolling.push(draw_synchronized(&mut terminal, &written, &state)?);
    }
    scrolling.sort_unstable();
    println!(
        "200 consecutive j (the table scrolls once the cursor passes the last row): p50 {} max {} bytes",
        scrolling[scrolling.len() / 2],
        scrolling.last().copied().unwrap_or(0)
    );
    let effects = update(&mut state, key(KeyCode::Char('z')));
    let redraw = effects.contains(&Effect::Redraw);
    let forced = draw_synchronized(&mut terminal, &written, &state)?;
    println!(
        "no-op key 'z': effects {effects:?}, redraw requested: {redraw} -> the runtime writes 0 bytes;"
    );
    println!(
        "    (a frame forced anyway would write {forced} bytes: only the cursor-hide and synchronized-update markers, no cells)"
    );
    Ok(())
}
