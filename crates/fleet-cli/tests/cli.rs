//! The real `fleetdesk` binary against the simulator on loopback, with the real OS keychain (the
//! Secret Service in the private D-Bus session `cargo xtask test` runs these in; ignored in a
//! plain `cargo test`, which has no session bus).
//!
//! What a merchant's IT does: add a profile with its key on stdin, fetch the fleet, list it by
//! two metadata chips and a store as JSON and CSV (checked against the simulator's own state),
//! plan a move, read the plan, apply it, and find the simulator changed and the activity log
//! written. A plan that would deregister devices it does not list is refused; so is a production
//! change without the account's name.

use std::collections::{BTreeSet, HashMap};
use std::path::Path;
use std::sync::Arc;

use assert_cmd::Command;
use fleet_core::audit::{ActivityFilter, Source};
use fleet_core::desk::Services;
use fleet_core::jobs::plan_file::PlanFile;
use ipp_sim::{MerchantConfig, Mode, Running, SeedSpec, SimConfig};
use kustom_ipp::Device;

fn ok<T, E: std::fmt::Display>(result: Result<T, E>) -> T {
    result.unwrap_or_else(|e| panic!("{e}"))
}

async fn sim(merchant: &str, mode: Mode, devices: usize) -> Running {
    let config = MerchantConfig::new(merchant, mode).seed(SeedSpec {
        devices,
        ..SeedSpec::default()
    });
    ok(ipp_sim::start(SimConfig::new(mode).merchants(vec![config])).await)
}

/// `fleetdesk --data-dir <dir> <args…>`.
fn fleetdesk(dir: &Path, args: &[&str]) -> Command {
    let mut command = ok(Command::cargo_bin("fleetdesk"));
    command.arg("--data-dir").arg(dir).args(args);
    command
}

/// Runs it (off the async threads: the simulator answers on them) and gives back the output.
async fn run(mut command: Command) -> std::process::Output {
    ok(ok(
        tokio::task::spawn_blocking(move || command.output()).await
    ))
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

async fn add_profile(dir: &Path, sim: &Running, merchant: &str, environment: &str) {
    let mut add = fleetdesk(
        dir,
        &[
            "profiles",
            "add",
            "--name",
            "Chain IT",
            "--environment",
            environment,
            "--merchant-id",
            merchant,
            "--base-url",
            &sim.base_url(),
            "--use",
        ],
    );
    add.write_stdin(sim.merchants()[0].api_key.clone());
    let added = run(add).await;
    assert!(added.status.success(), "{}", text(&added.stderr));
    // The key went to the keychain, and is never printed.
    let listed = run(fleetdesk(dir, &["profiles", "list"])).await;
    let shown = text(&listed.stdout);
    assert!(shown.contains("Chain IT") && shown.contains('•'), "{shown}");
    assert!(!shown.contains(&sim.merchants()[0].api_key));
}

fn ids(devices: &[Device]) -> BTreeSet<String> {
    devices.iter().map(|d| d.id.clone()).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs a Secret Service; run by `cargo xtask test` inside its D-Bus session"]
async fn a_profile_from_stdin_lists_plans_and_applies_a_move_like_the_app() {
    const MERCHANT: &str = "DM34000001";
    let sim = sim(MERCHANT, Mode::Playground, 400).await;
    let dir = ok(tempfile::tempdir());
    add_profile(dir.path(), &sim, MERCHANT, "playground").await;

    // Two chips and a store, as the simulator itself would answer them.
    let state = sim.inspect(|s| s.clone());
    let sample = state
        .devices
        .iter()
        .find(|d| d.location_id.is_some() && d.metadata.len() >= 2)
        .expect("a tagged device in a store")
        .clone();
    let chips: Vec<(String, String)> = sample
        .metadata
        .iter()
        .take(2)
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    let store = state
        .locations
        .iter()
        .find(|l| Some(&l.location.id) == sample.location_id.as_ref())
        .expect("its store")
        .location
        .clone();
    let expected: Vec<Device> = state
        .devices
        .iter()
        .filter(|d| d.location_id.as_ref() == Some(&store.id))
        .filter(|d| chips.iter().all(|(k, v)| d.metadata.get(k) == Some(v)))
        .cloned()
        .collect();
    assert!(!expected.is_empty());
    let meta: Vec<String> = chips.iter().map(|(k, v)| format!("{k}={v}")).collect();
    let filter = [
        "--meta",
        meta[0].as_str(),
        "--meta",
        meta[1].as_str(),
        "--store",
        store.name.as_str(),
    ];

    let mut args = vec!["devices", "list", "--sync", "--format", "json"];
    args.extend(filter);
    let listed = run(fleetdesk(dir.path(), &args)).await;
    assert!(listed.status.success(), "{}", text(&listed.stderr));
    let devices: Vec<Device> = ok(serde_json::from_slice(&listed.stdout));
    assert_eq!(ids(&devices), ids(&expected), "JSON");

    // NDJSON, filtered and whole: one device a line, the same devices as JSON in the same order,
    // and the whole fleet the simulator's.
    let mut args = vec!["devices", "list", "--format", "ndjson"];
    args.extend(filter);
    let lines = run(fleetdesk(dir.path(), &args)).await;
    assert!(lines.status.success(), "{}", text(&lines.stderr));
    let from_lines: Vec<Device> = text(&lines.stdout)
        .lines()
        .map(|line| ok(serde_json::from_str(line)))
        .collect();
    assert_eq!(from_lines, devices, "NDJSON, filtered");
    let whole = run(fleetdesk(
        dir.path(),
        &["devices", "list", "--format", "ndjson"],
    ))
    .await;
    assert!(whole.status.success(), "{}", text(&whole.stderr));
    let whole: Vec<Device> = text(&whole.stdout)
        .lines()
        .map(|line| ok(serde_json::from_str(line)))
        .collect();
    let everyone: BTreeSet<String> = state.devices.iter().map(|d| d.id.clone()).collect();
    assert_eq!(ids(&whole), everyone, "NDJSON, the whole fleet");
    assert_eq!(whole.len(), everyone.len(), "each device once");

    let mut args = vec!["devices", "list", "--format", "csv"];
    args.extend(filter);
    let csv = run(fleetdesk(dir.path(), &args)).await;
    let mut reader = csv::Reader::from_reader(csv.stdout.as_slice());
    let headers = ok(reader.headers()).clone();
    assert_eq!(&headers[0], "id");
    let key_column = format!("metadata.{}", chips[0].0);
    let key_at = headers
        .iter()
        .position(|h| h == key_column)
        .expect("a metadata column");
    let rows: Vec<csv::StringRecord> = reader.records().map(ok).collect();
    let csv_ids: BTreeSet<String> = rows.iter().map(|r| r[0].to_owned()).collect();
    assert_eq!(csv_ids, ids(&expected), "CSV");
    assert!(rows.iter().all(|r| r[key_at] == chips[0].1));
    assert!(
        rows.iter().all(|r| &r[5] == store.name.as_str()),
        "the store's name"
    );

    // Plan a move of that set: a file, and nothing changed.
    let target = state
        .locations
        .iter()
        .find(|l| l.location.id != store.id)
        .expect("another store")
        .location
        .clone();
    let plan_path = dir.path().join("move.json");
    let plan_arg = plan_path.to_string_lossy().into_owned();
    let mut args = vec![
        "devices",
        "move",
        "--to",
        target.name.as_str(),
        "--plan",
        plan_arg.as_str(),
    ];
    args.extend(filter);
    let planned = run(fleetdesk(dir.path(), &args)).await;
    assert!(planned.status.success(), "{}", text(&planned.stderr));
    let plan: PlanFile = ok(serde_json::from_slice(&ok(std::fs::read(&plan_path))));
    let planned_ids: BTreeSet<String> = plan.changes.iter().map(|c| c.device_id.clone()).collect();
    assert_eq!(planned_ids, ids(&expected));
    assert!(plan.deletions.is_empty());
    assert!(
        plan.changes
            .iter()
            .all(|c| c.before == store.name && c.after == target.name)
    );
    assert!(
        sim.inspect(|s| s.device_changes.is_empty()),
        "a plan changes nothing"
    );

    // Apply it: each device's result on stdout, the simulator changed once per device.
    let applied = run(fleetdesk(
        dir.path(),
        &["apply", plan_arg.as_str(), "--format", "ndjson"],
    ))
    .await;
    assert!(applied.status.success(), "{}", text(&applied.stderr));
    let results: Vec<serde_json::Value> = text(&applied.stdout)
        .lines()
        .map(|line| ok(serde_json::from_str(line)))
        .collect();
    assert_eq!(results.len(), expected.len());
    assert!(
        results.iter().all(|r| r["outcome"]["kind"] == "changed"),
        "{results:?}"
    );
    let now: HashMap<String, Option<String>> = sim.inspect(|s| {
        s.devices
            .iter()
            .map(|d| (d.id.clone(), d.location_id.clone()))
            .collect()
    });
    let changes = sim.inspect(|s| s.device_changes.clone());
    for device in &expected {
        assert_eq!(now[&device.id].as_deref(), Some(target.id.as_str()));
        assert_eq!(changes.get(&device.id), Some(&1));
    }
    assert_eq!(changes.len(), expected.len(), "nothing else changed");

    // The activity log: each move, from the command line, with its job.
    let store_mock = ok(keyring_core::mock::Store::new());
    keyring_core::set_default_store(store_mock as Arc<keyring_core::CredentialStore>);
    let desk = ok(fleet_core::Desk::builder(dir.path())
        .services(Services::NONE)
        .open()
        .await);
    let log = ok(desk
        .activity_log(
            &ActivityFilter {
                kind: Some("device.move".into()),
                ..ActivityFilter::default()
            },
            None,
            1000,
        )
        .await);
    assert_eq!(log.entries.len(), expected.len());
    assert!(
        log.entries
            .iter()
            .all(|e| e.source == Source::Cli && e.job_id.is_some())
    );
    desk.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs a Secret Service; run by `cargo xtask test` inside its D-Bus session"]
async fn a_deregistration_the_plan_does_not_list_and_an_unconfirmed_production_change_are_refused()
{
    const MERCHANT: &str = "DM34000002";
    let sim = sim(MERCHANT, Mode::Production, 20).await;
    let dir = ok(tempfile::tempdir());
    add_profile(dir.path(), &sim, MERCHANT, "production").await;
    let synced = run(fleetdesk(
        dir.path(),
        &["devices", "list", "--sync", "--format", "ndjson"],
    ))
    .await;
    assert!(synced.status.success(), "{}", text(&synced.stderr));
    let victim = sim.inspect(|s| s.devices[0].clone());
    let plan_path = dir.path().join("plan.json");
    let plan_arg = plan_path.to_string_lossy().into_owned();

    // A metadata plan whose action is swapped for a deregistration: refused, nothing sent.
    let planned = run(fleetdesk(
        dir.path(),
        &[
            "devices",
            "set-metadata",
            "--key",
            "audit",
            "--value",
            "2026",
            "--text",
            &victim.id,
            "--plan",
            &plan_arg,
        ],
    ))
    .await;
    assert!(planned.status.success(), "{}", text(&planned.stderr));
    let mut plan: serde_json::Value = ok(serde_json::from_slice(&ok(std::fs::read(&plan_path))));
    plan["action"] = serde_json::json!({ "kind": "deregister" });
    ok(std::fs::write(&plan_path, ok(serde_json::to_vec(&plan))));
    let refused = run(fleetdesk(
        dir.path(),
        &["--json", "apply", &plan_arg, "--confirm", "Chain IT"],
    ))
    .await;
    assert_eq!(refused.status.code(), Some(3), "{}", text(&refused.stderr));
    let error: serde_json::Value = ok(serde_json::from_slice(&refused.stderr));
    assert_eq!(error["code"], "CONFIRMATION_REQUIRED");
    assert!(sim.inspect(|s| s.devices.iter().any(|d| d.id == victim.id)));

    // A real deregistration plan lists the device by name; without the account's name
    // (no terminal to ask) or with another, production refuses; with it, it runs.
    let planned = run(fleetdesk(
        dir.path(),
        &[
            "devices",
            "deregister",
            "--text",
            &victim.id,
            "--plan",
            &plan_arg,
        ],
    ))
    .await;
    assert!(planned.status.success(), "{}", text(&planned.stderr));
    let plan: PlanFile = ok(serde_json::from_slice(&ok(std::fs::read(&plan_path))));
    assert_eq!(plan.deletions.len(), 1);
    assert_eq!(plan.deletions[0].name, victim.name);
    assert!(plan.production);
    for confirm in [None, Some("Another account")] {
        let mut args = vec!["apply", plan_arg.as_str()];
        if let Some(name) = confirm {
            args.extend(["--confirm", name]);
        }
        let refused = run(fleetdesk(dir.path(), &args)).await;
        assert_eq!(refused.status.code(), Some(3), "{}", text(&refused.stderr));
        assert!(
            text(&refused.stderr).contains("PRODUCTION"),
            "{}",
            text(&refused.stderr)
        );
        assert!(sim.inspect(|s| s.devices.iter().any(|d| d.id == victim.id)));
    }
    let done = run(fleetdesk(
        dir.path(),
        &["apply", &plan_arg, "--confirm", "Chain IT"],
    ))
    .await;
    assert!(done.status.success(), "{}", text(&done.stderr));
    assert!(!sim.inspect(|s| s.devices.iter().any(|d| d.id == victim.id)));
}

/// Usage errors are exit code 2 with the app's words; a bad filter never reaches Kustom.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs a Secret Service; run by `cargo xtask test` inside its D-Bus session"]
async fn wrong_usage_is_exit_code_2_with_a_reason() {
    let dir = ok(tempfile::tempdir());
    let bad = run(fleetdesk(
        dir.path(),
        &["--json", "devices", "list", "--meta", "region"],
    ))
    .await;
    assert_eq!(bad.status.code(), Some(2));
    let error: serde_json::Value = ok(serde_json::from_slice(&bad.stderr));
    assert_eq!(error["code"], "VALIDATION");
    assert!(
        error["message"]
            .as_str()
            .is_some_and(|m| m.contains("key=value"))
    );
    let unknown = run(fleetdesk(dir.path(), &["devices", "fly"])).await;
    assert_eq!(unknown.status.code(), Some(2));
}
