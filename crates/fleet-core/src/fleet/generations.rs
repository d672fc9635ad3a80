//! A sync's way into the cache: each page written by a thread of its own while later pages are
//! still in flight, under a new *generation* number, and one small transaction at the end — the
//! flip — that makes that generation the profile's fleet. Until the flip readers see the previous
//! fleet whole, and a sync that fails leaves it as it was. A page is stored as the devices
//! Fleetdesk read from it ([`super::page_lines`]), so what a server adds that Fleetdesk does not
//! read never fills the disk.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use chrono::Utc;
use kustom_ipp::Device;
use rusqlite::Transaction;
use tokio::sync::mpsc;

use super::bounds::{MAX_SYNC_BYTES, check_device};
use super::cache::{DEVICES_PER_PAGE, FleetCache, SyncInfo, encoded_page, saving};
use super::index::{FleetIndex, FleetIndexBuilder};
use super::page_lines::PageFormat;
use super::rows::FleetTooLarge;
use crate::AppError;
use crate::storage::{Checkpoint, Store, in_transaction};

/// Pages waiting for the sync's writer: when the disk is slower than the network, the
/// fetch waits rather than holding the whole fleet twice.
const PAGES_QUEUED: usize = 32;

/// Pages the writer puts in one transaction when it has fallen behind (each ~37 KB): the write
/// lock is held ~1 ms at a time, so the sessions' writes are not kept waiting.
const PAGES_PER_TRANSACTION: usize = 16;

/// A new generation number: random, so that two syncs never write into one (the flip checks its
/// own pages anyway).
fn new_generation() -> i64 {
    (rand::random::<u64>() >> 1) as i64
}

fn insert_page(
    tx: &Transaction<'_>,
    profile_id: &str,
    generation: i64,
    page: i64,
    body: &[u8],
) -> Result<(), AppError> {
    tx.prepare_cached(
        "INSERT INTO fleet_pages (profile_id, generation, page, body, format) VALUES (?1, ?2, ?3, ?4, ?5)",
    )
    .and_then(|mut insert| {
        insert.execute(rusqlite::params![
            profile_id,
            generation,
            page,
            body,
            PageFormat::DEVICE_LINES
        ])
    })
    .map(|_| ())
    .map_err(saving)
}

/// Makes `generation` the profile's fleet: its pages from 0 to `pages - 1` (any beyond are
/// dropped), with no changes on top. Fails, changing nothing, unless every one of those pages is
/// there.
fn make_current(
    tx: &Transaction<'_>,
    profile_id: &str,
    generation: i64,
    pages: usize,
    device_count: usize,
) -> Result<SyncInfo, AppError> {
    let pages = pages as i64;
    let present: i64 = tx
        .query_row(
            "SELECT count(*) FROM fleet_pages WHERE profile_id = ?1 AND generation = ?2 AND page BETWEEN 0 AND ?3 - 1",
            rusqlite::params![profile_id, generation, pages],
            |row| row.get(0),
        )
        .map_err(saving)?;
    if present != pages {
        return Err(AppError::internal(format!(
            "the fleet's pages were not all saved ({present} of {pages}); refresh again"
        )));
    }
    let info = SyncInfo {
        synced_at: Utc::now(),
        device_count: u32::try_from(device_count).unwrap_or(u32::MAX),
    };
    tx.execute(
        "DELETE FROM fleet_pages WHERE profile_id = ?1 AND generation = ?2 AND page >= ?3",
        rusqlite::params![profile_id, generation, pages],
    )
    .map_err(saving)?;
    for changes in [
        "DELETE FROM fleet_devices WHERE profile_id = ?1",
        "DELETE FROM fleet_removed WHERE profile_id = ?1",
    ] {
        tx.execute(changes, [profile_id]).map_err(saving)?;
    }
    tx.execute(
        "INSERT INTO fleet_sync (profile_id, synced_at, device_count, generation) VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT(profile_id) DO UPDATE SET synced_at = excluded.synced_at,
             device_count = excluded.device_count, generation = excluded.generation",
        rusqlite::params![profile_id, info.synced_at, info.device_count, generation],
    )
    .map_err(saving)?;
    Ok(info)
}

/// The clean-up after a generation became current: the pages of every other one (the previous
/// fleet, and any left by a sync that was cut short) are deleted. Run after the sync has
/// answered (freeing megabytes of pages is not on anyone's way); best effort, as the next sync
/// tries again.
fn superseded_pages_purge(profile_id: String) -> impl FnOnce(&Store) + Send + 'static {
    move |store| {
        let purged = store.transaction(|tx| {
            tx.execute(
                "DELETE FROM fleet_pages WHERE profile_id = ?1
                 AND generation <> (SELECT generation FROM fleet_sync WHERE profile_id = ?1)",
                [&profile_id],
            )
            .map_err(saving)
        });
        if let Err(err) = purged {
            tracing::warn!(%err, "the previous fleet's pages could not be deleted");
        }
    }
}

fn purge_generation(store: &Store, profile_id: &str, generation: i64) {
    let purged = store.transaction(|tx| {
        tx.execute(
            "DELETE FROM fleet_pages WHERE profile_id = ?1 AND generation = ?2",
            rusqlite::params![profile_id, generation],
        )
        .map_err(saving)
    });
    if let Err(err) = purged {
        tracing::warn!(%err, "an unfinished sync's pages could not be deleted");
    }
}

/// A page for the writer thread: its number and its devices.
struct PageToWrite {
    number: i32,
    devices: Vec<Device>,
}

/// A page refused: what it sent is past one of Fleetdesk's limits ([`super::bounds`]), named here.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct PastTheLimits(pub String);

/// A sync's pages on their way into the cache, under a generation of their own, and into the
/// fleet's next index. [`FleetCache::finish_and_index`] makes them the profile's fleet; dropped
/// without that (the fetch failed), the pages written so far are deleted and the previous fleet
/// stays.
pub struct SyncWriter {
    store: Store,
    profile_id: String,
    generation: i64,
    /// The next index, page by page as they arrive (a sync's pages are read on several tasks).
    index: parking_lot::Mutex<Result<FleetIndexBuilder, FleetTooLarge>>,
    pages: Option<mpsc::Sender<PageToWrite>>,
    writer: Option<std::thread::JoinHandle<Result<Checkpoint, AppError>>>,
    /// Set when the sync finishes: the writer then keeps its pages.
    keep: Arc<AtomicBool>,
    /// The bytes of every page written so far (bounded by [`MAX_SYNC_BYTES`]).
    bytes: AtomicU64,
}

impl SyncWriter {
    /// Adds page `number`'s devices to the next index and hands them to the writer, which
    /// encodes and stores them on its own thread (waiting while it is `PAGES_QUEUED` behind).
    /// `sent_bytes` is the size of the JSON the API sent for them. A failure here shows when the
    /// sync finishes.
    ///
    /// A page past Fleetdesk's limits (a device's texts, the sync's total size) is refused with an
    /// error naming the limit; nothing of it is kept.
    pub async fn write(
        &self,
        number: i32,
        devices: Vec<Device>,
        sent_bytes: usize,
    ) -> Result<(), PastTheLimits> {
        let refused = PastTheLimits;
        let sent_bytes = sent_bytes as u64;
        let total = self.bytes.fetch_add(sent_bytes, Ordering::Relaxed) + sent_bytes;
        if total > MAX_SYNC_BYTES {
            return Err(refused(format!(
                "its pages add up to more than {} MiB; Fleetdesk reads at most that",
                MAX_SYNC_BYTES / (1024 * 1024)
            )));
        }
        devices.iter().try_for_each(check_device).map_err(refused)?;
        {
            let mut index = self.index.lock();
            if let Ok(builder) = index.as_mut()
                && let Err(too_large) = builder.add_page(number, &devices)
            {
                *index = Err(too_large);
            }
        }
        if let Some(pages) = &self.pages {
            // A closed channel means the writer stopped on an error, which finishing reports.
            let _ = pages.send(PageToWrite { number, devices }).await;
        }
        Ok(())
    }

    /// Waits for the writer to have written every page it was given.
    fn pages_written(&mut self) -> Result<(), AppError> {
        self.keep.store(true, Ordering::SeqCst);
        drop(self.pages.take());
        let writer = self
            .writer
            .take()
            .ok_or_else(|| AppError::internal("the fleet cache writer was not started"))?;
        let pages_checkpoint = writer
            .join()
            .map_err(|_| AppError::internal("the fleet cache writer stopped unexpectedly"))??;
        // The flip's checkpoint, which follows, copies the pages' log too.
        pages_checkpoint.leave_to_the_next();
        Ok(())
    }

    /// Makes the sync's first `pages` pages the profile's fleet; if that fails, they are deleted.
    fn make_current(
        &self,
        pages: usize,
        device_count: usize,
    ) -> Result<(SyncInfo, Checkpoint), AppError> {
        let flipped = self.store.bulk_transaction(|tx| {
            make_current(tx, &self.profile_id, self.generation, pages, device_count)
        });
        match flipped {
            Ok((info, checkpoint)) => Ok((
                info,
                checkpoint.preceded_by(superseded_pages_purge(self.profile_id.clone())),
            )),
            Err(err) => {
                purge_generation(&self.store, &self.profile_id, self.generation);
                Err(err)
            }
        }
    }
}

impl Drop for SyncWriter {
    fn drop(&mut self) {
        // Closing the queue ends the writer; unless `finish` said keep, it deletes its pages.
        drop(self.pages.take());
    }
}

/// The writer thread: writes each page as it comes, a few at a time when it has fallen behind.
fn write_pages(
    store: &Store,
    profile_id: &str,
    generation: i64,
    mut pages: mpsc::Receiver<PageToWrite>,
    keep: &AtomicBool,
) -> Result<Checkpoint, AppError> {
    let written = store.with_log_kept(|conn| {
        let mut batch = Vec::with_capacity(PAGES_PER_TRANSACTION);
        while let Some(first) = pages.blocking_recv() {
            batch.push(first);
            while batch.len() < PAGES_PER_TRANSACTION {
                match pages.try_recv() {
                    Ok(next) => batch.push(next),
                    Err(_) => break,
                }
            }
            // Encoded before the transaction: the write lock is held for the inserts alone.
            let encoded = batch
                .drain(..)
                .map(|page| Ok((page.number, encoded_page(&page.devices)?)))
                .collect::<Result<Vec<_>, AppError>>()?;
            in_transaction(conn, |tx| {
                for (number, body) in &encoded {
                    insert_page(tx, profile_id, generation, i64::from(*number), body)?;
                }
                Ok(())
            })?;
        }
        Ok(())
    });
    if written.is_err() || !keep.load(Ordering::SeqCst) {
        purge_generation(store, profile_id, generation);
    }
    written.map(|((), checkpoint)| checkpoint)
}

impl FleetCache {
    /// Starts a sync's writer for `profile_id`: pass it each page as it arrives
    /// ([`SyncWriter::write`]), then the fetched pages to [`FleetCache::finish_and_index`].
    pub fn begin_sync(&self, profile_id: &str) -> Result<SyncWriter, AppError> {
        let (sender, receiver) = mpsc::channel(PAGES_QUEUED);
        let keep = Arc::new(AtomicBool::new(false));
        let generation = new_generation();
        let writer = {
            let (store, profile_id, keep) =
                (self.store.clone(), profile_id.to_owned(), keep.clone());
            std::thread::Builder::new()
                .name("fleet-cache-writer".to_owned())
                .spawn(move || write_pages(&store, &profile_id, generation, receiver, &keep))
                .map_err(|err| {
                    AppError::internal(format!("could not start the cache writer: {err}"))
                })?
        };
        Ok(SyncWriter {
            store: self.store.clone(),
            profile_id: profile_id.to_owned(),
            generation,
            index: parking_lot::Mutex::new(Ok(FleetIndexBuilder::default())),
            pages: Some(sender),
            writer: Some(writer),
            keep,
            bytes: AtomicU64::new(0),
        })
    }

    /// Replaces a profile's cached fleet with `devices`, in one transaction.
    pub fn replace(&self, profile_id: &str, devices: &[Device]) -> Result<SyncInfo, AppError> {
        let generation = new_generation();
        let pages = devices.chunks(DEVICES_PER_PAGE).collect::<Vec<_>>();
        let (info, checkpoint) = self.store.bulk_transaction(|tx| {
            for (number, page) in pages.iter().enumerate() {
                insert_page(
                    tx,
                    profile_id,
                    generation,
                    number as i64,
                    &encoded_page(page)?,
                )?;
            }
            make_current(tx, profile_id, generation, pages.len(), devices.len())
        })?;
        // Nothing else is waiting: the clean-up and checkpoint may start at once.
        drop(checkpoint.preceded_by(superseded_pages_purge(profile_id.to_owned())));
        Ok(info)
    }

    /// What a sync does once its last page has arrived: builds the index from the rows the
    /// writer collected while waiting for the writer to finish its pages, then makes those pages
    /// the profile's fleet. `pages` is how many pages the fetch kept (numbers 0 to `pages - 1`):
    /// any the writer got beyond them are left out of both. The log's checkpoint and the
    /// previous fleet's deletion start once the index is built, on a thread of their own.
    pub fn finish_and_index(
        &self,
        mut writer: SyncWriter,
        pages: usize,
    ) -> Result<(SyncInfo, FleetIndex), AppError> {
        let builder =
            std::mem::replace(&mut *writer.index.lock(), Ok(FleetIndexBuilder::default()));
        let (written, index) = std::thread::scope(|scope| {
            let written = scope.spawn(|| writer.pages_written());
            let index =
                builder.and_then(|builder| builder.build(i32::try_from(pages).unwrap_or(i32::MAX)));
            let written = written.join().unwrap_or_else(|_| {
                Err(AppError::internal(
                    "the fleet cache writer stopped unexpectedly",
                ))
            });
            (written, index)
        });
        written?;
        let index = index?;
        let (info, checkpoint) = writer.make_current(pages, index.len())?;
        drop(checkpoint);
        Ok((info, index))
    }
}
