//! The fleet: syncing 10,000 and 100,000 devices from the simulator into the SQLite cache and the
//! in-memory index (against the bare-HTTP floor of fetching the same pages), and filter latency
//! over 100,000 cached devices for a metadata AND + text query.

use std::time::{Duration, Instant};

use anyhow::Result;
use fleet_core::fleet_cache::FleetCache;
use fleet_core::fleet_index::{FleetIndex, FleetQuery, LocationFilter};
use fleet_core::store::Store;
use ipp_sim::{MerchantConfig, Mode, SeedSpec, SimState};
use kustom_ipp::{
    Client, ClientConfig, Credentials, DeviceQuery, PagingOptions, Secret, fetch_all,
};

use crate::figures::{Goal, millis, report};
use crate::{median, ms, paging};

pub async fn run() -> Result<()> {
    println!("\n== bench: fleet sync into the cache (page_size 100, 8 in flight) ==");
    println!(
        "{:<28} {:>12} {:>12} {:>8}",
        "", "sync", "HTTP floor", "ratio"
    );
    for devices in [10_000, 100_000] {
        let sim = paging::simulator(devices).await?;
        let rounds = if devices > 50_000 { 3 } else { 5 };
        let mut sync = Vec::new();
        let mut floor = Vec::new();
        for _ in 0..rounds {
            floor.push(timed(paging::bare_loop(&sim, devices)).await?);
            sync.push(timed(sync_into_cache(&sim, devices)).await?);
        }
        let (sync, floor) = (median(sync), median(floor));
        println!(
            "{:<28} {:>12} {:>12} {:>7.2}x",
            format!("{devices} devices"),
            ms(sync),
            ms(floor),
            sync.as_secs_f64() / floor.as_secs_f64()
        );
        report(
            &format!("fleet sync, {devices} devices / HTTP floor"),
            "ms",
            millis(sync),
            Some(millis(floor)),
            Goal::RatioAtMost(if devices > 50_000 { 1.15 } else { 1.3 }),
        );
        sim.shutdown().await;
    }
    filter_latency();
    Ok(())
}

async fn timed(work: impl std::future::Future<Output = Result<usize>>) -> Result<Duration> {
    let started = Instant::now();
    work.await?;
    Ok(started.elapsed())
}

/// What "Refresh" does: every page through the client, then cache and index.
async fn sync_into_cache(sim: &ipp_sim::Running, expected: usize) -> Result<usize> {
    let config = ClientConfig::new(
        &sim.base_url(),
        Credentials::ApiKey(Secret::new(sim.merchants()[0].api_key.clone())),
    )?
    .merchant_id("DM20260001");
    let client = Client::new(config)?;
    let devices = fetch_all(
        |page| {
            let client = client.clone();
            async move { client.list_devices(&DeviceQuery::default(), page).await }
        },
        PagingOptions {
            page_size: 100,
            concurrency: 8,
        },
        |_| {},
    )
    .await?;
    anyhow::ensure!(devices.len() == expected, "synced {}", devices.len());
    let dir = tempfile::tempdir()?;
    let cache = FleetCache::new(Store::open(&dir.path().join("bench.sqlite3"))?.0);
    let count = devices.len();
    tokio::task::spawn_blocking(move || cache.store_and_index("bench", devices)).await??;
    Ok(count)
}

fn filter_latency() {
    let mut state = SimState::default();
    let merchant = MerchantConfig::new("DM20260001", Mode::Playground);
    let spec = SeedSpec {
        locations: 400,
        devices: 100_000,
        pending_enrollments: 0,
        consumed_enrollments: 0,
        rng_seed: 3,
    };
    ipp_sim::seed::seed(&mut state, &merchant.merchant_id, &spec, chrono::Utc::now());
    let built = Instant::now();
    let index = FleetIndex::build(state.devices.clone());
    let build_time = built.elapsed();

    // Realistic questions: a region and a terminal type, plus a word typed in the search box.
    let regions = [
        "Stockholm",
        "Väst",
        "Syd",
        "Östlandet",
        "Mitt",
        "Vestlandet",
    ];
    let terminals = ["checkout", "handheld", "popup", "service_desk"];
    let texts = ["till 1", "handheld", "r58", "pop-up 2", "f"];
    let mut samples = Vec::new();
    let mut matched = 0usize;
    for i in 0..600 {
        let query = FleetQuery {
            metadata: vec![
                ("region".into(), regions[i % regions.len()].into()),
                (
                    "terminal_type".into(),
                    terminals[i % terminals.len()].into(),
                ),
            ],
            location: LocationFilter::Any,
            platform: None,
            text: texts[i % texts.len()].into(),
        };
        let started = Instant::now();
        matched += index.find(&query).len();
        samples.push(started.elapsed());
    }
    // And free text alone, over everything.
    let mut text_only = Vec::new();
    for i in 0..200 {
        let query = FleetQuery {
            text: texts[i % texts.len()].into(),
            ..FleetQuery::all()
        };
        let started = Instant::now();
        matched += index.find(&query).len();
        text_only.push(started.elapsed());
    }
    let (samples_for_report, text_for_report) = (samples.clone(), text_only.clone());
    let pct = |mut v: Vec<Duration>, p: f64| {
        v.sort();
        v[((v.len() as f64 - 1.0) * p).round() as usize]
    };
    println!(
        "\n== bench: filter latency over {} cached devices ==",
        index.len()
    );
    println!(
        "{:<44} p50 {:>9}   p95 {:>9}   (goal p95 ≤ 2 ms)",
        "metadata AND (2 chips) + text",
        ms(pct(samples.clone(), 0.5)),
        ms(pct(samples, 0.95))
    );
    println!(
        "{:<44} p50 {:>9}   p95 {:>9}",
        "text only",
        ms(pct(text_only.clone(), 0.5)),
        ms(pct(text_only, 0.95))
    );
    println!("(matched {matched} rows in all)");
    println!(
        "{:<44} {:>9}",
        "building the index (posting lists)",
        ms(build_time)
    );
    report(
        "index build, 100,000 devices",
        "ms",
        millis(build_time),
        None,
        Goal::None,
    );
    report(
        "filter over 100,000 devices, metadata AND + text, p95",
        "ms",
        millis(pct(samples_for_report, 0.95)),
        None,
        Goal::AtMost(2.0),
    );
    report(
        "filter over 100,000 devices, text only, p95",
        "ms",
        millis(pct(text_for_report, 0.95)),
        None,
        Goal::AtMost(2.0),
    );
}
