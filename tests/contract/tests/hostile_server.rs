//! The client against a server that lies about sizes and sends junk: absurd page counts, negative
//! totals, a 1 GiB body, deeply nested JSON, an 8 MiB error text, HTML instead of JSON. Each case
//! ends with a specific error, in bounded time and without the process's memory following what
//! the server claims.

use std::time::{Duration, Instant};

use axum::body::{Body, Bytes};
use axum::extract::Query;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use contract_tests::*;
use kustom_ipp::{
    ApiError, Client, ClientConfig, Credentials, DeviceQuery, PageRequest, PagingOptions,
    RetryPolicy, Secret, fetch_all,
};

fn page_json(total_pages: i64, total_elements: i64, last: bool) -> String {
    format!(
        r#"{{"content":[{{"id":"d1","hardware_id":"H","merchant_id":"m","name":"Till","platform":"IOS","metadata":{{}},"created_at":"2024-01-15T10:30:00Z"}}],"total_elements":{total_elements},"total_pages":{total_pages},"page_number":0,"page_size":100,"first":true,"last":{last}}}"#
    )
}

/// A body of `size` bytes, streamed in 1 MiB chunks (never held whole by the server either).
fn endless(size: usize, prefix: &'static [u8]) -> Body {
    const CHUNK: usize = 1024 * 1024;
    let chunks = size / CHUNK;
    let stream = futures::stream::iter(0..chunks).map(move |index| {
        let mut chunk = vec![b' '; CHUNK];
        if index == 0 {
            chunk[..prefix.len()].copy_from_slice(prefix);
        }
        Ok::<Bytes, std::io::Error>(Bytes::from(chunk))
    });
    Body::from_stream(stream)
}

use futures::StreamExt as _;

async fn hostile() -> String {
    let app = axum::Router::new()
        .route(
            "/absurd/ipp/v1/devices",
            get(|| async { page_json(i64::from(i32::MAX), 10, false) }),
        )
        .route(
            "/negative/ipp/v1/devices",
            get(|| async { page_json(3, -5, false) }),
        )
        .route(
            "/huge/ipp/v1/devices",
            get(|| async {
                Response::builder()
                    .header(header::CONTENT_TYPE, "application/json")
                    .body(endless(1024 * 1024 * 1024, br#"{"content":["#))
                    .unwrap_or_default()
            }),
        )
        .route(
            "/nested/ipp/v1/devices",
            get(|| async {
                let depth = 200_000;
                format!("{}{}", "[".repeat(depth), "]".repeat(depth))
            }),
        )
        .route(
            "/error-text/ipp/v1/devices",
            get(|| async {
                Response::builder()
                    .status(StatusCode::INTERNAL_SERVER_ERROR)
                    .body(endless(8 * 1024 * 1024, b"E"))
                    .unwrap_or_default()
            }),
        )
        .route(
            "/long-problem/ipp/v1/devices",
            get(|| async {
                let detail = "d".repeat(8 * 1024 * 1024);
                (
                    StatusCode::BAD_REQUEST,
                    [(header::CONTENT_TYPE, "application/problem+json")],
                    format!(r#"{{"title":"Validation Failed","detail":"{detail}"}}"#),
                )
                    .into_response()
            }),
        )
        .route(
            "/html/ipp/v1/devices",
            get(|| async {
                (
                    [(header::CONTENT_TYPE, "text/html")],
                    "<!doctype html><html><body><h1>Sign in</h1></body></html>",
                )
                    .into_response()
            }),
        )
        .route(
            "/lying/ipp/v1/devices",
            get(|Query(q): Query<std::collections::HashMap<String, String>>| async move {
                // Claims a thousand pages; page 2 is empty.
                let page: i64 = q.get("page_number").and_then(|p| p.parse().ok()).unwrap_or(0);
                if page >= 2 {
                    r#"{"content":[],"total_elements":100000,"total_pages":1000,"page_number":2,"page_size":100,"first":false,"last":false}"#.to_owned()
                } else {
                    page_json(1_000, 100_000, false)
                }
            }),
        );
    serve(app).await
}

fn client(base: &str) -> Client {
    let config = ClientConfig::new(base, Credentials::ApiKey(Secret::new("kco_test_api_x")))
        .ok_or_panic("config")
        .retry(RetryPolicy::none())
        .timeouts(Duration::from_secs(2), Duration::from_secs(20));
    Client::new(config).ok_or_panic("client")
}

/// The process's peak resident memory so far, in MiB (Linux).
fn peak_rss_mib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|status| {
            status
                .lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|kb| kb.parse::<u64>().ok())
        })
        .unwrap_or(0)
        / 1024
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_hostile_answer_ends_in_a_bounded_error() {
    let base = hostile().await;
    let peak_before = peak_rss_mib();
    let fetch = |name: &'static str| {
        let client = client(&format!("{base}/{name}"));
        async move {
            let started = Instant::now();
            let result = fetch_all(
                |page| {
                    let client = client.clone();
                    async move { client.list_devices(&DeviceQuery::default(), page).await }
                },
                PagingOptions::default(),
                |_| {},
            )
            .await;
            (result, started.elapsed())
        }
    };

    let (absurd, took) = fetch("absurd").await;
    assert!(
        matches!(&absurd, Err(ApiError::Decode { message, .. }) if message.contains("pages")),
        "{absurd:?}"
    );
    assert!(took < Duration::from_secs(5), "{took:?}");

    let (negative, _) = fetch("negative").await;
    assert!(
        matches!(negative, Err(ApiError::Decode { .. })),
        "{negative:?}"
    );

    let (huge, took) = fetch("huge").await;
    assert!(
        matches!(&huge, Err(ApiError::Decode { message, .. }) if message.contains("larger than")),
        "{huge:?}"
    );
    assert!(
        took < Duration::from_secs(15),
        "a 1 GiB body was read for {took:?}"
    );

    let (nested, _) = fetch("nested").await;
    assert!(matches!(nested, Err(ApiError::Decode { .. })), "{nested:?}");

    let (error_text, took) = fetch("error-text").await;
    match &error_text {
        Err(error @ ApiError::Server { status: 500, .. }) => {
            assert!(
                error.to_string().len() < 1_000,
                "{} bytes of error text",
                error.to_string().len()
            );
        }
        other => panic!("{other:?}"),
    }
    assert!(took < Duration::from_secs(10), "{took:?}");

    let (problem, _) = fetch("long-problem").await;
    match &problem {
        Err(error @ ApiError::Validation { .. }) => {
            assert!(
                error.to_string().len() < 1_000,
                "{}",
                error.to_string().len()
            );
        }
        other => panic!("{other:?}"),
    }

    let (html, _) = fetch("html").await;
    assert!(
        matches!(&html, Err(ApiError::Decode { message, .. }) if message.contains("HTML")),
        "{html:?}"
    );

    // A server that claims 1,000 pages and runs dry at page 2: fetching stops there.
    let (lying, took) = fetch("lying").await;
    let devices = lying.ok_or_panic("the pages that exist");
    assert_eq!(devices.len(), 2);
    assert!(took < Duration::from_secs(5), "{took:?}");

    let growth = peak_rss_mib().saturating_sub(peak_before);
    assert!(
        growth < 200,
        "the peak resident memory grew by {growth} MiB while the server sent gigabytes"
    );
}

#[tokio::test]
async fn a_single_page_read_is_bounded_too() {
    let base = hostile().await;
    let result = client(&format!("{base}/huge"))
        .list_devices(&DeviceQuery::default(), PageRequest::default())
        .await;
    assert!(matches!(result, Err(ApiError::Decode { .. })), "{result:?}");
}
