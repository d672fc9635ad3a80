//! The untrusted-page issue, items 5 and 8: what a page (or a double click) can start twice at
//! once happens once. Two syncs of one profile join into one; an edit made while a sync runs is
//! not undone by it; a dry run or a rollout preview is used once however many calls race for it;
//! a rollout is not reconciled while it runs.

mod common;

use std::sync::Arc;
use std::time::Duration;

use fleet_core::desk::{DeviceSelection, JobTargets};
use fleet_core::enrollments::codes::ExpiryPreset;
use fleet_core::fleet::edits::BulkAction;
use fleet_core::fleet::index::{FleetQuery, Sort, SortColumn};
use fleet_core::profiles::{Environment, ProfileInput};
use fleet_core::{AppError, Desk};
use ipp_sim::{FaultConfig, MerchantConfig, Mode, Running, SeedSpec, SimConfig};

const MERCHANT: &str = "DM50500001";

/// The keychain store is process-global: each test installs its own mock under this lock.
static KEYCHAIN: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

async fn desk_on(sim: &Running, dir: &std::path::Path) -> Desk {
    let desk = Desk::open(dir, Ok(()))
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let profile = desk
        .create_profile(&ProfileInput {
            name: "Lab".into(),
            environment: Environment::KustomPlayground,
            custom_host: true,
            base_url: Some(sim.base_url()),
            merchant_id: MERCHANT.into(),
        })
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    desk.store_api_key(&profile.id, &sim.merchants()[0].api_key, false)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    desk.switch_profile(&profile.id)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    desk
}

async fn sim(devices: usize, latency: Duration) -> Running {
    let merchant = MerchantConfig::new(MERCHANT, Mode::Playground).seed(SeedSpec {
        devices,
        ..SeedSpec::default()
    });
    ipp_sim::start(
        SimConfig::new(Mode::Playground)
            .merchants(vec![merchant])
            .faults(FaultConfig {
                latency,
                ..FaultConfig::default()
            }),
    )
    .await
    .unwrap_or_else(|e| panic!("{e}"))
}

const BY_NAME: Sort = Sort {
    column: SortColumn::Name,
    descending: false,
};

#[tokio::test]
async fn two_syncs_of_one_profile_join_and_an_edit_made_meanwhile_stays() {
    let _keychain = KEYCHAIN.lock().await;
    common::use_mock_keychain();
    let sim = sim(3_000, Duration::from_millis(40)).await;
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let desk = Arc::new(desk_on(&sim, dir.path()).await);

    // Two syncs asked for at once: one runs, the other joins it (same result, progress too).
    let (first, second) = {
        let (a, b) = (desk.clone(), desk.clone());
        let joined_pages = Arc::new(parking_lot::Mutex::new(0u32));
        let counted = joined_pages.clone();
        let results = tokio::join!(async move { a.sync_fleet(|_| {}).await }, async move {
            tokio::time::sleep(Duration::from_millis(20)).await;
            b.sync_fleet(|_| *counted.lock() += 1).await
        });
        assert!(
            *joined_pages.lock() > 0,
            "the joined request saw no progress"
        );
        results
    };
    let (first, second) = (
        first.unwrap_or_else(|e| panic!("{e}")),
        second.unwrap_or_else(|e| panic!("{e}")),
    );
    assert_eq!(first, second, "the second request joined the first sync");
    let generations: i64 = desk
        .store()
        .with(|conn| {
            conn.query_row(
                "SELECT COUNT(DISTINCT generation) FROM fleet_pages",
                [],
                |r| r.get(0),
            )
        })
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(generations <= 2, "{generations} generations of pages");

    // A device of the first page is deregistered while the next sync runs: it must not come
    // back with the page the sync read before the deregistration.
    let first_page = sim.inspect(|state| state.devices[0].clone());
    let syncing = {
        let desk = desk.clone();
        tokio::spawn(async move { desk.sync_fleet(|_| {}).await })
    };
    tokio::time::sleep(Duration::from_millis(120)).await;
    desk.deregister_device(&first_page.id)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(
        !syncing.is_finished(),
        "the sync ended before the edit: the test proves nothing"
    );
    syncing
        .await
        .unwrap_or_else(|e| panic!("{e}"))
        .unwrap_or_else(|e| panic!("{e}"));
    let found = desk
        .find_devices(
            &FleetQuery {
                text: first_page.id.clone(),
                ..FleetQuery::all()
            },
            BY_NAME,
            0,
            10,
        )
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(found.total, 0, "the deregistered device came back");
    // (A list read by offset while a device leaves it may skip one at a page boundary: the next
    // sync sees it. What matters here is that the deregistered one is gone.)
    let total = desk
        .fleet_overview()
        .await
        .unwrap_or_else(|e| panic!("{e}"))
        .total;
    assert!((2_997..=2_999).contains(&total), "{total}");
    // After a restart too (the cache, not only the index).
    desk.shutdown().await;
    drop(desk);
    let reopened = Desk::open(dir.path(), Ok(()))
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let again = reopened
        .find_devices(&FleetQuery::all(), BY_NAME, 0, 1)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(again.total, total);
    reopened.shutdown().await;
    sim.shutdown().await;
}

#[tokio::test]
async fn a_dry_run_and_a_rollout_preview_are_used_once_and_a_running_rollout_is_not_reconciled() {
    let _keychain = KEYCHAIN.lock().await;
    common::use_mock_keychain();
    let sim = sim(20, Duration::from_millis(30)).await;
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let desk = Arc::new(desk_on(&sim, dir.path()).await);
    desk.sync_fleet(|_| {})
        .await
        .unwrap_or_else(|e| panic!("{e}"));

    // One plan, two starts at once: one job starts, the other is told the plan is gone.
    let ids: Vec<String> =
        sim.inspect(|state| state.devices.iter().map(|d| d.id.clone()).take(5).collect());
    let plan = desk
        .plan_job(
            &BulkAction::SetMetadata {
                key: "checked".into(),
                value: "yes".into(),
            },
            &JobTargets::Selection {
                selection: DeviceSelection::Ids { ids: ids.clone() },
            },
        )
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let (a, b) = (desk.clone(), desk.clone());
    let (plan_a, plan_b) = (plan.plan_id.clone(), plan.plan_id.clone());
    let (one, two) = tokio::join!(async move { a.start_job(&plan_a).await }, async move {
        b.start_job(&plan_b).await
    });
    let ran = [&one, &two].iter().filter(|r| r.is_ok()).count();
    let refused = [&one, &two]
        .iter()
        .filter(|r| matches!(r, Err(AppError::Conflict { .. })))
        .count();
    assert_eq!((ran, refused), (1, 1), "{one:?} / {two:?}");

    // One rollout preview, two creates at once: one batch.
    let location = sim.inspect(|state| state.locations[0].location.id.clone());
    let draft = desk
        .preview_rollout_generated(&location, 6, "Till")
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let (a, b) = (desk.clone(), desk.clone());
    let (draft_a, draft_b) = (draft.plan_id.clone(), draft.plan_id.clone());
    let (one, two) = tokio::join!(
        async move {
            a.create_rollout(&draft_a, "Opening", ExpiryPreset::Hours24)
                .await
        },
        async move {
            b.create_rollout(&draft_b, "Opening", ExpiryPreset::Hours24)
                .await
        }
    );
    let batches: Vec<String> = [one, two].into_iter().filter_map(Result::ok).collect();
    assert_eq!(batches.len(), 1);
    assert_eq!(desk.rollouts().await.map(|l| l.len()).ok(), Some(1));

    // Reconciling while the batch runs is refused; after, it works.
    let batch = batches[0].clone();
    let running = {
        let (desk, batch) = (desk.clone(), batch.clone());
        tokio::spawn(async move { desk.run_rollout(&batch, |_| {}).await })
    };
    tokio::time::sleep(Duration::from_millis(40)).await;
    let during = desk.reconcile_rollout(&batch).await;
    assert!(
        matches!(during, Err(AppError::Conflict { .. })),
        "{during:?}"
    );
    running
        .await
        .unwrap_or_else(|e| panic!("{e}"))
        .unwrap_or_else(|e| panic!("{e}"));
    desk.reconcile_rollout(&batch)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    sim.shutdown().await;
}
