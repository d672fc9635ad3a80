//! Shared set-up for the contract tests: a simulator on a loopback port and a client for it.
//!
//! Every client made here talks to the simulator through a recording proxy, and when a test's
//! [`Sim`] goes away every exchange it saw is checked against the hand-written OpenAPI document
//! ([`openapi_check`]): a test passes only if all the traffic it caused follows the contract.
//!
//! `cargo xtask test` runs these tests twice: against the convenient simulator, and with
//! `FLEETDESK_DOCS_MINIMAL=1` against its docs-minimal mode, where the simulator answers with only
//! what Kustom's docs promise — and the check holds every answer to exactly that too (a property
//! the document marks `x-promised: false` is then an error).

pub mod openapi_check;
pub mod recorder;

use std::ops::Deref;
use std::sync::OnceLock;
use std::time::Duration;

use ipp_sim::{Clock, MerchantConfig, Mode, Running, SeedSpec, SimConfig};
use kustom_ipp::{Client, ClientConfig, Credentials, RetryPolicy, Secret};

use crate::openapi_check::Contract;
use crate::recorder::Recorder;

/// A simulator and the recording proxy its clients go through.
pub struct Sim {
    running: Option<Running>,
    recorder: Recorder,
}

impl Deref for Sim {
    type Target = Running;

    fn deref(&self) -> &Running {
        self.running
            .as_ref()
            .unwrap_or_else(|| panic!("the simulator was shut down"))
    }
}

impl Sim {
    /// Where clients are pointed: the recording proxy in front of the simulator. (`base_url()`
    /// is the simulator itself, for raw requests a test sends on purpose outside the contract.)
    pub fn client_url(&self) -> &str {
        &self.recorder.url
    }

    /// The exchanges recorded so far.
    pub fn exchanges(&self) -> Vec<openapi_check::Exchange> {
        self.recorder.exchanges()
    }

    pub async fn shutdown(mut self) {
        if let Some(running) = self.running.take() {
            running.shutdown().await;
        }
    }
}

/// Whether this run holds the simulator to the docs only (`FLEETDESK_DOCS_MINIMAL=1`).
pub fn docs_minimal() -> bool {
    std::env::var_os("FLEETDESK_DOCS_MINIMAL").is_some_and(|value| value == "1")
}

/// The document, compiled once per test binary: as written, or (docs-minimal) without the
/// properties the docs do not promise.
pub fn contract() -> &'static Contract {
    static CONTRACT: OnceLock<Contract> = OnceLock::new();
    CONTRACT.get_or_init(|| {
        if docs_minimal() {
            Contract::promised()
        } else {
            Contract::load()
        }
    })
}

impl Drop for Sim {
    fn drop(&mut self) {
        if std::thread::panicking() {
            return;
        }
        let exchanges = self.recorder.exchanges();
        let violations: Vec<String> = exchanges
            .iter()
            .flat_map(|exchange| contract().check(exchange))
            .collect();
        assert!(
            violations.is_empty(),
            "{} of {} recorded exchanges deviate from the OpenAPI document:\n{}",
            violations.len(),
            exchanges.len(),
            violations.join("\n")
        );
    }
}

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
    SimConfig::new(mode)
        .merchants(vec![MerchantConfig::new(MERCHANT, mode).seed(seed), other])
        .docs_minimal(docs_minimal())
}

pub async fn start(config: SimConfig) -> Sim {
    let running = ipp_sim::start(config)
        .await
        .unwrap_or_else(|err| panic!("simulator did not start: {err}"));
    let recorder = Recorder::start(&running.base_url()).await;
    Sim {
        running: Some(running),
        recorder,
    }
}

/// A playground simulator with the default demo data and a manual clock.
pub async fn playground() -> (Sim, Clock) {
    let clock = Clock::manual(chrono::Utc::now());
    let running = start(config(Mode::Playground, SeedSpec::default()).clock(clock.clone())).await;
    (running, clock)
}

/// A client for `merchant` of `running`, with the primary auth form and fast retries.
pub fn client_for(running: &Sim, merchant: &str) -> Client {
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

pub fn client(running: &Sim) -> Client {
    client_for(running, MERCHANT)
}

pub fn client_with(running: &Sim, credentials: Credentials, merchant: Option<&str>) -> Client {
    let mut config = ClientConfig::new(running.client_url(), credentials)
        .unwrap_or_else(|err| panic!("{err}"))
        .retry(fast_retries());
    if let Some(merchant) = merchant {
        config = config.merchant_id(merchant);
    }
    Client::new(config).unwrap_or_else(|err| panic!("{err}"))
}

/// A simulated tap, then the session as it stands: the tap's answer body is not documented
/// [GAP §11.2], so a client reads the session itself.
pub async fn tap(
    client: &Client,
    session_id: &str,
    outcome: &kustom_ipp::TapOutcome,
) -> Result<kustom_ipp::Session, kustom_ipp::ApiError> {
    client.dev_simulate_tap(session_id, outcome).await?;
    client.get_session(session_id).await
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

/// A callback receiver on a loopback port that records every delivery as received.
pub struct Receiver {
    pub url: String,
    deliveries: std::sync::Arc<parking_lot::Mutex<Vec<Delivery>>>,
}

/// One delivery: its headers and raw body.
#[derive(Debug, Clone)]
pub struct Delivery {
    pub headers: http::HeaderMap,
    pub body: Vec<u8>,
}

impl Receiver {
    /// Starts a receiver that answers `status` to every delivery.
    pub async fn start(status: u16) -> Self {
        let deliveries = std::sync::Arc::new(parking_lot::Mutex::new(Vec::new()));
        let sink = deliveries.clone();
        let app = axum::Router::new().route(
            "/callbacks",
            axum::routing::post(move |headers: http::HeaderMap, body: axum::body::Bytes| {
                let sink = sink.clone();
                async move {
                    sink.lock().push(Delivery {
                        headers,
                        body: body.to_vec(),
                    });
                    http::StatusCode::from_u16(status).unwrap_or(http::StatusCode::OK)
                }
            }),
        );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .ok_or_panic("bind receiver");
        let addr = listener.local_addr().ok_or_panic("receiver address");
        tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Self {
            url: format!("http://{addr}/callbacks"),
            deliveries,
        }
    }

    pub fn deliveries(&self) -> Vec<Delivery> {
        self.deliveries.lock().clone()
    }

    /// Waits until at least `count` deliveries arrived (or 10 s pass) and returns them.
    pub async fn wait_for(&self, count: usize) -> Vec<Delivery> {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
        while tokio::time::Instant::now() < deadline {
            let got = self.deliveries();
            if got.len() >= count {
                return got;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        let got = self.deliveries();
        panic!("expected {count} deliveries, got {}", got.len());
    }
}

/// The documented `POST /sessions` body [DOC example], aimed at `device_id`.
pub fn documented_cart(device_id: &str) -> kustom_ipp::CreateSession {
    let mut body: kustom_ipp::CreateSession = serde_json::from_str(include_str!(
        "../../../crates/kustom-ipp/tests/fixtures/sessions.create.request.json"
    ))
    .ok_or_panic("fixture");
    body.device_id = device_id.to_owned();
    body
}

/// A simulated, registered device (playground only); returns its id.
pub async fn simulated_device(client: &Client) -> String {
    client
        .dev_create_device(&kustom_ipp::CreateSimulatedDevice {
            name: "Contract till".into(),
            location_id: None,
            metadata: None,
        })
        .await
        .ok_or_panic("simulated device")
        .device
        .id
}

/// The id of the merchant's first location.
pub async fn first_location(client: &Client) -> String {
    client
        .list_locations(kustom_ipp::PageRequest::default())
        .await
        .ok_or_panic("locations")
        .content[0]
        .id
        .clone()
}

/// A playground simulator signing with `secret` and delivering to `receiver`.
pub async fn playground_with_callbacks(
    receiver: &Receiver,
    secret: &kustom_ipp::WebhookSecret,
) -> Sim {
    start(
        config(Mode::Playground, SeedSpec::default())
            .webhook_secret(secret.clone())
            .callback_url(&receiver.url),
    )
    .await
}

/// Serves `app` on a free loopback port and returns its base URL.
pub async fn serve(app: axum::Router) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .ok_or_panic("bind");
    let addr = listener.local_addr().ok_or_panic("address");
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    format!("http://{addr}")
}

/// What the POS app does with a typed code.
pub async fn register(
    client: &Client,
    code: &str,
    hardware_id: &str,
) -> Result<kustom_ipp::RegisteredDevice, kustom_ipp::ApiError> {
    client
        .register_device(&kustom_ipp::RegisterDevice {
            enrollment_code: code.to_owned(),
            hardware_id: hardware_id.to_owned(),
            platform: kustom_ipp::Platform::Ios,
            name: None,
        })
        .await
}
