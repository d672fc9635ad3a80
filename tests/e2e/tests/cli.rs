//! The window and the command line on one data folder at the same time: while the app is open,
//! `fleetdesk apply` moves one store's devices and the app runs a job of its own over another
//! store and renames a device. Nothing is lost: every change is made and logged once, each job
//! keeps to its own runner, and the activity log's chain still holds.

use std::collections::HashMap;
use std::path::PathBuf;
use std::time::Duration;

use anyhow::{Context, Result, ensure};
use fantoccini::Locator;
use fleet_core::audit::AuditLog;
use fleet_core::storage::Store;
use fleetdesk_e2e::{App, eventually};
use ipp_sim::{MerchantConfig, Mode, SeedSpec, SimConfig};
use serde_json::json;

const MERCHANT: &str = "DM34000009";

fn cli() -> Result<PathBuf> {
    std::env::var_os("FLEETDESK_E2E_CLI")
        .map(PathBuf::from)
        .context("FLEETDESK_E2E_CLI is not set: run the end-to-end suite with `cargo xtask e2e`")
}

#[tokio::test]
async fn the_app_and_the_command_line_on_one_data_folder_lose_nothing() -> Result<()> {
    let merchant = MerchantConfig::new(MERCHANT, Mode::Playground).seed(SeedSpec {
        devices: 120,
        ..SeedSpec::default()
    });
    let sim = ipp_sim::start(SimConfig::new(Mode::Playground).merchants(vec![merchant])).await?;
    let key = sim.merchants()[0].api_key.clone();
    // Two stores' devices: one moved by the command line, one tagged by the app.
    let (by_store, stores) = sim.inspect(|s| {
        let mut by_store: HashMap<String, Vec<String>> = HashMap::new();
        for device in &s.devices {
            if let Some(store) = &device.location_id {
                by_store
                    .entry(store.clone())
                    .or_default()
                    .push(device.id.clone());
            }
        }
        let names: HashMap<String, String> = s
            .locations
            .iter()
            .map(|l| (l.location.id.clone(), l.location.name.clone()))
            .collect();
        (by_store, names)
    });
    let mut busiest: Vec<(&String, &Vec<String>)> = by_store.iter().collect();
    busiest.sort_by_key(|(_, ids)| std::cmp::Reverse(ids.len()));
    let (cli_store, cli_devices) = busiest[0];
    let (app_store, app_devices) = busiest[1];
    let target = stores
        .keys()
        .find(|id| *id != cli_store && *id != app_store)
        .context("a third store")?
        .clone();
    let renamed = app_devices[0].clone();

    let app = App::launch().await?;
    let data_dir = app.data_dir().to_path_buf();
    let outcome = async {
        app.use_simulator_profile("Chain", &sim.base_url(), MERCHANT, &key)
            .await?;
        app.click_view("devices").await?;
        app.wait_for_text_containing("[data-testid='synced']", "120 devices")
            .await?;
        let plan = data_dir.join("move.json");
        let fleetdesk = |args: &[&str]| {
            let mut command = tokio::process::Command::new(cli()?);
            command.arg("--data-dir").arg(&data_dir).args(args);
            Ok::<_, anyhow::Error>(command)
        };
        let planned = fleetdesk(&[
            "devices",
            "move",
            "--to",
            &stores[&target],
            "--store",
            &stores[cli_store],
            "--plan",
            &plan.to_string_lossy(),
        ])?
        .output()
        .await?;
        ensure!(planned.status.success(), "{}", String::from_utf8_lossy(&planned.stderr));

        // At once: the command line applies its plan; the app runs its own job and renames.
        let applying = fleetdesk(&["apply", &plan.to_string_lossy(), "--format", "json"])?.output();
        let app = &app;
        let in_the_app = async {
            let planned = app
                .invoke(
                    "plan_job",
                    json!({ "action": { "kind": "set_metadata", "key": "audited", "value": "yes" },
                            "targets": { "kind": "selection", "selection": { "kind": "ids", "ids": app_devices } } }),
                )
                .await?;
            app.invoke("start_job", json!({ "planId": planned["plan_id"] })).await?;
            app.invoke(
                "change_device",
                json!({ "deviceId": renamed, "change": { "kind": "rename", "name": "Kassa Audit" } }),
            )
            .await?;
            Ok::<_, anyhow::Error>(())
        };
        let (applied, app_side) = tokio::join!(applying, in_the_app);
        app_side?;
        let applied = applied?;
        ensure!(applied.status.success(), "{}", String::from_utf8_lossy(&applied.stderr));
        let results: Vec<serde_json::Value> = serde_json::from_slice(&applied.stdout)?;
        ensure!(results.len() == cli_devices.len(), "{} results", results.len());

        // The app's job finishes; both jobs are in its Jobs view.
        eventually("the app's job", Duration::from_secs(60), async || {
            let jobs = app.invoke("list_jobs", json!({})).await?;
            let jobs = jobs.as_array().cloned().unwrap_or_default();
            Ok((jobs.len() == 2 && jobs.iter().all(|j| j["job"]["state"] == "finished")).then_some(()))
        })
        .await?;
        app.click_view("jobs").await?;
        app.wait_for(Locator::Css("[data-testid='job-item'][data-state='finished']"))
            .await?;
        app.screenshot("jobs-app-and-cli").await?;
        Ok::<_, anyhow::Error>(())
    }
    .await;
    if outcome.is_err() {
        let _ = app.screenshot("failed-cli-beside-the-app").await;
    }
    app.close().await?;
    outcome?;

    // Every change made once, where it was asked.
    let (devices, changes) = sim.inspect(|s| (s.devices.clone(), s.device_changes.clone()));
    let at: HashMap<&str, &kustom_ipp::Device> =
        devices.iter().map(|d| (d.id.as_str(), d)).collect();
    for id in cli_devices {
        ensure!(
            at[id.as_str()].location_id.as_deref() == Some(target.as_str()),
            "{id} not moved"
        );
        ensure!(
            changes.get(id) == Some(&1),
            "{id} changed {:?} times",
            changes.get(id)
        );
    }
    for id in app_devices {
        ensure!(at[id.as_str()].metadata.get("audited").map(String::as_str) == Some("yes"));
    }
    ensure!(at[renamed.as_str()].name == "Kassa Audit");

    // The log: each change once, from where it was made, the chain whole.
    let (store, _) = Store::open(&data_dir.join("fleetdesk.sqlite3"))?;
    let log = AuditLog::new(store);
    let report = log.verify()?;
    ensure!(report.first_broken.is_none(), "the chain broke: {report:?}");
    let entries = log.recent(10_000)?;
    let count = |action: &str, source: &str| {
        entries
            .iter()
            .filter(|e| e.action == action && e.source.as_str() == source)
            .count()
    };
    ensure!(
        count("device.move", "cli") == cli_devices.len(),
        "{} moves from the command line",
        count("device.move", "cli")
    );
    ensure!(
        count("device.metadata", "app") == app_devices.len(),
        "{} tags from the app",
        count("device.metadata", "app")
    );
    ensure!(count("device.rename", "app") == 1);
    sim.shutdown().await;
    Ok(())
}
