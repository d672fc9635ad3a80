//! Set-up shared by the fleet-core integration tests: a playground simulator, a client for it, and
//! the mock keychain.

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

/// Makes an in-memory mock the OS keychain of this test binary, once. Tests run in parallel
/// threads and the default store is global: one test setting a new store would drop the keys
/// another had just stored ("No API key is stored"). Profiles have ids of their own, so the tests
/// share the one store without meeting.
pub fn use_mock_keychain() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        let store = keyring_core::mock::Store::new().unwrap_or_else(|e| panic!("{e}"));
        keyring_core::set_default_store(store as std::sync::Arc<keyring_core::CredentialStore>);
    });
}
