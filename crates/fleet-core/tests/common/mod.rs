//! Set-up shared by the fleet-core integration tests: a playground simulator and a client for it.

#![allow(dead_code)]

use std::time::Duration;

use ipp_sim::{FaultConfig, MerchantConfig, Mode, Running, SeedSpec, SimConfig};
use kustom_ipp::{Client, ClientConfig, Credentials, RetryPolicy, Secret};

pub const MERCHANT: &str = "DM20260001";

/// A playground simulator for [`MERCHANT`] with `seed` demo data and `faults`.
pub async fn sim(seed: SeedSpec, faults: FaultConfig) -> Running {
    let merchant = MerchantConfig::new(MERCHANT, Mode::Playground).seed(seed);
    ipp_sim::start(
        SimConfig::new(Mode::Playground)
            .merchants(vec![merchant])
            .faults(faults),
    )
    .await
    .unwrap_or_else(|e| panic!("{e}"))
}

/// A client for the simulator with short retry waits (`attempts` tries in all).
pub fn client(sim: &Running, attempts: usize) -> Client {
    let config = ClientConfig::new(
        &sim.base_url(),
        Credentials::ApiKey(Secret::new(sim.merchants()[0].api_key.clone())),
    )
    .unwrap_or_else(|e| panic!("{e}"))
    .merchant_id(MERCHANT)
    .retry(RetryPolicy {
        max_attempts: attempts,
        min_delay: Duration::from_millis(5),
        max_delay: Duration::from_millis(100),
        max_retry_after: Duration::from_secs(3),
    });
    Client::new(config).unwrap_or_else(|e| panic!("{e}"))
}
