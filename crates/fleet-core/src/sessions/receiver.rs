//! The local callback receiver: an axum server on 127.0.0.1 that takes Kustom's callbacks, checks
//! their Standard Webhooks signature against the profile's signing secret(s), and hands accepted
//! events on. It answers fast and records every delivery, accepted or not:
//!
//! | delivery | answer | verdict |
//! |---|---|---|
//! | valid, first time | 200 | accepted |
//! | valid, already accepted (a retry or a replay) | 200, not processed again | duplicate |
//! | bad or missing signature | 401 | forged |
//! | timestamp outside ±5 min | 400 | stale |
//! | body over 64 KiB | 413 | too_large |
//! | not a callback envelope | 400 | malformed |

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use chrono::Utc;
use kustom_ipp::webhooks::{self, WebhookError, WebhookSecret};
use kustom_ipp::{CallbackEnvelope, CallbackEvent};
use parking_lot::{Mutex, RwLock};
use tokio::sync::{mpsc, oneshot};

use super::{Delivery, SessionStore};

pub const PATH: &str = "/kustom/callbacks";
pub const MAX_BODY: usize = 64 * 1024;
const TOLERANCE: Duration = webhooks::DEFAULT_TOLERANCE;

/// The signing secrets deliveries are checked against, each with the merchant it belongs to when
/// known; updated when the profile changes.
#[derive(Clone, Default)]
pub struct Secrets(Arc<RwLock<Vec<MerchantSecret>>>);

/// A signing secret and the merchant it belongs to, when known.
type MerchantSecret = (Option<String>, WebhookSecret);

impl Secrets {
    /// Secrets of no particular merchant.
    pub fn set(&self, secrets: Vec<WebhookSecret>) {
        *self.0.write() = secrets.into_iter().map(|s| (None, s)).collect();
    }

    /// Secrets with the merchant whose profile holds each: a delivery whose body does not name
    /// its merchant (the minimal `{type, data}` shape [3P]) belongs to the secret's.
    pub fn set_with_merchants(&self, secrets: Vec<(String, WebhookSecret)>) {
        *self.0.write() = secrets.into_iter().map(|(m, s)| (Some(m), s)).collect();
    }

    fn get(&self) -> Vec<MerchantSecret> {
        self.0.read().clone()
    }
}

#[derive(Clone)]
struct Shared {
    secrets: Secrets,
    store: SessionStore,
    events: mpsc::UnboundedSender<CallbackEvent>,
    /// Ids accepted in this run (the store remembers earlier runs).
    recent: Arc<Mutex<std::collections::HashSet<String>>>,
}

pub struct Receiver {
    pub addr: SocketAddr,
    shutdown: Option<oneshot::Sender<()>>,
}

impl Receiver {
    /// `http://127.0.0.1:PORT/kustom/callbacks`
    pub fn url(&self) -> String {
        format!("http://{}{PATH}", self.addr)
    }

    /// Binds 127.0.0.1:`port` (0 for any free port; a taken port falls back to a free one).
    pub async fn start(
        port: u16,
        secrets: Secrets,
        store: SessionStore,
        events: mpsc::UnboundedSender<CallbackEvent>,
    ) -> std::io::Result<Self> {
        let listener = match tokio::net::TcpListener::bind(("127.0.0.1", port)).await {
            Ok(listener) => listener,
            Err(err) if port != 0 => {
                tracing::warn!(%err, port, "callback port taken; using a free one");
                tokio::net::TcpListener::bind(("127.0.0.1", 0)).await?
            }
            Err(err) => return Err(err),
        };
        let addr = listener.local_addr()?;
        let shared = Shared {
            secrets,
            store,
            events,
            recent: Arc::new(Mutex::new(Default::default())),
        };
        let app = Router::new()
            .route(PATH, post(receive))
            .layer(DefaultBodyLimit::max(MAX_BODY))
            .with_state(shared);
        let (shutdown, stopped) = oneshot::channel::<()>();
        tokio::spawn(async move {
            let server = axum::serve(listener, app).with_graceful_shutdown(async {
                let _ = stopped.await;
            });
            if let Err(err) = server.await {
                tracing::error!(%err, "the callback receiver stopped");
            }
        });
        Ok(Self {
            addr,
            shutdown: Some(shutdown),
        })
    }
}

impl Drop for Receiver {
    fn drop(&mut self) {
        if let Some(stop) = self.shutdown.take() {
            let _ = stop.send(());
        }
    }
}

async fn receive(
    State(shared): State<Shared>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> (StatusCode, &'static str) {
    let webhook_id = headers
        .get(webhooks::HEADER_ID)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let mut delivery = Delivery {
        received_at: Utc::now(),
        webhook_id: webhook_id.clone(),
        event_type: None,
        session_id: None,
        verdict: String::new(),
        http_status: 200,
        detail: None,
    };
    let answer = judge(&shared, &headers, body, &mut delivery);
    delivery.http_status = answer.0.as_u16();
    if let Err(err) = shared.store.record_delivery(&delivery) {
        tracing::warn!(%err, "could not record a callback delivery");
    }
    answer
}

fn judge(
    shared: &Shared,
    headers: &HeaderMap,
    body: Result<Bytes, BytesRejection>,
    delivery: &mut Delivery,
) -> (StatusCode, &'static str) {
    let mut verdict = |verdict: &str, detail: Option<String>| {
        delivery.verdict = verdict.to_owned();
        delivery.detail = detail;
    };
    let body = match body {
        Ok(body) => body,
        Err(rejection) if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE => {
            verdict("too_large", Some(format!("over {MAX_BODY} bytes")));
            return (StatusCode::PAYLOAD_TOO_LARGE, "payload too large");
        }
        Err(rejection) => {
            verdict("malformed", Some(rejection.body_text()));
            return (StatusCode::BAD_REQUEST, "unreadable body");
        }
    };
    let known = shared.secrets.get();
    let secrets: Vec<WebhookSecret> = known.iter().map(|(_, s)| s.clone()).collect();
    let verified =
        match webhooks::verify(headers, &body, &secrets, Utc::now().timestamp(), TOLERANCE) {
            Ok(verified) => verified,
            Err(
                err @ (WebhookError::TooOld { .. }
                | WebhookError::TooNew { .. }
                | WebhookError::InvalidTimestamp),
            ) => {
                verdict("stale", Some(err.to_string()));
                return (StatusCode::BAD_REQUEST, "timestamp outside the tolerance");
            }
            Err(err) => {
                verdict("forged", Some(err.to_string()));
                return (StatusCode::UNAUTHORIZED, "signature does not verify");
            }
        };
    // Tolerant: only `type` is needed; id and time fall back to the signed headers [3P §10.3].
    let envelope: CallbackEnvelope = match serde_json::from_slice(&body) {
        Ok(envelope) => envelope,
        Err(err) => {
            verdict("malformed", Some(err.to_string()));
            return (StatusCode::BAD_REQUEST, "not a callback envelope");
        }
    };
    let mut event = envelope.into_event(&verified.webhook_id, verified.timestamp);
    if event.merchant_id.is_empty() {
        if let Some((Some(merchant), _)) = known.get(verified.secret) {
            event.merchant_id = merchant.clone();
        }
    }
    delivery.event_type = Some(event.event_type.as_str().to_owned());
    delivery.session_id = event.data.session_id.clone();
    let id = delivery
        .webhook_id
        .clone()
        .unwrap_or_else(|| event.id.clone());
    let fresh = shared.recent.lock().insert(id.clone()) && !shared.store.seen(&id).unwrap_or(false);
    if !fresh {
        // Kustom retries until it gets a 2xx: acknowledge, but never process twice.
        verdict("duplicate", None);
        return (StatusCode::OK, "already received");
    }
    verdict("accepted", None);
    let _ = shared.events.send(event);
    (StatusCode::OK, "ok")
}
