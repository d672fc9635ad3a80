//! Jobs at fleet scale: a job moving all of 100,000 devices, against the simulator in its own
//! process with an account rate limit of R requests a second (R = 50 and 200), the profile's
//! request rate set to the same R as a user would set it. Over a minute of the job's steady state
//! (after its first seconds, when the budget's and the simulator's full buckets would flatter
//! it): the useful requests a second (a read and a change per device moved, a read for one
//! already there; retries are not counted) against R, and the desk's heap at its highest against
//! its heap before the job. The whole job would take an hour at R = 50; a minute of it shows its
//! pace, and the job is then cancelled.
//!
//! Also: matching a pasted list of 10,000 lines (ids, names, hardware ids, some unknown) against
//! the 100,000-device fleet.

use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Result, ensure};
use fleet_core::Desk;
use fleet_core::desk::{DeviceSelection, JobTargets, Services};
use fleet_core::fleet::edits::BulkAction;
use fleet_core::fleet::index::{FleetIndex, FleetQuery};
use fleet_core::jobs::{JobOutcome, JobRowFilter, JobState, targets};
use fleet_core::profiles::{Environment, ProfileInput};

use crate::figures::{Goal, millis, report};
use crate::sim_process::SimProcess;
use crate::{heap_bytes, median, ms};

const MERCHANT: &str = "DM33000009";
const DEVICES: usize = 100_000;
/// Let the first buckets drain before measuring.
const WARM_UP: Duration = Duration::from_secs(10);
const WINDOW: Duration = Duration::from_secs(60);

fn mib(bytes: usize) -> f64 {
    bytes as f64 / (1024.0 * 1024.0)
}

/// Useful requests a job's settled devices took: a read and a change per device changed, a read
/// per device left alone.
async fn requests_so_far(desk: &Desk, job_id: &str) -> Result<u64> {
    let view = desk.job(job_id).await?;
    // Only "already so" needs no change; read in pages of the skipped (a minute holds few).
    let mut already = 0u64;
    let mut offset = 0;
    loop {
        let page = desk
            .job_devices(job_id, JobRowFilter::Skipped, offset, 1000)
            .await?;
        already += page
            .rows
            .iter()
            .filter(|r| r.outcome == Some(JobOutcome::AlreadyAsAsked))
            .count() as u64;
        offset += page.rows.len() as u32;
        if page.rows.is_empty() || offset >= page.total {
            break;
        }
    }
    Ok(u64::from(view.job.done) * 2 + already)
}

async fn one_rate(rate: u32) -> Result<()> {
    let key = "kco_test_api_jobs_bench".to_owned();
    let limit = rate.to_string();
    let sim = SimProcess::playground(
        MERCHANT,
        &key,
        40,
        DEVICES,
        &["--requests-per-second", &limit],
    )?;
    let dir = tempfile::tempdir()?;
    let desk = Arc::new(
        Desk::builder(dir.path())
            .services(Services::NONE)
            .open()
            .await?,
    );
    let profile = desk
        .create_profile(&ProfileInput {
            name: "Bench".into(),
            environment: Environment::KustomPlayground,
            custom_host: true,
            base_url: Some(sim.base_url().to_owned()),
            merchant_id: MERCHANT.into(),
        })
        .await?;
    desk.store_api_key(&profile.id, &key, true).await?;
    desk.switch_profile(&profile.id).await?;
    desk.set_request_rate(&profile.id, rate).await?;
    desk.sync_fleet(|_| {}).await?;
    let target = desk
        .list_locations()
        .await?
        .last()
        .map(|l| l.id.clone())
        .unwrap_or_default();
    // The heap the desk holds with its fleet loaded, settled.
    tokio::time::sleep(Duration::from_secs(2)).await;
    let before = heap_bytes();

    let plan = desk
        .plan_job(
            &BulkAction::AssignLocation {
                location_id: Some(target),
            },
            &JobTargets::Selection {
                selection: DeviceSelection::Matching {
                    query: FleetQuery::all(),
                },
            },
        )
        .await?;
    ensure!(
        plan.total as usize == DEVICES,
        "the plan has {}",
        plan.total
    );
    let job = desk.start_job(&plan.plan_id).await?;
    let running = {
        let (desk, id) = (desk.clone(), job.id.clone());
        tokio::spawn(async move { desk.run_job(&id).await })
    };
    let started = Instant::now();
    let mut peak = heap_bytes();
    let watch = |peak: &mut usize| *peak = (*peak).max(heap_bytes());
    while started.elapsed() < WARM_UP {
        tokio::time::sleep(Duration::from_millis(250)).await;
        watch(&mut peak);
    }
    let (from, at) = (requests_so_far(&desk, &job.id).await?, Instant::now());
    while at.elapsed() < WINDOW {
        tokio::time::sleep(Duration::from_millis(250)).await;
        watch(&mut peak);
    }
    let (to, took) = (
        requests_so_far(&desk, &job.id).await?,
        at.elapsed().as_secs_f64(),
    );
    let throughput = (to - from) as f64 / took;
    let view = desk.job(&job.id).await?;
    desk.set_job_state(&job.id, JobState::Cancelled).await?;
    let _ = running.await;

    println!(
        "{:<52} {:>10.1} req/s of {rate} ({} devices settled in {:.0} s; {} throttled by the budget)",
        format!("a 100,000-device move, account limit {rate}/s"),
        throughput,
        view.job.total - view.job.waiting,
        started.elapsed().as_secs_f64(),
        view.progress
            .as_ref()
            .and_then(|p| p.slowed_by.as_ref())
            .map_or("not", |_| "sometimes"),
    );
    println!(
        "{:<52} {:>10.1} MiB (before the job {:.1} MiB)",
        "  heap at its highest during the job",
        mib(peak),
        mib(before)
    );
    report(
        &format!("job throughput at an account limit of {rate} requests/s / the limit"),
        "req/s",
        throughput,
        Some(f64::from(rate)),
        // At least 90 % of the limit: the ratio's inverse at most 1/0.9.
        Goal::None,
    );
    report(
        &format!("job throughput shortfall at {rate} requests/s (limit / throughput)"),
        "ratio",
        f64::from(rate) / throughput.max(f64::EPSILON),
        None,
        Goal::AtMost(1.0 / 0.9),
    );
    report(
        &format!("desk heap during a 100,000-device job at {rate} requests/s / before it"),
        "MiB",
        mib(peak),
        Some(mib(before)),
        Goal::RatioAtMost(1.1),
    );
    desk.shutdown().await;
    Ok(())
}

/// 10,000 lines: ids, names (unique ones), hardware ids, and a few nobody has.
fn matching_a_pasted_list() -> Result<()> {
    let state = crate::fleet::seeded_fleet(40);
    let index = FleetIndex::build(state.devices.clone())?;
    let mut lines = vec!["device_id".to_owned()];
    for (i, device) in state.devices.iter().step_by(10).take(10_000).enumerate() {
        lines.push(match i % 4 {
            0 => device.id.clone(),
            1 => device.hardware_id.clone(),
            2 => device.name.clone(),
            _ => format!("unknown-{i}"),
        });
    }
    let text = lines.join("\n");
    let mut samples = Vec::new();
    let mut matched = 0;
    for _ in 0..5 {
        let started = Instant::now();
        let (report, _) = targets::match_list(&index, &text);
        samples.push(started.elapsed());
        matched = report.matched;
    }
    let took = median(samples);
    println!(
        "{:<52} {:>10} ({matched} of 10,000 lines matched)",
        "matching a pasted list of 10,000 lines",
        ms(took)
    );
    report(
        "matching a pasted list of 10,000 lines against 100,000 devices",
        "ms",
        millis(took),
        None,
        Goal::AtMost(1000.0),
    );
    Ok(())
}

pub async fn run() -> Result<()> {
    let store = keyring_core::mock::Store::new()?;
    keyring_core::set_default_store(store as Arc<keyring_core::CredentialStore>);
    println!("\n== bench: jobs at 100,000 devices ==");
    matching_a_pasted_list()?;
    for rate in [50, 200] {
        one_rate(rate).await?;
    }
    Ok(())
}
