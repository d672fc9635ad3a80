//! Fault injection: server errors, dropped connections, 429 bursts and latency. Off by default;
//! deterministic for a given seed and request order.

use std::sync::Arc;
use std::time::Duration;

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::Response;
use parking_lot::Mutex;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use crate::error::problem;

/// Every `every` requests, the next `burst` requests are answered 429 with `Retry-After`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RateLimitBursts {
    pub every: u64,
    pub burst: u64,
    pub retry_after: Duration,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct FaultConfig {
    /// Share of requests answered 500 or 503 (0.0–1.0).
    pub error_rate: f64,
    /// Share of requests whose connection is dropped mid-response (before or after processing).
    pub drop_rate: f64,
    pub rate_limit: Option<RateLimitBursts>,
    /// An account's rate limit: at most this many requests a second (a token bucket holding a
    /// second's worth); the rest answered 429 with `Retry-After`.
    pub requests_per_second: Option<f64>,
    /// Added to every request.
    pub latency: Duration,
    pub seed: u64,
}

impl FaultConfig {
    pub fn is_off(&self) -> bool {
        self.error_rate <= 0.0
            && self.drop_rate <= 0.0
            && self.rate_limit.is_none()
            && self.requests_per_second.is_none()
            && self.latency.is_zero()
    }
}

/// A fault aimed at one upcoming request, for tests that need a particular sequence (an answer
/// lost after the change was applied, then a given status for the retry).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScriptedFault {
    pub method: axum::http::Method,
    /// Matched against the start of the full path (`/ipp/v1/sessions/`).
    pub path_prefix: String,
    pub fault: Scripted,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scripted {
    /// The request is processed, then the connection drops before the answer is whole.
    DropAfterProcessing,
    /// The connection drops before the request is processed.
    DropBeforeProcessing,
    /// Answered with this status (a problem body) without being processed.
    Status(u16),
}

/// What to do with one request.
enum Fault {
    None,
    ServerError(StatusCode),
    RateLimited(Duration),
    DropBefore,
    DropAfter,
}

pub struct FaultInjector {
    config: FaultConfig,
    state: Mutex<(StdRng, u64)>,
    /// The rate limit's bucket: tokens, and when it was last filled.
    bucket: Mutex<(f64, std::time::Instant)>,
    script: Mutex<std::collections::VecDeque<ScriptedFault>>,
}

impl FaultInjector {
    pub fn new(config: FaultConfig) -> Arc<Self> {
        let rng = StdRng::seed_from_u64(config.seed);
        let full = config.requests_per_second.unwrap_or(0.0);
        Arc::new(Self {
            config,
            state: Mutex::new((rng, 0)),
            bucket: Mutex::new((full, std::time::Instant::now())),
            script: Mutex::new(std::collections::VecDeque::new()),
        })
    }

    /// Queues faults for upcoming requests; each applies once, in order, to the first request
    /// that matches it.
    pub fn script(&self, faults: impl IntoIterator<Item = ScriptedFault>) {
        self.script.lock().extend(faults);
    }

    fn scripted(&self, method: &axum::http::Method, path: &str) -> Option<Scripted> {
        let mut script = self.script.lock();
        let position = script
            .iter()
            .position(|f| f.method == method && path.starts_with(&f.path_prefix))?;
        script.remove(position).map(|f| f.fault)
    }

    /// Within the rate limit (takes a token), or how long until a token is there.
    fn over_limit(&self) -> Option<Duration> {
        let rate = self.config.requests_per_second?.max(0.1);
        let mut bucket = self.bucket.lock();
        let now = std::time::Instant::now();
        let (tokens, filled) = &mut *bucket;
        *tokens = (*tokens + now.duration_since(*filled).as_secs_f64() * rate).min(rate.max(1.0));
        *filled = now;
        if *tokens >= 1.0 {
            *tokens -= 1.0;
            return None;
        }
        Some(Duration::from_secs_f64((1.0 - *tokens) / rate))
    }

    fn decide(&self) -> Fault {
        if let Some(wait) = self.over_limit() {
            // Retry-After is whole seconds: a wait shorter than one is announced as one.
            return Fault::RateLimited(wait.max(Duration::from_secs(1)));
        }
        let mut guard = self.state.lock();
        let (rng, count) = &mut *guard;
        *count += 1;
        if let Some(bursts) = self.config.rate_limit
            && bursts.every > 0
            && (*count % bursts.every) < bursts.burst
        {
            return Fault::RateLimited(bursts.retry_after);
        }
        let roll: f64 = rng.random();
        if roll < self.config.error_rate {
            return Fault::ServerError(if rng.random_bool(0.5) {
                StatusCode::INTERNAL_SERVER_ERROR
            } else {
                StatusCode::SERVICE_UNAVAILABLE
            });
        }
        if roll < self.config.error_rate + self.config.drop_rate {
            return if rng.random_bool(0.5) {
                Fault::DropBefore
            } else {
                Fault::DropAfter
            };
        }
        Fault::None
    }
}

/// The axum middleware.
pub async fn inject(
    State(injector): State<Arc<FaultInjector>>,
    request: Request,
    next: Next,
) -> Response {
    let path = request
        .extensions()
        .get::<axum::extract::OriginalUri>()
        .map(|uri| uri.0.path().to_owned())
        .unwrap_or_else(|| request.uri().path().to_owned());
    match injector.scripted(request.method(), &path) {
        Some(Scripted::DropAfterProcessing) => {
            let _processed = next.run(request).await;
            return dropped();
        }
        Some(Scripted::DropBeforeProcessing) => return dropped(),
        Some(Scripted::Status(status)) => {
            let status = StatusCode::from_u16(status).unwrap_or(StatusCode::CONFLICT);
            return problem(status, "Scripted", "Answered by a scripted fault", None);
        }
        None => {}
    }
    if injector.config.is_off() {
        return next.run(request).await;
    }
    if !injector.config.latency.is_zero() {
        tokio::time::sleep(injector.config.latency).await;
    }
    match injector.decide() {
        Fault::None => next.run(request).await,
        Fault::ServerError(status) => {
            let detail = if status == StatusCode::SERVICE_UNAVAILABLE {
                "Service unavailable"
            } else {
                "Internal server error (injected)"
            };
            problem(status, "Server Error", detail, None)
        }
        Fault::RateLimited(retry_after) => {
            let mut response = problem(
                StatusCode::TOO_MANY_REQUESTS,
                "Too Many Requests",
                "Rate limit exceeded",
                None,
            );
            let seconds = retry_after.as_secs_f64().ceil() as u64;
            if let Ok(value) = HeaderValue::from_str(&seconds.to_string()) {
                response.headers_mut().insert(header::RETRY_AFTER, value);
            }
            response
        }
        Fault::DropBefore => dropped(),
        Fault::DropAfter => {
            let _processed = next.run(request).await;
            dropped()
        }
    }
}

/// A response whose body fails after the headers: the client sees the connection drop.
fn dropped() -> Response {
    let body = Body::from_stream(futures::stream::once(async {
        Err::<axum::body::Bytes, std::io::Error>(std::io::Error::new(
            std::io::ErrorKind::ConnectionReset,
            "connection dropped (injected)",
        ))
    }));
    let mut response = Response::new(body);
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_rate_limit_takes_a_seconds_worth_then_refuses_until_a_token_is_back() {
        let injector = FaultInjector::new(FaultConfig {
            requests_per_second: Some(20.0),
            ..FaultConfig::default()
        });
        let allowed = (0..40).filter(|_| injector.over_limit().is_none()).count();
        // A full bucket is 20; the loop's microseconds may add one more.
        assert!((20..=21).contains(&allowed), "{allowed}");
        std::thread::sleep(Duration::from_millis(120));
        assert!(
            injector.over_limit().is_none(),
            "two tokens came back in 120 ms"
        );
    }
}
