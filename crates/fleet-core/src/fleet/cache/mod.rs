//! The fleet cache: every device of a profile as last seen, in SQLite, so the fleet opens at once,
//! filters locally, and can be read while the API is unreachable.
//!
//! A sync keeps the fleet as the pages it came in, one row a page, each page its devices as
//! NDJSON ([`super::page_lines`]; [`super::generations`] for how a sync writes them). Devices changed after a sync — renamed,
//! moved, deregistered — are rows of their own on top of its pages (`fleet_devices`,
//! `fleet_removed`) until the next sync replaces it all.

use std::collections::HashSet;

use chrono::{DateTime, Utc};
use kustom_ipp::Device;
use rusqlite::OptionalExtension;
use serde::Serialize;
use specta::Type;

use super::page_lines::{self, PageFormat};
use crate::AppError;
use crate::storage::{Store, storage};

/// When the cache was last filled from the API.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Type)]
pub struct SyncInfo {
    pub synced_at: DateTime<Utc>,
    pub device_count: u32,
}

#[derive(Clone)]
pub struct FleetCache {
    pub(super) store: Store,
}

/// Devices a page row holds when a fleet is written all at once ([`FleetCache::replace`]); a sync
/// keeps the API's own pages.
pub(super) const DEVICES_PER_PAGE: usize = 100;

pub(super) fn encoded_page(devices: &[Device]) -> Result<Vec<u8>, AppError> {
    page_lines::encode(devices).map_err(saving)
}

/// What [`FleetCache::read_current`] reads, in order.
enum Stored<'a> {
    /// A page of the last sync, with the ids of the devices changed since (which replace its own).
    Page {
        body: &'a [u8],
        format: PageFormat,
        replaced: &'a HashSet<String>,
    },
    /// A device changed since the sync: its JSON.
    Changed(&'a [u8]),
}

/// A profile's pages in order, with their format.
const PAGES: &str =
    "SELECT body, format FROM fleet_pages WHERE profile_id = ?1 AND generation = ?2 ORDER BY page";

/// The generation a profile's fleet is (0, which has no pages, before its first sync).
fn current_generation(tx: &rusqlite::Transaction<'_>, profile_id: &str) -> rusqlite::Result<i64> {
    Ok(tx
        .query_row(
            "SELECT generation FROM fleet_sync WHERE profile_id = ?1",
            [profile_id],
            |row| row.get(0),
        )
        .optional()?
        .unwrap_or(0))
}

pub(super) fn saving(err: impl std::fmt::Display) -> AppError {
    storage("save the fleet", err)
}

impl FleetCache {
    pub fn new(store: Store) -> Self {
        Self { store }
    }

    /// Every cached device of a profile: the last sync's pages with the changes since on top. A
    /// device the server's pages repeated is here as often as they did (the index keeps one).
    pub fn load(&self, profile_id: &str) -> Result<Vec<Device>, AppError> {
        let (pages, changed, removed) = self.store.with(|conn| {
            // One read transaction: a sync finishing meanwhile is seen whole or not at all.
            let tx = conn.unchecked_transaction()?;
            let generation = current_generation(&tx, profile_id)?;
            // Decoded where SQLite holds them, not copied out first.
            let pages: Vec<Vec<Device>> = tx
                .prepare(PAGES)?
                .query_map(rusqlite::params![profile_id, generation], |row| {
                    let format = PageFormat::from_column(row.get_ref(1)?.as_str()?);
                    Ok(page_lines::decode(row.get_ref(0)?.as_bytes()?, format))
                })?
                .collect::<rusqlite::Result<_>>()?;
            let changed: Vec<String> = tx
                .prepare("SELECT body FROM fleet_devices WHERE profile_id = ?1")?
                .query_map([profile_id], |row| row.get(0))?
                .collect::<rusqlite::Result<_>>()?;
            let removed: HashSet<String> = tx
                .prepare("SELECT id FROM fleet_removed WHERE profile_id = ?1")?
                .query_map([profile_id], |row| row.get(0))?
                .collect::<rusqlite::Result<_>>()?;
            drop(tx);
            // Reading the whole fleet filled the connection's page cache: give it back.
            crate::storage::release_cache(conn);
            Ok((pages, changed, removed))
        })?;
        let changed: Vec<Device> = changed
            .iter()
            .filter_map(|body| serde_json::from_str(body).ok())
            .collect();
        let replaced: HashSet<&str> = changed
            .iter()
            .map(|device| device.id.as_str())
            .chain(removed.iter().map(String::as_str))
            .collect();
        let mut devices: Vec<Device> = pages
            .into_iter()
            .flatten()
            .filter(|device| !replaced.contains(device.id.as_str()))
            .collect();
        drop(replaced);
        devices.extend(changed);
        Ok(devices)
    }

    /// The current fleet of a profile as stored, without holding it: each page of the last sync
    /// ([`Stored::Page`]), then each device changed since ([`Stored::Changed`]), given to `each`.
    /// One read transaction: a sync finishing meanwhile is seen whole or not at all. The first
    /// error `each` returns stops the reading and is returned.
    fn read_current(
        &self,
        profile_id: &str,
        mut each: impl FnMut(Stored<'_>) -> Result<(), AppError>,
    ) -> Result<(), AppError> {
        let mut failed: Option<AppError> = None;
        self.store.with(|conn| {
            let tx = conn.unchecked_transaction()?;
            let generation = current_generation(&tx, profile_id)?;
            // What replaces a page's device: only these (the edits since the sync) are held.
            let replaced: HashSet<String> = tx
                .prepare(
                    "SELECT id FROM fleet_devices WHERE profile_id = ?1
                     UNION SELECT id FROM fleet_removed WHERE profile_id = ?1",
                )?
                .query_map([profile_id], |row| row.get(0))?
                .collect::<rusqlite::Result<_>>()?;
            let mut pages = tx.prepare(PAGES)?;
            let mut rows = pages.query(rusqlite::params![profile_id, generation])?;
            while let Some(row) = rows.next()? {
                let page = Stored::Page {
                    body: row.get_ref(0)?.as_bytes()?,
                    format: PageFormat::from_column(row.get_ref(1)?.as_str()?),
                    replaced: &replaced,
                };
                if let Err(err) = each(page) {
                    failed = Some(err);
                    return Ok(());
                }
            }
            drop(rows);
            let mut changes = tx.prepare("SELECT body FROM fleet_devices WHERE profile_id = ?1")?;
            let mut rows = changes.query([profile_id])?;
            while let Some(row) = rows.next()? {
                if let Err(err) = each(Stored::Changed(row.get_ref(0)?.as_bytes()?)) {
                    failed = Some(err);
                    return Ok(());
                }
            }
            Ok(())
        })?;
        failed.map_or(Ok(()), Err)
    }

    /// Every cached device of a profile, one at a time, without holding the fleet: the pages
    /// decoded one by one (100 devices or so at a time), each device given to `each`. Devices
    /// changed since the sync come last.
    pub fn for_each(
        &self,
        profile_id: &str,
        mut each: impl FnMut(Device) -> Result<(), AppError>,
    ) -> Result<(), AppError> {
        self.read_current(profile_id, |stored| match stored {
            Stored::Page {
                body,
                format,
                replaced,
            } => page_lines::decode(body, format)
                .into_iter()
                .filter(|device| !replaced.contains(&device.id))
                .try_for_each(&mut each),
            Stored::Changed(body) => match serde_json::from_slice::<Device>(body) {
                Ok(device) => each(device),
                Err(_) => Ok(()),
            },
        })
    }

    /// Every cached device of a profile that `keep` keeps (all when `None`), as the JSON line
    /// [`page_lines`] stores (`serde_json` of the [`Device`], a newline after it), handed to
    /// `each` in runs of whole lines, without holding the fleet. A page of lines that needs no
    /// reading (nothing to filter, none of its devices changed since the sync) goes out as it is
    /// stored: listing the whole fleet costs what reading its rows costs. Devices changed since the
    /// sync come last.
    pub fn for_each_line(
        &self,
        profile_id: &str,
        keep: Option<&dyn Fn(&Device) -> bool>,
        mut each: impl FnMut(&[u8]) -> Result<(), AppError>,
    ) -> Result<(), AppError> {
        let kept = |device: &Device| keep.is_none_or(|keep| keep(device));
        // Whole lines out, a damaged file's last line given its newline.
        let mut lines_out = |bytes: &[u8]| -> Result<(), AppError> {
            each(bytes)?;
            if bytes.last().is_some_and(|&last| last != b'\n') {
                each(b"\n")?;
            }
            Ok(())
        };
        // A device decoded from something other than a line (a page of an earlier format, a
        // change since the sync) is encoded as a page line would be.
        // (Few devices take this way: pages from before the format, and the changes since a sync.)
        let encode = |device: &Device| -> Result<Vec<u8>, AppError> {
            let mut line = Vec::new();
            page_lines::encode_into(&mut line, device).map_err(saving)?;
            Ok(line)
        };
        self.read_current(profile_id, |stored| match stored {
            Stored::Page {
                body,
                format: PageFormat::DeviceLines,
                replaced,
            } if keep.is_none() && replaced.is_empty() => lines_out(body),
            Stored::Page {
                body,
                format: PageFormat::DeviceLines,
                replaced,
            } => page_lines::lines(body).try_for_each(|line| {
                let wanted = match (keep, page_lines::line_id(line)) {
                    (None, Some(id)) => !replaced.contains(id),
                    _ => serde_json::from_slice::<Device>(line)
                        .is_ok_and(|device| !replaced.contains(&device.id) && kept(&device)),
                };
                if wanted { lines_out(line) } else { Ok(()) }
            }),
            Stored::Page {
                body,
                format: PageFormat::ApiPage,
                replaced,
            } => page_lines::decode(body, PageFormat::ApiPage)
                .iter()
                .filter(|device| !replaced.contains(&device.id) && kept(device))
                .try_for_each(|device| lines_out(&encode(device)?)),
            Stored::Changed(body) => match serde_json::from_slice::<Device>(body) {
                Ok(device) if kept(&device) => lines_out(&encode(&device)?),
                _ => Ok(()),
            },
        })
    }

    /// Records a device as the API now has it, on top of the last sync.
    pub fn upsert(&self, profile_id: &str, device: &Device) -> Result<(), AppError> {
        let body = serde_json::to_string(device).map_err(|e| storage("save the device", e))?;
        self.store.transaction(|tx| {
            let db = |err| storage("save the device", err);
            tx.execute(
                "INSERT INTO fleet_devices (profile_id, id, body) VALUES (?1, ?2, ?3)
                 ON CONFLICT(profile_id, id) DO UPDATE SET body = excluded.body",
                rusqlite::params![profile_id, device.id, body],
            )
            .map_err(db)?;
            tx.execute(
                "DELETE FROM fleet_removed WHERE profile_id = ?1 AND id = ?2",
                [profile_id, &device.id],
            )
            .map_err(db)?;
            Ok(())
        })
    }

    /// Records a device as gone (deregistered), on top of the last sync.
    pub fn remove(&self, profile_id: &str, device_id: &str) -> Result<(), AppError> {
        self.store.transaction(|tx| {
            let db = |err| storage("save the fleet", err);
            tx.execute(
                "DELETE FROM fleet_devices WHERE profile_id = ?1 AND id = ?2",
                [profile_id, device_id],
            )
            .map_err(db)?;
            tx.execute(
                "INSERT OR IGNORE INTO fleet_removed (profile_id, id) VALUES (?1, ?2)",
                [profile_id, device_id],
            )
            .map_err(db)?;
            Ok(())
        })
    }

    /// Deletes everything cached for a profile that is being deleted: its fleet (pages, changes,
    /// when it was synced) and its saved views. The merchant's devices do not outlive the profile
    /// on this computer.
    pub fn forget(&self, profile_id: &str) -> Result<(), AppError> {
        self.store.transaction(|tx| {
            for table in [
                "DELETE FROM fleet_pages WHERE profile_id = ?1",
                "DELETE FROM fleet_devices WHERE profile_id = ?1",
                "DELETE FROM fleet_removed WHERE profile_id = ?1",
                "DELETE FROM fleet_sync WHERE profile_id = ?1",
                "DELETE FROM saved_views WHERE profile_id = ?1",
            ] {
                tx.execute(table, [profile_id])
                    .map_err(|err| storage("delete the profile's cached fleet", err))?;
            }
            Ok(())
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
}

#[cfg(test)]
mod tests;
