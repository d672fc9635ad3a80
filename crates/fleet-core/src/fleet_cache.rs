//! The fleet cache: every device of a profile as last seen, in SQLite, so the fleet opens at once,
//! filters locally, and can be read while the API is unreachable.

use chrono::{DateTime, Utc};
use kustom_ipp::Device;
use rusqlite::OptionalExtension;
use serde::Serialize;
use specta::Type;

use crate::AppError;
use crate::fleet_index::{FleetIndex, FleetQuery};
use crate::store::{Store, storage};

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

impl FleetCache {
    pub fn new(store: Store) -> Self {
        Self { store }
    }

    /// Replaces a profile's cached fleet with `devices` in one transaction.
    pub fn replace(&self, profile_id: &str, devices: &[Device]) -> Result<SyncInfo, AppError> {
        let info = SyncInfo {
            synced_at: Utc::now(),
            device_count: devices.len() as u32,
        };
        self.store.transaction(|tx| {
            let db = |err: rusqlite::Error| storage("save the fleet", err);
            tx.execute("DELETE FROM fleet_devices WHERE profile_id = ?1", [profile_id]).map_err(db)?;
            {
                let mut insert = tx
                    .prepare("INSERT INTO fleet_devices (profile_id, id, body) VALUES (?1, ?2, ?3)")
                    .map_err(db)?;
                for device in devices {
                    let body = serde_json::to_string(device).map_err(|e| storage("save the fleet", e))?;
                    insert.execute(rusqlite::params![profile_id, device.id, body]).map_err(db)?;
                }
            }
            tx.execute(
                "INSERT INTO fleet_sync (profile_id, synced_at, device_count) VALUES (?1, ?2, ?3)
                 ON CONFLICT(profile_id) DO UPDATE SET synced_at = excluded.synced_at, device_count = excluded.device_count",
                rusqlite::params![profile_id, info.synced_at, info.device_count],
            )
            .map_err(db)?;
            Ok(())
        })?;
        Ok(info)
    }

    /// What a sync does with the fetched fleet: writes the cache and builds the in-memory index,
    /// side by side on two threads (they share nothing but the input).
    pub fn store_and_index(
        &self,
        profile_id: &str,
        devices: Vec<Device>,
    ) -> Result<(SyncInfo, FleetIndex), AppError> {
        std::thread::scope(|scope| {
            let writer = scope.spawn(|| self.replace(profile_id, &devices));
            let index = FleetIndex::build(devices.clone());
            let info = writer
                .join()
                .map_err(|_| AppError::internal("the fleet cache writer stopped unexpectedly"))??;
            Ok((info, index))
        })
    }

    pub fn load(&self, profile_id: &str) -> Result<Vec<Device>, AppError> {
        let bodies: Vec<String> = self.store.with(|conn| {
            let mut stmt = conn.prepare("SELECT body FROM fleet_devices WHERE profile_id = ?1")?;
            stmt.query_map([profile_id], |row| row.get(0))?.collect()
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
