//! History at fleet scale: what comparing a synced fleet of 100,000 devices with the one held
//! before (and writing what changed outside Fleetdesk to the activity log) adds to the sync, and
//! how long the quiet-devices report over 100,000 devices takes.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use anyhow::Result;
use chrono::Utc;
use fleet_core::audit::{AuditLog, NewEntry};
use fleet_core::fleet::index::FleetIndex;
use fleet_core::history::last_activity::{ActivitySource, Known};
use fleet_core::history::stale;
use fleet_core::profiles::{Environment, Profile};
use fleet_core::storage::Store;

use crate::figures::{Goal, millis, report};
use crate::{median, ms};

/// `sync`: the median 100,000-device sync measured just before, the comparison's baseline.
pub fn run(sync: Duration) -> Result<()> {
    let state = crate::fleet::seeded_fleet(5);
    let before = state.devices.clone();
    // Between two syncs, 1 % of the fleet changed outside Fleetdesk: renamed, moved, retagged;
    // a few devices went and a few came.
    let mut after = before.clone();
    let stores: Vec<String> = state
        .locations
        .iter()
        .map(|l| l.location.id.clone())
        .collect();
    for (i, device) in after.iter_mut().enumerate().step_by(100) {
        match i % 3 {
            0 => device.name.push_str(" (renamed)"),
            1 => device.location_id = Some(stores[i % stores.len()].clone()),
            _ => {
                device.metadata.insert("audited".into(), "yes".into());
            }
        }
    }
    after.truncate(after.len() - 100);
    let previous = FleetIndex::build(before)?;
    let current = FleetIndex::build(after)?;
    let profile = Profile {
        id: "bench".into(),
        name: "Bench".into(),
        environment: Environment::KustomPlayground,
        base_url: Environment::KustomPlayground.default_base_url().into(),
        merchant_id: "DM20260001".into(),
        created_at: Utc::now(),
        last_used_at: None,
        api_key_kind: None,
        production: false,
    };
    let mut compare = Vec::new();
    let mut seen = 0;
    for _ in 0..3 {
        let dir = tempfile::tempdir()?;
        let log = AuditLog::new(Store::open(&dir.path().join("bench.sqlite3"))?.0);
        let started = Instant::now();
        let changes = current.changes_since(&previous);
        let entries: Vec<NewEntry> = changes
            .iter()
            .map(|c| NewEntry::seen_in_sync(c, &profile, Utc::now()))
            .collect();
        log.write(&entries)?;
        compare.push(started.elapsed());
        seen = changes.len();
    }
    let compare = median(compare);
    println!("\n== bench: history at 100,000 devices ==");
    println!(
        "{:<52} {:>10} ({seen} changes found and logged; the sync alone {})",
        "comparing with the previous fleet, and logging it",
        ms(compare),
        ms(sync)
    );
    report(
        "fleet sync with its comparison to the previous fleet, 100,000 devices / sync alone",
        "ms",
        millis(sync + compare),
        Some(millis(sync)),
        Goal::RatioAtMost(1.10),
    );

    // The quiet-devices report: some devices paid or changed lately, most did not.
    let mut known = Known::default();
    let now = Utc::now();
    current.for_each_live(|row, id, _, _, _, _| {
        if row % 7 == 0 {
            known.saw(
                id,
                now - chrono::Duration::days(i64::from(row % 60)),
                ActivitySource::Payment,
            );
        }
    });
    let names: HashMap<String, String> = state
        .locations
        .iter()
        .map(|l| (l.location.id.clone(), l.location.name.clone()))
        .collect();
    let mut runs = Vec::new();
    let mut quiet = 0;
    for _ in 0..5 {
        let started = Instant::now();
        quiet = stale::report(&current, &known, 30, now, &names).total;
        runs.push(started.elapsed());
    }
    let report_time = median(runs);
    println!(
        "{:<52} {:>10} ({quiet} quiet devices)",
        "quiet-devices report (30 days)",
        ms(report_time)
    );
    report(
        "quiet-devices report over 100,000 devices",
        "ms",
        millis(report_time),
        None,
        Goal::AtMost(1000.0),
    );
    Ok(())
}
