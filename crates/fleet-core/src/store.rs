//! The local SQLite database: one file in the app-data dir, schema by numbered migrations.
//!
//! Holds profiles, settings and the audit log (and, as the app grows, the fleet cache, tracked
//! sessions and rollout batches). Never a secret: keys live in the OS keychain.

use std::path::Path;
use std::sync::Arc;

use parking_lot::Mutex;
use rusqlite::Connection;
use rusqlite_migration::{M, Migrations};

use crate::AppError;

const MIGRATIONS: &[M<'static>] = &[
    M::up(
        "CREATE TABLE profiles (
        id           TEXT PRIMARY KEY,
        name         TEXT NOT NULL,
        environment  TEXT NOT NULL,
        base_url     TEXT NOT NULL,
        merchant_id  TEXT NOT NULL,
        created_at   TEXT NOT NULL,
        last_used_at TEXT
    );
    CREATE TABLE settings (
        key   TEXT PRIMARY KEY,
        value TEXT NOT NULL
    );
    CREATE TABLE audit_log (
        id           INTEGER PRIMARY KEY AUTOINCREMENT,
        at           TEXT NOT NULL,
        os_user      TEXT NOT NULL,
        profile_id   TEXT,
        profile_name TEXT,
        environment  TEXT,
        action       TEXT NOT NULL,
        target       TEXT NOT NULL,
        outcome      TEXT NOT NULL,
        detail       TEXT
    );",
    ),
    M::up(
        "CREATE TABLE rollout_batches (
        id            TEXT PRIMARY KEY,
        profile_id    TEXT NOT NULL,
        name          TEXT NOT NULL,
        created_at    TEXT NOT NULL,
        expires_in_ms INTEGER NOT NULL
    );
    CREATE TABLE rollout_rows (
        batch_id      TEXT NOT NULL REFERENCES rollout_batches(id) ON DELETE CASCADE,
        row_number    INTEGER NOT NULL,
        location_id   TEXT NOT NULL,
        location_name TEXT NOT NULL,
        device_label  TEXT,
        metadata      TEXT NOT NULL,
        state         TEXT NOT NULL,
        enrollment_id TEXT,
        code          TEXT,
        expires_at    TEXT,
        error         TEXT,
        live_status   TEXT,
        PRIMARY KEY (batch_id, row_number)
    );",
    ),
    M::up(
        "CREATE TABLE fleet_devices (
        profile_id TEXT NOT NULL,
        id         TEXT NOT NULL,
        body       TEXT NOT NULL,
        PRIMARY KEY (profile_id, id)
    );
    CREATE TABLE fleet_sync (
        profile_id   TEXT PRIMARY KEY,
        synced_at    TEXT NOT NULL,
        device_count INTEGER NOT NULL
    );
    CREATE TABLE saved_views (
        profile_id TEXT NOT NULL,
        name       TEXT NOT NULL,
        query      TEXT NOT NULL,
        PRIMARY KEY (profile_id, name)
    );",
    ),
    M::up(
        "CREATE TABLE tracked_sessions (
        id           TEXT PRIMARY KEY,
        profile_id   TEXT NOT NULL,
        body         TEXT NOT NULL,
        status       TEXT NOT NULL,
        device_id    TEXT NOT NULL,
        location_id  TEXT,
        first_seen   TEXT NOT NULL,
        updated_at   TEXT NOT NULL,
        status_since TEXT NOT NULL
    );
    CREATE TABLE session_events (
        id         INTEGER PRIMARY KEY AUTOINCREMENT,
        session_id TEXT NOT NULL,
        at         TEXT NOT NULL,
        kind       TEXT NOT NULL,
        status     TEXT,
        detail     TEXT,
        source     TEXT NOT NULL,
        callback_id TEXT,
        dedupe_key TEXT NOT NULL UNIQUE
    );
    CREATE INDEX session_events_by_session ON session_events (session_id, id);
    CREATE TABLE webhook_deliveries (
        id          INTEGER PRIMARY KEY AUTOINCREMENT,
        received_at TEXT NOT NULL,
        webhook_id  TEXT,
        event_type  TEXT,
        session_id  TEXT,
        verdict     TEXT NOT NULL,
        http_status INTEGER NOT NULL,
        detail      TEXT
    );",
    ),
];

/// A shared handle on the database. Cheap to clone.
#[derive(Clone)]
pub struct Store {
    conn: Arc<Mutex<Connection>>,
}

impl Store {
    /// Opens (creating if needed) the database file and brings its schema up to date.
    pub fn open(path: &Path) -> Result<Self, AppError> {
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).map_err(|err| storage("create the data folder", err))?;
        }
        let conn = Connection::open(path).map_err(|err| storage("open the local database", err))?;
        conn.pragma_update(None, "journal_mode", "WAL")
            .map_err(|err| storage("configure the local database", err))?;
        Self::from_connection(conn)
    }

    /// An in-memory database (tests).
    pub fn in_memory() -> Result<Self, AppError> {
        let conn = Connection::open_in_memory().map_err(|err| storage("open a database", err))?;
        Self::from_connection(conn)
    }

    fn from_connection(mut conn: Connection) -> Result<Self, AppError> {
        conn.pragma_update(None, "foreign_keys", "ON")
            .map_err(|err| storage("configure the local database", err))?;
        Migrations::from_slice(MIGRATIONS)
            .to_latest(&mut conn)
            .map_err(|err| storage("upgrade the local database", err))?;
        Ok(Self {
            conn: Arc::new(Mutex::new(conn)),
        })
    }

    /// Runs `f` with the connection.
    pub fn with<T>(
        &self,
        f: impl FnOnce(&Connection) -> rusqlite::Result<T>,
    ) -> Result<T, AppError> {
        let conn = self.conn.lock();
        f(&conn).map_err(|err| storage("read or write the local database", err))
    }

    /// Runs `f` in a transaction, committed if it returns `Ok`.
    pub fn transaction<T>(
        &self,
        f: impl FnOnce(&rusqlite::Transaction<'_>) -> Result<T, AppError>,
    ) -> Result<T, AppError> {
        let mut conn = self.conn.lock();
        let tx = conn
            .transaction()
            .map_err(|err| storage("start a database transaction", err))?;
        let value = f(&tx)?;
        tx.commit()
            .map_err(|err| storage("save to the local database", err))?;
        Ok(value)
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
    fn settings_round_trip_and_survive_reopening() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let path = dir.path().join("db/fleetdesk.sqlite3");
        {
            let store = Store::open(&path).unwrap_or_else(|e| panic!("{e}"));
            store
                .set_setting("theme", "dark")
                .unwrap_or_else(|e| panic!("{e}"));
            store
                .set_setting("theme", "light")
                .unwrap_or_else(|e| panic!("{e}"));
        }
        let store = Store::open(&path).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            store.setting("theme").ok().flatten().as_deref(),
            Some("light")
        );
        assert_eq!(store.setting("missing").ok().flatten(), None);
    }
}
