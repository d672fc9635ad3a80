//! How much history the local database keeps, so it stays bounded however long Fleetdesk runs:
//! finished sessions (with their timelines) beyond a count, or older than an
//! age, are dropped; so are sessions that never finished and have not changed for a week (Kustom
//! times a session out long before: what is left is a session nobody will hear of again), and
//! rollouts beyond a count or age with their rows, bulk jobs that ended (finished or cancelled)
//! beyond a count or age with their devices' rows, and the codes this computer issued once they
//! are past `issued::KEPT_DAYS` (or beyond `issued::MAX_KEPT` of a profile). The fleet cache is not pruned (it is replaced
//! whole at each sync), nor is the callback receiver's memory of ids within their window, beyond a
//! count. The session, job and callback limits are settings (`retention_sessions`,
//! `retention_jobs`, `retention_deliveries`); what each job did stays in the activity log. The activity log
//! keeps its own rules (`audit::retention`: at least 400 days, at most `retention_audit` entries
//! — 2,000,000 unless set — and never silently).

use chrono::Utc;

use crate::AppError;
use crate::enrollments::issued;
use crate::storage::Store;

/// Finished sessions kept by default (a busy store's few weeks of test and real payments).
pub const DEFAULT_SESSIONS: u32 = 5_000;
/// Nothing finished is kept longer than this.
pub const MAX_AGE_DAYS: i64 = 180;
/// A session that has not finished and not changed for this long is given up on.
pub const UNFINISHED_DAYS: i64 = 7;
/// Rollouts kept (with their rows); older ones beyond this are dropped, as are any past
/// [`MAX_AGE_DAYS`].
pub const ROLLOUTS: u32 = 500;
/// Ended jobs kept by default with every device's result (a job over a 20,000-phone fleet is
/// ~4 MB of rows); older ones beyond this are dropped, as are any ended past [`MAX_AGE_DAYS`].
/// Running and paused jobs are never dropped.
pub const DEFAULT_JOBS: u32 = 200;
/// Verified callback ids remembered at most (besides their three days, `receiver::REPLAY_WINDOW`):
/// a busy chain's few hours of callbacks, ~13 MB. An id forgotten early costs nothing but a
/// second look: a re-sent delivery's event is refused by its session timeline's dedupe key.
pub const DEFAULT_DELIVERIES: u32 = 100_000;

/// What a pruning pass removed.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Pruned {
    pub sessions: usize,
    pub audit_entries: usize,
    pub rollouts: usize,
    pub jobs: usize,
    pub deliveries: usize,
    pub issued_codes: usize,
}

fn limit(store: &Store, key: &str, default: u32) -> Result<u32, AppError> {
    Ok(store
        .setting(key)?
        .and_then(|v| v.parse().ok())
        .filter(|n: &u32| *n > 0)
        .unwrap_or(default))
}

/// Drops what is past the limits. Blocking: call it on the blocking pool.
pub fn prune(store: &Store) -> Result<Pruned, AppError> {
    let sessions = limit(store, "retention_sessions", DEFAULT_SESSIONS)?;
    // Not a setting the page can reach (only Rust writes it): a page that could lower it could
    // empty the activity log.
    let audit_entries = i64::from(limit(
        store,
        "retention_audit",
        crate::audit::retention::MAX_ENTRIES as u32,
    )?);
    let jobs = limit(store, "retention_jobs", DEFAULT_JOBS)?;
    let deliveries = limit(store, "retention_deliveries", DEFAULT_DELIVERIES)?;
    let horizon = Utc::now() - chrono::Duration::days(MAX_AGE_DAYS);
    let given_up = Utc::now() - chrono::Duration::days(UNFINISHED_DAYS);
    store.transaction(|tx| {
        let db = |err: rusqlite::Error| crate::storage::storage("prune old history", err);
        // Finished sessions beyond the newest `sessions`, or older than the horizon.
        tx.execute(
            "CREATE TEMP TABLE IF NOT EXISTS expired_sessions (id TEXT PRIMARY KEY)",
            [],
        )
        .map_err(db)?;
        tx.execute("DELETE FROM expired_sessions", []).map_err(db)?;
        tx.execute(
            "INSERT INTO expired_sessions
             SELECT id FROM tracked_sessions
             WHERE status IN ('FINALIZED', 'CANCELLED', 'EXPIRED', 'FAILED')
               AND (updated_at < ?1 OR id IN (
                   SELECT id FROM tracked_sessions
                   WHERE status IN ('FINALIZED', 'CANCELLED', 'EXPIRED', 'FAILED')
                   ORDER BY updated_at DESC LIMIT -1 OFFSET ?2))",
            rusqlite::params![horizon, sessions],
        )
        .map_err(db)?;
        tx.execute(
            "INSERT OR IGNORE INTO expired_sessions
             SELECT id FROM tracked_sessions
             WHERE status NOT IN ('FINALIZED', 'CANCELLED', 'EXPIRED', 'FAILED')
               AND updated_at < ?1",
            [given_up],
        )
        .map_err(db)?;
        tx.execute(
            "DELETE FROM session_events WHERE session_id IN (SELECT id FROM expired_sessions)",
            [],
        )
        .map_err(db)?;
        let pruned_sessions = tx
            .execute(
                "DELETE FROM tracked_sessions WHERE id IN (SELECT id FROM expired_sessions)",
                [],
            )
            .map_err(db)?;
        let pruned_audit =
            crate::audit::retention::prune_to(tx, Utc::now(), audit_entries).map_err(db)?;
        tx.execute(
            "DELETE FROM rollout_rows WHERE batch_id IN (
                 SELECT id FROM rollout_batches WHERE created_at < ?1 OR id IN (
                     SELECT id FROM rollout_batches ORDER BY created_at DESC LIMIT -1 OFFSET ?2))",
            rusqlite::params![horizon, ROLLOUTS],
        )
        .map_err(db)?;
        let pruned_rollouts = tx
            .execute(
                "DELETE FROM rollout_batches WHERE created_at < ?1 OR id IN (
                     SELECT id FROM rollout_batches ORDER BY created_at DESC LIMIT -1 OFFSET ?2)",
                rusqlite::params![horizon, ROLLOUTS],
            )
            .map_err(db)?;
        // Jobs that ended, beyond the newest `jobs` or ended before the horizon.
        let ended_jobs = "SELECT id FROM jobs WHERE state IN ('finished', 'cancelled') AND (
                 finished_at < ?1 OR id IN (
                     SELECT id FROM jobs WHERE state IN ('finished', 'cancelled')
                     ORDER BY created_at DESC LIMIT -1 OFFSET ?2))";
        tx.execute(
            &format!("DELETE FROM job_devices WHERE job_id IN ({ended_jobs})"),
            rusqlite::params![horizon, jobs],
        )
        .map_err(db)?;
        let pruned_jobs = tx
            .execute(
                &format!("DELETE FROM jobs WHERE id IN ({ended_jobs})"),
                rusqlite::params![horizon, jobs],
            )
            .map_err(db)?;
        // Callback ids beyond the newest `deliveries` (the receiver drops those past their window).
        let pruned_deliveries = tx
            .execute(
                "DELETE FROM webhook_replay WHERE webhook_id IN (
                     SELECT webhook_id FROM webhook_replay ORDER BY received_at DESC LIMIT -1 OFFSET ?1)",
                [deliveries],
            )
            .map_err(db)?;
        // Issued codes: past their keeping age, or beyond the newest MAX_KEPT of a profile.
        let forgotten_codes = Utc::now() - chrono::Duration::days(issued::KEPT_DAYS);
        let pruned_codes = tx
            .execute(
                "DELETE FROM issued_codes WHERE expires_at < ?1 OR (profile_id, enrollment_id) IN (
                     SELECT profile_id, enrollment_id FROM (
                         SELECT profile_id, enrollment_id, ROW_NUMBER() OVER (
                             PARTITION BY profile_id ORDER BY issued_at DESC) AS newest
                         FROM issued_codes)
                     WHERE newest > ?2)",
                rusqlite::params![forgotten_codes, issued::MAX_KEPT],
            )
            .map_err(db)?;
        Ok(Pruned {
            sessions: pruned_sessions,
            audit_entries: pruned_audit,
            rollouts: pruned_rollouts,
            jobs: pruned_jobs,
            deliveries: pruned_deliveries,
            issued_codes: pruned_codes,
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::audit::AuditLog;

    #[test]
    fn keeps_the_newest_within_the_limits_and_never_live_sessions() {
        let store = Store::in_memory().unwrap_or_else(|e| panic!("{e}"));
        store
            .set_setting("retention_sessions", "3")
            .unwrap_or_else(|e| panic!("{e}"));
        let now = Utc::now();
        store
            .with(|conn| {
                for n in 0..9 {
                    let status = if n < 2 || n == 8 { "ACTIVE" } else { "FINALIZED" };
                    // s8 never finished and has not changed for eight days.
                    let at = if n == 8 {
                        now - chrono::Duration::days(8)
                    } else {
                        now - chrono::Duration::minutes(60 - n)
                    };
                    conn.execute(
                        "INSERT INTO tracked_sessions (id, profile_id, body, status, device_id, first_seen, updated_at, status_since)
                         VALUES (?1, 'p', '{}', ?2, 'd', ?3, ?3, ?3)",
                        rusqlite::params![format!("s{n}"), status, at],
                    )?;
                    conn.execute(
                        "INSERT INTO session_events (session_id, at, kind, status, source, dedupe_key)
                         VALUES (?1, ?2, 'status', ?3, 'poll', ?4)",
                        rusqlite::params![format!("s{n}"), at, status, format!("k{n}")],
                    )?;
                }
                Ok(())
            })
            .unwrap_or_else(|e| panic!("{e}"));
        let audit = AuditLog::new(store.clone());
        for n in 0..25 {
            audit
                .record(None, "test", &n.to_string(), Ok(()), None)
                .unwrap_or_else(|e| panic!("{e}"));
        }
        let pruned = prune(&store).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            pruned,
            Pruned {
                sessions: 4,
                // Recent activity stays (the log keeps 400 days: audit::retention).
                audit_entries: 0,
                rollouts: 0,
                jobs: 0,
                deliveries: 0,
                issued_codes: 0,
            }
        );
        let left: Vec<String> = store
            .with(|conn| {
                let mut stmt = conn.prepare("SELECT id FROM tracked_sessions ORDER BY id")?;
                stmt.query_map([], |r| r.get(0))?.collect()
            })
            .unwrap_or_default();
        assert_eq!(
            left,
            ["s0", "s1", "s5", "s6", "s7"],
            "live ones stay, the newest finished stay, one given up on goes"
        );
        let events: i64 = store
            .with(|conn| conn.query_row("SELECT COUNT(*) FROM session_events", [], |r| r.get(0)))
            .unwrap_or_default();
        assert_eq!(events, 5, "timelines go with their sessions");
        assert_eq!(audit.recent(100).map(|r| r.len()).unwrap_or_default(), 25);

        // A lower limit on the log (set in Rust only) drops the oldest, and says so.
        store
            .set_setting("retention_audit", "10")
            .unwrap_or_else(|e| panic!("{e}"));
        let pruned = prune(&store).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(pruned.audit_entries, 15);
        let kept = audit.recent(100).unwrap_or_default();
        assert_eq!(kept.len(), 11, "the newest 10, and the note of what went");
    }

    #[test]
    fn rollouts_beyond_the_count_go_with_their_rows() {
        let store = Store::in_memory().unwrap_or_else(|e| panic!("{e}"));
        let now = Utc::now();
        store
            .with(|conn| {
                for n in 0..(ROLLOUTS + 3) {
                    let at = now - chrono::Duration::minutes(i64::from(n));
                    conn.execute(
                        "INSERT INTO rollout_batches (id, profile_id, name, created_at, expires_in_ms)
                         VALUES (?1, 'p', 'r', ?2, 1000)",
                        rusqlite::params![format!("b{n}"), at],
                    )?;
                    conn.execute(
                        "INSERT INTO rollout_rows (batch_id, row_number, location_id, location_name, metadata, state)
                         VALUES (?1, 1, 'l', 'L', '{}', 'created')",
                        [format!("b{n}")],
                    )?;
                }
                Ok(())
            })
            .unwrap_or_else(|e| panic!("{e}"));
        let pruned = prune(&store).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(pruned.rollouts, 3);
        let (batches, rows): (i64, i64) = store
            .with(|conn| {
                conn.query_row(
                    "SELECT (SELECT COUNT(*) FROM rollout_batches), (SELECT COUNT(*) FROM rollout_rows)",
                    [],
                    |r| Ok((r.get(0)?, r.get(1)?)),
                )
            })
            .unwrap_or_default();
        assert_eq!((batches, rows), (i64::from(ROLLOUTS), i64::from(ROLLOUTS)));
    }

    #[test]
    fn ended_jobs_beyond_the_count_or_age_go_with_their_devices_and_live_ones_stay() {
        let store = Store::in_memory().unwrap_or_else(|e| panic!("{e}"));
        let now = Utc::now();
        // Running and paused jobs, however old, are never dropped; j2 ended past the horizon.
        let jobs = [
            ("j0", "running", MAX_AGE_DAYS + 50, None),
            ("j1", "paused", MAX_AGE_DAYS + 40, None),
            ("j2", "finished", MAX_AGE_DAYS + 20, Some(MAX_AGE_DAYS + 10)),
            ("j3", "cancelled", 20, Some(20)),
            ("j4", "finished", 10, Some(9)),
            ("j5", "finished", 5, Some(4)),
        ];
        store
            .with(|conn| {
                for (id, state, created_days_ago, ended_days_ago) in jobs {
                    conn.execute(
                        "INSERT INTO jobs (id, profile_id, label, action, state, created_at, created_by, finished_at)
                         VALUES (?1, 'p', 'Move', '{}', ?2, ?3, 'test', ?4)",
                        rusqlite::params![
                            id,
                            state,
                            now - chrono::Duration::days(created_days_ago),
                            ended_days_ago.map(|days| now - chrono::Duration::days(days)),
                        ],
                    )?;
                    for seq in 0..3 {
                        conn.execute(
                            "INSERT INTO job_devices (job_id, seq, device_id, name, state)
                             VALUES (?1, ?2, 'd', 'Till', 'done')",
                            rusqlite::params![id, seq],
                        )?;
                    }
                }
                Ok(())
            })
            .unwrap_or_else(|e| panic!("{e}"));
        let left = || -> Vec<(String, i64)> {
            store
                .with(|conn| {
                    let mut stmt = conn.prepare(
                        "SELECT id, (SELECT COUNT(*) FROM job_devices d WHERE d.job_id = jobs.id)
                         FROM jobs ORDER BY id",
                    )?;
                    stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
                        .collect()
                })
                .unwrap_or_default()
        };
        let kept = |ids: &[&str]| -> Vec<(String, i64)> {
            ids.iter().map(|id| ((*id).to_owned(), 3)).collect()
        };

        // By age: within the default count, only the job that ended past the horizon goes.
        assert_eq!(prune(&store).map(|p| p.jobs).ok(), Some(1));
        assert_eq!(left(), kept(&["j0", "j1", "j3", "j4", "j5"]));

        // By count: only the newest ended job is kept; live ones stay.
        store
            .set_setting("retention_jobs", "1")
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(prune(&store).map(|p| p.jobs).ok(), Some(2));
        assert_eq!(left(), kept(&["j0", "j1", "j5"]));
        let orphans: i64 = store
            .with(|conn| {
                conn.query_row(
                    "SELECT COUNT(*) FROM job_devices WHERE job_id NOT IN (SELECT id FROM jobs)",
                    [],
                    |r| r.get(0),
                )
            })
            .unwrap_or(-1);
        assert_eq!(orphans, 0, "a dropped job's devices go with it");
    }

    #[test]
    fn callback_ids_beyond_the_count_go_oldest_first() {
        let store = Store::in_memory().unwrap_or_else(|e| panic!("{e}"));
        store
            .set_setting("retention_deliveries", "2")
            .unwrap_or_else(|e| panic!("{e}"));
        let now = Utc::now();
        store
            .with(|conn| {
                for n in 0..5 {
                    conn.execute(
                        "INSERT INTO webhook_replay (webhook_id, received_at) VALUES (?1, ?2)",
                        rusqlite::params![
                            format!("msg_{n}"),
                            now - chrono::Duration::minutes(10 - n)
                        ],
                    )?;
                }
                Ok(())
            })
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(prune(&store).map(|p| p.deliveries).ok(), Some(3));
        let left: Vec<String> = store
            .with(|conn| {
                let mut stmt =
                    conn.prepare("SELECT webhook_id FROM webhook_replay ORDER BY webhook_id")?;
                stmt.query_map([], |r| r.get(0))?.collect()
            })
            .unwrap_or_default();
        assert_eq!(left, ["msg_3", "msg_4"], "the newest two are remembered");
    }

    #[test]
    fn issued_codes_go_once_long_expired() {
        let store = Store::in_memory().unwrap_or_else(|e| panic!("{e}"));
        let now = Utc::now();
        store
            .with(|conn| {
                for (id, expired_days_ago) in [("old", issued::KEPT_DAYS + 1), ("recent", 3)] {
                    conn.execute(
                        "INSERT INTO issued_codes (profile_id, enrollment_id, location_id, expires_at, issued_at)
                         VALUES ('p', ?1, 'l', ?2, ?2)",
                        rusqlite::params![id, now - chrono::Duration::days(expired_days_ago)],
                    )?;
                }
                Ok(())
            })
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(prune(&store).map(|p| p.issued_codes).ok(), Some(1));
        let left: Vec<String> = store
            .with(|conn| {
                let mut stmt = conn.prepare("SELECT enrollment_id FROM issued_codes")?;
                stmt.query_map([], |r| r.get(0))?.collect()
            })
            .unwrap_or_default();
        assert_eq!(left, ["recent"]);
    }
}
