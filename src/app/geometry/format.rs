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

/// A duration as `kubectl get` prints an AGE (apimachinery's
/// `duration.HumanDuration`): seconds under two minutes (`95s`), minutes and
/// seconds under ten (`3m12s`, `4m`), minutes under three hours (`45m`),
/// hours and minutes under eight (`5h7m`), hours under two days (`30h`), days
/// and hours under eight days (`3d4h`), days under two years (`120d`), then
/// years and days (`2y15d`) and years (`9y`). The older a row, the more
/// seldom its text changes: past ten minutes once a minute, past three hours
/// once an hour at most.
pub fn human_duration(duration: SignedDuration) -> String {
    const MINUTE: i64 = 60;
    const HOUR: i64 = 60 * MINUTE;
    const DAY: i64 = 24 * HOUR;
    // kubectl tolerates a second of clock skew as "now".
    let secs = duration.as_secs().max(0);
    if secs < 2 * MINUTE {
        return format!("{secs}s");
    }
    let minutes = secs / MINUTE;
    if minutes < 10 {
        return match secs % MINUTE {
            0 => format!("{minutes}m"),
            s => format!("{minutes}m{s}s"),
        };
    }
    if minutes < 3 * 60 {
        return format!("{minutes}m");
    }
    let hours = secs / HOUR;
    if hours < 8 {
        return match minutes % 60 {
            0 => format!("{hours}h"),
            m => format!("{hours}h{m}m"),
        };
    }
    if hours < 48 {
        return format!("{hours}h");
    }
    let days = secs / DAY;
    if hours < 24 * 8 {
        return match hours % 24 {
            0 => format!("{days}d"),
            h => format!("{days}d{h}h"),
        };
    }
    if days < 365 * 2 {
        return format!("{days}d");
    }
    let years = days / 365;
    if days < 365 * 8 {
        return match days % 365 {
            0 => format!("{years}y"),
            d => format!("{years}y{d}d"),
        };
    }
    format!("{years}y")
}

/// A duration as `kubectl describe` prints an event's age (apimachinery's
/// `duration.ShortHumanDuration`): seconds under a minute (`42s`), then whole
/// minutes (`9m`), hours (`5h`), days (`3d`) and years (`2y`). A table row's
/// AGE and LEFT use it: a young row's cells change once a minute, not every
/// second, so an idle table over SSH stays quiet.
pub fn short_duration(duration: SignedDuration) -> String {
    const MINUTE: i64 = 60;
    const HOUR: i64 = 60 * MINUTE;
    const DAY: i64 = 24 * HOUR;
    let secs = duration.as_secs().max(0);
    if secs < MINUTE {
        format!("{secs}s")
    } else if secs < HOUR {
        format!("{}m", secs / MINUTE)
    } else if secs < DAY {
        format!("{}h", secs / HOUR)
    } else if secs < 365 * DAY {
        format!("{}d", secs / DAY)
    } else {
        format!("{}y", secs / (365 * DAY))
    }
}

/// How long ago `then` was, as [`short_duration`], or `—` when unknown: the
/// table's AGE.
pub fn short_age(now: Timestamp, then: Option<Timestamp>) -> String {
    match then {
        Some(then) => short_duration(now.duration_since(then)),
        None => "—".into(),
    }
}

/// Time left until `deadline` as [`short_duration`], `overdue` once passed,
/// `—` when unknown: the table's LEFT.
pub fn short_time_left(now: Timestamp, deadline: Option<Timestamp>) -> String {
    match deadline {
        Some(deadline) if deadline > now => short_duration(deadline.duration_since(now)),
        Some(_) => "overdue".into(),
        None => "—".into(),
    }
}

/// How long ago `then` was, as `kubectl get` prints an age (`95s`, `3m12s`,
/// `45m`, `5h7m`, `30h`, `3d4h`), or `—` when unknown.
pub fn age(now: Timestamp, then: Option<Timestamp>) -> String {
    match then {
        Some(then) => human_duration(now.duration_since(then)),
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
    fn ages_follow_kubectl() {
        let cases = [
            (-5, "0s"),
            (0, "0s"),
            (42, "42s"),
            (119, "119s"),
            (120, "2m"),
            (192, "3m12s"),
            (599, "9m59s"),
            (600, "10m"),
            (659, "10m"),
            (10_799, "179m"),
            (10_800, "3h"),
            (18_420, "5h7m"),
            (28_799, "7h59m"),
            (28_800, "8h"),
            (172_799, "47h"),
            (172_800, "2d"),
            (273_600, "3d4h"),
            (691_199, "7d23h"),
            (691_200, "8d"),
            (63_071_999, "729d"),
            (63_072_000, "2y"),
            (64_368_000, "2y15d"),
            (252_288_000, "8y"),
            (290_000_000, "9y"),
        ];
        for (secs, text) in cases {
            assert_eq!(
                human_duration(SignedDuration::from_secs(secs)),
                text,
                "{secs} s"
            );
        }
    }

    #[test]
    fn short_durations_are_kubectl_describes() {
        let cases = [
            (-5, "0s"),
            (0, "0s"),
            (59, "59s"),
            (60, "1m"),
            (599, "9m"),
            (3_599, "59m"),
            (3_600, "1h"),
            (86_399, "23h"),
            (86_400, "1d"),
            (31_535_999, "364d"),
            (31_536_000, "1y"),
            (100_000_000, "3y"),
        ];
        for (secs, text) in cases {
            assert_eq!(
                short_duration(SignedDuration::from_secs(secs)),
                text,
                "{secs} s"
            );
        }
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
