//! The local SQLite database: one file in the app-data dir, schema by numbered migrations.
//!
//! Holds profiles, settings, the audit log, the fleet cache, tracked sessions and rollout batches.
//! Never a secret: keys live in the OS keychain.
//!
//! Access goes through a small pool of connections (WAL, so a long write — a fleet sync — does
//! not stall readers; `busy_timeout`, so writers queue instead of failing). Code running on the
//! async runtime uses [`Store::run`], which does the work on the blocking pool, never on an async
//! worker. A database that fails its integrity check at start is moved aside and a fresh one
//! created ([`Store::open`] reports it); the folder and the files are private to the user.

use std::path::{Path, PathBuf};
use std::time::Duration;

use r2d2_sqlite::SqliteConnectionManager;
use rusqlite::{Connection, OpenFlags};
use rusqlite_migration::Migrations;

use super::migrations::MIGRATIONS;
use serde::Serialize;
use specta::Type;

use crate::AppError;

/// How long a writer waits for another to finish before giving up (a sync of 100,000 devices
/// holds the write lock for a few seconds on a slow laptop).
const BUSY_TIMEOUT: Duration = Duration::from_secs(15);
/// Connections in the pool: a writer and a few readers (SQLite serialises the writers anyway).
const POOL_SIZE: u32 = 4;

/// A database found damaged at start and moved aside.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Type)]
pub struct DamagedDatabase {
    /// Where the damaged file now is.
    pub moved_to: String,
    /// What the check said.
    pub reason: String,
    /// Profiles read back from the damaged file into the fresh one (their keys, in the keychain
    /// under the same ids, work again at once).
    pub recovered_profiles: u32,
}

/// A shared handle on the database. Cheap to clone.
#[derive(Clone)]
pub struct Store {
    pool: r2d2::Pool<SqliteConnectionManager>,
    /// Keeps a temporary database's folder alive as long as a handle exists.
    _temporary: Option<std::sync::Arc<tempfile::TempDir>>,
}

/// Work a [`Checkpoint`] does first on its thread.
type CleanUp = Box<dyn FnOnce(&Store) + Send>;

/// The checkpoint a [`Store::bulk_transaction`] left to do: copying its megabytes of log into
/// the database and cutting the log file back to nothing (`TRUNCATE`: writers wait meanwhile, a
/// fraction of a second, so that a sync's log does not stay on disk). It starts on a thread of its
/// own when this is dropped, so a caller with more work on the way to its answer (a sync building
/// its index) can keep it off the cores until then.
#[must_use = "the checkpoint starts when this is dropped: keep it while other work must go first"]
pub struct Checkpoint {
    store: Option<Store>,
    /// Clean-up done on the checkpoint's thread before it (what a write made obsolete).
    before: Option<CleanUp>,
}

impl Checkpoint {
    /// Has `work` done first on the checkpoint's thread: a clean-up that, like the checkpoint,
    /// nobody needs to wait for.
    pub fn preceded_by(mut self, work: impl FnOnce(&Store) + Send + 'static) -> Self {
        self.before = Some(Box::new(work));
        self
    }

    /// Drops this checkpoint without running it, for when another, started later, will copy the
    /// same log (two checkpoints in a row would only compete for the same pages).
    pub fn leave_to_the_next(mut self) {
        self.store = None;
    }
}

impl Drop for Checkpoint {
    fn drop(&mut self) {
        let Some(store) = self.store.take() else {
            return;
        };
        let before = self.before.take();
        std::thread::spawn(move || {
            if let Some(work) = before {
                work(&store);
            }
            // Readers and writers of the moment can hold it off (it answers busy): tried again a
            // few times, then left to the next one.
            let checkpoint = store.with(|conn| {
                let mut done = Ok(());
                for _ in 0..CHECKPOINT_TRIES {
                    match conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |row| {
                        row.get::<_, i64>(0)
                    }) {
                        Ok(0) => break,
                        Ok(_busy) => std::thread::sleep(Duration::from_millis(100)),
                        Err(err) => {
                            done = Err(err);
                            break;
                        }
                    }
                }
                release_cache(conn);
                done
            });
            if let Err(err) = checkpoint {
                tracing::warn!(%err, "the database log could not be checkpointed after a large write");
            }
        });
    }
}

/// Runs `f` in an IMMEDIATE transaction on `conn`, committed if it returns `Ok`.
pub(crate) fn in_transaction<T>(
    conn: &mut Connection,
    f: impl FnOnce(&rusqlite::Transaction<'_>) -> Result<T, AppError>,
) -> Result<T, AppError> {
    let tx = conn
        .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
        .map_err(|err| storage("start a database transaction", err))?;
    let value = f(&tx)?;
    tx.commit()
        .map_err(|err| storage("save to the local database", err))?;
    Ok(value)
}

/// The page size of a new database: 16 KiB, not SQLite's 4 KiB. A sync writes a whole fleet at
/// once (~3.7 MB at 10,000 devices), and SQLite writes its log a page per system call and splits
/// pages as it fills them: with pages four times as large, the fleet's write makes a quarter of
/// the system calls and splits (docs/performance.md). Small writes (a session event, an audit entry) log a larger page each, which at their rate costs
/// nothing anyone notices.
const PAGE_SIZE: i64 = 16 * 1024;

/// How often a large write's checkpoint is tried while other work holds it off (100 ms apart).
const CHECKPOINT_TRIES: usize = 50;

/// The size the write-ahead log file is cut back to once it has been checkpointed.
pub const JOURNAL_SIZE_LIMIT: i64 = 4 * 1024 * 1024;

/// SQLite's default: the write-ahead log is copied into the database once it passes this many pages.
const WAL_AUTOCHECKPOINT_PAGES: i64 = 1000;

/// Frees what a connection's page cache holds (pages are read again from the file when needed).
/// Best effort: failing to free memory is not worth failing the write it follows.
pub(crate) fn release_cache(conn: &Connection) {
    if let Err(err) = conn.release_memory() {
        tracing::debug!(%err, "a database connection's cache could not be freed");
    }
}

/// Settings every pooled connection starts with.
#[derive(Debug)]
struct ConnectionSetup;

impl r2d2::CustomizeConnection<Connection, rusqlite::Error> for ConnectionSetup {
    fn on_acquire(&self, conn: &mut Connection) -> Result<(), rusqlite::Error> {
        conn.busy_timeout(BUSY_TIMEOUT)?;
        conn.pragma_update(None, "foreign_keys", "ON")?;
        // Once a checkpoint has copied the log into the database, the next write truncates the
        // log file to this: a sync's tens of megabytes of log do not stay on disk.
        conn.pragma_update(None, "journal_size_limit", JOURNAL_SIZE_LIMIT)?;
        conn.pragma_update(None, "synchronous", "NORMAL")
    }
}

impl Store {
    /// Opens (creating if needed) the database file and brings its schema up to date. A file that
    /// is not a readable database, or fails SQLite's integrity check, is renamed aside
    /// (`fleetdesk.sqlite3.damaged-<time>`) and a fresh database is created; the second value
    /// says so, for the app to tell the user. Profiles' keys stay in the keychain either way.
    pub fn open(path: &Path) -> Result<(Self, Option<DamagedDatabase>), AppError> {
        if let Some(dir) = path.parent() {
            crate::storage::private_files::create_private_dir(dir)
                .map_err(|err| storage("create the data folder", err))?;
        }
        let damaged = match check(path) {
            Ok(()) => None,
            Err(reason) => Some(set_aside(path, reason)?),
        };
        if !path.exists() {
            // Created empty and private before SQLite opens it (its -wal and -shm files copy
            // the database file's permissions).
            crate::storage::private_files::create_private_file(path)
                .map_err(|err| storage("create the local database", err))?;
        }
        let store = Self::from_manager(SqliteConnectionManager::file(path), None)?;
        let damaged = damaged.map(|mut damaged| {
            damaged.recovered_profiles = store.salvage_profiles(Path::new(&damaged.moved_to));
            damaged
        });
        forget_old_damaged_copies(path);
        Ok((store, damaged))
    }

    /// Best effort: copies what can still be read of the damaged file's profiles (and which one
    /// was active) into this database.
    fn salvage_profiles(&self, damaged: &Path) -> u32 {
        let copied = self.with(|conn| {
            conn.execute(
                "ATTACH DATABASE ?1 AS damaged",
                [damaged.display().to_string()],
            )?;
            let copied = conn
                .execute(
                    "INSERT OR IGNORE INTO profiles SELECT * FROM damaged.profiles",
                    [],
                )
                .and_then(|copied| {
                    conn.execute(
                        "INSERT OR IGNORE INTO settings SELECT * FROM damaged.settings
                         WHERE key = 'active_profile_id'",
                        [],
                    )?;
                    Ok(copied)
                });
            conn.execute("DETACH DATABASE damaged", [])?;
            copied
        });
        match copied {
            Ok(copied) => copied as u32,
            Err(err) => {
                tracing::warn!(%err, "no profiles could be read from the damaged database");
                0
            }
        }
    }

    /// A private, temporary database that disappears with its last handle (tests, benches).
    pub fn in_memory() -> Result<Self, AppError> {
        let dir = tempfile::tempdir().map_err(|err| storage("create a temporary database", err))?;
        let path = dir.path().join("fleetdesk.sqlite3");
        Self::from_manager(
            SqliteConnectionManager::file(path),
            Some(std::sync::Arc::new(dir)),
        )
    }

    fn from_manager(
        manager: SqliteConnectionManager,
        temporary: Option<std::sync::Arc<tempfile::TempDir>>,
    ) -> Result<Self, AppError> {
        let manager = manager.with_flags(
            OpenFlags::SQLITE_OPEN_READ_WRITE
                | OpenFlags::SQLITE_OPEN_CREATE
                | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        );
        let pool = r2d2::Pool::builder()
            .max_size(POOL_SIZE)
            .min_idle(Some(1))
            .connection_customizer(Box::new(ConnectionSetup))
            .build(manager)
            .map_err(|err| storage("open the local database", err))?;
        let store = Self {
            pool,
            _temporary: temporary,
        };
        store.with(|conn| {
            // Only a new, empty database takes it (an existing file keeps its page size).
            conn.pragma_update(None, "page_size", PAGE_SIZE)?;
            conn.pragma_update(None, "journal_mode", "WAL")
        })?;
        {
            let mut conn = store.connection()?;
            Migrations::from_slice(MIGRATIONS)
                .to_latest(&mut conn)
                .map_err(|err| storage("upgrade the local database", err))?;
        }
        Ok(store)
    }

    fn connection(&self) -> Result<r2d2::PooledConnection<SqliteConnectionManager>, AppError> {
        self.pool
            .get()
            .map_err(|err| storage("reach the local database", err))
    }

    /// Runs `f` with a connection, on the calling thread. For code that is not on the async
    /// runtime (blocking tasks, tests); async code uses [`Store::run`].
    pub fn with<T>(
        &self,
        f: impl FnOnce(&Connection) -> rusqlite::Result<T>,
    ) -> Result<T, AppError> {
        let conn = self.connection()?;
        f(&conn).map_err(|err| storage("read or write the local database", err))
    }

    /// Runs `f` with a connection on the blocking pool, so an async worker never waits on SQLite.
    pub async fn run<T: Send + 'static>(
        &self,
        f: impl FnOnce(&Connection) -> rusqlite::Result<T> + Send + 'static,
    ) -> Result<T, AppError> {
        let store = self.clone();
        tokio::task::spawn_blocking(move || store.with(f))
            .await
            .map_err(|err| AppError::internal(format!("a database task failed: {err}")))?
    }

    /// Runs `f` in a transaction, committed if it returns `Ok` (on the calling thread).
    ///
    /// The transaction takes the write lock at its start (`BEGIN IMMEDIATE`): a deferred one that
    /// reads and then writes cannot wait for another writer — SQLite answers "database is locked"
    /// at once rather than let it write over a snapshot that is no longer the latest.
    pub fn transaction<T>(
        &self,
        f: impl FnOnce(&rusqlite::Transaction<'_>) -> Result<T, AppError>,
    ) -> Result<T, AppError> {
        let mut conn = self.connection()?;
        in_transaction(&mut conn, f)
    }

    /// [`Store::transaction`] for one large write (a whole fleet: megabytes at once), whose commit
    /// must not also copy the log into the database. SQLite checkpoints the write-ahead log in the
    /// committing connection once it passes 1,000 pages, which for a fleet write is about a third
    /// of the write's time; here the write skips that, and the returned [`Checkpoint`] does it on
    /// a background thread once the caller drops it (so the log stays bounded as before).
    pub fn bulk_transaction<T>(
        &self,
        f: impl FnOnce(&rusqlite::Transaction<'_>) -> Result<T, AppError>,
    ) -> Result<(T, Checkpoint), AppError> {
        self.with_log_kept(|conn| in_transaction(conn, f))
    }

    /// Runs `f` with one connection whose commits do not copy the write-ahead log into the
    /// database: for a large write, or a series of writes (a sync's pages as they arrive), that
    /// should not also wait for checkpoints. The returned [`Checkpoint`] does that copying later.
    pub fn with_log_kept<T>(
        &self,
        f: impl FnOnce(&mut Connection) -> Result<T, AppError>,
    ) -> Result<(T, Checkpoint), AppError> {
        let mut conn = self.connection()?;
        let setting = |conn: &Connection, pages: i64| {
            conn.pragma_update(None, "wal_autocheckpoint", pages)
                .map_err(|err| storage("prepare a database write", err))
        };
        setting(&conn, 0)?;
        let outcome = f(&mut conn);
        // The pooled connection goes back with SQLite's default, and without the pages the
        // write left in its cache (up to 2 MB a connection, kept for as long as the app runs).
        setting(&conn, WAL_AUTOCHECKPOINT_PAGES)?;
        release_cache(&conn);
        drop(conn);
        outcome.map(|value| {
            (
                value,
                Checkpoint {
                    store: Some(self.clone()),
                    before: None,
                },
            )
        })
    }

    /// [`Store::transaction`] on the blocking pool.
    pub async fn run_transaction<T: Send + 'static>(
        &self,
        f: impl FnOnce(&rusqlite::Transaction<'_>) -> Result<T, AppError> + Send + 'static,
    ) -> Result<T, AppError> {
        let store = self.clone();
        tokio::task::spawn_blocking(move || store.transaction(f))
            .await
            .map_err(|err| AppError::internal(format!("a database task failed: {err}")))?
    }

    pub fn setting(&self, key: &str) -> Result<Option<String>, AppError> {
        self.with(|conn| {
            let mut stmt = conn.prepare_cached("SELECT value FROM settings WHERE key = ?1")?;
            let mut rows = stmt.query([key])?;
            rows.next()?.map(|row| row.get(0)).transpose()
        })
    }

    pub fn set_setting(&self, key: &str, value: &str) -> Result<(), AppError> {
        self.with(|conn| {
            conn.execute(
                "INSERT INTO settings (key, value) VALUES (?1, ?2)
                 ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                [key, value],
            )
            .map(|_| ())
        })
    }
}

/// Whether an existing database file opens and passes SQLite's quick integrity check.
fn check(path: &Path) -> Result<(), String> {
    if !path.exists() {
        return Ok(());
    }
    let conn = Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_WRITE)
        .map_err(|err| err.to_string())?;
    let verdict: String = conn
        .query_row("PRAGMA quick_check(1)", [], |row| row.get(0))
        .map_err(|err| err.to_string())?;
    if verdict == "ok" {
        Ok(())
    } else {
        Err(verdict)
    }
}

/// Renames a damaged database (and its WAL and shared-memory files) aside.
/// Damaged databases set aside that are kept (the newest): enough to recover from, never a
/// folder that fills with copies of a file that keeps breaking.
pub const KEEP_DAMAGED: usize = 3;

/// Deletes the set-aside copies of `path` beyond the newest [`KEEP_DAMAGED`] (their names sort by
/// the time they were set aside), with their log files. Best effort.
fn forget_old_damaged_copies(path: &Path) {
    let (Some(dir), Some(name)) = (path.parent(), path.file_name()) else {
        return;
    };
    let prefix = format!("{}.damaged-", name.to_string_lossy());
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let mut copies: Vec<PathBuf> = entries
        .flatten()
        .map(|entry| entry.path())
        .filter(|p| {
            p.file_name().is_some_and(|n| {
                let n = n.to_string_lossy();
                n.starts_with(&prefix) && !n.ends_with("-wal") && !n.ends_with("-shm")
            })
        })
        .collect();
    copies.sort();
    let old = copies.len().saturating_sub(KEEP_DAMAGED);
    for copy in &copies[..old] {
        for suffix in ["", "-wal", "-shm"] {
            let file = PathBuf::from(format!("{}{suffix}", copy.display()));
            if let Err(err) = std::fs::remove_file(&file)
                && err.kind() != std::io::ErrorKind::NotFound
            {
                tracing::warn!(%err, file = %file.display(), "could not delete an old damaged database");
            }
        }
    }
}

fn set_aside(path: &Path, reason: String) -> Result<DamagedDatabase, AppError> {
    let stamp = chrono::Utc::now().format("%Y%m%dT%H%M%S");
    let aside = PathBuf::from(format!("{}.damaged-{stamp}", path.display()));
    std::fs::rename(path, &aside).map_err(|err| storage("move the damaged database aside", err))?;
    for suffix in ["-wal", "-shm"] {
        let companion = PathBuf::from(format!("{}{suffix}", path.display()));
        if companion.exists() {
            let _ = std::fs::rename(&companion, format!("{}{suffix}", aside.display()));
        }
    }
    tracing::warn!(%reason, moved_to = %aside.display(), "the local database was damaged and was set aside");
    Ok(DamagedDatabase {
        moved_to: aside.display().to_string(),
        reason,
        recovered_profiles: 0,
    })
}

pub(crate) fn storage(what: &str, err: impl std::fmt::Display) -> AppError {
    AppError::Storage {
        message: format!("Fleetdesk could not {what}: {err}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_migration_applies_to_an_empty_database() {
        let store = Store::in_memory().unwrap_or_else(|e| panic!("{e}"));
        let tables: Vec<String> = store
            .with(|conn| {
                let mut stmt = conn
                    .prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")?;
                stmt.query_map([], |row| row.get(0))?.collect()
            })
            .unwrap_or_default();
        for table in [
            "audit_log",
            "fleet_devices",
            "fleet_pages",
            "fleet_removed",
            "fleet_sync",
            "profiles",
            "rollout_batches",
            "rollout_rows",
            "saved_views",
            "settings",
        ] {
            assert!(
                tables.iter().any(|t| t == table),
                "{table} missing from {tables:?}"
            );
        }
    }

    #[test]
    fn a_new_database_has_large_pages_and_an_existing_one_keeps_its_own() {
        let page_size = |store: &Store| {
            store
                .with(|conn| conn.query_row("PRAGMA page_size", [], |row| row.get::<_, i64>(0)))
                .unwrap_or_else(|e| panic!("{e}"))
        };
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let new = dir.path().join("new.sqlite3");
        let (store, _) = Store::open(&new).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(page_size(&store), PAGE_SIZE);
        // A database an earlier version made, with SQLite's default pages, opens and works.
        let old = dir.path().join("old.sqlite3");
        {
            let conn = Connection::open(&old).unwrap_or_else(|e| panic!("{e}"));
            conn.execute_batch(
                "PRAGMA page_size = 4096; PRAGMA journal_mode = WAL; CREATE TABLE kept (x);",
            )
            .unwrap_or_else(|e| panic!("{e}"));
        }
        let (store, damaged) = Store::open(&old).unwrap_or_else(|e| panic!("{e}"));
        assert!(damaged.is_none());
        assert_eq!(page_size(&store), 4096);
        store
            .set_setting("theme", "dark")
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            store.setting("theme").ok().flatten().as_deref(),
            Some("dark")
        );
    }

    #[test]
    fn settings_round_trip_and_survive_reopening() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let path = dir.path().join("db/fleetdesk.sqlite3");
        {
            let (store, damaged) = Store::open(&path).unwrap_or_else(|e| panic!("{e}"));
            assert!(damaged.is_none());
            store
                .set_setting("theme", "dark")
                .unwrap_or_else(|e| panic!("{e}"));
            store
                .set_setting("theme", "light")
                .unwrap_or_else(|e| panic!("{e}"));
        }
        let (store, _) = Store::open(&path).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            store.setting("theme").ok().flatten().as_deref(),
            Some("light")
        );
        assert_eq!(store.setting("missing").ok().flatten(), None);
    }

    #[test]
    fn a_damaged_database_is_set_aside_and_a_fresh_one_opens() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let path = dir.path().join("fleetdesk.sqlite3");
        {
            let (store, _) = Store::open(&path).unwrap_or_else(|e| panic!("{e}"));
            store
                .set_setting("theme", "dark")
                .unwrap_or_else(|e| panic!("{e}"));
        }
        // Scribble over the middle of the file, as a failing disk or a half-copied file would.
        let mut bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("{e}"));
        for byte in bytes.iter_mut().skip(100) {
            *byte = 0xA5;
        }
        std::fs::write(&path, &bytes).unwrap_or_else(|e| panic!("{e}"));
        let _ = std::fs::remove_file(dir.path().join("fleetdesk.sqlite3-wal"));

        let (store, damaged) = Store::open(&path).unwrap_or_else(|e| panic!("{e}"));
        let damaged = damaged.unwrap_or_else(|| panic!("the damage went unnoticed"));
        assert!(std::path::Path::new(&damaged.moved_to).exists());
        assert_eq!(
            store.setting("theme").ok().flatten(),
            None,
            "a fresh database"
        );
        store
            .set_setting("theme", "light")
            .unwrap_or_else(|e| panic!("{e}"));
    }

    /// The untrusted-page issue, item 4: after a large write (a fleet's pages) and its
    /// checkpoint, the log file does not stay large.
    #[test]
    fn the_log_shrinks_back_after_a_large_write() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let path = dir.path().join("fleetdesk.sqlite3");
        let (store, _) = Store::open(&path).unwrap_or_else(|e| panic!("{e}"));
        let blob = vec![7u8; 64 * 1024];
        let ((), checkpoint) = store
            .bulk_transaction(|tx| {
                for page in 0..400 {
                    tx.execute(
                        "INSERT INTO fleet_pages (profile_id, generation, page, body) VALUES ('p', 1, ?1, ?2)",
                        rusqlite::params![page, blob],
                    )
                    .map_err(|err| storage("write", err))?;
                }
                Ok(())
            })
            .unwrap_or_else(|e| panic!("{e}"));
        let wal = dir.path().join("fleetdesk.sqlite3-wal");
        let grown = std::fs::metadata(&wal).map(|m| m.len()).unwrap_or(0);
        assert!(grown > 20 * 1024 * 1024, "the write logged {grown} bytes");
        drop(checkpoint);
        // The checkpoint runs on a thread of its own and cuts the log file back.
        let started = std::time::Instant::now();
        loop {
            let size = std::fs::metadata(&wal).map(|m| m.len()).unwrap_or(0);
            if size <= JOURNAL_SIZE_LIMIT as u64 {
                break;
            }
            assert!(
                started.elapsed() < Duration::from_secs(30),
                "the log stayed at {size} bytes"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
        // And writes after it keep it small.
        store
            .set_setting("theme", "dark")
            .unwrap_or_else(|e| panic!("{e}"));
        let size = std::fs::metadata(&wal).map(|m| m.len()).unwrap_or(0);
        assert!(size <= JOURNAL_SIZE_LIMIT as u64, "{size}");
    }

    #[test]
    fn only_the_newest_damaged_copies_are_kept() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let path = dir.path().join("fleetdesk.sqlite3");
        for day in 1..=6 {
            let copy = dir
                .path()
                .join(format!("fleetdesk.sqlite3.damaged-2026120{day}T101010"));
            std::fs::write(&copy, b"damaged").unwrap_or_else(|e| panic!("{e}"));
            std::fs::write(format!("{}-wal", copy.display()), b"log")
                .unwrap_or_else(|e| panic!("{e}"));
        }
        std::fs::write(dir.path().join("unrelated.txt"), b"kept").unwrap_or_else(|e| panic!("{e}"));
        let _ = Store::open(&path).unwrap_or_else(|e| panic!("{e}"));
        let mut left: Vec<String> = std::fs::read_dir(dir.path())
            .unwrap_or_else(|e| panic!("{e}"))
            .flatten()
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .filter(|n| n.contains(".damaged-"))
            .collect();
        left.sort();
        assert_eq!(
            left,
            [
                "fleetdesk.sqlite3.damaged-20261204T101010",
                "fleetdesk.sqlite3.damaged-20261204T101010-wal",
                "fleetdesk.sqlite3.damaged-20261205T101010",
                "fleetdesk.sqlite3.damaged-20261205T101010-wal",
                "fleetdesk.sqlite3.damaged-20261206T101010",
                "fleetdesk.sqlite3.damaged-20261206T101010-wal",
            ]
        );
        assert!(dir.path().join("unrelated.txt").exists());
    }

    #[cfg(unix)]
    #[test]
    fn the_folder_and_the_database_are_private_to_the_user() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let path = dir.path().join("data/fleetdesk.sqlite3");
        let _store = Store::open(&path).unwrap_or_else(|e| panic!("{e}"));
        let mode = |p: &std::path::Path| {
            std::fs::metadata(p)
                .map(|m| m.permissions().mode() & 0o777)
                .unwrap_or_default()
        };
        assert_eq!(mode(&dir.path().join("data")), 0o700);
        assert_eq!(mode(&path), 0o600);
    }

    #[tokio::test]
    async fn run_works_off_the_async_workers_and_writers_wait_for_each_other() {
        let store = Store::in_memory().unwrap_or_else(|e| panic!("{e}"));
        let writes = (0..40).map(|i| {
            let store = store.clone();
            async move {
                store
                    .run(move |conn| {
                        conn.execute(
                            "INSERT INTO settings (key, value) VALUES (?1, 'x')",
                            [format!("k{i}")],
                        )
                    })
                    .await
            }
        });
        for result in futures::future::join_all(writes).await {
            result.unwrap_or_else(|e| panic!("{e}"));
        }
        let count: i64 = store
            .run(|conn| conn.query_row("SELECT COUNT(*) FROM settings", [], |r| r.get(0)))
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(count, 40);
    }
}
