//! Every device has a history, in the real window: a device renamed and moved from its drawer,
//! moved again in bulk, renamed outside Fleetdesk (seen at the next sync) and paid on shows each on
//! its own timeline; the activity log filtered to one store; the quiet-devices report. Screenshots
//! at both window sizes, light and dark, and in Swedish.

use std::time::Duration;

use anyhow::{Context, Result, ensure};
use fantoccini::Locator;
use fleetdesk_e2e::{App, KEY_CONTROL, KEY_NULL, eventually, with_app};
use ipp_sim::{MerchantConfig, Mode, SeedSpec, SimConfig};
use kustom_ipp::{Client, ClientConfig, Credentials, Secret, UpdateDevice};
use serde_json::json;

const MERCHANT: &str = "DM32000002";
const KEY_ESCAPE: &str = "\u{E00C}";
const KEY_BACKSPACE: char = '\u{E003}';

/// Each screen at the default size in the light theme and at the minimum size in the dark one.
async fn both_sizes(app: &App, name: &str, show: impl AsyncFn(&App) -> Result<()>) -> Result<()> {
    for (width, height, theme) in [(1280, 800, "light"), (1024, 768, "dark")] {
        app.resize(width, height).await?;
        app.set_theme(theme).await?;
        show(app).await?;
        app.screenshot(&format!("{name}-{width}x{height}-{theme}"))
            .await?;
        // Whatever `show` opened (a dialog) closes before the next size and theme.
        app.press(KEY_ESCAPE).await?;
    }
    app.resize(1280, 800).await?;
    app.set_theme("light").await
}

#[tokio::test]
async fn a_device_timeline_the_activity_log_and_the_quiet_devices() -> Result<()> {
    let merchant = MerchantConfig::new(MERCHANT, Mode::Playground).seed(SeedSpec {
        devices: 30,
        ..SeedSpec::default()
    });
    let sim = ipp_sim::start(SimConfig::new(Mode::Playground).merchants(vec![merchant])).await?;
    let key = sim.merchants()[0].api_key.clone();
    let device = sim
        .inspect(|s| s.devices.iter().find(|d| d.location_id.is_some()).cloned())
        .context("a device in a store")?;
    let (other, third) = sim
        .inspect(|s| {
            let mut ids = s
                .locations
                .iter()
                .map(|l| (l.location.id.clone(), l.location.name.clone()))
                .filter(|(id, _)| Some(id) != device.location_id.as_ref());
            Some((ids.next()?, ids.next()?))
        })
        .context("two other stores")?;
    let merchant_client = Client::new(
        ClientConfig::new(
            &sim.base_url(),
            Credentials::ApiKey(Secret::new(key.clone())),
        )?
        .merchant_id(MERCHANT),
    )?;

    let outcome = with_app("history", async |app: &App| {
        app.use_simulator_profile("History lab", &sim.base_url(), MERCHANT, &key)
            .await?;
        app.click_view("devices").await?;
        app.wait_for_text_containing("[data-testid='synced']", "30 devices")
            .await?;

        // From the drawer: a rename and a move (the device found by its id in the search box).
        let row = format!("[data-testid='device-row'][data-device-id='{}']", device.id);
        app.fill("[data-testid='device-search']", &device.id).await?;
        app.click(&row).await?;
        app.fill("[data-testid='device-name']", "Kassa 1").await?;
        app.click("[data-testid='device-rename']").await?;
        app.wait_for_text_containing("[data-testid='toasts']", "Kassa 1")
            .await?;
        app.select("[data-testid='device-location']", &other.0).await?;
        app.click("[data-testid='device-move']").await?;
        app.wait_for_text_containing("[data-testid='device-detail']", &other.1)
            .await?;
        // Move disables itself once done, so focus falls from it to the page: Escape must still
        // close the drawer, as it does for a keyboard user.
        app.press(KEY_ESCAPE).await?;
        eventually("Escape to close the device drawer", Duration::from_secs(5), async || {
            Ok((app.count("[data-testid='device-detail']").await? == 0).then_some(()))
        })
        .await?;

        // In bulk: this device and another, to a third store.
        app.click(&format!("{row} [data-testid='device-check']")).await?;
        app.click("[data-testid='device-search']").await?;
        app.press(&format!("{KEY_CONTROL}a{KEY_NULL}{KEY_BACKSPACE}")).await?;
        let another = format!(
            "[data-testid='device-row']:not([data-device-id='{}']) [data-testid='device-check']",
            device.id
        );
        app.click(&another).await?;
        app.click("[data-testid='bulk-open']").await?;
        app.select("[data-testid='bulk-kind']", "assign_location")
            .await?;
        app.select("[data-testid='bulk-location']", &third.0).await?;
        app.click("[data-testid='bulk-preview']").await?;
        app.wait_for(Locator::Css("[data-testid='bulk-preview-table']"))
            .await?;
        app.click("[data-testid='bulk-apply']").await?;
        app.wait_for_text_containing("[data-testid='bulk-summary']", "done")
            .await?;
        app.click("[data-testid='bulk-close']").await?;

        // Outside Fleetdesk: renamed in the Portal; and a payment taken on it.
        let current = merchant_client.get_device(&device.id).await?;
        let mut renamed = UpdateDevice::from_device(&current);
        renamed.name = "Kassa 1 (Portal)".into();
        merchant_client.update_device(&device.id, &renamed).await?;
        let session = app
            .invoke(
                "create_test_payment",
                json!({
                    "deviceId": device.id,
                    "currency": "SEK",
                    "lines": [{ "name": "Kaffe", "quantity": 1, "unit_price": 3900, "tax_rate": 1200, "discount": 0 }],
                }),
            )
            .await?;
        let session_id = session["tracked"]["session"]["session_id"]
            .as_str()
            .context("session id")?
            .to_owned();
        app.invoke("simulate_tap", json!({ "sessionId": session_id, "outcome": "SUCCESS" }))
            .await?;
        app.click("[data-testid='fleet-refresh']").await?;
        app.fill("[data-testid='device-search']", &device.id).await?;
        app.wait_for_text_containing(&row, "Kassa 1 (Portal)").await?;

        // The drawer's history, then the whole of it on its own page.
        app.click(&row).await?;
        app.wait_for(Locator::Css("[data-testid='device-history-list']"))
            .await?;
        app.click("[data-testid='device-history-all']").await?;
        app.wait_for_heading("Activity").await?;
        let kinds = eventually("every kind of entry", Duration::from_secs(15), async || {
            let kinds: Vec<String> = serde_json::from_value(
                app.client()
                    .execute(
                        "return [...document.querySelectorAll(\"[data-testid='device-history-full'] [data-testid='history-entry']\")].map((e) => e.dataset.kind);",
                        vec![],
                    )
                    .await?,
            )?;
            let wanted = ["sync.device_renamed", "payment", "device.move", "device.rename", "enrolled"];
            Ok(wanted.iter().all(|w| kinds.iter().any(|k| k == w)).then_some(kinds))
        })
        .await?;
        ensure!(
            kinds.iter().filter(|k| *k == "device.move").count() == 2,
            "a drawer move and a bulk move: {kinds:?}"
        );
        let who = app.texts_of("[data-testid='history-who']").await?;
        ensure!(who.iter().any(|w| w == "Outside Fleetdesk"), "{who:?}");
        both_sizes(app, "device-timeline", async |app| {
            app.click_view("activity").await?;
            app.wait_for(Locator::Css("[data-testid='device-history-full']"))
                .await
                .map(drop)
        })
        .await?;

        // The log across the fleet, filtered to the store the bulk move went to.
        app.click_view("activity").await?;
        app.click("[data-testid='history-back']").await?;
        app.select("[data-testid='activity-period']", "all").await?;
        app.select("[data-testid='activity-store']", &third.0).await?;
        eventually("the store's entries", Duration::from_secs(15), async || {
            let rows = app.count("[data-testid='activity-row'][data-action='device.move']").await?;
            Ok((rows == 2).then_some(()))
        })
        .await?;
        let stores = app.texts_of("[data-testid='activity-row'] td:nth-child(4)").await?;
        ensure!(stores.iter().all(|s| *s == third.1), "only {}: {stores:?}", third.1);
        both_sizes(app, "activity-store", async |app| {
            app.click_view("activity").await?;
            app.wait_for(Locator::Css("[data-testid='activity-row']"))
                .await
                .map(drop)
        })
        .await?;

        // The quiet devices: the demo fleet's older phones have done nothing in 30 days.
        both_sizes(app, "stale-report", async |app| {
            app.click_view("devices").await?;
            app.click("[data-testid='fleet-stale']").await?;
            app.wait_for(Locator::Css("[data-testid='stale-store']"))
                .await?;
            Ok(())
        })
        .await?;
        app.click_view("devices").await?;
        app.click("[data-testid='fleet-stale']").await?;
        let summary = app.text("[data-testid='stale-summary']").await?;
        ensure!(summary.contains("of 30 devices"), "{summary}");
        let listed = app.texts_of("[data-testid='stale-device'] .name").await?;
        ensure!(
            !listed.iter().any(|n| n.starts_with("Kassa 1")),
            "a device changed today is not quiet: {listed:?}"
        );
        app.press(KEY_ESCAPE).await?;

        // In Swedish.
        app.click_view("settings").await?;
        app.select("[data-testid='settings-language']", "sv").await?;
        app.wait_for_heading("Inställningar").await?;
        app.click_view("activity").await?;
        app.wait_for_heading("Aktivitet").await?;
        app.wait_for_text_containing("[data-testid='activity-table']", "Flyttad")
            .await?;
        app.screenshot("activity-store-sv").await?;
        Ok(())
    })
    .await;
    sim.shutdown().await;
    outcome
}
