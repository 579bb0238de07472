//! Memory with 10,000 investigations and 50 full reasoning streams (design
//! bar: under 120 MiB). Builds a console state with 10,000 investigations,
//! opens one with a full buffer, keeps 49 more full buffers beside it (the
//! console itself follows only the stream on screen; 50 is the bar's bound),
//! and prints the process's resident memory from `/proc/self/status`.
//!
//! Run with `cargo run --profile bench --example perf_memory [STREAMS]`.
//!
//! `perf_memory table [N]` instead reports the resident memory of a state
//! with N investigations (default 100,000) and no stream open (issue 17: under
//! 80 MiB at 100,000), listed the way the watcher sends them: pages of 500.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test, bench or example may panic on what it sets up

use kubevigil::app::fixtures::{EVERY_EVENT, StateBuilder, at, open_with_log};
use kubevigil::app::state::ReasoningBuffer;
use kubevigil::cluster::logline;
use kubevigil::model::records::LogEntry;
use kubevigil::sanitize::Redactor;
use std::error::Error;
use std::hint::black_box;

/// `VmRSS` and `VmHWM` of this process, in KiB.
fn resident() -> Result<(u64, u64), Box<dyn Error>> {
    let status = std::fs::read_to_string("/proc/self/status")?;
    let field = |name: &str| -> u64 {
        status
            .lines()
            .find_map(|line| line.strip_prefix(name))
            .and_then(|rest| rest.split_whitespace().next())
            .and_then(|kib| kib.parse().ok())
            .unwrap_or(0)
    };
    Ok((field("VmRSS:"), field("VmHWM:")))
}

fn report(label: &str) -> Result<(), Box<dyn Error>> {
    let (rss, hwm) = resident()?;
    println!(
        "{label}: VmRSS {:.1} MiB, VmHWM {:.1} MiB",
        rss as f64 / 1024.0,
        hwm as f64 / 1024.0
    );
    Ok(())
}

/// A full buffer of `lines` entries parsed from varied agent lines.
fn full_buffer(stream: usize, lines: usize, redactor: &Redactor) -> ReasoningBuffer {
    let mut buffer = ReasoningBuffer::new(lines);
    let entries: Vec<LogEntry> = (0..lines)
        .map(|i| {
            let logged = at(i64::try_from(i).unwrap_or(0));
            let raw = format!("{logged} {}", EVERY_EVENT[(i + stream) % EVERY_EVENT.len()]);
            logline::entry(i as u64, raw.as_bytes(), redactor)
        })
        .collect();
    buffer.push(entries);
    buffer
}

/// Investigation `i` as `StateBuilder::many_investigations` makes it (six
/// namespaces, one in eight running, one in twenty failed).
fn generated(i: usize) -> kubevigil::model::records::InvestigationRecord {
    use kubevigil::domain::InvestigationState;
    const NAMESPACES: [&str; 6] = [
        "payments", "checkout", "search", "auth", "billing", "ledger",
    ];
    let state = if i.is_multiple_of(8) {
        InvestigationState::Running
    } else if i % 20 == 1 {
        InvestigationState::Failed
    } else {
        InvestigationState::Succeeded
    };
    let age = 60 + i64::try_from(i).unwrap_or(0) * 37 % 86_400;
    kubevigil::app::fixtures::investigation(
        &format!("inv-{i:05}"),
        NAMESPACES[i % NAMESPACES.len()],
        state,
        age,
    )
}

/// A state with `count` investigations and nothing else open, listed the
/// way the watcher sends them: pages of 500 through `update`, each page
/// made just before it is sent (as it comes off the wire).
fn table_only(count: usize) -> Result<(), Box<dyn Error>> {
    use kubevigil::app::{Action, update};
    report("start")?;
    let mut state = StateBuilder::new().build();
    let epoch = state.epoch;
    let mut start = 0;
    while start < count {
        let end = (start + 500).min(count);
        let records = (start..end).map(generated).collect();
        let action = if end < count {
            Action::InvestigationsPage {
                epoch,
                records,
                first: start == 0,
                total: Some(count as u64),
            }
        } else {
            Action::InvestigationsListed { epoch, records }
        };
        update(&mut state, action);
        start = end;
    }
    report(&format!(
        "{} investigations in the table, no stream open",
        state.table.rows().len()
    ))?;
    black_box(&state);
    Ok(())
}

fn main() -> Result<(), Box<dyn Error>> {
    if std::env::args().nth(1).as_deref() == Some("table") {
        let count = std::env::args()
            .nth(2)
            .and_then(|n| n.parse().ok())
            .unwrap_or(100_000);
        return table_only(count);
    }
    let streams: usize = std::env::args()
        .nth(1)
        .and_then(|n| n.parse().ok())
        .unwrap_or(50);
    let lines = kubevigil::config::DEFAULT_LOG_BUFFER_LINES;
    report("start")?;
    let mut state = StateBuilder::new()
        .many_investigations(10_000)
        .log_buffer_lines(lines)
        .build();
    report("10,000 investigations")?;
    let fill: Vec<&str> = EVERY_EVENT.iter().copied().cycle().take(lines).collect();
    open_with_log(&mut state, &fill);
    report("+ 1 open stream, full")?;
    let redactor = Redactor::default();
    let others: Vec<ReasoningBuffer> = (1..streams)
        .map(|stream| full_buffer(stream, lines, &redactor))
        .collect();
    let held: usize = others.iter().map(ReasoningBuffer::len).sum::<usize>()
        + state.detail.as_ref().map_or(0, |d| d.buffer.len());
    report(&format!(
        "+ {} more full streams ({streams} streams, {held} lines of {lines} each)",
        streams - 1
    ))?;
    black_box((&state, &others));
    Ok(())
}
