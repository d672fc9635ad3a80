//! Enrollments through `Desk` on the local playground: create from the form, filter the list the
//! API's way, simulate the clerk, find a code again, cancel.

use fleet_core::AppError;
use fleet_core::Desk;
use fleet_core::enrollments::codes::{EnrollmentDraft, EnrollmentFilters, ExpiryPreset};
use fleet_core::fleet::metadata_rules::MetadataRow;
use kustom_ipp::{EnrollmentStatus, PageRequest};

fn row(key: &str, value: &str) -> MetadataRow {
    MetadataRow {
        key: key.into(),
        value: value.into(),
    }
}

fn filters(
    location: Option<&str>,
    metadata: Vec<MetadataRow>,
    include_consumed: bool,
) -> EnrollmentFilters {
    EnrollmentFilters {
        location_id: location.map(str::to_owned),
        metadata,
        include_consumed,
    }
}

#[tokio::test]
async fn create_filter_pair_find_and_cancel() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let desk = Desk::open(dir.path(), Ok(()))
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let (_, client) = desk.active_client().await.unwrap_or_else(|e| panic!("{e}"));
    let locations = client
        .list_locations(PageRequest::default())
        .await
        .unwrap_or_else(|e| panic!("{e}"))
        .content;
    let (a, b) = (locations[0].id.clone(), locations[1].id.clone());

    let draft = |location: &str, label: &str| EnrollmentDraft {
        location_id: location.to_owned(),
        device_label: Some(label.to_owned()),
        metadata: vec![row("rollout", "spring"), row("terminal_type", "handheld")],
        expiry: ExpiryPreset::Minutes15,
    };
    let first = desk
        .create_enrollment(&draft(&a, "Till 9"))
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let second = desk
        .create_enrollment(&draft(&b, "Till 10"))
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(first.view.enrollment.enrollment_code.as_str().len(), 8);
    assert_eq!(first.view.code_grouped.len(), 9);
    assert_eq!(
        first.view.location_name.as_deref(),
        Some(locations[0].name.as_str())
    );
    assert_eq!(first.view.device_label.as_deref(), Some("Till 9"));
    assert!(first.card.qr_svg.starts_with("<?xml") || first.card.qr_svg.contains("<svg"));
    assert!(first.can_simulate_clerk);

    let count = |f: EnrollmentFilters| {
        let desk = &desk;
        async move {
            desk.list_enrollments(&f, PageRequest::new(0, 100))
                .await
                .map(|p| p.total_elements)
        }
    };
    assert_eq!(
        count(filters(None, vec![row("rollout", "spring")], true))
            .await
            .ok(),
        Some(2)
    );
    assert_eq!(
        count(filters(Some(&a), vec![row("rollout", "spring")], true))
            .await
            .ok(),
        Some(1)
    );
    assert_eq!(
        count(filters(
            None,
            vec![row("rollout", "spring"), row("device_label", "Till 10")],
            true
        ))
        .await
        .ok(),
        Some(1)
    );
    let too_many = filters(
        None,
        (0..6).map(|i| row(&format!("k{i}"), "v")).collect(),
        true,
    );
    assert!(matches!(
        count(too_many).await,
        Err(AppError::Validation { .. })
    ));

    // The clerk enters the first code: it is consumed, and the device carries its metadata.
    let device = desk
        .simulate_clerk(first.view.enrollment.enrollment_code.as_str())
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(device.metadata, first.view.enrollment.metadata);
    assert_eq!(device.location_id.as_deref(), Some(a.as_str()));
    let refreshed = desk
        .refresh_enrollment(&first.view.enrollment)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(refreshed.view.enrollment.status, EnrollmentStatus::Consumed);
    assert_eq!(
        refreshed.view.enrollment.device_id.as_deref(),
        Some(device.id.as_str())
    );
    assert_eq!(
        count(filters(None, vec![row("rollout", "spring")], false))
            .await
            .ok(),
        Some(1),
        "consumed ones hidden"
    );

    // Cancel the second: no longer listed, and found again as cancelled.
    desk.cancel_enrollment(&second.view.enrollment)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        count(filters(None, vec![row("rollout", "spring")], true))
            .await
            .ok(),
        Some(1)
    );
    let gone = desk
        .refresh_enrollment(&second.view.enrollment)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(gone.view.enrollment.status, EnrollmentStatus::Cancelled);
    assert!(matches!(
        desk.cancel_enrollment(&first.view.enrollment).await,
        Err(AppError::Conflict { .. })
    ));

    let audit = desk.audit().recent(20).unwrap_or_else(|e| panic!("{e}"));
    for action in [
        "enrollment.create",
        "enrollment.cancel",
        "enrollment.simulate_clerk",
    ] {
        assert!(
            audit
                .iter()
                .any(|e| e.action == action && e.outcome == "ok"),
            "{action} not audited"
        );
    }
    desk.shutdown().await;
}
