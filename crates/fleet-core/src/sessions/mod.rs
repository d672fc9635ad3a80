//! Live sessions: the local callback receiver, the session watcher that polls what it tracks,
//! each session's timeline in SQLite, and the test-payment cart.
//!
//! Kustom has no list-sessions endpoint, so a session becomes known when the app creates it, when
//! the user looks it up by id, or when a callback announces it. From then on every change — from a
//! callback or a poll — is one timeline entry (entries are de-duplicated by what they say), and is
//! pushed to the UI.

pub mod cart;
pub mod receiver;
pub mod watcher;

use chrono::{DateTime, Utc};
use kustom_ipp::{Session, SessionStatus};
use rusqlite::OptionalExtension;
use serde::{Deserialize, Serialize};
use specta::Type;

use crate::AppError;
use crate::storage::{Store, storage};

/// Where a timeline entry came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(rename_all = "snake_case")]
pub enum EventSource {
    /// Fleetdesk made the change (created, cancelled, tapped).
    App,
    Callback,
    Poll,
}

impl EventSource {
    fn as_db(self) -> &'static str {
        match self {
            Self::App => "app",
            Self::Callback => "callback",
            Self::Poll => "poll",
        }
    }

    fn from_db(value: &str) -> Self {
        match value {
            "app" => Self::App,
            "callback" => Self::Callback,
            _ => Self::Poll,
        }
    }
}

/// One line of a session's timeline.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Type)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum TimelineEvent {
    /// The session reached a status.
    Status { status: String },
    /// A payment attempt failed; the session stays open.
    PaymentFailed { reason: String },
}

impl TimelineEvent {
    /// Where the event falls in a session's life: created, activated, payment attempts (made
    /// while it is active), finished. Callbacks arrive in any order (each is applied on its own,
    /// a failed delivery is retried later) and race the polls, so a timeline is told in this
    /// order first and in the order entries were recorded second.
    fn stage(&self) -> u8 {
        match self {
            Self::Status { status } => match progress(&SessionStatus::parse(status)) {
                0 => 0,
                1 => 1,
                _ => 3,
            },
            Self::PaymentFailed { .. } => 2,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Type)]
pub struct TimelineEntry {
    pub at: DateTime<Utc>,
    pub event: TimelineEvent,
    pub source: EventSource,
    /// The callback's `kevt_…` id, when a callback reported it.
    pub callback_id: Option<String>,
}

/// A session Fleetdesk follows, with what the board needs.
#[derive(Debug, Clone, PartialEq, Serialize, Type)]
pub struct TrackedSession {
    pub session: Session,
    pub profile_id: String,
    pub location_id: Option<String>,
    pub first_seen: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// Since when the session has had its current status.
    pub status_since: DateTime<Utc>,
    pub last_event: Option<TimelineEntry>,
}

/// History filters.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, Type)]
pub struct SessionFilter {
    pub status: Option<String>,
    pub device_id: Option<String>,
    pub location_id: Option<String>,
    /// Only sessions first seen on or after this time.
    pub since: Option<DateTime<Utc>>,
    /// Only sessions that are not finished yet (the board).
    pub active_only: bool,
}

/// One callback delivery as the receiver judged it (values truncated; kept in memory only).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Type)]
pub struct Delivery {
    pub received_at: DateTime<Utc>,
    pub webhook_id: Option<String>,
    pub event_type: Option<String>,
    pub session_id: Option<String>,
    /// "accepted", "duplicate", "unsupported", "forged", "stale", "too_large", "malformed",
    /// "unrecorded".
    pub verdict: String,
    pub http_status: u16,
    pub detail: Option<String>,
}

/// How far along a status is. Statuses never go backwards: CREATED, then ACTIVE (or a status this
/// version does not know, treated as still open), then any terminal one.
pub fn progress(status: &SessionStatus) -> u8 {
    match status {
        SessionStatus::Created => 0,
        SessionStatus::Active | SessionStatus::Unknown(_) => 1,
        _ => 2,
    }
}

/// What [`SessionStore::upsert`] found and left.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Upserted {
    /// The saved status before, if the session was known.
    pub previous: Option<String>,
    /// The saved status now (the earlier one when it was further along).
    pub status: SessionStatus,
}

impl Upserted {
    pub fn changed(&self) -> bool {
        self.previous.as_deref() != Some(self.status.as_str())
    }
}

#[derive(Clone)]
pub struct SessionStore {
    store: Store,
}

fn status_key(status: &SessionStatus) -> String {
    status.as_str().to_owned()
}

impl SessionStore {
    pub fn new(store: Store) -> Self {
        Self { store }
    }

    /// Runs work on this store on the blocking pool (async callers: the watcher, the receiver).
    pub async fn run<T: Send + 'static>(
        &self,
        f: impl FnOnce(&SessionStore) -> Result<T, AppError> + Send + 'static,
    ) -> Result<T, AppError> {
        let this = self.clone();
        tokio::task::spawn_blocking(move || f(&this))
            .await
            .map_err(|err| AppError::internal(format!("a database task failed: {err}")))?
    }

    /// [`SessionStore::get`] on the blocking pool.
    pub async fn get_async(&self, session_id: &str) -> Result<Option<TrackedSession>, AppError> {
        let id = session_id.to_owned();
        self.run(move |store| store.get(&id)).await
    }

    /// Saves the latest state of a session, unless the saved one is further along: a late poll
    /// never moves a session backwards, whichever of a callback and a poll is written last (the
    /// check and the write are one transaction). Says what it had before and what it has now.
    pub fn upsert(
        &self,
        profile_id: &str,
        session: &Session,
        location_id: Option<&str>,
    ) -> Result<Upserted, AppError> {
        let body = serde_json::to_string(session).map_err(|e| storage("save the session", e))?;
        let now = Utc::now();
        let status = status_key(&session.status);
        self.store.transaction(|tx| {
            let db = |err: rusqlite::Error| storage("save the session", err);
            let previous: Option<(String, Option<String>)> = tx
                .query_row("SELECT status, location_id FROM tracked_sessions WHERE id = ?1", [&session.session_id], |row| {
                    Ok((row.get(0)?, row.get(1)?))
                })
                .optional()
                .map_err(db)?;
            match &previous {
                None => {
                    tx.execute(
                        "INSERT INTO tracked_sessions (id, profile_id, body, status, device_id, location_id, first_seen, updated_at, status_since)
                         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?7, ?7)",
                        rusqlite::params![session.session_id, profile_id, body, status, session.device_id, location_id, now],
                    )
                    .map_err(db)?;
                }
                Some((old_status, _))
                    if progress(&SessionStatus::parse(old_status)) > progress(&session.status) =>
                {
                    return Ok(Upserted {
                        previous: Some(old_status.clone()),
                        status: SessionStatus::parse(old_status),
                    });
                }
                Some((old_status, old_location)) => {
                    let since_changed = *old_status != status;
                    tx.execute(
                        "UPDATE tracked_sessions SET body = ?2, status = ?3, updated_at = ?4, location_id = ?5,
                                status_since = CASE WHEN ?6 THEN ?4 ELSE status_since END
                         WHERE id = ?1",
                        rusqlite::params![session.session_id, body, status, now, location_id.map(str::to_owned).or(old_location.clone()), since_changed],
                    )
                    .map_err(db)?;
                }
            }
            Ok(Upserted {
                previous: previous.map(|(s, _)| s),
                status: session.status.clone(),
            })
        })
    }

    /// Appends a timeline entry unless one saying the same already exists; returns whether it was new.
    pub fn append(&self, session_id: &str, entry: &TimelineEntry) -> Result<bool, AppError> {
        let (kind, status, detail, key) = match &entry.event {
            TimelineEvent::Status { status } => (
                "status",
                Some(status.clone()),
                None,
                format!("{session_id}:status:{status}"),
            ),
            TimelineEvent::PaymentFailed { reason } => (
                "payment_failed",
                None,
                Some(reason.clone()),
                format!(
                    "{session_id}:failed:{}",
                    entry
                        .callback_id
                        .clone()
                        .unwrap_or_else(|| entry.at.to_rfc3339())
                ),
            ),
        };
        let inserted = self.store.with(|conn| {
            conn.execute(
                "INSERT OR IGNORE INTO session_events (session_id, at, kind, status, detail, source, callback_id, dedupe_key)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                rusqlite::params![session_id, entry.at, kind, status, detail, entry.source.as_db(), entry.callback_id, key],
            )
        })?;
        Ok(inserted == 1)
    }

    /// A session's timeline in the order of its life (see [`TimelineEvent::stage`]).
    /// Deletes every session (and its timeline) followed for a profile that is being deleted.
    pub fn forget_profile(&self, profile_id: &str) -> Result<usize, AppError> {
        self.store.with(|conn| {
            conn.execute(
                "DELETE FROM session_events WHERE session_id IN
                     (SELECT id FROM tracked_sessions WHERE profile_id = ?1)",
                [profile_id],
            )?;
            conn.execute(
                "DELETE FROM tracked_sessions WHERE profile_id = ?1",
                [profile_id],
            )
        })
    }

    pub fn timeline(&self, session_id: &str) -> Result<Vec<TimelineEntry>, AppError> {
        let mut entries = self.recorded(session_id)?;
        // Stable: entries of one stage stay in the order they were recorded.
        entries.sort_by_key(|entry| entry.event.stage());
        Ok(entries)
    }

    /// The timeline's last entry: the furthest stage, the latest recorded within it.
    fn last_event(&self, session_id: &str) -> Result<Option<TimelineEntry>, AppError> {
        // `max_by_key` returns the last of equal maxima.
        Ok(self
            .recorded(session_id)?
            .into_iter()
            .max_by_key(|entry| entry.event.stage()))
    }

    /// A session's entries in the order they were recorded (a handful: one per status and attempt).
    fn recorded(&self, session_id: &str) -> Result<Vec<TimelineEntry>, AppError> {
        self.store.with(|conn| {
            let mut stmt = conn.prepare_cached(
                "SELECT at, kind, status, detail, source, callback_id FROM session_events WHERE session_id = ?1 ORDER BY id",
            )?;
            stmt.query_map([session_id], entry_from_row)?.collect()
        })
    }

    /// The ids, profiles and stores of the sessions not finished yet, newest first (at most
    /// `limit`): what a restart follows again.
    pub fn unfinished(
        &self,
        limit: u32,
    ) -> Result<Vec<(String, String, Option<String>)>, AppError> {
        self.store.with(|conn| {
            let mut stmt = conn.prepare(
                "SELECT id, profile_id, location_id FROM tracked_sessions
                 WHERE status NOT IN ('FINALIZED', 'CANCELLED', 'EXPIRED', 'FAILED')
                 ORDER BY updated_at DESC LIMIT ?1",
            )?;
            stmt.query_map([limit], |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)))?
                .collect()
        })
    }

    pub fn get(&self, session_id: &str) -> Result<Option<TrackedSession>, AppError> {
        let row = self.store.with(|conn| {
            conn.query_row(
                "SELECT body, profile_id, location_id, first_seen, updated_at, status_since FROM tracked_sessions WHERE id = ?1",
                [session_id],
                row_parts,
            )
            .optional()
        })?;
        row.map(|parts| self.assemble(parts)).transpose()
    }

    pub fn list(
        &self,
        profile_id: &str,
        filter: &SessionFilter,
    ) -> Result<Vec<TrackedSession>, AppError> {
        let rows = self.store.with(|conn| {
            // One device's sessions are picked out here, not after the limit: a device drawer
            // shows that device's newest even when the whole history holds many more.
            let mut stmt = conn.prepare(
                "SELECT body, profile_id, location_id, first_seen, updated_at, status_since FROM tracked_sessions
                 WHERE profile_id = ?1 AND (?2 IS NULL OR device_id = ?2)
                 ORDER BY first_seen DESC LIMIT 500",
            )?;
            stmt.query_map(rusqlite::params![profile_id, filter.device_id], row_parts)?
                .collect::<rusqlite::Result<Vec<_>>>()
        })?;
        let mut out = Vec::new();
        for parts in rows {
            let tracked = self.assemble(parts)?;
            let s = &tracked.session;
            let keep = filter
                .status
                .as_ref()
                .is_none_or(|st| s.status.as_str() == st)
                && filter.device_id.as_ref().is_none_or(|d| &s.device_id == d)
                && filter
                    .location_id
                    .as_ref()
                    .is_none_or(|l| tracked.location_id.as_ref() == Some(l))
                && filter.since.is_none_or(|since| tracked.first_seen >= since)
                && (!filter.active_only || !s.status.is_terminal());
            if keep {
                out.push(tracked);
            }
        }
        Ok(out)
    }

    /// Followed sessions of a profile whose id or merchant reference starts with `text`, newest
    /// first (the command palette).
    pub fn search(
        &self,
        profile_id: &str,
        text: &str,
        limit: usize,
    ) -> Result<Vec<TrackedSession>, AppError> {
        // `LIKE` patterns: the user's `%` and `_` are literal.
        let escaped = text
            .replace('\\', "\\\\")
            .replace('%', "\\%")
            .replace('_', "\\_");
        let pattern = format!("{escaped}%");
        let rows = self.store.with(|conn| {
            let mut stmt = conn.prepare(
                "SELECT body, profile_id, location_id, first_seen, updated_at, status_since FROM tracked_sessions
                 WHERE profile_id = ?1
                   AND (id LIKE ?2 ESCAPE '\\' OR json_extract(body, '$.merchant_reference1') LIKE ?2 ESCAPE '\\')
                 ORDER BY first_seen DESC LIMIT ?3",
            )?;
            stmt.query_map(rusqlite::params![profile_id, pattern, limit as i64], row_parts)?
                .collect::<rusqlite::Result<Vec<_>>>()
        })?;
        rows.into_iter().map(|parts| self.assemble(parts)).collect()
    }

    fn assemble(&self, parts: RowParts) -> Result<TrackedSession, AppError> {
        let (body, profile_id, location_id, first_seen, updated_at, status_since) = parts;
        let session: Session =
            serde_json::from_str(&body).map_err(|e| storage("read a saved session", e))?;
        let last_event = self.last_event(&session.session_id)?;
        Ok(TrackedSession {
            session,
            profile_id,
            location_id,
            first_seen,
            updated_at,
            status_since,
            last_event,
        })
    }

    /// Remembers a verified delivery's id; `true` the first time it is seen within `window`.
    /// Ids older than the window are dropped as new ones arrive (the table stays small, and only
    /// verified deliveries ever reach it). On the blocking pool.
    pub async fn remember_delivery(
        &self,
        webhook_id: &str,
        window: std::time::Duration,
    ) -> Result<bool, AppError> {
        let id = webhook_id.to_owned();
        let now = Utc::now();
        let horizon = now - chrono::Duration::from_std(window).unwrap_or(chrono::Duration::days(3));
        self.store
            .run(move |conn| {
                let inserted = conn.execute(
                    "INSERT OR IGNORE INTO webhook_replay (webhook_id, received_at) VALUES (?1, ?2)",
                    rusqlite::params![id, now],
                )?;
                if inserted == 1 {
                    conn.execute(
                        "DELETE FROM webhook_replay WHERE received_at < ?1",
                        [horizon],
                    )?;
                }
                Ok(inserted == 1)
            })
            .await
    }
}

type RowParts = (
    String,
    String,
    Option<String>,
    DateTime<Utc>,
    DateTime<Utc>,
    DateTime<Utc>,
);

fn row_parts(row: &rusqlite::Row<'_>) -> rusqlite::Result<RowParts> {
    Ok((
        row.get(0)?,
        row.get(1)?,
        row.get(2)?,
        row.get(3)?,
        row.get(4)?,
        row.get(5)?,
    ))
}

fn entry_from_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<TimelineEntry> {
    let kind: String = row.get(1)?;
    let event = if kind == "payment_failed" {
        TimelineEvent::PaymentFailed {
            reason: row.get::<_, Option<String>>(3)?.unwrap_or_default(),
        }
    } else {
        TimelineEvent::Status {
            status: row.get::<_, Option<String>>(2)?.unwrap_or_default(),
        }
    };
    Ok(TimelineEntry {
        at: row.get(0)?,
        event,
        source: EventSource::from_db(&row.get::<_, String>(4)?),
        callback_id: row.get(5)?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn session(status: SessionStatus) -> Session {
        serde_json::from_value(serde_json::json!({
            "session_id": "s1",
            "status": status.as_str(),
            "device_id": "d1",
            "order_amount": 100,
            "purchase_currency": "SEK",
        }))
        .unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn a_late_answer_never_moves_a_session_backwards() {
        let store = SessionStore::new(Store::in_memory().unwrap_or_else(|e| panic!("{e}")));
        let saved = |status| {
            store
                .upsert("p", &session(status), None)
                .unwrap_or_else(|e| panic!("{e}"))
        };
        let first = saved(SessionStatus::Active);
        assert_eq!(first.previous, None);
        assert!(first.changed());
        let finished = saved(SessionStatus::Finalized);
        assert_eq!(finished.previous.as_deref(), Some("ACTIVE"));
        assert!(finished.changed());
        // A poll answered before the callback landed, written after it.
        let late = saved(SessionStatus::Active);
        assert_eq!(late.status, SessionStatus::Finalized);
        assert!(!late.changed());
        let kept = store.get("s1").unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            kept.map(|t| t.session.status),
            Some(SessionStatus::Finalized)
        );
    }
}
