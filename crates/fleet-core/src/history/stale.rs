//! The devices that have gone quiet: no pairing, payment or change for N days, per store. A
//! device enrolled within those N days is never on it (its pairing is activity), so a cleanup
//! built from the report cannot take a phone that was just set up.

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, Utc};
use serde::Serialize;
use specta::Type;

use super::last_activity::{Known, LastActivity};
use crate::fleet::index::FleetIndex;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Type)]
pub struct StaleDevice {
    pub device_id: String,
    pub name: String,
    pub hardware_id: String,
    pub enrolled_at: DateTime<Utc>,
    pub last_activity: LastActivity,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Type)]
pub struct StaleStore {
    /// `None`: devices not assigned to a store.
    pub location_id: Option<String>,
    pub location_name: Option<String>,
    /// Quietest first.
    pub devices: Vec<StaleDevice>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Type)]
pub struct StaleReport {
    pub days: u32,
    pub as_of: DateTime<Utc>,
    /// Stale devices in all.
    pub total: u32,
    /// Devices in the fleet.
    pub fleet: u32,
    /// By store name (unassigned last).
    pub stores: Vec<StaleStore>,
}

/// The devices of `index` with no activity for `days` days at `now`.
pub fn report(
    index: &FleetIndex,
    known: &Known,
    days: u32,
    now: DateTime<Utc>,
    location_names: &HashMap<String, String>,
) -> StaleReport {
    let quiet_since = now - chrono::Duration::days(i64::from(days));
    let mut by_store: BTreeMap<Option<String>, Vec<StaleDevice>> = BTreeMap::new();
    let mut fleet = 0u32;
    index.for_each_live(|_, id, name, hardware_id, location, enrolled_at| {
        fleet += 1;
        let last = LastActivity::of(id, enrolled_at, known);
        if last.at < quiet_since && enrolled_at < quiet_since {
            by_store
                .entry(location.map(str::to_owned))
                .or_default()
                .push(StaleDevice {
                    device_id: id.to_owned(),
                    name: name.to_owned(),
                    hardware_id: hardware_id.to_owned(),
                    enrolled_at,
                    last_activity: last,
                });
        }
    });
    let mut stores: Vec<StaleStore> = by_store
        .into_iter()
        .map(|(location_id, mut devices)| {
            devices.sort_by(|a, b| {
                a.last_activity
                    .at
                    .cmp(&b.last_activity.at)
                    .then_with(|| crate::fleet::name_order::compare(&a.name, &b.name))
            });
            StaleStore {
                location_name: location_id
                    .as_ref()
                    .and_then(|id| location_names.get(id).cloned()),
                location_id,
                devices,
            }
        })
        .collect();
    stores.sort_by(|a, b| match (&a.location_name, &b.location_name) {
        (Some(x), Some(y)) => crate::fleet::name_order::compare(x, y),
        (Some(_), None) => std::cmp::Ordering::Less,
        (None, Some(_)) => std::cmp::Ordering::Greater,
        (None, None) => a.location_id.cmp(&b.location_id),
    });
    StaleReport {
        days,
        as_of: now,
        total: stores.iter().map(|s| s.devices.len() as u32).sum(),
        fleet,
        stores,
    }
}

#[cfg(test)]
mod tests {
    use kustom_ipp::{Device, Platform};

    use super::*;
    use crate::history::last_activity::ActivitySource;

    fn device(id: &str, location: Option<&str>, enrolled_days_ago: i64) -> Device {
        Device {
            id: id.into(),
            hardware_id: format!("HW-{id}"),
            merchant_id: "m".into(),
            location_id: location.map(str::to_owned),
            name: format!("Till {id}"),
            platform: Platform::Android,
            metadata: Default::default(),
            created_at: Utc::now() - chrono::Duration::days(enrolled_days_ago),
            open_cash_register_id: None,
            unique_id: None,
        }
    }

    #[test]
    fn quiet_devices_per_store_never_one_enrolled_within_the_window() {
        let now = Utc::now();
        let index = FleetIndex::build(vec![
            device("a", Some("s1"), 100),
            device("b", Some("s1"), 100),
            device("c", Some("s2"), 100),
            device("d", None, 100),
            device("new", Some("s1"), 5),
        ])
        .expect("small");
        let mut known = Known::default();
        known.saw(
            "b",
            now - chrono::Duration::days(2),
            ActivitySource::Payment,
        );
        known.saw(
            "c",
            now - chrono::Duration::days(45),
            ActivitySource::Change,
        );
        let names = HashMap::from([
            ("s1".to_owned(), "Bergen".to_owned()),
            ("s2".to_owned(), "Oslo".to_owned()),
        ]);
        let stale = report(&index, &known, 30, now, &names);
        assert_eq!((stale.total, stale.fleet), (3, 5));
        let listed: Vec<(Option<&str>, Vec<&str>)> = stale
            .stores
            .iter()
            .map(|s| {
                (
                    s.location_name.as_deref(),
                    s.devices.iter().map(|d| d.device_id.as_str()).collect(),
                )
            })
            .collect();
        assert_eq!(
            listed,
            [
                (Some("Bergen"), vec!["a"]),
                (Some("Oslo"), vec!["c"]),
                (None, vec!["d"])
            ]
        );
        assert_eq!(
            stale.stores[1].devices[0].last_activity.source,
            ActivitySource::Change
        );
        // Over 60 days only the never-active ones remain.
        assert_eq!(report(&index, &known, 60, now, &names).total, 2);
    }
}
