//! The fleet cache: every device of a profile as last seen, in SQLite, so the fleet opens at once,
//! filters locally, and can be read while the API is unreachable.

use chrono::{DateTime, Utc};
use kustom_ipp::Device;
use rusqlite::OptionalExtension;
use serde::Serialize;
use specta::Type;

use crate::AppError;
use crate::fleet_index::{FleetIndex, FleetQuery};
use crate::store::{Checkpoint, Store, storage};

/// When the cache was last filled from the API.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Type)]
pub struct SyncInfo {
    pub synced_at: DateTime<Utc>,
    pub device_count: u32,
}

#[derive(Clone)]
pub struct FleetCache {
    store: Store,
}

/// Rows per INSERT statement when the whole fleet is written (3 parameters each, far below
/// SQLite's limit of 32,766): fewer, larger statements step SQLite's VM less per row.
const INSERT_BATCH: usize = 500;

/// A device as the cache stores it: its id and its JSON body.
struct CacheRow<'a> {
    id: &'a str,
    body: &'a str,
}

/// A fetched device with its cache body already encoded. A sync encodes each page as it arrives
/// (while later pages are still in flight), so that the write at the end has nothing left to do
/// but write.
pub struct EncodedDevice {
    device: Device,
    body: String,
}

impl EncodedDevice {
    pub fn encode(device: Device) -> Result<Self, AppError> {
        let body = serde_json::to_string(&device).map_err(|e| storage("save the fleet", e))?;
        Ok(Self { device, body })
    }
}

impl std::borrow::Borrow<Device> for EncodedDevice {
    fn borrow(&self) -> &Device {
        &self.device
    }
}

/// Rows in id order, so that the primary-key B-tree is filled front to back.
fn sorted(mut rows: Vec<CacheRow<'_>>) -> Vec<CacheRow<'_>> {
    rows.sort_unstable_by(|a, b| a.id.cmp(b.id));
    rows
}

/// The rows for a sync's devices, read where they are.
fn cache_rows(devices: &[EncodedDevice]) -> Vec<CacheRow<'_>> {
    sorted(
        devices
            .iter()
            .map(|encoded| CacheRow {
                id: &encoded.device.id,
                body: &encoded.body,
            })
            .collect(),
    )
}

impl FleetCache {
    pub fn new(store: Store) -> Self {
        Self { store }
    }

    /// Replaces a profile's cached fleet with `devices`, in one transaction.
    pub fn replace(&self, profile_id: &str, devices: &[Device]) -> Result<SyncInfo, AppError> {
        let bodies = devices
            .iter()
            .map(|device| serde_json::to_string(device).map_err(|e| storage("save the fleet", e)))
            .collect::<Result<Vec<_>, _>>()?;
        let rows = devices
            .iter()
            .zip(&bodies)
            .map(|(device, body)| CacheRow {
                id: &device.id,
                body,
            })
            .collect();
        // Nothing else is waiting: the checkpoint may start at once.
        let (info, _checkpoint) = self.replace_rows(profile_id, &sorted(rows))?;
        Ok(info)
    }

    fn replace_rows(
        &self,
        profile_id: &str,
        rows: &[CacheRow<'_>],
    ) -> Result<(SyncInfo, Checkpoint), AppError> {
        let info = SyncInfo {
            synced_at: Utc::now(),
            device_count: rows.len() as u32,
        };
        self.store.bulk_transaction(|tx| {
            let db = |err: rusqlite::Error| storage("save the fleet", err);
            tx.execute("DELETE FROM fleet_devices WHERE profile_id = ?1", [profile_id]).map_err(db)?;
            // The full batches share one prepared statement; the rest get their own.
            let statement = |rows: usize| {
                let values = vec!["(?, ?, ?)"; rows].join(", ");
                format!("INSERT INTO fleet_devices (profile_id, id, body) VALUES {values}")
            };
            let mut full = tx.prepare(&statement(INSERT_BATCH)).map_err(db)?;
            for chunk in rows.chunks(INSERT_BATCH) {
                let mut params: Vec<&dyn rusqlite::ToSql> = Vec::with_capacity(chunk.len() * 3);
                for row in chunk {
                    params.push(&profile_id);
                    params.push(&row.id);
                    params.push(&row.body);
                }
                if chunk.len() == INSERT_BATCH {
                    full.execute(params.as_slice()).map_err(db)?;
                } else {
                    tx.prepare(&statement(chunk.len()))
                        .and_then(|mut rest| rest.execute(params.as_slice()))
                        .map_err(db)?;
                }
            }
            drop(full);
            tx.execute(
                "INSERT INTO fleet_sync (profile_id, synced_at, device_count) VALUES (?1, ?2, ?3)
                 ON CONFLICT(profile_id) DO UPDATE SET synced_at = excluded.synced_at, device_count = excluded.device_count",
                rusqlite::params![profile_id, info.synced_at, info.device_count],
            )
            .map_err(db)?;
            Ok(())
        })
        .map(|((), checkpoint)| (info, checkpoint))
    }

    /// What a sync does with the fetched fleet: writes the cache and builds the in-memory index
    /// side by side on two threads. Both read the fetched devices where they are (the writer
    /// their ids and encoded bodies, the index the devices): nothing is copied or moved first.
    /// The log's checkpoint waits until the index is built, and the devices are freed afterwards
    /// on a thread of their own: freeing 10,000 devices (a dozen heap blocks each) inside the
    /// index build was ~6 ms of the sync's critical path, and nobody waits for it.
    pub fn store_and_index(
        &self,
        profile_id: &str,
        fetched: Vec<EncodedDevice>,
    ) -> Result<(SyncInfo, FleetIndex), AppError> {
        let outcome = std::thread::scope(|scope| {
            let writer = scope.spawn(|| self.replace_rows(profile_id, &cache_rows(&fetched)));
            let index = FleetIndex::build_from(&fetched);
            let written = writer
                .join()
                .map_err(|_| AppError::internal("the fleet cache writer stopped unexpectedly"))?;
            let (info, checkpoint) = written?;
            drop(checkpoint);
            Ok((info, index?))
        });
        crate::freed_memory::drop_elsewhere(fetched);
        outcome
    }

    pub fn load(&self, profile_id: &str) -> Result<Vec<Device>, AppError> {
        let bodies: Vec<String> = self.store.with(|conn| {
            let mut stmt = conn.prepare("SELECT body FROM fleet_devices WHERE profile_id = ?1")?;
            let bodies = stmt.query_map([profile_id], |row| row.get(0))?.collect();
            drop(stmt);
            // Reading the whole fleet filled the connection's page cache: give it back.
            crate::store::release_cache(conn);
            bodies
        })?;
        Ok(bodies
            .iter()
            .filter_map(|body| serde_json::from_str(body).ok())
            .collect())
    }

    pub fn upsert(&self, profile_id: &str, device: &Device) -> Result<(), AppError> {
        let body = serde_json::to_string(device).map_err(|e| storage("save the device", e))?;
        self.store.with(|conn| {
            conn.execute(
                "INSERT INTO fleet_devices (profile_id, id, body) VALUES (?1, ?2, ?3)
                 ON CONFLICT(profile_id, id) DO UPDATE SET body = excluded.body",
                rusqlite::params![profile_id, device.id, body],
            )
            .map(|_| ())
        })
    }

    pub fn remove(&self, profile_id: &str, device_id: &str) -> Result<(), AppError> {
        self.store.with(|conn| {
            conn.execute(
                "DELETE FROM fleet_devices WHERE profile_id = ?1 AND id = ?2",
                [profile_id, device_id],
            )
            .map(|_| ())
        })
    }

    pub fn sync_info(&self, profile_id: &str) -> Result<Option<SyncInfo>, AppError> {
        self.store.with(|conn| {
            conn.query_row(
                "SELECT synced_at, device_count FROM fleet_sync WHERE profile_id = ?1",
                [profile_id],
                |row| {
                    Ok(SyncInfo {
                        synced_at: row.get(0)?,
                        device_count: row.get(1)?,
                    })
                },
            )
            .optional()
        })
    }

    // ---- Saved views -------------------------------------------------------------------------

    pub fn save_view(
        &self,
        profile_id: &str,
        name: &str,
        query: &FleetQuery,
    ) -> Result<(), AppError> {
        let name = name.trim();
        if name.is_empty() || name.chars().count() > 60 {
            return Err(AppError::invalid_field(
                "name",
                "Give the view a name of at most 60 characters.",
            ));
        }
        let body = serde_json::to_string(query).map_err(|e| storage("save the view", e))?;
        self.store.with(|conn| {
            conn.execute(
                "INSERT INTO saved_views (profile_id, name, query) VALUES (?1, ?2, ?3)
                 ON CONFLICT(profile_id, name) DO UPDATE SET query = excluded.query",
                [profile_id, name, body.as_str()],
            )
            .map(|_| ())
        })
    }

    pub fn views(&self, profile_id: &str) -> Result<Vec<(String, FleetQuery)>, AppError> {
        let rows: Vec<(String, String)> = self.store.with(|conn| {
            let mut stmt = conn.prepare("SELECT name, query FROM saved_views WHERE profile_id = ?1 ORDER BY name COLLATE NOCASE")?;
            stmt.query_map([profile_id], |row| Ok((row.get(0)?, row.get(1)?)))?.collect()
        })?;
        Ok(rows
            .into_iter()
            .filter_map(|(name, body)| serde_json::from_str(&body).ok().map(|q| (name, q)))
            .collect())
    }

    pub fn delete_view(&self, profile_id: &str, name: &str) -> Result<(), AppError> {
        self.store.with(|conn| {
            conn.execute(
                "DELETE FROM saved_views WHERE profile_id = ?1 AND name = ?2",
                [profile_id, name],
            )
            .map(|_| ())
        })
    }
}

#[cfg(test)]
mod tests {
    use chrono::Utc;
    use kustom_ipp::{Metadata, Platform};

    use super::*;

    fn devices(count: usize) -> Vec<Device> {
        (0..count)
            .map(|i| Device {
                id: format!("d{i}"),
                hardware_id: format!("HW{i}"),
                merchant_id: "m".into(),
                location_id: (i % 3 == 0).then(|| "loc-a".into()),
                name: format!("Till {i}"),
                platform: Platform::Android,
                metadata: Metadata::from([("n".into(), i.to_string())]),
                created_at: Utc::now(),
                open_cash_register_id: None,
                unique_id: None,
            })
            .collect()
    }

    #[test]
    fn a_whole_fleet_is_written_in_batches_and_read_back_exactly() {
        let cache = FleetCache::new(Store::in_memory().unwrap_or_else(|e| panic!("{e}")));
        // Empty, one row, exactly one batch, and batches with a remainder; each replaces the last.
        for count in [0, 1, INSERT_BATCH, 2 * INSERT_BATCH + 51] {
            let written = devices(count);
            let info = cache
                .replace("p", &written)
                .unwrap_or_else(|e| panic!("{e}"));
            assert_eq!(info.device_count as usize, count);
            let mut read = cache.load("p").unwrap_or_else(|e| panic!("{e}"));
            read.sort_by_key(|d| d.id[1..].parse::<usize>().unwrap_or_default());
            assert_eq!(read, written, "{count} devices");
        }
        assert!(
            cache
                .load("another profile")
                .unwrap_or_else(|e| panic!("{e}"))
                .is_empty()
        );
    }

    #[test]
    fn a_sync_caches_exactly_what_it_indexes() {
        let cache = FleetCache::new(Store::in_memory().unwrap_or_else(|e| panic!("{e}")));
        let fetched = devices(2 * INSERT_BATCH + 7);
        let encoded = fetched
            .iter()
            .cloned()
            .map(EncodedDevice::encode)
            .collect::<Result<Vec<_>, _>>()
            .unwrap_or_else(|e| panic!("{e}"));
        let (info, index) = cache
            .store_and_index("p", encoded)
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(info.device_count as usize, fetched.len());
        let by_id = |mut list: Vec<Device>| {
            list.sort_by(|a, b| a.id.cmp(&b.id));
            list
        };
        let cached = cache.load("p").unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(by_id(cached), by_id(fetched.clone()));
        assert_eq!(by_id(index.devices().collect()), by_id(fetched));
    }
}
