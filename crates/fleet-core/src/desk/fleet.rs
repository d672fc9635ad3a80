//! The device fleet through the [`Desk`]: sync into the cache, find, look at one device, change
//! it (read-modify-write), bulk actions, CSV export, saved views.

use std::collections::{BTreeMap, HashMap};
use std::path::Path;
use std::sync::Arc;

use kustom_ipp::{Device, PagingOptions, Progress, fetch_pages};
use serde::{Deserialize, Serialize};
use specta::Type;

use super::{Desk, blocking};
use crate::AppError;
use crate::device_edits::{
    self, Applied, BulkAction, BulkPreviewRow, BulkProgress, BulkReport, DeviceChange,
};
use crate::fleet_cache::SyncInfo;
use crate::fleet_index::{FleetIndex, FleetQuery, Sort};
use crate::profile::Profile;
use crate::store::storage;

/// The fleet of one profile as Fleetdesk holds it.
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

/// A bulk action's dry run, kept in Rust under `plan_id`: running it acts on exactly these devices.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Type)]
pub struct BulkPlan {
    pub plan_id: String,
    pub rows: Vec<BulkPreviewRow>,
    /// On production, what must be typed to run it ("12 devices"); otherwise nothing.
    pub confirm_text: Option<String>,
}

/// What a bulk plan remembers: for which profile, what to do, to which devices.
#[derive(Clone)]
pub(crate) struct StoredBulk {
    profile_id: String,
    action: BulkAction,
    targets: Vec<(String, String)>,
}

/// The most devices one bulk action may touch (the whole of a very large fleet).
const MAX_BULK: usize = 100_000;

/// `N devices`, what production asks to be typed for a bulk action.
fn devices_phrase(count: usize) -> String {
    if count == 1 {
        "1 device".to_owned()
    } else {
        format!("{count} devices")
    }
}

/// Counts by location id as the panel lists them: every known location (empty ones too), by
/// name, the unassigned bucket last.
fn counted(
    counts: BTreeMap<Option<String>, u32>,
    names: &HashMap<String, String>,
) -> Vec<LocationCount> {
    let mut locations: Vec<LocationCount> = counts
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
    for (id, name) in names {
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
    // Stores by name, the unassigned devices last.
    locations.sort_by(|a, b| {
        (a.location_id.is_none())
            .cmp(&b.location_id.is_none())
            .then_with(|| crate::name_order::compare(&a.name, &b.name))
    });
    locations
}

/// A spreadsheet cell that starts like a formula is written as text: `'=…` (CSV injection).
fn neutralised(cell: String) -> String {
    if cell.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{cell}")
    } else {
        cell
    }
}

impl Desk {
    /// The fleet of `profile`, loaded from the cache on first use.
    pub(crate) async fn fleet_of(&self, profile: &Profile) -> Result<Arc<FleetIndex>, AppError> {
        if let Some(state) = self
            .fleet
            .lock()
            .as_ref()
            .filter(|s| s.profile_id == profile.id)
        {
            return Ok(state.index.clone());
        }
        let (cache, id) = (self.fleet_cache.clone(), profile.id.clone());
        let (devices, sync) =
            blocking(move || Ok((cache.load(&id)?, cache.sync_info(&id)?))).await?;
        let index = Arc::new(blocking(move || Ok(FleetIndex::build(devices)?)).await?);
        *self.fleet.lock() = Some(FleetState {
            profile_id: profile.id.clone(),
            index: index.clone(),
            sync,
            online: true,
        });
        Ok(index)
    }

    async fn fleet(&self) -> Result<(Profile, Arc<FleetIndex>), AppError> {
        let profile = self.active_profile().await?;
        let index = self.fleet_of(&profile).await?;
        Ok((profile, index))
    }

    fn set_online(&self, profile_id: &str, online: bool) {
        if let Some(state) = self
            .fleet
            .lock()
            .as_mut()
            .filter(|s| s.profile_id == profile_id)
        {
            state.online = online;
        }
    }

    fn ensure_online(&self, profile_id: &str) -> Result<(), AppError> {
        let online = self
            .fleet
            .lock()
            .as_ref()
            .filter(|s| s.profile_id == profile_id)
            .is_none_or(|s| s.online);
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
    fn note(&self, profile_id: &str, result: &Result<impl Sized, AppError>) {
        match result {
            Ok(_) => self.set_online(profile_id, true),
            Err(AppError::Offline { .. } | AppError::Timeout { .. }) => {
                self.set_online(profile_id, false)
            }
            Err(_) => {}
        }
    }

    /// Deletes a deleted profile's cached fleet and saved views, and its index if it is the one
    /// in memory.
    pub(super) async fn forget_fleet(&self, profile_id: &str) -> Result<(), AppError> {
        let (cache, id) = (self.fleet_cache.clone(), profile_id.to_owned());
        blocking(move || cache.forget(&id)).await?;
        let mut fleet = self.fleet.lock();
        if fleet
            .as_ref()
            .is_some_and(|state| state.profile_id == profile_id)
        {
            *fleet = None;
        }
        Ok(())
    }

    /// Fetches the whole fleet (bounded concurrency, with progress) into the cache, and the
    /// locations with it.
    pub async fn sync_fleet(&self, progress: impl FnMut(Progress)) -> Result<SyncInfo, AppError> {
        let (profile, client) = self.active_client().await?;
        self.fleet_of(&profile).await?;
        // Each page goes into the next index and to the cache's writer as it arrives, beside the
        // pages still in flight.
        let writer = self.fleet_cache.begin_sync(&profile.id)?;
        let pages = fetch_pages(
            |request| {
                let (client, writer) = (client.clone(), &writer);
                async move {
                    let number = request.page_number;
                    let (page, body) = client
                        .list_devices_with_body(&kustom_ipp::DeviceQuery::default(), request)
                        .await?;
                    writer.write(number, &page.content, body).await;
                    // The devices are in the index's rows and the page in the cache now.
                    Ok(page.map(drop))
                }
            },
            PagingOptions {
                page_size: 100,
                concurrency: 8,
            },
            progress,
        );
        // Locations are refreshed with the fleet (new stores show up at the same moment), beside
        // the device pages rather than after them.
        let (result, locations) = tokio::join!(pages, self.refresh_locations(&profile));
        if let Err(err) = locations {
            tracing::warn!(%err, "could not refresh the locations with the fleet");
        }
        let result = result.map_err(AppError::from);
        self.note(&profile.id, &result);
        // On an error the writer is dropped here, and what it wrote is deleted.
        let pages = result?;
        let cache = self.fleet_cache.clone();
        let (info, index) = blocking(move || cache.finish_and_index(writer, pages.len())).await?;
        let replaced = self.fleet.lock().replace(FleetState {
            profile_id: profile.id,
            index: Arc::new(index),
            sync: Some(info),
            online: true,
        });
        // Freeing the previous index of 100,000 devices takes a while; not on the way to the answer.
        // Then the sync's own buffers (every page as it came, and the rows' growth) go back to the
        // system.
        tokio::task::spawn_blocking(move || {
            drop(replaced);
            crate::freed_memory::release();
        });
        Ok(info)
    }

    async fn location_names(&self, profile: &Profile) -> HashMap<String, String> {
        match self.locations_of(profile).await {
            Ok(locations) => locations
                .iter()
                .map(|(id, l)| (id.clone(), l.name.clone()))
                .collect(),
            Err(_) => HashMap::new(),
        }
    }

    /// Per-location counts of the devices matching `query` apart from its location (so the
    /// panel says where the filtered devices are).
    pub async fn location_counts(
        &self,
        query: &FleetQuery,
    ) -> Result<Vec<LocationCount>, AppError> {
        let (profile, index) = self.fleet().await?;
        let names = self.location_names(&profile).await;
        Ok(counted(index.location_counts_for(query), &names))
    }

    pub async fn fleet_overview(&self) -> Result<FleetOverview, AppError> {
        let (profile, index) = self.fleet().await?;
        let names = self.location_names(&profile).await;
        let locations = counted(index.location_counts(), &names);
        let suggestions = index
            .metadata_values()
            .into_iter()
            .map(|(key, values)| {
                let mut values: Vec<(String, u32)> = values.into_iter().collect();
                values.sort_by(|a, b| {
                    b.1.cmp(&a.1)
                        .then_with(|| crate::name_order::compare(&a.0, &b.0))
                });
                (key, values.into_iter().map(|(v, _)| v).take(50).collect())
            })
            .collect();
        let (sync, online) = self
            .fleet
            .lock()
            .as_ref()
            .filter(|s| s.profile_id == profile.id)
            .map(|s| (s.sync, s.online))
            .unwrap_or((None, true));
        let (cache, id) = (self.fleet_cache.clone(), profile.id.clone());
        let saved_views = blocking(move || cache.views(&id))
            .await?
            .into_iter()
            .map(|(name, query)| SavedView { name, query })
            .collect();
        Ok(FleetOverview {
            total: index.len() as u32,
            sync,
            online,
            locations,
            suggestions,
            saved_views,
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
        let asked = std::time::Instant::now();
        let (profile, index) = self.fleet().await?;
        let names = self.location_names(&profile).await;
        let found = std::time::Instant::now();
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
                device,
            })
            .collect();
        // Each keystroke in the fleet filter comes here: where its time goes, for `RUST_LOG=debug`.
        tracing::debug!(
            total,
            profile_and_locations_us = (found - asked).as_micros() as u64,
            find_us = found.elapsed().as_micros() as u64,
            "find_devices"
        );
        Ok(FleetPage {
            total,
            offset,
            rows: window,
        })
    }

    /// The devices a selection means, in name order.
    async fn resolve_selection(
        &self,
        index: &FleetIndex,
        selection: &DeviceSelection,
    ) -> Vec<Device> {
        match selection {
            DeviceSelection::Ids { ids } => ids.iter().filter_map(|id| index.get(id)).collect(),
            DeviceSelection::Matching { query } => index
                .find(query)
                .iter()
                .filter_map(|r| index.device(*r))
                .collect(),
        }
    }

    /// One device, fresh from the API when it can be reached, else from the cache.
    pub async fn device_detail(&self, device_id: &str) -> Result<DeviceRow, AppError> {
        let (profile, index) = self.fleet().await?;
        let client = self.client_for(&profile).await?;
        let fetched = client.get_device(device_id).await.map_err(AppError::from);
        self.note(&profile.id, &fetched);
        let device = match fetched {
            Ok(device) => {
                self.remember(&profile.id, vec![Applied::Updated(device.clone())])
                    .await?;
                device
            }
            Err(AppError::Offline { .. } | AppError::Timeout { .. }) => {
                index.get(device_id).ok_or_else(|| AppError::NotFound {
                    message: "That device is not in the cached fleet.".to_owned(),
                })?
            }
            Err(err) => return Err(err),
        };
        let names = self.location_names(&profile).await;
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
        let (profile, client) = self.active_client().await?;
        self.ensure_online(&profile.id)?;
        let result = device_edits::apply_change(&client, device_id, change).await;
        self.note(&profile.id, &result);
        let label = match change {
            DeviceChange::Rename { .. } => "device.rename",
            DeviceChange::Metadata { .. } => "device.metadata",
            DeviceChange::Move { .. } => "device.move",
        };
        self.audit_result(Some(&profile), label, device_id, &result)
            .await;
        let device = result?;
        self.remember(&profile.id, vec![Applied::Updated(device.clone())])
            .await?;
        Ok(device)
    }

    /// Deregisters a device: it is removed and its token revoked; the clerk must re-enroll it.
    /// On production the confirmation is the device's name, as Kustom has it.
    pub async fn deregister_device(
        &self,
        device_id: &str,
        confirmation: Option<&str>,
    ) -> Result<(), AppError> {
        let (profile, client) = self.active_client().await?;
        self.ensure_online(&profile.id)?;
        if profile.environment.is_production() {
            let device = client.get_device(device_id).await?;
            crate::confirmation::require(&profile, &device.name, confirmation)?;
        }
        let result = client
            .delete_device(device_id)
            .await
            .map_err(AppError::from);
        self.note(&profile.id, &result);
        self.audit_result(Some(&profile), "device.deregister", device_id, &result)
            .await;
        result?;
        self.remember(&profile.id, vec![Applied::Removed(device_id.to_owned())])
            .await
    }

    /// Writes API answers into the cache of `profile_id` — the profile the change was made on,
    /// whichever is active by the time it finished — and rebuilds its index once.
    pub(crate) async fn remember(
        &self,
        profile_id: &str,
        applied: Vec<Applied>,
    ) -> Result<(), AppError> {
        if applied.is_empty() {
            return Ok(());
        }
        let profile = self.profile(profile_id).await?;
        let index = self.fleet_of(&profile).await?;
        let (cache, id) = (self.fleet_cache.clone(), profile.id.clone());
        let rebuilt = blocking(move || {
            let mut devices: HashMap<String, Device> =
                index.devices().map(|d| (d.id.clone(), d)).collect();
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
            Ok(FleetIndex::build(devices.into_values().collect())?)
        })
        .await?;
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

    /// The dry run of a bulk action: each device's change. Kept as a plan: running it acts on
    /// exactly the devices listed here.
    pub async fn bulk_preview(
        &self,
        action: &BulkAction,
        selection: &DeviceSelection,
    ) -> Result<BulkPlan, AppError> {
        let (profile, index) = self.fleet().await?;
        let devices = self.resolve_selection(&index, selection).await;
        if devices.is_empty() {
            return Err(AppError::invalid_field(
                "selection",
                "Select at least one device.",
            ));
        }
        if devices.len() > MAX_BULK {
            return Err(AppError::invalid_field(
                "selection",
                format!("At most {MAX_BULK} devices at once."),
            ));
        }
        let names = self.location_names(&profile).await;
        let refs: Vec<&Device> = devices.iter().collect();
        let rows = device_edits::preview(action, &refs, &names);
        let confirm_text = profile
            .environment
            .is_production()
            .then(|| devices_phrase(devices.len()));
        let plan_id = self.plans.bulk.keep(StoredBulk {
            profile_id: profile.id.clone(),
            action: action.clone(),
            targets: devices.into_iter().map(|d| (d.id, d.name)).collect(),
        });
        Ok(BulkPlan {
            plan_id,
            rows,
            confirm_text,
        })
    }

    /// Runs a previewed bulk action on the devices its preview listed, with the account it was
    /// previewed on, reporting progress. On production, `confirmation` must be "N devices".
    pub async fn bulk_run(
        &self,
        plan_id: &str,
        confirmation: Option<&str>,
        progress: impl FnMut(BulkProgress),
    ) -> Result<BulkReport, AppError> {
        let plan = self
            .plans
            .bulk
            .get(plan_id)
            .ok_or_else(|| AppError::Conflict {
                message: "That preview is no longer available; preview the change again."
                    .to_owned(),
            })?;
        let (profile, client) = self.client_of(&plan.profile_id).await?;
        self.ensure_online(&profile.id)?;
        crate::confirmation::require(&profile, &devices_phrase(plan.targets.len()), confirmation)?;
        self.plans.bulk.take(plan_id);
        let names = self.location_names(&profile).await;
        let label = plan.action.describe(&names);
        let (report, applied) =
            device_edits::run_bulk(&client, &plan.action, plan.targets, label.clone(), progress)
                .await;
        self.remember(&profile.id, applied).await?;
        let detail = format!("{} ok, {} failed", report.succeeded, report.failed);
        self.audit_detail(Some(&profile), "device.bulk", &label, None, Some(&detail))
            .await;
        Ok(report)
    }

    /// Writes the devices matching `query` as CSV to `path` (a place the user chose), atomically;
    /// metadata flattened to `metadata.<key>` columns, cells that look like formulas neutralised.
    pub async fn export_devices_csv(
        &self,
        path: &Path,
        query: &FleetQuery,
        sort: Sort,
    ) -> Result<u32, AppError> {
        let (profile, index) = self.fleet().await?;
        let names = self.location_names(&profile).await;
        let (query, path_buf) = (query.clone(), path.to_path_buf());
        let count = blocking(move || {
            let mut rows = index.find(&query);
            index.sort(&mut rows, sort, &names);
            let devices: Vec<Device> = rows.iter().filter_map(|r| index.device(*r)).collect();
            let keys: Vec<String> = devices
                .iter()
                .flat_map(|d| d.metadata.keys().cloned())
                .collect::<std::collections::BTreeSet<_>>()
                .into_iter()
                .collect();
            let mut writer = csv::Writer::from_writer(Vec::new());
            let mut header = [
                "id",
                "name",
                "platform",
                "hardware_id",
                "location_id",
                "location_name",
                "created_at",
                "open_cash_register_id",
            ]
            .map(str::to_owned)
            .to_vec();
            header.extend(keys.iter().map(|k| neutralised(format!("metadata.{k}"))));
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
                    .write_record(record.into_iter().map(neutralised))
                    .map_err(|err| storage("write the CSV file", err))?;
            }
            let bytes = writer
                .into_inner()
                .map_err(|err| storage("write the CSV file", err))?;
            crate::private_files::write_atomically(&path_buf, &bytes)
                .map_err(|err| storage("save the CSV file", err))?;
            Ok(devices.len() as u32)
        })
        .await?;
        let file_name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        self.audit_detail(
            Some(&profile),
            "device.export_csv",
            &file_name,
            None,
            Some(&format!("{count} devices")),
        )
        .await;
        Ok(count)
    }

    pub async fn save_view(&self, name: &str, query: &FleetQuery) -> Result<(), AppError> {
        let profile = self.active_profile().await?;
        let (cache, name, query) = (self.fleet_cache.clone(), name.to_owned(), query.clone());
        blocking(move || cache.save_view(&profile.id, &name, &query)).await
    }

    pub async fn delete_view(&self, name: &str) -> Result<(), AppError> {
        let profile = self.active_profile().await?;
        let (cache, name) = (self.fleet_cache.clone(), name.to_owned());
        blocking(move || cache.delete_view(&profile.id, &name)).await
    }

    /// A device as the cached fleet of the active profile knows it.
    pub(crate) async fn fleet_device(&self, device_id: &str) -> Option<Device> {
        self.fleet().await.ok()?.1.get(device_id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formula_cells_are_written_as_text() {
        for cell in ["=1+1", "+46 70", "-5", "@SUM(A1)", "\tx", "\r=x"] {
            assert!(neutralised(cell.to_owned()).starts_with('\''), "{cell}");
        }
        assert_eq!(neutralised("Till 1".to_owned()), "Till 1");
        assert_eq!(devices_phrase(1), "1 device");
        assert_eq!(devices_phrase(12), "12 devices");
    }

    #[test]
    fn the_location_panel_lists_stores_in_name_order_and_unassigned_last() {
        let names = HashMap::from([
            ("loc_a".to_owned(), "Bergen Galleriet 10".to_owned()),
            ("loc_b".to_owned(), "bergen galleriet 2".to_owned()),
            ("loc_c".to_owned(), "Arendal".to_owned()),
        ]);
        let counts = BTreeMap::from([
            (None, 4),
            (Some("loc_a".to_owned()), 2),
            (Some("loc_b".to_owned()), 1),
        ]);
        let listed: Vec<(String, u32)> = counted(counts, &names)
            .into_iter()
            .map(|l| (l.name, l.count))
            .collect();
        assert_eq!(
            listed,
            [
                ("Arendal".to_owned(), 0),
                ("bergen galleriet 2".to_owned(), 1),
                ("Bergen Galleriet 10".to_owned(), 2),
                ("Unassigned".to_owned(), 4),
            ]
        );
    }
}
