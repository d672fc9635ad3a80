//! Faults and error mapping: 5xx, dropped connections, 429 bursts with Retry-After, timeouts,
//! offline hosts and malformed answers each become the right `ApiError`, and safe reads survive
//! them all without losing or duplicating anything.

use std::collections::HashSet;
use std::time::Duration;

use contract_tests::*;
use ipp_sim::{FaultConfig, Mode, RateLimitBursts, SeedSpec};
use kustom_ipp::{
    ApiError, Client, ClientConfig, CreateEnrollment, Credentials, DeviceQuery, PageRequest,
    PagingOptions, RetryPolicy, Secret, fetch_all,
};

fn seed(devices: usize) -> SeedSpec {
    SeedSpec {
        devices,
        ..SeedSpec::default()
    }
}

#[tokio::test]
async fn fetching_2000_devices_through_faults_returns_exactly_the_2000_ids() {
    let faults = FaultConfig {
        error_rate: 0.10,
        drop_rate: 0.05,
        rate_limit: Some(RateLimitBursts {
            every: 15,
            burst: 2,
            retry_after: Duration::from_secs(1),
        }),
        seed: 42,
        ..FaultConfig::default()
    };
    let sim = start(config(Mode::Playground, seed(2_000)).faults(faults)).await;
    let client = client(&sim);
    let mut progress = Vec::new();
    let devices = fetch_all(
        |page| {
            let client = client.clone();
            async move { client.list_devices(&DeviceQuery::default(), page).await }
        },
        PagingOptions {
            page_size: 100,
            concurrency: 4,
        },
        |p| progress.push(p),
    )
    .await
    .ok_or_panic("fetch through faults");
    let ids: Vec<String> = devices.iter().map(|d| d.id.clone()).collect();
    let unique: HashSet<&String> = ids.iter().collect();
    assert_eq!(ids.len(), 2_000);
    assert_eq!(unique.len(), 2_000, "no duplicates");
    let expected: Vec<String> = sim.inspect(|s| {
        s.devices
            .iter()
            .filter(|d| d.merchant_id == MERCHANT)
            .map(|d| d.id.clone())
            .collect()
    });
    assert_eq!(ids, expected, "exactly the simulator's devices, in order");
    assert_eq!(
        progress.last().map(|p| (p.pages_done, p.pages_total)),
        Some((20, 20))
    );
}

#[tokio::test]
async fn server_errors_map_to_server_and_only_safe_calls_are_repeated() {
    let faults = FaultConfig {
        error_rate: 1.0,
        seed: 1,
        ..FaultConfig::default()
    };
    let sim = start(config(Mode::Playground, seed(5)).faults(faults)).await;
    let err = client(&sim)
        .list_locations(PageRequest::default())
        .await
        .err();
    assert!(
        matches!(
            err,
            Some(ApiError::Server {
                status: 500 | 503,
                ..
            })
        ),
        "{err:?}"
    );

    // A server that counts requests and always answers 503: a GET is retried, a POST never is,
    // because the first POST may already have created a pairing code.
    let hits = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let counter = hits.clone();
    let app = axum::Router::new().fallback(move || {
        let counter = counter.clone();
        async move {
            counter.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            (
                http::StatusCode::SERVICE_UNAVAILABLE,
                "{\"detail\":\"Service unavailable\"}",
            )
        }
    });
    let base = serve(app).await;
    let config = ClientConfig::new(&base, Credentials::ApiKey(Secret::new("kco_test_api_x")))
        .ok_or_panic("config")
        .retry(fast_retries());
    let client = Client::new(config).ok_or_panic("client");
    let read = client.list_locations(PageRequest::default()).await;
    assert!(matches!(read, Err(ApiError::Server { status: 503, .. })));
    assert_eq!(
        hits.swap(0, std::sync::atomic::Ordering::SeqCst),
        fast_retries().max_attempts
    );
    // A create answered 5xx may have been applied: its outcome is unknown, not "failed".
    let create = client.create_enrollment(&CreateEnrollment::default()).await;
    assert!(
        matches!(&create, Err(ApiError::OutcomeUnknown { cause, .. })
            if matches!(cause.as_ref(), ApiError::Server { status: 503, problem } if problem.detail.as_deref() == Some("Service unavailable"))),
        "{create:?}"
    );
    assert_eq!(
        hits.load(std::sync::atomic::Ordering::SeqCst),
        1,
        "the create was sent once"
    );
}

#[tokio::test]
async fn rate_limits_are_waited_out_or_reported_with_retry_after() {
    let faults = FaultConfig {
        rate_limit: Some(RateLimitBursts {
            every: 1,
            burst: 1,
            retry_after: Duration::from_secs(7),
        }),
        seed: 1,
        ..FaultConfig::default()
    };
    let sim = start(config(Mode::Playground, seed(5)).faults(faults)).await;
    // The client will not sleep 7 s (its cap is 5 s in these tests): it reports the wait.
    let err = client(&sim)
        .list_locations(PageRequest::default())
        .await
        .err();
    assert_eq!(
        err,
        Some(ApiError::RateLimited {
            retry_after: Duration::from_secs(7)
        })
    );
}

#[tokio::test]
async fn a_slow_server_is_a_timeout() {
    let faults = FaultConfig {
        latency: Duration::from_millis(600),
        seed: 1,
        ..FaultConfig::default()
    };
    let sim = start(config(Mode::Playground, seed(5)).faults(faults)).await;
    let merchant = sim.merchants()[0].clone();
    let config = ClientConfig::new(
        &sim.base_url(),
        Credentials::ApiKey(Secret::new(merchant.api_key)),
    )
    .ok_or_panic("config")
    .merchant_id(MERCHANT)
    .timeouts(Duration::from_millis(200), Duration::from_millis(200))
    .retry(RetryPolicy::none());
    let err = Client::new(config)
        .ok_or_panic("client")
        .list_locations(PageRequest::default())
        .await
        .err();
    assert_eq!(err, Some(ApiError::Timeout));
}

#[tokio::test]
async fn an_unreachable_host_is_offline() {
    // Bind and drop to get a port nothing listens on.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .ok_or_panic("bind")
        .local_addr()
        .ok_or_panic("addr")
        .port();
    let config = ClientConfig::new(
        &format!("http://127.0.0.1:{port}"),
        Credentials::ApiKey(Secret::new("kco_test_api_x")),
    )
    .ok_or_panic("config")
    .retry(RetryPolicy::none());
    let err = Client::new(config)
        .ok_or_panic("client")
        .list_locations(PageRequest::default())
        .await
        .err();
    assert!(matches!(err, Some(ApiError::Offline(_))), "{err:?}");
    assert!(ClientConfig::new("not a url", Credentials::None).is_err());
}

#[tokio::test]
async fn a_malformed_answer_is_a_decode_error_naming_the_call() {
    let app = axum::Router::new()
        .fallback(|| async { ([("content-type", "application/json")], "{\"content\": 42}") });
    let base = serve(app).await;
    let config = ClientConfig::new(&base, Credentials::ApiKey(Secret::new("kco_test_api_x")))
        .ok_or_panic("config");
    let err = Client::new(config)
        .ok_or_panic("client")
        .list_devices(&DeviceQuery::default(), PageRequest::default())
        .await
        .err();
    assert!(
        matches!(&err, Some(ApiError::Decode { context, .. }) if context == "list devices"),
        "{err:?}"
    );
}
