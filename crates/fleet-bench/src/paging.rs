//! Fetching a whole fleet: the client's paging helper (`kustom_ipp::fetch_all` over
//! `Client::list_devices`, with its retries, auth and error mapping) against the floor, a bare
//! concurrent reqwest loop over the same pages decoding the same JSON. Both run against the same
//! in-process simulator, alternately, several times; we compare medians. Each side's HTTP client is
//! built before its clock starts, as the app builds a profile's client once and keeps it.

use std::time::{Duration, Instant};

use anyhow::{Context, Result, ensure};
use futures::{StreamExt, TryStreamExt, stream};
use ipp_sim::{MerchantConfig, Mode, Running, SeedSpec, SimConfig};
use kustom_ipp::{
    Client, ClientConfig, Credentials, Device, DeviceQuery, Page, PagingOptions, Secret, fetch_all,
};

use crate::figures::{Goal, millis, report};
use crate::{median, ms};

const PAGE_SIZE: i32 = 100;
const CONCURRENCY: usize = 8;
const ROUNDS: usize = 7;

pub async fn run() -> Result<()> {
    let small = simulator(10_000).await?;
    let (http, client) = (kustom_ipp::tls::http_client()?, helper_client(&small)?);
    let mut helper = Vec::new();
    let mut bare = Vec::new();
    for _ in 0..ROUNDS {
        bare.push(time(bare_loop(&http, &small, 10_000)).await?);
        helper.push(time(through_helper(&client, 10_000)).await?);
    }
    let (helper, bare) = (median(helper), median(bare));
    small.shutdown().await;

    let large = simulator(100_000).await?;
    let client = helper_client(&large)?;
    let large_helper = median(vec![
        time(through_helper(&client, 100_000)).await?,
        time(through_helper(&client, 100_000)).await?,
        time(through_helper(&client, 100_000)).await?,
    ]);
    large.shutdown().await;

    println!(
        "\n== bench: fetching the fleet (page_size {PAGE_SIZE}, {CONCURRENCY} pages in flight, median of {ROUNDS}) =="
    );
    println!(
        "{:<44} {:>12}",
        "10,000 devices, bare reqwest loop (floor)",
        ms(bare)
    );
    println!(
        "{:<44} {:>12}",
        "10,000 devices, client paging helper",
        ms(helper)
    );
    println!(
        "{:<44} {:>11.2}x   (goal ≤ 1.30x)",
        "ratio helper / floor",
        helper.as_secs_f64() / bare.as_secs_f64()
    );
    println!(
        "{:<44} {:>12}",
        "100,000 devices, client paging helper",
        ms(large_helper)
    );
    report(
        "fetch 10,000 devices: client paging helper / bare loop",
        "ms",
        millis(helper),
        Some(millis(bare)),
        Goal::RatioAtMost(1.3),
    );
    report(
        "fetch 100,000 devices: client paging helper",
        "ms",
        millis(large_helper),
        None,
        Goal::None,
    );
    Ok(())
}

pub async fn simulator(devices: usize) -> Result<Running> {
    let merchant = MerchantConfig::new("DM20260001", Mode::Playground).seed(SeedSpec {
        locations: 40,
        devices,
        pending_enrollments: 0,
        consumed_enrollments: 0,
        rng_seed: 1,
    });
    ipp_sim::start(SimConfig::new(Mode::Playground).merchants(vec![merchant]))
        .await
        .context("starting the simulator")
}

async fn time<F: std::future::Future<Output = Result<usize>>>(work: F) -> Result<Duration> {
    let started = Instant::now();
    let _count = work.await?;
    Ok(started.elapsed())
}

fn key(sim: &Running) -> String {
    sim.merchants()[0].api_key.clone()
}

/// The app's client for the simulator's merchant.
pub fn helper_client(sim: &Running) -> Result<Client> {
    let config = ClientConfig::new(&sim.base_url(), Credentials::ApiKey(Secret::new(key(sim))))?
        .merchant_id("DM20260001");
    Ok(Client::new(config)?)
}

async fn through_helper(client: &Client, expected: usize) -> Result<usize> {
    let devices = fetch_all(
        |page| {
            let client = client.clone();
            async move { client.list_devices(&DeviceQuery::default(), page).await }
        },
        PagingOptions {
            page_size: PAGE_SIZE,
            concurrency: CONCURRENCY,
        },
        |_| {},
    )
    .await?;
    ensure!(
        devices.len() == expected,
        "helper fetched {} devices",
        devices.len()
    );
    Ok(devices.len())
}

pub async fn bare_loop(http: &reqwest::Client, sim: &Running, expected: usize) -> Result<usize> {
    let pages = expected.div_ceil(PAGE_SIZE as usize);
    let base = sim.base_url();
    let auth = format!("Basic {}", key(sim));
    let counts: Vec<usize> = stream::iter(0..pages)
        .map(|number| {
            let http = http.clone();
            let url = format!("{base}/ipp/v1/devices?page_number={number}&page_size={PAGE_SIZE}");
            let auth = auth.clone();
            async move {
                let page: Page<Device> = http
                    .get(url)
                    .header("authorization", auth)
                    .header("x-merchant-id", "DM20260001")
                    .send()
                    .await?
                    .json()
                    .await?;
                Ok::<usize, anyhow::Error>(page.content.len())
            }
        })
        .buffer_unordered(CONCURRENCY)
        .try_collect()
        .await?;
    let total: usize = counts.iter().sum();
    ensure!(total == expected, "bare loop fetched {total} devices");
    Ok(total)
}
