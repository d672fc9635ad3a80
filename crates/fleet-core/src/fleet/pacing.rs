//! Pacing progress reports for the window.
//!
//! A sync of 100,000 devices reports each of its 1,000 pages as it arrives. Every report sent to
//! the webview is a script it evaluates and keeps compiled until its next garbage collection, and
//! a progress bar gains nothing from more than a few updates a second; so reports pass through a
//! [`Pacer`]: the first, the last, and then at most one per interval.

use std::time::{Duration, Instant};

/// How often the window hears about a long-running fetch's progress.
pub const PROGRESS_INTERVAL: Duration = Duration::from_millis(100);

#[derive(Debug, Clone)]
pub struct Pacer {
    every: Duration,
    last_passed: Option<Instant>,
}

impl Pacer {
    pub fn new(every: Duration) -> Self {
        Self {
            every,
            last_passed: None,
        }
    }

    /// Whether a report made at `now` goes on: always the first and the `last` one, otherwise
    /// only once `every` has passed since the previous report that went on.
    pub fn admit(&mut self, now: Instant, last: bool) -> bool {
        let due = match self.last_passed {
            None => true,
            Some(previous) => last || now.saturating_duration_since(previous) >= self.every,
        };
        if due {
            self.last_passed = Some(now);
        }
        due
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passes_the_first_the_last_and_one_per_interval() {
        let start = Instant::now();
        let mut pacer = Pacer::new(Duration::from_millis(100));
        // 1,000 reports 1 ms apart, the last one marked.
        let passed: Vec<u64> = (0..1000u64)
            .filter(|i| pacer.admit(start + Duration::from_millis(*i), *i == 999))
            .collect();
        assert_eq!(passed.first(), Some(&0));
        assert_eq!(passed.last(), Some(&999));
        assert_eq!(
            passed,
            (0..10).map(|i| i * 100).chain([999]).collect::<Vec<_>>()
        );
    }

    #[test]
    fn slow_reports_all_pass() {
        let start = Instant::now();
        let mut pacer = Pacer::new(Duration::from_millis(100));
        assert!((0..20u64).all(|i| pacer.admit(start + Duration::from_millis(i * 150), false)));
    }

    #[test]
    fn a_clock_that_goes_back_holds_reports_instead_of_panicking() {
        let start = Instant::now() + Duration::from_secs(1);
        let mut pacer = Pacer::new(Duration::from_millis(100));
        assert!(pacer.admit(start, false));
        assert!(!pacer.admit(start - Duration::from_millis(500), false));
        assert!(pacer.admit(start - Duration::from_millis(500), true));
    }
}
