//! Store rollouts: many pairing codes at once, from a CSV file or "N codes for location X".
//!
//! A batch and each of its rows are saved in SQLite before anything is sent, and every code is
//! tagged with metadata naming its batch and row (`fleetdesk_batch`, `fleetdesk_row`). Before a
//! row is created again — after a crash, a timeout or a failure whose outcome is unknown — the
//! API is asked for an enrollment with that row's tag. So a row never gets a second code, however
//! often the batch is resumed or retried.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use futures::StreamExt;
use kustom_ipp::{
    Client, CreateEnrollment, Enrollment, EnrollmentQuery, EnrollmentStatus, Location, Metadata,
    MetadataFilter, PageRequest, PagingOptions, fetch_all,
};
use rusqlite::OptionalExtension;
use serde::{Deserialize, Serialize};
use specta::Type;

use crate::AppError;
use crate::enrollments::{DEVICE_LABEL_KEY, ExpiryPreset};
use crate::metadata_rules::{MetadataRow, validate_rows};
use crate::store::Store;

pub const BATCH_KEY: &str = "fleetdesk_batch";
pub const ROW_KEY: &str = "fleetdesk_row";
/// Rows created at once.
const CONCURRENCY: usize = 4;
/// The most rows one batch may have.
pub const MAX_ROWS: usize = 2_000;
/// The largest rollout file read (2,000 rows of generous width fit ten times over).
pub const MAX_FILE_BYTES: usize = 2 * 1024 * 1024;
/// The longest device label (as the create form allows).
pub const MAX_LABEL_CHARS: usize = 60;

// ---- Preview ---------------------------------------------------------------------------------

/// One row of a rollout as it will be created, or why it cannot be.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Type)]
pub struct PreviewRow {
    /// 1-based, as in the file (header excluded).
    pub row_number: u32,
    pub location_id: Option<String>,
    pub location_name: String,
    pub device_label: Option<String>,
    pub metadata: Metadata,
    /// What is wrong with the row; an empty list means it will be created.
    pub errors: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Type)]
pub struct RolloutPreview {
    pub rows: Vec<PreviewRow>,
    /// The metadata columns found in the file.
    pub metadata_columns: Vec<String>,
    pub valid: u32,
    pub invalid: u32,
}

impl RolloutPreview {
    fn from_rows(rows: Vec<PreviewRow>, metadata_columns: Vec<String>) -> Self {
        let invalid = rows.iter().filter(|r| !r.errors.is_empty()).count() as u32;
        Self {
            valid: rows.len() as u32 - invalid,
            invalid,
            rows,
            metadata_columns,
        }
    }
}

const LOCATION_HEADERS: &[&str] = &[
    "location",
    "location_id",
    "location id",
    "location_name",
    "location name",
    "store",
    "butik",
];
const LABEL_HEADERS: &[&str] = &[
    "device_label",
    "device label",
    "label",
    "device",
    "device name",
    "name",
];

fn find_location<'a>(locations: &'a [Location], given: &str) -> Option<&'a Location> {
    locations.iter().find(|l| l.id == given).or_else(|| {
        locations
            .iter()
            .find(|l| l.name.trim().eq_ignore_ascii_case(given))
    })
}

/// The delimiter of a CSV file: Excel in Sweden writes `;`, elsewhere `,`; tabs are accepted too.
fn sniff_delimiter(header_line: &str) -> u8 {
    let count = |c: char| header_line.matches(c).count();
    [(b';', count(';')), (b'\t', count('\t')), (b',', count(','))]
        .into_iter()
        .max_by_key(|(_, n)| *n)
        .filter(|(_, n)| *n > 0)
        .map(|(d, _)| d)
        .unwrap_or(b',')
}

/// Reads a rollout CSV: a location column (id or name), an optional device label column, and any
/// number of metadata columns. A UTF-8 BOM, `;` or `,` delimiters and quoted fields are handled.
pub fn parse_csv(text: &str, locations: &[Location]) -> Result<RolloutPreview, AppError> {
    if text.len() > MAX_FILE_BYTES {
        return Err(AppError::invalid_field(
            "file",
            format!(
                "The file is larger than {} MB; a rollout has at most {MAX_ROWS} rows.",
                MAX_FILE_BYTES / (1024 * 1024)
            ),
        ));
    }
    let text = text.trim_start_matches('\u{feff}');
    let header_line = text.lines().next().unwrap_or_default();
    if header_line.trim().is_empty() {
        return Err(AppError::invalid_field("file", "The file is empty."));
    }
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(sniff_delimiter(header_line))
        .flexible(true)
        .trim(csv::Trim::All)
        .from_reader(text.as_bytes());
    let headers: Vec<String> = reader
        .headers()
        .map_err(|err| {
            AppError::invalid_field("file", format!("The header row could not be read: {err}"))
        })?
        .iter()
        .map(str::to_owned)
        .collect();
    let lower: Vec<String> = headers.iter().map(|h| h.to_lowercase()).collect();
    let location_column = lower
        .iter()
        .position(|h| LOCATION_HEADERS.contains(&h.as_str()))
        .ok_or_else(|| {
            AppError::invalid_field(
                "file",
                "No location column: name one column “location” (a location id or name).",
            )
        })?;
    let label_column = lower
        .iter()
        .position(|h| LABEL_HEADERS.contains(&h.as_str()));
    let metadata_columns: Vec<(usize, String)> = headers
        .iter()
        .enumerate()
        .filter(|(i, _)| *i != location_column && Some(*i) != label_column)
        .map(|(i, h)| (i, h.trim().to_owned()))
        .collect();
    if let Some((_, blank)) = metadata_columns.iter().find(|(_, h)| h.is_empty()) {
        let _ = blank;
        return Err(AppError::invalid_field(
            "file",
            "A column has no name in the header row.",
        ));
    }

    let mut rows = Vec::new();
    for (index, record) in reader.records().enumerate() {
        let row_number = index as u32 + 1;
        if rows.len() == MAX_ROWS {
            return Err(AppError::invalid_field(
                "file",
                format!("A rollout has at most {MAX_ROWS} rows; split the file."),
            ));
        }
        let record = match record {
            Ok(record) => record,
            Err(err) => {
                rows.push(PreviewRow {
                    row_number,
                    location_id: None,
                    location_name: String::new(),
                    device_label: None,
                    metadata: Metadata::new(),
                    errors: vec![format!("This row could not be read: {err}")],
                });
                continue;
            }
        };
        if record.iter().all(str::is_empty) {
            continue;
        }
        let mut errors = Vec::new();
        if record.len() != headers.len() {
            errors.push(format!(
                "Has {} fields; the header has {}.",
                record.len(),
                headers.len()
            ));
        }
        let given = record.get(location_column).unwrap_or_default();
        let location = find_location(locations, given);
        if given.is_empty() {
            errors.push("No location given.".to_owned());
        } else if location.is_none() {
            errors.push(format!("Unknown location “{given}”."));
        }
        let device_label = label_column
            .and_then(|i| record.get(i))
            .filter(|l| !l.is_empty())
            .map(str::to_owned);
        if device_label
            .as_deref()
            .is_some_and(|l| l.chars().count() > MAX_LABEL_CHARS)
        {
            errors.push(format!(
                "The device label is longer than {MAX_LABEL_CHARS} characters."
            ));
        }
        let rows_in: Vec<MetadataRow> = metadata_columns
            .iter()
            .filter_map(|(i, key)| {
                record
                    .get(*i)
                    .filter(|v| !v.is_empty())
                    .map(|v| MetadataRow {
                        key: key.clone(),
                        value: v.to_owned(),
                    })
            })
            .collect();
        let metadata = match validate_rows(&rows_in) {
            Ok(metadata) => metadata,
            Err(err) => {
                errors.push(err.to_string());
                Metadata::new()
            }
        };
        rows.push(PreviewRow {
            row_number,
            location_id: location.map(|l| l.id.clone()),
            location_name: location
                .map(|l| l.name.clone())
                .unwrap_or_else(|| given.to_owned()),
            device_label,
            metadata,
            errors,
        });
    }
    if rows.is_empty() {
        return Err(AppError::invalid_field(
            "file",
            "The file has a header but no rows.",
        ));
    }
    Ok(RolloutPreview::from_rows(
        rows,
        metadata_columns.into_iter().map(|(_, h)| h).collect(),
    ))
}

/// "N codes for location X": rows labelled `<prefix> 1` … `<prefix> N`.
pub fn generate(
    location: &Location,
    count: u32,
    label_prefix: &str,
) -> Result<RolloutPreview, AppError> {
    if count == 0 || count as usize > MAX_ROWS {
        return Err(AppError::invalid_field(
            "count",
            format!("Choose between 1 and {MAX_ROWS} codes."),
        ));
    }
    let prefix = label_prefix.trim();
    let rows = (1..=count)
        .map(|n| PreviewRow {
            row_number: n,
            location_id: Some(location.id.clone()),
            location_name: location.name.clone(),
            device_label: (!prefix.is_empty()).then(|| format!("{prefix} {n}")),
            metadata: Metadata::new(),
            errors: Vec::new(),
        })
        .collect();
    Ok(RolloutPreview::from_rows(rows, Vec::new()))
}

// ---- Batches ---------------------------------------------------------------------------------

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
    store: Store,
    /// Batches being run right now: one run per batch at a time.
    running: std::sync::Arc<parking_lot::Mutex<std::collections::HashSet<String>>>,
}

/// Holds a batch's run lock until dropped.
struct RunGuard {
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

    fn lock(&self, batch_id: &str) -> Result<RunGuard, AppError> {
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
            let db = |err: rusqlite::Error| crate::store::storage("save the rollout", err);
            tx.execute(
                "INSERT INTO rollout_batches (id, profile_id, name, created_at, expires_in_ms) VALUES (?1, ?2, ?3, ?4, ?5)",
                rusqlite::params![id, profile_id, name, Utc::now(), expiry.millis()],
            )
            .map_err(db)?;
            for (index, row) in valid.iter().enumerate() {
                let metadata = serde_json::to_string(&row.metadata).map_err(|e| crate::store::storage("save the rollout", e))?;
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

    fn rows(&self, batch_id: &str) -> Result<Vec<BatchRow>, AppError> {
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

    fn expires_in(&self, batch_id: &str) -> Result<i64, AppError> {
        self.store.with(|conn| {
            conn.query_row(
                "SELECT expires_in_ms FROM rollout_batches WHERE id = ?1",
                [batch_id],
                |row| row.get(0),
            )
        })
    }

    fn set_state(
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

    fn record_created(
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
            )
            .map(|_| ())
        })
    }

    /// Runs database work of this batch store on the blocking pool.
    async fn db<T: Send + 'static>(
        &self,
        f: impl FnOnce(&Rollouts) -> Result<T, AppError> + Send + 'static,
    ) -> Result<T, AppError> {
        let this = self.clone();
        tokio::task::spawn_blocking(move || f(&this))
            .await
            .map_err(|err| AppError::internal(format!("a database task failed: {err}")))?
    }

    /// Creates every row that has no code yet (pending, interrupted, failed), `CONCURRENCY` at a
    /// time, reporting progress after each row. Safe to call again at any point; a second call
    /// while one runs is refused (both would create codes for the same pending rows).
    pub async fn run(
        &self,
        client: &Client,
        batch_id: &str,
        mut progress: impl FnMut(BatchProgress),
    ) -> Result<BatchDetail, AppError> {
        let _running = self.lock(batch_id)?;
        let id = batch_id.to_owned();
        let (expires_in, rows) = self
            .db(move |r| Ok((r.expires_in(&id)?, r.rows(&id)?)))
            .await?;
        let total = rows.len() as u32;
        let created = rows.iter().filter(|r| r.state == RowState::Created).count() as u32;
        let mut report = BatchProgress {
            done: created,
            total,
            created,
            failed: 0,
        };
        progress(report);
        let todo: Vec<BatchRow> = rows
            .into_iter()
            .filter(|r| r.state != RowState::Created)
            .collect();
        let mut outcomes = futures::stream::iter(todo)
            .map(|row| async move {
                let outcome = self.create_row(client, batch_id, &row, expires_in).await;
                (row.row_number, outcome)
            })
            .buffer_unordered(CONCURRENCY);
        while let Some((row_number, outcome)) = outcomes.next().await {
            report.done += 1;
            let id = batch_id.to_owned();
            match outcome {
                Ok(enrollment) => {
                    self.db(move |r| r.record_created(&id, row_number, &enrollment))
                        .await?;
                    report.created += 1;
                }
                Err(err) => {
                    let message = err.to_string();
                    self.db(move |r| {
                        r.set_state(&id, row_number, RowState::Failed, Some(&message))
                    })
                    .await?;
                    report.failed += 1;
                }
            }
            progress(report);
        }
        let id = batch_id.to_owned();
        self.db(move |r| r.detail(&id)).await
    }

    /// One row: find its code if an earlier attempt made one, otherwise create it.
    async fn create_row(
        &self,
        client: &Client,
        batch_id: &str,
        row: &BatchRow,
        expires_in: i64,
    ) -> Result<Enrollment, AppError> {
        let token = row_token(batch_id, row.row_number);
        if row.state != RowState::Pending {
            if let Some(existing) =
                find_by_token(client, &row.location_id, batch_id, &token).await?
            {
                return Ok(existing);
            }
        }
        let (id, number) = (batch_id.to_owned(), row.row_number);
        self.db(move |r| r.set_state(&id, number, RowState::Creating, None))
            .await?;
        let mut metadata = row.metadata.clone();
        if let Some(label) = &row.device_label {
            metadata.insert(DEVICE_LABEL_KEY.to_owned(), label.clone());
        }
        metadata.insert(BATCH_KEY.to_owned(), tag(batch_id));
        metadata.insert(ROW_KEY.to_owned(), token.clone());
        let request = CreateEnrollment {
            metadata: Some(metadata),
            expires_in: Some(expires_in),
            location_id: Some(row.location_id.clone()),
            ttl: None,
        };
        match client.create_enrollment(&request).await {
            // The answer was lost: the row's tag finds the code if it was made.
            Err(kustom_ipp::ApiError::OutcomeUnknown { cause, .. }) => {
                find_by_token(client, &row.location_id, batch_id, &token)
                    .await?
                    .ok_or_else(|| AppError::OutcomeUnknown {
                        message: format!(
                            "Kustom's answer was lost ({cause}); run the rollout again to check \
                             and finish this row."
                        ),
                    })
            }
            other => Ok(other?),
        }
    }

    /// Asks the API where every code of the batch stands (pending, consumed, expired), records
    /// it, and forgets the codes that can no longer be used.
    pub async fn reconcile(
        &self,
        client: &Client,
        batch_id: &str,
    ) -> Result<BatchDetail, AppError> {
        let query = EnrollmentQuery {
            location_id: None,
            metadata: MetadataFilter::new().and(BATCH_KEY, tag(batch_id))?,
            include_consumed: Some(true),
        };
        let live = fetch_all(
            |page| {
                let query = query.clone();
                async move { client.list_enrollments(&query, page).await }
            },
            PagingOptions::default(),
            |_| {},
        )
        .await?;
        let id = batch_id.to_owned();
        self.db(move |r| {
            let by_token: HashMap<&str, &Enrollment> = live
                .iter()
                .filter_map(|e| e.metadata.get(ROW_KEY).map(|t| (t.as_str(), e)))
                .collect();
            for row in r.rows(&id)? {
                let token = row_token(&id, row.row_number);
                let status = match by_token.get(token.as_str()) {
                    Some(enrollment) => enrollment.status.as_str().to_owned(),
                    // Cancelled codes are never listed [DOC §5.3].
                    None if row.state == RowState::Created => {
                        EnrollmentStatus::Cancelled.as_str().to_owned()
                    }
                    None => continue,
                };
                r.store.with(|conn| {
                    conn.execute(
                        "UPDATE rollout_rows SET live_status = ?3 WHERE batch_id = ?1 AND row_number = ?2",
                        rusqlite::params![id, row.row_number, status],
                    )
                })?;
            }
            r.purge_spent_codes()?;
            r.detail(&id)
        })
        .await
    }
}

/// The enrollment tagged with a row's token, if one exists.
async fn find_by_token(
    client: &Client,
    location_id: &str,
    batch_id: &str,
    token: &str,
) -> Result<Option<Enrollment>, AppError> {
    let query = EnrollmentQuery {
        location_id: Some(location_id.to_owned()),
        metadata: MetadataFilter::from_pairs([
            (BATCH_KEY, tag(batch_id)),
            (ROW_KEY, token.to_owned()),
        ])?,
        include_consumed: Some(true),
    };
    let page = client
        .list_enrollments(&query, PageRequest::new(0, 10))
        .await?;
    Ok(page
        .content
        .into_iter()
        .find(|e| e.metadata.get(ROW_KEY).map(String::as_str) == Some(token)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn locations() -> Vec<Location> {
        vec![
            Location {
                id: "loc-sto".into(),
                name: "Stockholm Drottninggatan".into(),
                city: None,
                address: None,
                created_at: None,
            },
            Location {
                id: "loc-got".into(),
                name: "Göteborg Nordstan".into(),
                city: None,
                address: None,
                created_at: None,
            },
        ]
    }

    #[test]
    fn reads_excel_style_semicolon_files_with_bom_and_quotes() {
        let text = "\u{feff}Location;Device label;region;note\n\
                    Stockholm Drottninggatan;Till 1;Stockholm;\"Entrance; left side\"\n\
                    loc-got;\"Till \"\"2\"\"\";Väst;\n";
        let preview = parse_csv(text, &locations()).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!((preview.valid, preview.invalid), (2, 0));
        assert_eq!(preview.metadata_columns, ["region", "note"]);
        let first = &preview.rows[0];
        assert_eq!(first.location_id.as_deref(), Some("loc-sto"));
        assert_eq!(
            first.metadata.get("note").map(String::as_str),
            Some("Entrance; left side")
        );
        assert_eq!(preview.rows[1].device_label.as_deref(), Some("Till \"2\""));
        assert_eq!(preview.rows[1].location_name, "Göteborg Nordstan");
        assert!(
            !preview.rows[1].metadata.contains_key("note"),
            "empty cells add no metadata"
        );
    }

    #[test]
    fn comma_files_and_bad_rows_are_reported_per_row() {
        let text = "store,label,store_id\n\
                    göteborg nordstan,Till 1,SE-GOT-002\n\
                    Malmö Triangeln,Till 2,SE-MMX-003\n\
                    ,Till 3,x\n\
                    Stockholm Drottninggatan,Till 4\n";
        let preview = parse_csv(text, &locations()).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!((preview.valid, preview.invalid), (1, 3));
        assert!(preview.rows[1].errors[0].contains("Unknown location “Malmö Triangeln”"));
        assert!(preview.rows[2].errors[0].contains("No location"));
        assert!(preview.rows[3].errors[0].contains("fields"));
    }

    #[test]
    fn files_without_a_location_column_or_rows_are_refused() {
        assert!(parse_csv("label,region\nTill,Syd\n", &locations()).is_err());
        assert!(parse_csv("location\n", &locations()).is_err());
        assert!(parse_csv("", &locations()).is_err());
    }

    #[test]
    fn generates_labelled_rows_for_one_location() {
        let preview = generate(&locations()[0], 3, "Till").unwrap_or_else(|e| panic!("{e}"));
        let labels: Vec<_> = preview
            .rows
            .iter()
            .filter_map(|r| r.device_label.clone())
            .collect();
        assert_eq!(labels, ["Till 1", "Till 2", "Till 3"]);
        assert!(generate(&locations()[0], 0, "Till").is_err());
    }
}
