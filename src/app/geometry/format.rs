//! Formatting of times, durations, money and counts, shared by the views.

use jiff::tz::TimeZone;
use jiff::{SignedDuration, Timestamp};

/// A duration as its two largest units: `42s`, `3m05s`, `2h10m`, `4d3h`;
/// seconds are shown only under ten minutes, so an idle screen full of
/// older investigations changes (and is redrawn) once a minute at most.
pub fn compact_duration(duration: SignedDuration) -> String {
    let secs = duration.as_secs().max(0);
    let (days, hours, minutes, seconds) =
        (secs / 86_400, secs / 3600 % 24, secs / 60 % 60, secs % 60);
    if days > 0 {
        format!("{days}d{hours}h")
    } else if hours > 0 {
        format!("{hours}h{minutes:02}m")
    } else if minutes >= 10 {
        format!("{minutes}m")
    } else if minutes > 0 {
        format!("{minutes}m{seconds:02}s")
    } else {
        format!("{seconds}s")
    }
}

/// How long ago `then` was: `3m05s`, or `—` when unknown.
pub fn age(now: Timestamp, then: Option<Timestamp>) -> String {
    match then {
        Some(then) => compact_duration(now.duration_since(then)),
        None => "—".into(),
    }
}

/// Time left until `deadline`: `12m30s`, `overdue` once passed, `—` when unknown.
pub fn time_left(now: Timestamp, deadline: Option<Timestamp>) -> String {
    match deadline {
        Some(deadline) if deadline > now => compact_duration(deadline.duration_since(now)),
        Some(_) => "overdue".into(),
        None => "—".into(),
    }
}

/// A wall-clock time, `02:14:07`, in `zone`.
pub fn clock(at: Timestamp, zone: &TimeZone) -> String {
    at.to_zoned(zone.clone()).strftime("%H:%M:%S").to_string()
}

/// Money: `$0.0123` below ten cents, `$1.23` above.
pub fn cost(usd: f64) -> String {
    if usd < 0.1 {
        format!("${usd:.4}")
    } else {
        format!("${usd:.2}")
    }
}

/// A count with thousands separators: `12,345`.
pub fn count(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// A confidence from 0 to 1 as a five-cell bar and a percentage: `███░░ 60%`.
pub fn confidence_bar(confidence: f64) -> String {
    let clamped = confidence.clamp(0.0, 1.0);
    let filled = (clamped * 5.0).round() as usize;
    format!(
        "{}{} {:>3.0}%",
        "█".repeat(filled),
        "░".repeat(5 - filled),
        clamped * 100.0
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_use_two_units() {
        assert_eq!(compact_duration(SignedDuration::from_secs(42)), "42s");
        assert_eq!(compact_duration(SignedDuration::from_secs(185)), "3m05s");
        assert_eq!(compact_duration(SignedDuration::from_secs(750)), "12m");
        assert_eq!(compact_duration(SignedDuration::from_secs(7800)), "2h10m");
        assert_eq!(compact_duration(SignedDuration::from_secs(97_200)), "1d3h");
        assert_eq!(compact_duration(SignedDuration::from_secs(-5)), "0s");
    }

    #[test]
    fn counts_money_and_bars() {
        assert_eq!(count(1_234_567), "1,234,567");
        assert_eq!(count(999), "999");
        assert_eq!(cost(0.0123), "$0.0123");
        assert_eq!(cost(1.5), "$1.50");
        assert_eq!(confidence_bar(0.6), "███░░  60%");
    }
}
