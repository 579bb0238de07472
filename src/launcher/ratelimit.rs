//! The per-alertname rate limit: at most `count` new investigations per
//! alertname in any window of `per`. Pure (the caller passes the time).

use super::AlertRate;
use std::collections::{HashMap, VecDeque};
use std::time::{Duration, Instant};

/// Remembers when each alertname last started investigations.
#[derive(Debug, Clone)]
pub struct RateLimiter {
    rate: AlertRate,
    starts: HashMap<String, VecDeque<Instant>>,
}

impl RateLimiter {
    /// A limiter allowing `rate`.
    pub fn new(rate: AlertRate) -> Self {
        RateLimiter {
            rate,
            starts: HashMap::new(),
        }
    }

    /// Whether `alertname` may start one more investigation at `now`; if
    /// so, counts it.
    pub fn allow(&mut self, alertname: &str, now: Instant) -> bool {
        let window = self.starts.entry(alertname.to_string()).or_default();
        while window
            .front()
            .is_some_and(|at| now.saturating_duration_since(*at) >= self.rate.per)
        {
            window.pop_front();
        }
        if window.len() >= self.rate.count as usize {
            return false;
        }
        window.push_back(now);
        true
    }

    /// Forgets alertnames with nothing in their window (bounded memory).
    pub fn prune(&mut self, now: Instant) {
        let per = self.rate.per;
        self.starts.retain(|_, window| {
            window
                .back()
                .is_some_and(|at| now.saturating_duration_since(*at) < per)
        });
    }

    /// The period of the rate.
    pub fn period(&self) -> Duration {
        self.rate.per
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_excess_over_a_window_is_refused_then_allowed_again() {
        let rate = AlertRate {
            count: 2,
            per: Duration::from_secs(60),
        };
        let mut limiter = RateLimiter::new(rate);
        let t0 = Instant::now();
        assert!(limiter.allow("HighLatency", t0));
        assert!(limiter.allow("HighLatency", t0 + Duration::from_secs(1)));
        assert!(!limiter.allow("HighLatency", t0 + Duration::from_secs(2)));
        assert!(limiter.allow("DiskFull", t0 + Duration::from_secs(2)));
        assert!(limiter.allow("HighLatency", t0 + Duration::from_secs(60)));
        assert!(!limiter.allow("HighLatency", t0 + Duration::from_secs(60)));
        limiter.prune(t0 + Duration::from_secs(200));
        assert!(limiter.starts.is_empty());
    }
}
