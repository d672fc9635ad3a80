//! The HTTP face of the simulator: axum routes under `/ipp/v1` onto [`crate::state::SimState`].

mod answers;
mod auth;
mod bodies;
mod handlers;
mod query;

use std::sync::Arc;

use axum::Router;
use axum::routing::{delete, get, post, put};
use parking_lot::Mutex;
use rand::rngs::StdRng;

pub use answers::Answers;
pub use auth::{IPP_NOT_ENABLED, Merchant, resolve};

use crate::callbacks::Callbacks;
use crate::clock::Clock;
use crate::config::{MerchantConfig, Mode};
use crate::error::SimError;
use crate::faults::{self, FaultInjector};
use crate::state::{PendingEvent, SessionRules, SimState};

/// What every handler shares.
#[derive(Clone)]
pub struct AppState {
    pub sim: Arc<Mutex<SimState>>,
    pub merchants: Arc<Vec<MerchantConfig>>,
    pub mode: Mode,
    pub clock: Clock,
    pub rules: SessionRules,
    pub callbacks: Arc<Callbacks>,
    pub rng: Arc<Mutex<StdRng>>,
    /// How resources are written: everything, or only what the docs promise.
    pub answers: Answers,
}

impl AppState {
    /// Runs `f` on the state after applying the passage of time.
    pub fn read<T>(&self, f: impl FnOnce(&mut SimState, &Self) -> T) -> T {
        let mut sim = self.sim.lock();
        sim.tick(self.clock.now(), self.rules);
        f(&mut sim, self)
    }

    /// Like [`AppState::read`] for a change that causes callbacks: they are sent after the lock
    /// is released, so delivery never blocks the API.
    pub fn change<T>(
        &self,
        f: impl FnOnce(&mut SimState, &Self) -> Result<(T, Vec<PendingEvent>), SimError>,
    ) -> Result<T, SimError> {
        let (value, events) = self.read(f)?;
        for event in events {
            self.callbacks.emit(event);
        }
        Ok(value)
    }
}

async fn openapi_document() -> impl axum::response::IntoResponse {
    (
        [(axum::http::header::CONTENT_TYPE, "application/json")],
        kustom_ipp::openapi::DOCUMENT,
    )
}

pub fn router(state: AppState, injector: Arc<FaultInjector>) -> Router {
    let api = Router::new()
        .route(
            "/enrollments",
            get(handlers::list_enrollments)
                .post(handlers::create_enrollment)
                .delete(handlers::cancel_enrollments),
        )
        .route("/enrollments/{id}", delete(handlers::cancel_enrollment))
        .route("/locations", get(handlers::list_locations))
        .route("/locations/{id}", get(handlers::get_location))
        .route("/devices", get(handlers::list_devices))
        .route("/devices/register", post(handlers::register_device))
        .route(
            "/devices/{id}",
            get(handlers::get_device)
                .put(handlers::update_device)
                .delete(handlers::delete_device),
        )
        .route("/device/me", get(handlers::device_me))
        .route("/sessions", post(handlers::create_session))
        .route("/sessions/{session_id}", get(handlers::get_session))
        .route(
            "/sessions/{session_id}/cancel",
            put(handlers::cancel_session),
        )
        .route("/dev/devices", post(handlers::dev_create_device))
        .route(
            "/dev/sessions/{session_id}/simulate-tap",
            post(handlers::dev_simulate_tap),
        )
        .fallback(handlers::not_found)
        .layer(axum::middleware::from_fn_with_state(
            injector,
            faults::inject,
        ))
        .with_state(state);
    Router::new()
        .nest("/ipp/v1", api)
        .route("/health", get(|| async { "ok" }))
        // The hand-written contract (kustom-ipp/openapi), for schemathesis and curious integrators.
        .route("/openapi.json", get(openapi_document))
}
