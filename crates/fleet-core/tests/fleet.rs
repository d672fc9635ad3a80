//! The fleet against a real simulator: local filtering equals the API's, read-modify-write keeps
//! another admin's concurrent change, and a bulk move of 1,000 devices through injected faults
//! ends with every device moved and a report that matches the simulator.

mod common;

use std::collections::{BTreeSet, HashMap};
use std::time::Duration;

use fleet_core::fleet::edits::{self, BulkAction, DeviceChange};
use fleet_core::fleet::index::{FleetIndex, FleetQuery, LocationFilter};
use ipp_sim::{FaultConfig, RateLimitBursts, Running, SeedSpec};
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

#[tokio::test]
async fn a_bulk_move_of_1000_devices_survives_faults_with_an_exact_report() {
    let faults = FaultConfig {
        error_rate: 0.10,
        drop_rate: 0.05,
        rate_limit: Some(RateLimitBursts {
            every: 120,
            burst: 3,
            retry_after: Duration::from_secs(1),
        }),
        seed: 99,
        ..FaultConfig::default()
    };
    let sim = sim(1000, faults).await;
    let client = client(&sim);
    let devices = everything(&client, &Default::default()).await;
    assert_eq!(devices.len(), 1000);
    let target = sim
        .inspect(|s| s.locations.last().map(|l| l.location.id.clone()))
        .unwrap_or_default();
    let action = BulkAction::AssignLocation {
        location_id: Some(target.clone()),
    };

    let mut pending: Vec<(String, String)> = devices
        .iter()
        .map(|d| (d.id.clone(), d.name.clone()))
        .collect();
    let mut succeeded: HashMap<String, usize> = HashMap::new();
    let mut rounds = 0;
    while !pending.is_empty() {
        rounds += 1;
        assert!(
            rounds <= 10,
            "still {} failures after 10 rounds",
            pending.len()
        );
        let (report, _) =
            edits::run_bulk(&client, &action, pending.clone(), "move".into(), |_| {}).await;
        assert_eq!(report.results.len(), pending.len(), "one result per device");
        for result in &report.results {
            if result.ok {
                *succeeded.entry(result.device_id.clone()).or_default() += 1;
            } else {
                assert!(result.error.is_some(), "a failure carries the API's reason");
            }
        }
        pending = report
            .results
            .iter()
            .filter(|r| !r.ok)
            .map(|r| (r.device_id.clone(), r.name.clone()))
            .collect();
    }
    assert_eq!(succeeded.len(), 1000, "nothing lost");
    assert!(
        succeeded.values().all(|n| *n == 1),
        "nothing reported twice"
    );
    let moved = sim.inspect(|s| {
        s.devices
            .iter()
            .filter(|d| d.location_id.as_deref() == Some(target.as_str()))
            .count()
    });
    assert_eq!(moved, 1000, "the simulator agrees with the report");
}
