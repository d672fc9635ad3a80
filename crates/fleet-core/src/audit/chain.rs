//! The log is tamper-evident: each entry's digest covers the digest of the entry before it and
//! every field as written, so an entry edited, removed or slipped in behind Fleetdesk's back breaks
//! the chain from there on. (Evident, not impossible: whoever can write the database could compute
//! a whole new chain. What it catches is a row changed by hand.)
//!
//! Entries from before the chain existed have no digest; the chain starts at the first entry that
//! has one. When retention drops the oldest entries, the digest of the last one dropped is kept as
//! the anchor the first remaining entry must follow.

use rusqlite::{Connection, OptionalExtension, Row};
use serde::Serialize;
use sha2::{Digest, Sha256};
use specta::Type;

/// The setting that holds the digest the oldest kept entry follows.
pub(super) const ANCHOR: &str = "audit_anchor";

/// The columns an entry's digest covers, in order (all but `id` and the digest itself).
pub(super) const COVERED: &str = "at, source, os_user, profile_id, profile_name, environment, action, target, outcome, detail, device_id, hardware_id, location_id, old_value, new_value, job_id";

/// How timestamps are written (rusqlite's own format for chrono, so they read back as such).
pub(super) const AT_FORMAT: &str = "%Y-%m-%d %H:%M:%S%.f%:z";

/// The digest of an entry whose covered fields are `fields` (as written), after `previous`.
pub(super) fn digest(previous: &str, fields: &[Option<&str>]) -> String {
    let mut hasher = Sha256::new();
    hasher.update(previous.as_bytes());
    hasher.update([0u8]);
    // JSON keeps every field apart, `None` apart from "" included.
    hasher.update(serde_json::to_vec(fields).unwrap_or_default());
    hex(&hasher.finalize())
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The digest a new entry follows: the newest entry's, else the anchor, else none.
pub(super) fn last_digest(conn: &Connection) -> rusqlite::Result<String> {
    let newest: Option<String> = conn
        .query_row(
            "SELECT hash FROM audit_log WHERE hash IS NOT NULL ORDER BY id DESC LIMIT 1",
            [],
            |row| row.get(0),
        )
        .optional()?;
    match newest {
        Some(digest) => Ok(digest),
        None => anchor(conn),
    }
}

pub(super) fn anchor(conn: &Connection) -> rusqlite::Result<String> {
    Ok(conn
        .query_row(
            "SELECT value FROM settings WHERE key = ?1",
            [ANCHOR],
            |row| row.get::<_, String>(0),
        )
        .optional()?
        .unwrap_or_default())
}

/// The first entry that does not follow the chain.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Type)]
pub struct BrokenEntry {
    pub id: i64,
    /// When it says it was written.
    pub at: String,
    pub action: String,
}

/// What a check of the whole log found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Type)]
pub struct ChainReport {
    /// Entries whose digest was checked.
    pub checked: u64,
    pub first_broken: Option<BrokenEntry>,
}

fn covered(row: &Row<'_>) -> rusqlite::Result<Vec<Option<String>>> {
    (0..16)
        .map(|i| row.get::<_, Option<String>>(i + 1))
        .collect()
}

/// Checks every entry in order. Reads the log as it streams, holding one entry at a time.
pub(super) fn verify(conn: &Connection) -> rusqlite::Result<ChainReport> {
    let mut previous = anchor(conn)?;
    let mut chained = false;
    let mut checked = 0u64;
    let mut statement = conn.prepare(&format!(
        "SELECT id, {COVERED}, hash FROM audit_log ORDER BY id"
    ))?;
    let mut rows = statement.query([])?;
    while let Some(row) = rows.next()? {
        let id: i64 = row.get(0)?;
        let fields = covered(row)?;
        let stored: Option<String> = row.get(17)?;
        let broken = || BrokenEntry {
            id,
            at: fields[0].clone().unwrap_or_default(),
            action: fields[6].clone().unwrap_or_default(),
        };
        match stored {
            // Written before the chain existed: only ever before its first link.
            None if !chained => continue,
            None => {
                return Ok(ChainReport {
                    checked,
                    first_broken: Some(broken()),
                });
            }
            Some(stored) => {
                let as_refs: Vec<Option<&str>> = fields.iter().map(Option::as_deref).collect();
                if digest(&previous, &as_refs) != stored {
                    return Ok(ChainReport {
                        checked,
                        first_broken: Some(broken()),
                    });
                }
                chained = true;
                checked += 1;
                previous = stored;
            }
        }
    }
    Ok(ChainReport {
        checked,
        first_broken: None,
    })
}
