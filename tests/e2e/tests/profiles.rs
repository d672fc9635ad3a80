//! Profiles in the real window: the local playground on first start, adding a production profile
//! for a second simulator, testing its connection, switching to it, a wrong key's 401 — and the
//! key never showing up in the DOM, the IPC responses or the log file.

use anyhow::{Result, ensure};
use fleetdesk_e2e::{App, with_app};
use ipp_sim::{MerchantConfig, Mode, SeedSpec, SimConfig};

#[tokio::test]
async fn first_start_lands_on_the_local_playground_with_demo_data() -> Result<()> {
    with_app(
        "first_start_lands_on_the_local_playground_with_demo_data",
        async |app: &App| {
            ensure!(app.text("[data-testid='active-profile']").await? == "Local playground");
            ensure!(app.text("[data-testid='environment-badge']").await? == "Local playground");
            app.click_view("locations").await?;
            app.wait_for_heading("Locations").await?;
            app.wait_for_text_containing(
                "[data-testid='locations-table']",
                "Stockholm Drottninggatan",
            )
            .await?;
            let rows = app.count("[data-testid='location-row']").await?;
            ensure!(rows >= 3, "only {rows} demo locations");
            app.screenshot("locations-demo-data").await?;
            Ok(())
        },
    )
    .await
}

#[tokio::test]
async fn a_production_profile_is_added_tested_and_switched_to_and_its_key_never_leaks() -> Result<()>
{
    // A second simulator, in production mode, with its own merchant and locations.
    let merchant = MerchantConfig::new("DM77700001", Mode::Production).seed(SeedSpec {
        locations: 2,
        devices: 5,
        ..SeedSpec::default()
    });
    let sim = ipp_sim::start(SimConfig::new(Mode::Production).merchants(vec![merchant])).await?;
    let key = sim.merchants()[0].api_key.clone();

    let outcome = with_app("production_profile", async |app: &App| {
        app.record_ipc().await?;
        app.click_view("settings").await?;
        app.wait_for_heading("Settings").await?;
        app.click("[data-testid='profile-add']").await?;
        app.fill("[data-testid='profile-name']", "Stores Norway")
            .await?;
        app.select("[data-testid='profile-environment']", "kustom_production")
            .await?;
        app.fill("[data-testid='profile-merchant']", "DM77700001")
            .await?;
        app.click("[data-testid='profile-custom-host']").await?;
        app.fill("[data-testid='profile-url']", &sim.base_url())
            .await?;
        app.click("[data-testid='profile-save']").await?;
        app.wait_for_text_containing("[data-testid='profile-editor'] h2", "Stores Norway")
            .await?;

        // The key goes in and comes back only as its last four characters.
        app.fill("[data-testid='api-key-input']", &key).await?;
        app.click("[data-testid='api-key-save']").await?;
        let state = app
            .wait_for_text_containing("[data-testid='api-key-state']", "Stored")
            .await?;
        ensure!(
            state.contains(&key[key.len() - 4..]),
            "key state reads {state:?}"
        );
        app.screenshot("settings-key-stored").await?;

        app.click("[data-testid='test-connection']").await?;
        let result = app
            .wait_for_text_containing("[data-testid='connection-result']", "Connected")
            .await?;
        ensure!(
            result.contains("DM77700001") && result.contains("3 locations"),
            "{result}"
        );
        app.scroll_to("[data-testid='connection-result']").await?;
        app.screenshot("settings-production-profile").await?;

        app.click("[data-testid='profile-use']").await?;
        app.wait_for_text("[data-testid='active-profile']", "Stores Norway")
            .await?;
        app.wait_for_text("[data-testid='environment-badge']", "PRODUCTION")
            .await?;

        // Use the app on the new profile.
        app.click_view("locations").await?;
        app.wait_for_text_containing("[data-testid='locations-count']", "3 locations")
            .await?;
        app.click_view("devices").await?;
        app.click_view("settings").await?;
        app.wait_for_heading("Settings").await?;
        app.screenshot("header-production").await?;

        // Nothing the app shows or sends carries the key.
        let dom = app.dom().await?;
        ensure!(!dom.contains(&key), "the key is in the DOM");
        let ipc = app.ipc_log().await?;
        ensure!(ipc.len() >= 5, "IPC was not recorded: {ipc:?}");
        ensure!(
            ipc.iter().any(|r| r.contains("test_connection")),
            "no test_connection response recorded"
        );
        ensure!(
            ipc.iter().all(|r| !r.contains(&key)),
            "an IPC response carried the key"
        );
        let log = app.log()?;
        ensure!(!log.is_empty(), "the log file is empty");
        ensure!(!log.contains(&key), "the key is in the log file");
        Ok(())
    })
    .await;
    sim.shutdown().await;
    outcome
}

#[tokio::test]
async fn a_wrong_key_shows_the_401_message() -> Result<()> {
    let sim = ipp_sim::start(SimConfig::new(Mode::Production)).await?;
    let outcome = with_app("a_wrong_key_shows_the_401_message", async |app: &App| {
        app.click_view("settings").await?;
        app.click("[data-testid='profile-add']").await?;
        app.fill("[data-testid='profile-name']", "Wrong key")
            .await?;
        app.select("[data-testid='profile-environment']", "kustom_production")
            .await?;
        app.fill("[data-testid='profile-merchant']", "DM20260001")
            .await?;
        app.click("[data-testid='profile-custom-host']").await?;
        app.fill("[data-testid='profile-url']", &sim.base_url())
            .await?;
        app.click("[data-testid='profile-save']").await?;
        app.wait_for_text_containing("[data-testid='profile-editor'] h2", "Wrong key")
            .await?;
        app.fill(
            "[data-testid='api-key-input']",
            "kco_live_api_NotTheRightKey123",
        )
        .await?;
        app.click("[data-testid='api-key-save']").await?;
        app.wait_for_text_containing("[data-testid='api-key-state']", "Stored")
            .await?;
        app.click("[data-testid='test-connection']").await?;
        let message = app
            .wait_for_text_containing("[data-testid='connection-result']", "401")
            .await?;
        ensure!(message.contains("rejected the API key"), "{message}");
        app.screenshot("settings-wrong-key").await?;
        Ok(())
    })
    .await;
    sim.shutdown().await;
    outcome
}
