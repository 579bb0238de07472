//! Printing at a pace a person can watch: bursts of a few lines, then a pause.

use rand::random_range;
use std::time::Duration;

/// Slowest speed accepted; anything lower is taken as this.
const MIN_SPEED: f64 = 0.01;

/// Decides how long to wait after each line. All waits are divided by the speed.
#[derive(Debug, Clone)]
pub struct Pacer {
    speed: f64,
    left_in_burst: u32,
}

impl Pacer {
    /// A pacer for `speed` (1 = real time, 2 = twice as fast).
    pub fn new(speed: f64) -> Pacer {
        let speed = if speed.is_finite() {
            speed.max(MIN_SPEED)
        } else {
            1.0
        };
        Pacer {
            speed,
            left_in_burst: random_range(2..=6),
        }
    }

    /// The wait after one line: short inside a burst of 2-6 lines, 1-4 s between bursts.
    pub fn next_wait(&mut self) -> Duration {
        self.left_in_burst = self.left_in_burst.saturating_sub(1);
        let seconds = if self.left_in_burst == 0 {
            self.left_in_burst = random_range(2..=6);
            random_range(1.0..4.0)
        } else {
            random_range(0.05..0.35)
        };
        self.scaled(seconds)
    }

    /// `seconds` of real time at this speed.
    pub fn scaled(&self, seconds: f64) -> Duration {
        Duration::from_secs_f64(seconds / self.speed)
    }

    /// Waits after one line.
    pub async fn after_line(&mut self) {
        tokio::time::sleep(self.next_wait()).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pauses_come_in_bursts_and_scale_with_speed() {
        let mut pacer = Pacer::new(1.0);
        let waits: Vec<Duration> = (0..60).map(|_| pacer.next_wait()).collect();
        let long = waits
            .iter()
            .filter(|w| **w >= Duration::from_secs(1))
            .count();
        assert!((10..=30).contains(&long), "{long} pauses in 60 lines");
        assert!(waits.iter().all(|w| *w < Duration::from_secs(4)));
        let fast = Pacer::new(50.0);
        assert_eq!(fast.scaled(4.0), Duration::from_millis(80));
    }
}
