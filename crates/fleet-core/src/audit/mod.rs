//! The activity log: who did what, on which profile, to which device, when, how it went — and
//! what a sync saw change outside Fleetdesk. One entry per device for a change to many, with the
//! value before and after, so a device's history can be read from it. Tamper-evident (see
//! [`chain`]), kept at least 400 days and bounded in size (see [`retention`]).
//!
//! - [`entry`]: an entry as written ([`NewEntry`]) and as read ([`ActivityEntry`]);
//! - [`chain`]: each entry's digest over the one before it, and the check of the whole log;
//! - [`find`]: the log filtered by device, store, kind, who and time, a page at a time;
//! - [`retention`]: what is dropped when, always with a note in the log.

pub mod chain;
pub mod entry;
pub mod find;
pub mod retention;

use rusqlite::Connection;

pub use chain::{BrokenEntry, ChainReport};
pub use entry::{ActivityEntry, NewEntry, Source, os_user};
pub use find::{ActivityFilter, ActivityPage};

use crate::AppError;
use crate::profiles::Profile;
use crate::storage::Store;

#[derive(Clone)]
pub struct AuditLog {
    store: Store,
}

/// Writes `entries` after the newest one, each chained to the one before.
pub(crate) fn append(conn: &Connection, entries: &[NewEntry]) -> rusqlite::Result<()> {
    let mut previous = chain::last_digest(conn)?;
    let mut insert = conn.prepare_cached(&format!(
        "INSERT INTO audit_log ({}, hash) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17)",
        chain::COVERED
    ))?;
    for entry in entries {
        let at = entry.at.format(chain::AT_FORMAT).to_string();
        let fields: [Option<&str>; 16] = [
            Some(at.as_str()),
            Some(entry.source.as_str()),
            Some(entry.os_user.as_str()),
            entry.profile_id.as_deref(),
            entry.profile_name.as_deref(),
            entry.environment.as_deref(),
            Some(entry.action.as_str()),
            Some(entry.target.as_str()),
            Some(entry.outcome.as_str()),
            entry.detail.as_deref(),
            entry.device_id.as_deref(),
            entry.hardware_id.as_deref(),
            entry.location_id.as_deref(),
            entry.old_value.as_deref(),
            entry.new_value.as_deref(),
            entry.job_id.as_deref(),
        ];
        let digest = chain::digest(&previous, &fields);
        insert.execute(rusqlite::params![
            fields[0], fields[1], fields[2], fields[3], fields[4], fields[5], fields[6], fields[7],
            fields[8], fields[9], fields[10], fields[11], fields[12], fields[13], fields[14],
            fields[15], digest,
        ])?;
        previous = digest;
    }
    Ok(())
}

impl AuditLog {
    pub fn new(store: Store) -> Self {
        Self { store }
    }

    /// Records an action of the window's user. `outcome` is `Ok(())` or the error it ended with.
    pub fn record(
        &self,
        profile: Option<&Profile>,
        action: &str,
        target: &str,
        outcome: Result<(), &AppError>,
        detail: Option<&str>,
    ) -> Result<(), AppError> {
        self.write(&[NewEntry::new(Source::App, action, target)
            .profile(profile)
            .outcome(outcome)
            .detail(detail)])
    }

    /// Writes entries, in order, in one transaction (a job's ten thousand devices at once).
    pub fn write(&self, entries: &[NewEntry]) -> Result<(), AppError> {
        if entries.is_empty() {
            return Ok(());
        }
        self.store.transaction(|tx| {
            append(tx, entries)
                .map_err(|err| crate::storage::storage("write the activity log", err))
        })
    }

    /// The newest entries first.
    pub fn recent(&self, limit: u32) -> Result<Vec<ActivityEntry>, AppError> {
        Ok(self.find(&ActivityFilter::default(), None, limit)?.entries)
    }

    /// A page of the entries `filter` matches, newest first, older than `before` (an entry id).
    pub fn find(
        &self,
        filter: &ActivityFilter,
        before: Option<i64>,
        limit: u32,
    ) -> Result<ActivityPage, AppError> {
        self.store
            .with(|conn| find::page(conn, filter, before, limit))
    }

    /// Checks the whole chain (on the blocking pool: it reads every entry).
    pub fn verify(&self) -> Result<ChainReport, AppError> {
        self.store.with(chain::verify)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn log() -> AuditLog {
        AuditLog::new(Store::in_memory().unwrap_or_else(|e| panic!("{e}")))
    }

    #[test]
    fn records_outcomes_newest_first() {
        let log = log();
        log.record(None, "profile.create", "Stores SE", Ok(()), None)
            .unwrap_or_else(|e| panic!("{e}"));
        let failure = AppError::Offline {
            message: "no route".into(),
        };
        log.record(
            None,
            "connection.test",
            "Stores SE",
            Err(&failure),
            Some("latency n/a"),
        )
        .unwrap_or_else(|e| panic!("{e}"));
        let entries = log.recent(10).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(entries.len(), 2);
        assert_eq!(entries[0].action, "connection.test");
        assert_eq!(entries[0].outcome, "failed: no route");
        assert_eq!(entries[1].outcome, "ok");
        assert!(!entries[0].os_user.is_empty());
    }

    /// A log of six device entries, and what its check finds after `sql` ran on it.
    fn tampered(sql: &str) -> Option<i64> {
        let log = log();
        let entries: Vec<NewEntry> = (0..6)
            .map(|n| {
                NewEntry::new(Source::App, "device.rename", &format!("Till {n}"))
                    .device(&format!("d{n}"), &format!("HW{n}"), Some("s1"))
                    .change(Some("old"), Some(&format!("Till {n}")))
            })
            .collect();
        log.write(&entries).unwrap_or_else(|e| panic!("{e}"));
        let clean = log.verify().unwrap_or_else(|e| panic!("{e}"));
        assert_eq!((clean.checked, clean.first_broken), (6, None));
        log.store
            .with(|conn| conn.execute(sql, []).map(|_| ()))
            .unwrap_or_else(|e| panic!("{e}"));
        log.verify()
            .unwrap_or_else(|e| panic!("{e}"))
            .first_broken
            .map(|b| b.id)
    }

    #[test]
    fn an_entry_edited_removed_or_slipped_in_breaks_the_chain_there() {
        assert_eq!(
            tampered("UPDATE audit_log SET new_value = 'Till X' WHERE id = 3"),
            Some(3)
        );
        assert_eq!(
            tampered("UPDATE audit_log SET at = '2020-01-01 00:00:00+00:00' WHERE id = 5"),
            Some(5)
        );
        assert_eq!(tampered("DELETE FROM audit_log WHERE id = 4"), Some(5));
        assert_eq!(
            tampered(
                "INSERT INTO audit_log (at, os_user, action, target, outcome) VALUES ('2026-01-01 00:00:00+00:00', 'x', 'a', 't', 'ok')"
            ),
            Some(7)
        );
        // A copied digest does not help an edited entry: it covers the one before.
        assert_eq!(
            tampered(
                "UPDATE audit_log SET hash = (SELECT hash FROM audit_log WHERE id = 2) WHERE id = 3"
            ),
            Some(3)
        );
        assert_eq!(tampered("UPDATE audit_log SET target = target"), None);
    }

    #[test]
    fn entries_written_later_keep_chaining() {
        let log = log();
        for n in 0..3 {
            log.record(None, "profile.create", &n.to_string(), Ok(()), None)
                .unwrap_or_else(|e| panic!("{e}"));
        }
        let report = log.verify().unwrap_or_else(|e| panic!("{e}"));
        assert_eq!((report.checked, report.first_broken), (3, None));
    }
}
