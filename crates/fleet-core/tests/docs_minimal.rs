//! The desk against a simulator that answers with only what Kustom's docs promise (docs-minimal):
//! a code pairs and its card shows the device and its store; a code that leaves the list is told
//! expired from cancelled by its expiry; a rollout reconciles to the right statuses; a test
//! payment runs; an account without In-Person Payments says so.

mod common;

use std::time::Duration;

use chrono::Utc;
use fleet_core::desk::{PairedDevice, PairingDetails};
use fleet_core::enrollments::codes::{EnrollmentDraft, ExpiryPreset};
use fleet_core::profiles::{Environment, ProfileInput};
use fleet_core::sessions::SessionFilter;
use fleet_core::sessions::cart::CartLine;
use fleet_core::{AppError, Desk};
use ipp_sim::{Clock, MerchantConfig, Mode, Running, SeedSpec, SimConfig};
use kustom_ipp::{
    Client, ClientConfig, Credentials, EnrollmentStatus, PageRequest, Platform, RegisterDevice,
    Secret,
};

const MERCHANT: &str = "DM31000001";

/// A docs-minimal simulator whose clock is 15 minutes behind the real one, less `lead`: a code
/// made with the 15-minute preset expires `lead` from now, by both clocks.
async fn docs_minimal_sim(lead: chrono::Duration, ipp_enabled: bool) -> (Running, Clock) {
    let clock = Clock::manual(Utc::now() - chrono::Duration::minutes(15) + lead);
    let mut merchant = MerchantConfig::new(MERCHANT, Mode::Playground).seed(SeedSpec {
        devices: 5,
        ..SeedSpec::default()
    });
    if !ipp_enabled {
        merchant = merchant.ipp_disabled();
    }
    let sim = ipp_sim::start(
        SimConfig::new(Mode::Playground)
            .merchants(vec![merchant])
            .clock(clock.clone())
            .docs_minimal(true),
    )
    .await
    .unwrap_or_else(|e| panic!("{e}"));
    (sim, clock)
}

/// A desk whose active profile is a Kustom playground profile for `sim`.
async fn desk_for(sim: &Running, dir: &std::path::Path) -> Desk {
    common::use_mock_keychain();
    let desk = Desk::open(dir, Ok(()))
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let profile = desk
        .create_profile(&ProfileInput {
            name: "Docs only".into(),
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

/// The POS app registering with a code: unauthenticated, as a phone would [DOC §6].
async fn clerk_enters(sim: &Running, code: &str) -> kustom_ipp::Device {
    let config = ClientConfig::new(
        &sim.base_url(),
        Credentials::ApiKey(Secret::new("kco_test_api_unused".to_owned())),
    )
    .unwrap_or_else(|e| panic!("{e}"));
    Client::new(config)
        .unwrap_or_else(|e| panic!("{e}"))
        .register_device(&RegisterDevice {
            enrollment_code: code.to_owned(),
            hardware_id: "PHONE-1".into(),
            platform: Platform::Ios,
            name: None,
        })
        .await
        .unwrap_or_else(|e| panic!("{e}"))
        .device
}

fn draft(location_id: &str, label: &str) -> EnrollmentDraft {
    EnrollmentDraft {
        location_id: location_id.to_owned(),
        device_label: Some(label.to_owned()),
        metadata: Vec::new(),
        expiry: ExpiryPreset::Minutes15,
    }
}

async fn store_named(desk: &Desk, name: &str) -> String {
    desk.list_locations()
        .await
        .unwrap_or_else(|e| panic!("{e}"))
        .into_iter()
        .find(|l| l.name == name)
        .map(|l| l.id)
        .unwrap_or_else(|| panic!("no store {name}"))
}

#[tokio::test]
async fn a_paired_code_shows_its_device_and_store_from_documented_facts() {
    let (sim, _) = docs_minimal_sim(chrono::Duration::minutes(10), true).await;
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let desk = desk_for(&sim, dir.path()).await;
    let bergen = store_named(&desk, "Bergen Galleriet").await;

    let created = desk
        .create_enrollment(&draft(&bergen, "Till 7"))
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    // The API gave back five fields: the store comes from what Fleetdesk kept.
    assert_eq!(created.view.enrollment.location_id, None);
    assert_eq!(
        created.view.location_name.as_deref(),
        Some("Bergen Galleriet")
    );
    assert_eq!(created.view.location_id.as_deref(), Some(bergen.as_str()));
    assert_eq!(created.paired, None);

    let device = clerk_enters(&sim, created.view.enrollment.enrollment_code.as_str()).await;
    let paired: PairingDetails = desk
        .refresh_enrollment(&created.view.enrollment)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(paired.view.enrollment.status, EnrollmentStatus::Consumed);
    assert_eq!(paired.view.enrollment.device_id, None, "not promised");
    match paired.paired {
        Some(PairedDevice::Found {
            device: found,
            location_name,
        }) => {
            assert_eq!(found.id, device.id);
            assert_eq!(location_name.as_deref(), Some("Bergen Galleriet"));
        }
        other => panic!("expected the paired device, got {other:?}"),
    }

    // The same code seen again in the list still knows its store.
    let listed = desk
        .list_enrollments(
            &fleet_core::enrollments::codes::EnrollmentFilters {
                location_id: None,
                metadata: Vec::new(),
                include_consumed: true,
            },
            PageRequest::new(0, 100),
        )
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let again = listed
        .items
        .iter()
        .find(|v| v.enrollment.enrollment_id == created.view.enrollment.enrollment_id)
        .unwrap_or_else(|| panic!("the paired code is listed"));
    assert_eq!(again.location_name.as_deref(), Some("Bergen Galleriet"));

    // A test payment on the new device: the tap's answer is not the session, the desk reads it.
    let session = desk
        .create_test_payment(
            &device.id,
            "NOK",
            &[CartLine {
                name: "Kaffe".into(),
                quantity: 1,
                unit_price: 4_500,
                tax_rate: 1_500,
                discount: 0,
            }],
        )
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let tapped = desk
        .simulate_tap(
            &session.tracked.session.session_id,
            &kustom_ipp::TapOutcome::Success,
        )
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        tapped.tracked.session.status,
        kustom_ipp::SessionStatus::Finalized
    );
    // And the device's own payments.
    let on_device = desk
        .sessions(&SessionFilter {
            device_id: Some(device.id.clone()),
            ..SessionFilter::default()
        })
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(on_device.len(), 1);
    sim.shutdown().await;
}

#[tokio::test]
async fn a_code_that_leaves_the_list_is_expired_or_cancelled_by_its_expiry() {
    let lead = chrono::Duration::seconds(3);
    let (sim, clock) = docs_minimal_sim(lead, true).await;
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let desk = desk_for(&sim, dir.path()).await;
    let store = store_named(&desk, "My Store").await;
    let expiring = desk
        .create_enrollment(&draft(&store, "Till 1"))
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let cancelled = desk
        .create_enrollment(&draft(&store, "Till 2"))
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    desk.cancel_enrollment(&cancelled.view.enrollment)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let gone = desk
        .refresh_enrollment(&cancelled.view.enrollment)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(gone.view.enrollment.status, EnrollmentStatus::Cancelled);

    // Both clocks pass the code's expiry.
    tokio::time::sleep(Duration::from_millis(3_500)).await;
    clock.advance(chrono::Duration::minutes(16));
    let expired = desk
        .refresh_enrollment(&expiring.view.enrollment)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(expired.view.enrollment.status, EnrollmentStatus::Expired);
    assert_eq!(expired.view.location_name.as_deref(), Some("My Store"));
    sim.shutdown().await;
}

#[tokio::test]
async fn a_rollout_reconciles_to_consumed_cancelled_and_expired() {
    let lead = chrono::Duration::seconds(4);
    let (sim, clock) = docs_minimal_sim(lead, true).await;
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let desk = desk_for(&sim, dir.path()).await;
    let oslo = store_named(&desk, "Oslo Karl Johan").await;
    let plan = desk
        .preview_rollout_generated(&oslo, 3, "Till")
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let batch = desk
        .create_rollout(&plan.plan_id, "Oslo pilot", ExpiryPreset::Minutes15)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let run = desk
        .run_rollout(&batch, |_| {})
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(run.summary.created, 3);
    let code = |row: usize| run.rows[row].code.clone().unwrap_or_default();
    clerk_enters(&sim, &code(0)).await;
    let (_, client) = desk.active_client().await.unwrap_or_else(|e| panic!("{e}"));
    client
        .cancel_enrollment(run.rows[1].enrollment_id.as_deref().unwrap_or_default())
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let status = |detail: &fleet_core::enrollments::rollout::BatchDetail| -> Vec<Option<String>> {
        detail.rows.iter().map(|r| r.live_status.clone()).collect()
    };
    let first = desk
        .reconcile_rollout(&batch)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        status(&first),
        [
            Some("CONSUMED".into()),
            Some("CANCELLED".into()),
            Some("PENDING".into())
        ]
    );

    tokio::time::sleep(Duration::from_millis(4_500)).await;
    clock.advance(chrono::Duration::minutes(16));
    let later = desk
        .reconcile_rollout(&batch)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        status(&later),
        [
            Some("CONSUMED".into()),
            Some("CANCELLED".into()),
            Some("EXPIRED".into())
        ],
        "a cancelled code stays cancelled once its expiry has passed too"
    );
    sim.shutdown().await;
}

#[tokio::test]
async fn an_account_without_in_person_payments_is_told_so() {
    let (sim, _) = docs_minimal_sim(chrono::Duration::minutes(10), false).await;
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let desk = desk_for(&sim, dir.path()).await;
    let profile = desk
        .active_profile()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let tested = desk.test_connection(&profile.id).await;
    assert!(
        matches!(&tested, Err(AppError::IppNotEnabled { message }) if message.contains("In-Person Payments is not enabled for this merchant account")),
        "{tested:?}"
    );
    let listed = desk.list_locations().await;
    assert!(
        matches!(&listed, Err(AppError::IppNotEnabled { .. })),
        "{listed:?}"
    );
    sim.shutdown().await;
}
