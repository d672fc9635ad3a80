//! A local simulator of the Kustom In-Person Payments API (`/ipp/v1`): Fleetdesk's local
//! playground, and the other side of every contract test.
//!
//! It follows `shared/kustom-ipp/API.md`: [DOC] facts exactly, [3P] shapes accepted, and these
//! [INF] choices, all consistent with the `kustom-ipp` client. The contract itself is written down
//! independently in `kustom-ipp/openapi/ipp-v1.openapi.json`, which the simulator serves at
//! `GET /openapi.json` and which `cargo xtask test` fuzzes it against with schemathesis. The
//! simulator reads requests with its own wire types (`http::bodies`), not the client's, so a
//! misspelling the client makes is not silently agreed with.
//!
//! - Every merchant has the location `My Store` [DOC help centre]; demo stores come on top.
//! - Integrators following the docs verbatim must succeed: `expires_in` is any positive number of
//!   milliseconds up to seven days (the guide's own example is 36 000, the reference's 360 000
//!   [DOC]); integers may be written `2.0` (JSON Schema's `integer`).
//! - A documented field given the wrong type — an explicit `null` included — is a 400 naming the
//!   field; so are a non-UUID id, a blank `location_id`, an enum value outside its documented
//!   values, a non-object body, and text over the document's limits. "Blank" is the document's
//!   `\S`, i.e. ECMA-262 whitespace (`text`).
//! - A well-formed id that names nothing of the merchant's — in a path, or a location or device
//!   named in a body or a create's query — is a 404, checked before any other rule.
//! - Auth: `Basic <key>`, `Basic base64(<portal user>:<key>)`, and the third-party
//!   `Basic base64(<merchant id>:<shared secret>)`; anything else is 401. `x-merchant-id` is
//!   accepted everywhere, required on the list/get endpoints the docs mark (and device list), and a
//!   mismatch with the key's merchant is 401 (the key and the merchant do not go together: wrong
//!   credentials [DOC §2.1]).
//! - An account without In-Person Payments (the product is "enabled per account" [DOC §1]): every
//!   authenticated `/ipp/v1` call is a 403 problem, "In-Person Payments is not enabled for this
//!   merchant account". 403 because the key itself is valid (so not 401) and the resource is not
//!   missing (so not 404): the account is not permitted the product, which is what 403 means and
//!   what Kustom's API gateway answers for a product an account lacks [INF]. Registration, which is
//!   unauthenticated, is not affected.
//! - Errors are `application/problem+json` with `type`, `title`, `status`, `detail`, `errors`.
//! - Enrollment codes: 8 characters from `ABCDEFGHJKLMNPQRSTUVWXYZ23456789`, unique among PENDING
//!   codes, matched case-insensitively (spaces and dashes ignored). `expires_in` (ms, 1 ms – 7 d)
//!   or the `ttl` enum; 2 h by default. Cancel is `DELETE /enrollments/{id}` or a bulk
//!   `DELETE /enrollments`, PENDING only (409 otherwise).
//! - Registration: `POST /devices/register` (no auth) → 201 device + credentials; 404 unknown code,
//!   409 when the code can no longer be used (expired, consumed, cancelled; API.md allows 409 or
//!   410). `GET /device/me` with the bearer token checks it (401 once the device is deleted).
//! - `PUT /devices/{id}` replaces name, metadata and location; locations are read-only and seeded.
//! - Sessions: lines must reconcile (`unit_price × quantity − discount = total_amount`, sum =
//!   `order_amount`, tax included at `tax_rate` ±1), currency is three capital letters, the device
//!   must be the merchant's. CREATED → ACTIVE (first tap) → FINALIZED (SUCCESS) / CANCELLED /
//!   EXPIRED (after `session_timeout`) / FAILED (after `max_declines` declined taps). Declines keep
//!   the session ACTIVE and emit `ipp.payment.failed` with the outcome as `failure_reason`.
//! - Callbacks are queued and delivered in order to every callback URL, signed per Standard
//!   Webhooks with the current secret (and the previous one during a rotation window), retried with
//!   backoff on non-2xx.
//! - Tests can aim faults at particular requests ([`ScriptedFault`]): a change applied and its
//!   answer lost, then a chosen status for the retry.
//! - In both modes, as the docs say: EXPIRED and CANCELLED enrollments are never listed [DOC §5.3];
//!   a simulated device's `metadata.simulated` is the boolean `true` [DOC §7.1]; in production every
//!   `/dev/*` call is a 404, before its credentials are looked at [DOC §11].
//!
//! ## Docs-minimal mode
//!
//! `--docs-minimal` ([`SimConfig::docs_minimal`]) answers with only what the docs promise and reads
//! every [INF]/[GAP] rule in the least convenient way that still fits them, so a client that works
//! here does not lean on the simulator's conveniences. One line per choice:
//!
//! - Enrollments carry exactly the five fields of §5.1: no `location_id`, `created_at`,
//!   `device_id` or `consumed_at` [GAP].
//! - Devices carry the §7.1 fields without the deprecated `unique_id`; `/dev/devices` answers
//!   without `credentials` [GAP §11.1].
//! - Locations carry `id` and `name` only: the item schema is "any" [DOC §8.1]; `city` is a third
//!   party's [3P], the address's shape and `created_at` are inferred.
//! - Sessions carry the §9.1 fields up to `merchant_reference1`: no `merchant_reference2` [INF]
//!   or `merchant_data` [3P].
//! - The enrollment list comes in creation order (the order is [GAP]): a new code is on the last
//!   page, not the first.
//! - `GET /devices` ignores `location_id`: only the metadata filter is documented for devices
//!   [DOC §3.4; the location filter is INF §7.2].
//! - `simulate-tap` answers `{"message": "Card tap simulated successfully."}`, not the session
//!   [DOC wording; body GAP §11.2].
//! - Cancelling a session that is already CANCELLED is a 409, not an idempotent 200 [GAP §9.5].
//!
//! Kept in both modes, though the docs do not ask for them (each rule says why where it is
//! written): an explicit `null` for an optional field is a 400; an unknown id is a 404 before any
//! 400; `page_size` out of range is refused rather than clamped. `GET /devices/{id}` and the
//! enrollment cancel stay: their reference pages exist though their bodies were not readable.

pub mod callbacks;
pub mod clock;
pub mod config;
pub mod error;
pub mod faults;
pub mod http;
pub mod seed;
pub mod state;
pub mod text;

use std::net::SocketAddr;
use std::sync::Arc;

use parking_lot::Mutex;
use rand::SeedableRng;
use rand::rngs::StdRng;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

pub use clock::Clock;
pub use config::{MerchantConfig, Mode, SeedSpec, SimConfig};
pub use faults::{FaultConfig, RateLimitBursts, Scripted, ScriptedFault};
pub use state::SimState;

use crate::callbacks::{Callbacks, DeliveryRecord};
use crate::faults::FaultInjector;
use crate::http::AppState;
use crate::state::SessionRules;

/// `GET /__inspect/state`, and what to leave out of it: a long run checks a part of the state
/// every round, and what the checker parses should be that part, the same size however long the
/// run and whatever the fleet's size.
#[derive(serde::Deserialize)]
struct InspectQuery {
    /// Only the sessions created since then.
    sessions_since: Option<chrono::DateTime<chrono::Utc>>,
    /// Only the devices at this location (`""`: none at all).
    devices_at: Option<String>,
}

impl InspectQuery {
    fn trims(&self) -> bool {
        self.sessions_since.is_some() || self.devices_at.is_some()
    }

    /// `state` with only what was asked for.
    fn trimmed(&self, mut state: SimState) -> SimState {
        if let Some(since) = self.sessions_since {
            state
                .sessions
                .retain(|_, stored| stored.created_at >= since);
        }
        if let Some(location) = &self.devices_at {
            state
                .devices
                .retain(|device| device.location_id.as_deref() == Some(location.as_str()));
            let kept: std::collections::HashSet<&str> =
                state.devices.iter().map(|d| d.id.as_str()).collect();
            state
                .device_changes
                .retain(|id, _| kept.contains(id.as_str()));
            state.tokens.retain(|_, id| kept.contains(id.as_str()));
            state.simulated.retain(|id| kept.contains(id.as_str()));
        }
        state
    }
}

/// A running simulator.
pub struct Running {
    pub addr: SocketAddr,
    pub handle: JoinHandle<()>,
    app: AppState,
    faults: Arc<FaultInjector>,
    shutdown: Option<oneshot::Sender<()>>,
}

impl Running {
    /// `http://127.0.0.1:PORT` — give this to the client as its base URL.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// A copy of the whole state, e.g. to persist it.
    pub fn snapshot(&self) -> SimState {
        self.app.sim.lock().clone()
    }

    /// A shared handle on the live state (the app's saver snapshots through it).
    pub fn state_handle(&self) -> Arc<Mutex<SimState>> {
        self.app.sim.clone()
    }

    /// Runs `f` with the live state (tests use this to check what the API did).
    pub fn inspect<T>(&self, f: impl FnOnce(&SimState) -> T) -> T {
        let mut sim = self.app.sim.lock();
        sim.tick(self.app.clock.now(), self.app.rules);
        f(&sim)
    }

    pub fn clock(&self) -> &Clock {
        &self.app.clock
    }

    pub fn merchants(&self) -> &[MerchantConfig] {
        &self.app.merchants
    }

    pub fn set_callback_urls(&self, urls: Vec<String>) {
        self.app.callbacks.set_urls(urls);
    }

    /// Starts signing callbacks with `secret`, still signing with the old one for the rotation window.
    pub fn rotate_webhook_secret(&self, secret: kustom_ipp::WebhookSecret) {
        self.app.callbacks.rotate_secret(secret);
    }

    pub fn deliveries(&self) -> Vec<DeliveryRecord> {
        self.app.callbacks.deliveries()
    }

    /// Aims faults at particular upcoming requests (see [`ScriptedFault`]).
    pub fn script_faults(&self, faults: impl IntoIterator<Item = ScriptedFault>) {
        self.faults.script(faults);
    }

    /// Stops accepting requests and waits for the server to finish.
    pub async fn shutdown(mut self) {
        if let Some(stop) = self.shutdown.take() {
            let _ = stop.send(());
        }
        let _ = (&mut self.handle).await;
    }
}

/// Binds, seeds (or restores) and serves; returns once the port is open.
pub async fn start(config: SimConfig) -> std::io::Result<Running> {
    let listener = tokio::net::TcpListener::bind(config.addr).await?;
    let addr = listener.local_addr()?;

    let mut sim = match config.restore {
        Some(mut state) => {
            state.reindex();
            state
        }
        None => {
            let mut state = SimState::default();
            let now = config.clock.now();
            for merchant in &config.merchants {
                seed::seed(&mut state, &merchant.merchant_id, &merchant.seed, now);
            }
            state
        }
    };
    sim.reindex();

    let app = AppState {
        sim: Arc::new(Mutex::new(sim)),
        merchants: Arc::new(config.merchants),
        mode: config.mode,
        clock: config.clock,
        rules: SessionRules {
            timeout: chrono::Duration::from_std(config.session_timeout)
                .unwrap_or(chrono::Duration::minutes(30)),
            max_declines: config.max_declines,
        },
        callbacks: Callbacks::start(
            config.callback_urls,
            config.webhook_secret,
            config.rotation_window,
        ),
        rng: Arc::new(Mutex::new(StdRng::from_os_rng())),
        answers: http::Answers {
            docs_minimal: config.docs_minimal,
        },
    };
    let faults = FaultInjector::new(config.faults);
    let mut router = http::router(app.clone(), faults.clone());
    if config.inspect {
        let state = app.sim.clone();
        router = router.route(
            "/__inspect/state",
            axum::routing::get(
                move |axum::extract::Query(query): axum::extract::Query<InspectQuery>| {
                    let state = state.clone();
                    async move {
                        let body = if query.trims() {
                            let whole = state.lock().clone();
                            serde_json::to_vec(&query.trimmed(whole))
                        } else {
                            serde_json::to_vec(&*state.lock())
                        }
                        .unwrap_or_default();
                        (
                            [(axum::http::header::CONTENT_TYPE, "application/json")],
                            body,
                        )
                    }
                },
            ),
        );
    }
    let (shutdown, stopped) = oneshot::channel::<()>();
    let handle = tokio::spawn(async move {
        let server = axum::serve(listener, router).with_graceful_shutdown(async {
            let _ = stopped.await;
        });
        if let Err(err) = server.await {
            tracing::error!(%err, "ipp-sim stopped with an error");
        }
    });
    Ok(Running {
        addr,
        handle,
        app,
        faults,
        shutdown: Some(shutdown),
    })
}

#[cfg(test)]
mod inspect_tests {
    use chrono::Utc;

    use super::*;
    use crate::config::SeedSpec;

    #[test]
    fn a_trimmed_state_holds_the_devices_at_the_location_asked_for_and_nothing_else_of_the_fleet() {
        let mut state = SimState::default();
        let spec = SeedSpec {
            locations: 4,
            devices: 200,
            pending_enrollments: 0,
            consumed_enrollments: 0,
            rng_seed: 3,
        };
        crate::seed::seed(&mut state, "DM1", &spec, Utc::now());
        let location = state
            .devices
            .iter()
            .find_map(|d| d.location_id.clone())
            .expect("a device at a location");
        let at = |state: &SimState| {
            state
                .devices
                .iter()
                .filter(|d| d.location_id.as_deref() == Some(location.as_str()))
                .count()
        };
        let expected = at(&state);
        assert!(expected > 0 && expected < state.devices.len());
        let query = InspectQuery {
            sessions_since: None,
            devices_at: Some(location.clone()),
        };
        let trimmed = query.trimmed(state.clone());
        assert_eq!(trimmed.devices.len(), expected);
        assert_eq!(at(&trimmed), expected);
        let none = InspectQuery {
            sessions_since: Some(Utc::now()),
            devices_at: Some(String::new()),
        }
        .trimmed(state);
        assert!(none.devices.is_empty() && none.sessions.is_empty() && none.tokens.is_empty());
    }
}
