//! Devices [DOC §7]: list and filters, get, PUT replace semantics, delete and token revocation.

use contract_tests::*;
use kustom_ipp::{
    ApiError, CreateEnrollment, DeviceQuery, Metadata, MetadataFilter, PageRequest, PagingOptions,
    Platform, RegisterDevice, UpdateDevice, fetch_all,
};

#[tokio::test]
async fn list_pages_and_filters_agree_with_the_simulator() {
    let (sim, _) = playground().await;
    let client = client(&sim);
    let all = fetch_all(
        |page| {
            let client = client.clone();
            async move { client.list_devices(&DeviceQuery::default(), page).await }
        },
        PagingOptions {
            page_size: 7,
            concurrency: 3,
        },
        |_| {},
    )
    .await
    .ok_or_panic("fetch all");
    let expected: Vec<String> = sim.inspect(|s| {
        s.devices
            .iter()
            .filter(|d| d.merchant_id == MERCHANT)
            .map(|d| d.id.clone())
            .collect()
    });
    assert_eq!(
        all.iter().map(|d| d.id.clone()).collect::<Vec<_>>(),
        expected
    );

    // Location + two metadata filters, server side, equal a local filter over the full list.
    let sample = all
        .iter()
        .find(|d| d.location_id.is_some() && d.metadata.contains_key("region"))
        .ok_or("no sample")
        .ok_or_panic("sample");
    let location = sample.location_id.clone();
    let filter = MetadataFilter::from_pairs([
        ("region", sample.metadata["region"].as_str()),
        ("terminal_type", sample.metadata["terminal_type"].as_str()),
    ])
    .ok_or_panic("filter");
    let server = client
        .list_devices(
            &DeviceQuery {
                location_id: location.clone(),
                metadata: filter.clone(),
            },
            PageRequest::new(0, 100),
        )
        .await
        .ok_or_panic("filtered");
    let local: Vec<&kustom_ipp::Device> = all
        .iter()
        .filter(|d| d.location_id == location && filter.matches(&d.metadata))
        .collect();
    assert!(!local.is_empty());
    assert_eq!(
        server.content.iter().map(|d| &d.id).collect::<Vec<_>>(),
        local.iter().map(|d| &d.id).collect::<Vec<_>>()
    );
    assert_eq!(server.total_elements, local.len() as i64);

    // The client refuses filters that break the rules before sending anything.
    assert!(MetadataFilter::from_pairs((0..6).map(|i| (format!("k{i}"), "v"))).is_err());
}

#[tokio::test]
async fn get_returns_the_device_and_404_for_unknown_ids() {
    let (sim, _) = playground().await;
    let client = client(&sim);
    let first = client
        .list_devices(&DeviceQuery::default(), PageRequest::default())
        .await
        .ok_or_panic("list")
        .content[0]
        .clone();
    assert_eq!(client.get_device(&first.id).await.ok_or_panic("get"), first);
    assert!(matches!(
        client
            .get_device("00000000-0000-0000-0000-000000000000")
            .await,
        Err(ApiError::NotFound(_))
    ));
    assert!(matches!(
        client.get_device("../locations").await,
        Err(ApiError::Validation { .. })
    ));
}

#[tokio::test]
async fn put_replaces_so_a_rename_sends_the_full_body_and_keeps_metadata_and_location() {
    let (sim, _) = playground().await;
    let client = client(&sim);
    let device = client
        .list_devices(&DeviceQuery::default(), PageRequest::default())
        .await
        .ok_or_panic("list")
        .content
        .into_iter()
        .find(|d| d.location_id.is_some() && d.metadata.len() >= 2)
        .ok_or("no device with metadata")
        .ok_or_panic("device");

    // Read-modify-write rename.
    let mut body = UpdateDevice::from_device(&device);
    body.name = "Front desk".into();
    let renamed = client
        .update_device(&device.id, &body)
        .await
        .ok_or_panic("rename");
    assert_eq!(renamed.name, "Front desk");
    assert_eq!(renamed.metadata, device.metadata);
    assert_eq!(renamed.location_id, device.location_id);
    let stored = sim
        .inspect(|s| s.get_device(MERCHANT, &device.id))
        .ok_or_panic("stored");
    assert_eq!(stored.metadata, device.metadata);

    // What a partial body does: the absent fields are cleared (replace semantics).
    let key = sim.merchants()[0].api_key.clone();
    let response = kustom_ipp::tls::http_client()
        .unwrap_or_else(|e| panic!("{e}"))
        .put(format!("{}/ipp/v1/devices/{}", sim.base_url(), device.id))
        .header("authorization", format!("Basic {key}"))
        .json(&serde_json::json!({ "name": "Only a name" }))
        .send()
        .await
        .ok_or_panic("partial put");
    assert_eq!(response.status(), 200);
    let cleared = client.get_device(&device.id).await.ok_or_panic("get");
    assert_eq!(cleared.name, "Only a name");
    assert!(cleared.metadata.is_empty());
    assert_eq!(cleared.location_id, None);
}

#[tokio::test]
async fn invalid_updates_are_field_errors_and_unknown_devices_404() {
    let (sim, _) = playground().await;
    let client = client(&sim);
    let device = client
        .list_devices(&DeviceQuery::default(), PageRequest::default())
        .await
        .ok_or_panic("list")
        .content[0]
        .clone();
    let mut body = UpdateDevice::from_device(&device);
    body.location_id = Some("not-a-location".into());
    assert!(
        matches!(client.update_device(&device.id, &body).await, Err(ApiError::Validation { fields, .. }) if fields.contains_key("location_id"))
    );
    let mut long = UpdateDevice::from_device(&device);
    long.name = "x".repeat(101);
    assert!(
        matches!(client.update_device(&device.id, &long).await, Err(ApiError::Validation { fields, .. }) if fields.contains_key("name"))
    );
    let mut blank = UpdateDevice::from_device(&device);
    blank.name = "  ".into();
    assert!(matches!(
        client.update_device(&device.id, &blank).await,
        Err(ApiError::Validation { .. })
    ));
    let fine = UpdateDevice {
        name: "n".into(),
        metadata: Metadata::new(),
        location_id: None,
    };
    assert!(matches!(
        client
            .update_device("00000000-0000-0000-0000-000000000000", &fine)
            .await,
        Err(ApiError::NotFound(_))
    ));
}

#[tokio::test]
async fn deleting_a_device_revokes_its_token() {
    let (sim, _) = playground().await;
    let client = client(&sim);
    let location = client
        .list_locations(PageRequest::default())
        .await
        .ok_or_panic("locations")
        .content[0]
        .id
        .clone();
    let enrollment = client
        .create_enrollment(&CreateEnrollment {
            location_id: Some(location),
            ..Default::default()
        })
        .await
        .ok_or_panic("create");
    let registered = client
        .register_device(&RegisterDevice {
            enrollment_code: enrollment.enrollment_code.as_str().into(),
            hardware_id: "R58TEST".into(),
            platform: Platform::Android,
            name: Some("Till 1".into()),
        })
        .await
        .ok_or_panic("register");
    let token = registered
        .credentials
        .map(|c| c.bearer_token)
        .ok_or("no token")
        .ok_or_panic("token");
    assert_eq!(
        client.device_whoami(&token).await.ok_or_panic("whoami").id,
        registered.device.id
    );

    client
        .delete_device(&registered.device.id)
        .await
        .ok_or_panic("delete");
    assert!(matches!(
        client.device_whoami(&token).await,
        Err(ApiError::Unauthorized(_))
    ));
    assert!(matches!(
        client.get_device(&registered.device.id).await,
        Err(ApiError::NotFound(_))
    ));
    let listed = client
        .list_devices(&DeviceQuery::default(), PageRequest::new(0, 100))
        .await
        .ok_or_panic("list");
    assert!(listed.content.iter().all(|d| d.id != registered.device.id));
    assert!(matches!(
        client.delete_device(&registered.device.id).await,
        Err(ApiError::NotFound(_))
    ));
}

/// "A cash register can be used by only one device at a time" [DOC help centre]: no two devices
/// of a merchant list the same open register.
#[tokio::test]
async fn an_open_cash_register_is_on_one_device_only() {
    let (sim, _) = playground().await;
    let devices = client(&sim)
        .list_devices(&DeviceQuery::default(), PageRequest::new(0, 100))
        .await
        .ok_or_panic("devices")
        .content;
    let registers: Vec<i64> = devices
        .iter()
        .filter_map(|d| d.open_cash_register_id)
        .collect();
    assert!(!registers.is_empty(), "the demo fleet has open registers");
    let distinct: std::collections::BTreeSet<i64> = registers.iter().copied().collect();
    assert_eq!(distinct.len(), registers.len(), "{registers:?}");
}
