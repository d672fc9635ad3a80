//! Rollout batches in SQLite: a batch and every row saved before anything is sent, each row's
//! state as it goes, and a lock so one batch runs once at a time.

use chrono::{DateTime, Utc};
use kustom_ipp::{Enrollment, Metadata};
use rusqlite::OptionalExtension;
use serde::{Deserialize, Serialize};
use specta::Type;

use super::preview::PreviewRow;
use crate::AppError;
use crate::enrollments::codes::ExpiryPreset;
use crate::storage::Store;

/// Where a row of a batch is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(rename_all = "snake_case")]
pub enum RowState {
    /// Not sent yet.
    Pending,
    /// Sent, outcome not recorded (the app stopped, or the answer was lost).
    Creating,
    Created,
    Failed,
}

impl RowState {
    fn as_db(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Creating => "creating",
            Self::Created => "created",
            Self::Failed => "failed",
        }
    }

    fn from_db(value: &str) -> Self {
        match value {
            "creating" => Self::Creating,
            "created" => Self::Created,
            "failed" => Self::Failed,
            _ => Self::Pending,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Type)]
pub struct BatchRow {
    pub row_number: u32,
    pub location_id: String,
    pub location_name: String,
    pub device_label: Option<String>,
    pub metadata: Metadata,
    pub state: RowState,
    pub enrollment_id: Option<String>,
    pub code: Option<String>,
    pub expires_at: Option<DateTime<Utc>>,
    pub error: Option<String>,
    /// From the last reconcile: PENDING, CONSUMED, EXPIRED…
    pub live_status: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Type)]
pub struct BatchSummary {
    pub id: String,
    pub name: String,
    pub created_at: DateTime<Utc>,
    pub total: u32,
    pub created: u32,
    pub failed: u32,
    pub waiting: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Type)]
pub struct BatchDetail {
    pub summary: BatchSummary,
    pub rows: Vec<BatchRow>,
}

/// Progress of a running batch.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Type)]
pub struct BatchProgress {
    pub done: u32,
    pub total: u32,
    pub created: u32,
    pub failed: u32,
}

/// The short tag of a batch: the first 8 characters of its id.
pub fn tag(batch_id: &str) -> String {
    batch_id.chars().take(8).collect()
}

pub fn row_token(batch_id: &str, row_number: u32) -> String {
    format!("{}-{row_number}", tag(batch_id))
}

#[derive(Clone)]
pub struct Rollouts {
    pub(super) store: Store,
    /// Batches being run right now: one run per batch at a time.
    running: std::sync::Arc<parking_lot::Mutex<std::collections::HashSet<String>>>,
}

/// Holds a batch's run lock until dropped.
pub(super) struct RunGuard {
    batch_id: String,
    running: std::sync::Arc<parking_lot::Mutex<std::collections::HashSet<String>>>,
}

impl Drop for RunGuard {
    fn drop(&mut self) {
        self.running.lock().remove(&self.batch_id);
    }
}

impl Rollouts {
    pub fn new(store: Store) -> Self {
        Self {
            store,
            running: std::sync::Arc::default(),
        }
    }

    /// The profile a batch was made for: every operation on it uses that profile's account.
    pub fn profile_of(&self, batch_id: &str) -> Result<String, AppError> {
        self.store
            .with(|conn| {
                conn.query_row(
                    "SELECT profile_id FROM rollout_batches WHERE id = ?1",
                    [batch_id],
                    |row| row.get(0),
                )
                .optional()
            })?
            .ok_or_else(|| AppError::NotFound {
                message: "That rollout no longer exists.".to_owned(),
            })
    }

    /// Forgets the codes of rows whose code can no longer be used (consumed, expired, cancelled):
    /// a pairing code is a credential while pending and worth nothing after.
    pub fn purge_spent_codes(&self) -> Result<usize, AppError> {
        let now = Utc::now();
        self.store.with(|conn| {
            conn.execute(
                "UPDATE rollout_rows SET code = NULL
                 WHERE code IS NOT NULL
                   AND (live_status IN ('CONSUMED', 'EXPIRED', 'CANCELLED') OR expires_at < ?1)",
                [now],
            )
        })
    }

    /// Deletes every batch (and its rows and codes) of a profile that is being deleted.
    pub fn forget_profile(&self, profile_id: &str) -> Result<usize, AppError> {
        self.store.with(|conn| {
            conn.execute(
                "DELETE FROM rollout_rows WHERE batch_id IN
                     (SELECT id FROM rollout_batches WHERE profile_id = ?1)",
                [profile_id],
            )?;
            conn.execute(
                "DELETE FROM rollout_batches WHERE profile_id = ?1",
                [profile_id],
            )
        })
    }

    pub(super) fn lock(&self, batch_id: &str) -> Result<RunGuard, AppError> {
        if !self.running.lock().insert(batch_id.to_owned()) {
            return Err(AppError::Conflict {
                message: "This rollout is already running; wait for it to finish.".to_owned(),
            });
        }
        Ok(RunGuard {
            batch_id: batch_id.to_owned(),
            running: self.running.clone(),
        })
    }

    /// Saves a batch of the preview's valid rows; nothing is sent yet.
    pub fn create(
        &self,
        profile_id: &str,
        name: &str,
        expiry: ExpiryPreset,
        rows: &[PreviewRow],
    ) -> Result<String, AppError> {
        let valid: Vec<&PreviewRow> = rows
            .iter()
            .filter(|r| r.errors.is_empty() && r.location_id.is_some())
            .collect();
        if valid.is_empty() {
            return Err(AppError::invalid_field(
                "rows",
                "No row is ready to create; fix the rows marked in red.",
            ));
        }
        let id = uuid::Uuid::new_v4().to_string();
        let name = if name.trim().is_empty() {
            format!("Rollout {}", Utc::now().format("%Y-%m-%d %H:%M"))
        } else {
            name.trim().to_owned()
        };
        self.store.transaction(|tx| {
            let db = |err: rusqlite::Error| crate::storage::storage("save the rollout", err);
            tx.execute(
                "INSERT INTO rollout_batches (id, profile_id, name, created_at, expires_in_ms) VALUES (?1, ?2, ?3, ?4, ?5)",
                rusqlite::params![id, profile_id, name, Utc::now(), expiry.millis()],
            )
            .map_err(db)?;
            for (index, row) in valid.iter().enumerate() {
                let metadata = serde_json::to_string(&row.metadata).map_err(|e| crate::storage::storage("save the rollout", e))?;
                tx.execute(
                    "INSERT INTO rollout_rows (batch_id, row_number, location_id, location_name, device_label, metadata, state)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, 'pending')",
                    rusqlite::params![id, index as u32 + 1, row.location_id, row.location_name, row.device_label, metadata],
                )
                .map_err(db)?;
            }
            Ok(())
        })?;
        Ok(id)
    }

    pub fn list(&self, profile_id: &str) -> Result<Vec<BatchSummary>, AppError> {
        let ids: Vec<String> = self.store.with(|conn| {
            let mut stmt = conn.prepare(
                "SELECT id FROM rollout_batches WHERE profile_id = ?1 ORDER BY created_at DESC",
            )?;
            stmt.query_map([profile_id], |row| row.get(0))?.collect()
        })?;
        ids.iter()
            .map(|id| self.detail(id).map(|d| d.summary))
            .collect()
    }

    pub fn detail(&self, batch_id: &str) -> Result<BatchDetail, AppError> {
        let header = self.store.with(|conn| {
            conn.query_row(
                "SELECT name, created_at FROM rollout_batches WHERE id = ?1",
                [batch_id],
                |row| Ok((row.get::<_, String>(0)?, row.get::<_, DateTime<Utc>>(1)?)),
            )
            .optional()
        })?;
        let Some((name, created_at)) = header else {
            return Err(AppError::NotFound {
                message: "That rollout no longer exists.".to_owned(),
            });
        };
        let rows = self.rows(batch_id)?;
        let count = |state: RowState| rows.iter().filter(|r| r.state == state).count() as u32;
        Ok(BatchDetail {
            summary: BatchSummary {
                id: batch_id.to_owned(),
                name,
                created_at,
                total: rows.len() as u32,
                created: count(RowState::Created),
                failed: count(RowState::Failed),
                waiting: count(RowState::Pending) + count(RowState::Creating),
            },
            rows,
        })
    }

    pub(super) fn rows(&self, batch_id: &str) -> Result<Vec<BatchRow>, AppError> {
        self.store.with(|conn| {
            let mut stmt = conn.prepare(
                "SELECT row_number, location_id, location_name, device_label, metadata, state, enrollment_id, code,
                        expires_at, error, live_status
                 FROM rollout_rows WHERE batch_id = ?1 ORDER BY row_number",
            )?;
            stmt.query_map([batch_id], |row| {
                let metadata: String = row.get(4)?;
                Ok(BatchRow {
                    row_number: row.get(0)?,
                    location_id: row.get(1)?,
                    location_name: row.get(2)?,
                    device_label: row.get(3)?,
                    metadata: serde_json::from_str(&metadata).unwrap_or_default(),
                    state: RowState::from_db(&row.get::<_, String>(5)?),
                    enrollment_id: row.get(6)?,
                    code: row.get(7)?,
                    expires_at: row.get(8)?,
                    error: row.get(9)?,
                    live_status: row.get(10)?,
                })
            })?
            .collect()
        })
    }

    pub(super) fn expires_in(&self, batch_id: &str) -> Result<i64, AppError> {
        self.store.with(|conn| {
            conn.query_row(
                "SELECT expires_in_ms FROM rollout_batches WHERE id = ?1",
                [batch_id],
                |row| row.get(0),
            )
        })
    }

    pub(super) fn set_state(
        &self,
        batch_id: &str,
        row_number: u32,
        state: RowState,
        error: Option<&str>,
    ) -> Result<(), AppError> {
        self.store.with(|conn| {
            conn.execute(
                "UPDATE rollout_rows SET state = ?3, error = ?4 WHERE batch_id = ?1 AND row_number = ?2",
                rusqlite::params![batch_id, row_number, state.as_db(), error],
            )
            .map(|_| ())
        })
    }

    pub(super) fn record_created(
        &self,
        batch_id: &str,
        row_number: u32,
        enrollment: &Enrollment,
    ) -> Result<(), AppError> {
        self.store.with(|conn| {
            conn.execute(
                "UPDATE rollout_rows SET state = 'created', error = NULL, enrollment_id = ?3, code = ?4, expires_at = ?5,
                        live_status = ?6
                 WHERE batch_id = ?1 AND row_number = ?2",
                rusqlite::params![
                    batch_id,
                    row_number,
                    enrollment.enrollment_id,
                    enrollment.enrollment_code.as_str(),
                    enrollment.expires_at,
                    enrollment.status.as_str()
                ],
            )?;
            // Kept beyond the batch's own life: where the code's device will belong (the API
            // does not say [GAP §5.1]; enrollments::issued).
            conn.execute(
                "INSERT INTO issued_codes (profile_id, enrollment_id, location_id, expires_at, issued_at)
                 SELECT b.profile_id, ?3, r.location_id, ?4, ?5
                 FROM rollout_batches b JOIN rollout_rows r ON r.batch_id = b.id
                 WHERE b.id = ?1 AND r.row_number = ?2
                 ON CONFLICT (profile_id, enrollment_id) DO NOTHING",
                rusqlite::params![
                    batch_id,
                    row_number,
                    enrollment.enrollment_id,
                    enrollment.expires_at,
                    Utc::now()
                ],
            )
            .map(|_| ())
        })
    }
}
