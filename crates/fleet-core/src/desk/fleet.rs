//! The device fleet through the [`Desk`]: sync into the cache, find, look at one device, change
//! it (read-modify-write), bulk actions, CSV export, saved views.

use std::collections::{BTreeMap, HashMap};
use std::path::Path;
use std::sync::Arc;

use kustom_ipp::{Device, Progress};
use parking_lot::RwLock;
use serde::{Deserialize, Serialize};
use specta::Type;

use super::{Desk, blocking};
use crate::AppError;
use crate::fleet::cache::SyncInfo;
use crate::fleet::edits::Applied;
use crate::fleet::index::{ActivityBucket, FleetIndex, FleetQuery, Sort, SortColumn};
use crate::fleet::locations::{LocationCount, counted};
use crate::history::last_activity::{Known, LastActivity};
use crate::profiles::Profile;
use crate::storage::storage;

/// A profile's fleet index, read by every query and changed in place by edits.
pub(crate) type SharedIndex = Arc<RwLock<FleetIndex>>;

/// What a running sync tells those who joined it.
#[derive(Debug, Clone)]
pub(crate) enum SyncNews {
    Started,
    Page(Progress),
    Done(Result<SyncInfo, AppError>),
}

/// Ends a sync's turn: it is no longer running for its profile, and those who joined it hear the
/// result (or, if it was dropped half-way, that it stopped).
struct SyncFinished<'a> {
    desk: &'a Desk,
    profile_id: String,
    news: tokio::sync::watch::Sender<SyncNews>,
    done: bool,
}

impl SyncFinished<'_> {
    fn finish(mut self, result: Result<SyncInfo, AppError>) {
        self.done = true;
        self.end();
        self.news.send_replace(SyncNews::Done(result));
    }

    fn end(&self) {
        self.desk.syncs.lock().remove(&self.profile_id);
        self.desk.sync_edits.lock().remove(&self.profile_id);
    }
}

impl Drop for SyncFinished<'_> {
    fn drop(&mut self) {
        if !self.done {
            self.end();
            self.news
                .send_replace(SyncNews::Done(Err(AppError::internal(
                    "the fleet sync was stopped before it finished",
                ))));
        }
    }
}

/// The fleet of one profile as Fleetdesk holds it.
pub(crate) struct FleetState {
    pub(super) profile_id: String,
    pub(super) index: SharedIndex,
    sync: Option<SyncInfo>,
    /// Whether the last contact with the API worked; when not, the fleet is read-only.
    online: bool,
}

/// A device row for the table.
#[derive(Debug, Clone, PartialEq, Serialize, Type)]
pub struct DeviceRow {
    pub device: Device,
    pub location_name: Option<String>,
    /// Its latest pairing, payment or change (see `history::last_activity`).
    pub last_activity: LastActivity,
}

/// One window of a query's results.
#[derive(Debug, Clone, PartialEq, Serialize, Type)]
pub struct FleetPage {
    pub total: u32,
    pub offset: u32,
    pub rows: Vec<DeviceRow>,
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
    /// The fleet of `profile`, loaded from the cache on first use.
    pub(crate) async fn fleet_of(&self, profile: &Profile) -> Result<SharedIndex, AppError> {
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
        let index = Arc::new(RwLock::new(
            blocking(move || Ok(FleetIndex::build(devices)?)).await?,
        ));
        *self.fleet.lock() = Some(FleetState {
            profile_id: profile.id.clone(),
            index: index.clone(),
            sync,
            online: true,
        });
        Ok(index)
    }

    pub(super) async fn fleet(&self) -> Result<(Profile, SharedIndex), AppError> {
        let profile = self.active_profile().await?;
        let index = self.fleet_of(&profile).await?;
        Ok((profile, index))
    }

    pub(super) fn set_online(&self, profile_id: &str, online: bool) {
        if let Some(state) = self
            .fleet
            .lock()
            .as_mut()
            .filter(|s| s.profile_id == profile_id)
        {
            state.online = online;
        }
    }

    pub(super) fn ensure_online(&self, profile_id: &str) -> Result<(), AppError> {
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
    pub(super) fn note(&self, profile_id: &str, result: &Result<impl Sized, AppError>) {
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
    /// locations with it. One sync per profile at a time: asked again while one runs, the
    /// second request joins it (its progress, its result) rather than fetching everything twice
    /// and racing it for the cache. Edits made while it runs are applied on top of its result.
    pub async fn sync_fleet(
        &self,
        mut progress: impl FnMut(Progress),
    ) -> Result<SyncInfo, AppError> {
        let (profile, client) = self.active_client().await?;
        let running = {
            let mut syncs = self.syncs.lock();
            match syncs.get(&profile.id) {
                Some(running) => Err(running.subscribe()),
                None => {
                    let (sender, _) = tokio::sync::watch::channel(SyncNews::Started);
                    syncs.insert(profile.id.clone(), sender.clone());
                    self.sync_edits
                        .lock()
                        .insert(profile.id.clone(), Vec::new());
                    Ok(sender)
                }
            }
        };
        let news = match running {
            Ok(news) => news,
            Err(mut joined) => loop {
                let current = joined.borrow_and_update().clone();
                match current {
                    SyncNews::Done(result) => return result,
                    SyncNews::Page(page) => progress(page),
                    SyncNews::Started => {}
                }
                if joined.changed().await.is_err() {
                    return Err(AppError::internal("the fleet sync stopped unexpectedly"));
                }
            },
        };
        // Whatever happens (even this future being dropped), the next request starts afresh and
        // those who joined hear how it ended.
        let finished = SyncFinished {
            desk: self,
            profile_id: profile.id.clone(),
            news: news.clone(),
            done: false,
        };
        let result = self
            .run_sync(&profile, &client, |page| {
                news.send_replace(SyncNews::Page(page));
                progress(page);
            })
            .await;
        finished.finish(result.clone());
        result
    }

    async fn run_sync(
        &self,
        profile: &Profile,
        client: &kustom_ipp::Client,
        progress: impl FnMut(Progress),
    ) -> Result<SyncInfo, AppError> {
        let profile = profile.clone();
        let client = client.clone();
        self.fleet_of(&profile).await?;
        // Locations are refreshed with the fleet (new stores show up at the same moment), beside
        // the device pages rather than after them.
        let (result, locations) = tokio::join!(
            crate::fleet::sync::sync_fleet(&client, &self.fleet_cache, &profile.id, progress),
            self.refresh_locations(&profile)
        );
        if let Err(err) = locations {
            tracing::warn!(%err, "could not refresh the locations with the fleet");
        }
        self.note(&profile.id, &result);
        let (info, mut index) = result?;
        // Edits made while the sync ran go on top of what it fetched (their devices may have
        // been read before the edit): until none is left, then the new index goes in, with no
        // edit able to slip between the two.
        let replaced = loop {
            let edits = std::mem::take(
                self.sync_edits
                    .lock()
                    .get_mut(&profile.id)
                    .unwrap_or(&mut Vec::new()),
            );
            if edits.is_empty() {
                let mut pending = self.sync_edits.lock();
                if pending.get(&profile.id).is_some_and(Vec::is_empty) {
                    pending.remove(&profile.id);
                    let current = Arc::new(RwLock::new(index));
                    let replaced = self.fleet.lock().replace(FleetState {
                        profile_id: profile.id.clone(),
                        index: current.clone(),
                        sync: Some(info),
                        online: true,
                    });
                    break (replaced, current);
                }
                continue;
            }
            let (cache, id) = (self.fleet_cache.clone(), profile.id.clone());
            index = blocking(move || {
                crate::fleet::edits::write_into(&cache, &id, &edits)?;
                for change in &edits {
                    match change {
                        Applied::Updated(device) => index.upsert(device)?,
                        Applied::Removed(device_id) => {
                            index.remove(device_id);
                        }
                    }
                }
                Ok(index)
            })
            .await?;
        };
        let (replaced, current) = replaced;
        // What changed outside Fleetdesk since the last sync (the index held carries Fleetdesk's
        // own edits, so what differs from it was done elsewhere).
        if let Some(previous) = replaced
            .as_ref()
            .filter(|state| state.profile_id == profile.id)
            .and_then(|state| state.sync.map(|sync| (state.index.clone(), sync.synced_at)))
        {
            self.record_seen_changes(&profile, previous.0, current, previous.1)
                .await;
        }
        // Freeing the previous index of 100,000 devices takes a while; not on the way to the answer.
        // Then the sync's own buffers (every page as it came, and the rows' growth) go back to the
        // system.
        tokio::task::spawn_blocking(move || {
            drop(replaced);
            crate::fleet::freed_memory::release();
        });
        Ok(info)
    }

    pub(super) async fn location_names(&self, profile: &Profile) -> HashMap<String, String> {
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
        let known = self.known_activity(&profile).await?;
        let counts = {
            let index = index.read();
            match Activity::needed(query, None, &index, &known) {
                Some(activity) => {
                    index.location_counts_for_where(query, |row| activity.keeps(query, row))
                }
                None => index.location_counts_for(query),
            }
        };
        Ok(counted(counts, &names))
    }

    pub async fn fleet_overview(&self) -> Result<FleetOverview, AppError> {
        let (profile, index) = self.fleet().await?;
        let names = self.location_names(&profile).await;
        let (counts, values, total) = {
            let index = index.read();
            (
                index.location_counts(),
                index.metadata_values(),
                index.len(),
            )
        };
        let locations = counted(counts, &names);
        let suggestions = values
            .into_iter()
            .map(|(key, values)| {
                let mut values: Vec<(String, u32)> = values.into_iter().collect();
                values.sort_by(|a, b| {
                    b.1.cmp(&a.1)
                        .then_with(|| crate::fleet::name_order::compare(&a.0, &b.0))
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
            total: total as u32,
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
        let known = self.known_activity(&profile).await?;
        let found = std::time::Instant::now();
        let (total, window) = {
            let index = index.read();
            let rows = Self::matching_rows(&index, query, sort, &names, &known);
            let window: Vec<DeviceRow> = rows
                .iter()
                .skip(offset as usize)
                .take(limit.min(500) as usize)
                .filter_map(|row| index.device(*row))
                .map(|device| DeviceRow {
                    location_name: device
                        .location_id
                        .as_ref()
                        .and_then(|id| names.get(id).cloned()),
                    last_activity: LastActivity::of(&device.id, device.created_at, &known),
                    device,
                })
                .collect();
            (rows.len() as u32, window)
        };
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

    /// The rows matching `query` — its last-activity bucket included — in `sort`'s order.
    pub(super) fn matching_rows(
        index: &FleetIndex,
        query: &FleetQuery,
        sort: Sort,
        names: &HashMap<String, String>,
        known: &Known,
    ) -> Vec<u32> {
        let mut rows = index.find(query);
        let activity = Activity::needed(query, Some(sort), index, known);
        if let Some(activity) = &activity {
            rows.retain(|row| activity.keeps(query, *row));
        }
        index.sort(&mut rows, sort, names);
        if let (Some(activity), SortColumn::LastActivity) = (&activity, sort.column) {
            // Stable: equal times stay in name order.
            rows.sort_by_key(|row| activity.at(*row));
            if sort.descending {
                rows.reverse();
            }
        }
        rows
    }

    /// The devices a selection means, in name order.
    pub(super) fn resolve_selection(
        index: &FleetIndex,
        selection: &DeviceSelection,
        known: &Known,
    ) -> Vec<Device> {
        match selection {
            DeviceSelection::Ids { ids } => ids.iter().filter_map(|id| index.get(id)).collect(),
            DeviceSelection::Matching { query } => {
                let by_name = Sort {
                    column: SortColumn::Name,
                    descending: false,
                };
                Self::matching_rows(index, query, by_name, &HashMap::new(), known)
                    .iter()
                    .filter_map(|r| index.device(*r))
                    .collect()
            }
        }
    }

    /// A device as the table and its drawer show it: with its store's name and last activity.
    pub async fn device_row(&self, device: Device) -> DeviceRow {
        let profile = self.active_profile().await.ok();
        let (name, known) = match &profile {
            Some(profile) => (
                match &device.location_id {
                    Some(id) => self.location_names(profile).await.remove(id),
                    None => None,
                },
                self.known_activity(profile).await.ok(),
            ),
            None => (None, None),
        };
        DeviceRow {
            location_name: name,
            last_activity: LastActivity::of(
                &device.id,
                device.created_at,
                known.as_deref().unwrap_or(&Known::default()),
            ),
            device,
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
                // What differs from the device held was changed outside Fleetdesk since: logged
                // now, as the next sync would have (holding the fresh device hides it from it).
                let held = index.read().get(device_id);
                if let Some(held) = held {
                    let seen = crate::fleet::index::changes_between(&held, &device)?;
                    let since = self
                        .fleet_cache
                        .sync_info(&profile.id)
                        .ok()
                        .flatten()
                        .map_or_else(chrono::Utc::now, |sync| sync.synced_at);
                    self.record_seen(&profile, &seen, since).await;
                }
                self.remember(&profile.id, vec![Applied::Updated(device.clone())])
                    .await?;
                device
            }
            Err(AppError::Offline { .. } | AppError::Timeout { .. }) => index
                .read()
                .get(device_id)
                .ok_or_else(|| AppError::NotFound {
                    message: "That device is not in the cached fleet.".to_owned(),
                })?,
            Err(err) => return Err(err),
        };
        let names = self.location_names(&profile).await;
        let known = self.known_activity(&profile).await?;
        Ok(DeviceRow {
            location_name: device
                .location_id
                .as_ref()
                .and_then(|id| names.get(id).cloned()),
            last_activity: LastActivity::of(&device.id, device.created_at, &known),
            device,
        })
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
        let known = self.known_activity(&profile).await?;
        let (query, path_buf) = (query.clone(), path.to_path_buf());
        let count = blocking(move || {
            let devices: Vec<Device> = {
                let index = index.read();
                let rows = Self::matching_rows(&index, &query, sort, &names, &known);
                rows.iter().filter_map(|r| index.device(*r)).collect()
            };
            let bytes = crate::fleet::export::devices_csv(&devices, &names)?;
            crate::storage::private_files::write_atomically(&path_buf, &bytes)
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
        self.fleet().await.ok()?.1.read().get(device_id)
    }
}

/// Each row's last activity, worked out only when a query or a sort needs it (a whole fleet's
/// takes a few milliseconds).
pub(super) struct Activity {
    rows: Vec<Option<LastActivity>>,
    now: chrono::DateTime<chrono::Utc>,
}

impl Activity {
    pub(super) fn needed(
        query: &FleetQuery,
        sort: Option<Sort>,
        index: &FleetIndex,
        known: &Known,
    ) -> Option<Self> {
        let sorting = sort.is_some_and(|s| s.column == SortColumn::LastActivity);
        (query.activity != ActivityBucket::Any || sorting).then(|| Self {
            rows: index.last_activity_by_row(known),
            now: chrono::Utc::now(),
        })
    }

    pub(super) fn keeps(&self, query: &FleetQuery, row: u32) -> bool {
        self.rows
            .get(row as usize)
            .copied()
            .flatten()
            .is_some_and(|last| query.activity.holds(last, self.now))
    }

    fn at(&self, row: u32) -> Option<chrono::DateTime<chrono::Utc>> {
        self.rows.get(row as usize).copied().flatten().map(|l| l.at)
    }
}
