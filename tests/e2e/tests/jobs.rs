//! Bulk work as a durable job, in the real window: every one of 10,000 devices moved to one store
//! from "select all matching", the app closed half-way, opened again, and the job finishing by
//! itself; its report shows every device, and the simulator agrees. Screenshots of the Jobs view
//! while it runs and once it is done, at both window sizes.

use std::time::Duration;

use anyhow::{Context, Result, ensure};
use fantoccini::Locator;
use fleetdesk_e2e::{App, eventually};
use ipp_sim::{MerchantConfig, Mode, SeedSpec, SimConfig};
use serde_json::{Value, json};

const MERCHANT: &str = "DM33000002";
const DEVICES: usize = 10_000;
/// The profile's request budget: fast enough for a test, slow enough to close the app mid-job.
const RATE: u32 = 400;

async fn jobs(app: &App) -> Result<Vec<Value>> {
    let list = app.invoke("list_jobs", json!({})).await?;
    Ok(list.as_array().cloned().unwrap_or_default())
}

fn settled(job: &Value) -> u64 {
    job["job"]["total"].as_u64().unwrap_or(0) - job["job"]["waiting"].as_u64().unwrap_or(0)
}

#[tokio::test]
async fn a_job_over_10000_devices_outlives_the_app_and_reports_every_device() -> Result<()> {
    let merchant = MerchantConfig::new(MERCHANT, Mode::Playground).seed(SeedSpec {
        devices: DEVICES,
        ..SeedSpec::default()
    });
    let sim = ipp_sim::start(SimConfig::new(Mode::Playground).merchants(vec![merchant])).await?;
    let key = sim.merchants()[0].api_key.clone();
    let target = sim
        .inspect(|s| {
            s.locations
                .last()
                .map(|l| (l.location.id.clone(), l.location.name.clone()))
        })
        .context("a store")?;
    let already = sim.inspect(|s| {
        s.devices
            .iter()
            .filter(|d| d.location_id.as_deref() == Some(target.0.as_str()))
            .count()
    });

    let app = App::launch().await?;
    let data_dir = app.data_dir().to_path_buf();
    let first = async {
        app.use_simulator_profile("Chain", &sim.base_url(), MERCHANT, &key)
            .await?;
        app.fill("[data-testid='request-rate']", &RATE.to_string())
            .await?;
        app.click("[data-testid='request-rate-save']").await?;
        app.wait_for_text_containing("[data-testid='toasts']", &format!("{RATE} requests"))
            .await?;

        app.click_view("devices").await?;
        app.wait_for_text_containing("[data-testid='synced']", "10,000 devices")
            .await?;
        app.click("[data-testid='select-all-matching']").await?;
        app.click("[data-testid='bulk-open']").await?;
        app.select("[data-testid='bulk-kind']", "assign_location")
            .await?;
        app.select("[data-testid='bulk-location']", &target.0)
            .await?;
        app.click("[data-testid='bulk-preview']").await?;
        app.wait_for_text_containing("[data-testid='bulk-plan-summary']", "10,000")
            .await?;
        app.screenshot("job-plan").await?;
        app.click("[data-testid='bulk-apply']").await?;
        app.wait_for(Locator::Css("[data-testid='bulk-progress']"))
            .await?;
        app.click("[data-testid='bulk-open-job']").await?;
        app.wait_for_heading("Jobs").await?;
        app.wait_for(Locator::Css("[data-testid='job-pace']"))
            .await?;
        app.screenshot("jobs-running-1280x800").await?;

        // Closed somewhere in the middle.
        let progress = eventually("a tenth of the job", Duration::from_secs(120), async || {
            let list = jobs(&app).await?;
            let job = list.first().context("no job")?;
            let done = settled(job);
            Ok((done >= (DEVICES as u64) / 10).then_some(done))
        })
        .await?;
        ensure!(
            progress < DEVICES as u64,
            "the job finished before the app closed"
        );
        Ok::<_, anyhow::Error>(())
    }
    .await;
    if first.is_err() {
        let _ = app.screenshot("failed-jobs-first").await;
    }
    app.close().await?;
    first?;

    // Opened again: the job goes on by itself and finishes.
    let app = App::launch_with(data_dir).await?;
    let second = async {
        app.click_view("jobs").await?;
        app.wait_for(Locator::Css("[data-testid='job-detail']"))
            .await?;
        let job = eventually("the job to finish", Duration::from_secs(240), async || {
            let list = jobs(&app).await?;
            let job = list.first().context("no job")?.clone();
            Ok((job["job"]["state"] == "finished").then_some(job))
        })
        .await?;
        let summary = &job["job"];
        ensure!(summary["total"] == DEVICES, "{summary}");
        ensure!(
            summary["failed"] == 0 && summary["waiting"] == 0,
            "{summary}"
        );
        ensure!(
            summary["skipped"] == already && summary["done"] == DEVICES - already,
            "{summary} (already there: {already})"
        );
        app.wait_for(Locator::Css(
            "[data-testid='job-detail'][data-state='finished']",
        ))
        .await?;

        // The report has every device: the table's row count, and its last row settled.
        let rows = app
            .wait_for(Locator::Css("[data-testid='job-results'] [role='grid']"))
            .await?
            .attr("aria-rowcount")
            .await?;
        ensure!(
            rows.as_deref() == Some("10001"),
            "the report has {rows:?} rows"
        );
        let id = summary["id"].as_str().context("a job id")?;
        let last = app
            .invoke(
                "job_devices",
                json!({ "jobId": id, "filter": "all", "offset": DEVICES - 1, "limit": 1 }),
            )
            .await?;
        ensure!(last["rows"][0]["outcome"].is_object(), "{last}");
        let moved = sim.inspect(|s| {
            s.devices
                .iter()
                .filter(|d| d.location_id.as_deref() == Some(target.0.as_str()))
                .count()
        });
        ensure!(
            moved == DEVICES,
            "{moved} of {DEVICES} devices in the store"
        );

        for (width, height) in [(1280, 800), (1024, 768)] {
            app.resize(width, height).await?;
            app.screenshot(&format!("jobs-finished-{width}x{height}"))
                .await?;
        }
        app.click("[data-testid='job-filter-skipped']").await?;
        app.wait_for_text_containing("[data-testid='job-result-outcome']", "Already so")
            .await?;
        app.screenshot("jobs-skipped-1024x768").await?;
        Ok::<_, anyhow::Error>(())
    }
    .await;
    if second.is_err() {
        let _ = app.screenshot("failed-jobs-second").await;
    }
    app.close().await?;
    second
}
