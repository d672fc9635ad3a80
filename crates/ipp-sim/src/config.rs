//! How a simulator instance is set up.

use std::net::SocketAddr;
use std::time::Duration;

use kustom_ipp::WebhookSecret;

use crate::clock::Clock;
use crate::faults::FaultConfig;
use crate::state::SimState;

/// Production-like (no `/dev/*`) or playground (with `/dev/*`) [DOC §1, §11].
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Mode {
    Playground,
    Production,
}

impl Mode {
    /// The key prefix this environment issues: `kco_test_` in the playground, `kco_live_` in
    /// production [DOC §2.1].
    pub fn key_prefix(self) -> &'static str {
        match self {
            Self::Playground => "kco_test_api_",
            Self::Production => "kco_live_api_",
        }
    }
}

/// One merchant account the simulator knows, and the credentials bound to it [DOC §2.1].
#[derive(Debug, Clone)]
pub struct MerchantConfig {
    pub merchant_id: String,
    /// Accepted as `Basic <key>` and as `Basic base64(<portal_username>:<key>)`.
    pub api_key: String,
    /// `<MID>-<suffix>`, as the Portal shows it.
    pub portal_username: String,
    /// The legacy pair the third-party client sends: `Basic base64(<merchant_id>:<secret>)` [3P].
    pub shared_secret: String,
    pub seed: SeedSpec,
    /// Whether Kustom has switched In-Person Payments on for this account [DOC §1: "enabled per
    /// account"]. When off, every authenticated `/ipp/v1` call answers 403 (see the crate docs).
    pub ipp_enabled: bool,
}

impl MerchantConfig {
    /// A merchant with credentials derived from its id, for tests and the demo.
    pub fn new(merchant_id: &str, mode: Mode) -> Self {
        let compact: String = merchant_id
            .chars()
            .filter(char::is_ascii_alphanumeric)
            .collect();
        Self {
            merchant_id: merchant_id.to_owned(),
            api_key: format!("{}{compact}DemoKey0000", mode.key_prefix()),
            portal_username: format!("{merchant_id}-demo"),
            shared_secret: format!("shared-secret-{compact}"),
            seed: SeedSpec::default(),
            ipp_enabled: true,
        }
    }

    pub fn api_key(mut self, key: impl Into<String>) -> Self {
        self.api_key = key.into();
        self
    }

    pub fn seed(mut self, seed: SeedSpec) -> Self {
        self.seed = seed;
        self
    }

    /// An account whose In-Person Payments product is not switched on.
    pub fn ipp_disabled(mut self) -> Self {
        self.ipp_enabled = false;
        self
    }
}

/// How much demo data to create for a merchant on first start.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SeedSpec {
    pub locations: usize,
    pub devices: usize,
    /// Pending enrollments to create (consumed ones come with the first devices).
    pub pending_enrollments: usize,
    pub consumed_enrollments: usize,
    /// Seed of the demo data generator: the same seed gives the same data.
    pub rng_seed: u64,
}

impl Default for SeedSpec {
    fn default() -> Self {
        Self {
            locations: 6,
            devices: 40,
            pending_enrollments: 3,
            consumed_enrollments: 4,
            rng_seed: 2026,
        }
    }
}

impl SeedSpec {
    pub fn empty() -> Self {
        Self {
            locations: 0,
            devices: 0,
            pending_enrollments: 0,
            consumed_enrollments: 0,
            rng_seed: 0,
        }
    }
}

#[derive(Debug, Clone)]
pub struct SimConfig {
    /// Where to listen; port 0 picks a free one. Loopback by default.
    pub addr: SocketAddr,
    pub mode: Mode,
    pub merchants: Vec<MerchantConfig>,
    /// Where callbacks go (may be empty, and changed at run time).
    pub callback_urls: Vec<String>,
    pub webhook_secret: WebhookSecret,
    /// How long a CREATED/ACTIVE session lives before it turns EXPIRED [GAP; INF: 30 min].
    pub session_timeout: Duration,
    /// Declined taps after which a session turns FAILED [INF: trigger not documented].
    pub max_declines: u32,
    /// How long the old secret keeps signing after a rotation [DOC help centre: up to 10 min].
    pub rotation_window: Duration,
    pub faults: FaultConfig,
    pub clock: Clock,
    /// Earlier state to resume from (persisted by the app); when set, nothing is seeded.
    pub restore: Option<SimState>,
    /// Serve the whole state at `GET /__inspect/state` (outside `/ipp/v1`, unauthenticated): for
    /// a test or a soak that runs the simulator in another process and checks it against what
    /// the app believes (`?sessions_since=` keeps only the sessions created since,
    /// `?devices_at=` only the devices at a location). Off by default.
    pub inspect: bool,
    /// Answer with only what Kustom's docs promise, and take the least convenient reading of
    /// every inferred rule (the crate docs list each choice). Off: the convenient simulator.
    pub docs_minimal: bool,
}

impl SimConfig {
    /// One demo merchant with default demo data, on a random loopback port.
    pub fn new(mode: Mode) -> Self {
        Self {
            addr: SocketAddr::from(([127, 0, 0, 1], 0)),
            mode,
            merchants: vec![MerchantConfig::new("DM20260001", mode)],
            callback_urls: Vec::new(),
            webhook_secret: WebhookSecret::generate(),
            session_timeout: Duration::from_secs(30 * 60),
            max_declines: 5,
            rotation_window: Duration::from_secs(10 * 60),
            faults: FaultConfig::default(),
            clock: Clock::System,
            restore: None,
            inspect: false,
            docs_minimal: false,
        }
    }

    pub fn merchants(mut self, merchants: Vec<MerchantConfig>) -> Self {
        self.merchants = merchants;
        self
    }

    pub fn callback_url(mut self, url: impl Into<String>) -> Self {
        self.callback_urls.push(url.into());
        self
    }

    pub fn webhook_secret(mut self, secret: WebhookSecret) -> Self {
        self.webhook_secret = secret;
        self
    }

    pub fn faults(mut self, faults: FaultConfig) -> Self {
        self.faults = faults;
        self
    }

    pub fn clock(mut self, clock: Clock) -> Self {
        self.clock = clock;
        self
    }

    pub fn session_timeout(mut self, timeout: Duration) -> Self {
        self.session_timeout = timeout;
        self
    }

    /// See [`SimConfig::docs_minimal`].
    pub fn docs_minimal(mut self, on: bool) -> Self {
        self.docs_minimal = on;
        self
    }

    pub fn restore(mut self, state: SimState) -> Self {
        self.restore = Some(state);
        self
    }

    /// The first merchant (the demo one).
    pub fn primary_merchant(&self) -> Option<&MerchantConfig> {
        self.merchants.first()
    }
}
