//! The callback receiver and the session watcher against a real simulator: forged, tampered,
//! stale, replayed and oversized deliveries are refused; rotated secrets verify; polling backs off
//! and stops at a terminal status; a callback and a poll reporting one change make one entry;
//! callbacks arriving out of order still tell the session in order.

use std::time::Duration;

use fleet_core::sessions::receiver::{PATH, Receiver, Secrets};
use fleet_core::sessions::watcher::{EAGER, FAST, SessionWatcher};
use fleet_core::sessions::{EventSource, SessionStore, TimelineEntry, TimelineEvent};
use fleet_core::storage::Store;
use ipp_sim::{MerchantConfig, Mode, Running, SeedSpec, SimConfig};
use kustom_ipp::webhooks::{self, WebhookSecret};
use kustom_ipp::{
    CallbackData, CallbackEvent, Client, ClientConfig, CreateSession, CreateSimulatedDevice,
    Credentials, EventType, Session, SessionStatus, TapOutcome,
};
use tokio::sync::mpsc;

async fn sim(callback: Option<String>, secret: WebhookSecret) -> Running {
    let merchant = MerchantConfig::new("DM20260001", Mode::Playground).seed(SeedSpec::default());
    let mut config = SimConfig::new(Mode::Playground)
        .merchants(vec![merchant])
        .webhook_secret(secret);
    if let Some(url) = callback {
        config = config.callback_url(url);
    }
    ipp_sim::start(config)
        .await
        .unwrap_or_else(|e| panic!("{e}"))
}

fn client(sim: &Running) -> Client {
    let config = ClientConfig::new(
        &sim.base_url(),
        Credentials::ApiKey(kustom_ipp::Secret::new(sim.merchants()[0].api_key.clone())),
    )
    .unwrap_or_else(|e| panic!("{e}"))
    .merchant_id("DM20260001");
    Client::new(config).unwrap_or_else(|e| panic!("{e}"))
}

fn cart(device_id: &str) -> CreateSession {
    let mut body: CreateSession = serde_json::from_str(include_str!(
        "../../kustom-ipp/tests/fixtures/sessions.create.request.json"
    ))
    .unwrap_or_else(|e| panic!("{e}"));
    body.device_id = device_id.to_owned();
    body
}

async fn device(client: &Client) -> String {
    client
        .dev_create_device(&CreateSimulatedDevice {
            name: "Till".into(),
            location_id: None,
            metadata: None,
        })
        .await
        .unwrap_or_else(|e| panic!("{e}"))
        .device
        .id
}

/// A new payment session on `device`, followed by `watcher` as the app follows the ones it creates.
async fn followed_session(client: &Client, watcher: &SessionWatcher, device: &str) -> Session {
    let session = client
        .create_session(None, &cart(device))
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    watcher
        .track("p", client, &session, None, EventSource::App)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    session
}

fn store() -> SessionStore {
    SessionStore::new(Store::in_memory().unwrap_or_else(|e| panic!("{e}")))
}

async fn post(url: &str, id: &str, timestamp: i64, signature: &str, body: &[u8]) -> u16 {
    kustom_ipp::tls::http_client()
        .unwrap_or_else(|e| panic!("{e}"))
        .post(url)
        .header("content-type", "application/json")
        .header("webhook-id", id)
        .header("webhook-timestamp", timestamp.to_string())
        .header("webhook-signature", signature)
        .body(body.to_vec())
        .send()
        .await
        .map(|r| r.status().as_u16())
        .unwrap_or(0)
}

#[tokio::test]
async fn the_receiver_refuses_bad_deliveries_and_accepts_rotated_secrets() {
    let old = WebhookSecret::generate();
    let new = WebhookSecret::generate();
    let secrets = Secrets::default();
    secrets.set(vec![new.clone(), old.clone()]);
    let store = store();
    let (tx, mut rx) = mpsc::unbounded_channel();
    let receiver = Receiver::start(0, secrets, store.clone(), tx)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let url = receiver.url();
    assert!(url.ends_with(PATH));

    let body = br#"{"id":"kevt_test0000000000000000001","merchant_id":"DM1","timestamp":"2026-06-05T18:37:41Z","type":"ipp.session.activated","data":{"session_id":"s1","order_id":null,"failure_reason":null}}"#;
    let now = chrono::Utc::now().timestamp();
    let signed_old = webhooks::sign(&old, "kevt_1", now, body);
    let dual = webhooks::signature_header(&[old.clone(), new.clone()], "kevt_2", now, body);

    assert_eq!(
        post(&url, "kevt_1", now, &signed_old, body).await,
        200,
        "the old secret still verifies"
    );
    assert_eq!(
        post(&url, "kevt_2", now, &dual, body).await,
        200,
        "a dual-signed delivery verifies"
    );
    assert_eq!(
        post(&url, "kevt_1", now, &signed_old, body).await,
        200,
        "a replay is acknowledged…"
    );
    let forged = webhooks::sign(&WebhookSecret::generate(), "kevt_3", now, body);
    assert_eq!(post(&url, "kevt_3", now, &forged, body).await, 401);
    let tampered: Vec<u8> = String::from_utf8_lossy(body)
        .replace("activated", "finalized")
        .into_bytes();
    assert_eq!(
        post(
            &url,
            "kevt_1b",
            now,
            &webhooks::sign(&new, "kevt_1b", now, body),
            &tampered
        )
        .await,
        401
    );
    let stale = now - 600;
    assert_eq!(
        post(
            &url,
            "kevt_4",
            stale,
            &webhooks::sign(&new, "kevt_4", stale, body),
            body
        )
        .await,
        400
    );
    let huge = vec![b'x'; 70 * 1024];
    assert_eq!(
        post(
            &url,
            "kevt_5",
            now,
            &webhooks::sign(&new, "kevt_5", now, &huge),
            &huge
        )
        .await,
        413
    );

    // Exactly the two genuine deliveries came through; the replay was not processed again.
    let mut accepted: Vec<CallbackEvent> = Vec::new();
    while let Ok(event) = rx.try_recv() {
        accepted.push(event);
    }
    assert_eq!(accepted.len(), 2);
    let report = receiver.report();
    let verdicts: Vec<String> = report.recent.into_iter().rev().map(|d| d.verdict).collect();
    assert_eq!(
        verdicts,
        [
            "accepted",
            "accepted",
            "duplicate",
            "forged",
            "forged",
            "stale",
            "too_large"
        ]
    );
}

#[tokio::test]
async fn polling_backs_off_while_quiet_and_stops_at_a_terminal_status() {
    let sim = sim(None, WebhookSecret::generate()).await;
    let client = client(&sim);
    let device = device(&client).await;
    let session = client
        .create_session(None, &cart(&device))
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let store = store();
    let watcher = SessionWatcher::start(store.clone(), 50.0);
    watcher
        .track("p", &client, &session, None, EventSource::App)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(watcher.interval_of(&session.session_id), Some(FAST));
    tokio::time::sleep(Duration::from_millis(3_000)).await;
    assert_eq!(
        watcher.interval_of(&session.session_id),
        Some(FAST),
        "fast for a while after a change"
    );
    tokio::time::sleep(EAGER + Duration::from_millis(2_500)).await;
    let backed_off = watcher.interval_of(&session.session_id).unwrap_or_default();
    assert!(
        backed_off > FAST,
        "still polling every {backed_off:?} although nothing changed"
    );

    client
        .dev_simulate_tap(&session.session_id, &TapOutcome::Success)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let deadline = tokio::time::Instant::now() + Duration::from_secs(15);
    while watcher.interval_of(&session.session_id).is_some() {
        assert!(
            tokio::time::Instant::now() < deadline,
            "never saw the session finish"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let requests = watcher.requests();
    tokio::time::sleep(Duration::from_millis(2_500)).await;
    assert_eq!(
        watcher.requests(),
        requests,
        "no polls after a terminal status"
    );
    let timeline = store.timeline(&session.session_id).unwrap_or_default();
    let statuses: Vec<String> = timeline
        .iter()
        .filter_map(|e| match &e.event {
            TimelineEvent::Status { status } => Some(status.clone()),
            TimelineEvent::PaymentFailed { .. } => None,
        })
        .collect();
    assert_eq!(
        statuses,
        ["CREATED", "FINALIZED"],
        "polling alone cannot see ACTIVE between polls: {statuses:?}"
    );
    let tracked = store
        .get(&session.session_id)
        .unwrap_or_default()
        .unwrap_or_else(|| panic!("tracked"));
    assert_eq!(tracked.session.status, SessionStatus::Finalized);
    assert!(tracked.session.order_id.is_some());
}

#[tokio::test]
async fn a_callback_and_a_poll_reporting_the_same_change_make_one_entry() {
    let secret = WebhookSecret::generate();
    let secrets = Secrets::default();
    secrets.set(vec![secret.clone()]);
    let store = store();
    let (tx, mut rx) = mpsc::unbounded_channel();
    let receiver = Receiver::start(0, secrets, store.clone(), tx)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let sim = sim(Some(receiver.url()), secret).await;
    let client = client(&sim);
    let watcher = SessionWatcher::start(store.clone(), 50.0);
    let mut updates = watcher.subscribe();
    {
        let watcher = watcher.clone();
        let client = client.clone();
        tokio::spawn(async move {
            while let Some(event) = rx.recv().await {
                let _ = watcher.on_callback(&event, "p", &client).await;
            }
        });
    }
    let device = device(&client).await;
    let session = followed_session(&client, &watcher, &device).await;
    client
        .dev_simulate_tap(&session.session_id, &TapOutcome::DeclinedGeneric)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    // Let both the callbacks and at least one poll see ACTIVE.
    tokio::time::sleep(Duration::from_millis(2_500)).await;
    client
        .dev_simulate_tap(&session.session_id, &TapOutcome::Success)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    loop {
        let update = tokio::time::timeout(Duration::from_secs(10), updates.recv()).await;
        if let Ok(Ok(update)) = update
            && update.session.session.status == SessionStatus::Finalized
        {
            break;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "no FINALIZED update"
        );
    }
    tokio::time::sleep(Duration::from_millis(1_500)).await;
    let timeline = store.timeline(&session.session_id).unwrap_or_default();
    assert_eq!(
        told(&timeline),
        ["CREATED", "ACTIVE", "failed:DECLINED_GENERIC", "FINALIZED"],
        "{timeline:?}"
    );
    assert!(timeline.iter().any(|e| {
        e.callback_id
            .as_deref()
            .is_some_and(|id| id.starts_with("kevt_"))
    }));
    let finalized = store
        .get(&session.session_id)
        .unwrap_or_default()
        .unwrap_or_else(|| panic!("tracked"));
    assert!(finalized.session.order_id.is_some());
}

/// The documentation's callback examples and the third-party client's minimal delivery, sent
/// as-is (signed as Kustom signs), are accepted; the minimal one takes its id from `webhook-id`
/// and its merchant from the secret that signed it.
#[tokio::test]
async fn the_documented_callbacks_and_the_minimal_third_party_delivery_are_accepted() {
    let documented = WebhookSecret::generate();
    let fixture: serde_json::Value = serde_json::from_str(include_str!(
        "../../kustom-ipp/tests/fixtures/third-party.webhook-delivery.json"
    ))
    .unwrap_or_else(|e| panic!("{e}"));
    let third_party = WebhookSecret::parse(fixture["secret_example"].as_str().unwrap_or_default())
        .unwrap_or_else(|e| panic!("{e}"));
    let secrets = Secrets::default();
    secrets.set_with_merchants(vec![
        ("DM11917000".to_owned(), documented.clone()),
        ("DM30300042".to_owned(), third_party.clone()),
    ]);
    let (tx, mut rx) = mpsc::unbounded_channel();
    let receiver = Receiver::start(0, secrets, store(), tx)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let url = receiver.url();
    let now = chrono::Utc::now().timestamp();

    for (body, id) in [
        (
            include_str!("../../kustom-ipp/tests/fixtures/callback.ipp.session.activated.json"),
            "kevt_754uIatTW0hmi10Gggqe2H",
        ),
        (
            include_str!("../../kustom-ipp/tests/fixtures/callback.ipp.session.finalized.json"),
            "kevt_62EvxyMEaAaHSGeoDTza47",
        ),
    ] {
        let signature = webhooks::sign(&documented, id, now, body.as_bytes());
        assert_eq!(post(&url, id, now, &signature, body.as_bytes()).await, 200);
        let event: CallbackEvent = rx.recv().await.unwrap_or_else(|| panic!("no event"));
        assert_eq!(event.id, id);
        assert_eq!(event.merchant_id, "DM11917000");
    }

    // `{type, data}` only, as the third-party client models it: no id, no timestamp, no merchant.
    let body = fixture["body"].to_string();
    let webhook_id = fixture["headers"]["webhook-id"]
        .as_str()
        .unwrap_or_default();
    let signature = webhooks::sign(&third_party, webhook_id, now, body.as_bytes());
    assert_eq!(
        post(&url, webhook_id, now, &signature, body.as_bytes()).await,
        200,
        "a minimal envelope is not a 400"
    );
    let event = rx.recv().await.unwrap_or_else(|| panic!("no event"));
    assert_eq!(event.id, "msg_1");
    assert_eq!(event.merchant_id, "DM30300042");
    assert_eq!(event.timestamp.timestamp(), now);
    assert_eq!(
        event.data.session_id.as_deref(),
        Some("660e8400-e29b-41d4-a716-446655440001")
    );
}

fn callback(session_id: &str, event_type: EventType, reason: Option<&str>) -> CallbackEvent {
    CallbackEvent {
        id: format!("kevt_{}", uuid::Uuid::new_v4().simple()),
        merchant_id: "DM20260001".to_owned(),
        timestamp: chrono::Utc::now(),
        event_type,
        data: CallbackData {
            session_id: Some(session_id.to_owned()),
            order_id: None,
            failure_reason: reason.map(str::to_owned),
        },
    }
}

fn told(timeline: &[TimelineEntry]) -> Vec<String> {
    timeline
        .iter()
        .map(|e| match &e.event {
            TimelineEvent::Status { status } => status.clone(),
            TimelineEvent::PaymentFailed { reason } => format!("failed:{reason}"),
        })
        .collect()
}

/// Kustom does not promise an order (a failed delivery is retried later) and the app applies each
/// callback on its own: a decline heard before the activation still reads as an active session
/// whose attempt failed, on the board and in the timeline, and the last update published is the
/// latest state, whichever callback was applied first.
#[tokio::test]
async fn callbacks_arriving_out_of_order_tell_the_session_in_order() {
    let sim = sim(None, WebhookSecret::generate()).await;
    let client = client(&sim);
    let store = store();
    // No polls: only the callbacks below move the sessions.
    let watcher = SessionWatcher::start(store.clone(), 0.0);
    let device = device(&client).await;

    // One at a time, the decline first.
    let session = followed_session(&client, &watcher, &device).await;
    let id = session.session_id.as_str();
    let declined = callback(id, EventType::PaymentFailed, Some("DECLINED_GENERIC"));
    watcher
        .on_callback(&declined, "p", &client)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let tracked = store
        .get(id)
        .unwrap_or_default()
        .unwrap_or_else(|| panic!("tracked"));
    assert_eq!(
        tracked.session.status,
        SessionStatus::Active,
        "an attempt means it is active"
    );
    let activated = callback(id, EventType::SessionActivated, None);
    watcher
        .on_callback(&activated, "p", &client)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let timeline = store.timeline(id).unwrap_or_default();
    assert_eq!(
        told(&timeline),
        ["CREATED", "ACTIVE", "failed:DECLINED_GENERIC"]
    );
    let last = store.get(id).unwrap_or_default().and_then(|t| t.last_event);
    assert_eq!(
        last.as_ref(),
        timeline.last(),
        "the board shows the decline, not the activation"
    );

    // Both at once, a few times: the last update each session publishes is its latest state.
    let mut updates = watcher.subscribe();
    let mut ids = Vec::new();
    for _ in 0..8 {
        let session = followed_session(&client, &watcher, &device).await;
        let id = session.session_id.clone();
        let (a, b) = (
            callback(&id, EventType::SessionActivated, None),
            callback(
                &id,
                EventType::PaymentFailed,
                Some("DECLINED_INSUFFICIENT_FUNDS"),
            ),
        );
        let (first, second) = tokio::join!(
            watcher.on_callback(&b, "p", &client),
            watcher.on_callback(&a, "p", &client)
        );
        first.unwrap_or_else(|e| panic!("{e}"));
        second.unwrap_or_else(|e| panic!("{e}"));
        ids.push(id);
    }
    let mut latest = std::collections::HashMap::new();
    while let Ok(update) = updates.try_recv() {
        latest.insert(update.session.session.session_id.clone(), update.session);
    }
    for id in &ids {
        let published = latest
            .get(id)
            .unwrap_or_else(|| panic!("no update for {id}"));
        assert_eq!(published.session.status, SessionStatus::Active);
        assert_eq!(
            published.last_event.as_ref().map(|e| &e.event),
            Some(&TimelineEvent::PaymentFailed {
                reason: "DECLINED_INSUFFICIENT_FUNDS".to_owned()
            }),
            "{id}"
        );
        assert_eq!(
            told(&store.timeline(id).unwrap_or_default()),
            ["CREATED", "ACTIVE", "failed:DECLINED_INSUFFICIENT_FUNDS"]
        );
    }
}
