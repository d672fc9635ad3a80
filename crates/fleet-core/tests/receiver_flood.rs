//! The callback receiver under a flood: 10,000 forged deliveries and 1,000 with 1,000-entry
//! signature headers leave the database exactly as it was — no row, no byte — and most of them
//! are answered 429 before any HMAC is computed. A genuine delivery sent in the middle of the
//! flood is either accepted or answered 429 (the rate comes before the signature check); sent
//! again after it, as Kustom re-sends what got no 2xx, it is accepted, once.

use std::time::{Duration, Instant};

use fleet_core::sessions::SessionStore;
use fleet_core::sessions::receiver::{RING_SIZE, Receiver, Secrets};
use fleet_core::storage::Store;
use futures::StreamExt;
use kustom_ipp::webhooks::{self, WebhookSecret};
use tokio::sync::mpsc;

/// Rows in every table, and the database file's size after a checkpoint.
fn footprint(store: &Store, path: &std::path::Path) -> (Vec<(String, i64)>, u64) {
    store
        .with(|conn| conn.execute_batch("PRAGMA wal_checkpoint(TRUNCATE);"))
        .unwrap_or_else(|e| panic!("{e}"));
    let tables: Vec<String> = store
        .with(|conn| {
            let mut stmt = conn.prepare(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name",
            )?;
            stmt.query_map([], |row| row.get(0))?.collect()
        })
        .unwrap_or_else(|e| panic!("{e}"));
    let rows = tables
        .into_iter()
        .map(|table| {
            let count: i64 = store
                .with(|conn| {
                    conn.query_row(&format!("SELECT COUNT(*) FROM \"{table}\""), [], |r| {
                        r.get(0)
                    })
                })
                .unwrap_or_else(|e| panic!("{e}"));
            (table, count)
        })
        .collect();
    let size = std::fs::metadata(path).map(|m| m.len()).unwrap_or(0);
    (rows, size)
}

async fn post(
    http: &reqwest::Client,
    url: &str,
    id: &str,
    timestamp: i64,
    signature: &str,
    body: Vec<u8>,
) -> u16 {
    http.post(url)
        .header("content-type", "application/json")
        .header("webhook-id", id)
        .header("webhook-timestamp", timestamp.to_string())
        .header("webhook-signature", signature)
        .body(body)
        .send()
        .await
        .map(|r| r.status().as_u16())
        .unwrap_or(0)
}

fn genuine(secret: &WebhookSecret, id: &str, now: i64) -> (String, Vec<u8>) {
    let body = format!(
        r#"{{"id":"{id}","merchant_id":"DM1","timestamp":"2026-11-22T10:00:00Z","type":"ipp.session.activated","data":{{"session_id":"s-{id}"}}}}"#
    )
    .into_bytes();
    (webhooks::sign(secret, id, now, &body), body)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_flood_of_forged_deliveries_leaves_the_database_untouched_and_a_genuine_one_passes() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let path = dir.path().join("fleetdesk.sqlite3");
    let (store, _) = Store::open(&path).unwrap_or_else(|e| panic!("{e}"));
    let secret = WebhookSecret::generate();
    let secrets = Secrets::default();
    secrets.set(vec![secret.clone()]);
    let (tx, mut rx) = mpsc::unbounded_channel();
    let receiver = Receiver::start(0, secrets, SessionStore::new(store.clone()), tx)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let url = receiver.url();
    let http = kustom_ipp::tls::http_client().unwrap_or_else(|e| panic!("{e}"));
    let now = chrono::Utc::now().timestamp();

    // One genuine delivery first, so the replay table has its page; then measure.
    let (signature, body) = genuine(&secret, "kevt_before", now);
    assert_eq!(
        post(&http, &url, "kevt_before", now, &signature, body).await,
        200
    );
    assert!(rx.recv().await.is_some());
    let before = footprint(&store, &path);

    let started = Instant::now();
    let flood = futures::stream::iter(0..11_000u32)
        .map(|n| {
            let (http, url) = (http.clone(), url.clone());
            async move {
                let id = format!("msg_forged_{n}");
                let body =
                    format!(r#"{{"type":"ipp.session.finalized","data":{{"session_id":"{n}"}}}}"#)
                        .into_bytes();
                let signature = if n < 10_000 {
                    // A well-formed but wrong signature.
                    webhooks::sign(&WebhookSecret::generate(), &id, now, &body)
                } else {
                    // 1,000 entries: refused before any HMAC is computed.
                    std::iter::repeat_n("v1,c2lnbmF0dXJlLW9mLWEtZm9yZ2Vy", 1_000)
                        .collect::<Vec<_>>()
                        .join(" ")
                };
                post(&http, &url, &id, now, &signature, body).await
            }
        })
        .buffer_unordered(32);
    let genuine_during = async {
        tokio::time::sleep(Duration::from_millis(300)).await;
        let (signature, body) = genuine(&secret, "kevt_during", now);
        post(&http, &url, "kevt_during", now, &signature, body).await
    };
    let (statuses, genuine_status) = tokio::join!(flood.collect::<Vec<u16>>(), genuine_during);
    let took = started.elapsed();

    assert!(
        matches!(genuine_status, 200 | 429),
        "the genuine delivery got {genuine_status}"
    );
    // Kustom sends it again (same id, same signature); once the flood is over it passes.
    tokio::time::sleep(Duration::from_secs(2)).await;
    let (signature, body) = genuine(&secret, "kevt_during", now);
    assert_eq!(
        post(&http, &url, "kevt_during", now, &signature, body).await,
        200
    );
    let event = rx.recv().await.unwrap_or_else(|| panic!("no event"));
    assert_eq!(event.id, "kevt_during");
    assert!(
        rx.try_recv().is_err(),
        "a genuine delivery is processed once"
    );
    assert!(
        statuses.iter().all(|s| matches!(s, 401 | 429)),
        "every forged delivery is refused: {:?}",
        statuses
            .iter()
            .filter(|s| !matches!(s, 401 | 429))
            .take(5)
            .collect::<Vec<_>>()
    );
    assert!(rx.try_recv().is_err(), "no forged event came through");

    let (rows_after, size_after) = footprint(&store, &path);
    let (rows_before, size_before) = before;
    let changed: Vec<_> = rows_before
        .iter()
        .zip(&rows_after)
        .filter(|(a, b)| a != b)
        .collect();
    assert_eq!(
        changed,
        vec![(
            &("webhook_replay".to_owned(), 1),
            &("webhook_replay".to_owned(), 2)
        )],
        "only the genuine delivery's id was written"
    );
    assert_eq!(size_after, size_before, "the database file did not grow");

    let report = receiver.report();
    assert_eq!(report.accepted, 2);
    assert!(
        report.rejected + report.suppressed >= 11_000,
        "{} + {}",
        report.rejected,
        report.suppressed
    );
    // The rate comes before the signature check: most of the flood cost no HMAC.
    assert!(
        report.suppressed > 9_000,
        "only {} were stopped before verification",
        report.suppressed
    );
    assert!(report.recent.len() <= RING_SIZE);
    assert!(
        report.recent.iter().all(|d| d
            .webhook_id
            .as_deref()
            .is_none_or(|id| id.chars().count() <= 81)),
        "kept values are truncated"
    );
    eprintln!(
        "11,000 forged deliveries answered in {took:?} ({} answered 429)",
        report.suppressed
    );
}

#[tokio::test]
async fn oversized_and_non_json_deliveries_are_refused_before_any_work() {
    let store = Store::in_memory().unwrap_or_else(|e| panic!("{e}"));
    let secret = WebhookSecret::generate();
    let secrets = Secrets::default();
    secrets.set(vec![secret.clone()]);
    let (tx, _rx) = mpsc::unbounded_channel();
    let receiver = Receiver::start(0, secrets, SessionStore::new(store), tx)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let http = kustom_ipp::tls::http_client().unwrap_or_else(|e| panic!("{e}"));
    let now = chrono::Utc::now().timestamp();
    let (signature, body) = genuine(&secret, "kevt_1", now);
    // What a web page can send without a preflight: text/plain.
    let plain = http
        .post(receiver.url())
        .header("content-type", "text/plain")
        .header("webhook-id", "kevt_1")
        .header("webhook-timestamp", now.to_string())
        .header("webhook-signature", &signature)
        .body(body.clone())
        .send()
        .await
        .map(|r| r.status().as_u16())
        .unwrap_or(0);
    assert_eq!(plain, 415);
    // A webhook-id of 400 KiB.
    let long_id = "x".repeat(400 * 1024);
    let long = post(&http, &receiver.url(), &long_id, now, &signature, body).await;
    assert!(matches!(long, 400 | 431), "{long}");
    assert_eq!(receiver.report().accepted, 0);
}

/// Idle connections (a slow-loris through the tunnel) cannot hold the port: past
/// `MAX_CONNECTIONS` a connection is closed as it comes, and a connection that sends no head is
/// closed after `HEAD_TIMEOUT`; then a genuine delivery is served.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn idle_connections_are_capped_and_timed_out() {
    use fleet_core::sessions::receiver::{HEAD_TIMEOUT, MAX_CONNECTIONS};
    use tokio::io::AsyncReadExt;

    let store = Store::in_memory().unwrap_or_else(|e| panic!("{e}"));
    let secret = WebhookSecret::generate();
    let secrets = Secrets::default();
    secrets.set(vec![secret.clone()]);
    let (tx, mut rx) = mpsc::unbounded_channel();
    let receiver = Receiver::start(0, secrets, SessionStore::new(store), tx)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let mut idle = Vec::new();
    for _ in 0..MAX_CONNECTIONS + 20 {
        idle.push(
            tokio::net::TcpStream::connect(receiver.addr)
                .await
                .unwrap_or_else(|e| panic!("{e}")),
        );
    }
    // The ones past the cap are closed at once: reading gives end-of-file.
    tokio::time::sleep(Duration::from_millis(300)).await;
    let mut closed_at_once = 0;
    for stream in &mut idle {
        let mut byte = [0u8; 1];
        if let Ok(Ok(0)) =
            tokio::time::timeout(Duration::from_millis(20), stream.read(&mut byte)).await
        {
            closed_at_once += 1;
        }
    }
    assert!(closed_at_once >= 20, "{closed_at_once} closed at once");
    // The rest are closed once their head is overdue.
    tokio::time::sleep(HEAD_TIMEOUT + Duration::from_secs(1)).await;
    let mut still_open = 0;
    for stream in &mut idle {
        let mut byte = [0u8; 64];
        match tokio::time::timeout(Duration::from_millis(20), stream.read(&mut byte)).await {
            Ok(Ok(0)) | Ok(Err(_)) => {}
            // An answer (408) then the close.
            Ok(Ok(_)) => {}
            Err(_) => still_open += 1,
        }
    }
    assert_eq!(still_open, 0, "idle connections outlived the head timeout");
    let http = kustom_ipp::tls::http_client().unwrap_or_else(|e| panic!("{e}"));
    let now = chrono::Utc::now().timestamp();
    let (signature, body) = genuine(&secret, "kevt_after", now);
    assert_eq!(
        post(&http, &receiver.url(), "kevt_after", now, &signature, body).await,
        200
    );
    assert!(rx.recv().await.is_some());
}

/// A delivery belongs to the merchant whose secret verified it: a body naming another merchant is
/// refused as forged; a body naming none gets the secret's merchant.
#[tokio::test]
async fn a_delivery_speaks_only_for_its_secrets_merchant() {
    let store = Store::in_memory().unwrap_or_else(|e| panic!("{e}"));
    let secret = WebhookSecret::generate();
    let secrets = Secrets::default();
    secrets.set_with_merchants(vec![("DM_SECRET_OWNER".to_owned(), secret.clone())]);
    let (tx, mut rx) = mpsc::unbounded_channel();
    let receiver = Receiver::start(0, secrets, SessionStore::new(store), tx)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let http = kustom_ipp::tls::http_client().unwrap_or_else(|e| panic!("{e}"));
    let now = chrono::Utc::now().timestamp();
    // `genuine` names merchant DM1 in its body.
    let (signature, body) = genuine(&secret, "kevt_other", now);
    assert_eq!(
        post(&http, &receiver.url(), "kevt_other", now, &signature, body).await,
        401
    );
    let minimal = br#"{"type":"ipp.session.activated","data":{"session_id":"s1"}}"#.to_vec();
    let signature = webhooks::sign(&secret, "kevt_own", now, &minimal);
    assert_eq!(
        post(&http, &receiver.url(), "kevt_own", now, &signature, minimal).await,
        200
    );
    let event = rx.recv().await.unwrap_or_else(|| panic!("no event"));
    assert_eq!(event.merchant_id, "DM_SECRET_OWNER");
    assert!(rx.try_recv().is_err());
}
