//! How long the activity log keeps entries: at least [`KEEP_DAYS`] days, and never more than
//! [`MAX_ENTRIES`] in all (the oldest go first). Nothing goes silently: what was dropped is
//! itself an entry, and the digest of the last entry dropped becomes the anchor the chain goes on
//! from.

use chrono::{DateTime, Utc};
use rusqlite::{Connection, OptionalExtension};

use super::chain::{ANCHOR, AT_FORMAT};
use super::entry::{NewEntry, Source};

/// Entries younger than this are kept (unless the log passes [`MAX_ENTRIES`]).
pub const KEEP_DAYS: i64 = 400;
/// The most entries kept: a 20,000-phone chain changing every phone twice a month for 400 days
/// fits, at a few hundred bytes each.
pub const MAX_ENTRIES: i64 = 2_000_000;

/// Drops what is past the limits and notes it. Returns how many entries went.
pub fn prune(conn: &Connection, now: DateTime<Utc>) -> rusqlite::Result<usize> {
    prune_to(conn, now, MAX_ENTRIES)
}

pub fn prune_to(
    conn: &Connection,
    now: DateTime<Utc>,
    max_entries: i64,
) -> rusqlite::Result<usize> {
    let horizon = (now - chrono::Duration::days(KEEP_DAYS))
        .format(AT_FORMAT)
        .to_string();
    let too_old: Option<i64> = conn.query_row(
        "SELECT MAX(id) FROM audit_log WHERE at < ?1",
        [&horizon],
        |row| row.get(0),
    )?;
    let count: i64 = conn.query_row("SELECT COUNT(*) FROM audit_log", [], |row| row.get(0))?;
    let too_many: Option<i64> = if count > max_entries {
        conn.query_row(
            "SELECT id FROM audit_log ORDER BY id LIMIT 1 OFFSET ?1",
            [count - max_entries - 1],
            |row| row.get(0),
        )
        .optional()?
    } else {
        None
    };
    let Some(last) = too_old.max(too_many) else {
        return Ok(0);
    };
    let (first_at, last_at): (String, String) = conn.query_row(
        "SELECT (SELECT at FROM audit_log ORDER BY id LIMIT 1), (SELECT at FROM audit_log WHERE id <= ?1 ORDER BY id DESC LIMIT 1)",
        [last],
        |row| Ok((row.get(0)?, row.get(1)?)),
    )?;
    // The chain goes on from the last digest dropped.
    let anchor: Option<String> = conn
        .query_row(
            "SELECT hash FROM audit_log WHERE id <= ?1 AND hash IS NOT NULL ORDER BY id DESC LIMIT 1",
            [last],
            |row| row.get(0),
        )
        .optional()?;
    let dropped = conn.execute("DELETE FROM audit_log WHERE id <= ?1", [last])?;
    if let Some(anchor) = anchor {
        conn.execute(
            "INSERT INTO settings (key, value) VALUES (?1, ?2)
             ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            [ANCHOR, anchor.as_str()],
        )?;
    }
    let why = if too_many.is_some_and(|many| Some(many) >= too_old) {
        format!("the log passed {max_entries} entries")
    } else {
        format!("older than {KEEP_DAYS} days")
    };
    let mut note = NewEntry::new(
        Source::Fleetdesk,
        "log.pruned",
        &format!("{dropped} entries"),
    )
    .detail(Some(&format!(
        "The oldest entries, written from {first_at} to {last_at}, were dropped: {why}."
    )));
    note.os_user = String::new();
    super::append(conn, &[note])?;
    Ok(dropped)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::audit::AuditLog;
    use crate::storage::Store;

    #[test]
    fn old_or_excess_entries_go_with_a_note_and_the_chain_still_holds() {
        let store = Store::in_memory().unwrap_or_else(|e| panic!("{e}"));
        let log = AuditLog::new(store.clone());
        let now = Utc::now();
        let entries: Vec<NewEntry> = (0..10)
            .map(|n| {
                let mut entry = NewEntry::new(Source::App, "device.rename", &format!("Till {n}"));
                // Four from more than 400 days ago, six recent.
                entry.at = if n < 4 {
                    now - chrono::Duration::days(KEEP_DAYS + 10 - n)
                } else {
                    now - chrono::Duration::minutes(60 - n)
                };
                entry
            })
            .collect();
        log.write(&entries).unwrap_or_else(|e| panic!("{e}"));

        let dropped = store
            .with(|conn| prune(conn, now))
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(dropped, 4);
        let kept = log.recent(100).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(kept.len(), 7, "six kept and the note");
        assert_eq!(kept[0].action, "log.pruned");
        assert!(
            kept[0]
                .detail
                .as_deref()
                .is_some_and(|d| d.contains("older than 400 days")),
            "{:?}",
            kept[0].detail
        );
        let report = log.verify().unwrap_or_else(|e| panic!("{e}"));
        assert_eq!((report.checked, report.first_broken), (7, None));

        // Over the size limit: the oldest go, whatever their age.
        let dropped = store
            .with(|conn| prune_to(conn, now, 3))
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(dropped, 4);
        let kept = log.recent(100).unwrap_or_else(|e| panic!("{e}"));
        assert!(
            kept[0]
                .detail
                .as_deref()
                .is_some_and(|d| d.contains("passed 3 entries"))
        );
        assert_eq!(log.verify().map(|r| r.first_broken).ok(), Some(None));
    }
}
