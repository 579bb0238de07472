//! Human durations the way kubectl prints ages (`45s`, `3m20s`, `5h`, `12d`).

/// Formats whole seconds like Kubernetes' `duration.HumanDuration`.
pub(crate) fn human(seconds: i64) -> String {
    if seconds < -1 {
        return "<invalid>".into();
    }
    let seconds = seconds.max(0);
    let minutes = seconds / 60;
    let hours = minutes / 60;
    let days = hours / 24;
    let years = days / 365;
    let with = |big: i64, big_unit: &str, small: i64, small_unit: &str| {
        if small == 0 {
            format!("{big}{big_unit}")
        } else {
            format!("{big}{big_unit}{small}{small_unit}")
        }
    };
    if seconds < 120 {
        format!("{seconds}s")
    } else if minutes < 10 {
        with(minutes, "m", seconds % 60, "s")
    } else if minutes < 180 {
        format!("{minutes}m")
    } else if hours < 8 {
        with(hours, "h", minutes % 60, "m")
    } else if hours < 48 {
        format!("{hours}h")
    } else if hours < 24 * 8 {
        with(days, "d", hours % 24, "h")
    } else if days < 365 * 2 {
        format!("{days}d")
    } else if days < 365 * 8 {
        with(years, "y", days % 365, "d")
    } else {
        format!("{years}y")
    }
}

/// Seconds from an RFC 3339 time to now; `None` when absent or unparsable.
pub(crate) fn seconds_since(rfc3339: Option<&str>) -> Option<i64> {
    let then: jiff::Timestamp = rfc3339?.parse().ok()?;
    Some(jiff::Timestamp::now().as_second() - then.as_second())
}

/// Seconds between two RFC 3339 times.
pub(crate) fn seconds_between(from: Option<&str>, to: Option<&str>) -> Option<i64> {
    let from: jiff::Timestamp = from?.parse().ok()?;
    let to: jiff::Timestamp = to?.parse().ok()?;
    Some(to.as_second() - from.as_second())
}

#[cfg(test)]
mod tests {
    use super::human;

    #[test]
    fn matches_kubectl() {
        assert_eq!(human(5), "5s");
        assert_eq!(human(119), "119s");
        assert_eq!(human(200), "3m20s");
        assert_eq!(human(600), "10m");
        assert_eq!(human(4 * 3600 + 60), "4h1m");
        assert_eq!(human(30 * 3600), "30h");
        assert_eq!(human(3 * 86400 + 3600), "3d1h");
        assert_eq!(human(100 * 86400), "100d");
    }
}
