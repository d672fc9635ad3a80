//! The device fleet through the [`Desk`]: sync into the cache, find, look at one device, change
//! it (read-modify-write), bulk actions, CSV export, saved views.

use std::collections::{BTreeMap, HashMap};
use std::path::Path;
use std::sync::Arc;

use kustom_ipp::{Device, PagingOptions, Progress, fetch_all};
use serde::{Deserialize, Serialize};
use specta::Type;

use super::Desk;
use crate::AppError;
use crate::device_edits::{
    self, Applied, BulkAction, BulkPreviewRow, BulkProgress, BulkReport, DeviceChange,
};
use crate::fleet_cache::SyncInfo;
use crate::fleet_index::{FleetIndex, FleetQuery, Sort};
use crate::store::storage;

/// The fleet of the active profile as Fleetdesk holds it.
pub(crate) struct FleetState {
    profile_id: String,
    index: Arc<FleetIndex>,
    sync: Option<SyncInfo>,
    /// Whether the last contact with the API worked; when not, the fleet is read-only.
    online: bool,
}

/// A device row for the table.
#[derive(Debug, Clone, PartialEq, Serialize, Type)]
pub struct DeviceRow {
    pub device: Device,
    pub location_name: Option<String>,
}

/// One window of a query's results.
#[derive(Debug, Clone, PartialEq, Serialize, Type)]
pub struct FleetPage {
    pub total: u32,
    pub offset: u32,
    pub rows: Vec<DeviceRow>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Type)]
pub struct LocationCount {
    /// `None`: the unassigned bucket.
    pub location_id: Option<String>,
    pub name: String,
    pub count: u32,
}

/// What the fleet view shows around the table.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Type)]
pub struct FleetOverview {
    pub total: u32,
    pub sync: Option<SyncInfo>,
    pub online: bool,
    pub locations: Vec<LocationCount>,
    /// Metadata keys seen in the fleet, each with its values, most common first.
    pub suggestions: BTreeMap<String, Vec<String>>,
    pub saved_views: Vec<SavedView>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Type)]
pub struct SavedView {
    pub name: String,
    pub query: FleetQuery,
}

/// Which devices an action is for.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Type)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum DeviceSelection {
    Ids {
        ids: Vec<String>,
    },
    /// Every device matching the query ("select all matching").
    Matching {
        query: FleetQuery,
    },
}

impl Desk {
    /// The fleet state of the active profile, loaded from the cache on first use.
    async fn fleet(&self) -> Result<Arc<FleetIndex>, AppError> {
        let profile = self.active_profile()?;
        if let Some(state) = self
            .fleet
            .lock()
            .as_ref()
            .filter(|s| s.profile_id == profile.id)
        {
            return Ok(state.index.clone());
        }
        let cache = self.fleet_cache.clone();
        let id = profile.id.clone();
        let devices = tokio::task::spawn_blocking(move || cache.load(&id))
            .await
            .map_err(|err| AppError::internal(err.to_string()))??;
        let index = Arc::new(FleetIndex::build(devices));
        let sync = self.fleet_cache.sync_info(&profile.id)?;
        *self.fleet.lock() = Some(FleetState {
            profile_id: profile.id,
            index: index.clone(),
            sync,
            online: true,
        });
        Ok(index)
    }

    fn set_online(&self, online: bool) {
        if let Some(state) = self.fleet.lock().as_mut() {
            state.online = online;
        }
    }

    fn ensure_online(&self) -> Result<(), AppError> {
        let online = self.fleet.lock().as_ref().is_none_or(|s| s.online);
        if online {
            Ok(())
        } else {
            Err(AppError::Offline {
                message: "Kustom could not be reached at the last sync, so the fleet is read-only. Refresh once you are back online."
                    .to_owned(),
            })
        }
    }

    /// Remembers whether an API failure means we are offline.
    fn note(&self, result: &Result<impl Sized, AppError>) {
        match result {
            Ok(_) => self.set_online(true),
            Err(AppError::Offline { .. } | AppError::Timeout { .. }) => self.set_online(false),
            Err(_) => {}
        }
    }

    /// Fetches the whole fleet (bounded concurrency, with progress) into the cache.
    pub async fn sync_fleet(&self, progress: impl FnMut(Progress)) -> Result<SyncInfo, AppError> {
        let (profile, client) = self.active_client().await?;
        self.fleet().await?;
        let result = fetch_all(
            |page| {
                let client = client.clone();
                async move {
                    client
                        .list_devices(&kustom_ipp::DeviceQuery::default(), page)
                        .await
                }
            },
            PagingOptions {
                page_size: 100,
                concurrency: 8,
            },
            progress,
        )
        .await
        .map_err(AppError::from);
        self.note(&result);
        let devices = result?;
        let cache = self.fleet_cache.clone();
        let id = profile.id.clone();
        let (info, index) =
            tokio::task::spawn_blocking(move || cache.store_and_index(&id, devices))
                .await
                .map_err(|err| AppError::internal(err.to_string()))??;
        *self.fleet.lock() = Some(FleetState {
            profile_id: profile.id,
            index: Arc::new(index),
            sync: Some(info),
            online: true,
        });
        Ok(info)
    }

    async fn location_names(&self) -> HashMap<String, String> {
        match self.locations_by_id().await {
            Ok(locations) => locations.into_iter().map(|(id, l)| (id, l.name)).collect(),
            Err(_) => HashMap::new(),
        }
    }

    pub async fn fleet_overview(&self) -> Result<FleetOverview, AppError> {
        let index = self.fleet().await?;
        let names = self.location_names().await;
        let mut locations: Vec<LocationCount> = index
            .location_counts()
            .into_iter()
            .map(|(id, count)| LocationCount {
                name: match &id {
                    Some(id) => names.get(id).cloned().unwrap_or_else(|| id.clone()),
                    None => "Unassigned".to_owned(),
                },
                location_id: id,
                count,
            })
            .collect();
        // Locations without devices still belong in the panel.
        for (id, name) in &names {
            if !locations
                .iter()
                .any(|l| l.location_id.as_deref() == Some(id))
            {
                locations.push(LocationCount {
                    location_id: Some(id.clone()),
                    name: name.clone(),
                    count: 0,
                });
            }
        }
        locations.sort_by(|a, b| {
            (a.location_id.is_none(), a.name.to_lowercase())
                .cmp(&(b.location_id.is_none(), b.name.to_lowercase()))
        });
        let suggestions = index
            .metadata_values()
            .into_iter()
            .map(|(key, values)| {
                let mut values: Vec<(String, u32)> = values.into_iter().collect();
                values.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
                (key, values.into_iter().map(|(v, _)| v).take(50).collect())
            })
            .collect();
        let (sync, online) = self
            .fleet
            .lock()
            .as_ref()
            .map(|s| (s.sync, s.online))
            .unwrap_or((None, true));
        let profile = self.active_profile()?;
        Ok(FleetOverview {
            total: index.len() as u32,
            sync,
            online,
            locations,
            suggestions,
            saved_views: self
                .fleet_cache
                .views(&profile.id)?
                .into_iter()
                .map(|(name, query)| SavedView { name, query })
                .collect(),
        })
    }

    /// A window of the devices matching `query`, from the local index.
    pub async fn find_devices(
        &self,
        query: &FleetQuery,
        sort: Sort,
        offset: u32,
        limit: u32,
    ) -> Result<FleetPage, AppError> {
        let index = self.fleet().await?;
        let names = self.location_names().await;
        let mut rows = index.find(query);
        index.sort(&mut rows, sort, &names);
        let total = rows.len() as u32;
        let window = rows
            .iter()
            .skip(offset as usize)
            .take(limit.min(500) as usize)
            .filter_map(|row| index.device(*row))
            .map(|device| DeviceRow {
                location_name: device
                    .location_id
                    .as_ref()
                    .and_then(|id| names.get(id).cloned()),
                device: device.clone(),
            })
            .collect();
        Ok(FleetPage {
            total,
            offset,
            rows: window,
        })
    }

    /// The ids of the devices a selection means, in name order.
    pub async fn resolve_selection(
        &self,
        selection: &DeviceSelection,
    ) -> Result<Vec<Device>, AppError> {
        let index = self.fleet().await?;
        Ok(match selection {
            DeviceSelection::Ids { ids } => {
                ids.iter().filter_map(|id| index.get(id)).cloned().collect()
            }
            DeviceSelection::Matching { query } => index
                .find(query)
                .iter()
                .filter_map(|r| index.device(*r))
                .cloned()
                .collect(),
        })
    }

    /// One device, fresh from the API when it can be reached, else from the cache.
    pub async fn device_detail(&self, device_id: &str) -> Result<DeviceRow, AppError> {
        let index = self.fleet().await?;
        let (_, client) = self.active_client().await?;
        let fetched = client.get_device(device_id).await.map_err(AppError::from);
        self.note(&fetched);
        let device = match fetched {
            Ok(device) => {
                self.remember(vec![Applied::Updated(device.clone())])
                    .await?;
                device
            }
            Err(AppError::Offline { .. } | AppError::Timeout { .. }) => index
                .get(device_id)
                .cloned()
                .ok_or_else(|| AppError::NotFound {
                    message: "That device is not in the cached fleet.".to_owned(),
                })?,
            Err(err) => return Err(err),
        };
        let names = self.location_names().await;
        Ok(DeviceRow {
            location_name: device
                .location_id
                .as_ref()
                .and_then(|id| names.get(id).cloned()),
            device,
        })
    }

    /// Applies one change with read-modify-write and updates the cache.
    pub async fn change_device(
        &self,
        device_id: &str,
        change: &DeviceChange,
    ) -> Result<Device, AppError> {
        self.ensure_online()?;
        let (profile, client) = self.active_client().await?;
        let result = device_edits::apply_change(&client, device_id, change).await;
        self.note(&result);
        let label = match change {
            DeviceChange::Rename { .. } => "device.rename",
            DeviceChange::Metadata { .. } => "device.metadata",
            DeviceChange::Move { .. } => "device.move",
        };
        self.audit_result(Some(&profile), label, device_id, &result);
        let device = result?;
        self.remember(vec![Applied::Updated(device.clone())])
            .await?;
        Ok(device)
    }

    /// Deregisters a device: it is removed and its token revoked; the clerk must re-enroll it.
    pub async fn deregister_device(&self, device_id: &str) -> Result<(), AppError> {
        self.ensure_online()?;
        let (profile, client) = self.active_client().await?;
        let result = client
            .delete_device(device_id)
            .await
            .map_err(AppError::from);
        self.note(&result);
        self.audit_result(Some(&profile), "device.deregister", device_id, &result);
        result?;
        self.remember(vec![Applied::Removed(device_id.to_owned())])
            .await
    }

    /// Writes API answers into the cache and rebuilds the index once.
    pub(crate) async fn remember(&self, applied: Vec<Applied>) -> Result<(), AppError> {
        if applied.is_empty() {
            return Ok(());
        }
        let profile = self.active_profile()?;
        let index = self.fleet().await?;
        let cache = self.fleet_cache.clone();
        let id = profile.id.clone();
        let rebuilt = tokio::task::spawn_blocking(move || {
            let mut devices: HashMap<String, Device> = index
                .devices()
                .iter()
                .map(|d| (d.id.clone(), d.clone()))
                .collect();
            for change in applied {
                match change {
                    Applied::Updated(device) => {
                        cache.upsert(&id, &device)?;
                        devices.insert(device.id.clone(), device);
                    }
                    Applied::Removed(device_id) => {
                        cache.remove(&id, &device_id)?;
                        devices.remove(&device_id);
                    }
                }
            }
            Ok::<_, AppError>(FleetIndex::build(devices.into_values().collect()))
        })
        .await
        .map_err(|err| AppError::internal(err.to_string()))??;
        if let Some(state) = self
            .fleet
            .lock()
            .as_mut()
            .filter(|s| s.profile_id == profile.id)
        {
            state.index = Arc::new(rebuilt);
        }
        Ok(())
    }

    /// The dry run of a bulk action: each device's change.
    pub async fn bulk_preview(
        &self,
        action: &BulkAction,
        selection: &DeviceSelection,
    ) -> Result<Vec<BulkPreviewRow>, AppError> {
        let devices = self.resolve_selection(selection).await?;
        let names = self.location_names().await;
        let refs: Vec<&Device> = devices.iter().collect();
        Ok(device_edits::preview(action, &refs, &names))
    }

    /// Runs a bulk action (also "retry failed": pass the failed ids), reporting progress.
    pub async fn bulk_run(
        &self,
        action: &BulkAction,
        selection: &DeviceSelection,
        progress: impl FnMut(BulkProgress),
    ) -> Result<BulkReport, AppError> {
        self.ensure_online()?;
        let devices = self.resolve_selection(selection).await?;
        if devices.is_empty() {
            return Err(AppError::invalid_field(
                "selection",
                "Select at least one device.",
            ));
        }
        let (profile, client) = self.active_client().await?;
        let names = self.location_names().await;
        let label = action.describe(&names);
        let targets = devices.into_iter().map(|d| (d.id, d.name)).collect();
        let (report, applied) =
            device_edits::run_bulk(&client, action, targets, label.clone(), progress).await;
        self.remember(applied).await?;
        let detail = format!("{} ok, {} failed", report.succeeded, report.failed);
        if let Err(err) =
            self.audit
                .record(Some(&profile), "device.bulk", &label, Ok(()), Some(&detail))
        {
            tracing::warn!(%err, "could not write the audit log");
        }
        Ok(report)
    }

    /// Writes the devices matching `query` as CSV, metadata flattened to `metadata.<key>` columns.
    pub async fn export_devices_csv(
        &self,
        path: &Path,
        query: &FleetQuery,
        sort: Sort,
    ) -> Result<u32, AppError> {
        let index = self.fleet().await?;
        let names = self.location_names().await;
        let mut rows = index.find(query);
        index.sort(&mut rows, sort, &names);
        let devices: Vec<&Device> = rows.iter().filter_map(|r| index.device(*r)).collect();
        let keys: Vec<String> = devices
            .iter()
            .flat_map(|d| d.metadata.keys().cloned())
            .collect::<std::collections::BTreeSet<_>>()
            .into_iter()
            .collect();
        let mut writer =
            csv::Writer::from_path(path).map_err(|err| storage("create the CSV file", err))?;
        let mut header = vec![
            "id",
            "name",
            "platform",
            "hardware_id",
            "location_id",
            "location_name",
            "created_at",
            "open_cash_register_id",
        ]
        .into_iter()
        .map(str::to_owned)
        .collect::<Vec<_>>();
        header.extend(keys.iter().map(|k| format!("metadata.{k}")));
        writer
            .write_record(&header)
            .map_err(|err| storage("write the CSV file", err))?;
        for device in &devices {
            let mut record = vec![
                device.id.clone(),
                device.name.clone(),
                device.platform.as_str().to_owned(),
                device.hardware_id.clone(),
                device.location_id.clone().unwrap_or_default(),
                device
                    .location_id
                    .as_ref()
                    .and_then(|id| names.get(id).cloned())
                    .unwrap_or_default(),
                device.created_at.to_rfc3339(),
                device
                    .open_cash_register_id
                    .map(|n| n.to_string())
                    .unwrap_or_default(),
            ];
            record.extend(
                keys.iter()
                    .map(|k| device.metadata.get(k).cloned().unwrap_or_default()),
            );
            writer
                .write_record(&record)
                .map_err(|err| storage("write the CSV file", err))?;
        }
        writer
            .flush()
            .map_err(|err| storage("write the CSV file", err))?;
        let profile = self.active_profile()?;
        let _ = self.audit.record(
            Some(&profile),
            "device.export_csv",
            &path.display().to_string(),
            Ok(()),
            None,
        );
        Ok(devices.len() as u32)
    }

    pub fn save_view(&self, name: &str, query: &FleetQuery) -> Result<(), AppError> {
        self.fleet_cache
            .save_view(&self.active_profile()?.id, name, query)
    }

    pub fn delete_view(&self, name: &str) -> Result<(), AppError> {
        self.fleet_cache
            .delete_view(&self.active_profile()?.id, name)
    }

    /// A device as the cached fleet knows it.
    pub(crate) async fn fleet_device(&self, device_id: &str) -> Option<Device> {
        self.fleet().await.ok()?.get(device_id).cloned()
    }
}
