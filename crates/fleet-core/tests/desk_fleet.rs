//! The fleet through `Desk`: sync into the cache, find, and read-only offline mode when the API
//! goes away — the cached fleet stays readable, and changes are refused with a clear error.

mod common;

use fleet_core::desk::{DeviceSelection, JobTargets};
use fleet_core::fleet::edits::{BulkAction, DeviceChange};
use fleet_core::fleet::index::{FleetQuery, Sort, SortColumn};
use fleet_core::profiles::{Environment, ProfileInput};
use fleet_core::{AppError, Desk};
use ipp_sim::{MerchantConfig, Mode, SeedSpec, SimConfig};

#[tokio::test]
async fn the_cached_fleet_stays_readable_and_read_only_when_the_api_is_gone() {
    common::use_mock_keychain();
    let merchant = MerchantConfig::new("DM40400001", Mode::Playground).seed(SeedSpec {
        devices: 120,
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
            merchant_id: "DM40400001".into(),
        })
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    desk.store_api_key(&profile.id, &key, false)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    desk.switch_profile(&profile.id)
        .await
        .unwrap_or_else(|e| panic!("{e}"));

    let mut pages = Vec::new();
    let info = desk
        .sync_fleet(|p| pages.push(p))
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(info.device_count, 120);
    assert_eq!(pages.last().map(|p| p.pages_total), Some(2));
    let sort = Sort {
        column: SortColumn::Name,
        descending: false,
    };
    let all = desk
        .find_devices(&FleetQuery::all(), sort, 0, 500)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(all.total, 120);
    let overview = desk
        .fleet_overview()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(overview.online && overview.locations.iter().map(|l| l.count).sum::<u32>() == 120);

    // The API goes away.
    sim.shutdown().await;
    let failed = desk.sync_fleet(|_| {}).await;
    assert!(
        matches!(failed, Err(AppError::Offline { .. })),
        "{failed:?}"
    );
    let overview = desk
        .fleet_overview()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(!overview.online, "offline after a failed sync");
    assert_eq!(
        overview.sync.map(|s| s.device_count),
        Some(120),
        "the last sync is still known"
    );
    let cached = desk
        .find_devices(&FleetQuery::all(), sort, 0, 500)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(cached.total, 120, "the cached fleet is readable");
    let device = &cached.rows[0].device;
    let refused = desk
        .change_device(&device.id, &DeviceChange::Rename { name: "x".into() })
        .await;
    assert!(
        matches!(&refused, Err(AppError::Offline { message }) if message.contains("read-only")),
        "{refused:?}"
    );
    let plan = desk
        .plan_job(
            &BulkAction::Deregister,
            &JobTargets::Selection {
                selection: DeviceSelection::Ids {
                    ids: vec![device.id.clone()],
                },
            },
        )
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let job = desk.start_job(&plan.plan_id).await;
    assert!(matches!(job, Err(AppError::Offline { .. })), "{job:?}");

    // A restart still opens the cached fleet.
    desk.shutdown().await;
    drop(desk);
    let reopened = Desk::open(dir.path(), Ok(()))
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let again = reopened
        .find_devices(&FleetQuery::all(), sort, 0, 10)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(again.total, 120);
    reopened.shutdown().await;
}

/// The untrusted-page issue, item 4: a server cannot make the cache huge. A device whose name is
/// past Fleetdesk's limit fails the sync with an error naming the limit, and the fleet cached
/// before stays as it was.
#[tokio::test]
async fn a_device_past_the_limits_fails_the_sync_and_keeps_the_cached_fleet() {
    common::use_mock_keychain();
    let merchant = MerchantConfig::new("DM40400003", Mode::Playground).seed(SeedSpec {
        devices: 30,
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
            merchant_id: "DM40400003".into(),
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

    // The server now sends a device with a megabyte for a name.
    let mut huge = sim
        .inspect(|state| state.devices.first().cloned())
        .unwrap_or_else(|| panic!("a seeded device"));
    huge.id = "ffffffff-0000-4000-8000-000000000001".into();
    huge.name = "x".repeat(1 << 20);
    sim.state_handle().lock().insert_device(huge, None);
    let refused = desk.sync_fleet(|_| {}).await;
    assert!(
        matches!(&refused, Err(AppError::Server { message }) if message.contains("at most 500")),
        "{refused:?}"
    );
    let overview = desk
        .fleet_overview()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(overview.total, 30, "the fleet cached before stays");
    // The refused sync's pages are deleted by its writer thread as it stops.
    let started = std::time::Instant::now();
    loop {
        let rows: i64 = desk
            .store()
            .with(|conn| conn.query_row("SELECT COUNT(*) FROM fleet_pages", [], |r| r.get(0)))
            .unwrap_or_else(|e| panic!("{e}"));
        if rows == 1 {
            break;
        }
        assert!(
            started.elapsed() < std::time::Duration::from_secs(5),
            "{rows} pages stayed"
        );
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    sim.shutdown().await;
}
