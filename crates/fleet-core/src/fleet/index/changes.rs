//! What changed in the fleet between two indexes: after a sync, the new fleet against the one
//! Fleetdesk held (which already carries Fleetdesk's own edits), so what differs was changed
//! outside Fleetdesk — in the Kustom Portal, by another tool, by Kustom.
//!
//! Compared row against row in the indexes' own compact form: no device is made again unless it
//! changed, so a 100,000-device comparison costs a few dozen milliseconds.

use serde::Serialize;
use specta::Type;

use super::FleetIndex;

/// The device a change is about, as it was (disappeared) or is (otherwise).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Type)]
pub struct DeviceRef {
    pub id: String,
    pub hardware_id: String,
    pub name: String,
    pub location_id: Option<String>,
}

/// One difference between the previous fleet and the new one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Type)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum SeenChange {
    Appeared {
        device: DeviceRef,
    },
    Disappeared {
        device: DeviceRef,
    },
    Renamed {
        device: DeviceRef,
        old: String,
        new: String,
    },
    Moved {
        device: DeviceRef,
        old: Option<String>,
        new: Option<String>,
    },
    /// `old` and `new` as `key=value` lines, only the keys that differ.
    MetadataChanged {
        device: DeviceRef,
        old: String,
        new: String,
    },
}

impl SeenChange {
    pub fn device(&self) -> &DeviceRef {
        match self {
            Self::Appeared { device }
            | Self::Disappeared { device }
            | Self::Renamed { device, .. }
            | Self::Moved { device, .. }
            | Self::MetadataChanged { device, .. } => device,
        }
    }
}

impl FleetIndex {
    fn reference(&self, row: u32) -> DeviceRef {
        DeviceRef {
            id: self.devices.id(row).to_owned(),
            hardware_id: self.devices.hardware_id(row).to_owned(),
            name: self.devices.name(row).to_owned(),
            location_id: self.location_of(row).map(str::to_owned),
        }
    }

    /// For each live row of this index, the live row of `previous` with its id, if any; and for
    /// each row of `previous`, whether one here has its id. The two id orders are walked side by
    /// side: one comparison a device, where looking each id up takes ~17, most of them a cache
    /// miss at 100,000 devices (that was most of a sync's comparison).
    fn matched_rows(&self, previous: &FleetIndex) -> (Vec<Option<u32>>, Vec<bool>) {
        let mut before = vec![None; self.devices.len()];
        let mut kept = vec![false; previous.devices.len()];
        let (mut here, mut there) = (
            self.by_id.iter().peekable(),
            previous.by_id.iter().peekable(),
        );
        while let (Some(&&row), Some(&&old)) = (here.peek(), there.peek()) {
            match self.devices.id(row).cmp(previous.devices.id(old)) {
                std::cmp::Ordering::Less => {
                    here.next();
                }
                std::cmp::Ordering::Greater => {
                    there.next();
                }
                std::cmp::Ordering::Equal => {
                    before[row as usize] = Some(old);
                    kept[old as usize] = true;
                    here.next();
                    there.next();
                }
            }
        }
        (before, kept)
    }

    /// Every difference between `previous` and this index: devices that appeared or
    /// disappeared, and for the others a new name, location or metadata (one change each).
    pub fn changes_since(&self, previous: &FleetIndex) -> Vec<SeenChange> {
        let mut changes = Vec::new();
        let (previous_rows, kept) = self.matched_rows(previous);
        for row in self.live_rows() {
            let Some(before) = previous_rows[row as usize] else {
                changes.push(SeenChange::Appeared {
                    device: self.reference(row),
                });
                continue;
            };
            let (old_name, new_name) = (previous.devices.name(before), self.devices.name(row));
            if old_name != new_name {
                changes.push(SeenChange::Renamed {
                    device: self.reference(row),
                    old: old_name.to_owned(),
                    new: new_name.to_owned(),
                });
            }
            let (old_place, new_place) = (previous.location_of(before), self.location_of(row));
            if old_place != new_place {
                changes.push(SeenChange::Moved {
                    device: self.reference(row),
                    old: old_place.map(str::to_owned),
                    new: new_place.map(str::to_owned),
                });
            }
            if !previous
                .devices
                .metadata(before)
                .eq(self.devices.metadata(row))
            {
                let (old, new) = metadata_difference(
                    previous.devices.metadata(before),
                    self.devices.metadata(row),
                );
                changes.push(SeenChange::MetadataChanged {
                    device: self.reference(row),
                    old,
                    new,
                });
            }
        }
        for row in previous.live_rows() {
            if !kept[row as usize] {
                changes.push(SeenChange::Disappeared {
                    device: previous.reference(row),
                });
            }
        }
        changes
    }
}

/// What differs between a device as it was held and as it is now (a device read on its own).
pub fn between(
    held: &kustom_ipp::Device,
    now: &kustom_ipp::Device,
) -> Result<Vec<SeenChange>, crate::fleet::rows::FleetTooLarge> {
    if held == now {
        return Ok(Vec::new());
    }
    let before = FleetIndex::build(vec![held.clone()])?;
    let after = FleetIndex::build(vec![now.clone()])?;
    Ok(after.changes_since(&before))
}

/// The keys whose value differs (or that exist on one side only), as `key=value` lines.
fn metadata_difference<'a>(
    old: impl Iterator<Item = (&'a str, &'a str)>,
    new: impl Iterator<Item = (&'a str, &'a str)>,
) -> (String, String) {
    let old: std::collections::BTreeMap<&str, &str> = old.collect();
    let new: std::collections::BTreeMap<&str, &str> = new.collect();
    let line = |side: &std::collections::BTreeMap<&str, &str>,
                other: &std::collections::BTreeMap<&str, &str>| {
        side.iter()
            .filter(|(key, value)| other.get(*key) != Some(*value))
            .map(|(key, value)| format!("{key}={value}"))
            .collect::<Vec<_>>()
            .join("\n")
    };
    (line(&old, &new), line(&new, &old))
}

#[cfg(test)]
mod tests {
    use chrono::Utc;
    use kustom_ipp::{Device, Platform};

    use super::*;

    fn device(id: &str, name: &str, location: Option<&str>, tags: &[(&str, &str)]) -> Device {
        Device {
            id: id.into(),
            hardware_id: format!("HW-{id}"),
            merchant_id: "m".into(),
            location_id: location.map(str::to_owned),
            name: name.into(),
            platform: Platform::Ios,
            metadata: tags
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect(),
            created_at: Utc::now(),
            open_cash_register_id: None,
            unique_id: None,
        }
    }

    #[test]
    fn appeared_disappeared_renamed_moved_and_retagged_are_each_seen_once() {
        let before = FleetIndex::build(vec![
            device("a", "Till 1", Some("s1"), &[("k", "1")]),
            device("b", "Till 2", Some("s1"), &[("k", "1")]),
            device("c", "Till 3", Some("s2"), &[("k", "1"), ("gone", "x")]),
            device("d", "Till 4", None, &[]),
        ])
        .expect("small");
        let mut after = FleetIndex::build(vec![
            device("a", "Till 1", Some("s1"), &[("k", "1")]),
            device("b", "Till 2b", Some("s2"), &[("k", "1")]),
            device("c", "Till 3", Some("s2"), &[("k", "2")]),
            device("e", "Till 5", Some("s1"), &[]),
        ])
        .expect("small");
        // An edit in place counts as what the index now holds.
        after
            .upsert(&device("a", "Till 1", Some("s1"), &[("k", "1")]))
            .expect("small");
        let changes = after.changes_since(&before);
        let sorted = kinds(&changes);
        assert_eq!(
            sorted,
            [
                ("b".to_owned(), "moved"),
                ("b".to_owned(), "renamed"),
                ("c".to_owned(), "metadata"),
                ("d".to_owned(), "disappeared"),
                ("e".to_owned(), "appeared"),
            ]
        );
        let retagged = changes
            .iter()
            .find(|c| matches!(c, SeenChange::MetadataChanged { .. }));
        assert_eq!(
            retagged,
            Some(&SeenChange::MetadataChanged {
                device: DeviceRef {
                    id: "c".into(),
                    hardware_id: "HW-c".into(),
                    name: "Till 3".into(),
                    location_id: Some("s2".into()),
                },
                old: "gone=x\nk=1".into(),
                new: "k=2".into(),
            })
        );
        assert!(
            after
                .changes_since(&after.compacted().expect("small"))
                .is_empty()
        );
    }

    /// What changed, worked out the plain way: every device of one side looked up by id in the
    /// other. As `(id, kind)` pairs, sorted.
    fn by_lookup(before: &[Device], after: &[Device]) -> Vec<(String, &'static str)> {
        use std::collections::HashMap;
        let old: HashMap<&str, &Device> = before.iter().map(|d| (d.id.as_str(), d)).collect();
        let new: HashMap<&str, &Device> = after.iter().map(|d| (d.id.as_str(), d)).collect();
        let mut kinds = Vec::new();
        for device in after {
            match old.get(device.id.as_str()) {
                None => kinds.push((device.id.clone(), "appeared")),
                Some(was) => {
                    if was.name != device.name {
                        kinds.push((device.id.clone(), "renamed"));
                    }
                    if was.location_id != device.location_id {
                        kinds.push((device.id.clone(), "moved"));
                    }
                    if was.metadata != device.metadata {
                        kinds.push((device.id.clone(), "metadata"));
                    }
                }
            }
        }
        for device in before {
            if !new.contains_key(device.id.as_str()) {
                kinds.push((device.id.clone(), "disappeared"));
            }
        }
        kinds.sort();
        kinds
    }

    fn kinds(changes: &[SeenChange]) -> Vec<(String, &'static str)> {
        let mut kinds: Vec<(String, &'static str)> = changes
            .iter()
            .map(|c| {
                let kind = match c {
                    SeenChange::Appeared { .. } => "appeared",
                    SeenChange::Disappeared { .. } => "disappeared",
                    SeenChange::Renamed { .. } => "renamed",
                    SeenChange::Moved { .. } => "moved",
                    SeenChange::MetadataChanged { .. } => "metadata",
                };
                (c.device().id.clone(), kind)
            })
            .collect();
        kinds.sort();
        kinds
    }

    proptest::proptest! {
        /// Two fleets drawn from one small pool of ids (so most devices are on both sides), the
        /// later one edited in place too (devices taken out and put back): the comparison finds
        /// exactly what looking each device up by id finds.
        #[test]
        fn the_comparison_agrees_with_looking_each_device_up(
            before in proptest::collection::vec((0u8..40, 0u8..3, 0u8..3, 0u8..3), 0..40),
            after in proptest::collection::vec((0u8..40, 0u8..3, 0u8..3, 0u8..3), 0..40),
            taken_out in proptest::collection::vec(0u8..40, 0..8),
        ) {
            let fleet = |drawn: &[(u8, u8, u8, u8)]| {
                let mut seen = std::collections::HashSet::new();
                drawn
                    .iter()
                    .filter(|(id, ..)| seen.insert(*id))
                    .map(|(id, name, store, tag)| {
                        let store = format!("s{store}");
                        let tag = tag.to_string();
                        device(
                            &format!("d{id:02}"),
                            &format!("Till {name}"),
                            (store != "s0").then_some(store.as_str()),
                            &[("k", tag.as_str())],
                        )
                    })
                    .collect::<Vec<_>>()
            };
            let (old, mut new) = (fleet(&before), fleet(&after));
            let previous = FleetIndex::build(old.clone()).expect("small");
            let mut current = FleetIndex::build(new.clone()).expect("small");
            for id in &taken_out {
                let id = format!("d{id:02}");
                if current.remove(&id) {
                    new.retain(|d| d.id != id);
                }
            }
            if let Some(first) = new.first().cloned() {
                // Put back as it was: the same device, on a new row.
                current.upsert(&first).expect("small");
            }
            proptest::prop_assert_eq!(kinds(&current.changes_since(&previous)), by_lookup(&old, &new));
        }
    }
}
