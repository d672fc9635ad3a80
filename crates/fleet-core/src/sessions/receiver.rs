//! The local callback receiver: an axum server on 127.0.0.1 that takes Kustom's callbacks, checks
//! their Standard Webhooks signature against the profile's signing secret(s), and hands accepted
//! events on.
//!
//! Settings tells people to expose this port with a tunnel, so anyone may send it anything. The
//! receiver is built for that:
//!
//! - Connections are bounded: at most [`MAX_CONNECTIONS`] at once (more are closed as they come),
//!   the request head within [`HEAD_TIMEOUT`], the whole exchange within [`CONNECTION_DEADLINE`]
//!   — a slow sender cannot hold the port.
//! - Cheap checks come first and need no cryptography: only `application/json` (a web page the
//!   user visits cannot send that across origins without a preflight this server never grants),
//!   at most 64 KiB of body, headers of sane length. Then a rate: beyond [`VERIFY_BURST`]
//!   deliveries, [`VERIFY_PER_SECOND`] a second, a delivery is answered 429 and counted before any
//!   HMAC or database work, so a flood costs the app a count (Kustom re-sends a genuine delivery
//!   it got no 2xx for). Then a timestamp within ±5 min, at most [`webhooks::MAX_SIGNATURES`]
//!   signature entries, and one HMAC per configured secret.
//! - A delivery belongs to the merchant of the secret that verified it: a body naming another
//!   merchant is refused, so one merchant's secret cannot speak for another.
//! - Only verified deliveries touch the database: their ids, kept to refuse replays and repeats
//!   ([`REPLAY_WINDOW`]), in an indexed table pruned as it goes. Rejected deliveries are counted and
//!   kept in a bounded in-memory ring, values truncated, for Settings to show.
//!
//! | delivery | answer | verdict |
//! |---|---|---|
//! | valid, first time | 200 | accepted |
//! | valid, already accepted (a retry or a replay) | 200, not processed again | duplicate |
//! | not JSON | 415 | unsupported |
//! | bad or missing signature, too many entries, another merchant | 401 | forged |
//! | timestamp outside ±5 min | 400 | stale |
//! | body over 64 KiB | 413 | too_large |
//! | not a callback envelope, oversized headers | 400 | malformed |
//! | any delivery past the rate | 429 | (counted only) |

use std::collections::VecDeque;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use chrono::Utc;
use kustom_ipp::webhooks::{self, WebhookError, WebhookSecret};
use kustom_ipp::{CallbackEnvelope, CallbackEvent};
use parking_lot::{Mutex, RwLock};
use serde::Serialize;
use specta::Type;
use tokio::sync::{mpsc, oneshot};

use super::{Delivery, SessionStore};

pub const PATH: &str = "/kustom/callbacks";
pub const MAX_BODY: usize = 64 * 1024;
/// Longest `webhook-id` kept or compared (Standard Webhooks ids are short: `msg_…`, `kevt_…`).
pub const MAX_ID_LEN: usize = 256;
const TOLERANCE: Duration = webhooks::DEFAULT_TOLERANCE;
/// How long accepted ids are remembered. A replayed capture is refused by its timestamp after
/// five minutes; ids are kept far longer because Kustom re-sends a delivery it saw no 2xx for,
/// with the same id and a fresh signature, on a schedule it does not document [GAP]: three days
/// covers the retry schedules of Standard Webhooks senders.
pub const REPLAY_WINDOW: Duration = Duration::from_secs(3 * 24 * 3600);
/// Rejected deliveries kept for Settings.
pub const RING_SIZE: usize = 100;
/// Deliveries verified in a burst, then per second; past that, 429 and a count. Kustom sends a
/// few callbacks per payment; a chain's busiest minute is far below this.
pub const VERIFY_BURST: f64 = 60.0;
pub const VERIFY_PER_SECOND: f64 = 20.0;
/// Connections served at once; more are closed as they are accepted.
pub const MAX_CONNECTIONS: usize = 64;
/// How long a connection may take to send its request head.
pub const HEAD_TIMEOUT: Duration = Duration::from_secs(5);
/// How long a connection may last in all (a 64 KiB body at a trickle included).
pub const CONNECTION_DEADLINE: Duration = Duration::from_secs(15);
/// Characters kept of any value a rejected delivery brought with it.
const SHOWN_CHARS: usize = 80;

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

/// What Settings shows about deliveries since the app started.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Type)]
pub struct DeliveryReport {
    pub accepted: u64,
    pub duplicates: u64,
    pub rejected: u64,
    /// Rejections past the rate limit, answered 429 and not kept below.
    pub suppressed: u64,
    /// The latest deliveries, accepted or not, newest first (at most [`RING_SIZE`]).
    pub recent: Vec<Delivery>,
}

/// Counters and the ring, shared by the handler and Settings.
#[derive(Default)]
struct Journal {
    accepted: u64,
    duplicates: u64,
    rejected: u64,
    suppressed: u64,
    recent: VecDeque<Delivery>,
}

impl Journal {
    fn keep(&mut self, delivery: Delivery) {
        if self.recent.len() == RING_SIZE {
            self.recent.pop_back();
        }
        self.recent.push_front(delivery);
    }
}

/// A token bucket for deliveries to verify.
struct Bucket {
    tokens: f64,
    last: Instant,
}

impl Bucket {
    fn new() -> Self {
        Self {
            tokens: VERIFY_BURST,
            last: Instant::now(),
        }
    }

    fn take(&mut self) -> bool {
        let now = Instant::now();
        self.tokens = (self.tokens
            + VERIFY_PER_SECOND * now.duration_since(self.last).as_secs_f64())
        .min(VERIFY_BURST);
        self.last = now;
        if self.tokens >= 1.0 {
            self.tokens -= 1.0;
            true
        } else {
            false
        }
    }
}

#[derive(Clone)]
struct Shared {
    secrets: Secrets,
    store: SessionStore,
    events: mpsc::UnboundedSender<CallbackEvent>,
    journal: Arc<Mutex<Journal>>,
    bucket: Arc<Mutex<Bucket>>,
}

pub struct Receiver {
    pub addr: SocketAddr,
    journal: Arc<Mutex<Journal>>,
    shutdown: Mutex<Option<oneshot::Sender<()>>>,
}

/// The receiver's port is taken (another program, or another Fleetdesk window of this user).
#[derive(Debug, thiserror::Error)]
#[error("port {port} on 127.0.0.1 is in use ({source})")]
pub struct PortTaken {
    pub port: u16,
    source: std::io::Error,
}

impl Receiver {
    /// `http://127.0.0.1:PORT/kustom/callbacks`
    pub fn url(&self) -> String {
        format!("http://{}{PATH}", self.addr)
    }

    /// Binds 127.0.0.1:`port` (0 for any free port). A taken port is an error: quietly moving to
    /// another one would leave the tunnel Kustom posts to pointing at something else.
    pub async fn start(
        port: u16,
        secrets: Secrets,
        store: SessionStore,
        events: mpsc::UnboundedSender<CallbackEvent>,
    ) -> Result<Self, PortTaken> {
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", port))
            .await
            .map_err(|source| PortTaken { port, source })?;
        let addr = listener
            .local_addr()
            .map_err(|source| PortTaken { port, source })?;
        let journal: Arc<Mutex<Journal>> = Arc::default();
        let shared = Shared {
            secrets,
            store,
            events,
            journal: journal.clone(),
            bucket: Arc::new(Mutex::new(Bucket::new())),
        };
        let app = Router::new()
            .route(PATH, post(receive))
            .layer(DefaultBodyLimit::max(MAX_BODY))
            .with_state(shared);
        let (shutdown, stopped) = oneshot::channel::<()>();
        tokio::spawn(serve(listener, app, stopped));
        Ok(Self {
            addr,
            journal,
            shutdown: Mutex::new(Some(shutdown)),
        })
    }

    /// Stops taking callbacks: the port is given back at once (deliveries already being read
    /// are still answered). Idempotent.
    pub fn stop(&self) {
        if let Some(stop) = self.shutdown.lock().take() {
            let _ = stop.send(());
        }
    }

    /// Counters and the latest deliveries.
    pub fn report(&self) -> DeliveryReport {
        let journal = self.journal.lock();
        DeliveryReport {
            accepted: journal.accepted,
            duplicates: journal.duplicates,
            rejected: journal.rejected,
            suppressed: journal.suppressed,
            recent: journal.recent.iter().cloned().collect(),
        }
    }
}

impl Drop for Receiver {
    fn drop(&mut self) {
        self.stop();
    }
}

/// Accepts connections until `stopped`: at most [`MAX_CONNECTIONS`] at once (one more is closed
/// as soon as it is accepted), each given [`HEAD_TIMEOUT`] for its head and
/// [`CONNECTION_DEADLINE`] in all.
async fn serve(listener: tokio::net::TcpListener, app: Router, mut stopped: oneshot::Receiver<()>) {
    let slots = Arc::new(tokio::sync::Semaphore::new(MAX_CONNECTIONS));
    loop {
        let accepted = tokio::select! {
            accepted = listener.accept() => accepted,
            _ = &mut stopped => return,
        };
        let stream = match accepted {
            Ok((stream, _)) => stream,
            Err(err) => {
                tracing::debug!(%err, "a callback connection could not be accepted");
                continue;
            }
        };
        let Ok(slot) = slots.clone().try_acquire_owned() else {
            // Full: closed at once, costing nothing but the accept.
            drop(stream);
            continue;
        };
        let service = hyper_util::service::TowerToHyperService::new(app.clone());
        tokio::spawn(async move {
            let connection = hyper::server::conn::http1::Builder::new()
                .timer(hyper_util::rt::TokioTimer::new())
                .header_read_timeout(HEAD_TIMEOUT)
                .serve_connection(hyper_util::rt::TokioIo::new(stream), service);
            if tokio::time::timeout(CONNECTION_DEADLINE, connection)
                .await
                .is_err()
            {
                tracing::debug!("a callback connection took too long and was closed");
            }
            drop(slot);
        });
    }
}

/// At most [`SHOWN_CHARS`] characters, marked when cut.
fn shown(text: &str) -> String {
    let mut out: String = text.chars().take(SHOWN_CHARS).collect();
    if text.chars().nth(SHOWN_CHARS).is_some() {
        out.push('…');
    }
    out
}

/// How a delivery was judged, before it is recorded.
struct Judgement {
    status: StatusCode,
    verdict: &'static str,
    detail: Option<String>,
    event: Option<CallbackEvent>,
}

impl Judgement {
    fn reject(status: StatusCode, verdict: &'static str, detail: impl Into<String>) -> Self {
        Self {
            status,
            verdict,
            detail: Some(detail.into()),
            event: None,
        }
    }
}

async fn receive(
    State(shared): State<Shared>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    let judged = judge(&shared, &headers, body).await;
    let webhook_id = headers
        .get(webhooks::HEADER_ID)
        .map(|v| shown(&String::from_utf8_lossy(v.as_bytes())));
    let delivery = Delivery {
        received_at: Utc::now(),
        webhook_id,
        event_type: judged.event.as_ref().map(|e| shown(e.event_type.as_str())),
        session_id: judged
            .event
            .as_ref()
            .and_then(|e| e.data.session_id.as_deref().map(shown)),
        verdict: judged.verdict.to_owned(),
        http_status: judged.status.as_u16(),
        detail: judged.detail.as_deref().map(shown),
    };
    if judged.verdict == "suppressed" {
        shared.journal.lock().suppressed += 1;
        return (
            StatusCode::TOO_MANY_REQUESTS,
            [(header::RETRY_AFTER, "1")],
            "too many deliveries",
        )
            .into_response();
    }
    {
        let mut journal = shared.journal.lock();
        match judged.verdict {
            "accepted" => journal.accepted += 1,
            "duplicate" => journal.duplicates += 1,
            _ => journal.rejected += 1,
        }
        journal.keep(delivery);
    }
    if let (Some(event), "accepted") = (judged.event, judged.verdict) {
        let _ = shared.events.send(event);
    }
    let text = match judged.verdict {
        "accepted" => "ok",
        "duplicate" => "already received",
        other => other,
    };
    (judged.status, text.to_owned()).into_response()
}

async fn judge(
    shared: &Shared,
    headers: &HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Judgement {
    let is_json = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|v| v.trim().eq_ignore_ascii_case("application/json"));
    if !is_json {
        return Judgement::reject(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported",
            "callbacks are application/json",
        );
    }
    let body = match body {
        Ok(body) => body,
        Err(rejection) if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE => {
            return Judgement::reject(
                StatusCode::PAYLOAD_TOO_LARGE,
                "too_large",
                format!("over {MAX_BODY} bytes"),
            );
        }
        Err(rejection) => {
            return Judgement::reject(StatusCode::BAD_REQUEST, "malformed", rejection.body_text());
        }
    };
    let oversized = [webhooks::HEADER_ID, webhooks::HEADER_TIMESTAMP]
        .into_iter()
        .any(|name| headers.get(name).is_some_and(|v| v.len() > MAX_ID_LEN));
    if oversized {
        return Judgement::reject(
            StatusCode::BAD_REQUEST,
            "malformed",
            format!("a webhook header is longer than {MAX_ID_LEN} bytes"),
        );
    }
    // Past the rate, before any HMAC or database work: counted and answered 429.
    if !shared.bucket.lock().take() {
        return Judgement::reject(StatusCode::TOO_MANY_REQUESTS, "suppressed", "past the rate");
    }
    let known = shared.secrets.get();
    let secrets: Vec<WebhookSecret> = known.iter().map(|(_, s)| s.clone()).collect();
    let verified =
        match webhooks::verify(headers, &body, &secrets, Utc::now().timestamp(), TOLERANCE) {
            Ok(verified) => verified,
            Err(
                err @ (WebhookError::TooOld { .. }
                | WebhookError::TooNew { .. }
                | WebhookError::InvalidTimestamp),
            ) => return Judgement::reject(StatusCode::BAD_REQUEST, "stale", err.to_string()),
            Err(err) => {
                return Judgement::reject(StatusCode::UNAUTHORIZED, "forged", err.to_string());
            }
        };
    // Tolerant: only `type` is needed; id and time fall back to the signed headers [3P §10.3].
    let envelope: CallbackEnvelope = match serde_json::from_slice(&body) {
        Ok(envelope) => envelope,
        Err(err) => {
            return Judgement::reject(StatusCode::BAD_REQUEST, "malformed", err.to_string());
        }
    };
    let mut event = envelope.into_event(&verified.webhook_id, verified.timestamp);
    // The delivery belongs to the merchant whose secret signed it, whatever its body says.
    if let Some((Some(merchant), _)) = known.get(verified.secret) {
        if !event.merchant_id.is_empty() && event.merchant_id != *merchant {
            return Judgement::reject(
                StatusCode::UNAUTHORIZED,
                "forged",
                "signed with one merchant's secret, naming another merchant",
            );
        }
        event.merchant_id = merchant.clone();
    }
    // Only now, for a verified delivery, is the database asked (on the blocking pool).
    let first_time = shared
        .store
        .remember_delivery(&verified.webhook_id, REPLAY_WINDOW)
        .await;
    match first_time {
        Ok(true) => Judgement {
            status: StatusCode::OK,
            verdict: "accepted",
            detail: None,
            event: Some(event),
        },
        // Kustom retries until it gets a 2xx: acknowledge, but never process twice.
        Ok(false) => Judgement {
            status: StatusCode::OK,
            verdict: "duplicate",
            detail: None,
            event: Some(event),
        },
        Err(err) => {
            // Not a 2xx: Kustom will deliver it again, and it will be checked again then.
            tracing::warn!(%err, "could not record a callback delivery");
            Judgement::reject(
                StatusCode::SERVICE_UNAVAILABLE,
                "unrecorded",
                "the local database is busy; Kustom will retry",
            )
        }
    }
}
