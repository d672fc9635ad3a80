//! A request budget: at most so many requests a second to one account, shared by everything that
//! talks to it, so a long job cannot exhaust the account's rate limit [GAP §3.6: Kustom documents
//! none] nor starve the user's own clicks.
//!
//! A token bucket refilled at the current rate, holding at most a second's worth. Two lanes share
//! it: the foreground (the user's own calls) may take the last token; the background (jobs) leaves
//! a reserve, so a click finds a token waiting however busy a job is. A 429 slows the whole account
//! down — the rate halves and nobody sends until the `Retry-After` has passed — and the rate then
//! comes back gently, a tenth more each second without one, up to what was configured.

use std::sync::Arc;
use std::time::{Duration, Instant};

use parking_lot::Mutex;

/// Whose request it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lane {
    /// The user's own calls: served first.
    Foreground,
    /// Long work (bulk jobs): uses what the foreground leaves.
    Background,
}

/// What the budget is doing, for a job's page.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BudgetStatus {
    /// Requests a second it was set to.
    pub configured: f64,
    /// Requests a second it allows now (lower after a 429).
    pub current: f64,
    /// How long nothing may be sent (a `Retry-After` being honoured).
    pub paused_for: Duration,
    /// 429s seen since the budget was made.
    pub throttled: u64,
}

#[derive(Debug)]
struct State {
    configured: f64,
    current: f64,
    tokens: f64,
    refilled: Instant,
    raised: Instant,
    paused_until: Option<Instant>,
    /// When a 429 last halved the rate: the answers to requests already on their way are
    /// the same 429, not new news, and do not halve it again.
    halved: Option<Instant>,
    throttled: u64,
}

/// The lowest rate a 429 can bring the budget to.
const FLOOR: f64 = 0.5;
/// How much faster it gets each second without a 429.
const RECOVERY: f64 = 1.1;

/// A shared request budget (cheap to clone; clones share the bucket).
#[derive(Debug, Clone)]
pub struct RateBudget(Arc<Mutex<State>>);

impl RateBudget {
    /// At most `per_second` requests a second (at least one).
    pub fn new(per_second: f64) -> Self {
        let rate = per_second.max(1.0);
        let now = Instant::now();
        Self(Arc::new(Mutex::new(State {
            configured: rate,
            current: rate,
            tokens: rate,
            refilled: now,
            raised: now,
            paused_until: None,
            halved: None,
            throttled: 0,
        })))
    }

    /// Changes the configured rate (the current one follows, unless a 429 holds it lower).
    pub fn set_rate(&self, per_second: f64) {
        let mut state = self.0.lock();
        state.configured = per_second.max(1.0);
        state.current = state.current.min(state.configured);
        if state.throttled == 0 {
            state.current = state.configured;
        }
    }

    pub fn status(&self) -> BudgetStatus {
        let state = self.0.lock();
        BudgetStatus {
            configured: state.configured,
            current: state.current,
            paused_for: state
                .paused_until
                .map(|until| until.saturating_duration_since(Instant::now()))
                .unwrap_or_default(),
            throttled: state.throttled,
        }
    }

    /// Waits until a request may be sent in `lane`, and takes its token.
    pub async fn acquire(&self, lane: Lane) {
        loop {
            let wait = self.try_take(lane, Instant::now());
            match wait {
                None => return,
                Some(wait) => tokio::time::sleep(wait).await,
            }
        }
    }

    /// Takes a token now (`None`), or says how long to wait before trying again.
    fn try_take(&self, lane: Lane, now: Instant) -> Option<Duration> {
        let mut state = self.0.lock();
        if let Some(until) = state.paused_until {
            if now < until {
                return Some(until - now);
            }
            state.paused_until = None;
            state.refilled = now;
        }
        if state.current < state.configured
            && now.duration_since(state.raised) >= Duration::from_secs(1)
        {
            state.current = (state.current * RECOVERY).min(state.configured);
            state.raised = now;
        }
        let capacity = state.current.max(1.0);
        let elapsed = now.duration_since(state.refilled).as_secs_f64();
        state.tokens = (state.tokens + elapsed * state.current).min(capacity);
        state.refilled = now;
        // The background keeps a fifth of a second's worth (at least one) for the foreground.
        let reserve = match lane {
            Lane::Foreground => 0.0,
            Lane::Background => (capacity * 0.2).max(1.0).min(capacity - 1.0).max(0.0),
        };
        if state.tokens >= 1.0 + reserve {
            state.tokens -= 1.0;
            return None;
        }
        let missing = 1.0 + reserve - state.tokens;
        Some(Duration::from_secs_f64(
            (missing / state.current).clamp(0.001, 1.0),
        ))
    }

    /// A 429: halve the rate (once for a burst of them), and send nothing until `retry_after`
    /// has passed.
    pub fn throttled(&self, retry_after: Duration) {
        let mut state = self.0.lock();
        let now = Instant::now();
        state.throttled += 1;
        let news = state
            .halved
            .is_none_or(|at| now.duration_since(at) >= Duration::from_secs(1));
        if news {
            state.current = (state.current / 2.0).max(FLOOR);
            state.halved = Some(now);
        }
        state.tokens = 0.0;
        state.raised = now;
        let until = now + retry_after.max(Duration::from_millis(100));
        state.paused_until = Some(
            state
                .paused_until
                .map_or(until, |earlier| earlier.max(until)),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_foreground_finds_a_token_the_background_left() {
        let budget = RateBudget::new(10.0);
        let start = Instant::now();
        // The background drains what it may.
        let mut taken = 0;
        while budget.try_take(Lane::Background, start).is_none() {
            taken += 1;
        }
        assert!(
            (7..=9).contains(&taken),
            "the background took {taken} of 10"
        );
        assert_eq!(budget.try_take(Lane::Foreground, start), None);
    }

    #[test]
    fn a_429_halves_the_rate_pauses_and_it_comes_back_gently() {
        let budget = RateBudget::new(100.0);
        budget.throttled(Duration::from_millis(500));
        // The other requests already on their way come back 429 too: the same news.
        budget.throttled(Duration::from_millis(500));
        let status = budget.status();
        assert_eq!(status.current, 50.0);
        assert_eq!(status.throttled, 2);
        assert!(status.paused_for > Duration::from_millis(400));
        assert!(budget.try_take(Lane::Foreground, Instant::now()).is_some());
        // Seconds later, a tenth more each second.
        let later = Instant::now() + Duration::from_secs(2);
        let _ = budget.try_take(Lane::Foreground, later);
        assert!((budget.status().current - 55.0).abs() < 1e-9);
    }

    #[tokio::test]
    async fn acquire_keeps_to_the_rate() {
        let budget = RateBudget::new(50.0);
        let start = Instant::now();
        for _ in 0..100 {
            budget.acquire(Lane::Background).await;
        }
        // A second's worth in the bucket at the start, then 50 a second.
        let took = start.elapsed();
        assert!(
            took >= Duration::from_millis(800),
            "100 requests in {took:?}"
        );
        assert!(
            took <= Duration::from_millis(2_000),
            "100 requests in {took:?}"
        );
    }
}
