//! Shared set-up for the contract tests: a simulator on a loopback port and a client for it.

use std::time::Duration;

use ipp_sim::{Clock, MerchantConfig, Mode, Running, SeedSpec, SimConfig};
use kustom_ipp::{Client, ClientConfig, Credentials, RetryPolicy, Secret};

/// The demo merchant's id in every contract test.
pub const MERCHANT: &str = "DM20260001";
/// A second merchant, to prove isolation.
pub const OTHER_MERCHANT: &str = "DM20269999";

/// A simulator with two merchants: the demo one (seeded as `seed` says) and an empty other one.
pub fn config(mode: Mode, seed: SeedSpec) -> SimConfig {
    let other = MerchantConfig::new(OTHER_MERCHANT, mode).seed(SeedSpec {
        locations: 1,
        devices: 2,
        pending_enrollments: 1,
        consumed_enrollments: 0,
        rng_seed: 7,
    });
    SimConfig::new(mode).merchants(vec![MerchantConfig::new(MERCHANT, mode).seed(seed), other])
}

pub async fn start(config: SimConfig) -> Running {
    ipp_sim::start(config)
        .await
        .unwrap_or_else(|err| panic!("simulator did not start: {err}"))
}

/// A playground simulator with the default demo data and a manual clock.
pub async fn playground() -> (Running, Clock) {
    let clock = Clock::manual(chrono::Utc::now());
    let running = start(config(Mode::Playground, SeedSpec::default()).clock(clock.clone())).await;
    (running, clock)
}

/// A client for `merchant` of `running`, with the primary auth form and fast retries.
pub fn client_for(running: &Running, merchant: &str) -> Client {
    let config = running
        .merchants()
        .iter()
        .find(|m| m.merchant_id == merchant)
        .unwrap_or_else(|| panic!("no merchant {merchant}"));
    client_with(
        running,
        Credentials::ApiKey(Secret::new(config.api_key.clone())),
        Some(merchant),
    )
}

pub fn client(running: &Running) -> Client {
    client_for(running, MERCHANT)
}

pub fn client_with(running: &Running, credentials: Credentials, merchant: Option<&str>) -> Client {
    let mut config = ClientConfig::new(&running.base_url(), credentials)
        .unwrap_or_else(|err| panic!("{err}"))
        .retry(fast_retries());
    if let Some(merchant) = merchant {
        config = config.merchant_id(merchant);
    }
    Client::new(config).unwrap_or_else(|err| panic!("{err}"))
}

/// Retries with short waits so fault tests stay quick.
pub fn fast_retries() -> RetryPolicy {
    RetryPolicy {
        max_attempts: 8,
        min_delay: Duration::from_millis(5),
        max_delay: Duration::from_millis(100),
        max_retry_after: Duration::from_secs(5),
    }
}

/// Unwraps with the error's message (the workspace denies `unwrap`).
pub trait Expect<T> {
    fn ok_or_panic(self, what: &str) -> T;
}

impl<T, E: std::fmt::Display> Expect<T> for Result<T, E> {
    fn ok_or_panic(self, what: &str) -> T {
        self.unwrap_or_else(|err| panic!("{what}: {err}"))
    }
}
