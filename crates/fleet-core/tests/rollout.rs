//! Rollout batches against a real simulator: a batch interrupted mid-way resumes without ever
//! creating a second code for a row, also when connections drop after the server processed them.

mod common;

use std::collections::HashMap;

use fleet_core::enrollments::codes::ExpiryPreset;
use fleet_core::enrollments::rollout::{self, BATCH_KEY, ROW_KEY, Rollouts, RowState};
use fleet_core::storage::Store;
use ipp_sim::{FaultConfig, Running, SeedSpec};
use kustom_ipp::{Client, CreateEnrollment, Location, PageRequest};

async fn sim(faults: FaultConfig) -> Running {
    common::sim(SeedSpec::default(), faults).await
}

fn client(sim: &Running) -> Client {
    common::client(sim, 2)
}

async fn location(client: &Client) -> Location {
    client
        .list_locations(PageRequest::default())
        .await
        .unwrap_or_else(|e| panic!("{e}"))
        .content
        .remove(0)
}

/// How many enrollments the simulator holds for each row token of a batch.
fn codes_per_row(sim: &Running, batch_id: &str) -> HashMap<String, usize> {
    let tag = rollout::tag(batch_id);
    sim.inspect(|state| {
        let mut counts = HashMap::new();
        for stored in &state.enrollments {
            let metadata = &stored.enrollment.metadata;
            if metadata.get(BATCH_KEY) == Some(&tag)
                && let Some(token) = metadata.get(ROW_KEY)
            {
                *counts.entry(token.clone()).or_insert(0) += 1;
            }
        }
        counts
    })
}

#[tokio::test]
async fn a_batch_killed_mid_way_resumes_without_duplicates() {
    let sim = sim(FaultConfig::default()).await;
    let client = client(&sim);
    let store = Store::in_memory().unwrap_or_else(|e| panic!("{e}"));
    let rollouts = Rollouts::new(store.clone());
    let preview =
        rollout::generate(&location(&client).await, 12, "Till").unwrap_or_else(|e| panic!("{e}"));
    let batch = rollouts
        .create(
            "profile",
            "Store opening",
            ExpiryPreset::Hours24,
            &preview.rows,
        )
        .unwrap_or_else(|e| panic!("{e}"));

    // The app died while rows 1–8 were in flight: 1–4 had reached Kustom, 5–8 had not.
    store
        .with(|conn| conn.execute("UPDATE rollout_rows SET state = 'creating' WHERE batch_id = ?1 AND row_number <= 8", [batch.as_str()]))
        .unwrap_or_else(|e| panic!("{e}"));
    let location_id = location(&client).await.id;
    for row in 1..=4 {
        let metadata = [
            (BATCH_KEY.to_owned(), rollout::tag(&batch)),
            (ROW_KEY.to_owned(), rollout::row_token(&batch, row)),
        ]
        .into_iter()
        .collect();
        client
            .create_enrollment(&CreateEnrollment {
                metadata: Some(metadata),
                expires_in: Some(86_400_000),
                location_id: Some(location_id.clone()),
                ttl: None,
            })
            .await
            .unwrap_or_else(|e| panic!("{e}"));
    }

    let mut reports = Vec::new();
    let detail = rollouts
        .run(&client, &batch, |p| reports.push(p))
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!((detail.summary.created, detail.summary.failed), (12, 0));
    assert!(
        detail
            .rows
            .iter()
            .all(|r| r.state == RowState::Created && r.code.is_some())
    );
    let counts = codes_per_row(&sim, &batch);
    assert_eq!(counts.len(), 12);
    assert!(
        counts.values().all(|n| *n == 1),
        "a row got a second code: {counts:?}"
    );
    assert_eq!(reports.last().map(|p| (p.done, p.total)), Some((12, 12)));

    // Running a finished batch again changes nothing.
    rollouts
        .run(&client, &batch, |_| {})
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(codes_per_row(&sim, &batch).values().all(|n| *n == 1));
}

#[tokio::test]
async fn retrying_through_dropped_connections_creates_each_code_once() {
    let faults = FaultConfig {
        drop_rate: 0.3,
        error_rate: 0.1,
        seed: 11,
        ..FaultConfig::default()
    };
    let sim = sim(faults).await;
    let client = client(&sim);
    let rollouts = Rollouts::new(Store::in_memory().unwrap_or_else(|e| panic!("{e}")));
    let preview = rollout::generate(&location(&client).await, 25, "Handheld")
        .unwrap_or_else(|e| panic!("{e}"));
    let batch = rollouts
        .create("profile", "", ExpiryPreset::Hours2, &preview.rows)
        .unwrap_or_else(|e| panic!("{e}"));

    let mut runs = 0;
    let mut failed_once = false;
    loop {
        runs += 1;
        let detail = rollouts
            .run(&client, &batch, |_| {})
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        failed_once |= detail.summary.failed > 0;
        if detail.summary.created == 25 {
            break;
        }
        assert!(runs < 30, "the batch never completed");
    }
    assert!(
        failed_once,
        "the faults should have made some rows fail at first"
    );
    let counts = codes_per_row(&sim, &batch);
    assert_eq!(counts.len(), 25);
    assert!(
        counts.values().all(|n| *n == 1),
        "a row got a second code: {counts:?}"
    );
}

/// Two runs of one batch at once (a double click, a retry while the first is still going): each
/// row still gets exactly one code, and the second run is told the batch is already running.
#[tokio::test]
async fn two_concurrent_runs_of_one_batch_create_each_code_once() {
    let sim = sim(FaultConfig {
        latency: std::time::Duration::from_millis(20),
        ..FaultConfig::default()
    })
    .await;
    let client = client(&sim);
    let store = Store::in_memory().unwrap_or_else(|e| panic!("{e}"));
    let rollouts = Rollouts::new(store);
    let preview =
        rollout::generate(&location(&client).await, 24, "Till").unwrap_or_else(|e| panic!("{e}"));
    let batch = rollouts
        .create("profile", "Opening", ExpiryPreset::Hours24, &preview.rows)
        .unwrap_or_else(|e| panic!("{e}"));
    let (first, second) = tokio::join!(
        rollouts.run(&client, &batch, |_| {}),
        rollouts.run(&client, &batch, |_| {}),
    );
    let outcomes = [first.is_ok(), second.is_ok()];
    assert!(
        outcomes.contains(&true),
        "one run finished: {first:?} {second:?}"
    );
    let refused = [&first, &second]
        .into_iter()
        .filter_map(|r| r.as_ref().err())
        .collect::<Vec<_>>();
    assert!(
        refused
            .iter()
            .all(|e| matches!(e, fleet_core::AppError::Conflict { message } if message.contains("already running"))),
        "{refused:?}"
    );
    let counts = codes_per_row(&sim, &batch);
    assert_eq!(counts.len(), 24, "every row has a code");
    assert!(counts.values().all(|&n| n == 1), "{counts:?}");
    // And a later run (the lock is released) finds nothing left to do.
    let again = rollouts
        .run(&client, &batch, |_| {})
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(again.summary.created, 24);
    assert!(codes_per_row(&sim, &batch).values().all(|&n| n == 1));
}
