//! An edit changes the fleet's index in place. Alone in its test binary: it counts the indexes
//! the process builds, which another test running beside it would change.

mod common;

use fleet_core::Desk;
use fleet_core::fleet::edits::DeviceChange;
use fleet_core::fleet::index::{FleetIndex, FleetQuery, Sort, SortColumn};
use fleet_core::profiles::{Environment, ProfileInput};
use ipp_sim::{MerchantConfig, Mode, SeedSpec, SimConfig};

/// An edit changes the fleet's index in place (one device out, one in): renaming, moving and
/// deregistering a device after a sync build no index, and every query sees the change at once.
#[tokio::test]
async fn an_edit_changes_the_index_in_place_without_building_it_again() {
    common::use_mock_keychain();
    let merchant = MerchantConfig::new("DM40400002", Mode::Playground).seed(SeedSpec {
        devices: 60,
        ..SeedSpec::default()
    });
    let sim = ipp_sim::start(SimConfig::new(Mode::Playground).merchants(vec![merchant]))
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let key = sim.merchants()[0].api_key.clone();
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let desk = Desk::open(dir.path(), Ok(()))
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let profile = desk
        .create_profile(&ProfileInput {
            name: "Lab".into(),
            environment: Environment::KustomPlayground,
            custom_host: true,
            base_url: Some(sim.base_url()),
            merchant_id: "DM40400002".into(),
        })
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    desk.store_api_key(&profile.id, &key, false)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    desk.switch_profile(&profile.id)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    desk.sync_fleet(|_| {})
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let builds = FleetIndex::built_so_far();
    assert!(builds >= 1, "the sync built the index");

    let sort = Sort {
        column: SortColumn::Name,
        descending: false,
    };
    let find = |text: &str| FleetQuery {
        text: text.to_owned(),
        ..FleetQuery::all()
    };
    let all = desk
        .find_devices(&FleetQuery::all(), sort, 0, 500)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let (first, second) = (all.rows[0].device.clone(), all.rows[1].device.clone());
    desk.change_device(
        &first.id,
        &DeviceChange::Rename {
            name: "Ängelholm kassa 1".into(),
        },
    )
    .await
    .unwrap_or_else(|e| panic!("{e}"));
    let renamed = desk
        .find_devices(&find("ängelholm"), sort, 0, 50)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(renamed.total, 1);
    assert_eq!(renamed.rows[0].device.id, first.id);
    let by_old_name = desk
        .find_devices(&find(&first.name), sort, 0, 50)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(by_old_name.rows.iter().all(|row| row.device.id != first.id));
    // Å, Ä, Ö sort after Z: the renamed device is now last by name.
    let reordered = desk
        .find_devices(&FleetQuery::all(), sort, 0, 500)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(reordered.total, 60);
    assert_eq!(
        reordered.rows.last().map(|row| row.device.id.clone()),
        Some(first.id.clone())
    );

    desk.deregister_device(&second.id)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let after = desk
        .fleet_overview()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(after.total, 59);
    assert_eq!(
        FleetIndex::built_so_far(),
        builds,
        "an edit built the index again"
    );
    sim.shutdown().await;
}
