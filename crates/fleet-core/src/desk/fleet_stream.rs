//! The cached fleet read as a stream, for the command line: every device matching a query, one at
//! a time, without building the index or holding the fleet (100,000 devices listed in the memory
//! of a page of them).

use kustom_ipp::Device;

use super::fleet::DeviceRow;
use super::{Desk, blocking};
use crate::AppError;
use crate::fleet::cache::SyncInfo;
use crate::fleet::index::{ActivityBucket, FleetQuery};
use crate::history::last_activity::{ActivitySource, LastActivity};

/// What each streamed device comes with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StreamDetail {
    /// The device as Kustom sent it (the fastest: nothing else is looked up).
    Device,
    /// Its store's name and its last activity too (as the fleet table shows it).
    Row,
}

impl Desk {
    /// When the active profile's fleet was last fetched (`None`: never), from the cache alone.
    pub async fn last_sync(&self) -> Result<Option<SyncInfo>, AppError> {
        let profile = self.active_profile().await?;
        let cache = self.fleet_cache.clone();
        blocking(move || cache.sync_info(&profile.id)).await
    }

    /// The active profile's cached devices matching `query`, each given to `each` as it is read,
    /// in the cache's order (the API's pages). Gives back how many matched. A query's activity
    /// bucket needs the history, which is then read too.
    pub async fn stream_devices(
        &self,
        query: &FleetQuery,
        detail: StreamDetail,
        mut each: impl FnMut(DeviceRow) -> Result<(), AppError> + Send + 'static,
    ) -> Result<u64, AppError> {
        let profile = self.active_profile().await?;
        let needs_history = detail == StreamDetail::Row || query.activity != ActivityBucket::Any;
        let known = if needs_history {
            Some(self.known_activity(&profile).await?)
        } else {
            None
        };
        let names = if detail == StreamDetail::Row {
            self.location_names(&profile).await
        } else {
            Default::default()
        };
        let (cache, query, now) = (self.fleet_cache.clone(), query.clone(), chrono::Utc::now());
        blocking(move || {
            let mut matched = 0u64;
            cache.for_each(&profile.id, |device: Device| {
                if !query.matches(&device) {
                    return Ok(());
                }
                let last_activity = known
                    .as_deref()
                    .map(|known| LastActivity::of(&device.id, device.created_at, known));
                if let Some(last) = last_activity
                    && !query.activity.holds(last, now)
                {
                    return Ok(());
                }
                matched += 1;
                let location_name = device
                    .location_id
                    .as_ref()
                    .and_then(|id| names.get(id).cloned());
                each(DeviceRow {
                    location_name,
                    // Not asked for: what is known without the history, its pairing.
                    last_activity: last_activity.unwrap_or(LastActivity {
                        at: device.created_at,
                        source: ActivitySource::Paired,
                    }),
                    device,
                })
            })?;
            Ok(matched)
        })
        .await
    }

    /// The active profile's cached devices matching `query`, each as one line of NDJSON
    /// (`serde_json` of the [`Device`]), handed to `each` in runs of whole lines, in the cache's
    /// order. The lines are the cache's own bytes where nothing needs reading: listing a whole
    /// fleet this way costs about what reading it from SQLite costs. Gives back nothing about how
    /// many matched (that would mean reading every line); a count is [`Desk::stream_devices`]'s.
    pub async fn stream_device_lines(
        &self,
        query: &FleetQuery,
        mut each: impl FnMut(&[u8]) -> Result<(), AppError> + Send + 'static,
    ) -> Result<(), AppError> {
        if query.activity != ActivityBucket::Any {
            // The history decides; lines of the devices it keeps.
            let mut line = Vec::new();
            self.stream_devices(query, StreamDetail::Device, move |row| {
                line.clear();
                crate::fleet::page_lines::encode_into(&mut line, &row.device)
                    .map_err(|err| AppError::internal(format!("a device did not encode: {err}")))?;
                each(&line)
            })
            .await?;
            return Ok(());
        }
        let profile = self.active_profile().await?;
        let (cache, query) = (self.fleet_cache.clone(), query.clone());
        blocking(move || {
            let everything = query == FleetQuery::all();
            let keep = |device: &Device| query.matches(device);
            let keep: Option<&dyn Fn(&Device) -> bool> = (!everything).then_some(&keep);
            cache.for_each_line(&profile.id, keep, each)
        })
        .await
    }
}
