//! Callbacks [DOC §10]: every lifecycle event, in order, signed per Standard Webhooks; forged,
//! tampered, stale and replayed deliveries are rejected; a rotation signs with both secrets.

use std::collections::HashSet;
use std::time::Duration;

use contract_tests::*;
use http::HeaderValue;
use ipp_sim::{Mode, SeedSpec};
use kustom_ipp::webhooks::{self, DEFAULT_TOLERANCE, WebhookError, WebhookSecret};
use kustom_ipp::{CallbackEvent, EventType, TapOutcome};

/// A receiver's checks: signature with any of `secrets`, then de-duplication by webhook id.
fn accept(
    delivery: &Delivery,
    secrets: &[WebhookSecret],
    seen: &mut HashSet<String>,
    now: i64,
) -> Result<CallbackEvent, String> {
    let verified = webhooks::verify(
        &delivery.headers,
        &delivery.body,
        secrets,
        now,
        DEFAULT_TOLERANCE,
    )
    .map_err(|e| e.to_string())?;
    if !seen.insert(verified.webhook_id.clone()) {
        return Err(format!("replayed delivery {}", verified.webhook_id));
    }
    serde_json::from_slice(&delivery.body).map_err(|e| e.to_string())
}

#[tokio::test]
async fn a_declined_then_paid_session_reports_every_event_in_order() {
    let receiver = Receiver::start(200).await;
    let secret = WebhookSecret::generate();
    let sim = playground_with_callbacks(&receiver, &secret).await;
    let client = client(&sim);
    let device = simulated_device(&client).await;
    let session = client
        .create_session(None, &documented_cart(&device))
        .await
        .ok_or_panic("create");
    tap(&client, &session.session_id, &TapOutcome::DeclinedGeneric)
        .await
        .ok_or_panic("decline");
    let paid = tap(&client, &session.session_id, &TapOutcome::Success)
        .await
        .ok_or_panic("success");

    let deliveries = receiver.wait_for(4).await;
    let now = chrono::Utc::now().timestamp();
    let mut seen = HashSet::new();
    let events: Vec<CallbackEvent> = deliveries
        .iter()
        .map(|d| accept(d, std::slice::from_ref(&secret), &mut seen, now).ok_or_panic("verify"))
        .collect();
    let kinds: Vec<EventType> = events.iter().map(|e| e.event_type.clone()).collect();
    assert_eq!(
        kinds,
        [
            EventType::SessionCreated,
            EventType::SessionActivated,
            EventType::PaymentFailed,
            EventType::SessionFinalized
        ]
    );
    for event in &events {
        assert!(
            event.id.starts_with("kevt_") && event.id.len() == 27,
            "{}",
            event.id
        );
        assert_eq!(event.merchant_id, MERCHANT);
        assert_eq!(
            event.data.session_id.as_deref(),
            Some(session.session_id.as_str())
        );
    }
    assert_eq!(
        events[2].data.failure_reason.as_deref(),
        Some("DECLINED_GENERIC")
    );
    assert_eq!(events[3].data.order_id, paid.order_id);
    assert_eq!(events[1].data.order_id, None);
    // webhook-id is the event id, so de-duplication can use either.
    assert_eq!(
        deliveries[0]
            .headers
            .get("webhook-id")
            .and_then(|v| v.to_str().ok()),
        Some(events[0].id.as_str())
    );
}

#[tokio::test]
async fn forged_tampered_stale_and_replayed_deliveries_are_rejected() {
    let receiver = Receiver::start(200).await;
    let secret = WebhookSecret::generate();
    let sim = playground_with_callbacks(&receiver, &secret).await;
    let client = client(&sim);
    let device = simulated_device(&client).await;
    client
        .create_session(None, &documented_cart(&device))
        .await
        .ok_or_panic("create");
    let genuine = receiver.wait_for(1).await.remove(0);
    let now = chrono::Utc::now().timestamp();

    let mut seen = HashSet::new();
    assert!(accept(&genuine, std::slice::from_ref(&secret), &mut seen, now).is_ok());
    // The same delivery again (Kustom retries, or an attacker replays it).
    assert!(
        accept(&genuine, std::slice::from_ref(&secret), &mut seen, now)
            .is_err_and(|e| e.contains("replayed"))
    );

    let mut tampered = genuine.clone();
    tampered.body = String::from_utf8_lossy(&tampered.body)
        .replace("ipp.session.created", "ipp.session.finalized")
        .into_bytes();
    assert_eq!(
        webhooks::verify(
            &tampered.headers,
            &tampered.body,
            std::slice::from_ref(&secret),
            now,
            DEFAULT_TOLERANCE
        ),
        Err(WebhookError::NoMatchingSignature)
    );

    assert_eq!(
        webhooks::verify(
            &genuine.headers,
            &genuine.body,
            &[WebhookSecret::generate()],
            now,
            DEFAULT_TOLERANCE
        ),
        Err(WebhookError::NoMatchingSignature),
        "signed with someone else's secret"
    );

    let stale_now = now + 301;
    assert!(matches!(
        webhooks::verify(
            &genuine.headers,
            &genuine.body,
            std::slice::from_ref(&secret),
            stale_now,
            DEFAULT_TOLERANCE
        ),
        Err(WebhookError::TooOld { .. })
    ));

    // A forged re-dated copy: new timestamp, old signature.
    let mut redated = genuine.clone();
    redated
        .headers
        .insert("webhook-timestamp", HeaderValue::from(now + 5));
    assert_eq!(
        webhooks::verify(
            &redated.headers,
            &redated.body,
            &[secret],
            now,
            DEFAULT_TOLERANCE
        ),
        Err(WebhookError::NoMatchingSignature)
    );
}

#[tokio::test]
async fn during_a_rotation_callbacks_verify_with_either_secret() {
    let receiver = Receiver::start(200).await;
    let old = WebhookSecret::generate();
    let sim = playground_with_callbacks(&receiver, &old).await;
    let new = WebhookSecret::generate();
    sim.rotate_webhook_secret(new.clone());
    let client = client(&sim);
    let device = simulated_device(&client).await;
    client
        .create_session(None, &documented_cart(&device))
        .await
        .ok_or_panic("create");
    let delivery = receiver.wait_for(1).await.remove(0);
    let header = delivery
        .headers
        .get("webhook-signature")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    assert_eq!(header.split(' ').count(), 2, "dual-signed: {header}");
    let now = chrono::Utc::now().timestamp();
    for receiver_secrets in [
        vec![old],
        vec![new.clone()],
        vec![WebhookSecret::generate(), new],
    ] {
        assert!(
            webhooks::verify(
                &delivery.headers,
                &delivery.body,
                &receiver_secrets,
                now,
                DEFAULT_TOLERANCE
            )
            .is_ok()
        );
    }
}

#[tokio::test]
async fn non_2xx_answers_are_retried_without_blocking_the_api() {
    let failing = Receiver::start(500).await;
    let sim = start(config(Mode::Playground, SeedSpec::default()).callback_url(&failing.url)).await;
    let client = client(&sim);
    let device = simulated_device(&client).await;
    let started = std::time::Instant::now();
    client
        .create_session(None, &documented_cart(&device))
        .await
        .ok_or_panic("create");
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "the API answered without waiting for the callback"
    );
    let attempts = failing.wait_for(3).await;
    let ids: HashSet<_> = attempts
        .iter()
        .filter_map(|d| d.headers.get("webhook-id"))
        .collect();
    assert_eq!(ids.len(), 1, "the same event is retried");
    assert!(
        sim.deliveries()
            .iter()
            .filter(|r| r.status == Some(500))
            .count()
            >= 3
    );
}
