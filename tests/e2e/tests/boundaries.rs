//! The app's boundaries in the real window: a file is written only where the save dialog — opened
//! by Rust — says, whatever the page asks; a second start of the app brings the first forward
//! instead of running beside it; a damaged database is set aside and the app opens anyway.

use std::time::Duration;

use anyhow::{Context, Result, ensure};
use fleetdesk_e2e::{App, answer_save_dialog, with_app};
use serde_json::json;

#[tokio::test]
async fn an_export_is_written_only_where_the_dialog_chose() -> Result<()> {
    with_app("export_path", async |app: &App| {
        app.click_view("devices").await?;
        app.wait_for_text_containing("[data-testid='synced']", "devices")
            .await?;
        let chosen = app.data_dir().join("chosen.csv");
        let elsewhere = app.data_dir().join("not-chosen.csv");
        // The page names a path of its own: the command has no such parameter and ignores it.
        let export = app.invoke(
            "export_devices_csv",
            json!({
                "query": { "metadata": [], "location": { "kind": "any" }, "platform": null, "text": "" },
                "sort": { "column": "name", "descending": false },
                "path": elsewhere.to_string_lossy(),
            }),
        );
        let (outcome, dialog) = tokio::join!(export, answer_save_dialog("Export devices", &chosen));
        dialog?;
        let outcome = outcome?;
        ensure!(outcome["outcome"] == "saved", "{outcome}");
        ensure!(outcome["file_name"] == "chosen.csv", "{outcome}");
        let text = std::fs::read_to_string(&chosen)?;
        ensure!(text.lines().count() == 41, "{} lines", text.lines().count());
        ensure!(!elsewhere.exists(), "a file was written where the page said");
        // The page cannot open a file dialog itself either (not in its capabilities).
        let direct = app
            .invoke("plugin:dialog|save", json!({ "options": { "defaultPath": elsewhere.to_string_lossy() } }))
            .await;
        ensure!(direct.is_err(), "the webview opened a save dialog: {direct:?}");
        Ok(())
    })
    .await
}

#[tokio::test]
async fn a_second_start_brings_the_first_window_forward() -> Result<()> {
    with_app("second_instance", async |app: &App| {
        let binary = std::env::var("FLEETDESK_E2E_APP")?;
        let started = std::time::Instant::now();
        let status = tokio::task::spawn_blocking(move || {
            std::process::Command::new(binary)
                .args(["--data-dir", "/tmp/fleetdesk-second-instance"])
                .status()
        })
        .await??;
        ensure!(status.success(), "the second start ended with {status}");
        ensure!(
            started.elapsed() < Duration::from_secs(20),
            "the second start lingered"
        );
        // The first window is still the app, and it was asked to come forward.
        app.click_view("devices").await?;
        app.wait_for_heading("Devices").await?;
        let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
        loop {
            if app
                .log()?
                .contains("another start of Fleetdesk was redirected to this window")
            {
                break;
            }
            ensure!(
                tokio::time::Instant::now() < deadline,
                "the first window never heard of the second start"
            );
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        ensure!(
            !std::path::Path::new("/tmp/fleetdesk-second-instance/fleetdesk.sqlite3").exists(),
            "the second start opened a database of its own"
        );
        Ok(())
    })
    .await
}

#[tokio::test]
async fn a_damaged_database_is_set_aside_and_the_app_opens() -> Result<()> {
    let run_dir = std::path::PathBuf::from(std::env::var("FLEETDESK_E2E_RUN_DIR")?);
    let data_dir = run_dir.join("damaged-database");
    let _ = std::fs::remove_dir_all(&data_dir);
    std::fs::create_dir_all(&data_dir)?;
    std::fs::write(
        data_dir.join("fleetdesk.sqlite3"),
        b"SQLite format 3\0 but then the disk filled up halfway through a write",
    )?;
    let app = App::launch_with(data_dir.clone()).await?;
    let outcome = async {
        let banner = app
            .wait_for_text_containing("[data-testid='damaged-database-banner']", "set aside")
            .await?;
        ensure!(banner.contains("damaged"), "{banner}");
        app.screenshot("damaged-database").await?;
        // And the app works: the local playground's fleet is there.
        app.click_view("devices").await?;
        app.wait_for_text_containing("[data-testid='synced']", "devices")
            .await?;
        let aside = std::fs::read_dir(&data_dir)?
            .filter_map(|e| e.ok())
            .any(|e| e.file_name().to_string_lossy().contains(".damaged-"));
        ensure!(aside, "the damaged file is not kept aside");
        Ok::<(), anyhow::Error>(())
    }
    .await
    .context("the damaged-database start");
    let closed = app.close().await;
    outcome.and(closed)
}
