//! Reading how far back to look: `90s`, `30m`, `24h`, `7d`, `2w`, or sums like `1h30m`.

use jiff::{SignedDuration, Timestamp};

/// The longest look-back accepted: 100 years.
const MAX_SECONDS: i64 = 100 * 365 * 86_400;

/// The moment `text` (as for [`parse_since`]) before `now`: where an export
/// with `--since TEXT` starts.
pub fn since_ago(text: &str, now: Timestamp) -> Result<Timestamp, String> {
    let back = parse_since(text)?;
    now.checked_sub(back)
        .map_err(|_| format!("`{text}` reaches back before the earliest time there is"))
}

/// Parses a look-back such as `24h`, `7d`, `30m`, `90s` or `2w` (also sums such
/// as `1d12h`). Units: `s`, `m`, `h`, `d` (24 h), `w` (7 d). The error says what
/// was wrong in words fit for the command line.
pub fn parse_since(text: &str) -> Result<SignedDuration, String> {
    let text = text.trim();
    if text.is_empty() {
        return Err("give a duration such as 24h, 7d, 30m, 90s or 2w".to_string());
    }
    let mut total: i64 = 0;
    let mut digits = String::new();
    for c in text.chars() {
        if c.is_ascii_digit() {
            digits.push(c);
            continue;
        }
        let seconds_per_unit: i64 = match c.to_ascii_lowercase() {
            's' => 1,
            'm' => 60,
            'h' => 3_600,
            'd' => 86_400,
            'w' => 604_800,
            _ => {
                return Err(format!(
                    "`{text}`: unknown unit `{c}`; use s, m, h, d or w (as in 24h or 7d)"
                ));
            }
        };
        if digits.is_empty() {
            return Err(format!(
                "`{text}`: a number must come before `{c}` (as in 24h)"
            ));
        }
        let amount: i64 = digits
            .parse()
            .map_err(|_| format!("`{text}`: {digits} is too large"))?;
        digits.clear();
        total = amount
            .checked_mul(seconds_per_unit)
            .and_then(|s| total.checked_add(s))
            .ok_or_else(|| format!("`{text}` is too long a duration"))?;
    }
    if !digits.is_empty() {
        return Err(format!(
            "`{text}`: {digits} needs a unit: s, m, h, d or w (as in {digits}h)"
        ));
    }
    if total > MAX_SECONDS {
        return Err(format!(
            "`{text}` is too long a duration (at most 100 years)"
        ));
    }
    if total == 0 {
        return Err(format!(
            "`{text}` is no time at all; give a duration such as 24h"
        ));
    }
    Ok(SignedDuration::from_secs(total))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_usual_spellings() {
        let secs = |t: &str| parse_since(t).map(|d| d.as_secs());
        assert_eq!(secs("90s"), Ok(90));
        assert_eq!(secs("30m"), Ok(1_800));
        assert_eq!(secs("24h"), Ok(86_400));
        assert_eq!(secs("7d"), Ok(604_800));
        assert_eq!(secs("2w"), Ok(1_209_600));
        assert_eq!(secs("1h30m"), Ok(5_400));
        assert_eq!(secs(" 24H "), Ok(86_400));
    }

    #[test]
    fn since_ago_counts_back_from_now() {
        let now: Timestamp = "2026-11-27T02:00:00Z".parse().expect("timestamp");
        assert_eq!(
            since_ago("24h", now).map(|t| t.to_string()),
            Ok("2026-11-26T02:00:00Z".to_string())
        );
        assert!(since_ago("soon", now).is_err());
    }

    #[test]
    fn mistakes_are_explained() {
        for (text, says) in [
            ("", "give a duration"),
            ("24", "needs a unit"),
            ("h", "a number must come before"),
            ("3y", "unknown unit `y`"),
            ("0h", "no time at all"),
            ("-5m", "unknown unit `-`"),
            ("99999999999999999999s", "too large"),
            ("9999999999999w", "too long"),
            ("5300w", "at most 100 years"),
        ] {
            let error = parse_since(text).expect_err(text);
            assert!(error.contains(says), "{text}: {error}");
        }
    }
}
