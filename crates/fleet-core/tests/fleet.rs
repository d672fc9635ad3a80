//! The fleet against a real simulator: local filtering equals the API's, and read-modify-write
//! keeps another admin's concurrent change. (Bulk changes under faults: `tests/jobs.rs`.)

mod common;

use std::collections::BTreeSet;

use fleet_core::fleet::edits::{self, DeviceChange};
use fleet_core::fleet::index::{FleetIndex, FleetQuery, LocationFilter};
use ipp_sim::{FaultConfig, Running, SeedSpec};
use kustom_ipp::{Client, Device, PageRequest, PagingOptions, UpdateDevice, fetch_all};

async fn sim(devices: usize, faults: FaultConfig) -> Running {
    common::sim(
        SeedSpec {
            locations: 8,
            devices,
            ..SeedSpec::default()
        },
        faults,
    )
    .await
}

fn client(sim: &Running) -> Client {
    common::client(sim, 6)
}

async fn everything(client: &Client, query: &kustom_ipp::DeviceQuery) -> Vec<Device> {
    fetch_all(
        |page| {
            let client = client.clone();
            let query = query.clone();
            async move { client.list_devices(&query, page).await }
        },
        PagingOptions {
            page_size: 100,
            concurrency: 4,
        },
        |_| {},
    )
    .await
    .unwrap_or_else(|e| panic!("{e}"))
}

#[tokio::test]
async fn local_filtering_gives_the_same_devices_as_the_api() {
    let sim = sim(600, FaultConfig::default()).await;
    let client = client(&sim);
    let all = everything(&client, &Default::default()).await;
    let index = FleetIndex::build(all.clone()).expect("a fleet of this size is indexed");

    // Queries built from values that occur in the fleet, of every shape the API accepts.
    let sample = &all[17];
    let mut queries = vec![FleetQuery::all()];
    for (key, value) in &sample.metadata {
        queries.push(FleetQuery {
            metadata: vec![(key.clone(), value.clone())],
            ..FleetQuery::all()
        });
    }
    queries.push(FleetQuery {
        metadata: sample.metadata.clone().into_iter().take(2).collect(),
        ..FleetQuery::all()
    });
    if let Some(location) = &sample.location_id {
        queries.push(FleetQuery {
            location: LocationFilter::At(location.clone()),
            ..FleetQuery::all()
        });
        queries.push(FleetQuery {
            location: LocationFilter::At(location.clone()),
            metadata: vec![("terminal_type".into(), "checkout".into())],
            ..FleetQuery::all()
        });
    }
    queries.push(FleetQuery {
        metadata: vec![("region".into(), "Nowhere".into())],
        ..FleetQuery::all()
    });

    for query in queries {
        let api_query = query
            .as_api_query()
            .unwrap_or_else(|| panic!("{query:?} fits the API"));
        let server: BTreeSet<String> = everything(&client, &api_query)
            .await
            .into_iter()
            .map(|d| d.id)
            .collect();
        let local: BTreeSet<String> = index
            .find(&query)
            .into_iter()
            .filter_map(|r| index.device(r))
            .map(|d| d.id.clone())
            .collect();
        assert_eq!(server, local, "{query:?}");
    }
}

#[tokio::test]
async fn read_modify_write_keeps_another_admins_concurrent_change() {
    let sim = sim(20, FaultConfig::default()).await;
    let ours = client(&sim);
    let theirs = client(&sim);
    let device = ours
        .list_devices(&Default::default(), PageRequest::default())
        .await
        .unwrap_or_else(|e| panic!("{e}"))
        .content
        .remove(3);

    // Someone else adds a metadata key after we loaded the device…
    let mut their_body = UpdateDevice::from_device(&device);
    their_body.metadata.insert("floor".into(), "2".into());
    theirs
        .update_device(&device.id, &their_body)
        .await
        .unwrap_or_else(|e| panic!("{e}"));

    // …then we rename it. Their key survives, and so does the location.
    edits::apply_change(
        &ours,
        &device.id,
        &DeviceChange::Rename {
            name: "Front desk".into(),
        },
    )
    .await
    .unwrap_or_else(|e| panic!("{e}"));
    let now = sim
        .inspect(|s| s.get_device("DM20260001", &device.id))
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(now.name, "Front desk");
    assert_eq!(now.metadata.get("floor").map(String::as_str), Some("2"));
    assert_eq!(now.location_id, device.location_id);
    for (key, value) in &device.metadata {
        assert_eq!(now.metadata.get(key), Some(value));
    }
}
