//! The device fleet in the real window, against a simulator the test can ask directly: filter by
//! two metadata chips and a location, bulk-move every match, rename one device, export CSV.

use std::collections::BTreeSet;
use std::time::Duration;

use anyhow::{Context, Result, ensure};
use fantoccini::Locator;
use fleetdesk_e2e::{App, answer_save_dialog, with_app};
use ipp_sim::{MerchantConfig, Mode, SeedSpec, SimConfig};

const MID: &str = "DM30300001";

async fn row_ids(app: &App) -> Result<BTreeSet<String>> {
    let mut ids = BTreeSet::new();
    for row in app
        .client()
        .find_all(Locator::Css("[data-testid='device-row']"))
        .await?
    {
        ids.insert(
            row.attr("data-device-id")
                .await?
                .context("a row without an id")?,
        );
    }
    Ok(ids)
}

async fn location_count(app: &App, location_id: &str) -> Result<u32> {
    let selector = format!(
        "[data-testid='location-count'][data-location-id='{location_id}'] [data-testid='location-count-value']"
    );
    Ok(app.text(&selector).await?.trim().parse()?)
}

async fn wait_until(what: &str, mut check: impl AsyncFnMut() -> Result<bool>) -> Result<()> {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(15);
    while tokio::time::Instant::now() < deadline {
        if check().await.unwrap_or(false) {
            return Ok(());
        }
        tokio::time::sleep(Duration::from_millis(150)).await;
    }
    anyhow::bail!("timed out waiting for {what}")
}

#[tokio::test]
async fn filter_bulk_move_rename_and_export_the_fleet() -> Result<()> {
    let merchant = MerchantConfig::new(MID, Mode::Playground).seed(SeedSpec {
        locations: 6,
        devices: 80,
        ..SeedSpec::default()
    });
    let sim = ipp_sim::start(SimConfig::new(Mode::Playground).merchants(vec![merchant])).await?;
    let key = sim.merchants()[0].api_key.clone();

    // The question and the simulator's answer: two metadata values and a location.
    let (location, region, terminal) = sim
        .inspect(|s| {
            let d = s
                .devices
                .iter()
                .find(|d| d.location_id.is_some() && d.metadata.contains_key("region"))
                .cloned();
            d.map(|d| {
                (
                    d.location_id.unwrap_or_default(),
                    d.metadata["region"].clone(),
                    d.metadata["terminal_type"].clone(),
                )
            })
        })
        .context("no sample device")?;
    let expected: BTreeSet<String> = sim.inspect(|s| {
        s.devices
            .iter()
            .filter(|d| d.location_id.as_deref() == Some(location.as_str()))
            .filter(|d| {
                d.metadata.get("region") == Some(&region)
                    && d.metadata.get("terminal_type") == Some(&terminal)
            })
            .map(|d| d.id.clone())
            .collect()
    });
    let target = sim
        .inspect(|s| {
            s.locations
                .iter()
                .map(|l| l.location.id.clone())
                .find(|id| *id != location)
        })
        .context("no second location")?;

    let outcome = with_app("fleet", async |app: &App| {
        app.use_simulator_profile("Fleet lab", &sim.base_url(), MID, &key)
            .await?;
        app.click_view("devices").await?;
        app.wait_for_text_containing("[data-testid='synced']", "80 devices")
            .await?;

        for (k, v) in [
            ("region", region.as_str()),
            ("terminal_type", terminal.as_str()),
        ] {
            app.fill("[data-testid='chip-key']", k).await?;
            app.fill("[data-testid='chip-value']", v).await?;
            app.click("[data-testid='chip-add']").await?;
        }
        app.click(&format!(
            "[data-testid='location-count'][data-location-id='{location}']"
        ))
        .await?;
        wait_until("the filtered rows", async || {
            Ok(row_ids(app).await? == expected)
        })
        .await?;
        ensure!(
            app.text("[data-testid='match-count']")
                .await?
                .starts_with(&expected.len().to_string())
        );
        app.screenshot("fleet-filtered").await?;

        // Move every match to another store.
        let before_source = location_count(app, &location).await?;
        let before_target = location_count(app, &target).await?;
        app.click("[data-testid='select-all-matching']").await?;
        app.click("[data-testid='bulk-open']").await?;
        app.select("[data-testid='bulk-kind']", "assign_location")
            .await?;
        app.select("[data-testid='bulk-location']", &target).await?;
        app.click("[data-testid='bulk-preview']").await?;
        app.wait_for(Locator::Css("[data-testid='bulk-preview-table']"))
            .await?;
        app.click("[data-testid='bulk-apply']").await?;
        app.wait_for_text_containing("[data-testid='bulk-summary']", "done")
            .await?;
        let ok = app
            .count("[data-testid='bulk-result'][data-ok='true']")
            .await?;
        ensure!(
            ok == expected.len(),
            "{ok} of {} reported ok",
            expected.len()
        );
        ensure!(
            app.count("[data-testid='bulk-result'][data-ok='false']")
                .await?
                == 0
        );
        app.screenshot("bulk-report").await?;
        app.client()
            .execute("document.querySelector('dialog[open]').close()", vec![])
            .await?;
        let moved = expected.len() as u32;
        wait_until("the location counts", async || {
            Ok(
                location_count(app, &location).await? == before_source - moved
                    && location_count(app, &target).await? == before_target + moved,
            )
        })
        .await?;
        let in_target = sim.inspect(|s| {
            expected.iter().all(|id| {
                s.devices
                    .iter()
                    .any(|d| &d.id == id && d.location_id.as_deref() == Some(target.as_str()))
            })
        });
        ensure!(
            in_target,
            "the simulator does not have every device at the target"
        );

        // Rename one device; its metadata stays as it was.
        // Every filter chip removed (the location's too): the whole fleet again.
        while app.count("[data-testid^='chip'] button").await? > 0 {
            app.click("[data-testid^='chip'] button").await?;
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        wait_until("the whole fleet", async || {
            Ok(app
                .text("[data-testid='match-count']")
                .await?
                .starts_with("80 "))
        })
        .await?;
        let first = app
            .wait_for(Locator::Css("[data-testid='device-row']"))
            .await?;
        let device_id = first.attr("data-device-id").await?.context("row id")?;
        let metadata_before = sim
            .inspect(|s| {
                s.devices
                    .iter()
                    .find(|d| d.id == device_id)
                    .map(|d| d.metadata.clone())
            })
            .context("device")?;
        first.click().await?;
        app.wait_for(Locator::Css("[data-testid='device-detail']"))
            .await?;
        app.fill("[data-testid='device-name']", "Front desk 1")
            .await?;
        app.click("[data-testid='device-rename']").await?;
        app.wait_for_text_containing("[data-testid='toasts']", "Renamed")
            .await?;
        let renamed = sim
            .inspect(|s| s.devices.iter().find(|d| d.id == device_id).cloned())
            .context("device")?;
        ensure!(
            renamed.name == "Front desk 1",
            "the simulator has {:?}",
            renamed.name
        );
        ensure!(
            renamed.metadata == metadata_before,
            "the rename changed the metadata"
        );
        app.screenshot("device-detail").await?;

        // Export the whole fleet as CSV through the save dialog (the detail drawer closed first).
        app.click("[data-testid='device-detail'] button[aria-label='Close']")
            .await?;
        let csv = app.data_dir().join("fleet.csv");
        app.click("[data-testid='fleet-export']").await?;
        answer_save_dialog("Export devices", &csv).await?;
        app.wait_for_text_containing("[data-testid='toasts']", "Exported 80 devices")
            .await?;
        let text = std::fs::read_to_string(&csv)?;
        let lines: Vec<&str> = text.lines().collect();
        ensure!(lines.len() == 81, "{} lines", lines.len());
        ensure!(
            lines[0].starts_with("id,name,platform,hardware_id,location_id,location_name")
                && lines[0].contains("metadata.region")
        );
        ensure!(
            lines
                .iter()
                .any(|l| l.contains(&device_id) && l.contains("Front desk 1"))
        );
        Ok(())
    })
    .await;
    sim.shutdown().await;
    outcome
}
