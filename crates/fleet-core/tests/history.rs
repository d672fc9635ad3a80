//! Every device has a history: changes made from Fleetdesk (one at a time and in bulk) and
//! changes made elsewhere that a sync saw, on the device's own timeline with who and old → new; a
//! device gone from Kustom shows "disappeared"; a phone enrolled again is linked to its earlier
//! history; the log's chain catches an entry edited behind Fleetdesk's back at the next start.

mod common;

use fleet_core::Desk;
use fleet_core::audit::{ActivityFilter, Source};
use fleet_core::desk::{DeviceSelection, JobTargets, Services};
use fleet_core::fleet::edits::{BulkAction, DeviceChange};
use fleet_core::history::last_activity::ActivitySource;
use fleet_core::history::timeline::{DeviceHistory, HistoryEvent};
use fleet_core::profiles::{Environment, ProfileInput};
use ipp_sim::{MerchantConfig, Mode, Running, SeedSpec, SimConfig};
use kustom_ipp::{
    Client, ClientConfig, Credentials, DeviceQuery, PageRequest, Platform, RegisterDevice, Secret,
    UpdateDevice,
};

const MERCHANT: &str = "DM32000001";

fn ok<T, E: std::fmt::Display>(result: Result<T, E>) -> T {
    result.unwrap_or_else(|e| panic!("{e}"))
}

async fn sim() -> Running {
    let merchant = MerchantConfig::new(MERCHANT, Mode::Playground).seed(SeedSpec {
        devices: 12,
        ..SeedSpec::default()
    });
    ok(ipp_sim::start(SimConfig::new(Mode::Playground).merchants(vec![merchant])).await)
}

async fn desk_on(sim: &Running, dir: &std::path::Path, services: Services) -> Desk {
    common::use_mock_keychain();
    let desk = ok(Desk::builder(dir).services(services).open().await);
    let profile = ok(desk
        .create_profile(&ProfileInput {
            name: "Chain".into(),
            environment: Environment::KustomPlayground,
            custom_host: true,
            base_url: Some(sim.base_url()),
            merchant_id: MERCHANT.into(),
        })
        .await);
    ok(desk
        .store_api_key(&profile.id, &sim.merchants()[0].api_key, false)
        .await);
    ok(desk.switch_profile(&profile.id).await);
    desk
}

/// The merchant's own client, for changes made outside Fleetdesk.
fn elsewhere(sim: &Running) -> Client {
    ok(Client::new(
        ok(ClientConfig::new(
            &sim.base_url(),
            Credentials::ApiKey(Secret::new(sim.merchants()[0].api_key.clone())),
        ))
        .merchant_id(MERCHANT),
    ))
}

/// The log entries of a history, as (action, source, old, new).
fn changes(history: &DeviceHistory) -> Vec<(String, Source, Option<String>, Option<String>)> {
    history
        .entries
        .iter()
        .filter_map(|e| match &e.event {
            HistoryEvent::Activity { entry } => Some((
                entry.action.clone(),
                entry.source,
                entry.old_value.clone(),
                entry.new_value.clone(),
            )),
            _ => None,
        })
        .collect()
}

#[tokio::test]
async fn changes_from_fleetdesk_and_from_elsewhere_are_on_the_devices_timeline() {
    let sim = sim().await;
    let dir = ok(tempfile::tempdir());
    let desk = desk_on(&sim, dir.path(), Services::NONE).await;
    ok(desk.sync_fleet(|_| {}).await);
    let devices = ok(elsewhere(&sim)
        .list_devices(&DeviceQuery::default(), PageRequest::new(0, 100))
        .await)
    .content;
    let (a, b, c) = (&devices[0], &devices[1], &devices[2]);
    // Two stores neither `a` nor `b` is in, so every move changes something.
    let elsewhere_than =
        |id: &String| a.location_id.as_ref() != Some(id) && b.location_id.as_ref() != Some(id);
    let stores: Vec<String> = ok(desk.list_locations().await)
        .into_iter()
        .map(|l| l.id)
        .filter(elsewhere_than)
        .collect();
    let (first, second) = (stores[0].clone(), stores[1].clone());

    // From Fleetdesk: a rename and a move of `a`, then a bulk move of `a` and `b`.
    ok(desk
        .change_device(
            &a.id,
            &DeviceChange::Rename {
                name: "Kassa 1".into(),
            },
        )
        .await);
    ok(desk
        .change_device(
            &a.id,
            &DeviceChange::Move {
                location_id: Some(first.clone()),
            },
        )
        .await);
    let plan = ok(desk
        .plan_job(
            &BulkAction::AssignLocation {
                location_id: Some(second.clone()),
            },
            &JobTargets::Selection {
                selection: DeviceSelection::Ids {
                    ids: vec![a.id.clone(), b.id.clone()],
                },
            },
        )
        .await);
    let job = ok(desk.start_job(&plan.plan_id).await);
    ok(desk.run_job(&job.id).await);

    // Elsewhere: `c` renamed on Kustom's side, `b` deleted there. The next sync sees both.
    let mut renamed = UpdateDevice::from_device(c);
    renamed.name = "Renamed in the Portal".into();
    ok(elsewhere(&sim).update_device(&c.id, &renamed).await);
    ok(elsewhere(&sim).delete_device(&b.id).await);
    ok(desk.sync_fleet(|_| {}).await);

    let history_a = ok(desk.device_history(&a.id, 0, 100).await);
    let user = fleet_core::audit::os_user();
    assert_eq!(
        changes(&history_a),
        [
            (
                "device.move".into(),
                Source::App,
                Some(first.clone()),
                Some(second.clone())
            ),
            (
                "device.move".into(),
                Source::App,
                a.location_id.clone(),
                Some(first.clone())
            ),
            (
                "device.rename".into(),
                Source::App,
                Some(a.name.clone()),
                Some("Kassa 1".into())
            ),
        ],
        "newest first, each with old → new"
    );
    let bulk_entry = history_a.entries.iter().find_map(|e| match &e.event {
        HistoryEvent::Activity { entry } if entry.action == "device.move" => Some(entry.clone()),
        _ => None,
    });
    assert_eq!(bulk_entry.map(|e| e.os_user), Some(user));
    assert!(matches!(
        history_a.entries.last().map(|e| &e.event),
        Some(HistoryEvent::Enrolled { .. })
    ));

    let history_c = ok(desk.device_history(&c.id, 0, 100).await);
    assert_eq!(
        changes(&history_c),
        [(
            "sync.device_renamed".into(),
            Source::Sync,
            Some(c.name.clone()),
            Some("Renamed in the Portal".into())
        )]
    );

    // `b` is gone from the fleet; the log has it disappear.
    let disappeared = ok(desk
        .activity_log(
            &ActivityFilter {
                device_id: Some(b.id.clone()),
                ..ActivityFilter::default()
            },
            None,
            50,
        )
        .await);
    let actions: Vec<&str> = disappeared
        .entries
        .iter()
        .map(|e| e.action.as_str())
        .collect();
    assert_eq!(actions, ["sync.device_disappeared", "device.move"]);

    // Last activity: a change for `a`, the pairing for an untouched device.
    let page = ok(desk
        .find_devices(
            &fleet_core::fleet::index::FleetQuery::all(),
            fleet_core::fleet::index::Sort {
                column: fleet_core::fleet::index::SortColumn::LastActivity,
                descending: true,
            },
            0,
            500,
        )
        .await);
    assert_eq!(page.rows[0].last_activity.source, ActivitySource::Change);
    let untouched = page.rows.iter().find(|r| r.device.id == devices[5].id);
    assert_eq!(
        untouched.map(|r| r.last_activity.source),
        Some(ActivitySource::Paired)
    );
    sim.shutdown().await;
}

#[tokio::test]
async fn a_phone_enrolled_again_shows_its_earlier_history_and_an_edited_entry_is_caught_at_start() {
    let sim = sim().await;
    let dir = ok(tempfile::tempdir());
    let desk = desk_on(&sim, dir.path(), Services::NONE).await;
    ok(desk.sync_fleet(|_| {}).await);
    let old = ok(elsewhere(&sim)
        .list_devices(&DeviceQuery::default(), PageRequest::new(0, 100))
        .await)
    .content
    .remove(0);
    ok(desk
        .change_device(
            &old.id,
            &DeviceChange::Rename {
                name: "Old till".into(),
            },
        )
        .await);
    ok(desk.deregister_device(&old.id).await);

    // The same phone (same hardware id) pairs again with a new code.
    let code = ok(elsewhere(&sim)
        .create_enrollment(&kustom_ipp::CreateEnrollment {
            location_id: old.location_id.clone(),
            ..Default::default()
        })
        .await);
    let phone = ok(Client::new(ok(ClientConfig::new(
        &sim.base_url(),
        Credentials::ApiKey(Secret::new("kco_test_api_unused".to_owned())),
    ))));
    let again = ok(phone
        .register_device(&RegisterDevice {
            enrollment_code: code.enrollment_code.as_str().to_owned(),
            hardware_id: old.hardware_id.clone(),
            platform: Platform::Ios,
            name: Some("New till".into()),
        })
        .await)
    .device;
    ok(desk.sync_fleet(|_| {}).await);
    let history = ok(desk.device_history(&again.id, 0, 100).await);
    assert_eq!(history.linked_device_ids, std::slice::from_ref(&old.id));
    let earlier: Vec<&str> = history
        .entries
        .iter()
        .filter(|e| e.device_id == old.id)
        .filter_map(|e| match &e.event {
            HistoryEvent::Activity { entry } => Some(entry.action.as_str()),
            _ => None,
        })
        .collect();
    assert_eq!(earlier, ["device.deregister", "device.rename"]);

    // The log checks out, until one entry is edited in SQLite behind Fleetdesk's back.
    let clean = ok(desk.check_chain().await);
    assert!(
        clean.first_broken.is_none() && clean.checked >= 3,
        "{clean:?}"
    );
    drop(desk);
    let database = dir.path().join("fleetdesk.sqlite3");
    let edited = ok(rusqlite::Connection::open(&database)).execute(
        "UPDATE audit_log SET new_value = 'Someone else' WHERE action = 'device.rename'",
        [],
    );
    assert_eq!(edited.ok(), Some(1));
    // At the next start the check runs by itself, after the first view.
    let services = Services {
        pruner: true,
        ..Services::NONE
    };
    let desk = ok(Desk::builder(dir.path()).services(services).open().await);
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(20);
    let report = loop {
        if let Some(report) = desk.chain_status() {
            break report;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "the chain was not checked"
        );
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    };
    let broken = report
        .first_broken
        .unwrap_or_else(|| panic!("the edit went unnoticed"));
    assert_eq!(broken.action, "device.rename");
    sim.shutdown().await;
}

/// A device read fresh (its drawer opened) after it was renamed in the Portal: the rename is
/// logged as seen outside Fleetdesk then, once, and the next sync does not log it again.
#[tokio::test]
async fn an_outside_change_read_fresh_before_the_sync_is_still_in_the_history() {
    let sim = sim().await;
    let dir = ok(tempfile::tempdir());
    let desk = desk_on(&sim, dir.path(), Services::NONE).await;
    ok(desk.sync_fleet(|_| {}).await);
    let device = ok(elsewhere(&sim)
        .list_devices(&DeviceQuery::default(), PageRequest::new(0, 1))
        .await)
    .content
    .remove(0);
    let mut renamed = UpdateDevice::from_device(&device);
    renamed.name = "Kassa 1 (Portal)".into();
    ok(elsewhere(&sim).update_device(&device.id, &renamed).await);

    let fresh = ok(desk.device_detail(&device.id).await);
    assert_eq!(fresh.device.name, "Kassa 1 (Portal)");
    ok(desk.sync_fleet(|_| {}).await);
    let history = ok(desk.device_history(&device.id, 0, 100).await);
    assert_eq!(
        changes(&history),
        [(
            "sync.device_renamed".into(),
            Source::Sync,
            Some(device.name.clone()),
            Some("Kassa 1 (Portal)".into())
        )]
    );
}
