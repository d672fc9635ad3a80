//! Callback delivery: signed Standard-Webhooks POSTs to every configured URL, sent from a queue so
//! the API never waits for them, in order, retried with backoff on anything but 2xx.

use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;
use kustom_ipp::webhooks::{self, WebhookSecret};
use kustom_ipp::{CallbackData, CallbackEvent};
use parking_lot::Mutex;
use rand::Rng;
use tokio::sync::mpsc;

use crate::state::PendingEvent;

/// Attempts per delivery before it is given up.
const MAX_ATTEMPTS: u32 = 8;
/// Delivery records kept for inspection (the newest; the local playground runs for days).
const LOG_LIMIT: usize = 2_000;

/// One delivery attempt's outcome, kept for inspection (tests, the app's diagnostics).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeliveryRecord {
    pub event_id: String,
    pub url: String,
    pub attempt: u32,
    /// The HTTP status, or `None` when the receiver could not be reached.
    pub status: Option<u16>,
}

struct Signing {
    current: WebhookSecret,
    /// The previous secret and until when it still signs (rotation window).
    previous: Option<(WebhookSecret, tokio::time::Instant)>,
}

/// The shared side of the dispatcher: where to send and how to sign. Changeable at run time.
pub struct Callbacks {
    urls: Mutex<Vec<String>>,
    signing: Mutex<Signing>,
    rotation_window: Duration,
    log: Mutex<Vec<DeliveryRecord>>,
    queue: mpsc::UnboundedSender<CallbackEvent>,
}

impl Callbacks {
    /// Starts the delivery task and returns the handle to enqueue events with.
    pub fn start(urls: Vec<String>, secret: WebhookSecret, rotation_window: Duration) -> Arc<Self> {
        let (queue, receiver) = mpsc::unbounded_channel();
        let callbacks = Arc::new(Self {
            urls: Mutex::new(urls),
            signing: Mutex::new(Signing {
                current: secret,
                previous: None,
            }),
            rotation_window,
            log: Mutex::new(Vec::new()),
            queue,
        });
        tokio::spawn(deliver_all(Arc::downgrade(&callbacks), receiver));
        callbacks
    }

    /// Builds the envelope [DOC §10.3] and queues it.
    pub fn emit(&self, pending: PendingEvent) -> CallbackEvent {
        let event = CallbackEvent {
            id: event_id(),
            merchant_id: pending.merchant_id,
            timestamp: Utc::now(),
            event_type: pending.event_type,
            data: CallbackData {
                session_id: Some(pending.session_id),
                order_id: pending.order_id,
                failure_reason: pending.failure_reason,
            },
        };
        let _ = self.queue.send(event.clone());
        event
    }

    pub fn set_urls(&self, urls: Vec<String>) {
        *self.urls.lock() = urls;
    }

    pub fn urls(&self) -> Vec<String> {
        self.urls.lock().clone()
    }

    /// Starts signing with `new`; the old secret keeps signing for the rotation window.
    pub fn rotate_secret(&self, new: WebhookSecret) {
        let mut signing = self.signing.lock();
        let old = std::mem::replace(&mut signing.current, new);
        signing.previous = Some((old, tokio::time::Instant::now() + self.rotation_window));
    }

    pub fn deliveries(&self) -> Vec<DeliveryRecord> {
        self.log.lock().clone()
    }

    /// Keeps a delivery record, dropping the oldest half once the log is full.
    fn record(&self, record: DeliveryRecord) {
        let mut log = self.log.lock();
        if log.len() >= LOG_LIMIT {
            log.drain(..LOG_LIMIT / 2);
        }
        log.push(record);
    }

    fn active_secrets(&self) -> Vec<WebhookSecret> {
        let mut signing = self.signing.lock();
        if signing
            .previous
            .as_ref()
            .is_some_and(|(_, until)| tokio::time::Instant::now() >= *until)
        {
            signing.previous = None;
        }
        let mut secrets = vec![signing.current.clone()];
        if let Some((previous, _)) = &signing.previous {
            secrets.push(previous.clone());
        }
        secrets
    }
}

/// `kevt_` + 22 base62 characters, like the documented ids.
fn event_id() -> String {
    const BASE62: &[u8] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
    let mut rng = rand::rng();
    let tail: String = (0..22)
        .map(|_| BASE62[rng.random_range(0..BASE62.len())] as char)
        .collect();
    format!("kevt_{tail}")
}

async fn deliver_all(
    callbacks: std::sync::Weak<Callbacks>,
    mut receiver: mpsc::UnboundedReceiver<CallbackEvent>,
) {
    let http = match kustom_ipp::tls::http_client_builder()
        .timeout(Duration::from_secs(10))
        .build()
    {
        Ok(http) => http,
        Err(err) => {
            tracing::error!(%err, "callback client could not be built; callbacks are disabled");
            return;
        }
    };
    while let Some(event) = receiver.recv().await {
        let Some(callbacks) = callbacks.upgrade() else {
            return;
        };
        let body = match serde_json::to_vec(&event) {
            Ok(body) => body,
            Err(err) => {
                tracing::error!(%err, "callback could not be encoded");
                continue;
            }
        };
        for url in callbacks.urls() {
            deliver(&http, &callbacks, &event.id, &url, &body).await;
        }
    }
}

async fn deliver(
    http: &reqwest::Client,
    callbacks: &Callbacks,
    event_id: &str,
    url: &str,
    body: &[u8],
) {
    let mut wait = Duration::from_millis(250);
    for attempt in 1..=MAX_ATTEMPTS {
        let timestamp = Utc::now().timestamp();
        let signature =
            webhooks::signature_header(&callbacks.active_secrets(), event_id, timestamp, body);
        let result = http
            .post(url)
            .header("content-type", "application/json")
            .header(webhooks::HEADER_ID, event_id)
            .header(webhooks::HEADER_TIMESTAMP, timestamp.to_string())
            .header(webhooks::HEADER_SIGNATURE, signature)
            .body(body.to_vec())
            .send()
            .await;
        let status = result.as_ref().ok().map(|r| r.status().as_u16());
        callbacks.record(DeliveryRecord {
            event_id: event_id.to_owned(),
            url: url.to_owned(),
            attempt,
            status,
        });
        if status.is_some_and(|s| (200..300).contains(&s)) {
            return;
        }
        tracing::debug!(
            event_id,
            url,
            attempt,
            ?status,
            "callback not acknowledged; retrying"
        );
        tokio::time::sleep(wait).await;
        wait = (wait * 2).min(Duration::from_secs(5));
    }
    tracing::warn!(
        event_id,
        url,
        "callback given up after {MAX_ATTEMPTS} attempts"
    );
}
