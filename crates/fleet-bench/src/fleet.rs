//! The fleet: syncing 10,000 and 100,000 devices from the simulator into the SQLite cache and the
//! in-memory index (against the bare-HTTP floor of fetching the same pages), and filter latency
//! over 100,000 cached devices for a metadata AND + text query.

use std::time::{Duration, Instant};

use anyhow::Result;
use fleet_core::fleet::cache::FleetCache;
use fleet_core::fleet::index::{
    ActivityBucket, FleetIndex, FleetQuery, LocationFilter, RegisterFilter,
};
use fleet_core::fleet::sync;
use fleet_core::storage::Store;
use ipp_sim::{MerchantConfig, Mode, SeedSpec, SimState};
use kustom_ipp::{Client, DeviceQuery, fetch_all};

use crate::figures::{Goal, millis, report};
use crate::{median, ms, paging};

/// Returns the median sync of the largest fleet, the baseline of the history bench.
pub async fn run() -> Result<Option<Duration>> {
    // First, while the process is fresh: its resident memory then grows by what the index holds.
    filter_latency()?;
    println!("\n== bench: fleet sync into the cache (page_size 100, 8 in flight) ==");
    println!(
        "{:<28} {:>12} {:>12} {:>8}",
        "", "sync", "HTTP floor", "ratio"
    );
    let mut sync_100k = None;
    for devices in [10_000, 100_000] {
        let sim = paging::simulator(devices).await?;
        // Built before the clocks start: the app keeps a profile's client and its open database.
        let (http, client) = (
            kustom_ipp::tls::http_client()?,
            paging::helper_client(&sim)?,
        );
        let rounds = if devices > 50_000 { 3 } else { 5 };
        let mut sync = Vec::new();
        let mut floor = Vec::new();
        for _ in 0..rounds {
            // Each timing starts from a quiet process: a sync leaves the fetched devices to be
            // freed on a thread of its own, which must not slow the floor's round after it.
            settle().await;
            floor.push(timed(paging::bare_loop(&http, &sim, devices)).await?);
            settle().await;
            let dir = tempfile::tempdir()?;
            let cache = FleetCache::new(Store::open(&dir.path().join("bench.sqlite3"))?.0);
            let started = Instant::now();
            let (_, index) = sync_into_cache(&client, cache, devices).await?;
            sync.push(started.elapsed());
            drop(index);
        }
        let (sync, floor) = (median(sync), median(floor));
        if devices == 100_000 {
            sync_100k = Some(sync);
        }
        let parts = sync_parts(&client, devices).await?;
        println!(
            "{:<28} {:>12} {:>12} {:>7.2}x",
            format!("{devices} devices"),
            ms(sync),
            ms(floor),
            sync.as_secs_f64() / floor.as_secs_f64()
        );
        println!(
            "{:<28} fetch {} · cache write, all at once {} · index {} (one run, each alone)",
            "  where the time goes",
            ms(parts.fetch),
            ms(parts.write),
            ms(parts.index)
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
    Ok(sync_100k)
}

/// A pause for background work of the round before (freeing, the cache's checkpoint) to end.
async fn settle() {
    tokio::time::sleep(Duration::from_millis(300)).await;
}

async fn timed(work: impl std::future::Future<Output = Result<usize>>) -> Result<Duration> {
    let started = Instant::now();
    work.await?;
    Ok(started.elapsed())
}

/// What "Refresh" does: the app's own sync loop (`fleet_core::fleet::sync`), every page through
/// the client, each handed to the cache's writer as it arrives, then the cache's flip to the new
/// pages and the index.
///
/// Returns the index with the count: the app keeps it, so freeing it is not part of the sync.
async fn sync_into_cache(
    client: &Client,
    cache: FleetCache,
    expected: usize,
) -> Result<(usize, FleetIndex)> {
    let (info, index) = sync::sync_fleet(client, &cache, "bench", |_| {}).await?;
    anyhow::ensure!(
        info.device_count as usize == expected,
        "synced {}",
        info.device_count
    );
    Ok((expected, index))
}

/// The parts of a sync, each timed alone.
struct SyncParts {
    fetch: Duration,
    write: Duration,
    index: Duration,
}

async fn sync_parts(client: &Client, expected: usize) -> Result<SyncParts> {
    let started = Instant::now();
    let devices = fetch_all(
        |page| {
            let client = client.clone();
            async move { client.list_devices(&DeviceQuery::default(), page).await }
        },
        sync::SYNC_PAGING,
        |_| {},
    )
    .await?;
    let fetch = started.elapsed();
    anyhow::ensure!(devices.len() == expected, "synced {}", devices.len());
    let dir = tempfile::tempdir()?;
    let cache = FleetCache::new(Store::open(&dir.path().join("parts.sqlite3"))?.0);
    let started = Instant::now();
    cache.replace("bench", &devices)?;
    let write = started.elapsed();
    let started = Instant::now();
    let index = FleetIndex::build(devices)?;
    let index_time = started.elapsed();
    drop(index);
    Ok(SyncParts {
        fetch,
        write,
        index: index_time,
    })
}

/// A chain's fleet without a server: 100,000 demo devices in 400 stores, the same for a seed.
pub(crate) fn seeded_fleet(rng_seed: u64) -> SimState {
    let mut state = SimState::default();
    let merchant = MerchantConfig::new("DM20260001", Mode::Playground);
    let spec = SeedSpec {
        locations: 400,
        devices: 100_000,
        pending_enrollments: 0,
        consumed_enrollments: 0,
        rng_seed,
    };
    ipp_sim::seed::seed(&mut state, &merchant.merchant_id, &spec, chrono::Utc::now());
    state
}

fn filter_latency() -> Result<()> {
    let state = seeded_fleet(3);
    let held_before = crate::heap_bytes();
    let devices = state.devices.clone();
    let built = Instant::now();
    let index = FleetIndex::build(devices)?;
    let build_time = built.elapsed();
    // What holding the fleet costs the app: the index took the devices it was built from.
    let index_mb = crate::heap_bytes().saturating_sub(held_before) as f64 / (1024.0 * 1024.0);

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
            register: RegisterFilter::Any,
            activity: ActivityBucket::Any,
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
    println!(
        "{:<44} {:>9.1} MB ({:.0} bytes a device)",
        "heap held by the index",
        index_mb,
        index_mb * 1024.0 * 1024.0 / index.len() as f64
    );
    report(
        "index memory, 100,000 devices",
        "MB",
        index_mb,
        None,
        Goal::None,
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
    Ok(())
}
