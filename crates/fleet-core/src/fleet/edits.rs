//! Changing devices safely: read-modify-write single edits, and what a bulk action does to each
//! device (run as a job, see [`crate::jobs`]).
//!
//! `PUT /devices/{id}` replaces name, metadata and location together, so every edit fetches the
//! device as it is now, applies only the user's change, and sends the full body: a metadata key
//! or a location another admin set a moment ago is kept.

use std::collections::{BTreeMap, HashMap};

use kustom_ipp::{Client, Device, UpdateDevice};
use serde::{Deserialize, Serialize};
use specta::Type;

use crate::AppError;
use crate::fleet::metadata_rules::{MAX_KEY_LEN, MAX_VALUE_LEN};
pub use crate::history::changes::Changed;

/// One user's change to one device.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum DeviceChange {
    Rename {
        name: String,
    },
    /// Keys to set (added or changed) and keys to remove; other keys are left alone.
    Metadata {
        set: BTreeMap<String, String>,
        remove: Vec<String>,
    },
    /// `None` unassigns the device.
    Move {
        location_id: Option<String>,
    },
}

impl DeviceChange {
    /// The full PUT body: `current` with only this change applied.
    pub fn apply(&self, current: &Device) -> Result<UpdateDevice, AppError> {
        let mut body = UpdateDevice::from_device(current);
        match self {
            Self::Rename { name } => {
                let name = name.trim();
                if name.is_empty() {
                    return Err(AppError::invalid_field("name", "Give the device a name."));
                }
                if name.chars().count() > 100 {
                    return Err(AppError::invalid_field(
                        "name",
                        "Device names are at most 100 characters.",
                    ));
                }
                body.name = name.to_owned();
            }
            Self::Metadata { set, remove } => {
                for key in remove {
                    body.metadata.remove(key);
                }
                for (key, value) in set {
                    let key = key.trim();
                    if key.is_empty() || key.contains(':') || key.chars().count() > MAX_KEY_LEN {
                        return Err(AppError::invalid_field(
                            "metadata",
                            format!("“{key}” is not a valid key."),
                        ));
                    }
                    if value.chars().count() > MAX_VALUE_LEN {
                        return Err(AppError::invalid_field(
                            "metadata",
                            format!("The value of “{key}” is too long."),
                        ));
                    }
                    body.metadata
                        .insert(key.to_owned(), value.trim().to_owned());
                }
            }
            Self::Move { location_id } => {
                body.location_id = location_id.clone().filter(|id| !id.is_empty())
            }
        }
        Ok(body)
    }
}

/// Read-modify-write: fetch, apply only `change`, PUT the full body. Gives back the device as
/// it was read and as the API answered (for the activity log's before and after).
pub async fn apply_change(
    client: &Client,
    device_id: &str,
    change: &DeviceChange,
) -> Result<Changed, AppError> {
    let current = client.get_device(device_id).await?;
    let body = change.apply(&current)?;
    let updated = client.update_device(device_id, &body).await?;
    Ok(Changed {
        before: current,
        after: Some(updated),
    })
}

/// Deregisters a device, read first so the log says what it was.
pub async fn deregister(client: &Client, device_id: &str) -> Result<Changed, AppError> {
    let current = client.get_device(device_id).await?;
    client.delete_device(device_id).await?;
    Ok(Changed {
        before: current,
        after: None,
    })
}

/// An action on many devices.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum BulkAction {
    AssignLocation {
        location_id: Option<String>,
    },
    SetMetadata {
        key: String,
        value: String,
    },
    RemoveMetadata {
        key: String,
    },
    /// Each device named from a pattern ([`crate::fleet::rename_pattern`]): its new name is
    /// worked out in the plan, one per device.
    RenamePattern {
        pattern: String,
    },
    Deregister,
}

impl BulkAction {
    /// The change to send for one device (`None`: a deregistration). `target` is the device's
    /// own new value where the action gives each device its own (a rename pattern's name).
    pub fn device_change(&self, target: Option<&str>) -> Option<DeviceChange> {
        match self {
            Self::AssignLocation { location_id } => Some(DeviceChange::Move {
                location_id: location_id.clone(),
            }),
            Self::RenamePattern { .. } => Some(DeviceChange::Rename {
                name: target.unwrap_or_default().to_owned(),
            }),
            Self::SetMetadata { key, value } => Some(DeviceChange::Metadata {
                set: BTreeMap::from([(key.clone(), value.clone())]),
                remove: Vec::new(),
            }),
            Self::RemoveMetadata { key } => Some(DeviceChange::Metadata {
                set: BTreeMap::new(),
                remove: vec![key.clone()],
            }),
            Self::Deregister => None,
        }
    }

    /// What the action changes on `device`, as it is now: the store, the key's value, its name
    /// (a deregistration): what a job compares with what its plan saw, to tell a change made by
    /// someone else in between.
    pub fn watched_value(&self, device: &Device) -> Option<String> {
        match self {
            Self::AssignLocation { .. } => device.location_id.clone(),
            Self::RenamePattern { .. } => Some(device.name.clone()),
            Self::SetMetadata { key, .. } | Self::RemoveMetadata { key } => {
                device.metadata.get(key).cloned()
            }
            Self::Deregister => Some(device.name.clone()),
        }
    }

    /// Whether `device` is already as the action asks (nothing to send). A deregistered device
    /// no longer exists, so for a deregistration this is never true of one that is read.
    pub fn is_satisfied(&self, device: &Device, target: Option<&str>) -> bool {
        match self {
            Self::RenamePattern { .. } => Some(device.name.as_str()) == target,
            Self::AssignLocation { location_id } => {
                device.location_id.as_deref() == location_id.as_deref().filter(|id| !id.is_empty())
            }
            Self::SetMetadata { key, value } => {
                device.metadata.get(key.trim()).map(String::as_str) == Some(value.trim())
            }
            Self::RemoveMetadata { key } => !device.metadata.contains_key(key),
            Self::Deregister => false,
        }
    }

    /// What the action does, for the report and the audit log.
    pub fn describe(&self, location_names: &HashMap<String, String>) -> String {
        match self {
            Self::AssignLocation {
                location_id: Some(id),
            } => {
                format!(
                    "Move to {}",
                    location_names.get(id).map(String::as_str).unwrap_or(id)
                )
            }
            Self::AssignLocation { location_id: None } => "Unassign from its location".to_owned(),
            Self::SetMetadata { key, value } => format!("Set {key} = {value}"),
            Self::RemoveMetadata { key } => format!("Remove {key}"),
            Self::RenamePattern { pattern } => format!("Rename to “{pattern}”"),
            Self::Deregister => "Deregister".to_owned(),
        }
    }
}

/// One device's line in the dry-run preview.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Type)]
pub struct BulkPreviewRow {
    pub device_id: String,
    pub name: String,
    pub before: String,
    pub after: String,
    /// Already as asked: sending it changes nothing.
    pub unchanged: bool,
}

/// The dry run: each device's change as the cache knows it (`targets`: each device's own new
/// value, for an action that has one per device).
pub fn preview(
    action: &BulkAction,
    devices: &[&Device],
    targets: Option<&[String]>,
    location_names: &HashMap<String, String>,
) -> Vec<BulkPreviewRow> {
    let place = |id: &Option<String>| match id {
        Some(id) => location_names
            .get(id)
            .cloned()
            .unwrap_or_else(|| id.clone()),
        None => "Unassigned".to_owned(),
    };
    devices
        .iter()
        .enumerate()
        .map(|(i, device)| {
            let (before, after) = match action {
                BulkAction::RenamePattern { .. } => (
                    device.name.clone(),
                    targets
                        .and_then(|t| t.get(i))
                        .cloned()
                        .unwrap_or_else(|| device.name.clone()),
                ),
                BulkAction::AssignLocation { location_id } => {
                    (place(&device.location_id), place(location_id))
                }
                BulkAction::SetMetadata { key, value } => (
                    device
                        .metadata
                        .get(key)
                        .map(|v| format!("{key} = {v}"))
                        .unwrap_or_else(|| format!("no {key}")),
                    format!("{key} = {value}"),
                ),
                BulkAction::RemoveMetadata { key } => (
                    device
                        .metadata
                        .get(key)
                        .map(|v| format!("{key} = {v}"))
                        .unwrap_or_else(|| format!("no {key}")),
                    format!("no {key}"),
                ),
                BulkAction::Deregister => (
                    "Registered".to_owned(),
                    "Deregistered (token revoked)".to_owned(),
                ),
            };
            BulkPreviewRow {
                device_id: device.id.clone(),
                name: device.name.clone(),
                unchanged: before == after,
                before,
                after,
            }
        })
        .collect()
}

/// What a successful change left behind: the device as the API returned it, or gone.
#[derive(Debug, Clone, PartialEq)]
pub enum Applied {
    Updated(Device),
    Removed(String),
}

impl From<&Changed> for Applied {
    fn from(changed: &Changed) -> Self {
        match &changed.after {
            Some(device) => Self::Updated(device.clone()),
            None => Self::Removed(changed.before.id.clone()),
        }
    }
}

/// Writes API answers into a profile's cached fleet, on top of its last sync.
pub fn write_into(
    cache: &crate::fleet::cache::FleetCache,
    profile_id: &str,
    applied: &[Applied],
) -> Result<(), crate::AppError> {
    for change in applied {
        match change {
            Applied::Updated(device) => cache.upsert(profile_id, device)?,
            Applied::Removed(device_id) => cache.remove(profile_id, device_id)?,
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use chrono::Utc;
    use kustom_ipp::{Metadata, Platform};

    use super::*;

    fn device() -> Device {
        Device {
            id: "d1".into(),
            hardware_id: "HW".into(),
            merchant_id: "m".into(),
            location_id: Some("loc-a".into()),
            name: "Till 1".into(),
            platform: Platform::Ios,
            metadata: Metadata::from([
                ("store_id".into(), "1".into()),
                ("region".into(), "Syd".into()),
            ]),
            created_at: Utc::now(),
            open_cash_register_id: None,
            unique_id: None,
        }
    }

    #[test]
    fn each_change_touches_only_its_part() {
        let rename = DeviceChange::Rename {
            name: " Front desk ".into(),
        }
        .apply(&device())
        .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            (
                rename.name.as_str(),
                rename.location_id.as_deref(),
                rename.metadata.len()
            ),
            ("Front desk", Some("loc-a"), 2)
        );
        let meta = DeviceChange::Metadata {
            set: BTreeMap::from([("floor".into(), "2".into())]),
            remove: vec!["region".into()],
        }
        .apply(&device())
        .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            meta.metadata.keys().collect::<Vec<_>>(),
            ["floor", "store_id"]
        );
        assert_eq!(meta.name, "Till 1");
        let moved = DeviceChange::Move { location_id: None }
            .apply(&device())
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!((moved.location_id, moved.metadata.len()), (None, 2));
        assert!(
            DeviceChange::Rename { name: "  ".into() }
                .apply(&device())
                .is_err()
        );
        assert!(
            DeviceChange::Metadata {
                set: BTreeMap::from([("a:b".into(), "x".into())]),
                remove: vec![]
            }
            .apply(&device())
            .is_err()
        );
    }

    #[test]
    fn preview_shows_before_and_after() {
        let names = HashMap::from([
            ("loc-a".to_owned(), "Malmö".to_owned()),
            ("loc-b".to_owned(), "Oslo".to_owned()),
        ]);
        let d = device();
        let rows = preview(
            &BulkAction::AssignLocation {
                location_id: Some("loc-b".into()),
            },
            &[&d],
            None,
            &names,
        );
        assert_eq!(
            (
                rows[0].before.as_str(),
                rows[0].after.as_str(),
                rows[0].unchanged
            ),
            ("Malmö", "Oslo", false)
        );
        let same = preview(
            &BulkAction::SetMetadata {
                key: "region".into(),
                value: "Syd".into(),
            },
            &[&d],
            None,
            &names,
        );
        assert!(same[0].unchanged);
        let renamed = preview(
            &BulkAction::RenamePattern {
                pattern: "{store} {n}".into(),
            },
            &[&d],
            Some(&["Malmö 1".to_owned()]),
            &names,
        );
        assert_eq!(
            (renamed[0].before.as_str(), renamed[0].after.as_str()),
            ("Till 1", "Malmö 1")
        );
    }
}
